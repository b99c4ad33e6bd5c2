"""The directory on Elasticsearch (elasticsearch.dsl), used only when `settings.ELASTICSEARCH_URL` is set.

- `ServiceDocument`: one published service; French analyzer with ASCII folding, `geo_point`, completion
  suggesters on service and commune names.
- `build_search(values)`: the query for ServiceFilter's cleaned values (q, category, kind, audience, commune,
  epci, lat/lon/radius, open_now), with aggregations for the facet counts. `open_now` is decided on the
  database side, as ServiceFilter does: the distinct opening-hours expressions open at this minute are computed
  once (cached) and the index is filtered on them (`terms opening_hours`).
- `search_services(filterset, loader)`: a sliceable, countable sequence of services (what Paginator and the API
  page need), ordered and with distances as the database path gives them; None when Elasticsearch is not
  configured or cannot answer (the caller then uses `filterset.qs`, and a warning is logged).
- `facet_counts(...)`: services per category and per kind, from the aggregations or from the database.
- `sync_services` (a django-tasks task) keeps the index in step on save, publish, unpublish and delete;
  `rebuild()` fills a new index and swaps the alias (`manage.py rebuild_search_index`).
"""

import datetime as dt
import functools
import hashlib
import json
import logging
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django_tasks import task
from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elasticsearch.dsl import (
    A,
    Completion,
    Date,
    Document,
    GeoPoint,
    Index,
    Integer,
    Keyword,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)

from core import search_backend
from directory.listings import hours, occurrences
from directory.listings.models import EARTH_RADIUS_KM, Category, Organisation, Place, Service
from directory.search.filters import ALL_PUBLICS, MAX_TERMS

logger = logging.getLogger(__name__)

# The cluster cannot answer: unreachable, too slow, or the index is missing (never built). Never a 500.
UNAVAILABLE = (TransportError, ApiError)
# Elasticsearch pages no deeper than this (index.max_result_window); deeper API pages come from the database.
MAX_WINDOW = 10_000
BULK_CHUNK = 500
FACET_FIELDS = ("category", "kind")

french_elision = token_filter(
    "french_elision",
    type="elision",
    articles_case=True,
    articles=["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"],
)
french_stop = token_filter("french_stop", type="stop", stopwords="_french_")
french_stemmer = token_filter("french_stemmer", type="stemmer", language="light_french")
# "Épiceries" and "epicerie" give the same term; "l'aide" gives "aid".
french = analyzer(
    "french_folded",
    tokenizer="standard",
    filter=[french_elision, "lowercase", french_stop, "asciifolding", french_stemmer],
)
# Completion inputs are matched as typed, without stemming: only case and accents are folded.
folded = analyzer("folded", tokenizer="standard", filter=["lowercase", "asciifolding"])


def enabled():
    """Elasticsearch is configured and not marked down by a recent failure (core.search_backend)."""
    return bool(getattr(settings, "ELASTICSEARCH_URL", "")) and not search_backend.is_down()


def index_name():
    """The alias the searches use; `rebuild()` points it at a fresh concrete index."""
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}directory-services"


@functools.lru_cache(maxsize=4)
def _client(url, timeout):
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def client():
    return _client(settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_TIMEOUT)


