"""RGAA 4.1 beyond what axe-core sees, on the whole demo site: the keyboard alone, 320×256 reflow (400% zoom), the
helpline bar that must never hide the focus, "Autour de moi" that keeps it, the focus ring's contrast."""

import io

import pytest
from django.core.management import call_command

from tests.browser.conftest import _finish, _new_page, new_phone, scripts_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIRANDE = "32256"


@pytest.fixture
def site(demo_server, built_once):
    """The whole demo (pages, directory, camping-car, news, forms) and the observatory's figures."""

    def build():
        call_command("load_demo", stdout=io.StringIO())
        call_command("compute_coverage", stdout=io.StringIO())

    built_once("demo site, load_demo, coverage", build)
    return demo_server


def public_paths():
    """{name: path} of one URL of every public page type of the demo site."""
    from django.urls import reverse

    from directory.models import Service
    from directory.tours.models import Stop, Tour
    from forms.models import FormPage
    from home.models import ContactSettings, SitemapPage, StandardPage
    from news.models import CampaignPage, NewsIndexPage, NewsPage
    from observatory.portraits import epci_slug
    from territories.models import Epci

    service = Service.objects.public().exclude(opening_hours="").order_by("pk").first()
    tour = Tour.objects.filter(live=True).first()
    stop = Stop.objects.filter(tour=tour).order_by("date").last()
    contact = ContactSettings.objects.get()
    return {
        "accueil": "/",
        "page-standard": StandardPage.objects.live().get(slug="qui-sommes-nous").url,
        "accessibilite": contact.accessibility_page.url,
        "plan-du-site": SitemapPage.objects.live().get().url,
        "actualites": NewsIndexPage.objects.live().get().url,
        "actualite": NewsPage.objects.live().first().url,
        "campagne": CampaignPage.objects.live().first().url,
        "formulaire": FormPage.objects.live().get(slug="contact").url,
        "recherche": "/recherche/?q=alimentaire",
        "introuvable": "/page-qui-n-existe-pas/",
        "inscription-lettre": reverse("newsletter:subscribe"),
        "annuaire": "/annuaire/",
        "annuaire-resultats": "/annuaire/?q=alimentaire",
        "fiche": service.get_absolute_url(),
        "signalement": reverse("directory:report", args=[service.slug]),
        "tournee": reverse("directory:tour", args=[tour.slug]),
        "passages": reverse("directory:stops"),
        "passages-commune": reverse("directory:commune_stops", args=[stop.commune.insee_code]),
        "carte": reverse("observatory:map"),
        "observatoire": reverse("observatory:departement"),
        "portrait-epci": reverse("observatory:epci", args=[epci_slug(Epci.objects.order_by("pk").first())]),
        "couverture": reverse("observatory:coverage"),
    }


@pytest.fixture
def tall_phone(browser, request):
    context, page = new_phone(browser, request, 740)
    yield page
    _finish(request, page, context)


@pytest.fixture
def zoomed(browser, request):
    """320×256 CSS pixels: a 1280×1024 screen at 400% zoom (RGAA 10.11)."""
    context, page = _new_page(browser, request, viewport={"width": 320, "height": 256})
    yield page
    _finish(request, page, context)


# What the focused element is, where it is, whether it shows a focus indicator; it is marked as visited.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) { return null; }
  e.setAttribute('data-a11y-visited', '');
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  const bar = document.querySelector('.helpline-bar');
  const b = bar && getComputedStyle(bar).position === 'fixed' ? bar.getBoundingClientRect() : null;
  return {
    tag: e.tagName, id: e.id, text: (e.innerText || e.value || '').trim().slice(0, 60),
    href: e.getAttribute('href') || '', key: e.outerHTML.slice(0, 160),
    inBar: !!(bar && bar.contains(e)), inMain: !!e.closest('main'), inFooter: !!e.closest('footer'),
    top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height,
    barTop: b ? b.top : null,
    ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
  };
}"""

# Every element a keyboard user must be able to reach, and that the Tab walk did not reach. One radio button of a
# group is enough (arrows move within it).
MISSED = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, iframe, '
    + '[tabindex]:not([tabindex="-1"]), [contenteditable=""], [contenteditable="true"]';
  const reached = new Set();
  document.querySelectorAll('input[type=radio][data-a11y-visited]').forEach(r => reached.add(r.name));
  return Array.from(document.querySelectorAll(selector)).filter(e => {
    if (e.disabled || e.getAttribute('tabindex') === '-1' || e.closest('[inert], [hidden]')) { return false; }
    if (!e.checkVisibility({visibilityProperty: true, opacityProperty: true})) { return false; }
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { return false; }
    if (e.type === 'radio' && reached.has(e.name)) { return false; }
    return !e.hasAttribute('data-a11y-visited');
  }).map(e => e.outerHTML.slice(0, 160));
}"""


