"""Calendar feeds (RFC 5545) through HTTP, parsed back with the icalendar library."""

import datetime as dt

import pytest
from icalendar import Calendar

from directory.listings import hours
from directory.listings.vocabulary import ServiceKind
from directory.tours import stops
from directory.tours.models import StopStatus
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.directory.schedule_factories import ClosureFactory, StopFactory, StopPatternFactory, TourFactory

MIRANDE, MASSEUBE = "32256", "32242"
UTC = dt.UTC
# Sunday 1 March 2026: every stop and date below is still to come.
MARCH_1 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=hours.PARIS)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(MARCH_1, tick=False)


@pytest.fixture
def tour(gers):
    tour = TourFactory(
        name="Camping-car connecté", slug="camping-car-connecte", onboard_details="Démarches en ligne"
    )
    # The last Sundays of March and October: the very days the clocks change.
    pattern = StopPatternFactory(
        tour=tour, rule="Su[-1] 09:00-12:00", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 11, 30)
    )
    stops.generate_stops(pattern)
    return tour


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def utc_start(event):
    return event.decoded("DTSTART").astimezone(UTC)


def test_tour_feed_keeps_9_oclock_on_both_sides_of_daylight_saving(client, tour):
    calendar = parse(client.get("/annuaire/tournees/camping-car-connecte/agenda.ics"))
    assert str(calendar["VERSION"]) == "2.0" and "Gers Solidaire" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Camping-car connecté"
    # A VTIMEZONE for Europe/Paris, and every time written in it (not floating, not converted to UTC).
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert b"DTSTART;TZID=Europe/Paris:20260329T090000" in calendar.to_ical()
    by_day = {e.decoded("DTSTART").date(): e for e in calendar.walk("VEVENT")}
    assert utc_start(by_day[dt.date(2026, 3, 29)]) == dt.datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # UTC+2
    assert utc_start(by_day[dt.date(2026, 4, 26)]) == dt.datetime(2026, 4, 26, 7, 0, tzinfo=UTC)
    assert utc_start(by_day[dt.date(2026, 10, 25)]) == dt.datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # UTC+1
    assert by_day[dt.date(2026, 10, 25)].decoded("DTEND").astimezone(UTC) == dt.datetime(
        2026, 10, 25, 11, 0, tzinfo=UTC
    )
    assert len(by_day) == 9


def test_stops_have_stable_uids_location_and_link(client, tour, settings):
    stop = tour.stops.get(date=dt.date(2026, 3, 29))
    first = client.get("/annuaire/tournees/camping-car-connecte/agenda.ics").content
    second = client.get("/annuaire/tournees/camping-car-connecte/agenda.ics").content
    assert first == second
    event = events(Calendar.from_ical(first))[f"stop-{stop.pk}@gerssolidaire.org"]
    assert str(event["SUMMARY"]) == "Camping-car connecté à Mirande"
    assert "place du Foirail" in str(event["LOCATION"]) and "32300 Mirande" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == settings.SITE_URL + "/annuaire/tournees/camping-car-connecte/"
    lat, lon = event.decoded("GEO")
    assert (round(lat, 4), round(lon, 4)) == (
        round(commune(MIRANDE).latitude, 4),
        round(commune(MIRANDE).longitude, 4),
    )


def test_a_cancelled_stop_stays_in_the_feed_as_cancelled(client, tour):
    stop = tour.stops.get(date=dt.date(2026, 4, 26))
    uid = f"stop-{stop.pk}@gerssolidaire.org"
    before = events(parse(client.get("/annuaire/tournees/camping-car-connecte/agenda.ics")))[uid]
    stop.status, stop.cancellation_reason = StopStatus.CANCELLED, "Véhicule en panne"
    stop.save()
    after = events(parse(client.get("/annuaire/tournees/camping-car-connecte/agenda.ics")))[uid]
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["SUMMARY"]).startswith("Annulé : ")
    assert "Passage annulé : Véhicule en panne" in str(after["DESCRIPTION"])
    # A newer version of the same event: calendars replace the one they hold.
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == before.decoded("DTSTART")


def test_commune_feed_has_only_the_communes_stops(client, tour):
    StopFactory(
        tour=tour, commune=commune(MASSEUBE), date=dt.date(2026, 3, 31), place_name="place de la Mairie"
    )
    calendar = parse(client.get(f"/annuaire/communes/{MASSEUBE}/passages.ics"))
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert summaries == ["Camping-car connecté à Masseube"]
    assert "Masseube" in str(calendar["X-WR-CALNAME"])
    assert len(parse(client.get(f"/annuaire/communes/{MIRANDE}/passages.ics")).walk("VEVENT")) == 9


