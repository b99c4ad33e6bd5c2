"""The API's lists are built from plain rows (no model instances): the same shape as a service's own answer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.api import endpoints as api
from tests.directory.factories import OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

AUCH = {"lat": "43.6465", "lon": "0.5855"}


def get_json(client, path, query=None):
    response = client.get(path, query or {})
    assert response.status_code == 200, response.content
    return response.json()


def test_list_items_are_the_detail_answers_list_part(client, gers):
    organisation = OrganisationFactory(phone="05 62 11 22 33", email="structure@exemple.org")
    ServiceFactory(
        organisation=organisation,
        title="Épicerie solidaire",
        categories=["budget", "alimentation"],
        audiences=["familles", "tous-publics"],
        phone="",
        email="",
        last_verified_at="2025-01-15T10:00:00+01:00",
    )
    ServiceFactory(title="Point Conseil Budget", phone="05 62 00 00 01", email="pcb@exemple.org")
    ServiceFactory(title="Numéro Vert Social", place=None, on_site=False, by_phone=True, opening_hours="")
    items = get_json(client, "/api/v1/services")["results"]
    assert len(items) == 3
    for item in items:
        detail = get_json(client, f"/api/v1/services/{item['slug']}")
        assert {key: detail[key] for key in item} == item
    # With a point, the GeoJSON features carry the same values as the list (coordinates moved to the geometry).
    listed = {item["slug"]: item for item in get_json(client, "/api/v1/services", AUCH)["results"]}
    features = get_json(client, "/api/v1/services.geojson", AUCH)["features"]
    assert len(features) == len(listed) == 2  # the phone-only service has no point
    for feature in features:
        item = dict(listed[feature["id"]])
        assert feature["geometry"]["coordinates"] == [item.pop("longitude"), item.pop("latitude")]
        assert feature["properties"] == item
        assert "distance_km" in item


def count_queries(captured):
    return sum("COUNT(" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize(
    ("services", "expected_count_queries"),
    [
        (1, 0),  # a first page that is not full: every match is on it
        (4, 0),  # more than a page, fewer than the page and the rows read past it
        (7, 1),  # more than that: counted by the database
    ],
)
def test_count_without_a_count_query_when_the_matches_fit(
    client, gers, monkeypatch, services, expected_count_queries
):
    monkeypatch.setattr(api, "COUNT_PEEK", 3)
    for n in range(services):
        ServiceFactory(title=f"Service {n}")
    with CaptureQueriesContext(connection) as captured:
        body = get_json(client, "/api/v1/services", {"limit": 2})
    assert body["count"] == services
    assert [r["title"] for r in body["results"]] == [f"Service {n}" for n in range(min(2, services))]
    assert (body["next"] is not None) == (services > 2)
    assert count_queries(captured) == expected_count_queries
    # Later pages always count first (and never fetch beyond the end).
    later = get_json(client, "/api/v1/services", {"limit": 2, "offset": 2})
    assert later["count"] == services
    assert [r["title"] for r in later["results"]] == [f"Service {n}" for n in range(2, min(4, services))]
