"""The officials' map (/annuaire/carte/): filters, sortable table, CSV and GeoJSON exports."""

import json

import pytest
from bs4 import BeautifulSoup
from django.urls import resolve

from directory.listings.vocabulary import ServiceKind
from observatory import views
from tests.directory.factories import ServiceFactory, commune
from tests.spreadsheets import people_csv_rows

AUCH, CONDOM, MIRANDE = "32013", "32107", "32256"
GRAND_AUCH, TENAREZE = "200066926", "243200417"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def table_titles(response):
    return [
        row.th.get_text(strip=True) for row in soup(response).select("table.data-table tbody tr") if row.th
    ]


@pytest.fixture
def services(gers):
    return {
        "auch_food": ServiceFactory(
            title="Épicerie solidaire d'Auch", categories=["alimentation"], place__commune=commune(AUCH)
        ),
        "auch_digital": ServiceFactory(
            title="Atelier numérique",
            categories=["numerique"],
            kind=ServiceKind.THIRD_PLACE,
            place__commune=commune(AUCH),
        ),
        "condom_food": ServiceFactory(
            title="Banque alimentaire de Condom", categories=["alimentation"], place__commune=commune(CONDOM)
        ),
        "mirande_rights": ServiceFactory(
            title="Point d'accès aux droits", categories=["acces-aux-droits"], place__commune=commune(MIRANDE)
        ),
        "hidden": ServiceFactory(title="Brouillon invisible", categories=["alimentation"], live=False),
        "phone_only": ServiceFactory(title="Écoute téléphonique", place=None, on_site=False, by_phone=True),
    }


def test_map_is_routed_before_the_service_pages(db):
    assert resolve("/annuaire/carte/").func is views.services_map


def test_map_lists_published_services_with_a_point(client, services):
    response = client.get("/annuaire/carte/")
    assert response.status_code == 200
    titles = table_titles(response)
    assert titles == sorted(titles, key=lambda t: t.lower().replace("é", "e"))
    assert set(titles) == {
        "Épicerie solidaire d'Auch",
        "Atelier numérique",
        "Banque alimentaire de Condom",
        "Point d'accès aux droits",
    }
    html = soup(response)
    assert "Brouillon invisible" not in response.content.decode()
    # The phone-only service is not on the map, and the page says so.
    assert "1 service publié ne figure pas sur la carte" in html.get_text(" ", strip=True)
    map_el = html.select_one("#carte-services")
    assert map_el.has_attr("hidden") and map_el["data-geojson-url"] == "/annuaire/carte/services.geojson"
    assert html.select_one(".observatory-legend h2").get_text() == "Légende de la carte"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "alimentation"}, {"Épicerie solidaire d'Auch", "Banque alimentaire de Condom"}),
        (
            {"category": ["alimentation", "acces-aux-droits"]},
            {"Épicerie solidaire d'Auch", "Banque alimentaire de Condom", "Point d'accès aux droits"},
        ),
        ({"kind": "third_place"}, {"Atelier numérique"}),
        ({"epci": GRAND_AUCH}, {"Épicerie solidaire d'Auch", "Atelier numérique"}),
        ({"epci": TENAREZE, "category": "alimentation"}, {"Banque alimentaire de Condom"}),
        ({"canton": "3215"}, {"Point d'accès aux droits"}),  # Mirande-Astarac
    ],
)
def test_map_filters(client, services, params, expected):
    response = client.get("/annuaire/carte/", params)
    assert set(table_titles(response)) == expected
    # The form keeps the choices, and the exports carry the same filters.
    html = soup(response)
    for name, values in params.items():
        for value in values if isinstance(values, list) else [values]:
            field = html.select_one(f'[name="{name}"][value="{value}"]') or html.select_one(
                f'select[name="{name}"] option[value="{value}"]'
            )
            assert field.has_attr("checked") or field.has_attr("selected")
    csv_link = html.find("a", string="Télécharger la sélection en CSV")["href"]
    rows = people_csv_rows(client.get(csv_link).content)
    assert {row["nom"] for row in rows} == expected


def test_table_sorts_by_column_with_plain_links(client, services):
    response = client.get("/annuaire/carte/", {"tri": "-commune"})
    communes = [row.find_all("td")[2].get_text(strip=True) for row in soup(response).select("tbody tr")]
    assert communes == ["Mirande", "Condom", "Auch", "Auch"]
    header = soup(response).select_one('th[aria-sort="descending"]')
    assert header.a.get_text(" ", strip=True).startswith("Commune")
    # Following the header link again sorts the other way.
    assert "tri=commune" in header.a["href"]
    ascending = [
        row.find_all("td")[2].get_text(strip=True)
        for row in soup(client.get("/annuaire/carte/?tri=commune")).select("tbody tr")
    ]
    assert ascending == ["Auch", "Auch", "Condom", "Mirande"]


