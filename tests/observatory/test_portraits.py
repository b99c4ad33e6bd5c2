"""Territory portraits (/observatoire/, /observatoire/<epci>/) and the coverage page, from stored results."""

import pytest
from bs4 import BeautifulSoup

from directory.listings.vocabulary import ServiceKind
from observatory.charts import fmt
from observatory.coverage import compute
from territories.models import Commune, Epci
from tests.directory.factories import ServiceFactory, commune
from tests.spreadsheets import people_csv_rows

from .conftest import add_stops, make_tour
from .test_map import assert_accessible_structure

AUCH, CONDOM, LECTOURE, MIRANDE = "32013", "32107", "32208", "32256"
GRAND_AUCH = "200066926"
GRAND_AUCH_SLUG = "ca-grand-auch-coeur-de-gascogne"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def table_rows(html, caption_start):
    table = next(
        t for t in html.select("table") if t.caption.get_text(" ", strip=True).startswith(caption_start)
    )
    return {
        row.th.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in row.find_all("td")]
        for row in table.select("tbody tr")
    }


@pytest.fixture
def territory(gers):
    auch = commune(AUCH)
    for i in range(3):
        ServiceFactory(title=f"Alimentation Auch {i}", categories=["alimentation"], place__commune=auch)
    ServiceFactory(title="Numérique Auch", categories=["numerique", "alimentation"], place__commune=auch)
    ServiceFactory(title="Condom santé", categories=["sante"], place__commune=commune(CONDOM))
    ServiceFactory(title="Non publié", categories=["sante"], place__commune=auch, live=False)
    tour_service = ServiceFactory(
        title="Camping-car",
        kind=ServiceKind.ITINERANT,
        place=None,
        on_site=False,
        categories=["acces-aux-droits"],
    )
    add_stops(
        make_tour(service=tour_service), MIRANDE, days=[2, 9, 16, 23, 30, 37, 44, 51, 58, 65, 72, 79, 86]
    )
    return compute()


def test_epci_portrait_figures_per_10k_inhabitants(client, territory):
    epci = Epci.objects.get(siren=GRAND_AUCH)
    response = client.get(f"/observatoire/{GRAND_AUCH_SLUG}/")
    assert response.status_code == 200
    html = soup(response)
    figures = {
        div.dt.get_text(" ", strip=True): div.dd.get_text(" ", strip=True)
        for div in html.select(".key-figures div")
    }
    assert figures["Habitants (partie gersoise)"] == fmt(epci.population, 0)
    assert figures["Services publiés"] == "4"
    assert figures["Services pour 10\xa0000 habitants"] == fmt(4 * 10_000 / epci.population)
    # The département: 6 published services (the draft is not one) over every commune's residents.
    population = sum(Commune.objects.values_list("population", flat=True))
    assert figures["Moyenne du Gers"].startswith(fmt(6 * 10_000 / population))
    rows = table_rows(html, "Services par thématique")
    assert rows["Alimentation"][:3] == ["4", fmt(4 * 10_000 / epci.population), fmt(4 * 10_000 / population)]
    assert rows["Santé"][0] == "0"
    gap = (4 / epci.population) / (4 / population) - 1
    assert rows["Alimentation"][3] == f"+{round(gap * 100)}\u202f%"
    # The chart is an image with a title and a description, followed by its table.
    svg = html.select_one("figure.chart svg")
    assert svg["role"] == "img" and svg.title.get_text() and svg.desc.get_text()
    assert svg.find_parent("figure").find_next_sibling().select_one("table")
    # Its services, live: published ones only.
    listed = [a.get_text() for a in html.select(".observatory-service-list a")]
    assert sorted(listed) == [
        "Alimentation Auch 0",
        "Alimentation Auch 1",
        "Alimentation Auch 2",
        "Numérique Auch",
    ]
    assert "Non publié" not in response.content.decode()
    assert (
        html.select_one("#carte-epci")["data-geojson-url"]
        == f"/annuaire/carte/services.geojson?epci={GRAND_AUCH}"
    )
    assert "Données au" in html.select_one(".data-date").get_text()


def test_itinerant_service_counts_where_its_tour_stops(client, territory):
    mirande_epci = commune(MIRANDE).epci
    from observatory.portraits import epci_slug

    html = soup(client.get(f"/observatoire/{epci_slug(mirande_epci)}/"))
    figures = {
        div.dt.get_text(" ", strip=True): div.dd.get_text(" ", strip=True)
        for div in html.select(".key-figures div")
    }
    assert figures["Services publiés"] == "1 dont 1 itinérant"
    stops = html.find("h3", string="Passages itinérants à venir").find_next("ul").get_text(" ", strip=True)
    assert (
        "Camping-car solidaire à Mirande\xa0: 13 passages prévus d'ici 90 jours (chaque semaine ou plus)"
        in stops
    )


