"""The open JSON API of France Contact (django-ninja), mounted at /api/v1/.

Filters are read and checked by `directory.filters.ServiceFilter` alone, as for the HTML search: the views only
add paging. Query parameters are documented by hand in the OpenAPI operations (the views read `request.GET`
themselves so that every error answers in the same French shape, naming the parameter).
"""

import copy
import datetime as dt
import json
import re
from typing import Literal

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Schema
from ninja.openapi.docs import Swagger

from territories.gazetteer import suggest_communes
from territories.models import Epci

from . import data_inclusion, search_index
from .filters import MAX_QUERY_LENGTH, MAX_RADIUS_KM, ServiceFilter
from .models import Audience, Category, Service
from .serializers import LIST_VALUES, HoursCache, geojson_feature, service_detail_dict, service_dict
from .vocabulary import Fees, ServiceKind, ServiceStatus

API_PREFIX = "/api/v1/"
LIST_LIMIT = (20, 100)  # (default, maximum)
COUNT_PEEK = 200  # rows read past a first page to count the matches without a second query
GEOJSON_LIMIT = (500, 5000)
COMMUNES_LIMIT = (10, 20)
# "60.0" is an integer for JSON Schema, and clients that hold every number as a float send it.
INTEGER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
MAX_INTEGER_DIGITS = 12
# Far past any result (the directory holds thousands of services), and a bound the schema can state.
MAX_OFFSET = 1_000_000_000
SLUG_MAX_LENGTH = Service._meta.get_field("slug").max_length


class LocalSwagger(Swagger):
    """Swagger UI from ninja's own static files; without them, a plain page pointing at the OpenAPI document.

    django-ninja's fallback page loads Swagger from a CDN with an inline script: the site's CSP refuses both.
    """

    def render_page(self, request, api, **kwargs):
        if "ninja" in settings.INSTALLED_APPS:
            return super().render_page(request, api, **kwargs)
        url = self.get_openapi_url(api, kwargs)
        return HttpResponse(
            format_html(
                '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>'
                '<body><main><h1>{title}</h1><p>{description}</p><p><a href="{url}">{link}</a></p></main>'
                "</body></html>",
                title=api.title,
                description=_("Cette API est décrite par un document OpenAPI 3.1, lisible par vos outils."),
                url=url,
                link=_("Document OpenAPI (JSON)"),
            )
        )


def _data_inclusion_schemas():
    """The official data·inclusion models as OpenAPI components (their references rewritten to fit)."""
    components = {}
    for name, model in (
        ("DataInclusionStructure", data_inclusion.di.Structure),
        ("DataInclusionService", data_inclusion.di.Service),
    ):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[name] = schema
    return components


def _vocabularies():
    """The values the FilterSet accepts for its reference-data parameters, as they stand in the database."""
    return {
        "category": list(Category.objects.order_by("slug").values_list("slug", flat=True)),
        "audience": list(Audience.objects.order_by("slug").values_list("slug", flat=True)),
        "epci": list(Epci.objects.order_by("siren").values_list("siren", flat=True)),
    }


def _with_vocabulary(parameter, vocabularies):
    values = vocabularies.get(parameter["name"]) if parameter.get("in") == "query" else None
    if not values:
        return parameter
    # A copy: the operations share these dicts with the module-level parameter lists.
    parameter = copy.deepcopy(parameter)
    target = (
        parameter["schema"]["items"] if parameter["schema"].get("type") == "array" else parameter["schema"]
    )
    target.pop("pattern", None)
    target["enum"] = values
    return parameter


class DirectoryApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(_data_inclusion_schemas())
        vocabularies = _vocabularies()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and operation.get("parameters"):
                    operation["parameters"] = [
                        _with_vocabulary(p, vocabularies) for p in operation["parameters"]
                    ]
        return schema


