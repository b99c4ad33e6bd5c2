"""Calendar feeds (RFC 5545) of the camping-car's stops and of permanences, built with the icalendar library.

Times are written in Europe/Paris with a VTIMEZONE (generated from the tz database by icalendar), so a stop at
9:00 stays at 9:00 on both sides of a daylight-saving change. UIDs are stable — `stop-<id>@…` for a stop,
`service-<id>-<local start>@…` for a permanence's occurrence — so a calendar that subscribes to a feed updates its
events instead of duplicating them; a cancelled stop stays in the feed with STATUS:CANCELLED and a higher SEQUENCE.
"""

import datetime as dt
from functools import lru_cache

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from directory.listings import hours
from directory.tours.stops import ends_at, starts_at

UID_DOMAIN = "gerssolidaire.org"
PRODID = "-//Gers Solidaire//France Contact//FR"
TZID = "Europe/Paris"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Past stops stay in a feed for a while: a calendar that refreshes late still sees what happened.
PAST_DAYS = 31


@lru_cache(maxsize=16)
def _vtimezone(first_year, last_year):
    return Timezone.from_tzinfo(
        hours.PARIS, tzid=TZID, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
    )


def new_calendar(name, description="", url=""):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    if description:
        calendar.add("x-wr-caldesc", description)
    if url:
        calendar.add("url", url)
    # Feeds change when staff edit stops: ask subscribed calendars to refresh twice a day.
    calendar.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    return calendar


def _utc(moment):
    return (moment or timezone.now()).astimezone(dt.UTC)


def stop_event(stop, url=""):
    tour = stop.tour
    event = Event()
    event.add("uid", f"stop-{stop.pk}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(stop.updated_at))
    event.add("last-modified", _utc(stop.updated_at))
    event.add("dtstart", starts_at(stop))
    event.add("dtend", ends_at(stop))
    summary = _("%(tour)s à %(commune)s") % {"tour": tour.name, "commune": stop.commune.name}
    description = [stop.place_name]
    if stop.is_cancelled:
        summary = _("Annulé : %(summary)s") % {"summary": summary}
        description.insert(0, _("Passage annulé : %(reason)s") % {"reason": stop.cancellation_reason})
    if tour.onboard_details:
        description.append(tour.onboard_details)
    if tour.phone:
        description.append(_("Téléphone : %(phone)s") % {"phone": tour.phone})
    event.add("summary", summary)
    event.add("description", "\n".join(d for d in description if d))
    postcode = stop.commune.postal_code_list[0] if stop.commune.postal_code_list else ""
    location = ", ".join(
        p for p in (stop.place_name, stop.address, f"{postcode} {stop.commune.name}".strip()) if p
    )
    event.add("location", location)
    if stop.latitude is not None and stop.longitude is not None:
        event.add("geo", (stop.latitude, stop.longitude))
    event.add("status", "CANCELLED" if stop.is_cancelled else "CONFIRMED")
    # A cancellation is a new version of the event: calendars apply it over the one they hold.
    event.add("sequence", 1 if stop.is_cancelled else 0)
    if url:
        event.add("url", url)
    return event


def occurrence_event(occurrence, url=""):
    service = occurrence.service
    place = service.place
    event = Event()
    local_start = occurrence.start.astimezone(hours.PARIS)
    event.add("uid", f"service-{service.pk}-{local_start:%Y%m%dT%H%M}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(service.updated_at))
    event.add("last-modified", _utc(service.updated_at))
    event.add("dtstart", local_start)
    event.add("dtend", occurrence.end.astimezone(hours.PARIS))
    event.add("summary", service.title)
    description = [service.summary]
    if service.appointment_required:
        description.append(_("Sur rendez-vous."))
    if service.opening_hours_notes:
        description.append(service.opening_hours_notes)
    if service.contact_phone:
        description.append(_("Téléphone : %(phone)s") % {"phone": service.contact_phone})
    event.add("description", "\n".join(d for d in description if d))
    if place is not None:
        event.add("location", ", ".join(p for p in (place.name, place.full_address) if p))
        if place.has_point:
            event.add("geo", (place.latitude, place.longitude))
    event.add("status", "CONFIRMED")
    if url:
        event.add("url", url)
    return event


def finish(calendar, events):
    """Add the events with the VTIMEZONE covering them, and serialise."""
    starts = [event.decoded("dtstart") for event in events]
    if starts:
        calendar.add_component(_vtimezone(min(starts).year, max(starts).year))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def ics_response(content, filename):
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


def stops_feed(stops, name, description="", url="", stop_url=None):
    """The feed of these stops (stop_url(stop) gives each event's link)."""
    calendar = new_calendar(name, description, url)
    events = [stop_event(stop, stop_url(stop) if stop_url else url) for stop in stops]
    return finish(calendar, events)


def occurrences_feed(occurrences, name, description="", url="", occurrence_url=None):
    calendar = new_calendar(name, description, url)
    return finish(
        calendar, [occurrence_event(o, occurrence_url(o) if occurrence_url else url) for o in occurrences]
    )