# Each Tab's keydown records where the previous Tab left the focus (scrolled into view by then): the walk reads the
# log once per batch of presses instead of once per press. Put back on every walk (`set_content` drops listeners).
RECORD_ON_TAB = (
    "() => { window.__a11yLog = []; document.removeEventListener('keydown', window.__a11yRecord, true);"
    " window.__a11yRecord = e => { if (e.key === 'Tab') { window.__a11yLog.push(("
    + FOCUSED
    + ")()); } }; document.addEventListener('keydown', window.__a11yRecord, true); }"
)
READ_LOG = (
    "() => { const log = window.__a11yLog; window.__a11yLog = []; return log.concat([(" + FOCUSED + ")()]); }"
)


def tab_through(page, limit=600, batch=10):
    """Tab from the top of a freshly loaded page until the focus comes back to the first element. Returns the focused
    elements in order; fails on a keyboard trap (the walk never comes back)."""
    page.evaluate(RECORD_ON_TAB)
    seen = []
    for _ in range(0, limit, batch):
        for _ in range(batch):
            page.keyboard.press("Tab")
        # The first entry is where the focus was before this batch: the page's top, or the previous batch's last.
        for focused in page.evaluate(READ_LOG)[1:]:
            if focused is None:
                continue  # the document itself, between the last element and the first
            if seen and focused["key"] == seen[0]["key"] and len(seen) > 1:
                return seen
            seen.append(focused)
    pytest.fail(f"Piège au clavier : la tabulation ne revient jamais au début ({seen[-3:]})")


# 1. The helpline bar on phones (RGAA 10.7 / WCAG 2.4.11, RGAA 10.11).


@pytest.mark.parametrize("name", ["formulaire", "annuaire-resultats", "page-standard"])
def test_the_helpline_bar_never_hides_the_focused_element(tall_phone, site, name):
    page = tall_phone
    page.goto(site.url + public_paths()[name])
    bar = page.locator(".helpline-bar")
    assert bar.evaluate("e => getComputedStyle(e).position") == "fixed"
    walk = tab_through(page)
    # Chromium scrolls a focused element only when no part of it shows above the scroll padding: a tall field
    # (the message) may stay partly under the bar, as long as a good part of it shows (WCAG 2.4.11); anything of
    # a line's height must show whole.
    covered = [
        f
        for f in walk
        if not f["inBar"]
        and f["barTop"] is not None
        and (f["bottom"] > f["barTop"] + 0.5 if f["height"] <= 120 else f["top"] > f["barTop"] - 88)
    ]
    assert covered == [], [(f["key"], f["top"], f["bottom"], f["barTop"]) for f in covered]
    # The bar comes after the content in the tab order, not second (top → bottom → top).
    order = [f["inBar"] for f in walk]
    assert order.count(True) == 1
    position = order.index(True)
    assert any(f["inMain"] for f in walk[:position])
    assert not any(f["inMain"] for f in walk[position:])
    assert page.js_errors == []


def test_the_helpline_bar_stays_in_the_flow_on_a_short_screen(zoomed, site):
    page = zoomed
    page.goto(site.url + "/qui-sommes-nous/")
    bar = page.locator(".helpline-bar")
    assert bar.evaluate("e => getComputedStyle(e).position") == "static"
    link = bar.get_by_role("link", name="0800 323 130")
    assert link.get_attribute("href") == "tel:+33800323130"
    # Not over the page's top either: the content gets the whole viewport.
    assert bar.bounding_box()["y"] > 256


def test_the_phone_header_leaves_room_for_the_content(tall_phone, site):
    page = tall_phone
    page.goto(site.url + "/qui-sommes-nous/")
    header = page.locator("header.site-header").bounding_box()
    assert header["y"] + header["height"] <= 340  # ~490 px before
    # Menu and search stay usable without a toggle (and without JavaScript: nothing here needs it).
    assert (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Actualités")
        .is_visible()
    )
    page.get_by_label("Rechercher sur le site").fill("tiers-lieux")
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche/?q=tiers-lieux")