api = DirectoryApi(
    title=_("API France Contact — Gers Solidaire"),
    version="1",
    description=_(
        "L'annuaire France Contact du Gers en données ouvertes : les services d'aide sociale (tiers-lieux "
        "solidaires, permanences, service public itinérant, offres des partenaires), leurs lieux, horaires et "
        "contacts. Lecture seule, sans authentification, ouverte à toutes les origines (CORS). Les exports "
        "suivent le schéma national data·inclusion v1. Un paramètre invalide répond 400 avec le détail, par "
        "paramètre, dans `errors`."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=LocalSwagger(),
)


# ---------------------------------------------------------------------------------------------------------
# Response schemas (they make the OpenAPI document; the views build plain dicts in directory.serializers).


class ApiError(Schema):
    detail: str = Field(description=_("Résumé de l'erreur, en français."))
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description=_("Messages par paramètre fautif (le nom du paramètre en clé).")
    )


class OrganisationRef(Schema):
    name: str
    slug: str


class CommuneRef(Schema):
    insee_code: str
    name: str


class EpciRef(Schema):
    siren: str
    name: str


class ServiceBase(Schema):
    slug: str
    url: str = Field(description=_("Page publique du service."))
    title: str
    summary: str
    kind: Literal[tuple(ServiceKind.values)]
    status: Literal[tuple(ServiceStatus.values)]
    organisation: OrganisationRef
    categories: list[str] = Field(description=_("Identifiants des thématiques."))
    audiences: list[str] = Field(description=_("Publics (codes data·inclusion `publics`)."))
    address: str
    postcode: str
    commune: CommuneRef | None
    epci: EpciRef | None
    latitude: float | None
    longitude: float | None
    phone: str = Field(description=_("Téléphone du service, à défaut celui de la structure."))
    email: str = Field(description=_("Courriel du service, à défaut celui de la structure."))
    opening_hours: str = Field(description=_("Horaires au format OpenStreetMap `opening_hours`."))
    open_now: bool | None = Field(description=_("Ouvert en ce moment (heure de Paris) ; null si inconnu."))
    today_hours: str | None = Field(description=_("Horaires du jour, en clair ; null si inconnus."))
    fees: Literal[tuple(Fees.values)]
    appointment_required: bool
    last_verified_at: dt.datetime | None = Field(
        description=_("Date des dernières vérifications (ISO 8601).")
    )
    updated_at: dt.datetime


class ServiceOut(ServiceBase):
    distance_km: float | None = Field(
        None,
        description=_("Distance au point (lat, lon) en km, arrondie au centième ; seulement avec un point."),
    )


class Accessibility(Schema):
    step_free_access: bool | None
    accessible_toilets: bool | None
    hearing_loop: bool | None
    notes: str


class ServiceDetailOut(ServiceBase):
    description: str
    conditions: str
    fees_details: str
    on_site: bool
    remote: bool
    by_phone: bool
    website: str
    opening_hours_notes: str
    next_opening: dt.datetime | None = Field(description=_("Prochaine ouverture (ISO 8601, heure de Paris)."))
    languages: str
    place_name: str | None
    accessibility: Accessibility | None


class ServiceList(Schema):
    count: int = Field(description=_("Nombre total de services correspondant aux filtres."))
    limit: int
    offset: int
    next: str | None = Field(description=_("Page suivante, ou null."))
    previous: str | None = Field(description=_("Page précédente, ou null."))
    results: list[ServiceOut]


class CommuneOut(Schema):
    insee_code: str
    name: str
    postal_codes: list[str]
    latitude: float
    longitude: float


# ---------------------------------------------------------------------------------------------------------
# Query parameters, documented for the OpenAPI document (the FilterSet is what checks them).


def _param(name, description, schema, **extra):
    # An empty value (as a GET form sends it) means "not given"; repeatable parameters say otherwise.
    extra.setdefault("allowEmptyValue", True)
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _repeatable(name, description, example):
    return _param(
        name,
        description,
        {"type": "array", "items": {"type": "string"}},
        style="form",
        explode=True,
        allowEmptyValue=False,
        example=[example],
    )


