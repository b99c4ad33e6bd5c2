"""The open JSON API (/api/v1/): the public contracts of DESIGN.md, through HTTP."""

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from directory.listings import hours
from directory.listings.vocabulary import ServiceKind
from territories.gazetteer import haversine_km
from tests.directory.factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune

pytestmark = pytest.mark.django_db

AUCH = (43.6465, 0.5855)
LIST_KEYS = {
    "slug",
    "url",
    "title",
    "summary",
    "kind",
    "status",
    "organisation",
    "categories",
    "audiences",
    "address",
    "postcode",
    "commune",
    "epci",
    "latitude",
    "longitude",
    "phone",
    "email",
    "opening_hours",
    "open_now",
    "today_hours",
    "fees",
    "appointment_required",
    "last_verified_at",
    "stale",
    "updated_at",
}


def get(client, path, query=None, **headers):
    """GET with a query given as a list of pairs (repeatable) or a raw string."""
    if isinstance(query, str):
        path = f"{path}?{query}"
    elif query:
        path = f"{path}?{urlencode(query)}"
    return client.get(path, **headers)


def services(client, query=None):
    response = get(client, "/api/v1/services", query)
    assert response.status_code == 200, response.content
    return response.json()


def titles(client, query=None):
    return [r["title"] for r in services(client, query)["results"]]


def at(lat, lon, **kwargs):
    return ServiceFactory(place=PlaceFactory(latitude=lat, longitude=lon), **kwargs)


# ---------------------------------------------------------------------------------------------------------
# The list and its shape.


def test_list_shape_and_contact_fallbacks(client, gers):
    organisation = OrganisationFactory(
        name="Croix-Rouge d'Auch", phone="05 62 11 22 33", email="auch@exemple.org"
    )
    service = ServiceFactory(
        organisation=organisation,
        title="Épicerie solidaire",
        categories=["alimentation", "budget"],
        audiences=["familles"],
        phone="",
        email="",
    )
    body = services(client)
    assert body["count"] == 1 and body["limit"] == 20 and body["offset"] == 0
    assert body["next"] is None and body["previous"] is None
    [item] = body["results"]
    assert set(item) == LIST_KEYS  # no distance_km without a point
    assert item["slug"] == service.slug
    assert item["url"] == f"http://testserver/annuaire/{service.slug}/"
    assert item["organisation"] == {"name": "Croix-Rouge d'Auch", "slug": organisation.slug}
    assert item["categories"] == ["alimentation", "budget"]
    assert item["audiences"] == ["familles"]
    assert item["commune"] == {"insee_code": "32013", "name": "Auch"}
    assert item["epci"] == {"siren": "200066926", "name": "CA Grand Auch Coeur de Gascogne"}
    assert item["phone"] == "05 62 11 22 33" and item["email"] == "auch@exemple.org"
    assert item["kind"] == "permanence" and item["status"] == "open" and item["fees"] == "free"
    assert item["opening_hours"] == "Mo-Fr 09:00-12:00,14:00-17:00; PH off"
    assert isinstance(item["open_now"], bool)
    assert item["latitude"] == service.place.latitude and item["longitude"] == service.place.longitude


def test_service_without_place(client, gers):
    ServiceFactory(title="Numéro Vert Social", place=None, on_site=False, by_phone=True, opening_hours="")
    [item] = services(client)["results"]
    assert item["commune"] is None and item["epci"] is None and item["latitude"] is None
    assert item["address"] == "" and item["open_now"] is None and item["today_hours"] is None