class ServiceDocument(Document):
    pk = Integer()
    title = Text(analyzer=french, fields={"raw": Keyword()})
    search_title = Keyword()
    summary = Text(analyzer=french)
    description = Text(analyzer=french)
    organisation = Text(analyzer=french)
    place = Text(analyzer=french)
    commune_name = Text(analyzer=french)
    categories_text = Text(analyzer=french)
    kind = Keyword()
    status = Keyword()
    categories = Keyword(multi=True)
    audiences = Keyword(multi=True)
    commune = Keyword()
    epci = Keyword()
    location = GeoPoint()
    opening_hours = Keyword()
    title_suggest = Completion(analyzer=folded)
    commune_suggest = Completion(analyzer=folded)
    updated_at = Date()

    @classmethod
    def from_service(cls, service):
        place = service.place if service.place_id else None
        commune = place.commune if place is not None else None
        categories = list(service.categories.all())
        doc = cls(
            meta={"id": service.pk},
            pk=service.pk,
            title=service.title,
            search_title=service.search_title,
            summary=service.summary,
            description=service.description,
            organisation=service.organisation.name,
            place=place.name if place else "",
            commune_name=commune.name if commune else "",
            categories_text=[c.name for c in categories],
            kind=service.kind,
            status=service.status,
            categories=[c.slug for c in categories],
            audiences=[a.slug for a in service.audiences.all()],
            commune=commune.insee_code if commune else None,
            epci=commune.epci.siren if commune and commune.epci_id else None,
            opening_hours=service.opening_hours,
            title_suggest={"input": [service.title]},
            updated_at=service.updated_at,
        )
        if service.latitude is not None and service.longitude is not None:
            doc.location = {"lat": service.latitude, "lon": service.longitude}
        if commune is not None:
            doc.commune_suggest = {"input": [commune.name]}
        return doc


def services_index(name=None):
    index = Index(name or index_name())
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(ServiceDocument)
    return index


# --- Searching ---------------------------------------------------------------------------------------------


def _slugs(values):
    return [getattr(v, "slug", v) for v in values or []]


def filter_clauses(values, open_expressions=None, closed_ids=()):
    """{name: query} for every filter given; `category` and `kind` are post-filters (their facets ignore them).

    `open_now` reads `open_expressions` (the hours open at this minute) less `closed_ids` (the services closed
    today by a declared closure)."""
    clauses = {}
    categories = _slugs(values.get("category"))
    if categories:
        clauses["category"] = Q("terms", categories=categories)
    if values.get("kind"):
        clauses["kind"] = Q("term", kind=values["kind"])
    audiences = _slugs(values.get("audience"))
    if audiences:
        # Services "for everyone" also serve whichever public is asked for (as ServiceFilter does).
        clauses["audience"] = Q("terms", audiences=sorted({*audiences, ALL_PUBLICS}))
    commune = values.get("commune")
    if commune:
        clauses["commune"] = Q("term", commune=getattr(commune, "insee_code", commune))
    epci = values.get("epci")
    if epci:
        clauses["epci"] = Q("term", epci=getattr(epci, "siren", epci))
    lat, lon, radius = values.get("lat"), values.get("lon"), values.get("radius")
    if lat is not None and lon is not None:
        if radius:
            clauses["point"] = Q("geo_distance", distance=f"{radius}km", location={"lat": lat, "lon": lon})
        else:
            clauses["point"] = Q("exists", field="location")
    open_now = values.get("open_now")
    if open_now is not None:
        open_query = Q("terms", opening_hours=list(open_expressions or []))
        if closed_ids:
            open_query &= ~Q("terms", pk=sorted(closed_ids))
        clauses["open_now"] = open_query if open_now else ~open_query
    return clauses


def text_query(q):
    terms = (q or "").split()[:MAX_TERMS]
    if not terms:
        return None
    return Q(
        "multi_match",
        query=" ".join(terms),
        type="cross_fields",
        operator="and",
        # Only stop words ("les", "l'"): no text criterion, as the database filter reads it.
        zero_terms_query="all",
        fields=[
            "title^3",
            "summary^2",
            "description",
            "organisation",
            "place",
            "commune_name",
            "categories_text",
        ],
    )


