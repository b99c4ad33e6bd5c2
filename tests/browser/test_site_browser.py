"""The site as people use it: axe-core, keyboard only, JavaScript disabled, a small phone."""

import re

import pytest

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "path",
    ["/", "/qui-sommes-nous/", "/nos-missions/", "/plan-du-site/", "/recherche/?q=aide", "/page-absente/"],
)
def test_no_serious_accessibility_violation(page, demo_server, path):
    response = page.goto(demo_server.url + path)
    assert response.status == (404 if path == "/page-absente/" else 200)
    assert axe_violations(page) == []
    assert page.js_errors == []


def test_navigation_works_without_javascript(page_without_js, demo_server):
    page = page_without_js
    page.goto(demo_server.url + "/")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Nos missions").click()
    assert page.locator("h1").inner_text() == "Nos missions"
    page.get_by_role("link", name="Ingénierie sociale au service des territoires").first.click()
    assert "Ingénierie sociale" in page.locator("h1").inner_text()
    # The site search is a plain GET form.
    page.get_by_label("Rechercher sur le site").fill("tiers-lieux")
    page.get_by_label("Rechercher sur le site").press("Enter")
    page.wait_for_url(re.compile(r"/recherche/\?q=tiers-lieux"))
    assert page.get_by_role("link", name="Quatre nouveaux tiers-lieux solidaires à l'étude").is_visible()


def _focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, text: e.innerText || '',"
        " outline: getComputedStyle(e).outlineStyle}; }"
    )


def test_keyboard_only(page, demo_server):
    page.goto(demo_server.url + "/")
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "Aller au contenu"
    assert page.get_by_role("link", name="Aller au contenu").is_visible()  # skip link revealed on focus
    assert first["outline"] != "none"  # visible focus
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "contenu"

    page.goto(demo_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Aller au menu"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "navigation"
    for _ in range(10):
        page.keyboard.press("Tab")
        if _focused(page)["text"].strip() == "Nos missions":
            break
    else:
        pytest.fail("Le lien « Nos missions » n'est pas atteignable au clavier")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/nos-missions/$"))
    assert page.locator("h1").inner_text() == "Nos missions"


def test_helpline_is_one_tap_away_on_a_small_phone(phone_page, demo_server):
    page = phone_page
    page.goto(demo_server.url + "/qui-sommes-nous/")
    # On phones the helpline is the bar after the content (the header's copy is for wide screens).
    assert not page.locator("header a.helpline").is_visible()
    helpline = page.locator("aside.helpline-bar a.helpline")
    assert helpline.get_attribute("href") == "tel:+33800323130"
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    assert helpline.is_visible()
    box = helpline.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640 and box["height"] >= 44
    # The menu is readable without JavaScript or a toggle, and nothing overflows sideways.
    assert (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Actualités")
        .is_visible()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_axe_check_does_catch_violations(page, demo_server):
    # Guards the guard: the helper must report a real violation, or the checks above prove nothing.
    page.goto(demo_server.url + "/")
    page.set_content('<html lang="fr"><body><main><img src="x.png"><button></button></main></body></html>')
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "button-name"} <= found
