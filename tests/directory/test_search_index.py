"""The directory on Elasticsearch, without a cluster: query construction (`to_dict()`), the index definition,
facet counts from the database, the background sync, and the fallback to the database when the cluster is
unreachable (ELASTICSEARCH_URL pointing at a closed local port). The same searches against a real cluster are in
test_elasticsearch_integration.py, which runs only when ELASTICSEARCH_URL is set."""

import logging
import re
import socket
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django_tasks.signals import task_finished
from elasticsearch.dsl.response import Response

from directory.listings.vocabulary import ServiceKind
from directory.models import DirectoryPage, Service
from directory.search import index as search_index
from directory.search.filters import ServiceFilter
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.html_text import visible_text

MIRANDE, SAINT_MARTIN, AUCH, LECTOURE = "32256", "32389", "32013", "32208"


def closed_port():
    """A local port nothing listens on: bound, then released."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def unreachable_cluster(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    settings.ELASTICSEARCH_TIMEOUT = 1.0
    return settings.ELASTICSEARCH_URL


def service_in(insee, **kwargs):
    place = PlaceFactory(commune=commune(insee))
    return ServiceFactory(place=place, organisation=place.organisation, **kwargs)


@pytest.fixture
def directory_page(home, gers):
    page = home.add_child(instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire"))
    page.save_revision().publish()
    return page


@pytest.fixture
def services(directory_page):
    return {
        "mirande": service_in(MIRANDE, title="Épicerie solidaire de Mirande", categories=["alimentation"]),
        "saint_martin": service_in(SAINT_MARTIN, title="Atelier numérique", categories=["numerique"]),
        "auch": service_in(AUCH, title="France Services Auch", categories=["acces-aux-droits", "numerique"]),
        "lectoure": service_in(
            LECTOURE,
            title="Tiers-lieu de Lectoure",
            kind=ServiceKind.THIRD_PLACE,
            categories=["alimentation"],
        ),
    }


def cleaned(**params):
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    service_filter = ServiceFilter(query, queryset=Service.objects.public())
    assert service_filter.is_valid(), service_filter.error_messages()
    return service_filter.form.cleaned_data


# --- Query construction ------------------------------------------------------------------------------------


def test_no_criteria_lists_everything_by_name():
    body = search_index.build_search({}).to_dict()
    assert body == {
        "query": {"bool": {}},
        "sort": ["search_title", "pk"],
        "track_total_hits": True,
        "_source": False,
    }


def test_text_matches_every_word_across_fields_and_sorts_by_relevance():
    body = search_index.build_search({"q": "colis  alimentaire"}).to_dict()
    assert body["query"] == {
        "bool": {
            "must": [
                {
                    "multi_match": {
                        "query": "colis alimentaire",
                        "type": "cross_fields",
                        "operator": "and",
                        "zero_terms_query": "all",
                        "fields": [
                            "title^3",
                            "summary^2",
                            "description",
                            "organisation",
                            "place",
                            "commune_name",
                            "categories_text",
                        ],
                    }
                }
            ]
        }
    }
    assert body["sort"] == [{"_score": {"order": "desc"}}, "search_title", "pk"]


def test_filters_radius_and_distance_sort():
    body = search_index.build_search(
        {
            "category": ["alimentation", "sante"],
            "kind": "permanence",
            "audience": ["jeunes"],
            "commune": "32256",
            "epci": "200034692",
            "lat": 43.51,
            "lon": 0.40,
            "radius": 10.0,
        }
    ).to_dict()
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"audiences": ["jeunes", "tous-publics"]}},
        {"term": {"commune": "32256"}},
        {"term": {"epci": "200034692"}},
        {"geo_distance": {"distance": "10.0km", "location": {"lat": 43.51, "lon": 0.40}}},
    ]
    # Category and kind filter the hits after the facets are counted.
    assert body["post_filter"] == {
        "bool": {
            "filter": [{"terms": {"categories": ["alimentation", "sante"]}}, {"term": {"kind": "permanence"}}]
        }
    }
    assert body["sort"] == [
        {
            "_geo_distance": {
                "location": {"lat": 43.51, "lon": 0.40},
                "order": "asc",
                "unit": "km",
                "distance_type": "arc",
            }
        },
        "search_title",
        "pk",
    ]
    assert "aggs" not in body


def test_point_without_radius_keeps_services_with_a_position_sorted_by_distance():
    body = search_index.build_search({"lat": 43.5, "lon": 0.4}).to_dict()
    assert body["query"] == {"bool": {"filter": [{"exists": {"field": "location"}}]}}
    assert "_geo_distance" in body["sort"][0]
    # The GeoJSON endpoint asks for positions without a point.
    assert search_index.build_search({}, require_point=True).to_dict()["query"] == body["query"]


def test_open_now_filters_on_the_expressions_open_at_this_minute():
    expressions = ["Mo-Fr 09:00-12:00", "24/7"]
    body = search_index.build_search({"open_now": True}, open_expressions=expressions).to_dict()
    assert body["query"]["bool"]["filter"] == [{"terms": {"opening_hours": expressions}}]
    body = search_index.build_search({"open_now": False}, open_expressions=expressions).to_dict()
    assert body["query"]["bool"]["filter"] == [
        {"bool": {"must_not": [{"terms": {"opening_hours": expressions}}]}}
    ]


def test_facet_aggregations_count_each_facet_without_its_own_filter():
    body = search_index.build_search(
        {"q": "aide", "category": ["alimentation"], "kind": "permanence"}, with_facets=True
    ).to_dict()
    assert body["aggs"] == {
        "category": {
            "filter": {"bool": {"filter": [{"term": {"kind": "permanence"}}]}},
            "aggs": {"values": {"terms": {"field": "categories", "size": 100}}},
        },
        "kind": {
            "filter": {"bool": {"filter": [{"terms": {"categories": ["alimentation"]}}]}},
            "aggs": {"values": {"terms": {"field": "kind", "size": 20}}},
        },
    }
    body = search_index.build_search({}, with_facets=True).to_dict()
    assert body["aggs"]["category"]["filter"] == {"match_all": {}}


def test_search_is_built_from_the_filtersets_cleaned_values(gers):
    values = cleaned(
        q="épicerie",
        category=["alimentation"],
        commune="32256",
        epci="243200425",
        lat="43.5",
        lon="0.4",
        radius="5",
    )
    body = search_index.build_search(values).to_dict()
    assert body["query"]["bool"]["must"][0]["multi_match"]["query"] == "épicerie"
    assert {"term": {"commune": "32256"}} in body["query"]["bool"]["filter"]
    assert {"term": {"epci": "243200425"}} in body["query"]["bool"]["filter"]
    assert body["post_filter"]["bool"]["filter"] == [{"terms": {"categories": ["alimentation"]}}]


def test_completion_suggester_on_service_and_commune_names():
    body = search_index.build_completion("mirnde").to_dict()
    assert body["suggest"] == {
        "titles": {
            "prefix": "mirnde",
            "completion": {
                "field": "title_suggest",
                "size": 5,
                "skip_duplicates": True,
                "fuzzy": {"fuzziness": "AUTO"},
            },
        },
        "communes": {
            "prefix": "mirnde",
            "completion": {
                "field": "commune_suggest",
                "size": 5,
                "skip_duplicates": True,
                "fuzzy": {"fuzziness": "AUTO"},
            },
        },
    }


def test_index_definition():
    index = search_index.services_index("essai").to_dict()
    mappings = index["mappings"]["properties"]
    assert mappings["location"] == {"type": "geo_point"}
    assert mappings["title_suggest"] == {"type": "completion", "analyzer": "folded"}
    assert mappings["commune_suggest"] == {"type": "completion", "analyzer": "folded"}
    assert mappings["title"]["analyzer"] == "french_folded"
    assert mappings["categories"] == {"type": "keyword"}
    analysis = index["settings"]["analysis"]
    assert analysis["analyzer"]["french_folded"]["filter"] == [
        "french_elision",
        "lowercase",
        "french_stop",
        "asciifolding",
        "french_stemmer",
    ]
    # Wagtail's page indexes (settings) use the very same analysis.
    expected = django_settings.ELASTICSEARCH_FRENCH_ANALYSIS
    assert analysis["filter"] == expected["filter"]
    assert analysis["analyzer"]["french_folded"] == expected["analyzer"]["french_folded"]


def test_document_of_a_service(services):
    service = services["auch"]
    doc = search_index.ServiceDocument.from_service(service).to_dict(include_meta=True)
    assert doc["_id"] == service.pk
    source = doc["_source"]
    assert source["title"] == "France Services Auch"
    assert source["search_title"] == "france services auch"
    assert sorted(source["categories"]) == ["acces-aux-droits", "numerique"]
    assert source["commune"] == AUCH and source["commune_name"] == "Auch"
    assert source["epci"] == commune(AUCH).epci.siren
    assert source["location"] == {"lat": service.latitude, "lon": service.longitude}
    assert source["title_suggest"] == {"input": ["France Services Auch"]}
    assert source["commune_suggest"] == {"input": ["Auch"]}
    assert source["kind"] == "permanence"


def test_reading_a_response(services):
    """Aggregations and hits as Elasticsearch returns them become facet counts and services with distances."""
    search = search_index.build_search(
        {"lat": 43.5, "lon": 0.4, "category": ["alimentation"]}, with_facets=True
    )
    mirande, lectoure = services["mirande"], services["lectoure"]
    raw = {
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "hits": [
                {
                    "_index": "x",
                    "_id": str(mirande.pk),
                    "_score": None,
                    "sort": [1.5, "epicerie", mirande.pk],
                },
                {"_index": "x", "_id": "999999", "_score": None, "sort": [20.0, "gone", 999999]},
                {
                    "_index": "x",
                    "_id": str(lectoure.pk),
                    "_score": None,
                    "sort": [45.25, "tiers", lectoure.pk],
                },
            ],
        },
        "aggregations": {
            "category": {
                "doc_count": 4,
                "values": {
                    "buckets": [{"key": "alimentation", "doc_count": 2}, {"key": "numerique", "doc_count": 2}]
                },
            },
            "kind": {"doc_count": 2, "values": {"buckets": [{"key": "permanence", "doc_count": 1}]}},
        },
    }
    response = Response(search, raw)
    assert search_index.facets_from(response) == {
        "category": {"alimentation": 2, "numerique": 2},
        "kind": {"permanence": 1},
    }
    hits = search_index.ServiceHits(
        search, 2, Service.objects.all(), Service.objects.none(), with_distance=True
    )
    found = hits.services(response)
    # A service deleted since it was indexed is left out; distances read as the database path gives them.
    assert [s.title for s in found] == ["Épicerie solidaire de Mirande", "Tiers-lieu de Lectoure"]
    assert [round(s.distance_km, 2) for s in found] == [1.5, 45.25]


# --- Facet counts on /annuaire/ (database) ---------------------------------------------------------------------


def facet_counts(response):
    html = response.content.decode()
    categories = {
        slug: int(count)
        for slug, count in re.findall(r'<span id="facet-category-([\w-]+)" class="facet-count">(\d+)<', html)
    }
    kinds = {
        kind: int(count) for kind, count in re.findall(r'id="facet-kind-(\w+)"[^>]*>[^<(]+\((\d+)\)', html)
    }
    return categories, kinds


def test_facet_counts_next_to_the_filters(client, services):
    categories, kinds = facet_counts(client.get("/annuaire/"))
    assert categories["alimentation"] == 2 and categories["numerique"] == 2
    assert categories["acces-aux-droits"] == 1 and categories["sante"] == 0
    assert kinds == {"third_place": 1, "permanence": 3, "itinerant": 0, "partner_offer": 0}
    # Screen readers hear "Alimentation 2 services".
    response = client.get("/annuaire/")
    assert visible_text(response, 'label[for="recherche-category-alimentation"]') == "Alimentation 2 services"


def test_facets_follow_the_other_filters(client, services):
    # Ticking "alimentation": category counts ignore that choice, kind counts respect it.
    categories, kinds = facet_counts(client.get("/annuaire/", {"category": "alimentation"}))
    assert categories["numerique"] == 2 and categories["alimentation"] == 2
    assert kinds == {"third_place": 1, "permanence": 1, "itinerant": 0, "partner_offer": 0}
    categories, kinds = facet_counts(client.get("/annuaire/", {"kind": "permanence", "where": "Mirande"}))
    assert categories["alimentation"] == 1 and categories["numerique"] == 1
    assert kinds["permanence"] == 2 and kinds["third_place"] == 0


def test_htmx_fragment_updates_the_counts_out_of_band(client, services):
    response = client.get("/annuaire/", {"q": "numerique"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<span id="facet-category-numerique" class="facet-count" data-hx-swap-oob="true">2<' in html
    assert '<option id="facet-kind-permanence" data-hx-swap-oob="innerHTML">Permanence (2)</option>' in html


# --- Elasticsearch unreachable: the database answers, a warning is logged -----------------------------------


def test_directory_page_falls_back_to_the_database(client, services, unreachable_cluster, caplog):
    with caplog.at_level(logging.WARNING, logger="directory.search.index"):
        response = client.get("/annuaire/", {"where": "Mirande", "q": "epicerie"})
    assert response.status_code == 200
    assert "Épicerie solidaire de Mirande" in unescape(response.content.decode())
    assert "1 service à moins de 10 km de Mirande" in unescape(response.content.decode())
    warnings = [r for r in caplog.records if r.name == "directory.search.index"]
    assert warnings and "Elasticsearch unavailable" in warnings[0].getMessage()
    # Facets still come from the database.
    categories, _kinds = facet_counts(client.get("/annuaire/"))
    assert categories["alimentation"] == 2


def test_api_falls_back_to_the_database(client, services, unreachable_cluster, caplog):
    mirande = commune(MIRANDE)
    with caplog.at_level(logging.WARNING, logger="directory.search.index"):
        response = client.get(
            "/api/v1/services", {"lat": mirande.latitude, "lon": mirande.longitude, "radius": 10}
        )
    assert response.status_code == 200
    data = response.json()
    assert [r["title"] for r in data["results"]] == ["Épicerie solidaire de Mirande", "Atelier numérique"]
    assert data["results"][0]["distance_km"] == 0.0
    assert "Elasticsearch unavailable" in caplog.text
    response = client.get("/api/v1/services.geojson", {"category": "alimentation"})
    assert response.status_code == 200 and response.json()["count"] == 2


def test_site_search_falls_back_to_the_database(client, services, unreachable_cluster, settings, caplog):
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch9",
            "URLS": [unreachable_cluster],
            "TIMEOUT": 1,
            "OPTIONS": {"max_retries": 0},
        }
    }
    with caplog.at_level(logging.WARNING):
        response = client.get("/recherche/", {"q": "aide"})
        assert response.status_code == 200
        response = client.get("/recherche/", {"q": "épicerie"})
    assert response.status_code == 200
    assert "Épicerie solidaire de Mirande" in visible_text(response)
    assert "Search backend unavailable" in caplog.text and "Elasticsearch unavailable" in caplog.text
    # Pages are found by title in the meantime.
    response = client.get("/recherche/", {"q": "trouver"})
    assert "Trouver de l'aide" in visible_text(response)


def test_slices_fall_back_when_the_cluster_goes_away(services, unreachable_cluster, caplog):
    """Elasticsearch answered the count, then stopped: the page's rows come from the database query."""
    service_filter = ServiceFilter(QueryDict("q=epicerie"), queryset=Service.objects.public())
    assert service_filter.is_valid()
    search = search_index.build_search(service_filter.form.cleaned_data, using=search_index.client())
    hits = search_index.ServiceHits(search, 1, Service.objects.all(), service_filter.qs)
    with caplog.at_level(logging.WARNING, logger="directory.search.index"):
        assert [s.title for s in hits[0:20]] == ["Épicerie solidaire de Mirande"]
    assert "Elasticsearch unavailable" in caplog.text
    assert hits.count() == len(hits) == 1