def _paging_params(default, maximum):
    return [
        _param(
            "limit",
            _("Nombre de résultats par page."),
            {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        ),
        _param(
            "offset",
            _("Rang du premier résultat (0 pour le début)."),
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
    ]


FILTER_PARAMS = [
    _param(
        "q",
        _(
            "Texte libre, sans tenir compte des accents ni des majuscules (« numerique » trouve « numérique »)."
        ),
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
    ),
    _repeatable(
        "category",
        _(
            "Identifiant d'une thématique ; répétable, un service d'au moins une des thématiques convient (OU)."
        ),
        "alimentation",
    ),
    _param("kind", _("Type de service."), {"type": "string", "enum": list(ServiceKind.values)}),
    _repeatable(
        "audience", _("Public visé (code data·inclusion `publics`) ; répétable (OU)."), "tous-publics"
    ),
    _param("commune", _("Code INSEE de la commune du lieu."), {"type": "string", "example": "32013"}),
    _param(
        "epci", _("SIREN de l'intercommunalité (EPCI) du lieu."), {"type": "string", "pattern": r"^\d{9}$"}
    ),
    _param(
        "lat",
        _("Latitude du point de recherche (WGS 84) ; avec lon. Les résultats sont alors triés par distance."),
        {"type": "number", "minimum": -90, "maximum": 90},
    ),
    _param(
        "lon",
        _("Longitude du point de recherche (WGS 84) ; avec lat."),
        {"type": "number", "minimum": -180, "maximum": 180},
    ),
    _param(
        "radius",
        _("Rayon autour du point, en km ; demande lat et lon."),
        {"type": "number", "minimum": 0.1, "maximum": MAX_RADIUS_KM},
    ),
    _param(
        "open_now", _("Ouvert (true) ou fermé (false) en ce moment, heure de Paris."), {"type": "boolean"}
    ),
]

ERROR_RESPONSE = {
    "description": _("Paramètre invalide : détail par paramètre dans `errors`."),
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
}


# ---------------------------------------------------------------------------------------------------------
# Helpers: errors, query, paging.


def error_response(errors, status=400):
    names = ", ".join(errors)
    detail = _("Paramètres invalides : %(names)s.") % {"names": names}
    return JsonResponse(
        {"detail": detail, "errors": errors}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def not_found(message):
    return JsonResponse(
        {"detail": message, "errors": {}}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def read_query(request):
    """(QueryDict, None), or (None, a 400 response) when Django refuses the query string itself."""
    try:
        return request.GET, None
    except SuspiciousOperation:
        # Too many parameters (DATA_UPLOAD_MAX_NUMBER_FIELDS): answer in the API's shape, not an HTML page.
        return None, error_response({"query": [_("Trop de paramètres dans la requête.")]})


def parse_int(query, name, default, minimum, maximum=None):
    """(value, None) or (None, French message) for an integer query parameter."""
    raw = query.get(name)
    if raw is None or not raw.strip():
        return default, None
    raw = raw.strip()
    if maximum is None:
        range_message = _("%(name)s doit être un nombre entier supérieur ou égal à %(min)s.") % {
            "name": name,
            "min": minimum,
        }
    else:
        range_message = _("%(name)s doit être un nombre entier entre %(min)s et %(max)s.") % {
            "name": name,
            "min": minimum,
            "max": maximum,
        }
    if not INTEGER.fullmatch(raw):
        return None, range_message
    raw = raw.partition(".")[0]
    if len(raw.lstrip("+-")) > MAX_INTEGER_DIGITS:
        return None, range_message
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        return None, range_message
    return value, None


def search(request, limits):
    """(filterset, limit, offset, None) or (None, None, None, error response)."""
    query, error = read_query(request)
    if error is not None:
        return None, None, None, error
    errors = {}
    default, maximum = limits
    limit, message = parse_int(query, "limit", default, 1, maximum)
    if message:
        errors["limit"] = [message]
    offset, message = parse_int(query, "offset", 0, 0, MAX_OFFSET)
    if message:
        errors["offset"] = [message]
    filterset = ServiceFilter(
        query, queryset=Service.objects.public().with_related().prefetch_related("audiences")
    )
    if not filterset.is_valid():
        errors = {**filterset.error_messages(), **errors}
    if errors:
        return None, None, None, error_response(errors)
    return filterset, limit, offset, None


def page(queryset, limit, offset):
    """(count, rows): how many services match, and the page's rows (`serializers.LIST_VALUES` plus categories,
    audiences and proximity), in the queryset's order."""
    # Sort narrow rows (id and proximity) rather than whole joined rows, then load just the page by id.
    with_proximity = "proximity" in queryset.query.annotations
    fields = ("pk", "proximity") if with_proximity else ("pk",)
    head_query = queryset.prefetch_related(None).values_list(*fields)
    if offset == 0:
        # Read a little past the first page: when every match fits, their number is known without a COUNT query
        # (a second pass over the same rows).
        head = list(head_query[: limit + COUNT_PEEK])
        count = len(head) if len(head) < limit + COUNT_PEEK else queryset.count()
        head = head[:limit]
    else:
        count = queryset.count()
        # Past the end there is nothing to fetch (and a huge OFFSET never reaches the database).
        if offset >= count:
            return count, []
        head = list(head_query[offset : offset + limit])
    ids = [row[0] for row in head]
    # Plain values rather than model instances: building 20 wide instances with their relations costs more than
    # the queries themselves.
    rows = {row["pk"]: row for row in Service.objects.filter(pk__in=ids).order_by().values(*LIST_VALUES)}
    for row in rows.values():
        row["categories"], row["audiences"] = [], []
    for name, field in (("categories", "category__slug"), ("audiences", "audience__slug")):
        through = getattr(Service, name).through
        links = through.objects.filter(service_id__in=ids).values_list("service_id", field)
        for service_id, slug in links:
            if service_id in rows:
                rows[service_id][name].append(slug)
    items = []
    for pk, *proximity in head:
        # A service deleted between the two queries is left out rather than failing the page.
        if pk in rows:
            rows[pk]["proximity"] = proximity[0] if proximity else None
            items.append(rows[pk])
    return count, items


def search_page(filterset, limit, offset, require_point=False):
    """(count, rows) as `page` gives them: from Elasticsearch when configured and reachable, else the database."""
    hits = search_index.search_services(filterset, _list_loader(), require_point=require_point)
    if hits is not None:
        from .serializers import instance_values

        return hits.count(), [instance_values(s) for s in hits[offset : offset + limit]]
    queryset = filterset.qs
    if require_point:
        queryset = queryset.filter(latitude__isnull=False, longitude__isnull=False)
    return page(queryset, limit, offset)


def _list_loader():
    return Service.objects.with_related().prefetch_related("audiences")


def page_url(request, limit, offset):
    params = request.GET.copy()
    params["limit"], params["offset"] = str(limit), str(offset)
    return f"{request.build_absolute_uri(request.path)}?{params.urlencode()}"


def paging_links(request, count, limit, offset):
    next_url = page_url(request, limit, offset + limit) if offset + limit < count else None
    previous_url = page_url(request, limit, max(0, min(offset, count) - limit)) if offset > 0 else None
    return next_url, previous_url


# ---------------------------------------------------------------------------------------------------------
# Services.


@api.get(
    "/services",
    response={200: ServiceList, 400: ApiError},
    exclude_unset=True,
    summary=_("Rechercher des services"),
    description=_(
        "Services publiés, filtrés. Avec un point (lat, lon), chaque résultat porte `distance_km` et la liste "
        "est triée du plus proche au plus lointain ; sinon par pertinence du texte puis par nom."
    ),
    tags=["services"],
    openapi_extra={"parameters": [*FILTER_PARAMS, *_paging_params(*LIST_LIMIT)]},
)
def list_services(request):
    filterset, limit, offset, error = search(request, LIST_LIMIT)
    if error is not None:
        return error
    count, items = search_page(filterset, limit, offset)
    hours_cache = HoursCache()
    with_distance = filterset.point is not None
    next_url, previous_url = paging_links(request, count, limit, offset)
    payload = {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": next_url,
        "previous": previous_url,
        "results": [
            service_dict(s, request=request, hours_cache=hours_cache, with_distance=with_distance)
            for s in items
        ],
    }
    # The dicts are built to the ServiceList shape (tests check it against the OpenAPI document); answering them
    # directly skips a second validation and copy of every result on the busiest endpoint.
    return JsonResponse(payload, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


GEOJSON_SCHEMA = {
    "type": "object",
    "description": _("FeatureCollection RFC 7946 ; coordonnées [longitude, latitude]."),
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "count": {"type": "integer"},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
        "next": {"type": ["string", "null"]},
        "previous": {"type": ["string", "null"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                                "description": "[longitude, latitude]",
                            },
                        },
                    },
                    "properties": {"type": "object"},
                },
            },
        },
    },
}


