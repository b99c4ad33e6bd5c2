"""The open API against its own OpenAPI document: Schemathesis generates requests from the published schema
(valid and invalid parameters) and checks every answer — never a server error, documented status codes and
content types, bodies that match the documented schemas."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.directory.factories import PlaceFactory, ServiceFactory, commune

AUCH, MIRANDE = "32013", "32256"
# Parameters whose schema-valid values can still be refused: a point's parts go together, and a commune or an
# EPCI must exist in the reference data.
CHECKED_PARAMETERS = {"lat", "lon", "radius", "commune", "epci"}


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI application, called directly as a server would, inside the test's transaction.

    As Django's own test client does, the request signals must not close the database connection: on
    PostgreSQL that would end the test's transaction (and its data) after the first request.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    from territories.loading import load_reference_data

    load_reference_data()
    for insee, title, hours in (
        (AUCH, "Épicerie solidaire", "Mo-Fr 09:00-12:00"),
        (MIRANDE, "France Services", ""),
    ):
        place = PlaceFactory(commune=commune(insee))
        ServiceFactory(
            place=place,
            organisation=place.organisation,
            title=title,
            opening_hours=hours,
            categories=["alimentation"],
        )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_every_operation_keeps_its_contract(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6, [op.label for op in operations]
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def check(case):
            # OpenAPI cannot say that radius needs lat and lon, that lat and lon go together, or which codes are
            # communes of the Gers: such schema-valid requests are refused with 400 naming the parameter.
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            if case.meta.generation.mode.is_positive and response.status_code >= 400:
                assert response.status_code in (400, 404), response.text
                assert response.status_code == 404 or set(response.json()["errors"]) <= CHECKED_PARAMETERS, (
                    response.text
                )

        check()
