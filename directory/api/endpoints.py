"""The open JSON API of France Contact (django-ninja), mounted at /api/v1/.

Query parameters are ninja schemas (`directory.api.schemas`): the OpenAPI document shows them with their ranges,
and a refused one answers 400 in the API's French shape, naming it. Filters then go through
`directory.search.filters.ServiceFilter`, as for the HTML search; lists are paged by ninja's pagination, in the API's own
page format. Response shapes are declared once, in `directory.api.serializers`.
"""

import copy
import json
import re

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger
from ninja.pagination import PaginationBase, paginate

from directory.api.schemas import ServiceQuery, communes_query, paging, parameter_errors
from directory.api.serializers import (
    LIST_VALUES,
    ApiError,
    CommuneOut,
    HoursCache,
    ServiceDetailOut,
    ServiceFeatureCollection,
    ServiceList,
    service_detail_out,
    service_feature,
    service_out,
)
from directory.exchange import data_inclusion
from directory.listings.models import Audience, Category, Service
from directory.search import index as search_index
from territories.gazetteer import suggest_communes
from territories.models import Epci

API_PREFIX = "/api/v1/"
LIST_LIMIT = (20, 100)  # (default, maximum)
COUNT_PEEK = 200  # rows read past a first page to count the matches without a second query
GEOJSON_LIMIT = (500, 5000)
COMMUNES_LIMIT = (10, 20)
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
    parameter = copy.deepcopy(parameter)
    target = (
        parameter["schema"]["items"] if parameter["schema"].get("type") == "array" else parameter["schema"]
    )
    target.pop("pattern", None)
    target["enum"] = values
    return parameter


def _as_query_parameter(parameter):
    """A query parameter as clients read it: never null (absent means not given), an empty value allowed, a
    repeatable one written `name=a&name=b`."""
    if parameter.get("in") != "query":
        return parameter
    schema = parameter["schema"]
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    # Title and description are the parameter's own (ninja copies the description there).
    for key in ("title", "description", "example"):
        schema.pop(key, None)
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True, allowEmptyValue=False)
    else:
        parameter["allowEmptyValue"] = True
    return parameter


def _response_schemas(*models):
    components = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components


# The query schemas (directory.api.schemas): ninja flattens them into parameters, and their own components would be
# read by nobody.
QUERY_SCHEMAS = ("ServiceQuery", "Paging", "CommuneQuery")


class DirectoryApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(_data_inclusion_schemas())
        # Answered in another media type than ninja's JSON: declared by reference in their operations.
        components.update(_response_schemas(ServiceFeatureCollection))
        for name in QUERY_SCHEMAS:
            components.pop(name, None)
        vocabularies = _vocabularies()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and operation.get("parameters"):
                    operation["parameters"] = [
                        _with_vocabulary(_as_query_parameter(p), vocabularies)
                        for p in operation["parameters"]
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
# Errors, paging.


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


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    # ninja answers 422 with pydantic's English by default: clients of this API read 400 and French.
    return error_response(parameter_errors(exc.errors))


@api.exception_handler(TooManyFieldsSent)
def too_many_parameters(request, exc):
    # DATA_UPLOAD_MAX_NUMBER_FIELDS: answer in the API's shape, not the site's HTML error page.
    return error_response({"query": [_("Trop de paramètres dans la requête.")]})


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
        from directory.api.serializers import instance_values

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


class SearchPagination(PaginationBase):
    """limit/offset paging of a search (the view returns the valid FilterSet), in the API's page format: `count`,
    `limit`, `offset` and the `next` / `previous` links beside the page's items.

    The operation declares its page schema (`Output` is None, so ninja leaves it alone); the page is written here,
    from schema instances, without a second validation of every result.
    """

    Output = None
    require_point = False

    def __init__(self, *, limits, **kwargs):
        super().__init__(**kwargs)
        self.Input = paging(*limits)

    def paginate_queryset(self, filterset, pagination, request, **params):
        limit, offset = pagination.limit, pagination.offset
        count, rows = search_page(filterset, limit, offset, require_point=self.require_point)
        next_url, previous_url = paging_links(request, count, limit, offset)
        page = self.page(
            rows,
            request=request,
            hours_cache=HoursCache(),
            with_distance=filterset.point is not None,
            count=count,
            limit=limit,
            offset=offset,
            next=next_url,
            previous=previous_url,
        )
        return self.response(page.model_dump(exclude_unset=True))

    def page(self, rows, *, request, hours_cache, with_distance, **position):
        return ServiceList.model_construct(
            **position,
            results=[
                service_out(row, request=request, hours_cache=hours_cache, with_distance=with_distance)
                for row in rows
            ],
        )

    def response(self, body):
        return JsonResponse(body, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


class FeaturePagination(SearchPagination):
    """The same paging, the page written as an RFC 7946 FeatureCollection of the services that have a point."""

    require_point = True

    def page(self, rows, *, request, hours_cache, with_distance, **position):
        return ServiceFeatureCollection.model_construct(
            type="FeatureCollection",
            **position,
            features=[service_feature(row, request=request, hours_cache=hours_cache) for row in rows],
        )

    def response(self, body):
        return HttpResponse(
            json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
            content_type="application/geo+json; charset=utf-8",
        )


# ---------------------------------------------------------------------------------------------------------
# Services.


ERROR_RESPONSE = {
    "description": _("Paramètre invalide : détail par paramètre dans `errors`."),
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
}


@api.get(
    "/services",
    response={200: ServiceList, 400: ApiError},
    summary=_("Rechercher des services"),
    description=_(
        "Services publiés, filtrés. Avec un point (lat, lon), chaque résultat porte `distance_km` et la liste "
        "est triée du plus proche au plus lointain ; sinon par pertinence du texte puis par nom."
    ),
    tags=["services"],
)
@paginate(SearchPagination, limits=LIST_LIMIT)
def list_services(request, filters: Query[ServiceQuery]):
    return filters.filterset


@api.get(
    "/services.geojson",
    summary=_("Services sur une carte (GeoJSON)"),
    description=_(
        "Les mêmes filtres que /services, en FeatureCollection GeoJSON (RFC 7946). Les services sans "
        "position sont omis."
    ),
    tags=["services"],
    openapi_extra={
        "responses": {
            200: {
                "description": "OK",
                "content": {
                    "application/geo+json": {
                        "schema": {"$ref": "#/components/schemas/ServiceFeatureCollection"}
                    }
                },
            },
            400: ERROR_RESPONSE,
        },
    },
)
@paginate(FeaturePagination, limits=GEOJSON_LIMIT)
def services_geojson(request, filters: Query[ServiceQuery]):
    return filters.filterset


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
    return service_detail_out(service, request=request, hours_cache=HoursCache())


# ---------------------------------------------------------------------------------------------------------
# Communes (autocomplete).

CommuneQuery = communes_query(*COMMUNES_LIMIT)


@api.get(
    "/communes",
    response={200: list[CommuneOut], 400: ApiError},
    summary=_("Communes (autocomplétion)"),
    description=_("Communes par nom (sans accents), code postal ou code INSEE, les plus peuplées d'abord."),
    tags=["territoires"],
)
def communes(request, query: Query[CommuneQuery]):
    return suggest_communes(query.q, query.limit)


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
