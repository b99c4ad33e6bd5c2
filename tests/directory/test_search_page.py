"""The public search at /annuaire/, through HTTP: the resident's form, with and without htmx."""

import datetime as dt
import json
import re
from html import unescape

import pytest
from pytest_django.asserts import assertInHTML

from directory.listings import hours
from directory.listings.vocabulary import ServiceKind, ServiceStatus
from directory.models import DirectoryPage
from directory.search import engine as search
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.html_text import soup, visible_text, visible_texts

MIRANDE, SAINT_MARTIN, AUCH, MASSEUBE, LECTOURE = "32256", "32389", "32013", "32242", "32208"
# A Tuesday at 10:00 in the Gers.
TUESDAY_10 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=hours.PARIS)


@pytest.fixture
def directory_page(demo_site, gers):
    home = demo_site.root_page
    page = home.add_child(
        instance=DirectoryPage(
            title="Trouver de l'aide",
            slug="annuaire",
            intro="<p>Trouvez l'aide la plus proche.</p>",
            no_result_text="<p>Les partenaires ajoutent des lieux chaque mois.</p>",
        )
    )
    page.save_revision().publish()
    return page


def place_in(insee, **kwargs):
    return PlaceFactory(commune=commune(insee), **kwargs)


def service_in(insee, **kwargs):
    place = place_in(insee)
    return ServiceFactory(place=place, organisation=place.organisation, **kwargs)


@pytest.fixture
def services(directory_page):
    return {
        "mirande": service_in(
            MIRANDE,
            title="Épicerie solidaire de Mirande",
            categories=["alimentation"],
            phone="05 62 66 00 00",
        ),
        "saint_martin": service_in(SAINT_MARTIN, title="Atelier numérique", categories=["numerique"]),
        "auch": service_in(AUCH, title="France Services Auch", categories=["acces-aux-droits"]),
        "lectoure": service_in(
            LECTOURE,
            title="Tiers-lieu de Lectoure",
            kind=ServiceKind.THIRD_PLACE,
            categories=["alimentation"],
        ),
    }


def get(client, **params):
    return client.get("/annuaire/", params)


def text(response):
    return visible_text(response)


def results_text(response):
    """The text of the results list only (the form also says "Ouvert maintenant")."""
    return visible_text(response, "ol.results-list")


def result_titles(response):
    return visible_texts(response, ".result__title a")


def checked_categories(response):
    return [box["value"] for box in soup(response).select('input[name="category"][checked]')]


def suggested_neighbours(response):
    """The links to the same search in a neighbouring commune ("… (32xxx)")."""
    links = [a["href"] for a in soup(response).select('a[href^="/annuaire/?where="]')]
    return [href for href in links if re.search(r"%2832\d{3}%29", href)]