def test_paging_links(client, gers):
    for n in range(5):
        ServiceFactory(title=f"Service {n}")
    body = services(client, [("limit", 2), ("offset", 2), ("kind", "permanence")])
    assert [r["title"] for r in body["results"]] == ["Service 2", "Service 3"]
    assert body["count"] == 5
    next_query = parse_qs(urlparse(body["next"]).query)
    assert next_query == {"limit": ["2"], "offset": ["4"], "kind": ["permanence"]}
    assert parse_qs(urlparse(body["previous"]).query)["offset"] == ["0"]
    last = services(client, [("limit", 2), ("offset", 4)])
    assert last["next"] is None and len(last["results"]) == 1
    beyond = services(client, [("offset", 10**9)])
    assert beyond["results"] == [] and beyond["count"] == 5


# ---------------------------------------------------------------------------------------------------------
# Distance, radius, filters.


def test_distance_order_and_distance_km_only_with_a_point(client, gers):
    far = at(43.90, 0.30, title="Loin")
    near = at(43.65, 0.59, title="Près")
    middle = at(43.70, 0.50, title="Entre les deux")
    body = services(client, [("lat", AUCH[0]), ("lon", AUCH[1])])
    assert [r["title"] for r in body["results"]] == ["Près", "Entre les deux", "Loin"]
    for item, service in zip(body["results"], (near, middle, far), strict=True):
        exact = haversine_km(*AUCH, service.place.latitude, service.place.longitude)
        assert item["distance_km"] == pytest.approx(exact, abs=0.006)
        assert item["distance_km"] == round(item["distance_km"], 2)
    assert all("distance_km" not in r for r in services(client)["results"])


def test_radius_boundary(client, gers):
    # Due north of Auch, just inside and just outside 10 km (1° of latitude ≈ 111.195 km).
    inside = at(AUCH[0] + 9.95 / 111.195, AUCH[1], title="Dedans")
    outside = at(AUCH[0] + 10.05 / 111.195, AUCH[1], title="Dehors")
    assert (
        haversine_km(*AUCH, inside.place.latitude, AUCH[1])
        < 10
        < haversine_km(*AUCH, outside.place.latitude, AUCH[1])
    )
    point = [("lat", AUCH[0]), ("lon", AUCH[1])]
    assert titles(client, [*point, ("radius", 10)]) == ["Dedans"]
    assert titles(client, [*point, ("radius", 20)]) == ["Dedans", "Dehors"]


def test_category_is_repeatable_with_or_semantics(client, gers):
    ServiceFactory(title="Colis", categories=["alimentation"])
    ServiceFactory(title="Atelier", categories=["numerique"])
    ServiceFactory(title="Les deux", categories=["alimentation", "numerique"])
    ServiceFactory(title="Logement", categories=["logement"])
    assert titles(client, [("category", "alimentation")]) == ["Colis", "Les deux"]
    # A service in both categories appears once.
    assert titles(client, [("category", "alimentation"), ("category", "numerique")]) == [
        "Atelier",
        "Colis",
        "Les deux",
    ]


def test_unknown_category_names_the_parameter(client, gers):
    response = get(client, "/api/v1/services", [("category", "alimentation"), ("category", "inconnue")])
    assert response.status_code == 400
    assert "category" in response.json()["errors"]


def test_kind_commune_and_epci_filters(client, gers):
    ServiceFactory(
        title="Tiers-lieu de Lectoure",
        kind=ServiceKind.THIRD_PLACE,
        place=PlaceFactory(commune=commune("32208")),
    )
    ServiceFactory(title="Permanence de Fleurance", place=PlaceFactory(commune=commune("32132")))
    ServiceFactory(title="Permanence d'Auch", place=PlaceFactory(commune=commune("32013")))
    assert titles(client, [("kind", "third_place")]) == ["Tiers-lieu de Lectoure"]
    assert titles(client, [("commune", "32132")]) == ["Permanence de Fleurance"]
    # Lectoure and Fleurance both belong to the CC de la Lomagne Gersoise.
    assert titles(client, [("epci", "243200391")]) == ["Permanence de Fleurance", "Tiers-lieu de Lectoure"]
    assert titles(client, [("epci", "243200391"), ("kind", "permanence")]) == ["Permanence de Fleurance"]


