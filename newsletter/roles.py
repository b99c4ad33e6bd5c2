"""What the Gers Solidaire staff group may do with the newsletter, kept in place after every migrate (idempotent).

The group itself, its directory permissions and the moderation workflow are set up in directory/partners/moderation.py
(the directory imports nothing of the newsletter); this module adds the newsletter's share: its admin menu
(subscribers, sends), composing issues as pages under the newsletter page, sending a test and sending to all.
Importing a list stays with administrators: it asserts consents that the site did not collect itself.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from directory.partners.moderation import STAFF_GROUP

STAFF_NEWSLETTER_PERMISSIONS = (
    "view_subscriber",
    "delete_subscriber",  # right to erasure
    "view_campaign",
    "send_test",
    "send_campaign",
)
# On the newsletter page and the issues below it.
STAFF_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


@transaction.atomic
def ensure_newsletter_roles():
    from django.apps import apps
    from wagtail.models import GroupPagePermission

    from .models import NewsletterIndexPage

    create_permissions(apps.get_app_config("newsletter"), verbosity=0)
    staff, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="newsletter", codename__in=STAFF_NEWSLETTER_PERMISSIONS
        )
    )
    page_permissions = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=STAFF_PAGE_PERMISSIONS
    )
    for index in NewsletterIndexPage.objects.all():
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(group=staff, page=index, permission=permission)
    return staff


def on_post_migrate(sender, app_config=None, using="default", **kwargs):
    if app_config is None or app_config.label != "newsletter":
        return
    ensure_newsletter_roles()
