"""Managers invite colleagues by e-mail; the signed link expires, serves once, and sets up the account."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from directory.demo.accounts import DEMO_PASSWORD, STAFF_USERNAME
from directory.partners.models import Invitation, Membership, Role

from .factories import OrganisationFactory
from .test_partner_access import make_partner, make_staff


@pytest.fixture
def manager(gers, django_user_model):
    organisation = OrganisationFactory(name="CCAS de Condom")
    return make_partner(django_user_model, organisation, username="responsable", role=Role.MANAGER)


def invite(client, manager, email="nouvelle@exemple.org", role=Role.EDITOR):
    client.force_login(manager)
    organisation = manager.memberships.get().organisation
    response = client.post(
        reverse("directory_team:index"), {"organisation": organisation.pk, "email": email, "role": role}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"https?://\S+/partenaires/invitation/\S+/", mail.outbox[-1].body).group(0)
    client.logout()
    return link


@pytest.mark.django_db
def test_manager_invites_and_the_invitee_joins_with_a_password(client, manager, django_user_model):
    link = invite(client, manager)
    assert mail.outbox[-1].to == ["nouvelle@exemple.org"]
    page = client.get(link)
    assert page.status_code == 200
    assert "CCAS de Condom" in page.content.decode()

    weak = client.post(
        link, {"first_name": "Léa", "last_name": "Martin", "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 400
    response = client.post(
        link,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "password1": "tournesol-gascon-2026",
            "password2": "tournesol-gascon-2026",
        },
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(email="nouvelle@exemple.org")
    assert user.check_password("tournesol-gascon-2026")
    membership = Membership.objects.get(user=user)
    assert membership.organisation.name == "CCAS de Condom" and membership.role == Role.EDITOR
    assert "Mes fiches" in client.get(reverse("wagtailadmin_home")).content.decode()

    # The link serves once.
    client.logout()
    assert client.get(link).status_code == 410


@pytest.mark.django_db
def test_an_existing_account_joins_with_its_password(client, manager, django_user_model):
    other = OrganisationFactory(name="Secours populaire d'Auch")
    existing = make_partner(django_user_model, other, username="benevole")
    link = invite(client, manager, email=existing.email)
    assert client.post(link, {"password": "faux"}).status_code == 400
    assert client.post(link, {"password": "motdepasse-solide-42"}).status_code == 302
    assert set(existing.memberships.values_list("organisation__name", flat=True)) == {
        "Secours populaire d'Auch",
        "CCAS de Condom",
    }


@pytest.mark.django_db
def test_expired_or_forged_links_are_refused_clearly(client, manager, settings):
    link = invite(client, manager)
    assert client.get(link + "x/").status_code == 404
    forged = link.rsplit("/", 2)[0] + "/abc:def/"
    response = client.get(forged)
    assert response.status_code == 410
    assert "ne fonctionne plus" in response.content.decode()
    settings.DIRECTORY_INVITATION_MAX_AGE_DAYS = -1
    assert client.get(link).status_code == 410
    assert not Invitation.objects.exclude(accepted_at=None).exists()


@pytest.mark.django_db
def test_only_managers_and_staff_invite(client, manager, django_user_model):
    organisation = manager.memberships.get().organisation
    editor = make_partner(django_user_model, organisation, username="redacteur")
    client.force_login(editor)
    # Wagtail turns a refusal in the admin into a redirect to the dashboard with a message.
    assert client.get(reverse("directory_team:index")).status_code in (302, 403)
    client.force_login(make_staff(django_user_model))
    assert client.get(reverse("directory_team:index")).status_code == 200


@pytest.mark.django_db
def test_manager_cannot_invite_into_another_organisation(client, manager):
    other = OrganisationFactory(name="Autre structure")
    client.force_login(manager)
    response = client.post(
        reverse("directory_team:index"),
        {"organisation": other.pk, "email": "x@exemple.org", "role": "manager"},
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_are_created_once_and_printed(gers, settings, capsys):
    from io import StringIO

    from django.contrib.auth import get_user_model

    from directory.demo.listings import load_directory

    load_directory()
    out = StringIO()
    call_command("load_demo", "--accounts", stdout=out)
    call_command("load_demo", "--accounts", stdout=StringIO())
    text = out.getvalue()
    assert DEMO_PASSWORD in text and STAFF_USERNAME in text
    User = get_user_model()
    staff = User.objects.get(username=STAFF_USERNAME)
    assert staff.check_password(DEMO_PASSWORD)
    partners = User.objects.filter(username__startswith="partenaire-")
    assert partners.count() == User.objects.filter(memberships__isnull=False).distinct().count() > 5
    assert all(p.memberships.count() == 1 for p in partners)