def test_text_search_ignores_accents(client, gers):
    ServiceFactory(title="Atelier numérique")
    ServiceFactory(title="Colis alimentaire")
    assert titles(client, [("q", "numerique")]) == ["Atelier numérique"]
    assert titles(client, [("q", "NUMÉRIQUE")]) == ["Atelier numérique"]


@pytest.mark.parametrize(
    ("clock", "is_open"),
    [((16, 55), True), ((17, 5), False)],
    ids=["5 minutes before closing", "5 minutes after closing"],
)
def test_open_now_around_closing_time(client, gers, time_machine, clock, is_open):
    # Tuesday 11 March 2025, not a public holiday; the service closes at 17:00.
    time_machine.move_to(dt.datetime(2025, 3, 11, *clock, tzinfo=hours.PARIS), tick=False)
    ServiceFactory(title="Permanence", opening_hours="Mo-Fr 09:00-12:00,14:00-17:00; PH off")
    ServiceFactory(title="Sans horaires", opening_hours="")
    [item] = [r for r in services(client)["results"] if r["title"] == "Permanence"]
    assert item["open_now"] is is_open
    assert item["today_hours"] == "9 h 00 – 12 h 00, 14 h 00 – 17 h 00"
    assert titles(client, [("open_now", "true")]) == (["Permanence"] if is_open else [])
    assert ("Permanence" in titles(client, [("open_now", "false")])) is (not is_open)


# ---------------------------------------------------------------------------------------------------------
# Bad input: 400 naming the parameter, never 500.

INVALID = [
    ("lat=abc&lon=0.58", "lat"),
    ("lat=95&lon=0.58", "lat"),
    ("lat=43.6&lon=200", "lon"),
    ("lat=43.6&lon=0.58&radius=-3", "radius"),
    ("lat=43.6&lon=0.58&radius=10000", "radius"),
    ("lat=43.6&lon=0.58&radius=abc", "radius"),
    ("lat=nan&lon=0.58", "lat"),
    ("lat=inf&lon=0.58", "lat"),
    ("category=inconnue", "category"),
    ("kind=chateau", "kind"),
    ("commune=99999", "commune"),
    ("epci=123", "epci"),
    ("audience=martiens", "audience"),
    ("limit=1000000000", "limit"),
    ("limit=0", "limit"),
    ("limit=abc", "limit"),
    ("limit=1.5", "limit"),
    ("offset=-1", "offset"),
    ("offset=abc", "offset"),
    ("offset=1000000001", "offset"),
    ("offset=" + "9" * 5000, "offset"),
    ("lat=43.6", "lon"),
    ("lon=0.58", "lat"),
    ("radius=10", "radius"),
    ("q=" + "a" * 201, "q"),
    ("q=%00", "q"),
    ("lat=%00&lon=1", "lat"),
    ("category=%00", "category"),
    ("commune=%00", "commune"),
    ("kind=%00", "kind"),
    ("limit=%00", "limit"),
]


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/services.geojson"])
@pytest.mark.parametrize(("query", "parameter"), INVALID, ids=[q[:40] for q, _ in INVALID])
def test_invalid_parameters_answer_400_naming_them(client, gers, path, query, parameter):
    response = get(client, path, query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert parameter in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][parameter])
    assert parameter in body["detail"] and body["detail"].startswith("Paramètres invalides")


def test_several_errors_at_once(client, gers):
    body = get(client, "/api/v1/services", "lat=95&lon=0&limit=0&offset=-1&category=x").json()
    assert set(body["errors"]) == {"lat", "limit", "offset", "category"}