def test_departement_page_sums_up_the_epcis(client, territory):
    response = client.get("/observatoire/")
    assert response.status_code == 200
    html = soup(response)
    rows = table_rows(html, "Services publiés par intercommunalité")
    assert len(rows) == Epci.objects.count()
    epci = Epci.objects.get(siren=GRAND_AUCH)
    assert rows[epci.name][:2] == [fmt(epci.population, 0), "4"]
    link = html.find("a", string=epci.name)
    assert link["href"] == f"/observatoire/{GRAND_AUCH_SLUG}/"
    categories = table_rows(html, "Services publiés par thématique")
    assert categories["Alimentation"][0] == "4" and categories["Santé"][0] == "1"
    cantons = table_rows(html, "Services publiés par canton")
    # 5 services with a place, and the itinerant one where its tour stops.
    assert sum(int(v[2]) for v in cantons.values()) == 6
    coverage = table_rows(html, "Communes et habitants")
    assert set(coverage) >= {"Alimentation", "Santé", "Logement"}
    # Nobody offers housing help: every commune is beyond 10 km.
    assert coverage["Logement"][0] == fmt(Commune.objects.count(), 0)
    assert_accessible_structure(html)
    assert all(tag.get("src") for tag in html.find_all("script"))
    assert not html.find_all("style") and not html.select("[style]")


def test_epci_by_siren_leads_to_its_page_and_unknown_is_404(client, territory):
    response = client.get(f"/observatoire/{GRAND_AUCH}/")
    assert response.status_code == 301 and response["Location"] == f"/observatoire/{GRAND_AUCH_SLUG}/"
    assert client.get("/observatoire/nulle-part/").status_code == 404
    assert client.get("/observatoire/999999999/").status_code == 404


def test_coverage_page_map_legend_and_most_distant_table(client, territory):
    response = client.get("/observatoire/couverture/", {"category": "sante"})
    assert response.status_code == 200
    html = soup(response)
    svg = html.select_one("svg.coverage-map__svg")
    assert svg["role"] == "img"
    assert len(svg.find_all("circle")) == Commune.objects.count()
    condom = svg.find("title", string="Condom : 0 km")
    assert condom.parent["class"] == ["band", "band--b10"]
    legend = table_rows(html, "Légende")
    assert sum(int(v[0].replace("\u202f", "")) for v in legend.values()) == Commune.objects.count()
    distant = table_rows(html, "Les 30 communes les plus éloignées")
    assert len(distant) == 30
    # The table says in words what the colour says.
    first = next(iter(distant.values()))
    assert first[3] == "plus de 30 km" and "Condom santé (Condom)" in first[4]
    assert_accessible_structure(html)
    assert not html.select("[style]")


def test_coverage_page_shows_itinerant_frequency(client, territory):
    html = soup(client.get("/observatoire/couverture/", {"category": "acces-aux-droits"}))
    text = html.get_text(" ", strip=True)
    assert "Itinérant\xa0: 13 passages prévus d'ici 90 jours (chaque semaine ou plus)" in text


def test_coverage_page_unknown_category_gets_a_french_message(client, territory):
    response = client.get("/observatoire/couverture/", {"category": "<script>"})
    assert response.status_code == 200
    text = soup(response).select_one(".error-summary").get_text(" ", strip=True)
    assert "Thématique inconnue : « <script> »" in text
    assert b"<script>\xc2\xbb" not in response.content  # escaped
    assert soup(response).h1.get_text(" ", strip=True).endswith("Alimentation")


def test_coverage_csv_export(client, territory):
    response = client.get("/observatoire/couverture.csv", {"category": "sante"})
    assert response["Content-Disposition"] == 'attachment; filename="couverture-sante.csv"'
    rows = people_csv_rows(response.content)
    assert len(rows) == Commune.objects.count()
    condom = next(r for r in rows if r["code_insee"] == CONDOM)
    # A decimal comma: French Excel reads a number, not text.
    assert condom["distance_km"] == "0,0" and condom["au_dela_de_10_km"] == "non"
    assert any("," in r["distance_km"] and r["distance_km"] != "0,0" for r in rows)
    assert condom["aide_la_plus_proche"] == "Condom santé"
    everything = client.get("/observatoire/couverture.csv")
    assert len(people_csv_rows(everything.content)) == Commune.objects.count() * 11
    refused = client.get("/observatoire/couverture.csv", {"category": "rien"})
    assert refused.status_code == 400 and "thématique inconnue" in refused.content.decode()


def test_pages_before_the_first_computation(client, gers, django_capture_on_commit_callbacks):
    ServiceFactory(categories=["alimentation"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get("/observatoire/")
    assert response.status_code == 200
    assert "Les chiffres sont en cours de calcul" in response.content.decode()
    assert client.get("/observatoire/couverture.csv").status_code == 503
    # The page asked for the computation; once it has run, the figures are there.
    for callback in callbacks:
        callback()
    page = client.get("/observatoire/").content.decode()
    assert "en cours de calcul" not in page and "Données au" in page


def test_pages_render_inside_the_full_site_layout(client, demo_site, territory):
    # The demo site brings the menu and the footer: their template tags read `page`, which these views never set.
    for path in (
        "/annuaire/carte/?epci=200066926",
        "/observatoire/",
        f"/observatoire/{GRAND_AUCH_SLUG}/",
        "/observatoire/couverture/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "0800 323 130" in response.content.decode()
