"""A partner's change waits for "Validation Gers Solidaire"; staff approve or request changes; trusted ones publish."""

import html

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry, WorkflowState

from directory.models import Place, Service
from directory.partners.moderation import WORKFLOW_NAME

from .factories import OrganisationFactory, ServiceFactory
from .test_admin import service_form
from .test_partner_access import make_partner, make_staff

OLD_HOURS = "Mo-Fr 09:00-12:00,14:00-17:00; PH off"
NEW_HOURS = "Tu,Th 14:00-18:00; PH off"


@pytest.fixture
def listing(gers, django_user_model):
    organisation = OrganisationFactory(name="Restos du cœur de Mirande")
    service = ServiceFactory(
        organisation=organisation, title="Distribution de Mirande", opening_hours=OLD_HOURS
    )
    staff = make_staff(django_user_model)
    service.save_revision(user=staff).publish(user=staff)
    partner = make_partner(django_user_model, organisation)
    return {"organisation": organisation, "service": service, "partner": partner, "staff": staff}


def submit_new_hours(client, service, **extra):
    extra.setdefault("title", service.title)
    extra.setdefault("summary", service.summary)
    data = service_form(
        service.organisation,
        service.place,
        slug=service.slug,
        opening_hours=NEW_HOURS,
        categories=[],
        **extra,
    )
    data.pop("categories")
    data["categories"] = [c.pk for c in service.categories.all()] or [1]
    data["action-submit"] = "1"
    return client.post(reverse("wagtailsnippets_directory_service:edit", args=[service.pk]), data)


def approve_url(obj, task_state, action):
    """The admin's workflow action (approve, reject) on a moderated snippet: a service, a place, a tour."""
    return reverse(obj.snippet_viewset.get_url_name("workflow_action"), args=[obj.pk, action, task_state.pk])


@pytest.mark.django_db
def test_a_partner_who_submits_reads_that_it_went_for_validation(client, listing):
    client.force_login(listing["partner"])
    response = submit_new_hours(client, listing["service"])
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "validation" in message and "planifié" not in message


@pytest.mark.django_db
def test_partner_submission_waits_for_staff_approval_and_then_goes_public(client, listing):
    service = listing["service"]
    client.force_login(listing["partner"])
    response = submit_new_hours(client, service)
    assert response.status_code == 302, response.content.decode()[:3000]

    service.refresh_from_db()
    assert service.workflow_in_progress
    assert service.current_workflow_state.workflow.name == WORKFLOW_NAME
    # The public still sees the published version.
    assert service.opening_hours == OLD_HOURS
    page = client.get(service.get_absolute_url()).content.decode()
    assert "14:00" not in page or "18:00" not in page

    mail.outbox.clear()
    client.force_login(listing["staff"])
    task_state = service.current_workflow_task_state
    response = client.post(approve_url(service, task_state, "approve"), {"comment": ""})
    assert response.status_code in (200, 302)

    service.refresh_from_db()
    assert not service.workflow_in_progress
    assert service.opening_hours == NEW_HOURS
    assert service.live
    # The partner hears about it.
    assert [listing["partner"].email] in [m.to for m in mail.outbox]
    # History keeps both the submission and the approval.
    actions = set(ModelLogEntry.objects.for_instance(service).values_list("action", flat=True))
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish"} <= actions


@pytest.mark.django_db
def test_partner_reads_that_the_change_awaits_validation_not_that_it_is_scheduled(client, listing):
    client.force_login(listing["partner"])
    response = submit_new_hours(client, listing["service"])
    text = html.unescape(" ".join(str(message) for message in get_messages(response.wsgi_request)))
    # Wagtail's French catalogue turns "submitted for moderation" into "planifié(e) pour la publication".
    assert "planifi" not in text
    assert "soumise à la validation de l'équipe Gers Solidaire" in text
    assert "« Distribution de Mirande »" in text


