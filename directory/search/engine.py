"""The public search of /annuaire/ and the presentation of services, as plain functions the views call.

The resident's query (GET parameters) is read leniently: a bad parameter gets a French message next to its
field and is left out, the rest of the search still runs. The filtering itself is `ServiceFilter`'s, the same
FilterSet the API uses; this module only turns a place typed by a person ("Mirande", "32300", an address) into a
point, and shapes the results for the page.
"""

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pagination import lenient_page_number, page_nav
from core.phones import tel_href
from directory.listings import hours, occurrences
from directory.listings.models import Audience, Category, Service
from directory.listings.vocabulary import OrganisationKind, ServiceKind, ServiceStatus
from directory.partners import freshness
from directory.search import index
from directory.search.filters import MAX_QUERY_LENGTH, RADIUS_CHOICES, ServiceFilter, StrictBooleanField
from directory.tours import stops
from territories.gazetteer import find_commune, nearest_communes, neighbouring_communes, suggest_communes
from territories.geocoding import geocode
from territories.models import Commune
from territories.text import normalise

RESULTS_PER_PAGE = 20
DEFAULT_RADIUS_KM = 10
MAX_WHERE_LENGTH = 200
# ServiceFilter's parameters → the form field their message is shown next to.
ERROR_FIELDS = {"lat": "where", "lon": "where", "commune": "where"}
FIELDS = ("q", "where", "radius", "open_now", "category", "kind", "audience")
_CODE_OR_BRACKETS = re.compile(r"\d{5}|[()]")


# --- Formatting ------------------------------------------------------------------------------------------


