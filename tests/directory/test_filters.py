"""The one FilterSet behind the search page and the API: distance, text, categories, open now, errors."""

import datetime as dt

import pytest
from django.http import QueryDict

from directory.listings import hours
from directory.models import Service
from directory.search.filters import ServiceFilter
from territories.gazetteer import haversine_km
from tests.directory.factories import PlaceFactory, ServiceFactory, commune

pytestmark = pytest.mark.django_db

AUCH = (43.6465, 0.5855)


def search(query=""):
    f = ServiceFilter(QueryDict(query), queryset=Service.objects.public())
    assert f.is_valid(), f.error_messages()
    return list(f.qs)


def errors(query):
    f = ServiceFilter(QueryDict(query), queryset=Service.objects.public())
    assert not f.is_valid()
    return f.error_messages()


def at(lat, lon, **kwargs):
    return ServiceFactory(place=PlaceFactory(latitude=lat, longitude=lon), **kwargs)


def test_sorted_by_distance_with_distance_km(gers):
    far = at(43.90, 0.30, title="Loin")
    near = at(43.65, 0.59, title="Près")
    middle = at(43.70, 0.50, title="Entre les deux")
    results = search(f"lat={AUCH[0]}&lon={AUCH[1]}")
    assert [s.title for s in results] == ["Près", "Entre les deux", "Loin"]
    for service, expected in zip(results, (near, middle, far), strict=True):
        exact = haversine_km(*AUCH, expected.place.latitude, expected.place.longitude)
        assert service.distance_km == pytest.approx(exact, abs=0.01)


def test_radius_boundary(gers):
    # Two services due north of Auch, just inside and just outside 10 km (1° of latitude ≈ 111.2 km).
    inside = at(AUCH[0] + 9.95 / 111.195, AUCH[1], title="Dedans")
    outside = at(AUCH[0] + 10.05 / 111.195, AUCH[1], title="Dehors")
    assert (
        haversine_km(*AUCH, inside.place.latitude, AUCH[1])
        < 10
        < haversine_km(*AUCH, outside.place.latitude, AUCH[1])
    )
    assert [s.title for s in search(f"lat={AUCH[0]}&lon={AUCH[1]}&radius=10")] == ["Dedans"]
    assert len(search(f"lat={AUCH[0]}&lon={AUCH[1]}&radius=20")) == 2


def test_services_without_place_are_left_out_of_distance_searches(gers):
    ServiceFactory(title="Par téléphone", place=None, on_site=False, by_phone=True)
    at(43.65, 0.59, title="Sur place")
    assert [s.title for s in search(f"lat={AUCH[0]}&lon={AUCH[1]}&radius=50")] == ["Sur place"]
    assert {s.title for s in search()} == {"Par téléphone", "Sur place"}


def test_text_search_ignores_accents_and_case(gers):
    ServiceFactory(title="Atelier numérique", summary="Apprendre à se servir d'un ordinateur")
    ServiceFactory(title="Épicerie sociale", summary="Produits à petit prix")
    assert [s.title for s in search("q=numerique")] == ["Atelier numérique"]
    assert [s.title for s in search("q=NUMÉRIQUE")] == ["Atelier numérique"]
    assert [s.title for s in search("q=epicerie")] == ["Épicerie sociale"]
    # Every word must match; the organisation's name and the commune are searched too.
    assert search("q=numerique+epicerie") == []
    assert len(search("q=auch")) == 2


def test_title_matches_rank_first(gers):
    ServiceFactory(title="Permanence sociale", summary="Aide pour le budget")
    ServiceFactory(title="Point Conseil Budget", summary="Conseils gratuits")
    assert [s.title for s in search("q=budget")] == ["Point Conseil Budget", "Permanence sociale"]


def test_category_semantics_any_of_the_chosen(gers):
    ServiceFactory(title="Colis", categories=["alimentation"])
    ServiceFactory(title="Ordinateurs", categories=["numerique"])
    ServiceFactory(title="Les deux", categories=["alimentation", "numerique"])
    assert {s.title for s in search("category=alimentation")} == {"Colis", "Les deux"}
    # Repeated: services in any of the categories, each listed once.
    results = search("category=alimentation&category=numerique")
    assert sorted(s.title for s in results) == ["Colis", "Les deux", "Ordinateurs"]


def test_kind_commune_epci_and_audience(gers):
    mirande = commune("32256")
    ServiceFactory(
        title="À Mirande", kind="third_place", place=PlaceFactory(commune=mirande), audiences=["jeunes"]
    )
    ServiceFactory(title="À Auch", kind="permanence")
    assert [s.title for s in search("kind=third_place")] == ["À Mirande"]
    assert [s.title for s in search("commune=32256")] == ["À Mirande"]
    assert [s.title for s in search(f"epci={mirande.epci.siren}")] == ["À Mirande"]
    assert [s.title for s in search("audience=jeunes")] == ["À Mirande"]


def test_open_now_around_closing_time(gers, time_machine):
    ServiceFactory(title="Matin", opening_hours="Mo-Fr 09:00-12:00; PH off")
    ServiceFactory(title="Journée", opening_hours="Mo-Fr 09:00-17:00; PH off")
    ServiceFactory(title="Horaires inconnus", opening_hours="")

    def frozen(moment):
        time_machine.move_to(moment.replace(tzinfo=hours.PARIS), tick=False)

    frozen(dt.datetime(2026, 11, 24, 11, 55))  # a Tuesday
    assert {s.title for s in search("open_now=true")} == {"Matin", "Journée"}
    frozen(dt.datetime(2026, 11, 24, 12, 5))
    assert {s.title for s in search("open_now=true")} == {"Journée"}
    assert {s.title for s in search("open_now=false")} == {"Matin", "Horaires inconnus"}
    # 11 November is a public holidays: "PH off" closes both.
    frozen(dt.datetime(2026, 11, 11, 10, 0))
    assert search("open_now=true") == []


def test_unpublished_services_are_never_found(gers):
    draft = ServiceFactory(title="Brouillon", live=False)
    assert draft not in search()
    assert search("q=brouillon") == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("lat=abc&lon=0.5", "lat"),
        ("lat=95&lon=0.5", "lat"),
        ("lat=43&lon=200", "lon"),
        ("lat=43&lon=0.5&radius=-3", "radius"),
        ("lat=43&lon=0.5&radius=10000", "radius"),
        ("lat=43&lon=0.5&radius=nan", "radius"),
        ("lat=inf&lon=0.5", "lat"),
        ("category=inconnue", "category"),
        ("kind=chateau", "kind"),
        ("commune=99999", "commune"),
        ("epci=123", "epci"),
        ("lat=43.6", "lon"),
        ("radius=10", "radius"),
        ("open_now=peut-etre", "open_now"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_invalid_parameters_are_named(gers, query, parameter):
    messages = errors(query)
    assert parameter in messages
    assert all(messages[parameter])


def test_services_for_everyone_match_any_public(gers):
    ServiceFactory(title="Pour les jeunes", audiences=["jeunes"])
    ServiceFactory(title="Pour tous", audiences=["tous-publics"])
    ServiceFactory(title="Pour les aînés", audiences=["seniors"])
    assert sorted(s.title for s in search("audience=jeunes")) == ["Pour les jeunes", "Pour tous"]


def test_titles_sort_without_regard_to_accents(gers):
    for title in ("Vestiaire", "Épicerie", "Atelier"):
        ServiceFactory(title=title)
    assert [s.title for s in search()] == ["Atelier", "Épicerie", "Vestiaire"]