def build_search(
    values, open_expressions=None, with_facets=False, require_point=False, using=None, closed_ids=()
):
    """The Search for ServiceFilter's cleaned values; ordered like `ServiceFilter.qs`."""
    clauses = filter_clauses(values, open_expressions, closed_ids)
    facet_clauses = {name: clauses.pop(name) for name in FACET_FIELDS if name in clauses}
    if require_point and "point" not in clauses:
        clauses["point"] = Q("exists", field="location")
    search = Search(using=using, index=index_name()).source(False).extra(track_total_hits=True)
    text = text_query(values.get("q"))
    search = search.query(Q("bool", must=[text] if text else [], filter=list(clauses.values())))
    if facet_clauses:
        # Post-filters: the facets below are computed before them.
        search = search.post_filter(Q("bool", filter=list(facet_clauses.values())))
    lat, lon = values.get("lat"), values.get("lon")
    if lat is not None and lon is not None:
        search = search.sort(
            {
                "_geo_distance": {
                    "location": {"lat": lat, "lon": lon},
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                }
            },
            "search_title",
            "pk",
        )
    elif text is not None:
        search = search.sort({"_score": {"order": "desc"}}, "search_title", "pk")
    else:
        search = search.sort("search_title", "pk")
    if with_facets:
        # Each facet counts the services matching every other filter: what ticking that value alone would give.
        for name, field, size in (("category", "categories", 100), ("kind", "kind", 20)):
            others = [query for other, query in facet_clauses.items() if other != name]
            scope = Q("bool", filter=others) if others else Q("match_all")
            search.aggs.bucket(name, A("filter", filter=scope)).bucket(
                "values", "terms", field=field, size=size
            )
    return search


def open_expressions_for(values):
    if values.get("open_now") is None:
        return None
    return Service.objects.open_expressions(hours.local_now())


def closed_ids_for(values):
    if values.get("open_now") is None:
        return ()
    return list(occurrences.closed_services(hours.local_now().date()).values_list("pk", flat=True))


def unavailable(exc):
    logger.warning(
        "Elasticsearch unavailable (%s: %s): the directory search uses the database.", type(exc).__name__, exc
    )
    search_backend.mark_down(exc)


def facets_from(response):
    aggregations = response.aggregations
    return {
        name: {bucket.key: bucket.doc_count for bucket in getattr(aggregations, name)["values"].buckets}
        for name in FACET_FIELDS
    }


class ServiceHits:
    """Services found by Elasticsearch, loaded from the database in the index's order.

    Paginator and the API need only `count()` and slicing. A slice Elasticsearch cannot serve (the cluster
    went away, or a page beyond its window) comes from the database query instead.
    """

    def __init__(self, search, total, loader, fallback, facets=None, with_distance=False):
        self.search, self.total, self.loader, self.fallback = search, total, loader, fallback
        self.facets, self.with_distance = facets, with_distance

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop = key.start or 0, min(key.stop if key.stop is not None else self.total, self.total)
        if stop <= start:
            return []
        if stop > MAX_WINDOW:
            return list(self.fallback[start:stop])
        try:
            response = self.search[start:stop].execute()
        except UNAVAILABLE as exc:
            unavailable(exc)
            return list(self.fallback[start:stop])
        return self.services(response)

    def services(self, response):
        """The response's services, loaded from the database, with their distance when sorted by it."""
        rows = [(int(hit.meta.id), hit.meta.sort[0] if self.with_distance else None) for hit in response.hits]
        found = self.loader.in_bulk([pk for pk, _distance in rows])
        services = []
        for pk, distance in rows:
            service = found.get(pk)
            if service is None:  # Unpublished or deleted since it was indexed: the sync task will catch up.
                continue
            if distance is not None:
                # Service.distance_km reads a proximity (cosine of the angle), as the database path gives.
                service.proximity = math.cos(distance / EARTH_RADIUS_KM)
            services.append(service)
        return services


def search_services(filterset, loader, with_facets=False, require_point=False):
    """ServiceHits for a valid ServiceFilter, or None: not configured, or Elasticsearch cannot answer.

    One request here (the total, and the facets if asked), one per page of results afterwards.
    """
    if not enabled() or not filterset.is_valid():
        return None
    values = filterset.form.cleaned_data
    options = {
        "open_expressions": open_expressions_for(values),
        "closed_ids": closed_ids_for(values),
        "require_point": require_point,
        "using": client(),
    }
    try:
        response = build_search(values, with_facets=with_facets, **options).extra(size=0).execute()
    except UNAVAILABLE as exc:
        unavailable(exc)
        return None
    fallback = filterset.qs
    if require_point:
        fallback = fallback.filter(latitude__isnull=False, longitude__isnull=False)
    return ServiceHits(
        build_search(values, **options).extra(track_total_hits=False),
        response.hits.total.value,
        loader,
        fallback,
        facets=facets_from(response) if with_facets else None,
        with_distance=values.get("lat") is not None and values.get("lon") is not None,
    )


