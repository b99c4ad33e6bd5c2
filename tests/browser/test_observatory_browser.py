"""The officials' map and the observatory in a real browser: clustered markers from the GeoJSON, axe-core, CSP."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AUCH, CONDOM, MIRANDE = "32013", "32107", "32256"


@pytest.fixture
def observatory(demo_server):
    from observatory.coverage import compute
    from territories.loading import load_reference_data
    from tests.directory.factories import ServiceFactory, commune

    load_reference_data()
    ServiceFactory(
        title="Épicerie solidaire d'Auch", categories=["alimentation"], place__commune=commune(AUCH)
    )
    ServiceFactory(title="Atelier numérique d'Auch", categories=["numerique"], place__commune=commune(AUCH))
    ServiceFactory(title="Colis de Condom", categories=["alimentation"], place__commune=commune(CONDOM))
    ServiceFactory(
        title="Accès aux droits à Mirande", categories=["acces-aux-droits"], place__commune=commune(MIRANDE)
    )
    compute()
    return demo_server


def track_csp(page):
    refused = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    return refused


def test_map_draws_the_selection_with_clusters(page, observatory):
    refused = track_csp(page)
    page.goto(observatory.url + "/annuaire/carte/?category=alimentation")
    map_el = page.locator("#carte-services")
    map_el.wait_for(state="visible")
    page.wait_for_function("document.getElementById('carte-services').dataset.markerCount === '2'")
    # The map repeats the table: hidden from assistive technologies, nothing inside takes the focus.
    assert map_el.get_attribute("aria-hidden") == "true"
    assert (
        page.eval_on_selector_all("#carte-services [tabindex]:not([tabindex='-1'])", "els => els.length") == 0
    )
    assert page.locator("table.data-table tbody tr").count() == 2
    assert page.js_errors == [] and refused == []


@pytest.mark.parametrize(
    "path",
    [
        "/annuaire/carte/",
        "/annuaire/carte/?epci=inconnu&tri=commune",
        "/observatoire/",
        "/observatoire/ca-grand-auch-coeur-de-gascogne/",
        "/observatoire/couverture/?category=alimentation",
    ],
)
def test_no_serious_accessibility_violation(page, observatory, path):
    refused = track_csp(page)
    response = page.goto(observatory.url + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    assert page.js_errors == []
    assert refused == []
