"""The officials' map and the observatory in a real browser: clustered markers from the GeoJSON, axe-core, CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, scripts_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUCH, CONDOM, MIRANDE = "32013", "32107", "32256"


@pytest.fixture
def observatory(demo_server, built_once):
    built_once("demo site, observatory of four services", build_observatory)
    return demo_server


def build_observatory():
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
    # A locator expectation, not wait_for_function: a string predicate is re-evaluated with eval(), which the
    # page's CSP refuses whenever the first poll does not already see the markers.
    expect(map_el).to_have_attribute("data-marker-count", "2")
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
    scripts_done(page)
    assert axe_violations(page) == []
    assert page.js_errors == []
    assert refused == []


REFLOW_PATHS = [
    "/annuaire/carte/",
    "/annuaire/carte/?tri=-commune",
    "/observatoire/",
    "/observatoire/ca-grand-auch-coeur-de-gascogne/",
    "/observatoire/couverture/?category=alimentation",
]


@pytest.mark.parametrize("viewport", [(320, 256), (360, 740)], ids=["320x256", "360x740"])
def test_no_horizontal_page_scroll_on_phones(browser, request, observatory, viewport):
    """RGAA 10.11: the page reflows at 320 px; wide tables scroll inside their own labelled, focusable region."""
    from tests.browser.conftest import _finish, _new_page

    width, height = viewport
    context, page = _new_page(browser, request, viewport={"width": width, "height": height}, is_mobile=True)
    try:
        for path in REFLOW_PATHS:
            page.goto(observatory.url + path)
            scripts_done(page)
            widths = page.evaluate(
                "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
            )
            wide = page.evaluate(
                """() => Array.from(document.querySelectorAll('body *'))
                    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                    .slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + el.getBoundingClientRect().right)"""
            )
            assert widths["scroll"] <= widths["client"], (path, widths, wide)
            # Nothing of the header (the Numéro Vert included) is pushed out of the screen.
            outside = page.evaluate(
                """() => Array.from(document.querySelectorAll('header a, header button, .helpline'))
                    .filter(el => el.offsetParent !== null)
                    .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect().right])
                    .filter(([, right]) => right > document.documentElement.clientWidth + 0.5)"""
            )
            assert outside == [], (path, outside)
            regions = page.locator(".table-scroll")
            assert regions.count() > 0, path
            for index in range(regions.count()):
                region = regions.nth(index)
                assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
                label = page.evaluate(
                    "id => (document.getElementById(id) || {textContent: ''}).textContent.trim()",
                    region.get_attribute("aria-labelledby") or "",
                )
                assert label or region.get_attribute("aria-label"), (path, index)
                region.focus()
                assert page.evaluate("document.activeElement.classList.contains('table-scroll')")
        assert page.js_errors == []
    finally:
        _finish(request, page, context)


def test_each_kind_of_service_has_its_own_marker_shape_shown_in_the_legend(page, observatory):
    """RGAA 3.1: "permanence" and "itinérant" markers differ by shape, not by colour alone (1.07:1 between them)."""
    from directory.listings.vocabulary import ServiceKind
    from tests.directory.factories import ServiceFactory, commune

    for (kind, _label), insee in zip(ServiceKind.choices, ["32208", "32296", "32107", "32256"], strict=True):
        ServiceFactory(title=f"Lieu {kind}", kind=kind, categories=["emploi"], place__commune=commune(insee))
    shapes = {}
    for kind, _label in ServiceKind.choices:
        page.goto(observatory.url + f"/annuaire/carte/?category=emploi&kind={kind}")
        marker = page.locator(f"#carte-services .leaflet-marker-pane .observatory-marker--{kind} svg")
        marker.wait_for()
        drawn = marker.evaluate("el => el.innerHTML")
        legend = page.locator(f".observatory-legend .marker-shape--{kind}").evaluate("el => el.innerHTML")
        assert drawn == legend, kind
        shapes[kind] = page.evaluate(
            "el => Array.from(el.children).map(c => c.tagName + (c.getAttribute('d') || '')).join()",
            marker.element_handle(),
        )
    assert len(set(shapes.values())) == len(shapes), shapes
    assert shapes["permanence"] != shapes["itinerant"]
    assert page.js_errors == []