def format_km(value):
    """3.24 → '3,2'; 10.0 → '10' (French decimal comma)."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def distance_label(distance_km):
    if distance_km is None:
        return ""
    if distance_km < 0.1:
        return _("à moins de 100 m")
    return _("à %(distance)s km") % {"distance": format_km(distance_km)}


def time_label(moment):
    return f"{moment.hour} h {moment.minute:02d}"


def day_label(day):
    """'mardi 24 novembre' (Django's French date names)."""
    return date_format(day, "l j F")


def moment_label(moment, now):
    """'aujourd'hui à 14 h 00', 'demain à 9 h 00', else 'mardi 24 novembre à 9 h 00'."""
    day = moment.date()
    if day == now.date():
        when = _("aujourd'hui")
    elif day == now.date() + dt.timedelta(days=1):
        when = _("demain, %(day)s") % {"day": day_label(day)}
    else:
        when = day_label(day)
    return _("%(day)s à %(time)s") % {"day": when, "time": time_label(moment)}


def closing_time(expression, now):
    """When the current open interval ends (None when closed, unknown, or open for days on end)."""
    horizon = now + dt.timedelta(days=2)
    for start, end, _comment in hours.intervals(expression, now - dt.timedelta(days=1), horizon):
        if start <= now < end:
            return end if end < horizon else None
    return None


def updated_on(service):
    moment = service.last_verified_at or service.updated_at
    return date_format(timezone.localtime(moment), "j F Y") if moment else ""


def yes_no_unknown(value):
    if value is None:
        return _("non renseigné")
    return _("oui") if value else _("non")


# --- The resident's query --------------------------------------------------------------------------------


@dataclass
class SearchParams:
    """What the resident asked, as re-displayed in the form and carried by every link (pagination, suggestions)."""

    q: str = ""
    where: str = ""
    lat: str = ""
    lon: str = ""
    radius: str = ""
    open_now: bool = False
    categories: list = field(default_factory=list)
    kind: str = ""
    audiences: list = field(default_factory=list)
    commune: str = ""  # INSEE code, as the API's `commune` (links from other pages; kept by the form)

    @classmethod
    def from_querydict(cls, data):
        def text(name, limit):
            return " ".join(str(data.get(name, "") or "").split())[:limit]

        def values(name):
            return [v.strip()[:80] for v in data.getlist(name) if v and v.strip()][:30]

        return cls(
            q=text("q", MAX_QUERY_LENGTH),
            where=text("where", MAX_WHERE_LENGTH),
            lat=text("lat", 40),
            lon=text("lon", 40),
            radius=text("radius", 20),
            open_now=str(data.get("open_now", "")).lower() in StrictBooleanField.TRUE,
            categories=list(dict.fromkeys(values("category"))),
            kind=text("kind", 40),
            audiences=list(dict.fromkeys(values("audience"))),
            commune=text("commune", 10),
        )

    def items(self, **overrides):
        """(name, value) pairs of the non-empty parameters, in a stable order, with some replaced."""
        values = {
            "q": self.q,
            "where": self.where,
            # A position only matters when no place is typed (the place wins).
            "lat": "" if self.where else self.lat,
            "lon": "" if self.where else self.lon,
            "radius": self.radius,
            "open_now": "true" if self.open_now else "",
            "category": self.categories,
            "kind": self.kind,
            "audience": self.audiences,
            "commune": self.commune,
        }
        values.update(overrides)
        pairs = []
        for name, value in values.items():
            for item in value if isinstance(value, list | tuple) else [value]:
                if item not in ("", None, False):
                    pairs.append((name, str(item)))
        return pairs

    def query_string(self, **overrides):
        pairs = self.items(**overrides)
        return "?" + urlencode(pairs) if pairs else "?"

    @property
    def has_refinements(self):
        return bool(self.categories or self.kind or self.audiences)


@dataclass
class ResolvedPlace:
    label: str
    latitude: float
    longitude: float
    commune: Commune | None = None


def commune_option(commune):
    codes = commune.postal_code_list
    return f"{commune.name} ({codes[0]})" if codes else commune.name


def commune_datalist():
    """'Nom (code postal)' for every commune and each of its postcodes: the where field's autocomplete."""
    options = []
    for name, codes in Commune.objects.order_by("name").values_list("name", "postal_codes"):
        options.extend(f"{name} ({code})" for code in codes.split() or [""])
    return options


def _is_only_a_commune(text, commune):
    """True when the text names the commune and nothing else (its name, a postcode, 'Name (code)')."""
    rest = normalise(_CODE_OR_BRACKETS.sub(" ", text))
    return rest in ("", commune.search_name) or rest.replace(" ", "") == commune.search_name.replace(" ", "")


def resolve_place(text):
    """A commune name or postcode → the commune's centre; an address → the geocoder's point; else None."""
    commune = find_commune(text)
    if commune is not None and _is_only_a_commune(text, commune):
        return ResolvedPlace(commune.name, commune.latitude, commune.longitude, commune)
    result = geocode(text, commune=commune) if len(text) >= 3 else None
    if result is not None:
        found = commune
        if found is None or found.insee_code != result.commune_insee:
            found = Commune.objects.filter(insee_code=result.commune_insee).first() or commune
        if result.precision == "commune" and found is not None:
            return ResolvedPlace(found.name, found.latitude, found.longitude, found)
        return ResolvedPlace(result.label or text, result.latitude, result.longitude, found)
    if commune is not None:
        return ResolvedPlace(commune.name, commune.latitude, commune.longitude, commune)
    return None


def place_suggestions(text, limit=5):
    """Communes the resident may have meant: by prefix or postcode, else by spelling (typos)."""
    found = suggest_communes(text, limit)
    if found:
        return found
    wanted = normalise(text)
    if len(wanted) < 3:
        return []
    names = dict(Commune.objects.values_list("search_name", "pk"))
    close = difflib.get_close_matches(wanted, list(names), n=limit, cutoff=0.7)
    by_pk = Commune.objects.in_bulk([names[n] for n in close])
    return [by_pk[names[n]] for n in close]


def _radius_value(text):
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None


def radius_options(current):
    """The radius select's choices: 5/10/20/50 km, plus a custom value arriving by a shared link."""
    choices = list(RADIUS_CHOICES)
    value = _radius_value(current)
    if value is not None and 0 < value <= 200 and value not in choices:
        choices = sorted([*choices, value])
    selected = value if value in choices else DEFAULT_RADIUS_KM
    return [
        {"value": format_km(c).replace(",", "."), "label": f"{format_km(c)} km", "selected": c == selected}
        for c in choices
    ]


# --- Results ---------------------------------------------------------------------------------------------


@dataclass
class ResultItem:
    service: Service
    distance_km: float | None
    is_open: bool | None
    today_hours: str
    phone: str
    phone_href: str
    categories: list
    stale: bool = False  # unconfirmed for DIRECTORY_STALE_AFTER_MONTHS: residents are told to check first
    stale_advice: str = ""

    @property
    def planned(self):
        return self.service.status == ServiceStatus.PLANNED

    @property
    def distance(self):
        return distance_label(self.distance_km)

    @property
    def address(self):
        place = self.service.place
        return place.full_address if place else ""


def result_item(service, now, closures=(), stale_cutoff=None):
    """One result; `closures` may hold other services' closures too (those of the page, declared for today)."""
    phone = service.contact_phone
    closures = occurrences.closures_of(service, closures)
    stale = freshness.is_stale(freshness.verified_since(service), stale_cutoff or freshness.stale_cutoff())
    return ResultItem(
        service=service,
        distance_km=getattr(service, "distance_km", None),
        is_open=None
        if service.status == ServiceStatus.PLANNED
        else hours.is_open(service.opening_hours, now, closures),
        today_hours=hours.today_label(service.opening_hours, now, closures),
        phone=phone,
        phone_href=tel_href(phone) if phone else "",
        categories=list(service.categories.all()),
        stale=stale,
        stale_advice=freshness.service_stale_advice(service) if stale else "",
    )


def map_data(items, place, radius):
    """What the map draws: the current page's services that have a point, and the search centre."""
    services = []
    for item in items:
        p = item.service.place
        if p is not None and p.has_point:
            services.append(
                {
                    "id": item.service.pk,
                    "title": item.service.title,
                    "url": item.service.get_absolute_url(),
                    "lat": round(p.latitude, 6),
                    "lon": round(p.longitude, 6),
                    "stale": item.stale,
                }
            )
    centre = None
    if place is not None:
        centre = {"lat": place.latitude, "lon": place.longitude, "label": place.label, "radius_km": radius}
    # The popup's words come from here: the script has no translations.
    return {"centre": centre, "services": services, "stale_label": _("Informations à vérifier")}


@dataclass
class Suggestion:
    label: str
    query_string: str
    detail: str = ""


@dataclass
class SearchOutcome:
    params: SearchParams
    commune: Commune | None = None  # the `commune` filter, when known
    errors: dict = field(default_factory=dict)  # form field → [French messages]
    notices: list = field(default_factory=list)
    place: ResolvedPlace | None = None
    radius: float | None = None
    page: object = None  # a Paginator page, None when the place could not be understood
    items: list = field(default_factory=list)
    where_suggestions: list = field(default_factory=list)  # [Suggestion]
    wider: list = field(default_factory=list)  # [Suggestion]
    neighbours: list = field(default_factory=list)  # [Suggestion]
    heading: str = ""
    map: dict = field(default_factory=lambda: {"centre": None, "services": []})
    now: dt.datetime | None = None
    category_facets: list = field(default_factory=list)  # [FacetOption], counts next to the filters
    kind_facets: list = field(default_factory=list)

    @property
    def count(self):
        return self.page.paginator.count if self.page is not None else 0

    @property
    def no_result(self):
        return self.page is not None and self.count == 0

    @property
    def page_nav(self):
        """The page-number nav (core/includes/pagination.html), or None."""
        if self.page is None:
            return None
        return page_nav(self.page, self.page_query, on_each_side=1)

    @property
    def error_slots(self):
        """Every field's messages (empty too): htmx replaces each field's error slot out of band."""
        return [(name, self.errors.get(name, [])) for name in FIELDS]

    def page_query(self, number):
        return self.params.query_string(page=number if number > 1 else "")

    @property
    def error_list(self):
        return [(name, message) for name in FIELDS for message in self.errors.get(name, [])]

    @property
    def announcement(self):
        """What screen readers hear after an in-place update."""
        if self.errors:
            return _("%(heading)s. Votre recherche contient une erreur : %(message)s") % {
                "heading": self.heading,
                "message": self.error_list[0][1],
            }
        return self.heading


def document_title(outcome, page_title):
    """The <title> of the search page (RGAA 8.6): what was found for which words, where, and which page."""
    params = outcome.params
    if not params.items() and (outcome.page is None or outcome.page.number == 1):
        return page_title
    text = outcome.heading
    if params.q:
        text = _("%(heading)s pour «\u00a0%(q)s\u00a0»") % {"heading": text, "q": params.q}
    if outcome.page is not None and outcome.page.paginator.num_pages > 1:
        text = _("%(heading)s, page %(number)s sur %(count)s") % {
            "heading": text,
            "number": outcome.page.number,
            "count": outcome.page.paginator.num_pages,
        }
    if outcome.errors:
        text = _("Erreur\u00a0: %(title)s") % {"title": text}
    return f"{text} – {page_title}"


def heading_text(count, place, radius, open_now):
    values = {
        "count": count,
        "radius": format_km(radius or DEFAULT_RADIUS_KM),
        "place": place.label if place else "",
    }
    if place is not None:
        if count == 0:
            text = (
                _("Aucun service ouvert maintenant à moins de %(radius)s km de %(place)s")
                if open_now
                else _("Aucun service à moins de %(radius)s km de %(place)s")
            )
        elif open_now:
            text = ngettext(
                "%(count)s service ouvert maintenant à moins de %(radius)s km de %(place)s",
                "%(count)s services ouverts maintenant à moins de %(radius)s km de %(place)s",
                count,
            )
        else:
            text = ngettext(
                "%(count)s service à moins de %(radius)s km de %(place)s",
                "%(count)s services à moins de %(radius)s km de %(place)s",
                count,
            )
    elif count == 0:
        text = _("Aucun service ouvert maintenant") if open_now else _("Aucun service trouvé")
    elif open_now:
        text = ngettext("%(count)s service ouvert maintenant", "%(count)s services ouverts maintenant", count)
    else:
        text = ngettext("%(count)s service trouvé", "%(count)s services trouvés", count)
    return text % values


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None  # None: not counted (the search did not run)
    item: object = None


def facet_options(counts):
    """([FacetOption] per category, [FacetOption] per kind) with the number of services each would give."""
    counts = counts or {}

    def count(name, value):
        return counts[name].get(value, 0) if name in counts else None

    categories = [FacetOption(c.slug, c.name, count("category", c.slug), c) for c in Category.objects.all()]
    kinds = [FacetOption(value, label, count("kind", value)) for value, label in ServiceKind.choices]
    return categories, kinds


def _filter_data(params, place, radius):
    data = {"q": params.q, "kind": params.kind}
    data["category"] = list(params.categories)
    data["audience"] = list(params.audiences)
    if params.commune:
        data["commune"] = params.commune
    if params.open_now:
        data["open_now"] = "true"
    if place is not None:
        data.update(lat=repr(place.latitude), lon=repr(place.longitude), radius=repr(radius))
    return data


def _run_filter(data):
    query = QueryDict(mutable=True)
    for name, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        query.setlist(name, [str(v) for v in values if v not in ("", None)])
    return ServiceFilter(query, queryset=_base_queryset())


def _base_queryset():
    return Service.objects.public().with_related()


def _known(model, slugs):
    found = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return [s for s in slugs if s in found]


def _add_error(errors, name, message):
    messages = errors.setdefault(name, [])
    if message not in messages:
        messages.append(message)


def _filtered(params, place, radius, errors):
    """ServiceFilter over the query; a parameter it refuses is reported and left out, the rest still applies."""
    data = _filter_data(params, place, radius)
    for _attempt in range(3):
        service_filter = _run_filter(data)
        if service_filter.is_valid():
            return service_filter, data
        for name, messages in service_filter.error_messages().items():
            shown = ERROR_FIELDS.get(name, name)
            for message in messages:
                _add_error(errors, shown, message)
            if name == "category":
                data["category"] = _known(Category, data["category"])
                _add_error(errors, "category", _("Les thématiques inconnues ont été ignorées."))
            elif name == "audience":
                data["audience"] = _known(Audience, data["audience"])
                _add_error(errors, "audience", _("Les publics inconnus ont été ignorés."))
            elif name == "radius" and place is not None:
                data["radius"] = repr(float(DEFAULT_RADIUS_KM))
                _add_error(
                    errors,
                    "radius",
                    _("Rayon non valide : la recherche porte sur %(radius)s km.")
                    % {"radius": DEFAULT_RADIUS_KM},
                )
            else:
                for dropped in ("lat", "lon", "radius") if name in ("lat", "lon") else (name,):
                    data.pop(dropped, None)
    # Unreachable with the rules above; never fail the page for it.
    return _run_filter({}), {}


def _position(params, errors):
    """The point sent by "Autour de moi" (lat/lon), when valid."""
    service_filter = _run_filter({"lat": params.lat, "lon": params.lon})
    if not service_filter.is_valid():
        details = "; ".join(
            f"{name} : {' '.join(messages)}" for name, messages in service_filter.error_messages().items()
        )
        _add_error(
            errors,
            "where",
            _("La position reçue n'est pas valide (%(details)s). Indiquez une commune ou un code postal.")
            % {"details": details},
        )
        return None
    lat, lon = service_filter.point
    return ResolvedPlace(_("votre position"), lat, lon, None)


def _page(paginator, raw, notices):
    number, notice = lenient_page_number(raw, paginator.num_pages, results=bool(paginator.count))
    if notice:
        notices.append(notice)
    return paginator.page(number)


def _no_result_suggestions(outcome, service_filter):
    """A wider radius that finds something, neighbouring communes, and the same search at any hour."""
    params, place = outcome.params, outcome.place
    if place is not None:
        for wider in (r for r in RADIUS_CHOICES if r > (outcome.radius or 0)):
            count = service_filter.variant(radius=float(wider)).qs.count()
            if count:
                outcome.wider.append(
                    Suggestion(
                        _("Élargir la recherche à %(radius)s km") % {"radius": wider},
                        params.query_string(radius=wider),
                        ngettext("%(count)s service", "%(count)s services", count) % {"count": count},
                    )
                )
                break
        base = place.commune
        if base is None:
            nearest = nearest_communes(place.latitude, place.longitude, 1)
            base = nearest[0] if nearest else None
        if base is not None:
            for commune in neighbouring_communes(base, radius_km=max(15, outcome.radius or 0), limit=6):
                outcome.neighbours.append(
                    Suggestion(
                        commune.name,
                        params.query_string(where=commune_option(commune), lat="", lon="", commune=""),
                        _("à %(distance)s km") % {"distance": format_km(commune.distance_km)},
                    )
                )
    if params.open_now:
        count = service_filter.variant(open_now=None).qs.count()
        if count:
            outcome.wider.append(
                Suggestion(
                    _("Voir aussi les services fermés en ce moment"),
                    params.query_string(open_now=""),
                    ngettext("%(count)s service", "%(count)s services", count) % {"count": count},
                )
            )


def run_search(query):
    """The whole search for a QueryDict of GET parameters. Never raises on bad input."""
    params = SearchParams.from_querydict(query)
    outcome = SearchOutcome(params=params, now=hours.local_now())

    if params.where:
        outcome.place = resolve_place(params.where)
        if outcome.place is None:
            _add_error(
                outcome.errors,
                "where",
                _(
                    "Nous ne trouvons pas « %(place)s » dans le Gers. Saisissez le nom d'une commune, son code "
                    "postal ou une adresse."
                )
                % {"place": params.where},
            )
            outcome.where_suggestions = [
                Suggestion(commune_option(c), params.query_string(where=commune_option(c)))
                for c in place_suggestions(params.where)
            ]
            outcome.heading = _("Lieu introuvable")
            outcome.category_facets, outcome.kind_facets = facet_options(None)
            return outcome
    elif params.lat or params.lon:
        outcome.place = _position(params, outcome.errors)

    if outcome.place is not None:
        outcome.radius = _radius_value(params.radius) or float(DEFAULT_RADIUS_KM)
        if _radius_value(params.radius) is None and params.radius:
            _add_error(outcome.errors, "radius", _("Saisissez un nombre."))

    service_filter, data = _filtered(params, outcome.place, outcome.radius, outcome.errors)
    if outcome.place is not None and "radius" in data:
        outcome.radius = float(data["radius"])
    elif outcome.place is not None and "lat" not in data:
        outcome.place = None
    # Elasticsearch when configured and reachable, else the database; the same order and distances either way.
    hits = index.search_services(service_filter, _base_queryset(), with_facets=True)
    results = hits if hits is not None else service_filter.qs
    outcome.page = _page(Paginator(results, RESULTS_PER_PAGE), query.get("page"), outcome.notices)
    outcome.category_facets, outcome.kind_facets = facet_options(
        index.facet_counts(service_filter, data, hits)
    )
    services = list(outcome.page.object_list)
    closures = occurrences.closures_for(services, outcome.now.date(), outcome.now.date())
    cutoff = freshness.stale_cutoff()
    outcome.items = [result_item(s, outcome.now, closures, cutoff) for s in services]
    # Itinerant services: their tour's next stop, in or near the searched place when there is one.
    stops.add_next_stops(outcome.items, outcome.place, outcome.radius, outcome.now)
    if data.get("commune"):
        outcome.commune = service_filter.form.cleaned_data.get("commune")
    outcome.heading = heading_text(outcome.count, outcome.place, outcome.radius, params.open_now)
    if outcome.commune is not None:
        outcome.heading = _("%(heading)s (commune\u00a0: %(commune)s)") % {
            "heading": outcome.heading,
            "commune": outcome.commune.name,
        }
    outcome.map = map_data(outcome.items, outcome.place, outcome.radius)
    if outcome.count == 0:
        _no_result_suggestions(outcome, service_filter)
    return outcome


# --- The service page ------------------------------------------------------------------------------------


def json_ld_script(data):
    """A <script type="application/ld+json"> block, escaped like json_script so text cannot close it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


GOVERNMENT_KINDS = {
    OrganisationKind.CCAS_CIAS,
    OrganisationKind.LOCAL_AUTHORITY,
    OrganisationKind.STATE,
    OrganisationKind.GIP,
    OrganisationKind.SOCIAL_BODY,
}


def schema_org(service, url, now, closures=()):
    """schema.org description of the service: who provides it, where, when (hours derived by directory.listings.hours)."""
    organisation = service.organisation
    opening = hours.schema_org_hours(service.opening_hours, now, closures)
    data = {
        "@context": "https://schema.org",
        "@type": "GovernmentService" if organisation.kind in GOVERNMENT_KINDS else "Service",
        "name": service.title,
        "description": service.summary,
        "url": url,
        "serviceType": service.get_kind_display(),
        "provider": {"@type": "Organization", "name": organisation.name},
        "category": [c.name for c in service.categories.all()],
    }
    if organisation.website:
        data["provider"]["url"] = organisation.website
    if service.contact_phone:
        data["telephone"] = service.contact_phone
    if service.contact_email:
        data["email"] = service.contact_email
    if opening:
        data["hoursAvailable"] = opening
    place = service.place
    if place is not None:
        location = {
            "@type": "Place",
            "name": place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postcode,
                "addressLocality": place.commune.name,
                "addressRegion": "Gers",
                "addressCountry": "FR",
            },
        }
        if place.has_point:
            location["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": place.latitude,
                "longitude": place.longitude,
            }
        if service.contact_phone:
            location["telephone"] = service.contact_phone
        if opening:
            location["openingHoursSpecification"] = opening
        data["availableChannel"] = {"@type": "ServiceChannel", "serviceLocation": location}
        data["areaServed"] = {"@type": "AdministrativeArea", "name": place.commune.name}
    return data


def osm_link(place):
    if place is None or not place.has_point:
        return ""
    lat, lon = place.latitude, place.longitude
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"


def service_details(service, url, now):
    """Everything the service page shows beyond the model's own fields. Declared closures (of the service or of
    its place) count: closed during one, with its dates and reason, and the next opening comes after it."""
    place = service.place
    planned = service.status == ServiceStatus.PLANNED
    expression = service.opening_hours
    closures = occurrences.closures_for(
        [service], now.date(), (now + dt.timedelta(days=occurrences.HORIZON_DAYS)).date()
    )
    closure = hours.closure_on(closures, now.date())
    is_open = None if planned else hours.is_open(expression, now, closures)
    next_opening = None if is_open else hours.next_opening(expression, now, closures)
    closes = closing_time(expression, now) if is_open else None
    phone = service.contact_phone
    access = []
    if service.on_site:
        access.append(_("Accueil sur place"))
    if service.remote:
        access.append(_("À distance (en ligne)"))
    if service.by_phone:
        access.append(_("Par téléphone"))
    accessibility = []
    if place is not None:
        accessibility = [
            (_("Accès de plain-pied ou rampe"), yes_no_unknown(place.step_free_access)),
            (_("Toilettes adaptées"), yes_no_unknown(place.accessible_toilets)),
            (_("Boucle magnétique"), yes_no_unknown(place.hearing_loop)),
        ]
    return {
        "planned": planned,
        "is_open": is_open,
        "closure_label": hours.closure_label(closure) if closure and not planned else "",
        "closes_label": time_label(closes) if closes else "",
        "next_opening_label": moment_label(next_opening, now) if next_opening else "",
        "week": [
            {**day, "label": day_label(day["date"])} for day in hours.week_schedule(expression, now, closures)
        ],
        "phone": phone,
        "phone_href": tel_href(phone) if phone else "",
        "email": service.contact_email,
        "access_modes": access,
        "accessibility": accessibility,
        "audiences": list(service.audiences.all()),
        "categories": list(service.categories.all()),
        "updated_on": updated_on(service),
        "osm_url": osm_link(place),
        "directions_url": place.directions_url() if place else "",
        "json_ld": json_ld_script(schema_org(service, url, now, closures)),
        "kind_label": service.get_kind_display(),
        "is_itinerant": service.kind == ServiceKind.ITINERANT,
    }
