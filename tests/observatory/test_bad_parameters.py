"""Garbage in every query parameter of the map, its exports and the observatory pages: never a 500.

The parameters are not a hand-kept list: they are read from the map's FilterSet and from what the pages themselves
offer (form fields, and the query strings of their own links: sort, pagination, downloads).
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup

from observatory.coverage import compute
from observatory.selection import MapFilter
from tests.directory.factories import ServiceFactory, commune

GARBAGE = ["inconnue", "-zzz", "0", "-1", "1e999", "nan", "é'\"<script>", "\x00", "x" * 500]

PAGES = ["/annuaire/carte/", "/observatoire/", "/observatoire/couverture/", "/observatoire/200066926/"]
# Each export, and the page whose error summary must tell the same refusal to people.
EXPORTS = {
    "/annuaire/carte/services.csv": "/annuaire/carte/",
    "/annuaire/carte/services.geojson": "/annuaire/carte/",
    "/observatoire/couverture.csv": "/observatoire/couverture/",
}


@pytest.fixture
def observatory(gers):
    ServiceFactory(title="Épicerie d'Auch", categories=["alimentation"], place__commune=commune("32013"))
    ServiceFactory(title="Atelier de Condom", categories=["numerique"], place__commune=commune("32107"))
    compute()


def offered_parameters(client, url):
    """The query parameters a page offers: its form fields and the parameters of its own links."""
    html = BeautifulSoup(client.get(url, follow=True).content, "html.parser")
    main = html.find("main")
    names = {
        field["name"] for field in main.select("[name]") if field.name in ("input", "select", "textarea")
    }
    path = urlsplit(url).path
    for link in main.select("a[href]"):
        parts = urlsplit(link["href"])
        if parts.query and (not parts.path or parts.path.startswith(("/annuaire/carte", "/observatoire"))):
            names |= {name for name, _value in parse_qsl(parts.query, keep_blank_values=True)}
    assert path
    return names


def parameters_of(client, url):
    names = offered_parameters(client, url)
    if url.startswith("/annuaire/carte/"):
        names |= set(MapFilter.base_filters)
    return names


def test_the_enumeration_finds_the_parameters(client, observatory):
    map_names = parameters_of(client, "/annuaire/carte/")
    assert {"category", "kind", "epci", "canton", "tri", "q", "commune", "lat", "open_now"} <= map_names
    assert "category" in parameters_of(client, "/observatoire/couverture/")


def test_garbage_in_any_parameter_never_answers_500(client, observatory):
    pages_seen = {}
    for export, page in EXPORTS.items():
        for name in sorted(parameters_of(client, page) | {"download"}):
            for value in GARBAGE:
                params = {name: value}
                response = client.get(export, params)
                assert response.status_code in (200, 400), (export, params, response.status_code)
                key = (page, name, value)
                shown = pages_seen[key] = pages_seen.get(key) or client.get(page, params)
                assert shown.status_code == 200, (page, params, shown.status_code)
                if response.status_code == 400:
                    body = response.content.decode()
                    assert response["Content-Type"] == "text/plain; charset=utf-8"
                    # The parameter is named for scripts, the rest is French for people.
                    # (lat alone is refused as a missing lon: "Indiquez à la fois la latitude (lat)…")
                    assert f"« {name} »" in body or f"({name})" in body, (export, params, body)
                    assert body.startswith("Paramètres refusés"), body
                    summary = BeautifulSoup(shown.content, "html.parser").select_one(".error-summary")
                    assert summary is not None, (page, params)
    for url in PAGES:
        for name in sorted(offered_parameters(client, url) | {"page", "category", "tri"}):
            for value in GARBAGE:
                response = client.get(url, {name: value}, follow=True)
                assert response.status_code == 200, (url, name, value, response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        "category=inconnue",
        "tri=zzz",
        "category=inconnue&category=alimentation",
        "kind=fusee&tri=-zzz",
        "lat=abc&lon=0.5",
        "radius=5",
    ],
)
@pytest.mark.parametrize("export", ["services.csv", "services.geojson"])
def test_map_exports_refuse_bad_parameters_with_400(client, observatory, export, query):
    response = client.get(f"/annuaire/carte/{export}?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    first = query.split("=")[0]
    assert f"« {first} »" in body


def test_unknown_sort_names_the_parameter(client, observatory):
    body = client.get("/annuaire/carte/services.csv?tri=zzz").content.decode()
    assert "Paramètre « tri »" in body and "Tri inconnu" in body
