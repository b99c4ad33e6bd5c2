"""Opening hours in OpenStreetMap `opening_hours` syntax, evaluated by opening-hours-py (never hand-parsed).

Times are local to the Gers (Europe/Paris) and French public holidays apply (`PH`).
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from opening_hours import OpeningHours, ParserError, State

PARIS = ZoneInfo("Europe/Paris")
# What opening-hours-py raises for an expression it cannot read or evaluate.
HOURS_ERRORS = (ParserError, SyntaxError, ValueError)
DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@lru_cache(maxsize=4096)
def parse(expression):
    """The parsed expression (cached: many services share the same hours). Raises one of HOURS_ERRORS."""
    # Coordinates are not needed: the whole directory lives in one timezone and one holiday calendar.
    return OpeningHours(expression, timezone=PARIS, country="FR", auto_country=False, auto_timezone=False)


def validate_opening_hours(value):
    if not value:
        return
    try:
        parse(value.strip())
    except HOURS_ERRORS as exc:
        raise ValidationError(
            _(
                "Horaires illisibles. Utilisez le format OpenStreetMap, par exemple « Mo-Fr 08:30-12:00,"
                " 13:30-17:00; PH off » (Mo lundi, Tu mardi, We mercredi, Th jeudi, Fr vendredi, Sa samedi,"
                " Su dimanche, PH jours fériés)."
            ),
            code="invalid_opening_hours",
        ) from exc


def local_now():
    return dt.datetime.now(PARIS)


def _aware(moment):
    if moment is None:
        return local_now()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=PARIS)
    return moment.astimezone(PARIS)


def is_open(expression, at=None):
    """True/False, or None when the hours are unknown or unreadable."""
    if not expression:
        return None
    try:
        state, _comment = parse(expression).state(_aware(at))
    except HOURS_ERRORS:
        return None
    if state == State.OPEN:
        return True
    if state == State.CLOSED:
        return False
    return None


def intervals(expression, start, end):
    """Open intervals [(start, end, comment)] between two moments, in local time."""
    if not expression:
        return []
    try:
        periods = parse(expression).intervals(_aware(start), _aware(end))
        return [
            (s.astimezone(PARIS), e.astimezone(PARIS), c) for s, e, state, c in periods if state == State.OPEN
        ]
    except HOURS_ERRORS:
        return []


def day_intervals(expression, day):
    start = dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)
    return intervals(expression, start, start + dt.timedelta(days=1))


def format_intervals(periods):
    """'9 h 00 – 12 h 00, 14 h 00 – 17 h 30' (French typography), or '' when closed."""

    def hm(moment):
        return f"{moment.hour} h {moment.minute:02d}"

    parts = []
    for start, end, _comment in periods:
        # An interval ending at midnight is shown as "24 h 00" rather than "0 h 00".
        end_label = "24 h 00" if end.time() == dt.time.min and end.date() > start.date() else hm(end)
        parts.append(f"{hm(start)} – {end_label}")
    return ", ".join(parts)


def today_label(expression, at=None):
    """Today's hours as text ('Fermé aujourd'hui' when closed all day), or '' when unknown."""
    if not expression:
        return ""
    moment = _aware(at)
    text = format_intervals(day_intervals(expression, moment.date()))
    return text or _("Fermé aujourd'hui")


def week_schedule(expression, at=None):
    """The next seven days from today: [{'date', 'day_name', 'hours', 'is_today'}]."""
    if not expression:
        return []
    today = _aware(at).date()
    days = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        days.append(
            {
                "date": day,
                "day_name": DAY_NAMES[day.weekday()],
                "hours": format_intervals(day_intervals(expression, day)) or _("fermé"),
                "is_today": offset == 0,
            }
        )
    return days


def next_opening(expression, at=None):
    """The start of the next open interval after `at` (within two months), or None."""
    if not expression:
        return None
    moment = _aware(at)
    for start, _end, _comment in intervals(expression, moment, moment + dt.timedelta(days=62)):
        if start > moment:
            return start
    return None


def schema_org_hours(expression, at=None):
    """schema.org OpeningHoursSpecification entries for the coming week (derived, not hand-parsed)."""
    specs = []
    for day in week_schedule(expression, at):
        for start, end, _comment in day_intervals(expression, day["date"]):
            specs.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "dayOfWeek": f"https://schema.org/{day['date'].strftime('%A')}",
                    "opens": start.strftime("%H:%M"),
                    "closes": "23:59" if end.date() > start.date() else end.strftime("%H:%M"),
                    "validFrom": day["date"].isoformat(),
                    "validThrough": day["date"].isoformat(),
                }
            )
    return specs