# --- Keeping the index in step ---------------------------------------------------------------------------------


@pytest.fixture
def finished_tasks():
    results = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "sync_services":
            results.append(task_result)

    task_finished.connect(record)
    yield results
    task_finished.disconnect(record)


def test_no_sync_without_elasticsearch(services, finished_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        service_in(MIRANDE, title="Nouveau service")
    assert finished_tasks == []


def test_publish_unpublish_and_delete_enqueue_a_sync(
    services, unreachable_cluster, finished_tasks, django_capture_on_commit_callbacks, caplog
):
    service = services["mirande"]
    with caplog.at_level(logging.WARNING, logger="directory.search.index"):
        with django_capture_on_commit_callbacks(execute=True):
            service.save_revision().publish()
        with django_capture_on_commit_callbacks(execute=True):
            service.unpublish()
        pk = services["auch"].pk
        with django_capture_on_commit_callbacks(execute=True):
            services["auch"].delete()
    synced = [r.args[0] for r in finished_tasks]
    assert [service.pk] in synced and [pk] in synced
    # The cluster is unreachable: the task fails (visible in the task results) and says what to run.
    assert all(r.status == "FAILED" for r in finished_tasks)
    assert "rebuild_search_index" in caplog.text
    # The edits themselves went through.
    assert not Service.objects.get(pk=service.pk).live
    assert not Service.objects.filter(pk=pk).exists()


def test_editing_a_place_resyncs_its_services(
    services, unreachable_cluster, finished_tasks, django_capture_on_commit_callbacks
):
    place = services["lectoure"].place
    with django_capture_on_commit_callbacks(execute=True):
        place.name = "Nouveau tiers-lieu"
        place.save()
    assert [services["lectoure"].pk] in [r.args[0] for r in finished_tasks]


def test_rebuild_command(services, capsys, settings):
    call_command("rebuild_search_index")
    assert "rien à indexer" in capsys.readouterr().out
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(CommandError, match="Elasticsearch ne répond pas"):
        call_command("rebuild_search_index")
    with pytest.raises(CommandError, match="au moins 1"):
        call_command("rebuild_search_index", "--chunk-size", "0")