@api.get(
    "/services.geojson",
    summary=_("Services sur une carte (GeoJSON)"),
    description=_(
        "Les mêmes filtres que /services, en FeatureCollection GeoJSON (RFC 7946). Les services sans "
        "position sont omis."
    ),
    tags=["services"],
    openapi_extra={
        "parameters": [*FILTER_PARAMS, *_paging_params(*GEOJSON_LIMIT)],
        "responses": {
            200: {"description": "OK", "content": {"application/geo+json": {"schema": GEOJSON_SCHEMA}}},
            400: ERROR_RESPONSE,
        },
    },
)
def services_geojson(request):
    filterset, limit, offset, error = search(request, GEOJSON_LIMIT)
    if error is not None:
        return error
    count, items = search_page(filterset, limit, offset, require_point=True)
    hours_cache = HoursCache()
    next_url, previous_url = paging_links(request, count, limit, offset)
    collection = {
        "type": "FeatureCollection",
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": next_url,
        "previous": previous_url,
        "features": [geojson_feature(s, request=request, hours_cache=hours_cache) for s in items],
    }
    return HttpResponse(
        json.dumps(collection, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/geo+json; charset=utf-8",
    )


@api.get(
    "/services/{slug}",
    response={200: ServiceDetailOut, 404: ApiError},
    summary=_("Un service"),
    tags=["services"],
)
def service_detail(request, slug: str):
    missing = _("Aucun service publié ne porte l'identifiant demandé.")
    if len(slug) > SLUG_MAX_LENGTH or "\x00" in slug:
        return not_found(missing)
    service = Service.objects.public().with_related().prefetch_related("audiences").filter(slug=slug).first()
    if service is None:
        return not_found(missing)
    return service_detail_dict(service, request=request, hours_cache=HoursCache())


# ---------------------------------------------------------------------------------------------------------
# Communes (autocomplete).


@api.get(
    "/communes",
    response={200: list[CommuneOut], 400: ApiError},
    summary=_("Communes (autocomplétion)"),
    description=_("Communes par nom (sans accents), code postal ou code INSEE, les plus peuplées d'abord."),
    tags=["territoires"],
    openapi_extra={
        "parameters": [
            _param(
                "q",
                _("Début du nom, code postal ou code INSEE (seuls les 100 premiers caractères comptent)."),
                {"type": "string"},
            ),
            _param(
                "limit",
                _("Nombre de communes au plus."),
                {"type": "integer", "minimum": 1, "maximum": COMMUNES_LIMIT[1], "default": COMMUNES_LIMIT[0]},
            ),
        ]
    },
)
def communes(request):
    query, error = read_query(request)
    if error is not None:
        return error
    errors = {}
    limit, message = parse_int(query, "limit", COMMUNES_LIMIT[0], 1, COMMUNES_LIMIT[1])
    if message:
        errors["limit"] = [message]
    text = query.get("q", "")
    if "\x00" in text:
        errors["q"] = [_("Le texte contient un caractère nul.")]
    if errors:
        return error_response(errors)
    return [
        {
            "insee_code": c.insee_code,
            "name": c.name,
            "postal_codes": c.postal_code_list,
            "latitude": c.latitude,
            "longitude": c.longitude,
        }
        for c in suggest_communes(text, limit)
    ]


# ---------------------------------------------------------------------------------------------------------
# data·inclusion v1 exports.


def _export_responses(component):
    return {
        200: {
            "description": "OK",
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": f"#/components/schemas/{component}"}}
                }
            },
        }
    }


