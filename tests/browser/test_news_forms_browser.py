"""News and form pages in a real browser: axe-core, keyboard only, JavaScript disabled."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_url(demo_server, built_once):
    from forms.demo import load_forms

    built_once("demo site, forms", load_forms)
    return demo_server.url


@pytest.mark.parametrize(
    "path",
    [
        "/actualites/",
        "/actualites/?category=acces-aux-droits&year=2021",
        "/actualites/?category=inconnue&page=x",
        "/actualites/point-conseil-budget/",
        "/actualites/couturiere-solidaire/",
        "/contact/",
        "/etre-rappele/",
        "/inscription-atelier/",
        "/contact/?envoi=ok",
    ],
)
def test_no_serious_accessibility_violation(page, site_url, path):
    response = page.goto(site_url + path)
    assert response.status == 200
    assert axe_violations(page) == []
    assert page.js_errors == []


def test_form_with_errors_has_no_violation(page, site_url):
    page.goto(site_url + "/contact/")
    page.get_by_role("button", name="Envoyer mon message").click()
    page.wait_for_selector("#erreurs")
    assert page.title().startswith("Erreur")
    assert axe_violations(page) == []


def _focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, name: e.name || '',"
        " text: (e.innerText || '').trim(), outline: getComputedStyle(e).outlineStyle}; }"
    )


def _tab_to(page, predicate, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["name"] != "site_web", "le champ piège ne doit pas être atteignable au clavier"
        if predicate(focused):
            return focused
    pytest.fail("élément non atteint au clavier")


def test_call_back_request_with_the_keyboard_only(page, site_url):
    from wagtail.contrib.forms.models import FormSubmission

    page.goto(site_url + "/etre-rappele/")
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Aller au contenu"
    page.keyboard.press("Enter")
    _tab_to(page, lambda f: f["id"] == "id_votre_nom")
    page.keyboard.type("Jeanne")
    _tab_to(page, lambda f: f["id"] == "id_votre_numero_de_telephone")
    page.keyboard.type("05 62 00 00 00")
    focused = _tab_to(page, lambda f: f["name"] == "moment_prefere_pour_lappel")
    assert focused["outline"] != "none"
    page.keyboard.press("ArrowDown")  # moves to, and checks, the second time slot
    button = _tab_to(page, lambda f: f["tag"] == "BUTTON")
    assert button["text"] == "Demander à être rappelé"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/etre-rappele/\?envoi=ok$"))
    assert page.get_by_role("heading", name="Merci, votre demande a bien été envoyée").is_visible()
    data = FormSubmission.objects.get().form_data
    assert data["votre_nom"] == "Jeanne"
    assert data["moment_prefere_pour_lappel"] == "En début d'après-midi (12 h – 14 h)"


def test_forms_and_filters_work_without_javascript(page_without_js, site_url):
    page = page_without_js
    page.goto(site_url + "/actualites/")
    page.get_by_label("Catégorie").select_option(label="Aide alimentaire")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"category=aide-alimentaire"))
    titles = page.locator(".news-card__title").all_inner_texts()
    assert "Collecte de novembre : près de 60 tonnes de denrées" in titles
    assert "Gers Solidaire labellisé Point Conseil Budget" not in titles

    page.goto(site_url + "/contact/")
    page.get_by_label("Votre nom").fill("Marie")
    page.get_by_label("Votre adresse électronique").fill("marie@")
    page.get_by_role("button", name="Envoyer mon message").click()
    # The click does not wait for the answer to the POST: expect() does.
    expect(page.get_by_role("alert")).to_be_visible()
    # Nothing typed is lost on an error.
    assert page.get_by_label("Votre nom").input_value() == "Marie"
    page.get_by_label("Votre adresse électronique").fill("marie@exemple.fr")
    page.get_by_label("Votre demande concerne").select_option(index=1)
    page.get_by_label("Votre message").fill("Bonjour")
    page.get_by_role("button", name="Envoyer mon message").click()
    page.wait_for_url(re.compile(r"/contact/\?envoi=ok$"))
