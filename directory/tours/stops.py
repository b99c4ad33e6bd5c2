"""The camping-car's tours: dated stops generated from recurring patterns, and the stops residents look for.

Generation reads a pattern's rule with opening-hours-py (directory.listings.hours), so `PH off` skips French public
holidays and a stop keeps its local time on both sides of a daylight-saving change. It is idempotent: the
unique slot (tour, date, start time) is the key, a slot that already holds a stop is left exactly as it is
(a cancelled stop stays cancelled, an edited stop keeps its edits), and only missing slots are created.

A generated stop that staff delete is not brought back by the next run: its date joins the pattern's
exceptions (see `remember_deleted_stop`). Removing the date from the exceptions lets the generator recreate it.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.listings import hours
from directory.listings.vocabulary import ServiceKind
from directory.tours.models import Stop, StopPattern, StopStatus, Tour
from territories.gazetteer import bounding_box, haversine_km

# A pattern covers at most two years per run: a typo in a year must not create thousands of stops.
MAX_GENERATION_DAYS = 731


# --- Times -----------------------------------------------------------------------------------------------


def starts_at(stop):
    """The stop's start as an aware datetime in Europe/Paris (the right UTC offset on either side of DST)."""
    return dt.datetime.combine(stop.date, stop.start_time, tzinfo=hours.PARIS)


def ends_at(stop):
    return dt.datetime.combine(stop.date, stop.end_time, tzinfo=hours.PARIS)


def time_label(value):
    return f"{value.hour} h {value.minute:02d}"


def hours_label(start, end):
    """'9 h 00 – 12 h 00'."""
    return f"{time_label(start)} – {time_label(end)}"


def day_label(day):
    """'mardi 10 mars 2026'."""
    return date_format(day, "l j F Y")


def short_day_label(day):
    """'mardi 10 mars'."""
    return date_format(day, "l j F")


# --- Pattern generation ----------------------------------------------------------------------------------


def parse_exception_dates(values):
    """(set of dates, [texts that are not dates]) from a pattern's exceptions (AAAA-MM-JJ strings)."""
    dates, invalid = set(), []
    for value in values or []:
        try:
            dates.add(dt.date.fromisoformat(str(value).strip()))
        except ValueError:
            invalid.append(str(value))
    return dates, invalid


@dataclass(frozen=True)
class Slot:
    date: dt.date
    start_time: dt.time
    end_time: dt.time


@dataclass
class PatternSlots:
    slots: list = field(default_factory=list)
    excluded: list = field(default_factory=list)  # dates left out by the pattern's exceptions
    overnight: list = field(default_factory=list)  # intervals running past midnight: not a stop
    invalid_exceptions: list = field(default_factory=list)
    until: dt.date | None = None  # last day covered (before ends_on when the span was capped)


def pattern_slots(pattern):
    """The slots a pattern's rule gives between its first and last day, minus its exceptions."""
    result = PatternSlots()
    if (
        not pattern.rule
        or not pattern.starts_on
        or not pattern.ends_on
        or pattern.ends_on < pattern.starts_on
    ):
        return result
    until = min(pattern.ends_on, pattern.starts_on + dt.timedelta(days=MAX_GENERATION_DAYS - 1))
    result.until = until
    exceptions, result.invalid_exceptions = parse_exception_dates(pattern.exceptions)
    start = dt.datetime.combine(pattern.starts_on, dt.time.min, tzinfo=hours.PARIS)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=hours.PARIS)
    for opens, closes, _comment in hours.intervals(pattern.rule.strip(), start, end):
        # The window cuts an interval that began the day before (a rule open at midnight): not a whole stop.
        if opens <= start and hours.is_open(pattern.rule.strip(), start - dt.timedelta(minutes=1)):
            continue
        if closes.date() != opens.date():
            result.overnight.append(opens.date())
            continue
        if opens.date() in exceptions:
            if opens.date() not in result.excluded:
                result.excluded.append(opens.date())
            continue
        result.slots.append(Slot(opens.date(), opens.time(), closes.time()))
    return result


