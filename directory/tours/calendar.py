"""The public calendar of the camping-car's stops (/annuaire/passages/): a week, a commune or "around me".

GET parameters are read leniently, as in the directory search: a bad one gets a French message and is left out,
the rest of the page still works. `semaine` is an ISO week (2026-W48), `date` a day (2026-11-24 or 24/11/2026)
whose week is shown, `commune` an INSEE code, a postcode or a name, `lat`/`lon`/`rayon` a point and a radius.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.listings import hours
from directory.search.engine import distance_label, place_suggestions
from directory.tours import stops as tours
from territories.gazetteer import find_commune
from territories.models import Commune

DEFAULT_RADIUS_KM = 20
MAX_RADIUS_KM = 100
RADIUS_CHOICES = [5, 10, 20, 50]
NEARBY_RADIUS_KM = 15
NEARBY_DAYS = 31
MIN_YEAR, MAX_YEAR = 2000, 2100
_WEEK = re.compile(r"^(\d{4})-?[wW]?(\d{1,2})$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_INSEE = re.compile(r"^\d[\dAB]\d{3}$")


@dataclass
class StopItem:
    """A stop as listed: with its distance when the search has a point."""

    stop: object
    distance_km: float | None = None

    @property
    def hours_label(self):
        return tours.hours_label(self.stop.start_time, self.stop.end_time)

    @property
    def day_label(self):
        return tours.day_label(self.stop.date)

    @property
    def distance(self):
        return distance_label(self.distance_km)

    @property
    def commune_url(self):
        return reverse("directory:commune_stops", kwargs={"insee": self.stop.commune.insee_code})

    @property
    def tour_url(self):
        return reverse("directory:tour", kwargs={"slug": self.stop.tour.slug})

    @property
    def has_point(self):
        return self.stop.latitude is not None and self.stop.longitude is not None


def group_items(items):
    """[{'date', 'label', 'items'}] per day, in order."""
    days = []
    for item in items:
        day = item.stop.date
        if not days or days[-1]["date"] != day:
            days.append({"date": day, "label": tours.day_label(day), "items": []})
        days[-1]["items"].append(item)
    return days


def iso_week(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(monday):
    sunday = monday + dt.timedelta(days=6)
    if monday.month == sunday.month:
        start = date_format(monday, "j")
    elif monday.year == sunday.year:
        start = date_format(monday, "j F")
    else:
        start = date_format(monday, "j F Y")
    return _("Semaine du %(start)s au %(end)s") % {"start": start, "end": date_format(sunday, "j F Y")}


def parse_week(text):
    """The Monday of an ISO week '2026-W48', or None."""
    match = _WEEK.match(text)
    if not match:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def parse_day(text):
    match = _FRENCH_DATE.match(text)
    try:
        if match:
            day = dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        else:
            day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def resolve_commune(text):
    """A name, a postcode or an INSEE code typed by a person → (Commune or None, suggested communes).

    A bare code is read as a postcode first, as the directory search does (32300 is Mirande's postcode and
    Orbessan's INSEE code); the page's own links carry the exact INSEE code in `insee` instead.
    """
    commune = find_commune(text)
    if commune is not None:
        return commune, []
    return None, place_suggestions(text)


def _float(text):
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # NaN and infinities refused


@dataclass
class Week:
    now: dt.datetime
    monday: dt.date
    query: dict = field(default_factory=dict)  # the understood parameters, carried by every link
    errors: list = field(default_factory=list)
    commune: Commune | None = None
    commune_text: str = ""
    suggested_communes: list = field(default_factory=list)
    point: tuple | None = None
    radius: float | None = None
    days: list = field(default_factory=list)
    items: list = field(default_factory=list)
    next_after: StopItem | None = None
    highlighted_day: dt.date | None = None

    @property
    def sunday(self):
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self):
        return week_label(self.monday)

    @property
    def iso(self):
        return iso_week(self.monday)

    def query_string(self, **overrides):
        values = {**self.query, **overrides}
        pairs = [(k, v) for k, v in values.items() if v not in ("", None)]
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def previous_query(self):
        return self.query_string(semaine=iso_week(self.monday - dt.timedelta(days=7)))

    @property
    def next_query(self):
        return self.query_string(semaine=iso_week(self.monday + dt.timedelta(days=7)))

    @property
    def suggestions(self):
        """[(label, query string)] of the communes the person may have meant."""
        return [(str(c), self.query_string(insee=c.insee_code)) for c in self.suggested_communes]

    @property
    def next_after_query(self):
        return self.query_string(semaine=iso_week(self.next_after.stop.date)) if self.next_after else ""

    @property
    def current_query(self):
        return self.query_string(semaine="")

    @property
    def is_current_week(self):
        return self.monday == self.now.date() - dt.timedelta(days=self.now.weekday())

    @property
    def heading(self):
        count = len(self.items)
        if self.commune is not None:
            where = _(" à %(commune)s") % {"commune": self.commune.name}
        elif self.point is not None:
            where = _(" à moins de %(radius)s km de votre position") % {"radius": f"{self.radius:g}"}
        else:
            where = ""
        if not count:
            return _("Aucun passage%(where)s cette semaine-là") % {"where": where}
        return ngettext("%(count)s passage%(where)s", "%(count)s passages%(where)s", count) % {
            "count": count,
            "where": where,
        }

    @property
    def feed_url(self):
        if self.commune is not None:
            return reverse("directory:commune_stops_feed", kwargs={"insee": self.commune.insee_code})
        return ""

    @property
    def map_items(self):
        return [item for item in self.items if item.has_point]


def read_week(query, now=None):
    """The calendar page for a QueryDict. Never raises on bad input."""
    now = now or hours.local_now()
    today = now.date()
    week = Week(now=now, monday=today - dt.timedelta(days=today.weekday()))

    def text(name, limit=100):
        return " ".join(str(query.get(name, "") or "").split())[:limit]

    week_text, day_text = text("semaine", 20), text("date", 20)
    # A date picked in the form wins over the week the form carries along.
    if day_text:
        day = parse_day(day_text)
        if day is None:
            week.errors.append(
                _(
                    "La date « %(value)s » n'est pas valide (attendu : JJ/MM/AAAA) : voici la semaine en cours."
                )
                % {"value": day_text}
            )
        else:
            week.monday = day - dt.timedelta(days=day.weekday())
            week.highlighted_day = day
    if week_text and week.highlighted_day is None:
        monday = parse_week(week_text)
        if monday is None:
            week.errors.append(
                _(
                    "La semaine « %(value)s » n'est pas valide (attendu : année et numéro de semaine, par exemple "
                    "%(example)s) : voici la semaine en cours."
                )
                % {"value": week_text, "example": iso_week(today)}
            )
        else:
            week.monday = monday

    commune_text, insee = text("commune"), text("insee", 10)
    week.commune_text = commune_text
    if insee and not commune_text:
        week.commune = Commune.objects.filter(insee_code=insee).first() if _INSEE.match(insee) else None
        if week.commune is None:
            week.errors.append(
                _("Aucune commune du Gers n'a le code INSEE « %(value)s ».") % {"value": insee}
            )
        else:
            week.commune_text = week.commune.name
            week.query["insee"] = week.commune.insee_code
    elif commune_text:
        week.commune, suggestions = resolve_commune(commune_text)
        if week.commune is None:
            week.errors.append(
                _(
                    "Nous ne trouvons pas la commune « %(value)s » dans le Gers. Saisissez son nom, son code "
                    "postal ou son code INSEE."
                )
                % {"value": commune_text}
            )
            week.suggested_communes = suggestions
        else:
            week.query["insee"] = week.commune.insee_code
    elif text("lat", 40) or text("lon", 40):
        lat, lon = _float(text("lat", 40)), _float(text("lon", 40))
        if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            week.errors.append(
                _("La position reçue n'est pas valide : indiquez une commune ou un code postal.")
            )
        else:
            week.point = (round(lat, 4), round(lon, 4))
            week.radius = float(DEFAULT_RADIUS_KM)
            radius_text = text("rayon", 20)
            if radius_text:
                radius = _float(radius_text)
                if radius is None or not 0 < radius <= MAX_RADIUS_KM:
                    week.errors.append(
                        _(
                            "Le rayon doit être un nombre de kilomètres entre 1 et %(max)s : %(default)s km retenus."
                        )
                        % {"max": MAX_RADIUS_KM, "default": DEFAULT_RADIUS_KM}
                    )
                else:
                    week.radius = radius
            week.query.update(lat=f"{week.point[0]:g}", lon=f"{week.point[1]:g}", rayon=f"{week.radius:g}")
    if not week.is_current_week:
        week.query["semaine"] = week.iso

    stops = tours.public_stops().filter(date__gte=week.monday, date__lte=week.sunday)
    week.items = _filtered(week, stops)
    week.items.sort(key=lambda i: (i.stop.date, i.stop.start_time, i.stop.commune.name))
    week.days = group_items(week.items)
    if not week.items and (week.commune is not None or week.point is not None):
        later = (
            tours.upcoming(tours.public_stops(), now)
            .filter(date__gt=week.sunday)
            .order_by("date", "start_time")
        )
        found = _filtered(week, later)
        week.next_after = min(found, key=lambda i: (i.stop.date, i.stop.start_time), default=None)
    return week


def _filtered(week, stops):
    if week.commune is not None:
        return [StopItem(stop) for stop in stops.filter(commune=week.commune)]
    if week.point is not None:
        return [StopItem(stop, distance) for stop, distance in tours.within(stops, *week.point, week.radius)]
    return [StopItem(stop) for stop in stops]


def commune_stops(commune, now=None, limit=20):
    """The commune's next stops, and those nearby (within 15 km, the next month) in other communes."""
    now = now or hours.local_now()
    upcoming = tours.upcoming(tours.public_stops(), now).order_by("date", "start_time", "pk")
    here = [StopItem(stop) for stop in upcoming.filter(commune=commune)[:limit]]
    soon = upcoming.exclude(commune=commune).filter(date__lte=now.date() + dt.timedelta(days=NEARBY_DAYS))
    nearby = [
        StopItem(stop, distance)
        for stop, distance in tours.within(soon, commune.latitude, commune.longitude, NEARBY_RADIUS_KM)
    ]
    nearby.sort(key=lambda i: (i.stop.date, i.stop.start_time))
    return here, nearby[:10]