FACETS_VERSION_KEY = "directory:facets-version"
FACETS_SECONDS = 300


def bump_facets_version(**kwargs):
    """A service, place or category changed: the cached counts may be wrong."""
    try:
        cache.incr(FACETS_VERSION_KEY)
    except ValueError:
        cache.set(FACETS_VERSION_KEY, 1, None)


def database_facets(filterset, filter_data):
    """{"category": {slug: n}, "kind": {kind: n}}: each facet counted on the search without its own filter.

    Two aggregate queries over the matching services; the answers are cached (until a service, place or category
    changes), as the heaviest searches — no criterion, or a category only — are also the most repeated ones.
    """
    data = {
        k: sorted(map(str, v)) if isinstance(v, list | tuple) else str(v) for k, v in filter_data.items() if v
    }
    if data.get("open_now"):
        data["minute"] = hours.local_now().strftime("%Y%m%d%H%M")  # What is open changes by the minute.
    version = cache.get_or_set(FACETS_VERSION_KEY, 1, None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    key = f"directory:facets:{version}:{digest}"
    counts = cache.get(key)
    if counts is None:
        counts = _count_facets(filterset)
        cache.set(key, counts, FACETS_SECONDS)
    return counts


def _count_facets(filterset):
    def queryset_without(name):
        # The page's own filter set, less one filter: no second form to validate, no lookups to repeat.
        return filterset.variant(**{name: None}).qs.select_related(None).prefetch_related(None).order_by()

    links = Service.categories.through.objects.filter(service__in=queryset_without("category").values("pk"))
    by_id = dict(links.values_list("category_id").annotate(n=Count("service_id")).order_by())
    slugs = dict(Category.objects.filter(pk__in=by_id).values_list("pk", "slug"))
    kinds = queryset_without("kind").values_list("kind").annotate(n=Count("pk")).order_by()
    return {"category": {slugs[pk]: n for pk, n in by_id.items() if pk in slugs}, "kind": dict(kinds)}


def facet_counts(filterset, filter_data, hits=None):
    """From Elasticsearch's aggregations when the search ran there, else from the database.

    `filterset` is the search's valid ServiceFilter, `filter_data` its parameters (the cache key).
    """
    if hits is not None and hits.facets is not None:
        return hits.facets
    return database_facets(filterset, filter_data)


def completion_suggestions(text, size=5):
    """Service and commune names starting like `text` (typos allowed); [] without a cluster."""
    if not enabled() or not text.strip():
        return []
    search = build_completion(text, size, using=client())
    try:
        response = search.execute()
    except UNAVAILABLE as exc:
        unavailable(exc)
        return []
    names = []
    for name in ("titles", "communes"):
        for option in getattr(response.suggest, name, [[]])[0].options:
            if option.text not in names:
                names.append(option.text)
    return names


def build_completion(text, size=5, using=None):
    search = Search(using=using, index=index_name()).source(False)
    for name, field in (("titles", "title_suggest"), ("communes", "commune_suggest")):
        search = search.suggest(
            name,
            text[:100],
            completion={
                "field": field,
                "size": size,
                "skip_duplicates": True,
                "fuzzy": {"fuzziness": "AUTO"},
            },
        )
    return search


# --- Keeping the index in step ------------------------------------------------------------------------------


def _documents(queryset):
    for service in queryset.iterator(chunk_size=BULK_CHUNK):
        yield ServiceDocument.from_service(service).to_dict(include_meta=True)


def _loader():
    return Service.objects.with_related().prefetch_related("audiences")


@task()
def sync_services(service_ids):
    """Index the published services among `service_ids`; remove the others (unpublished or deleted)."""
    if not enabled():
        return {"indexed": 0, "removed": 0}
    published = _loader().public().filter(pk__in=service_ids)
    live_ids = set(published.values_list("pk", flat=True))
    es = client()
    name = index_name()
    actions = [{**doc, "_index": name} for doc in _documents(published)]
    actions += [{"_op_type": "delete", "_index": name, "_id": pk} for pk in service_ids if pk not in live_ids]
    try:
        ensure_index(es)
        # A delete of a document that was never indexed answers 404: not an error here.
        helpers.bulk(es, actions, raise_on_error=False, raise_on_exception=True)
    except UNAVAILABLE as exc:
        # The task fails (visible among the task results); the edit itself is saved.
        logger.warning(
            "Elasticsearch unavailable (%s): services %s not synchronised; run manage.py rebuild_search_index.",
            exc,
            list(service_ids)[:20],
        )
        raise
    return {"indexed": len(live_ids), "removed": len(actions) - len(live_ids)}


def schedule_sync(service_ids):
    """Enqueue the sync once the transaction commits (categories and places are saved by then)."""
    service_ids = sorted({int(pk) for pk in service_ids})
    if not enabled() or not service_ids:
        return
    transaction.on_commit(lambda: sync_services.enqueue(service_ids))


def _service_changed(sender, instance, **kwargs):
    schedule_sync([instance.pk])


def _related_changed(sender, instance, **kwargs):
    """A place, an organisation or a category: its services show its name (and the place's point)."""
    if enabled():
        schedule_sync(instance.services.values_list("pk", flat=True))


def _place_deleted(sender, instance, **kwargs):
    """A place being deleted: its services lose it (directory.listings.models.release_services)."""
    schedule_sync(instance.services.values_list("pk", flat=True))


def connect_signals():
    """Called from DirectoryConfig.ready(). Wagtail keeps its own page index in step itself."""
    from django.db.models.signals import post_delete, post_save, pre_delete
    from wagtail.signals import published, unpublished

    for name, signal in (
        ("saved", post_save),
        ("deleted", post_delete),
        ("published", published),
        ("unpublished", unpublished),
    ):
        signal.connect(_service_changed, sender=Service, dispatch_uid=f"search_index_service_{name}")
    pre_delete.connect(_place_deleted, sender=Place, dispatch_uid="search_index_place_deleted")
    for model in (Place, Organisation, Category):
        post_save.connect(_related_changed, sender=model, dispatch_uid=f"search_index_{model.__name__}")
    for model in (Service, Place, Category):
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(bump_facets_version, sender=model, dispatch_uid=f"facets_{model.__name__}_{name}")


def _new_index(es):
    concrete = f"{index_name()}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"
    services_index(concrete).create(using=es)
    return concrete


def ensure_index(es):
    """Before a sync writes to the alias: without it, Elasticsearch would create an index with guessed mappings."""
    alias = index_name()
    if not es.indices.exists(index=alias):
        es.indices.put_alias(index=_new_index(es), name=alias)


def rebuild(write=None, chunk_size=BULK_CHUNK):
    """A new concrete index filled with every published service, then the alias moved to it atomically."""
    write = write or (lambda message: None)
    es = client()
    alias = index_name()
    concrete = _new_index(es)
    queryset = _loader().public().order_by("pk")
    total = queryset.count()
    write(_("%(total)s services publiés à indexer dans %(index)s.") % {"total": total, "index": concrete})
    done = 0
    batch = []
    for doc in _documents(queryset):
        batch.append({**doc, "_index": concrete})
        if len(batch) >= chunk_size:
            done += _bulk(es, batch)
            batch = []
            write(f"{done}/{total} ({100 * done // max(total, 1)} %)")
    if batch or not total:
        done += _bulk(es, batch)
        write(f"{done}/{total} (100 %)")
    es.indices.refresh(index=concrete)
    old = []
    if es.indices.exists_alias(name=alias):
        old = list(es.indices.get_alias(name=alias))
    elif es.indices.exists(index=alias):
        # A concrete index under the alias's name (created by an early sync): replaced by the alias.
        es.indices.delete(index=alias)
    actions = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"add": {"index": concrete, "alias": alias}})
    es.indices.update_aliases(actions=actions)
    for name in old:
        es.options(ignore_status=404).indices.delete(index=name)
    write(_("Alias %(alias)s → %(index)s.") % {"alias": alias, "index": concrete})
    return done


def _bulk(es, actions):
    if not actions:
        return 0
    success, _errors = helpers.bulk(es, actions, raise_on_error=True)
    return success
