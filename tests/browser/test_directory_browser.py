"""France Contact in a real browser: the search with htmx and the map, keyboard only, axe-core, no JavaScript,
a small phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, scripts_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIRANDE, SAINT_MARTIN, ESTIPOUY, BERDOUES, LECTOURE = "32256", "32389", "32128", "32045", "32208"


@pytest.fixture
def directory(demo_server, built_once):
    """The directory page and a few services around Mirande, created after the demo site is loaded."""
    built_once("demo site, directory around Mirande", build_directory)
    return demo_server


def build_directory():
    from wagtail.models import Site

    from directory.models import DirectoryPage
    from territories.loading import load_reference_data
    from tests.directory.factories import PlaceFactory, ServiceFactory, commune

    load_reference_data()
    home = Site.objects.get(is_default_site=True).root_page
    page = home.add_child(
        instance=DirectoryPage(
            title="Trouver de l'aide",
            slug="annuaire",
            intro="<p>Trouvez l'aide la plus proche de chez vous.</p>",
            no_result_text="<p>De nouveaux lieux ouvrent régulièrement.</p>",
        )
    )
    page.save_revision().publish()

    def service(insee, title, **kwargs):
        place = PlaceFactory(commune=commune(insee), name=f"Lieu {title}")
        return ServiceFactory(place=place, organisation=place.organisation, title=title, **kwargs)

    service(MIRANDE, "Épicerie solidaire de Mirande", categories=["alimentation"], phone="05 62 66 00 00")
    service(SAINT_MARTIN, "Atelier numérique de Saint-Martin", categories=["numerique"])
    service(ESTIPOUY, "Permanence sociale d'Estipouy", categories=["acces-aux-droits"])
    service(BERDOUES, "Vestiaire de Berdoues", categories=["vetements"])
    service(LECTOURE, "Tiers-lieu de Lectoure", categories=["alimentation"])


def track_csp(page):
    """Console messages about blocked resources: the strict CSP must hold with the maps and htmx."""
    refused = []
    page.on(
        "console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    return refused


def list_ids(page):
    return page.eval_on_selector_all("#resultats .js-result", "els => els.map(e => e.dataset.serviceId)")


def test_search_by_commune_updates_results_in_place_and_syncs_the_map(page, directory):
    refused = track_csp(page)
    page.goto(directory.url + "/annuaire/")
    assert page.locator("#directory-map").is_visible()
    page.evaluate("window.__pageNotReloaded = true")
    page.get_by_label("Où ?").fill("Mirande")
    page.get_by_role("button", name="Rechercher des services").click()
    page.wait_for_url(re.compile(r"/annuaire/\?.*where=Mirande"))
    heading = page.locator("#results-heading")
    heading.filter(has_text="4 services à moins de 10 km de Mirande").wait_for()
    # Updated by htmx, not by a page load; the URL is shareable and free of empty parameters.
    assert page.evaluate("window.__pageNotReloaded") is True
    assert "q=" not in page.url and "kind=" not in page.url
    page.locator("#results-status").filter(has_text="4 services à moins de 10 km de Mirande").wait_for()

    # The list and the markers show the same services.
    ids = list_ids(page)
    assert len(ids) == 4
    page.locator('#directory-map[data-marker-count="4"]').wait_for()
    assert page.locator("#directory-map .directory-marker").count() == 4

    # Hovering a list item highlights its marker; hovering a marker highlights its list item.
    page.locator(f'#resultats .js-result[data-service-id="{ids[1]}"]').hover()
    assert page.locator("#directory-map .directory-marker.is-highlighted").count() == 1
    first_marker_title = "Épicerie solidaire de Mirande"
    page.locator(f'#directory-map .directory-marker[title="{first_marker_title}"]').hover()
    assert page.locator(f'#resultats .js-result.is-highlighted[data-service-id="{ids[0]}"]').count() == 1
    # Clicking a marker opens a popup linking to the service.
    page.locator(f'#directory-map .directory-marker[title="{first_marker_title}"]').click()
    popup = page.locator(".leaflet-popup a.directory-popup__link")
    assert popup.inner_text() == first_marker_title
    assert popup.get_attribute("href") == "/annuaire/epicerie-solidaire-de-mirande/"

    # Ticking a category updates the results without a submit; the map follows.
    page.get_by_text("Plus de critères").click()
    page.get_by_label("Alimentation").check()
    heading.filter(has_text="1 service à moins de 10 km de Mirande").wait_for()
    page.wait_for_url(re.compile(r"category=alimentation"))
    page.locator('#directory-map[data-marker-count="1"]').wait_for()
    assert page.evaluate("window.__pageNotReloaded") is True
    assert page.js_errors == []
    assert refused == []


def test_unknown_place_error_is_shown_next_to_the_field_after_an_update(page, directory):
    page.goto(directory.url + "/annuaire/")
    page.get_by_label("Où ?").fill("Nullepart")
    page.get_by_label("Où ?").press("Enter")
    error = page.locator("#erreur-where")
    error.filter(has_text="Nous ne trouvons pas « Nullepart »").wait_for()
    assert page.get_by_label("Où ?").get_attribute("aria-invalid") == "true"
    page.locator("#results-status").filter(has_text="Votre recherche contient une erreur").wait_for()
    page.get_by_label("Où ?").fill("Mirande")
    page.get_by_label("Où ?").press("Enter")
    page.locator("#results-heading").filter(has_text="Mirande").wait_for()
    assert error.inner_text() == ""
    assert page.get_by_label("Où ?").get_attribute("aria-invalid") is None


def test_around_me_uses_the_browser_position(page, directory):
    from tests.directory.factories import commune

    mirande = commune(MIRANDE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": mirande.latitude, "longitude": mirande.longitude})
    page.goto(directory.url + "/annuaire/?where=Auch")
    page.get_by_role("button", name="Autour de moi").click()
    page.locator("#results-heading").filter(
        has_text="4 services à moins de 10 km de votre position"
    ).wait_for()
    page.wait_for_url(re.compile(r"lat=43\.\d{3}&lon=0\.\d{3}"))
    assert "where=" not in page.url
    assert page.get_by_label("Où ?").input_value() == ""


def _focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, name: e.name || '',"
        " text: (e.innerText || '').trim(), href: e.getAttribute('href') || '',"
        " outline: getComputedStyle(e).outlineStyle}; }"
    )


def _tab_until(page, predicate, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if predicate(focused):
            return focused
    pytest.fail("Élément non atteint au clavier")


def test_keyboard_only(page, directory):
    page.goto(directory.url + "/annuaire/")
    _tab_until(page, lambda f: f["id"] == "recherche-where")
    page.keyboard.type("Mirande")
    # Tab on to the radius, choose 5 km with the arrow keys, and submit from the button.
    focused = _tab_until(page, lambda f: f["id"] == "recherche-radius")
    assert focused["outline"] != "none"
    with page.expect_response(re.compile(r"radius=5")):
        page.keyboard.press("ArrowUp")
    page.locator("#results-heading").filter(has_text="à moins de 5 km de Mirande").wait_for()
    focused = _tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Rechercher des services")
    with page.expect_response(re.compile(r"where=Mirande")):
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"where=Mirande"))
    # htmx swaps the results after the response: a link focused before the swap would be replaced under the focus.
    page.locator("#resultats:not([aria-busy])").wait_for(state="attached")
    # The map is skipped (hidden from assistive technologies, nothing in it takes the focus): from the form the
    # next stops are the results.
    focused = _tab_until(page, lambda f: f["href"].startswith("/annuaire/") and f["href"] != "/annuaire/")
    assert focused["href"] == "/annuaire/epicerie-solidaire-de-mirande/"
    assert focused["outline"] != "none"
    # The focused list item highlights its marker.
    page.locator("#directory-map .is-highlighted").wait_for()
    assert page.locator("#directory-map .is-highlighted").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/annuaire/epicerie-solidaire-de-mirande/$"))
    assert page.locator("h1").inner_text() == "Épicerie solidaire de Mirande"


@pytest.mark.parametrize(
    "path",
    [
        "/annuaire/",
        "/annuaire/?where=Mirande",
        "/annuaire/?where=Mirande&radius=5&category=budget",  # no result: suggestions
        "/annuaire/?where=Nullepart",  # an error and suggestions
        "/annuaire/epicerie-solidaire-de-mirande/",
    ],
)
def test_no_serious_accessibility_violation(page, directory, path):
    refused = track_csp(page)
    response = page.goto(directory.url + path)
    assert response.status == 200
    scripts_done(page)
    assert axe_violations(page) == []
    assert page.js_errors == []
    assert refused == []


def test_no_result_page_offers_ways_out(page, directory):
    page.goto(directory.url + "/annuaire/?where=Mirande&radius=5&category=budget")
    assert page.locator("#results-heading").inner_text() == "Aucun service à moins de 5 km de Mirande"
    # Nothing about budgets anywhere: no wider radius to offer.
    assert page.get_by_role("link", name=re.compile("Élargir la recherche")).count() == 0
    page.goto(directory.url + "/annuaire/?where=Masseube&radius=5&category=alimentation")
    assert page.get_by_role("link", name="Élargir la recherche à 20 km").is_visible()
    helpline = page.locator(".no-result").get_by_role("link", name="0800 323 130")
    assert helpline.get_attribute("href") == "tel:+33800323130"
    assert page.locator(".no-result").get_by_role("link").count() >= 4
    assert "De nouveaux lieux ouvrent régulièrement." in page.locator(".no-result").inner_text()


def test_service_page_map_and_print(page, directory):
    refused = track_csp(page)
    page.goto(directory.url + "/annuaire/epicerie-solidaire-de-mirande/")
    assert page.locator(".js-service-map").is_visible()
    assert page.locator(".js-service-map .directory-marker").count() == 1
    assert page.get_by_role("link", name="05 62 66 00 00").get_attribute("href") == "tel:+33562660000"
    page.emulate_media(media="print")
    assert not page.locator(".js-service-map").is_visible()
    assert not page.locator("#navigation").is_visible()
    assert page.locator("h1").is_visible()
    assert page.js_errors == []
    assert refused == []


def test_search_without_javascript(page_without_js, directory):
    from tests.directory.factories import ServiceFactory

    for n in range(21):
        ServiceFactory(title=f"Permanence d'Auch {n:02d}", categories=["acces-aux-droits"])
    page = page_without_js
    page.goto(directory.url + "/annuaire/")
    assert not page.locator("#directory-map").is_visible()
    assert not page.get_by_role("button", name="Autour de moi").is_visible()
    page.get_by_label("Quoi ?").fill("permanence")
    page.get_by_label("Où ?").fill("32000")
    page.get_by_label("Distance maximale").select_option("20")
    page.get_by_role("button", name="Rechercher des services").click()
    page.wait_for_url(re.compile(r"q=permanence.*where=32000.*radius=20"))
    assert page.locator("#results-heading").inner_text() == "22 services à moins de 20 km de Auch"
    assert page.locator("#resultats .js-result").count() == 20
    page.get_by_role("link", name="Suivante page").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "q=permanence" in page.url and "where=32000" in page.url and "radius=20" in page.url
    assert page.locator("#resultats .js-result").count() == 2
    page.get_by_role("link", name="Page 1").click()
    expect(page.locator("#resultats .js-result")).to_have_count(20)


def test_pagination_with_htmx_moves_focus_to_the_results(page, directory):
    from tests.directory.factories import ServiceFactory

    for n in range(21):
        ServiceFactory(title=f"Permanence d'Auch {n:02d}")
    page.goto(directory.url + "/annuaire/?where=Auch")
    page.evaluate("window.__pageNotReloaded = true")
    page.get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r"page=2"))
    page.locator("#results-heading:focus").wait_for()
    assert page.locator("#resultats .js-result").count() == 1
    assert page.evaluate("window.__pageNotReloaded") is True
    # "Back" reloads the previous page from the server, map included.
    page.go_back()
    page.wait_for_url(re.compile(r"where=Auch$"))
    page.locator("#resultats .js-result").nth(19).wait_for()
    assert page.locator("#directory-map .leaflet-marker-pane").count() == 1


def test_small_phone_has_no_horizontal_scroll(phone_page, directory):
    page = phone_page
    for path in (
        "/annuaire/?where=Mirande",
        "/annuaire/epicerie-solidaire-de-mirande/",
        "/annuaire/?where=Nullepart",
    ):
        page.goto(directory.url + path)
        scripts_done(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.goto(directory.url + "/annuaire/?where=Mirande")
    # Big touch targets: the result links and the phone link.
    for locator in (
        page.locator(".result__title a").first,
        page.locator(".result__details a[href^='tel:']").first,
    ):
        box = locator.bounding_box()
        assert box["height"] >= 44
    assert page.js_errors == []


def test_in_place_updates_retitle_the_page_and_popups_flag_stale_listings(page, directory):
    """RGAA 8.6: the title follows the search; a stale listing says so in its card and in its map popup."""
    import datetime as dt

    from directory.models import Service

    Service.objects.filter(title="Épicerie solidaire de Mirande").update(
        last_verified_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    page.goto(directory.url + "/annuaire/")
    assert page.title() == "Trouver de l'aide · Gers Solidaire"
    page.evaluate("window.__pageNotReloaded = true")
    page.get_by_label("Où ?").fill("Mirande")
    page.get_by_role("button", name="Rechercher des services").click()
    page.locator("#results-heading").filter(has_text="4 services à moins de 10 km de Mirande").wait_for()
    expect(page).to_have_title("4 services à moins de 10 km de Mirande – Trouver de l'aide · Gers Solidaire")
    assert page.evaluate("window.__pageNotReloaded") is True

    card = page.locator("#resultats .js-result", has_text="Épicerie solidaire de Mirande")
    assert "Informations à vérifier" in card.inner_text()
    page.locator('#directory-map .directory-marker[title="Épicerie solidaire de Mirande"]').click()
    popup = page.locator(".leaflet-popup")
    popup.locator(".directory-popup__stale").filter(has_text="Informations à vérifier").wait_for()
    page.locator('#directory-map .directory-marker[title="Atelier numérique de Saint-Martin"]').click()
    atelier = page.locator(".leaflet-popup", has_text="Atelier numérique")
    atelier.wait_for()
    assert atelier.locator(".directory-popup__stale").count() == 0