@pytest.mark.django_db
def test_staff_read_that_their_approval_from_the_edit_view_published_the_change(client, listing):
    service = listing["service"]
    client.force_login(listing["partner"])
    submit_new_hours(client, service)
    client.force_login(listing["staff"])
    data = service_form(service.organisation, service.place, slug=service.slug, opening_hours=NEW_HOURS)
    data.update({"title": service.title, "summary": service.summary, "categories": [1]})
    data.update({"action-workflow-action": "1", "workflow-action-name": "approve"})
    response = client.post(reverse("wagtailsnippets_directory_service:edit", args=[service.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    service.refresh_from_db()
    assert not service.workflow_in_progress and service.opening_hours == NEW_HOURS
    text = html.unescape(" ".join(str(message) for message in get_messages(response.wsgi_request)))
    assert "La modification de « Distribution de Mirande » est validée" in text
    assert "modifié(e)" not in text


@pytest.mark.django_db
def test_the_partner_is_told_in_plain_french_where_the_approved_change_is_online(client, listing, settings):
    service = listing["service"]
    client.force_login(listing["partner"])
    submit_new_hours(client, service)
    service.refresh_from_db()
    mail.outbox.clear()
    client.force_login(listing["staff"])
    client.post(approve_url(service, service.current_workflow_task_state, "approve"), {"comment": ""})
    (message,) = [m for m in mail.outbox if listing["partner"].email in m.to]
    # Wagtail's own text: "Salut …", "approuvé(e) dans le workflow …", and no link to the public page.
    assert message.body.startswith("Bonjour ")
    assert (
        "Votre modification de « Distribution de Mirande » a été validée par l'équipe Gers Solidaire"
        in message.body
    )
    assert f"Fiche en ligne : {settings.WAGTAILADMIN_BASE_URL}{service.get_absolute_url()}" in message.body
    assert "workflow" not in message.body.split("\n\n")[1]


@pytest.mark.django_db
def test_staff_request_changes_with_a_comment_that_reaches_the_partner(client, listing):
    service = listing["service"]
    client.force_login(listing["partner"])
    submit_new_hours(client, service)
    service.refresh_from_db()

    mail.outbox.clear()
    client.force_login(listing["staff"])
    task_state = service.current_workflow_task_state
    response = client.post(
        approve_url(service, task_state, "reject"), {"comment": "Précisez les horaires du jeudi."}
    )
    assert response.status_code in (200, 302)
    service.refresh_from_db()
    assert service.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert service.opening_hours == OLD_HOURS
    messages = [m for m in mail.outbox if listing["partner"].email in m.to]
    assert messages and "Précisez les horaires du jeudi." in messages[0].body

    # The partner's dashboard says what is expected of them.
    client.force_login(listing["partner"])
    assert "Modifications demandées" in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.django_db
def test_partner_cannot_publish_or_approve_their_own_change(client, listing):
    service = listing["service"]
    client.force_login(listing["partner"])
    data_response = submit_new_hours(client, service, **{"action-publish": "1"})
    assert data_response.status_code == 302
    service.refresh_from_db()
    assert service.opening_hours == OLD_HOURS
    task_state = service.current_workflow_task_state
    client.post(approve_url(service, task_state, "approve"), {"comment": ""})
    service.refresh_from_db()
    assert service.workflow_in_progress
    assert service.opening_hours == OLD_HOURS


@pytest.mark.django_db
def test_trusted_organisation_publishes_directly(client, listing):
    organisation = listing["organisation"]
    organisation.trusted = True
    organisation.save()
    service = listing["service"]
    client.force_login(listing["partner"])
    response = submit_new_hours(client, service)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.opening_hours == NEW_HOURS
    assert not service.workflow_in_progress
    assert ModelLogEntry.objects.for_instance(service).filter(action="wagtail.workflow.approve").exists()


@pytest.mark.django_db
def test_a_new_service_from_a_partner_is_not_public_until_approved(client, listing):
    client.force_login(listing["partner"])
    service = listing["service"]
    data = service_form(listing["organisation"], service.place, title="Nouvel atelier numérique")
    data["action-submit"] = "1"
    response = client.post(reverse("wagtailsnippets_directory_service:add"), data)
    assert response.status_code == 302
    created = Service.objects.get(title="Nouvel atelier numérique")
    assert not created.live
    assert created.workflow_in_progress
    assert client.get(created.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_words_of_a_pending_change_are_not_searchable(client, listing):
    service = listing["service"]
    client.force_login(listing["partner"])
    response = submit_new_hours(
        client, service, title="Vestiaire trombonique", summary="Manteaux trombonique."
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service.refresh_from_db()
    assert service.title == "Distribution de Mirande" and "trombonique" not in service.search_text
    # Neither the directory search (database) nor the site search finds the unapproved words.
    client.logout()
    assert (
        "Distribution de Mirande" not in client.get("/api/v1/services", {"q": "trombonique"}).content.decode()
    )
    assert "Distribution de Mirande" in client.get("/api/v1/services", {"q": "distribution"}).content.decode()
    assert "Distribution de Mirande" not in client.get("/recherche/", {"q": "trombonique"}).content.decode()


@pytest.mark.django_db
def test_partners_cannot_delete_places(client, listing):
    from .factories import PlaceFactory

    place = PlaceFactory(organisation=listing["organisation"])
    client.force_login(listing["partner"])
    response = client.post(reverse("wagtailsnippets_directory_place:delete", args=[place.pk]))
    assert response.status_code in (302, 403)
    assert Place.objects.filter(pk=place.pk).exists()
    assert not listing["partner"].has_perm("directory.delete_place")