def _csv_responses(description):
    return {200: {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}}}}


CSV_NOTE = _(
    "Une ligne par enregistrement, colonnes dans l'ordre du schéma ; listes séparées par des virgules ; une "
    "cellule qui commencerait par = + - @ est précédée d'une apostrophe (injection de formules)."
)


def _csv(text, filename):
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _base_url(request):
    return request.build_absolute_uri("/").rstrip("/")


@api.get(
    "/data-inclusion/structures",
    summary=_("Structures au format data·inclusion v1"),
    description=_("Les structures portant au moins un service publié et ouvert."),
    tags=["data·inclusion"],
    openapi_extra={"responses": _export_responses("DataInclusionStructure")},
)
def di_structures(request):
    return JsonResponse(
        data_inclusion.structure_records(), safe=False, json_dumps_params={"ensure_ascii": False}
    )


@api.get(
    "/data-inclusion/services",
    summary=_("Services au format data·inclusion v1"),
    description=_("Les services publiés et ouverts (une ouverture prévue n'est pas exportée)."),
    tags=["data·inclusion"],
    openapi_extra={"responses": _export_responses("DataInclusionService")},
)
def di_services(request):
    records = data_inclusion.service_records(base_url=_base_url(request))
    return JsonResponse(records, safe=False, json_dumps_params={"ensure_ascii": False})


