"""A partner changes opening hours in the admin and submits; staff approve; the public page shows the new hours."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "tournesol-gascon-2026"


@pytest.fixture
def listing(demo_server, django_user_model, built_once):
    return built_once("demo site, partner listing", lambda: make_listing(django_user_model))


def make_listing(django_user_model):
    """A partner ("benevole") of an organisation with one published service, and a staff member ("equipe")."""
    from django.contrib.auth.models import Group

    from directory.partners.models import Membership, Role
    from directory.partners.moderation import PARTNERS_GROUP, STAFF_GROUP, ensure_groups_and_workflow
    from territories.loading import load_reference_data
    from tests.directory.factories import OrganisationFactory, ServiceFactory

    load_reference_data()
    # A flushed database (transactional test) keeps no groups: set them up as migrate does.
    ensure_groups_and_workflow()
    organisation = OrganisationFactory(name="Épicerie solidaire de Fleurance")
    service = ServiceFactory(
        organisation=organisation,
        title="Épicerie de Fleurance",
        opening_hours="Mo-Fr 09:00-12:00; PH off",
        categories=["alimentation"],
    )
    service.save_revision().publish()
    partner = django_user_model.objects.create_user("benevole", "benevole@exemple.org", PASSWORD)
    partner.groups.add(Group.objects.get(name=PARTNERS_GROUP))
    Membership.objects.create(user=partner, organisation=organisation, role=Role.EDITOR)
    staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", PASSWORD)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    return service


def log_in(page, server, username):
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")


def open_more_actions(page):
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()


def test_partner_submits_new_hours_staff_approves_public_sees_them(page, demo_server, listing):
    service = listing
    server = demo_server

    log_in(page, server, "benevole")
    assert page.get_by_role("heading", name="Mes fiches").is_visible()
    page.get_by_role("link", name="Épicerie de Fleurance").click()
    page.get_by_role("tab", name="Horaires").click()
    page.fill("#id_opening_hours", "Tu,Th 14:00-18:00; PH off")
    open_more_actions(page)
    page.locator("button[name='action-submit']").click()
    page.wait_for_url(f"{server.url}/admin/snippets/directory/service/")
    service.refresh_from_db()
    assert service.workflow_in_progress

    # Still the old hours in public.
    page.goto(f"{server.url}{service.get_absolute_url()}")
    assert "18 h 00" not in page.locator("main").inner_text()

    page.context.clear_cookies()
    log_in(page, server, "equipe")
    page.goto(f"{server.url}/admin/snippets/directory/service/edit/{service.pk}/")
    open_more_actions(page)
    page.locator("button[data-workflow-action-name='approve']").first.click()
    page.wait_for_load_state()

    page.goto(f"{server.url}{service.get_absolute_url()}")
    assert "14 h 00 – 18 h 00" in page.locator("main").inner_text()
