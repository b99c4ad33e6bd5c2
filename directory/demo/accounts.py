"""Demo accounts for local development: one partner per demo organisation and one staff member.

Never created outside DEBUG (see load_demo): the password is public, it is in the README.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from directory.listings.models import Organisation
from directory.partners.models import Membership, Role
from directory.partners.moderation import PARTNERS_GROUP, STAFF_GROUP, ensure_groups_and_workflow

DEMO_PASSWORD = "demo-gers-solidaire"  # noqa: S105 (public on purpose: development only)
STAFF_USERNAME = "equipe"


def partner_username(organisation):
    return f"partenaire-{organisation.slug}"[:150]


def _user(username, email, first_name, last_name, groups):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name
        )
    user.groups.add(*groups)
    return user


@transaction.atomic
def load_demo_accounts():
    """Create the missing accounts; return (username, description) pairs for every demo account."""
    ensure_groups_and_workflow()
    partners = Group.objects.get(name=PARTNERS_GROUP)
    staff_groups = [Group.objects.get(name=STAFF_GROUP)]
    # Wagtail's own page moderators: staff also publish news and pages.
    staff_groups += list(Group.objects.filter(name="Moderators"))
    accounts = []
    _user(STAFF_USERNAME, "equipe@gers-solidaire.test", "Équipe", "Gers Solidaire", staff_groups)
    accounts.append((STAFF_USERNAME, "équipe Gers Solidaire (valide les modifications)"))
    for organisation in Organisation.objects.filter(source_id__startswith="demo-").order_by("name"):
        username = partner_username(organisation)
        user = _user(
            username, f"{username}@gers-solidaire.test", "Partenaire", organisation.name[:150], [partners]
        )
        Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": Role.MANAGER}
        )
        accounts.append((username, f"responsable de {organisation.name}"))
    return accounts
