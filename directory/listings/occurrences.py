"""Permanences' next dates: a service's opening hours over the coming months, minus declared closures.

French public holidays are the rule's business (`PH off`, evaluated by directory.listings.hours); declared closures
(`Closure`, of the service or of the place where it is held) are taken out here. A tiers-lieu's agenda merges
the next dates of every permanence held at its place.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from directory.listings import hours
from directory.listings.models import Closure, Service
from directory.listings.vocabulary import ServiceKind
from directory.tours.stops import day_label, short_day_label

NEXT_DATES = 6
HORIZON_DAYS = 183  # about six months
PLACE_AGENDA_DATES = 12
PLACE_AGENDA_DAYS = 62
FEED_DAYS = 183
FEED_MAX_EVENTS = 500


@dataclass
class Occurrence:
    service: Service
    start: dt.datetime  # aware, Europe/Paris
    end: dt.datetime

    @property
    def date(self):
        return self.start.date()

    @property
    def day_label(self):
        return day_label(self.date)

    @property
    def short_day_label(self):
        return short_day_label(self.date)

    @property
    def hours_label(self):
        return hours.format_intervals([(self.start, self.end, "")])


def closures_for(services, start_day, end_day):
    """Closures overlapping [start_day, end_day] of these services or of their places."""
    service_ids = [s.pk for s in services]
    place_ids = {s.place_id for s in services if s.place_id}
    return list(
        Closure.objects.filter(Q(service_id__in=service_ids) | Q(place_id__in=place_ids))
        .filter(starts_on__lte=end_day, ends_on__gte=start_day)
        .select_related("service", "place")
        .order_by("starts_on", "pk")
    )


def closed_services(day):
    """The services closed all day by a declared closure (theirs or their place's), as a subquery of ids."""
    covering = Closure.objects.filter(starts_on__lte=day, ends_on__gte=day)
    return (
        Service.objects.order_by()
        .filter(Q(pk__in=covering.values("service_id")) | Q(place_id__in=covering.values("place_id")))
        .values("pk")
    )


def closures_of(service, closures):
    """Those of `closures` that close this service: its own, and those of the place where it is held."""
    return [
        c
        for c in closures
        if c.service_id == service.pk or (c.place_id is not None and c.place_id == service.place_id)
    ]


def _closed(service, day, closures):
    return hours.closure_on(closures_of(service, closures), day) is not None


def occurrences(service, now=None, count=NEXT_DATES, days=HORIZON_DAYS, closures=None):
    """The service's next open intervals (at most `count`, within `days`), skipping declared closures."""
    now = now or hours.local_now()
    if not service.opening_hours:
        return []
    end = now + dt.timedelta(days=days)
    if closures is None:
        closures = closures_for([service], now.date(), end.date())
    found = []
    # From the start of today, so that a permanence under way shows its real opening time.
    day_start = dt.datetime.combine(now.date(), dt.time.min, tzinfo=hours.PARIS)
    for start, finish, _comment in hours.intervals(service.opening_hours, day_start, end):
        if finish <= now or _closed(service, start.date(), closures):
            continue
        found.append(Occurrence(service, start, finish))
        if count and len(found) >= count:
            break
    return found


def place_permanences(place):
    """Published permanences held at a place."""
    return list(
        Service.objects.public()
        .filter(place=place, kind=ServiceKind.PERMANENCE)
        .exclude(opening_hours="")
        .select_related("organisation", "place__commune")
        .order_by("title")
    )


def place_agenda(place, now=None, count=PLACE_AGENDA_DATES, days=PLACE_AGENDA_DAYS):
    """The next dates of every permanence held at the place, merged in time order."""
    now = now or hours.local_now()
    services = place_permanences(place)
    if not services:
        return []
    closures = closures_for(services, now.date(), (now + dt.timedelta(days=days)).date())
    merged = []
    for service in services:
        merged += occurrences(service, now, count=count, days=days, closures=closures)
    merged.sort(key=lambda o: (o.start, o.service.title))
    return merged[:count] if count else merged


def group_by_day(items, date_of):
    """[{'date', 'label', 'items'}] in order, one entry per day that has items."""
    days = []
    for item in items:
        day = date_of(item)
        if not days or days[-1]["date"] != day:
            days.append({"date": day, "label": day_label(day), "items": []})
        days[-1]["items"].append(item)
    return days


def service_context(service, now=None):
    """What the service page shows about dates: next permanences, a tiers-lieu's agenda, closures to come."""
    now = now or hours.local_now()
    context = {"next_dates": [], "place_agenda": [], "closures": [], "has_feed": False}
    horizon = (now + dt.timedelta(days=HORIZON_DAYS)).date()
    if service.kind == ServiceKind.THIRD_PLACE and service.place_id:
        agenda = place_agenda(service.place, now)
        context["place_agenda"] = group_by_day(agenda, lambda o: o.date)
        context["has_feed"] = bool(agenda)
    elif service.kind == ServiceKind.PERMANENCE and service.opening_hours:
        context["next_dates"] = occurrences(service, now)
        context["has_feed"] = bool(context["next_dates"])
    if service.kind != ServiceKind.ITINERANT:
        context["closures"] = closures_for([service], now.date(), horizon)
    return context


def feed_occurrences(service, now=None):
    """A service's calendar feed: its own occurrences, or for a tiers-lieu those of its permanences."""
    now = now or hours.local_now()
    if service.kind == ServiceKind.THIRD_PLACE and service.place_id:
        return place_agenda(service.place, now, count=FEED_MAX_EVENTS, days=FEED_DAYS)
    return occurrences(service, now, count=FEED_MAX_EVENTS, days=FEED_DAYS)