def test_unpublished_tours_and_unknown_communes_are_not_found(client, tour):
    draft = TourFactory(live=False, slug="brouillon")
    StopFactory(tour=draft, commune=commune(MASSEUBE), date=dt.date(2026, 3, 3))
    assert client.get("/annuaire/tournees/brouillon/agenda.ics").status_code == 404
    assert parse(client.get(f"/annuaire/communes/{MASSEUBE}/passages.ics")).walk("VEVENT") == []
    for insee in ("99999", "abc", "3225612345"):
        assert client.get(f"/annuaire/communes/{insee}/passages.ics").status_code == 404


@pytest.fixture
def permanence(gers):
    place = PlaceFactory(commune=commune(MASSEUBE), name="Tiers-lieu de Masseube")
    return ServiceFactory(
        place=place,
        organisation=place.organisation,
        title="Permanence de l'assistante sociale",
        slug="permanence-as",
        kind=ServiceKind.PERMANENCE,
        # Mondays: Easter Monday (6 April 2026) is a public holiday.
        opening_hours="Mo 09:00-12:00; PH off",
    )


def test_permanence_feed_skips_holidays_and_closures(client, permanence):
    ClosureFactory(
        service=permanence, starts_on=dt.date(2026, 3, 16), ends_on=dt.date(2026, 3, 22), reason="Congés"
    )
    calendar = parse(client.get("/annuaire/permanence-as/agenda.ics"))
    starts = sorted(e.decoded("DTSTART") for e in calendar.walk("VEVENT"))
    days = [s.date() for s in starts]
    assert days[:4] == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 23), dt.date(2026, 3, 30)]
    assert dt.date(2026, 4, 6) not in days and dt.date(2026, 3, 16) not in days
    assert dt.date(2026, 4, 13) in days
    # Six months ahead, 9:00 local time before and after the change of 29 March.
    assert starts[0].astimezone(UTC).hour == 8 and starts[4].astimezone(UTC).hour == 7
    event = events(calendar)[f"service-{permanence.pk}-20260302T0900@gerssolidaire.org"]
    assert str(event["SUMMARY"]) == "Permanence de l'assistante sociale"
    assert "Tiers-lieu de Masseube" in str(event["LOCATION"])


def test_tiers_lieu_feed_combines_the_permanences_held_there(client, permanence):
    third_place = ServiceFactory(
        place=permanence.place,
        organisation=permanence.organisation,
        title="Tiers-lieu solidaire de Masseube",
        slug="tiers-lieu-masseube",
        kind=ServiceKind.THIRD_PLACE,
        opening_hours="Mo-Fr 09:00-17:00",
    )
    ServiceFactory(
        place=permanence.place,
        organisation=permanence.organisation,
        title="Mission locale",
        kind=ServiceKind.PERMANENCE,
        opening_hours="We[1] 14:00-17:00",
    )
    ClosureFactory(place=permanence.place, starts_on=dt.date(2026, 3, 4), ends_on=dt.date(2026, 3, 4))
    calendar = parse(client.get(f"/annuaire/{third_place.slug}/agenda.ics"))
    titles = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert titles == {"Permanence de l'assistante sociale", "Mission locale"}
    days = {e.decoded("DTSTART").date() for e in calendar.walk("VEVENT")}
    assert dt.date(2026, 3, 4) not in days  # the place is closed that day
    assert dt.date(2026, 4, 1) in days and dt.date(2026, 3, 2) in days


def test_itinerant_service_feed_is_its_tours(client, tour):
    service = ServiceFactory(
        kind=ServiceKind.ITINERANT, place=None, slug="service-itinerant", opening_hours=""
    )
    tour.service = service
    tour.save()
    calendar = parse(client.get("/annuaire/service-itinerant/agenda.ics"))
    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == {
        f"stop-{pk}@gerssolidaire.org" for pk in tour.stops.values_list("pk", flat=True)
    }
    lone = ServiceFactory(kind=ServiceKind.ITINERANT, place=None, slug="sans-tournee")
    assert client.get(f"/annuaire/{lone.slug}/agenda.ics").status_code == 404