@dataclass
class GenerationReport:
    pattern: StopPattern
    created: list = field(default_factory=list)  # [Stop] (not saved on a dry run)
    existing: list = field(default_factory=list)  # [Stop] already in the slot for this place: left as is
    conflicts: list = field(default_factory=list)  # [Stop] holding the slot somewhere else: left as is
    stale: list = field(default_factory=list)  # [Stop] of this pattern, to come, no longer in its rule
    excluded: list = field(default_factory=list)
    overnight: list = field(default_factory=list)
    invalid_exceptions: list = field(default_factory=list)
    capped_at: dt.date | None = None
    dry_run: bool = False

    def summary(self):
        """One French paragraph for the admin message and the management command."""
        count = len(self.created)
        if self.dry_run:
            parts = [ngettext("%(count)s passage sera créé", "%(count)s passages seront créés", count)]
        else:
            parts = [ngettext("%(count)s passage créé", "%(count)s passages créés", count)]
        parts[0] = parts[0] % {"count": count}
        if self.existing:
            parts.append(
                ngettext(
                    "%(count)s déjà enregistré (laissé tel quel)",
                    "%(count)s déjà enregistrés (laissés tels quels)",
                    len(self.existing),
                )
                % {"count": len(self.existing)}
            )
        if self.excluded:
            parts.append(
                ngettext("%(count)s date exclue", "%(count)s dates exclues", len(self.excluded))
                % {"count": len(self.excluded)}
            )
        text = f"{self.pattern} : " + ", ".join(parts) + "."
        if self.conflicts:
            text += " " + _(
                "Créneau déjà pris par un autre passage de la tournée : %(dates)s (non modifié)."
            ) % {"dates": ", ".join(f"{s.date:%d/%m/%Y} à {s.commune.name}" for s in self.conflicts)}
        if self.stale:
            text += " " + ngettext(
                "%(count)s passage à venir de ce modèle ne correspond plus à sa règle : vérifiez-le (%(dates)s).",
                "%(count)s passages à venir de ce modèle ne correspondent plus à sa règle : vérifiez-les "
                "(%(dates)s).",
                len(self.stale),
            ) % {"count": len(self.stale), "dates": ", ".join(f"{s.date:%d/%m/%Y}" for s in self.stale)}
        if self.overnight:
            text += " " + _("Les créneaux qui passent minuit sont ignorés.")
        if self.invalid_exceptions:
            text += " " + _("Dates exclues illisibles, ignorées : %(values)s.") % {
                "values": ", ".join(self.invalid_exceptions)
            }
        if self.capped_at:
            text += " " + _(
                "La génération s'arrête au %(date)s (deux ans au plus) : relancez-la plus tard pour la suite."
            ) % {"date": f"{self.capped_at:%d/%m/%Y}"}
        return text


def _new_stop(pattern, slot):
    return Stop(
        tour_id=pattern.tour_id,
        pattern=pattern,
        commune_id=pattern.commune_id,
        place_name=pattern.place_name,
        address=pattern.address,
        latitude=pattern.latitude,
        longitude=pattern.longitude,
        date=slot.date,
        start_time=slot.start_time,
        end_time=slot.end_time,
    )


def generate_stops(pattern, dry_run=False, today=None):
    """Create the pattern's missing stops. Never changes or duplicates a stop that is already there."""
    planned = pattern_slots(pattern)
    report = GenerationReport(
        pattern=pattern,
        excluded=planned.excluded,
        overnight=planned.overnight,
        invalid_exceptions=planned.invalid_exceptions,
        dry_run=dry_run,
    )
    if planned.until and planned.until < pattern.ends_on:
        report.capped_at = planned.until
    if planned.until is None:
        return report
    taken = {
        (stop.date, stop.start_time): stop
        for stop in Stop.objects.filter(
            tour_id=pattern.tour_id, date__gte=pattern.starts_on, date__lte=planned.until
        ).select_related("commune")
    }
    for slot in planned.slots:
        stop = taken.get((slot.date, slot.start_time))
        if stop is not None:
            same_place = stop.pattern_id == pattern.pk or stop.commune_id == pattern.commune_id
            (report.existing if same_place else report.conflicts).append(stop)
            continue
        stop = _new_stop(pattern, slot)
        if not dry_run:
            try:
                with transaction.atomic():
                    stop.save()
            except IntegrityError:
                # Created meanwhile by another run: the slot is taken, which is all that matters.
                report.existing.append(stop)
                continue
        report.created.append(stop)
    produced = {(slot.date, slot.start_time) for slot in planned.slots}
    today = today or hours.local_now().date()
    report.stale = [
        stop
        for stop in pattern.stops.filter(date__gte=today, status=StopStatus.SCHEDULED).order_by(
            "date", "start_time"
        )
        if (stop.date, stop.start_time) not in produced
    ]
    return report


def generate_for_tour(tour, dry_run=False):
    patterns = tour.patterns.filter(live=True).select_related("commune")
    return [generate_stops(pattern, dry_run=dry_run) for pattern in patterns]


def remember_deleted_stop(sender, instance, **kwargs):
    """A generated stop deleted by staff joins its pattern's exceptions, so the next run does not recreate it."""
    if not instance.pattern_id or not instance.date:
        return
    pattern = StopPattern.objects.filter(pk=instance.pattern_id).only("pk", "exceptions").first()
    if pattern is None:
        return
    text = instance.date.isoformat()
    if text not in (pattern.exceptions or []):
        # An update, not save(): nothing else of the pattern changes.
        StopPattern.objects.filter(pk=pattern.pk).update(
            exceptions=sorted([*(pattern.exceptions or []), text])
        )