# 2. "Autour de moi" keeps the focus and announces the results.


def test_around_me_keeps_the_focus_and_announces_the_results(page, site):
    from tests.directory.factories import commune

    mirande = commune(MIRANDE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": mirande.latitude, "longitude": mirande.longitude})
    page.goto(site.url + "/annuaire/?where=Auch")
    button = page.get_by_role("button", name="Autour de moi")
    button.focus()
    page.keyboard.press("Enter")
    page.locator("#results-heading").filter(has_text="de votre position").wait_for()
    page.locator("#results-status").filter(has_text="de votre position").wait_for()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Autour de moi"
    assert button.get_attribute("aria-disabled") is None
    assert page.js_errors == []


# 3. The header search field's focus ring on the navy bar (non-text contrast, WCAG 1.4.11).

CONTRAST = """(e) => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92
    : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let bg = e.parentElement;
  while (bg && getComputedStyle(bg).backgroundColor === 'rgba(0, 0, 0, 0)') { bg = bg.parentElement; }
  const ring = getComputedStyle(e).outlineColor;
  const barColour = getComputedStyle(bg).backgroundColor;
  return {ring, bar: barColour, onBar: ratio(ring, barColour), onWhite: ratio(ring, 'rgb(255, 255, 255)'),
          style: getComputedStyle(e).outlineStyle};
}"""


def test_the_header_search_focus_ring_has_enough_contrast(page, site):
    page.goto(site.url + "/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    else:
        pytest.fail("Champ de recherche non atteint au clavier")
    found = page.locator("#site-search-q").evaluate(CONTRAST)
    assert found["style"] != "none"
    assert found["bar"] == "rgb(27, 58, 107)"  # the navy bar itself
    assert found["onBar"] >= 3, found
    assert found["onWhite"] >= 3, found


# 4. The accessibility statement.


def test_the_footer_leads_to_a_statement_that_claims_no_unaudited_compliance(page, demo_server):
    page.goto(demo_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibilité : non conforme").click()
    page.wait_for_url("**/accessibilite/")
    assert page.locator("h1").inner_text() == "Déclaration d'accessibilité"
    status = page.locator("section", has=page.get_by_role("heading", name="État de conformité"))
    assert "Gers Solidaire est non conforme" in status.inner_text()
    assert "Aucun audit de conformité n'a encore été réalisé." in status.inner_text()
    assert page.get_by_role("link", name="formulaire en ligne").get_attribute("href") == (
        "https://formulaire.defenseurdesdroits.fr/"
    )


# 5. Every public page type, with the keyboard alone and at 320×256.


def test_every_page_type_works_with_the_keyboard_alone(page, site):
    problems = {}
    for name, path in public_paths().items():
        page.goto(site.url + path)
        scripts_done(page)
        walk = tab_through(page)
        no_ring = [f["key"] for f in walk if not f["ring"]]
        missed = page.evaluate(MISSED)
        if no_ring or missed:
            problems[name] = {"sans indicateur de focus": no_ring, "non atteints": missed}
    assert problems == {}
    assert page.js_errors == []


def _horizontal_overflow(page, url):
    page.goto(url)
    scripts_done(page)
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_every_page_type_reflows_at_320_by_256(zoomed, site):
    overflow = {}
    for name, path in public_paths().items():
        extra = _horizontal_overflow(zoomed, site.url + path)
        if extra > 0:
            overflow[name] = extra
    assert overflow == {}


def test_the_keyboard_checks_do_catch_problems(page):
    # Guards the guard: a missing focus ring, a trap and what lies beyond it are reported.
    page.set_content(
        '<html lang="fr"><body><main><a href="#un">un</a><a href="#deux" style="outline: none">deux</a>'
        '<input id="piege" aria-label="piège"><a href="#trois">trois</a></main></body></html>'
    )
    walk = tab_through(page)
    assert [f["text"] for f in walk if not f["ring"]] == ["deux"]
    assert page.evaluate(MISSED) == []
    page.set_content(page.content().replace(' data-a11y-visited=""', ""))
    page.evaluate(
        "() => document.getElementById('piege').addEventListener('keydown', e => {"
        " if (e.key === 'Tab') { e.preventDefault(); } })"
    )
    with pytest.raises(pytest.fail.Exception, match="Piège au clavier"):
        tab_through(page, limit=20)
    assert page.evaluate(MISSED) == ['<a href="#trois">trois</a>']