@api.get(
    "/data-inclusion/structures.csv",
    summary=_("Structures au format data·inclusion v1 (CSV)"),
    description=CSV_NOTE,
    tags=["data·inclusion"],
    openapi_extra={"responses": _csv_responses(_("Structures, en CSV (UTF-8)."))},
)
def di_structures_csv(request):
    text = data_inclusion.to_csv(data_inclusion.structure_records(), data_inclusion.STRUCTURE_FIELDS)
    return _csv(text, "structures.csv")


@api.get(
    "/data-inclusion/services.csv",
    summary=_("Services au format data·inclusion v1 (CSV)"),
    description=CSV_NOTE,
    tags=["data·inclusion"],
    openapi_extra={"responses": _csv_responses(_("Services, en CSV (UTF-8)."))},
)
def di_services_csv(request):
    records = data_inclusion.service_records(base_url=_base_url(request))
    return _csv(data_inclusion.to_csv(records, data_inclusion.SERVICE_FIELDS), "services.csv")


# ---------------------------------------------------------------------------------------------------------
# Open data: any origin may read.

# Header names only (letters, digits, dashes), comma-separated: anything else is not echoed back.
HEADER_LIST = re.compile(r"[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*")


class OpenDataCorsMiddleware:
    """`Access-Control-Allow-Origin: *` on the API's GET answers, and the CORS preflight for them.

    No credentials are ever allowed: the API is read-only open data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            requested = request.headers.get("Access-Control-Request-Headers", "").strip()
            if requested and HEADER_LIST.fullmatch(requested):
                response["Access-Control-Allow-Headers"] = requested
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        if request.method in {"GET", "HEAD", "OPTIONS"}:
            response["Access-Control-Allow-Origin"] = "*"
        return response


# ---------------------------------------------------------------------------------------------------------
# The API's own root and unknown paths answer JSON, not the site's HTML pages. Registered last on purpose.


@api.get("/", include_in_schema=False)
def index(request):
    base = request.build_absolute_uri(API_PREFIX)
    return {
        "title": api.title,
        "version": api.version,
        "openapi": f"{base}openapi.json",
        "docs": f"{base}docs",
        "services": f"{base}services",
        "geojson": f"{base}services.geojson",
        "communes": f"{base}communes",
        "data_inclusion": {
            "structures": f"{base}data-inclusion/structures",
            "services": f"{base}data-inclusion/services",
        },
    }


@api.get("/{path:path}", include_in_schema=False)
def unknown_path(request, path: str):
    return not_found(_("Cette adresse n'existe pas dans l'API : voir /api/v1/docs."))
