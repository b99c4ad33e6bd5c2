"""Opening hours in OpenStreetMap `opening_hours` syntax, evaluated by opening-hours-py (never hand-parsed).

Times are local to the Gers (Europe/Paris) and French public holidays apply (`PH`). Declared closures (anything
with `starts_on`, `ends_on` and `reason`, such as directory.tours.models.Closure) may be passed to the functions that
say whether a service is open: a closed day has no opening, whatever the expression says.
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.text import capfirst
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


def closure_on(closures, day):
    """The declared closure covering `day` (the first one when several do), or None."""
    return next((c for c in closures if c.starts_on <= day <= c.ends_on), None)


def closure_label(closure):
    """'fermé du 21 décembre 2026 au 2 janvier 2027 : congés', 'fermé le 14 avril 2026'."""
    if closure.starts_on == closure.ends_on:
        text = _("fermé le %(day)s") % {"day": date_format(closure.starts_on, "j F Y")}
    else:
        text = _("fermé du %(start)s au %(end)s") % {
            "start": date_format(closure.starts_on, "j F Y"),
            "end": date_format(closure.ends_on, "j F Y"),
        }
    if closure.reason:
        text = _("%(closed)s : %(reason)s") % {"closed": text, "reason": closure.reason}
    return text


def is_open(expression, at=None, closures=()):
    """True/False, or None when the hours are unknown or unreadable. Closed all day during a declared closure."""
    if closures and closure_on(closures, _aware(at).date()):
        return False
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


def today_label(expression, at=None, closures=()):
    """Today's hours as text ('Fermé aujourd'hui' when closed all day), or '' when unknown."""
    moment = _aware(at)
    closure = closure_on(closures, moment.date())
    if closure is not None:
        return capfirst(closure_label(closure))
    if not expression:
        return ""
    text = format_intervals(day_intervals(expression, moment.date()))
    return text or _("Fermé aujourd'hui")


def _day_hours(expression, day, closures):
    closure = closure_on(closures, day)
    if closure is None:
        return format_intervals(day_intervals(expression, day)) or _("fermé")
    if closure.reason:
        return _("fermé (%(reason)s)") % {"reason": closure.reason}
    return _("fermé (fermeture annoncée)")


def week_schedule(expression, at=None, closures=()):
    """The next seven days from today: [{'date', 'day_name', 'hours', 'is_today', 'closed'}]."""
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
                "hours": _day_hours(expression, day, closures),
                "is_today": offset == 0,
                "closed": closure_on(closures, day) is not None,
            }
        )
    return days


def next_opening(expression, at=None, closures=()):
    """The start of the next open interval after `at` (within two months of the end of a closure under way),
    skipping the days of declared closures, or None."""
    if not expression:
        return None
    moment = _aware(at)
    since = moment
    while (closure := closure_on(closures, since.date())) is not None:
        since = dt.datetime.combine(closure.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=PARIS)
    for start, _end, _comment in intervals(expression, since, since + dt.timedelta(days=62)):
        if start > moment and closure_on(closures, start.date()) is None:
            return start
    return None


def schema_org_hours(expression, at=None, closures=()):
    """schema.org OpeningHoursSpecification entries for the coming week (derived, not hand-parsed)."""
    specs = []
    for day in week_schedule(expression, at, closures):
        if day["closed"]:
            continue
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
