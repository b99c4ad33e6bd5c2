"""Itinerant services in the directory search: found where their tour stops next, with "Prochain passage"."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from directory.listings import hours
from directory.listings.vocabulary import ServiceKind
from directory.models import DirectoryPage
from directory.tours.models import StopStatus
from territories.gazetteer import haversine_km
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.directory.schedule_factories import StopFactory, TourFactory
from tests.html_text import text_of, visible_text

BASSOUES, MIRANDE, LECTOURE, AUCH = "32032", "32256", "32208", "32013"
TUESDAY = dt.datetime(2026, 3, 10, 8, 0, tzinfo=hours.PARIS)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(TUESDAY, tick=False)


@pytest.fixture
def itinerant(home, gers):
    home.add_child(
        instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire")
    ).save_revision().publish()
    service = ServiceFactory(
        kind=ServiceKind.ITINERANT,
        place=None,
        on_site=True,
        opening_hours="",
        title="Service public itinérant",
        slug="service-public-itinerant",
        categories=["acces-aux-droits"],
    )
    tour = TourFactory(service=service, organisation=service.organisation, slug="camping-car-connecte")
    StopFactory(
        tour=tour, commune=commune(MIRANDE), date=dt.date(2026, 3, 3), place_name="place du Foirail"
    )  # past
    StopFactory(tour=tour, commune=commune(MIRANDE), date=dt.date(2026, 3, 17), place_name="place du Foirail")
    StopFactory(
        tour=tour,
        commune=commune(BASSOUES),
        date=dt.date(2026, 3, 24),
        start_time=dt.time(9, 30),
        end_time=dt.time(12, 30),
        place_name="place de la Mairie",
    )
    StopFactory(
        tour=tour,
        commune=commune(LECTOURE),
        date=dt.date(2026, 3, 12),
        place_name="cours Gambetta",
        status=StopStatus.CANCELLED,
        cancellation_reason="Panne",
    )
    ServiceFactory(place=PlaceFactory(commune=commune(AUCH)), title="Épicerie solidaire d'Auch")
    return service


def page_text(response):
    return visible_text(response)


def result_for(response, title):
    html = BeautifulSoup(response.content, "html.parser")
    for item in html.select(".result"):
        if item.select_one(".result__title").get_text(strip=True) == title:
            return text_of(item)
    return None


def api(client, query):
    response = client.get(f"/api/v1/services?{query}")
    assert response.status_code == 200, response.content
    return {r["title"]: r for r in response.json()["results"]}


def test_search_page_shows_the_next_stop(client, itinerant):
    item = result_for(client.get("/annuaire/"), "Service public itinérant")
    assert "Prochain passage le mardi 17 mars, 9 h 00 – 12 h 00, à Mirande (place du Foirail)" in item
    assert "près de chez vous" not in item


def test_search_near_a_commune_finds_the_service_with_the_stop_there(client, itinerant):
    response = client.get("/annuaire/?where=Bassoues&radius=5")
    item = result_for(response, "Service public itinérant")
    assert item is not None
    assert (
        "Prochain passage près de chez vous le mardi 24 mars, 9 h 30 – 12 h 30, à Bassoues (place de la Mairie)"
        in item
    )
    assert "à moins de 100 m" in item
    # Far from any stop to come (the Lectoure stop is cancelled): not listed.
    assert result_for(client.get("/annuaire/?where=Lectoure&radius=5"), "Service public itinérant") is None
    assert result_for(client.get("/annuaire/?where=Auch&radius=5"), "Service public itinérant") is None


def test_api_commune_filter_includes_itinerant_services_stopping_there(client, itinerant):
    assert "Service public itinérant" in api(client, f"commune={BASSOUES}")
    assert "Service public itinérant" in api(client, f"commune={MIRANDE}")
    # Cancelled and past stops do not count.
    assert "Service public itinérant" not in api(client, f"commune={LECTOURE}")
    assert list(api(client, f"commune={AUCH}")) == ["Épicerie solidaire d'Auch"]
    assert list(api(client, f"commune={BASSOUES}&kind=itinerant")) == ["Service public itinérant"]


def test_api_distance_is_to_the_nearest_stop_to_come(client, itinerant):
    mirande = commune(MIRANDE)
    body = api(client, f"lat={mirande.latitude}&lon={mirande.longitude}&radius=30")
    assert body["Service public itinérant"]["distance_km"] == pytest.approx(0, abs=0.01)
    bassoues = commune(BASSOUES)
    auch = commune(AUCH)
    results = client.get(f"/api/v1/services?lat={auch.latitude}&lon={auch.longitude}").json()["results"]
    assert [r["title"] for r in results] == ["Épicerie solidaire d'Auch", "Service public itinérant"]
    nearest = min(
        haversine_km(auch.latitude, auch.longitude, c.latitude, c.longitude) for c in (mirande, bassoues)
    )
    assert results[1]["distance_km"] == pytest.approx(nearest, abs=0.01)


def test_unpublished_tours_do_not_place_their_service(client, itinerant):
    tour = itinerant.tour
    tour.live = False
    tour.save()
    assert "Service public itinérant" not in api(client, f"commune={BASSOUES}")
    item = result_for(client.get("/annuaire/"), "Service public itinérant")
    assert "Prochain passage" not in item


def test_itinerant_service_page_lists_the_next_stops(client, itinerant):
    response = client.get("/annuaire/service-public-itinerant/")
    html = BeautifulSoup(response.content, "html.parser")
    section = html.find("section", attrs={"aria-labelledby": "titre-passages"})
    stops = [text_of(li) for li in section.select(".stop")]
    assert stops[0].startswith("Annulé Jeudi 12 mars 2026, 9 h 00 – 12 h 00") and "Annulé : Panne" in stops[0]
    assert stops[1].startswith("Mardi 17 mars 2026") and "Mirande" in stops[1]
    assert len(stops) == 3
    assert section.find("a", href="/annuaire/tournees/camping-car-connecte/")
    assert section.find("a", href="/annuaire/service-public-itinerant/agenda.ics")
    assert "Service itinérant" in page_text(response)