def test_bad_filter_values_get_a_french_message_not_an_error(client, services):
    response = client.get(
        "/annuaire/carte/",
        {
            "epci": "123",
            "kind": "fusee",
            "category": ["inconnue", "alimentation"],
            "canton": "x",
            "tri": "?",
            "page": "zz",
        },
    )
    assert response.status_code == 200
    text = soup(response).select_one(".error-summary").get_text(" ", strip=True)
    assert "Intercommunalité : Intercommunalité inconnue : « 123 »" in text
    assert "Type de lieu : Sélectionnez un choix valide" in text
    assert "Canton : Sélectionnez un choix valide" in text
    assert "Les thématiques inconnues ont été ignorées." in text
    assert "Tri inconnu" in text
    # The valid filter still applies.
    assert set(table_titles(response)) == {"Épicerie solidaire d'Auch", "Banque alimentaire de Condom"}
    for export in ("/annuaire/carte/services.csv", "/annuaire/carte/services.geojson"):
        refused = client.get(export, {"epci": "123"})
        assert refused.status_code == 400
        assert "Intercommunalité : Intercommunalité inconnue : « 123 »" in refused.content.decode()
    for params in ({"lat": "abc", "lon": "0.5"}, {"radius": "5"}, {"lat": "95", "lon": "0"}):
        assert client.get("/annuaire/carte/", params).status_code == 200


def test_csv_export_neutralises_formulas(client, gers, settings):
    ServiceFactory(
        title='=HYPERLINK("http://exemple.org")',
        organisation__name="+Association",
        categories=["alimentation"],
        phone="+33562000000",
    )
    ServiceFactory(title="@SUM(A1)", organisation__name="-Moins", categories=["sante"])
    response = client.get("/annuaire/carte/services.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="services-gers.csv"'
    rows = people_csv_rows(response.content)
    by_name = {row["nom"]: row for row in rows}
    assert set(by_name) == {'\'=HYPERLINK("http://exemple.org")', "'@SUM(A1)"}
    assert by_name['\'=HYPERLINK("http://exemple.org")']["structure"] == "'+Association"
    # A plain number is left alone (a phone number with its prefix).
    assert by_name['\'=HYPERLINK("http://exemple.org")']["telephone"] == "+33562000000"
    assert by_name["'@SUM(A1)"]["structure"] == "'-Moins"
    assert by_name["'@SUM(A1)"]["code_insee"] == AUCH
    assert by_name["'@SUM(A1)"]["url"].startswith(settings.SITE_URL + "/annuaire/")


def test_csv_export_opens_in_french_excel(client, services):
    """BOM, `;` and decimal commas (coordinates are numbers for the spreadsheet, not text)."""
    response = client.get("/annuaire/carte/services.csv", {"epci": GRAND_AUCH})
    rows = {row["nom"]: row for row in people_csv_rows(response.content)}
    place = services["auch_food"].place
    food = rows["Épicerie solidaire d'Auch"]
    assert food["latitude"] == str(place.latitude).replace(".", ",")
    assert food["longitude"] == str(place.longitude).replace(".", ",")
    assert food["thematiques"] == "Alimentation"


def test_geojson_export_is_rfc_7946(client, services, settings):
    response = client.get("/annuaire/carte/services.geojson", {"epci": GRAND_AUCH})
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["nom"]: f for f in collection["features"]}
    assert set(features) == {"Épicerie solidaire d'Auch", "Atelier numérique"}
    place = services["auch_food"].place
    feature = features["Épicerie solidaire d'Auch"]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(place.longitude, 6), round(place.latitude, 6)],  # longitude first
    }
    assert feature["properties"]["thematiques"] == ["Alimentation"]
    assert feature["properties"]["url"] == f"{settings.SITE_URL}/annuaire/{services['auch_food'].slug}/"
    download = client.get("/annuaire/carte/services.geojson", {"download": "1"})
    assert download["Content-Disposition"] == 'attachment; filename="services-gers.geojson"'


def test_unpublished_services_are_never_exported(client, services):
    for url in (
        "/annuaire/carte/services.csv",
        "/annuaire/carte/services.geojson",
        "/annuaire/carte/?category=alimentation",
    ):
        assert "Brouillon invisible" not in client.get(url).content.decode()


def test_map_page_markup_is_csp_safe_and_accessible(client, services):
    response = client.get("/annuaire/carte/")
    html = soup(response)
    assert all(tag.get("src") for tag in html.find_all("script"))
    assert not html.find_all("style") and not html.select("[style]")
    assert_accessible_structure(html)
    table = html.select_one("table.data-table")
    assert table.caption and all(th.get("scope") == "col" for th in table.thead.find_all("th"))


def assert_accessible_structure(html):
    """One h1, no skipped heading level, every table with a caption and scoped headers."""
    levels = [int(h.name[1]) for h in html.find("main").find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    for table in html.find("main").find_all("table"):
        assert table.caption and table.caption.get_text(strip=True)
        assert all(th.get("scope") in {"col", "row", "colgroup"} for th in table.find_all("th"))


def test_stale_listings_are_flagged_in_the_geojson_and_the_map_has_the_popup_label(client, services):
    import datetime as dt

    from directory.models import Service

    stale = services["condom_food"]
    Service.objects.filter(pk=stale.pk).update(last_verified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    features = json.loads(client.get("/annuaire/carte/services.geojson").content)["features"]
    flags = {f["properties"]["nom"]: f["properties"]["a_verifier"] for f in features}
    assert flags[stale.title] is True
    assert not any(flag for name, flag in flags.items() if name != stale.title)
    map_el = soup(client.get("/annuaire/carte/")).find(id=True, attrs={"data-geojson-url": True})
    assert map_el["data-stale-label"] == "Informations à vérifier"