WEIRD = [
    "q=" + "é" * 150,
    "q=%F0%9F%8D%9E+pain",
    "q=%ED%A0%80",
    "q='%3B+DROP+TABLE+directory_service%3B--",
    "q=%25%25%5F",
    "category=" + "x" * 100_000,
    "&".join(["category=alimentation"] * 500),
    "lat=43.6&lat=44&lon=0.5&lon=0.6",
    "limit=5&limit=10",
    "open_now=maybe",
    "commune=" + "3" * 10_000,
    "lat=1e308&lon=1e308",
    "lat=-0&lon=-0&radius=0.1",
    "%00=%00",
    "=",
    "&&&",
    "lat=%E2%80%8B43.6&lon=0.5",
]


@pytest.mark.parametrize("path", ["/api/v1/services", "/api/v1/services.geojson", "/api/v1/communes"])
@pytest.mark.parametrize("query", WEIRD, ids=[q[:30] for q in WEIRD])
def test_weird_input_never_fails(client, gers, path, query):
    ServiceFactory(title="Colis", categories=["alimentation"])
    response = get(client, path, query)
    assert response.status_code in {200, 400}, response.content[:500]
    assert response["Content-Type"].startswith(("application/json", "application/geo+json"))
    if response.status_code == 400:
        assert response.json()["errors"]


def test_too_many_parameters_is_a_json_400(client, gers):
    response = get(client, "/api/v1/services", "&".join(f"p{n}=1" for n in range(1200)))
    assert response.status_code == 400
    assert "query" in response.json()["errors"]


# ---------------------------------------------------------------------------------------------------------
# Detail, GeoJSON, communes.


def test_detail(client, gers):
    service = ServiceFactory(title="Point Conseil Budget", description="Aide à faire ses comptes.")
    response = client.get(f"/api/v1/services/{service.slug}")
    assert response.status_code == 200
    body = response.json()
    assert LIST_KEYS <= set(body)
    assert body["title"] == "Point Conseil Budget" and body["description"] == "Aide à faire ses comptes."
    assert body["accessibility"]["step_free_access"] is None
    assert "distance_km" not in body


