"""Stops are moderated like services: their free text (place, address, reason for a cancellation) is shown as
written on the public calendar, so a partner's change waits for staff approval."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from directory.partners.moderation import WORKFLOW_NAME
from directory.tours.models import Stop, StopPattern, StopStatus

from .factories import commune
from .schedule_factories import StopFactory, StopPatternFactory, TourFactory
from .test_moderation import approve_url
from .test_partner_access import make_partner, make_staff
from .test_schedule_admin import stop_form

MIRANDE = "32256"
OLD_PLACE, NEW_PLACE = "place du Foirail", "Parking du supermarché (texte du partenaire)"


@pytest.fixture
def tour_stop(gers, django_user_model):
    tour = TourFactory(name="Camping-car du Gers")
    stop = StopFactory(tour=tour, date=dt.date(2027, 3, 9), place_name=OLD_PLACE)
    staff = make_staff(django_user_model)
    stop.save_revision(user=staff).publish(user=staff)
    return {
        "tour": tour,
        "stop": stop,
        "staff": staff,
        "partner": make_partner(django_user_model, tour.organisation),
    }


def edit_url(stop):
    return reverse("wagtailsnippets_directory_stop:edit", args=[stop.pk])


def commune_page():
    return Client().get(reverse("directory:commune_stops", kwargs={"insee": MIRANDE})).content.decode()


@pytest.mark.django_db
def test_a_partners_change_to_a_stop_waits_for_approval(client, tour_stop):
    stop = tour_stop["stop"]
    client.force_login(tour_stop["partner"])
    response = client.post(
        edit_url(stop),
        stop_form(
            stop,
            place_name=NEW_PLACE,
            status=StopStatus.CANCELLED,
            cancellation_reason="Motif du partenaire",
            **{"action-submit": "1"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stop.refresh_from_db()
    assert stop.workflow_in_progress and stop.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert (stop.place_name, stop.status, stop.cancellation_reason) == (OLD_PLACE, StopStatus.SCHEDULED, "")
    page = commune_page()
    assert OLD_PLACE in page and NEW_PLACE not in page and "Motif du partenaire" not in page

    client.force_login(tour_stop["staff"])
    client.post(approve_url(stop, stop.current_workflow_task_state, "approve"), {"comment": ""})
    stop.refresh_from_db()
    assert (stop.place_name, stop.cancellation_reason) == (NEW_PLACE, "Motif du partenaire")
    page = commune_page()
    assert NEW_PLACE in page and "Motif du partenaire" in page


@pytest.mark.django_db
def test_a_partners_new_stop_is_not_public_before_approval(client, tour_stop):
    tour, stop = tour_stop["tour"], tour_stop["stop"]
    client.force_login(tour_stop["partner"])
    data = stop_form(stop, date="2027-03-16", place_name=NEW_PLACE, **{"action-submit": "1"})
    response = client.post(reverse("wagtailsnippets_directory_stop:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Stop.objects.get(tour=tour, date=dt.date(2027, 3, 16))
    assert not created.live
    assert NEW_PLACE not in commune_page()


@pytest.mark.django_db
def test_a_trusted_organisations_change_to_a_stop_is_published_directly(client, tour_stop):
    stop = tour_stop["stop"]
    organisation = tour_stop["tour"].organisation
    organisation.trusted = True
    organisation.save()
    client.force_login(tour_stop["partner"])
    client.post(edit_url(stop), stop_form(stop, place_name=NEW_PLACE, **{"action-submit": "1"}))
    stop.refresh_from_db()
    assert stop.place_name == NEW_PLACE and not stop.workflow_in_progress
    assert NEW_PLACE in commune_page()


def pattern_form(tour, **overrides):
    return {
        "tour": tour.pk,
        "commune": commune(MIRANDE).pk,
        "place_name": NEW_PLACE,
        "address": "",
        "latitude": "",
        "longitude": "",
        "rule": "Tu[2] 09:00-12:00",
        "starts_on": "2027-01-01",
        "ends_on": "2027-06-30",
        "exceptions": "",
        "action-submit": "1",
        **overrides,
    }


def pattern_url(view, pattern):
    return reverse(f"wagtailsnippets_directory_stoppattern:{view}", args=[pattern.pk])


@pytest.mark.django_db
def test_a_partners_new_pattern_generates_nothing_before_approval(client, tour_stop):
    tour = tour_stop["tour"]
    client.force_login(tour_stop["partner"])
    response = client.post(reverse("wagtailsnippets_directory_stoppattern:add"), pattern_form(tour))
    assert response.status_code == 302, response.content.decode()[:3000]
    pattern = StopPattern.objects.get(tour=tour)
    assert not pattern.live
    client.post(pattern_url("generate", pattern))
    assert not Stop.objects.filter(pattern=pattern).exists()

    client.force_login(tour_stop["staff"])
    client.post(approve_url(pattern, pattern.current_workflow_task_state, "approve"), {"comment": ""})
    client.force_login(tour_stop["partner"])
    client.post(pattern_url("generate", pattern))
    # Six second Tuesdays; 9 March is already taken by the fixture's stop.
    assert Stop.objects.filter(pattern=pattern, place_name=NEW_PLACE).count() == 5


@pytest.mark.django_db
def test_generation_copies_the_published_pattern_not_a_pending_change(client, tour_stop):
    tour = tour_stop["tour"]
    pattern = StopPatternFactory(
        tour=tour, place_name=OLD_PLACE, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 6, 30)
    )
    pattern.save_revision(user=tour_stop["staff"]).publish(user=tour_stop["staff"])
    client.force_login(tour_stop["partner"])
    assert client.post(pattern_url("edit", pattern), pattern_form(tour)).status_code == 302
    pattern.refresh_from_db()
    assert pattern.place_name == OLD_PLACE and pattern.workflow_in_progress
    client.post(pattern_url("generate", pattern))
    assert Stop.objects.filter(pattern=pattern).exists()
    assert not Stop.objects.filter(place_name=NEW_PLACE).exists()


@pytest.mark.django_db
def test_the_generation_command_skips_patterns_never_approved(tour_stop):
    pattern = StopPatternFactory(
        tour=tour_stop["tour"],
        place_name=NEW_PLACE,
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 6, 30),
    )
    StopPattern.objects.filter(pk=pattern.pk).update(live=False)
    call_command("generate_stops", stdout=io.StringIO())
    assert not Stop.objects.filter(place_name=NEW_PLACE).exists()
