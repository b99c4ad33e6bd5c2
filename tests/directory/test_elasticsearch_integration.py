"""The directory and the site search against a real Elasticsearch cluster.

Elasticsearch cannot run on this project's machines (no cluster can be installed or reached here), so this
module runs only when ELASTICSEARCH_URL is set, e.g. `ELASTICSEARCH_URL=http://127.0.0.1:9200 pytest
tests/directory/test_elasticsearch_integration.py`, and is skipped otherwise — also under REQUIRE_REAL_SERVICES,
which is for the parts that do run here. Each test works in indexes of its own (a random prefix), deleted after.
Without a cluster, query construction and the fallback are tested in test_search_index.py.
"""

import os
import uuid

import pytest

if not os.environ.get("ELASTICSEARCH_URL"):
    pytest.skip(
        "ELASTICSEARCH_URL is not set: no Elasticsearch cluster can run on these machines.",
        allow_module_level=True,
    )

from django.core.management import call_command  # noqa: E402

from directory.listings.vocabulary import ServiceKind  # noqa: E402
from directory.models import DirectoryPage, Service  # noqa: E402
from directory.search import index as search_index  # noqa: E402
from tests.directory.factories import PlaceFactory, ServiceFactory, commune  # noqa: E402
from tests.directory.test_search_index import facet_counts  # noqa: E402
from tests.directory.test_search_page import TUESDAY_10  # noqa: E402
from tests.factories import StandardPageFactory  # noqa: E402

pytestmark = pytest.mark.django_db

MIRANDE, SAINT_MARTIN, AUCH, LECTOURE = "32256", "32389", "32013", "32208"


@pytest.fixture(autouse=True)
def own_indexes(settings):
    prefix = f"test-{uuid.uuid4().hex[:10]}-"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {**settings.WAGTAILSEARCH_BACKENDS["default"], "INDEX_PREFIX": prefix}
    }
    yield prefix
    es = search_index.client()
    for name in es.indices.get(index=f"{prefix}*"):
        es.options(ignore_status=404).indices.delete(index=name)


def service_in(insee, **kwargs):
    place = PlaceFactory(commune=commune(insee))
    return ServiceFactory(place=place, organisation=place.organisation, **kwargs)


@pytest.fixture
def services(home, gers):
    page = home.add_child(instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire"))
    page.save_revision().publish()
    found = {
        "mirande": service_in(
            MIRANDE,
            title="Épicerie solidaire de Mirande",
            summary="Des produits alimentaires à petit prix.",
            categories=["alimentation"],
        ),
        "saint_martin": service_in(
            SAINT_MARTIN,
            title="Atelier numérique",
            categories=["numerique"],
            opening_hours="Mo-Fr 14:00-17:00",
        ),
        "auch": service_in(AUCH, title="France Services Auch", categories=["acces-aux-droits", "numerique"]),
        "lectoure": service_in(
            LECTOURE,
            title="Tiers-lieu de Lectoure",
            kind=ServiceKind.THIRD_PLACE,
            categories=["alimentation"],
        ),
    }
    call_command("rebuild_search_index")
    return found


def refresh():
    search_index.client().indices.refresh(index=search_index.index_name())


def api(client, **params):
    response = client.get("/api/v1/services", params)
    assert response.status_code == 200
    return response.json()


def on_database(settings, function):
    url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = ""
    try:
        return function()
    finally:
        settings.ELASTICSEARCH_URL = url


def test_rebuild_prints_progress(services, capsys):
    call_command("rebuild_search_index", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert "4 services publiés à indexer" in out and "2/4 (50 %)" in out and "4 services indexés." in out
    es = search_index.client()
    # One concrete index behind the alias: the previous one was dropped.
    assert len(es.indices.get_alias(name=search_index.index_name())) == 1


def test_french_text_search(client, services):
    assert [r["title"] for r in api(client, q="epiceries")["results"]] == ["Épicerie solidaire de Mirande"]
    assert [r["title"] for r in api(client, q="l'épicerie alimentaire")["results"]] == [
        "Épicerie solidaire de Mirande"
    ]
    assert {r["title"] for r in api(client, q="NUMERIQUE")["results"]} == {
        "Atelier numérique",
        "France Services Auch",
    }


def test_same_results_and_distances_as_the_database(client, services, settings):
    mirande = commune(MIRANDE)
    for params in (
        {"lat": mirande.latitude, "lon": mirande.longitude, "radius": 30},
        {"lat": mirande.latitude, "lon": mirande.longitude},
        {"category": "alimentation"},
        {"kind": "third_place"},
        {"epci": mirande.epci.siren},
        {"commune": AUCH},
        {"q": "numerique", "limit": 1, "offset": 1},
    ):
        on_es = api(client, **params)
        on_db = on_database(settings, lambda p=params: api(client, **p))
        assert on_es["count"] == on_db["count"], params
        assert [r["slug"] for r in on_es["results"]] == [r["slug"] for r in on_db["results"]], params
        for a, b in zip(on_es["results"], on_db["results"], strict=True):
            assert a.get("distance_km") == pytest.approx(b.get("distance_km"), abs=0.02)
    geojson = client.get("/api/v1/services.geojson").json()
    assert geojson["count"] == 4


def test_open_now_on_elasticsearch(client, services, settings, time_machine):
    time_machine.move_to(TUESDAY_10, tick=False)
    open_now = {r["title"] for r in api(client, open_now="true")["results"]}
    assert "Atelier numérique" not in open_now and "France Services Auch" in open_now
    assert {r["title"] for r in api(client, open_now="false")["results"]} == {"Atelier numérique"}


def test_directory_page_and_facets_from_aggregations(client, services, settings):
    response = client.get("/annuaire/", {"where": "Mirande", "radius": "20"})
    assert response.status_code == 200
    assert "Épicerie solidaire de Mirande" in response.content.decode()
    for params in ({}, {"category": "alimentation"}, {"kind": "permanence", "q": "numerique"}):
        on_es = facet_counts(client.get("/annuaire/", params))
        on_db = on_database(settings, lambda p=params: facet_counts(client.get("/annuaire/", p)))
        assert on_es == on_db, params


def test_index_follows_publish_unpublish_and_delete(client, services, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new = service_in(MIRANDE, title="Vestiaire solidaire")
    refresh()
    assert api(client, q="vestiaire")["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        new.unpublish()
    refresh()
    assert api(client, q="vestiaire")["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        new.save_revision().publish()
    refresh()
    assert api(client, q="vestiaire")["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        Service.objects.get(pk=new.pk).delete()
    refresh()
    assert api(client, q="vestiaire")["count"] == 0
    # Renaming the place is seen in the index too.
    place = services["lectoure"].place
    with django_capture_on_commit_callbacks(execute=True):
        place.name = "La Grange"
        place.save()
    refresh()
    assert [r["title"] for r in api(client, q="grange")["results"]] == ["Tiers-lieu de Lectoure"]


def test_completion_suggester(services):
    assert "Mirande" in search_index.completion_suggestions("mirnd")
    assert "Épicerie solidaire de Mirande" in search_index.completion_suggestions("epice")


def test_site_search_on_elasticsearch(client, services, home):
    StandardPageFactory(parent=home, title="Les épiceries sociales du Gers", slug="epiceries")
    call_command("update_index")
    response = client.get("/recherche/", {"q": "epicerie"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>épiceries</mark> sociales du Gers" in html
    assert "<mark>Épicerie</mark> solidaire de Mirande" in html