@pytest.mark.parametrize("slug", ["inconnu", "x" * 500, "%00", "%C3%A9t%C3%A9"])
def test_detail_unknown_is_a_french_json_404(client, gers, slug):
    response = client.get(f"/api/v1/services/{slug}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "Aucun service publié" in response.json()["detail"]


def test_geojson(client, gers):
    service = ServiceFactory(title="Tiers-lieu", place=PlaceFactory(latitude=43.94, longitude=0.65))
    ServiceFactory(title="Par téléphone", place=None, on_site=False, by_phone=True)
    response = client.get("/api/v1/services.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["count"] == 1
    [feature] = collection["features"]
    assert feature["type"] == "Feature" and feature["id"] == service.slug
    # RFC 7946: [longitude, latitude].
    assert feature["geometry"] == {"type": "Point", "coordinates": [0.65, 43.94]}
    assert feature["properties"]["title"] == "Tiers-lieu"
    assert "distance_km" not in feature["properties"]


def test_geojson_filters_and_limits(client, gers):
    at(43.65, 0.59, title="Près", categories=["alimentation"])
    at(43.90, 0.30, title="Loin", categories=["alimentation"])
    at(43.66, 0.58, title="Autre", categories=["logement"])
    body = get(
        client, "/api/v1/services.geojson", [("category", "alimentation"), ("lat", AUCH[0]), ("lon", AUCH[1])]
    ).json()
    assert [f["properties"]["title"] for f in body["features"]] == ["Près", "Loin"]
    assert all("distance_km" in f["properties"] for f in body["features"])
    assert body["limit"] == 500
    assert get(client, "/api/v1/services.geojson", "limit=5000").status_code == 200
    assert get(client, "/api/v1/services.geojson", "limit=5001").status_code == 400


def test_communes_autocomplete(client, gers):
    body = get(client, "/api/v1/communes", [("q", "auch")]).json()
    assert body[0] == {
        "insee_code": "32013",
        "name": "Auch",
        "postal_codes": ["32000"],
        "latitude": pytest.approx(43.65327),
        "longitude": pytest.approx(0.57496),
    }
    assert [c["name"] for c in get(client, "/api/v1/communes", [("q", "32000")]).json()][:1] == ["Auch"]
    assert get(client, "/api/v1/communes").json() == []
    assert len(get(client, "/api/v1/communes", [("q", "a"), ("limit", 20)]).json()) == 20
    response = get(client, "/api/v1/communes", [("q", "a"), ("limit", 21)])
    assert response.status_code == 400 and "limit" in response.json()["errors"]


# ---------------------------------------------------------------------------------------------------------
# Unpublished services never leave the building.


def test_unpublished_services_never_appear(client, gers):
    ServiceFactory(title="Publié")
    draft = ServiceFactory(title="Brouillon", live=False, categories=["alimentation"])
    assert titles(client) == ["Publié"]
    assert titles(client, [("q", "brouillon")]) == []
    assert client.get(f"/api/v1/services/{draft.slug}").status_code == 404
    geojson = client.get("/api/v1/services.geojson").json()
    assert [f["properties"]["title"] for f in geojson["features"]] == ["Publié"]
    for path in (
        "/api/v1/data-inclusion/services",
        "/api/v1/data-inclusion/services.csv",
        "/api/v1/data-inclusion/structures",
        "/api/v1/data-inclusion/structures.csv",
    ):
        content = client.get(path).content.decode()
        assert "Brouillon" not in content and draft.slug not in content
        # The draft's organisation has no published service: it is not exported either.
        assert draft.organisation.name not in content


# ---------------------------------------------------------------------------------------------------------
# Open data: CORS; the OpenAPI document.


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services",
        "/api/v1/services?lat=abc",
        "/api/v1/services.geojson",
        "/api/v1/services/inconnu",
        "/api/v1/communes?q=auch",
        "/api/v1/openapi.json",
        "/api/v1/data-inclusion/services",
        "/api/v1/data-inclusion/structures.csv",
    ],
)
def test_get_is_open_to_every_origin(client, gers, path):
    response = client.get(path, HTTP_ORIGIN="https://carto.exemple.fr")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_preflight(client, gers):
    response = client.options(
        "/api/v1/services",
        HTTP_ORIGIN="https://carto.exemple.fr",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language, x-requested-with",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "accept-language, x-requested-with"
    assert response["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert response["Access-Control-Max-Age"] == "86400"
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_answer_is_the_same_for_every_origin(client, gers):
    # `*` whoever asks, with or without an Origin: nothing varies on it, so caches keep one copy per address.
    for headers in ({"HTTP_ORIGIN": "https://carto.exemple.fr"}, {}):
        response = client.get("/api/v1/communes?q=auch", **headers)
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "origin" not in response.get("Vary", "").lower()


def test_cors_stays_inside_the_api(client, demo_site):
    assert "Access-Control-Allow-Origin" not in client.get("/")


def test_openapi_document_is_truthful(client, gers):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "API France Contact — Gers Solidaire"
    assert document["info"]["version"] == "1"
    paths = document["paths"]
    for path in (
        "/api/v1/services",
        "/api/v1/services.geojson",
        "/api/v1/services/{slug}",
        "/api/v1/communes",
        "/api/v1/data-inclusion/structures",
        "/api/v1/data-inclusion/services",
        "/api/v1/data-inclusion/structures.csv",
        "/api/v1/data-inclusion/services.csv",
    ):
        assert "get" in paths[path], path
    expected = {"q", "category", "kind", "audience", "commune", "epci", "lat", "lon", "radius", "open_now"}
    for path, limit in (("/api/v1/services", 100), ("/api/v1/services.geojson", 5000)):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert expected | {"limit", "offset"} == set(parameters)
        assert all(p["in"] == "query" and "schema" in p and p["description"] for p in parameters.values())
        assert parameters["category"]["schema"]["type"] == "array" and parameters["category"]["explode"]
        assert parameters["lat"]["schema"] == {"type": "number", "minimum": -90, "maximum": 90}
        assert parameters["radius"]["schema"]["maximum"] == 200
        assert parameters["limit"]["schema"]["maximum"] == limit
        assert parameters["offset"]["schema"]["minimum"] == 0
        assert parameters["kind"]["schema"]["enum"] == [k.value for k in ServiceKind]
        # Reference-data parameters list the values the database holds.
        assert "alimentation" in parameters["category"]["schema"]["items"]["enum"]
        assert "tous-publics" in parameters["audience"]["schema"]["items"]["enum"]
        assert "243200391" in parameters["epci"]["schema"]["enum"]
    list_responses = paths["/api/v1/services"]["get"]["responses"]
    assert {"200", "400"} <= set(list_responses)
    assert "distance_km" in document["components"]["schemas"]["ServiceOut"]["properties"]
    assert "application/geo+json" in paths["/api/v1/services.geojson"]["get"]["responses"]["200"]["content"]
    # The data·inclusion exports point at the official models.
    assert "DataInclusionService" in document["components"]["schemas"]
    # Every $ref resolves inside the document.
    schemas = document["components"]["schemas"]
    refs = set()

    def collect(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert refs and all(
        r.startswith("#/components/schemas/") and r.rsplit("/", 1)[1] in schemas for r in refs
    )


def test_docs_page(client, gers):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content


def test_api_root_and_unknown_paths_answer_json(client, gers):
    index = client.get("/api/v1/")
    assert index.status_code == 200
    assert index.json()["openapi"] == "http://testserver/api/v1/openapi.json"
    for path in ("/api/v1/nope", "/api/v1/services/", "/api/v1/services/a/b", "/api/v1/services.json"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response["Access-Control-Allow-Origin"] == "*"


def test_list_answers_match_the_declared_schema(client, gers):
    # The list is answered without a second validation pass: its shape is checked here instead.
    from directory.api.endpoints import ServiceList

    ServiceFactory(title="Épicerie sociale", categories=["alimentation"], audiences=["familles"])
    ServiceFactory(title="Par téléphone", place=None, on_site=False, by_phone=True, opening_hours="")
    for query in ("", "?lat=43.64&lon=0.58&radius=50", "?q=epicerie&category=alimentation"):
        body = client.get("/api/v1/services" + query).json()
        parsed = ServiceList.model_validate(body)
        assert len(parsed.results) == len(body["results"]) >= 1
        fields = set(ServiceList.model_fields["results"].annotation.__args__[0].model_fields)
        for result in body["results"]:
            assert set(result) <= fields


def test_geojson_and_detail_answers_match_their_declared_schemas(client, gers):
    # Filled without validation (serializers.py): the schemas of the OpenAPI document are checked here.
    from directory.api.serializers import ServiceDetailOut, ServiceFeatureCollection

    service = ServiceFactory(title="Épicerie sociale", categories=["alimentation"], audiences=["familles"])
    for query in ("", "?lat=43.64&lon=0.58&radius=50"):
        body = client.get("/api/v1/services.geojson" + query).json()
        parsed = ServiceFeatureCollection.model_validate(body)
        assert len(parsed.features) == len(body["features"]) == 1
        properties = ServiceFeatureCollection.model_fields["features"].annotation.__args__[0]
        assert set(body["features"][0]["properties"]) <= set(
            properties.model_fields["properties"].annotation.model_fields
        )
    body = client.get(f"/api/v1/services/{service.slug}").json()
    assert set(body) == set(ServiceDetailOut.model_fields)
    ServiceDetailOut.model_validate(body)


def test_whole_numbers_written_as_decimals_are_accepted(client, gers):
    # JSON Schema counts 20.0 as an integer; clients that hold numbers as floats send it that way.
    ServiceFactory.create_batch(3)
    page = services(client, "limit=2.0&offset=1.00")
    assert page["limit"] == 2 and page["offset"] == 1 and len(page["results"]) == 2
