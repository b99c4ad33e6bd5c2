"""The demo camping-car tour: published, linked to its directory listing, stops generated, one cancelled; idempotent."""

import datetime as dt

import pytest
from django.core.management import call_command

from directory.demo.listings import load_directory
from directory.listings import hours
from directory.tours.models import Stop, StopPattern, StopStatus, Tour

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=hours.PARIS)


def test_demo_tour(time_machine, capsys, client):
    time_machine.move_to(NOW, tick=False)
    call_command("load_demo")
    assert "1 tournée(s)" in capsys.readouterr().out
    tour = Tour.objects.get(slug="camping-car-connecte")
    assert tour.live and tour.live_revision_id
    assert tour.service.source_id == "demo-service-service-public-itinerant"
    assert set(tour.onboard_categories.values_list("slug", flat=True)) == {"acces-aux-droits", "numerique"}
    assert StopPattern.objects.filter(tour=tour).count() == 8
    stops = Stop.objects.filter(tour=tour)
    # Two stops a day on the 1st and 3rd Tuesdays and Thursdays, six months from 1 November 2026.
    assert min(s.date for s in stops) == dt.date(2026, 11, 3) and max(s.date for s in stops) == dt.date(
        2027, 4, 20
    )
    assert stops.count() == 8 * 6
    cancelled = stops.get(status=StopStatus.CANCELLED)
    assert cancelled.date > NOW.date() and "maintenance" in cancelled.cancellation_reason
    before = list(Stop.objects.order_by("pk").values())

    assert load_directory() == "Annuaire : rien à créer, tout est déjà en place."
    assert list(Stop.objects.order_by("pk").values()) == before
    assert Tour.objects.count() == 1 and StopPattern.objects.count() == 8

    page = client.get("/annuaire/passages/?semaine=2026-W49")
    assert page.status_code == 200 and "Bassoues" in page.content.decode()
