"""The staff group ("equipe" in the demo: not a superuser, not is_staff) runs the newsletter and sees the reports."""

import pytest
from django.contrib.auth.models import Group

from directory.partners.moderation import STAFF_GROUP
from newsletter.demo import load_newsletter
from newsletter.models import NewsletterIndexPage, NewsletterIssuePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model, demo_site):
    load_newsletter()
    user = django_user_model.objects.create_user("equipe", "equipe@gers.example", "motdepasse-solide-1")
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    assert not (user.is_superuser or user.is_staff)
    client.force_login(user)
    return client


def test_staff_group_has_the_newsletter_menu_and_its_pages(staff_client):
    dashboard = staff_client.get("/admin/").content.decode()
    assert "Lettre d&#x27;information" in dashboard or "Lettre d'information" in dashboard
    assert "/admin/newsletter_subscribers/" in dashboard and "/admin/lettre-information/envois/" in dashboard
    assert staff_client.get("/admin/newsletter_subscribers/").status_code == 200
    assert staff_client.get("/admin/lettre-information/envois/").status_code == 200
    # Importing asserts consents collected elsewhere: administrators only.
    assert staff_client.get("/admin/lettre-information/import/").status_code == 302


def test_staff_group_composes_tests_and_sends_an_issue(staff_client):
    index = NewsletterIndexPage.objects.get()
    assert staff_client.get(f"/admin/pages/add/newsletter/newsletterissuepage/{index.pk}/").status_code == 200
    issue = NewsletterIssuePage.objects.child_of(index).live().get()
    edit = staff_client.get(f"/admin/pages/{issue.pk}/edit/").content.decode()
    assert f"/admin/lettre-information/lettre/{issue.pk}/essai/" in edit
    assert f"/admin/lettre-information/lettre/{issue.pk}/envoi/" in edit
    assert staff_client.get(f"/admin/lettre-information/lettre/{issue.pk}/envoi/").status_code == 200


def test_staff_group_sees_the_stale_listings_report(staff_client):
    assert "directory-stale-services" in staff_client.get("/admin/").content.decode()
    assert staff_client.get("/admin/annuaire/a-verifier/").status_code == 200