models.signals.post_delete.connect(remember_deleted_stop, sender=Stop, dispatch_uid="directory-stop-deleted")


# --- What residents see ----------------------------------------------------------------------------------


def public_stops():
    """Stops of published tours, with what a listing shows."""
    return Stop.objects.filter(live=True, tour__live=True).select_related("tour", "commune")


def upcoming(queryset, now=None):
    """Stops not over yet: later days, and today's stops until they end."""
    now = now or hours.local_now()
    today = now.date()
    return queryset.filter(Q(date__gt=today) | Q(date=today, end_time__gt=now.time()))


def upcoming_stops(now=None):
    return upcoming(public_stops(), now).order_by("date", "start_time", "pk")


def next_scheduled_stop(tour, now=None):
    return (
        upcoming(tour.stops.filter(live=True, status=StopStatus.SCHEDULED), now)
        .select_related("commune")
        .order_by("date", "start_time")
        .first()
    )


def within(stops, lat, lon, radius_km):
    """[(stop, distance_km)] of the stops within the radius, nearest first for a day (bounding box in SQL)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    found = []
    for stop in stops.filter(
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
    ):
        distance = haversine_km(lat, lon, stop.latitude, stop.longitude)
        if distance <= radius_km:
            found.append((stop, distance))
    return found


# --- The directory search: itinerant services found by where their tour stops -----------------------------


def _stopping(today):
    return Stop.objects.filter(
        live=True,
        tour__live=True,
        tour__service__isnull=False,
        status=StopStatus.SCHEDULED,
        date__gte=today,
    )


def services_stopping_in(commune, today=None):
    """Ids of the itinerant services whose tour has a scheduled stop to come in the commune."""
    today = today or hours.local_now().date()
    return list(
        _stopping(today).filter(commune=commune).values_list("tour__service_id", flat=True).distinct()
    )


def itinerant_proximities(lat, lon, radius_km=None, today=None):
    """{service id: cosine of the angle to its tour's nearest stop to come}, within the radius when given.

    The cosine is what ServiceFilter orders by (see filters.proximity_expression), so an itinerant service takes
    its place in a radius search as if it stood where the camping-car will stop.
    """
    today = today or hours.local_now().date()
    stops = _stopping(today).filter(latitude__isnull=False, longitude__isnull=False)
    if radius_km:
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
        stops = stops.filter(
            latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
        )
    best = {}
    for service_id, stop_lat, stop_lon in stops.values_list("tour__service_id", "latitude", "longitude"):
        distance = haversine_km(lat, lon, stop_lat, stop_lon)
        if radius_km and distance > radius_km:
            continue
        if service_id not in best or distance < best[service_id]:
            best[service_id] = distance
    return {pk: math.cos(distance / 6371.0088) for pk, distance in best.items()}


def with_stop_proximity(expression, roaming):
    """The proximity expression, with each roaming service's value (from itinerant_proximities) in its place."""
    if not roaming:
        return expression
    cases = [models.When(pk=pk, then=models.Value(value)) for pk, value in roaming.items()]
    return models.Case(*cases, default=expression, output_field=models.FloatField())


@dataclass
class NextStop:
    stop: Stop
    near: bool  # the next stop in or near the searched place, rather than the next one anywhere
    distance_km: float | None = None

    @property
    def label(self):
        """'mardi 10 mars, 9 h 00 – 12 h 00, à Mirande (place du Foirail)'."""
        stop = self.stop
        return _("%(day)s, %(hours)s, à %(commune)s (%(place)s)") % {
            "day": short_day_label(stop.date),
            "hours": hours_label(stop.start_time, stop.end_time),
            "commune": stop.commune.name,
            "place": stop.place_name,
        }


def next_stop_for(service, place=None, radius_km=None, now=None):
    """The service's tour's next scheduled stop: in or near the searched place when there is one."""
    tour = Tour.objects.filter(service=service, live=True).first()
    if tour is None:
        return None
    stops = upcoming(tour.stops.filter(live=True, status=StopStatus.SCHEDULED), now).select_related("commune")
    stops = stops.order_by("date", "start_time")
    if place is not None:
        if getattr(place, "commune", None) is not None and not radius_km:
            nearby = [(stop, None) for stop in stops.filter(commune=place.commune)[:1]]
        else:
            nearby = within(stops, place.latitude, place.longitude, radius_km or 10)
        if nearby:
            stop, distance = min(nearby, key=lambda pair: (pair[0].date, pair[0].start_time))
            return NextStop(stop, near=True, distance_km=distance)
    stop = stops.first()
    return NextStop(stop, near=False) if stop is not None else None


def add_next_stops(items, place=None, radius_km=None, now=None):
    """Give each itinerant result of the directory search its `next_stop` (None when it has none)."""
    for item in items:
        service = item.service
        item.next_stop = (
            next_stop_for(service, place, radius_km, now) if service.kind == ServiceKind.ITINERANT else None
        )
    return items
