"""Generating the camping-car's stops from recurring patterns: dates, holidays, exceptions, idempotence."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from directory.listings import hours
from directory.tours import stops as tours
from directory.tours.models import Stop, StopStatus
from tests.directory.factories import commune
from tests.directory.schedule_factories import StopFactory, StopPatternFactory, TourFactory

MIRANDE, MASSEUBE = "32256", "32242"


@pytest.fixture
def pattern(gers):
    """Second Tuesday of the month, Mirande, place du Foirail, 9:00–12:00, January to June 2026."""
    return StopPatternFactory(
        rule="Tu[2] 09:00-12:00", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
    )


def stop_dates(tour):
    return [s.date for s in Stop.objects.filter(tour=tour).order_by("date")]


def test_second_tuesdays_from_january_to_june(pattern):
    report = tours.generate_stops(pattern)
    assert [s.date for s in report.created] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
        dt.date(2026, 5, 12),
        dt.date(2026, 6, 9),
    ]
    stop = Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 3, 10))
    assert (stop.start_time, stop.end_time) == (dt.time(9, 0), dt.time(12, 0))
    assert (stop.commune.insee_code, stop.place_name, stop.pattern_id) == (
        MIRANDE,
        "place du Foirail",
        pattern.pk,
    )
    # Without a point of its own, a stop stands at its commune's centre.
    assert (stop.latitude, stop.longitude) == (commune(MIRANDE).latitude, commune(MIRANDE).longitude)
    assert stop.status == StopStatus.SCHEDULED
    assert "6 passages créés" in report.summary()


def test_exceptions_are_left_out(pattern):
    pattern.exceptions = ["2026-04-14", "2026-05-12", "pas une date"]
    pattern.save()
    report = tours.generate_stops(pattern)
    assert dt.date(2026, 4, 14) not in stop_dates(pattern.tour)
    assert dt.date(2026, 5, 12) not in stop_dates(pattern.tour)
    assert len(report.created) == 4
    assert report.excluded == [dt.date(2026, 4, 14), dt.date(2026, 5, 12)]
    assert "pas une date" in report.summary()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # Easter Monday (6 April 2026) is a French public holiday.
        ("Mo 09:00-12:00; PH off", [dt.date(2026, 3, 30), dt.date(2026, 4, 13)]),
        ("Mo 09:00-12:00", [dt.date(2026, 3, 30), dt.date(2026, 4, 6), dt.date(2026, 4, 13)]),
    ],
)
def test_public_holidays_are_skipped_when_the_rule_says_ph_off(gers, rule, expected):
    pattern = StopPatternFactory(rule=rule, starts_on=dt.date(2026, 3, 30), ends_on=dt.date(2026, 4, 13))
    tours.generate_stops(pattern)
    assert stop_dates(pattern.tour) == expected


def test_bastille_day_and_may_day(gers):
    pattern = StopPatternFactory(
        rule="Tu,Fr 14:00-17:00; PH off", starts_on=dt.date(2026, 4, 28), ends_on=dt.date(2026, 7, 17)
    )
    tours.generate_stops(pattern)
    dates = stop_dates(pattern.tour)
    assert dt.date(2026, 5, 1) not in dates  # Friday 1 May
    assert dt.date(2026, 7, 14) not in dates  # Tuesday 14 July
    assert dt.date(2026, 7, 17) in dates and dt.date(2026, 4, 28) in dates


def test_local_times_hold_across_daylight_saving_changes(gers):
    """Last Sundays of March and October 2026 (29 March, 25 October): the clocks change that very night."""
    pattern = StopPatternFactory(
        rule="Su[-1] 09:00-12:00", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 10, 31)
    )
    tours.generate_stops(pattern)
    march = Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 3, 29))
    october = Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 10, 25))
    assert march.start_time == october.start_time == dt.time(9, 0)
    # Summer time (UTC+2) after the March change, winter time (UTC+1) after the October one.
    assert tours.starts_at(march).astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)
    assert tours.starts_at(october).astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC)
    assert len(stop_dates(pattern.tour)) == 8


def test_a_second_run_creates_nothing_and_changes_nothing(pattern):
    tours.generate_stops(pattern)
    cancelled = Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 3, 10))
    cancelled.status, cancelled.cancellation_reason = StopStatus.CANCELLED, "Panne du véhicule"
    cancelled.save()
    edited = Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 4, 14))
    edited.end_time, edited.place_name = dt.time(11, 30), "parking de la salle des fêtes"
    edited.save()
    before = list(Stop.objects.order_by("pk").values())

    report = tours.generate_stops(pattern)

    assert report.created == [] and len(report.existing) == 6
    assert list(Stop.objects.order_by("pk").values()) == before
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.cancellation_reason) == (StopStatus.CANCELLED, "Panne du véhicule")


def test_a_deleted_stop_is_not_brought_back(pattern):
    tours.generate_stops(pattern)
    Stop.objects.get(tour=pattern.tour, date=dt.date(2026, 2, 10)).delete()
    pattern.refresh_from_db()
    assert pattern.exceptions == ["2026-02-10"]

    report = tours.generate_stops(pattern)
    assert report.created == []
    assert dt.date(2026, 2, 10) not in stop_dates(pattern.tour)

    # Taking the date out of the exceptions lets the generator recreate it.
    pattern.exceptions = []
    pattern.save()
    assert [s.date for s in tours.generate_stops(pattern).created] == [dt.date(2026, 2, 10)]


def test_a_slot_taken_elsewhere_is_reported_and_left_alone(pattern):
    other = StopFactory(tour=pattern.tour, commune=commune(MASSEUBE), date=dt.date(2026, 3, 10))
    report = tours.generate_stops(pattern)
    assert [s.pk for s in report.conflicts] == [other.pk]
    assert len(report.created) == 5
    other.refresh_from_db()
    assert other.commune.insee_code == MASSEUBE
    assert "Créneau déjà pris" in report.summary()


def test_stops_no_longer_in_the_rule_are_reported_not_deleted(pattern, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 8, 0, tzinfo=hours.PARIS), tick=False)
    tours.generate_stops(pattern)
    pattern.rule = "Tu[3] 09:00-12:00"
    pattern.save()
    report = tours.generate_stops(pattern)
    # Only the stops to come are reported; January and February are past.
    assert [s.date for s in report.stale] == [
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
        dt.date(2026, 5, 12),
        dt.date(2026, 6, 9),
    ]
    assert Stop.objects.filter(tour=pattern.tour).count() == 12
    assert "ne correspondent plus" in report.summary()


def test_dry_run_writes_nothing(pattern):
    report = tours.generate_stops(pattern, dry_run=True)
    assert len(report.created) == 6
    assert not Stop.objects.exists()
    assert "6 passages seront créés" in report.summary()


def test_overnight_intervals_are_not_stops(gers):
    pattern = StopPatternFactory(
        rule="Fr 22:00-02:00", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    report = tours.generate_stops(pattern)
    assert report.created == [] and report.overnight
    assert "passent minuit" in report.summary()


def test_generation_covers_two_years_at_most(gers):
    pattern = StopPatternFactory(
        rule="Mo 09:00-10:00", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2031, 1, 1)
    )
    report = tours.generate_stops(pattern, dry_run=True)
    assert report.capped_at == dt.date(2028, 1, 1)
    assert max(s.date for s in report.created) <= dt.date(2028, 1, 1)
    assert "deux ans au plus" in report.summary()


def test_management_command(pattern, capsys):
    other = StopPatternFactory(tour=TourFactory(slug="autre-tournee"), rule="Th[1] 14:00-16:00")
    call_command("generate_stops", "--dry-run")
    assert "Total : 12 passage(s) seraient créés." in capsys.readouterr().out
    assert not Stop.objects.exists()

    call_command("generate_stops", "--tour", pattern.tour.slug)
    assert "Total : 6 passage(s) créés." in capsys.readouterr().out
    assert not Stop.objects.filter(tour=other.tour).exists()

    call_command("generate_stops")
    out = capsys.readouterr().out
    assert "Total : 6 passage(s) créés." in out and "6 déjà enregistrés" in out
    call_command("generate_stops")
    assert "Total : 0 passage(s) créés." in capsys.readouterr().out

    with pytest.raises(CommandError, match="inconnue|Aucun passage récurrent"):
        call_command("generate_stops", "--tour", "inconnue")
    with pytest.raises(CommandError, match="Aucun passage récurrent n° 999999"):
        call_command("generate_stops", "--pattern", "999999")


def test_upcoming_stops_skip_unpublished_tours_and_stops_already_over(gers, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, 30, tzinfo=hours.PARIS), tick=False)
    morning = StopFactory(date=dt.date(2026, 3, 10), start_time=dt.time(9), end_time=dt.time(12))
    afternoon = StopFactory(
        tour=morning.tour, date=dt.date(2026, 3, 10), start_time=dt.time(14), end_time=dt.time(17)
    )
    StopFactory(tour=TourFactory(live=False), date=dt.date(2026, 3, 11))
    later = StopFactory(tour=morning.tour, date=dt.date(2026, 3, 12))
    assert [s.pk for s in tours.upcoming_stops()] == [afternoon.pk, later.pk]