def map_data(response):
    match = re.search(
        r'<script id="directory-map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_page_without_criteria_lists_everything(client, services):
    response = get(client)
    assert response.status_code == 200
    body = text(response)
    assert "Trouver de l'aide" in body
    assert "Trouvez l'aide la plus proche." in body
    assert "4 services trouvés" in body
    # The whole page: form, datalist of communes, map container, htmx and our script.
    html = response.content.decode()
    assert '<form id="directory-search"' in html
    assert '<option value="Mirande (32300)">' in html
    assert 'id="directory-map"' in html
    assert "leaflet/leaflet.js" in html and "directory/directory.js" in html
    assert "HX-Request" in response["Vary"]
    assert "{#" not in html and "{%" not in html


def test_search_by_commune_name_sorts_by_distance(client, services):
    response = get(client, where="Mirande")
    assert response.status_code == 200
    assert "2 services à moins de 10 km de Mirande" in text(response)
    assert result_titles(response) == ["Épicerie solidaire de Mirande", "Atelier numérique"]
    body = text(response)
    assert "à 3,2 km" in body
    data = map_data(response)
    assert [s["title"] for s in data["services"]] == ["Épicerie solidaire de Mirande", "Atelier numérique"]
    assert data["centre"]["radius_km"] == 10
    assert {"id", "title", "url", "lat", "lon"} <= set(data["services"][0])


def test_search_by_postcode(client, services):
    response = get(client, where="32300", radius="20")
    body = text(response)
    assert "3 services à moins de 20 km de Mirande" in body
    assert result_titles(response)[-1] == "France Services Auch"


def test_search_by_datalist_option(client, services):
    response = get(client, where="Mirande (32300)", radius="5")
    assert "2 services à moins de 5 km de Mirande" in text(response)


def test_unknown_place_gives_a_french_error_and_suggestions(client, services):
    response = get(client, where="Mirnde")
    assert response.status_code == 200
    body = text(response)
    assert "Nous ne trouvons pas « Mirnde » dans le Gers" in body
    assert "Vouliez-vous dire" in body
    assert 'href="/annuaire/?where=Mirande+%2832300%29"' in response.content.decode()
    # The field is marked invalid and described by its message.
    assert soup(response).select_one("#recherche-where")["aria-invalid"] == "true"
    assert result_titles(response) == []


def test_result_item_shows_what_a_resident_needs(client, services, time_machine):
    time_machine.move_to(TUESDAY_10, tick=False)
    response = get(client, where="Mirande")
    html = response.content.decode()
    body = results_text(response)
    assert 'href="/annuaire/epicerie-solidaire-de-mirande/"' in html
    assert services["mirande"].organisation.name in body
    assert "Permanence" in body
    assert "1 place de la Mairie, 32300 Mirande" in body
    assert "Aujourd'hui 9 h 00 – 12 h 00, 14 h 00 – 17 h 00" in body
    assert "Ouvert maintenant" in body
    assert 'href="tel:+33562660000"' in html
    assert "Alimentation" in body


def test_planned_service_is_marked(client, directory_page):
    service_in(MIRANDE, title="Tiers-lieu de Mirande", status=ServiceStatus.PLANNED, opening_hours="")
    body = results_text(get(client, where="Mirande"))
    assert "Ouverture prévue" in body
    assert "Ouvert maintenant" not in body and "Fermé" not in body


def test_search_by_category(client, services):
    response = get(client, category="alimentation")
    assert sorted(result_titles(response)) == ["Tiers-lieu de Lectoure", "Épicerie solidaire de Mirande"]
    assert checked_categories(response) == ["alimentation"]
    # Nothing in Auch near Mirande: the neighbouring communes suggested are searched without the filter.
    response = get(client, where="Mirande", commune=AUCH, radius="5")
    assert result_titles(response) == []
    neighbours = suggested_neighbours(response)
    assert neighbours and not any("commune=" in link for link in neighbours)
    response = client.get("/annuaire/?category=alimentation&category=numerique&where=Mirande")
    assert result_titles(response) == ["Épicerie solidaire de Mirande", "Atelier numérique"]


def test_free_text_ignores_accents(client, services):
    assert result_titles(get(client, q="numerique")) == ["Atelier numérique"]


def test_kind_and_audience(client, services, directory_page):
    service_in(MIRANDE, title="Point jeunes", audiences=["jeunes"])
    service_in(MIRANDE, title="Accueil pour tous", audiences=["tous-publics"])
    service_in(MIRANDE, title="Club seniors", audiences=["seniors"])
    titles = result_titles(get(client, where="Mirande", audience="jeunes"))
    # Services for everyone serve young people too.
    assert sorted(titles) == ["Accueil pour tous", "Point jeunes"]
    assert result_titles(get(client, kind="third_place")) == ["Tiers-lieu de Lectoure"]


def test_open_now_with_a_frozen_clock(client, directory_page, time_machine):
    service_in(MIRANDE, title="Ouvert le matin", opening_hours="Mo-Fr 09:00-12:00")
    service_in(MIRANDE, title="Ouvert l'après-midi", opening_hours="Mo-Fr 14:00-17:00")
    time_machine.move_to(TUESDAY_10, tick=False)
    response = get(client, where="Mirande", open_now="true")
    assert result_titles(response) == ["Ouvert le matin"]
    assert "1 service ouvert maintenant à moins de 10 km de Mirande" in text(response)
    time_machine.move_to(TUESDAY_10.replace(hour=15), tick=False)
    assert result_titles(get(client, where="Mirande", open_now="true")) == ["Ouvert l'après-midi"]
    # Closing time: 12:00 sharp is closed.
    time_machine.move_to(TUESDAY_10.replace(hour=12), tick=False)
    response = get(client, where="Mirande", open_now="true")
    assert result_titles(response) == []
    # Nothing open now: the same search at any hour is suggested.
    assert "Voir aussi les services fermés en ce moment" in text(response)


def test_pagination_keeps_every_parameter(client, directory_page):
    for n in range(23):
        service_in(MIRANDE, title=f"Permanence {n:02d}", categories=["alimentation"])
    response = get(client, where="Mirande", category="alimentation", radius="20", q="permanence")
    assert len(result_titles(response)) == 20
    assert "23 services à moins de 20 km de Mirande" in text(response)
    html = response.content.decode()
    next_link = re.search(
        r'<a class="pagination__link js-page-link" href="([^"]+)"[^>]*rel="next"', html
    ).group(1)
    for part in ("q=permanence", "where=Mirande", "radius=20", "category=alimentation", "page=2"):
        assert part in next_link
    assert 'data-hx-get="' + next_link + '"' in html
    second = client.get(unescape(next_link))
    assert len(result_titles(second)) == 3
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in second.content.decode()
    # Page 1 link has no page parameter; everything else is kept.
    assert re.search(
        r'href="/annuaire/\?q=permanence&amp;where=Mirande&amp;radius=20&amp;category=alimentation"',
        second.content.decode(),
    )


def test_htmx_request_returns_only_the_results_fragment(client, services):
    response = client.get(
        "/annuaire/", {"where": "Mirande"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resultats"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and '<form id="directory-search"' not in html
    assert 'id="results-heading"' in html
    assert "2 services à moins de 10 km de Mirande" in text(response)
    assert 'id="directory-map-data"' in html
    # Each field's error slot is refreshed out of band (empty here).
    assertInHTML('<div id="erreur-where" class="field-error" data-hx-swap-oob="true"></div>', html)
    assert "HX-Request" in response["Vary"]
    # Restoring history asks for the whole page.
    response = client.get(
        "/annuaire/", {"where": "Mirande"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_htmx_fragment_carries_field_errors(client, services):
    response = client.get("/annuaire/", {"where": "Nullepart"}, HTTP_HX_REQUEST="true")
    slot = soup(response).select_one('#erreur-where[data-hx-swap-oob="true"]')
    assert slot.p and "Nous ne trouvons pas" in visible_text(slot)
    assert "Nous ne trouvons pas « Nullepart »" in text(response)


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"lat": "abc", "lon": "0.4"}, "where", "La position reçue n'est pas valide"),
        ({"where": "Mirande", "radius": "-3"}, "radius", "Rayon non valide : la recherche porte sur 10 km."),
        ({"where": "Mirande", "radius": "10000"}, "radius", "Rayon non valide"),
        ({"where": "Mirande", "radius": "loin"}, "radius", "Saisissez un nombre."),
        ({"category": ["inconnue", "alimentation"]}, "category", "Sélectionnez un choix valide"),
        ({"kind": "chateau"}, "kind", "Sélectionnez un choix valide"),
        ({"audience": "martiens"}, "audience", "Sélectionnez un choix valide"),
    ],
)
def test_bad_parameters_get_a_french_message_not_a_500(client, services, params, field, message):
    response = get(client, **params)
    assert response.status_code == 200
    assert message in visible_text(response, f"#erreur-{field}.field-error")
    assert "Votre recherche contient une erreur" in text(response)
    # The rest of the search still runs.
    assert result_titles(response)


def test_radius_fallback_and_unknown_category_keep_the_rest(client, services):
    response = get(client, where="Mirande", radius="-3")
    assert "2 services à moins de 10 km de Mirande" in text(response)
    response = get(client, category=["inconnue", "alimentation"])
    assert sorted(result_titles(response)) == ["Tiers-lieu de Lectoure", "Épicerie solidaire de Mirande"]
    assert checked_categories(response) == ["alimentation"]
    # Nothing in Auch near Mirande: the neighbouring communes suggested are searched without the filter.
    response = get(client, where="Mirande", commune=AUCH, radius="5")
    assert result_titles(response) == []
    neighbours = suggested_neighbours(response)
    assert neighbours and not any("commune=" in link for link in neighbours)


@pytest.mark.parametrize(
    "page, notice", [("abc", "n'est pas valide"), ("0", "au moins 1"), ("99", "voici la dernière")]
)
def test_bad_page_numbers(client, services, page, notice):
    response = get(client, page=page)
    assert response.status_code == 200
    assert notice in text(response)
    assert len(result_titles(response)) == 4


def test_position_from_geolocation(client, services):
    mirande = commune(MIRANDE)
    response = get(client, lat=f"{mirande.latitude:.3f}", lon=f"{mirande.longitude:.3f}", radius="5")
    assert "2 services à moins de 5 km de votre position" in text(response)
    # A typed place wins over a position.
    response = get(client, where="Auch", lat=f"{mirande.latitude:.3f}", lon=f"{mirande.longitude:.3f}")
    assert "à moins de 10 km de Auch" in text(response)


def test_no_result_suggests_wider_radius_neighbours_and_the_helpline(client, services):
    response = get(client, where="Masseube", radius="5")
    assert response.status_code == 200
    body = text(response)
    html = response.content.decode()
    assert "Aucun service à moins de 5 km de Masseube" in body
    # The smallest wider radius that finds something (Mirande is 17 km away).
    assert "Élargir la recherche à 20 km" in body
    assert 'href="/annuaire/?where=Masseube&amp;radius=20"' in html
    neighbours = re.findall(r'<li><a href="/annuaire/\?where=([^"&]+)&amp;radius=5">', html)
    assert 3 <= len(neighbours) <= 6
    assert "Les partenaires ajoutent des lieux chaque mois." in body
    assert 'href="tel:+33800323130"' in html
    assert "0800 323 130" in body
    assert map_data(response)["services"] == []


def test_service_links_only_published_services(client, directory_page):
    draft = service_in(MIRANDE, title="Brouillon caché")
    draft.live = False
    draft.save()
    assert "Brouillon caché" not in text(get(client, where="Mirande"))


# Focused unit tests of the presentation helpers.


def test_formatting_helpers():
    assert search.format_km(3.24) == "3,2"
    assert search.format_km(10.0) == "10"
    assert search.distance_label(0.05) == "à moins de 100 m"
    assert search.distance_label(12.345) == "à 12,3 km"
    assert search.heading_text(1, None, None, False) == "1 service trouvé"
    assert search.heading_text(0, None, None, True) == "Aucun service ouvert maintenant"


def test_query_string_drops_empty_values_and_keeps_repeated_ones():
    params = search.SearchParams(q="colis", where="Auch", lat="43.6", categories=["a", "b"], radius="20")
    assert params.query_string(page=2) == "?q=colis&where=Auch&radius=20&category=a&category=b&page=2"
    assert search.SearchParams().query_string() == "?"


def page_title(response):
    return soup(response).title.get_text()


def test_commune_in_the_url_filters_as_the_api_does(client, services):
    response = get(client, commune=AUCH)
    assert result_titles(response) == ["France Services Auch"]
    assert "1 service trouvé (commune : Auch)" in text(response)
    api = client.get("/api/v1/services", {"commune": AUCH}).json()
    assert [s["title"] for s in api["results"]] == result_titles(response)
    # The form keeps the filter when the resident refines the search.
    assert soup(response).select_one('form input[type="hidden"][name="commune"]')["value"] == AUCH
    # An unknown code is said next to the "where" field, and the rest of the search still applies.
    response = get(client, commune="99999", category="alimentation")
    assert response.status_code == 200
    assert "Commune inconnue : « 99999 »" in text(response)
    assert sorted(result_titles(response)) == ["Tiers-lieu de Lectoure", "Épicerie solidaire de Mirande"]
    assert checked_categories(response) == ["alimentation"]
    # Nothing in Auch near Mirande: the neighbouring communes suggested are searched without the filter.
    response = get(client, where="Mirande", commune=AUCH, radius="5")
    assert result_titles(response) == []
    neighbours = suggested_neighbours(response)
    assert neighbours and not any("commune=" in link for link in neighbours)


def test_title_says_the_query_the_commune_and_the_page(client, directory_page):
    assert page_title(get(client)) == "Trouver de l'aide · Gers Solidaire"
    for n in range(23):
        service_in(MIRANDE, title=f"Permanence {n:02d}", categories=["alimentation"])
    title = page_title(get(client, q="permanence", commune=MIRANDE, page="2"))
    assert title == (
        "23 services trouvés (commune\xa0: Mirande) pour «\xa0permanence\xa0», page 2 sur 2 "
        "– Trouver de l'aide · Gers Solidaire"
    )
    assert page_title(get(client, where="Mirande")).startswith(
        "23 services à moins de 10 km de Mirande, page 1 sur 2 –"
    )
    assert page_title(get(client, where="Nulle-part-sur-Terre")).startswith("Erreur\xa0: Lieu introuvable –")
    # In-place updates (htmx) carry the new title for the document.
    fragment = client.get("/annuaire/", {"q": "permanence"}, headers={"HX-Request": "true"})
    assert (
        page_title(fragment)
        == "23 services trouvés pour «\xa0permanence\xa0», page 1 sur 2 – Trouver de l'aide · Gers Solidaire"
    )


def test_one_filter_set_per_search(client, services, monkeypatch):
    """The facets (counted in the database) and the no-result suggestions reuse the search's own filter set."""
    from django.core.cache import cache

    from directory.search.filters import ServiceFilter

    built = []
    build = ServiceFilter.__init__

    def counted(self, *args, **kwargs):
        built.append(args)
        build(self, *args, **kwargs)

    monkeypatch.setattr(ServiceFilter, "__init__", counted)
    cache.clear()
    # No result: besides the facets, the page tries each wider radius and the same search at any hour.
    params = {
        "q": "introuvable",
        "where": "Mirande",
        "radius": "5",
        "category": "alimentation",
        "open_now": "true",
    }
    response = client.get("/annuaire/", params)
    assert response.status_code == 200 and response.context["search"].count == 0
    assert len(built) == 1
    built.clear()
    # A search that finds something, its facets counted then cached.
    assert client.get("/annuaire/", {"category": "alimentation"}).context["search"].count == 2
    assert client.get("/annuaire/", {"category": "alimentation"}).context["search"].count == 2
    assert len(built) == 2
