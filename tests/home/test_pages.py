"""The public site through HTTP: layout, helpline, navigation, editorial blocks, error pages, SEO files."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from wagtail.rich_text import RichText

from tests.factories import StandardPageFactory, make_site

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_home_page_is_french_with_helpline_and_skip_links(client, demo_site):
    response = client.get("/")
    assert response.status_code == 200
    html = soup(response)
    assert html.html["lang"] == "fr"
    assert [a["href"] for a in html.select(".skip-links a")][:2] == ["#contenu", "#navigation"]
    helpline = html.select_one("header a.helpline")
    assert helpline["href"] == "tel:+33800323130"
    assert "0800 323 130" in helpline.get_text()
    assert "8 h 30 à 18 h" in helpline.get_text()
    assert len(html.find_all("h1")) == 1
    assert html.find("main", id="contenu") is not None


def test_find_help_entry_point_latest_news_and_key_figures(client, demo_site):
    html = soup(client.get("/"))
    entry = html.find("a", string=re.compile("Trouver de l'aide près de chez moi"))
    assert entry is not None and entry["href"].startswith("/")
    assert client.get(entry["href"]).status_code == 200
    news_titles = [a.get_text() for a in html.select("#news-title ~ .cards .card__title a")]
    assert "Gers Solidaire labellisé Point Conseil Budget" in news_titles
    assert "4 819" in html.select_one(".key-figures").get_text()
    assert html.find(id="newsletter-title") is not None


def test_newsletter_subscription_is_one_link_away_from_home_and_every_footer(client, demo_site):
    # No newsletter page chosen: the block still leads to the subscription form, not to an e-mail address.
    block = soup(client.get("/")).select_one(".newsletter-slot")
    link = block.find("a", string=re.compile("S'inscrire à la lettre d'information"))
    assert link is not None and link["href"] == "/lettre/inscription/"
    assert client.get(link["href"]).status_code == 200
    footer = soup(client.get("/qui-sommes-nous/")).select_one("footer")
    assert footer.find("a", href="/lettre/inscription/", string="Lettre d'information") is not None


def test_main_navigation_comes_from_the_page_tree(client, demo_site):
    home = demo_site.root_page
    hidden = StandardPageFactory(parent=home, title="Page cachée", show_in_menus=False)
    shown = StandardPageFactory(parent=home, title="Page montrée", show_in_menus=True)
    html = soup(client.get("/"))
    labels = [a.get_text(strip=True) for a in html.select("#navigation a")]
    assert labels[:3] == ["Qui sommes-nous ?", "Nos missions", "Actualités"]
    assert shown.title in labels and hidden.title not in labels
    # The section of the current page is marked for assistive technologies.
    html = soup(client.get("/nos-missions/ingenierie-sociale/"))
    current = html.select("#navigation a[aria-current]")
    assert [a.get_text(strip=True) for a in current] == ["Nos missions"]
    crumbs = [li.get_text(strip=True) for li in html.select(".breadcrumbs li")]
    assert crumbs == ["Accueil", "Nos missions", "Ingénierie sociale au service des territoires"]


def test_footer_has_address_and_legal_links(client, demo_site):
    footer = soup(client.get("/")).find("footer")
    text = footer.get_text(" ", strip=True)
    assert "50 chemin de Baron" in text and "32000 Auch" in text
    assert footer.find("a", href="mailto:gerssolidaire@gerssolidaire.org")
    links = {a.get_text(strip=True): a["href"] for a in footer.select("nav a")}
    assert links["Mentions légales"] == "/mentions-legales/"
    assert links["Plan du site"] == "/plan-du-site/"
    assert links["Accessibilité\xa0: non conforme"] == "/accessibilite/"
    assert links["Données personnelles"] == "/donnees-personnelles/"
    for href in links.values():
        assert client.get(href).status_code == 200


def test_contact_details_come_from_site_settings(client, demo_site):
    from home.models import ContactSettings

    contact = ContactSettings.for_site(demo_site)
    contact.helpline_number = "05 62 00 00 00"
    contact.street_address = "1 place de la République"
    contact.save()
    html = soup(client.get("/"))
    assert html.select_one("header a.helpline")["href"] == "tel:+33562000000"
    assert "1 place de la République" in html.find("footer").get_text()


def test_standard_page_renders_every_block(client, db):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    site, home = make_site()
    image = Image.objects.create(title="Photo", file=get_test_image_file())
    document = Document.objects.create(
        title="Rapport annuel", file=ContentFile(b"%PDF-1.4", name="rapport.pdf")
    )
    target = StandardPageFactory(parent=home, title="Cible")
    page = StandardPageFactory(
        parent=home,
        title="Tout en blocs",
        body=[
            ("heading", {"text": "Section <b>un</b>", "level": "h2"}),
            ("paragraph", RichText("<p>Un paragraphe <b>important</b>.</p>")),
            ("image", {"image": image, "alt_text": "Des bénévoles au travail", "caption": "Légende"}),
            (
                "call_to_action",
                {"title": "Agir", "text": "", "link_label": "Y aller", "page": target, "url": ""},
            ),
            ("quote", {"quote": "Aider, agir.", "attribution": "La devise"}),
            ("document_link", {"document": document, "label": ""}),
        ],
    )
    html = soup(client.get(page.url))
    h2 = html.find("h2", string=re.compile("Section"))
    assert h2 is not None and h2.find("b") is None  # user text escaped
    assert html.find("b", string="important")
    assert html.select_one("figure img")["alt"] == "Des bénévoles au travail"
    assert html.select_one(".cta a")["href"] == target.url
    assert "Aider, agir." in html.find("blockquote").get_text()
    link = html.select_one(".document-link a")
    assert link.get_text() == "Rapport annuel" and "PDF" in html.select_one(".document-link").get_text()


def test_call_to_action_needs_a_target():
    from django.core.exceptions import ValidationError

    from home.blocks import CallToActionBlock

    block = CallToActionBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "T", "text": "", "link_label": "L", "page": None, "url": ""}))


def test_sitemap_page_lists_the_tree(client, demo_site):
    html = soup(client.get("/plan-du-site/"))
    links = [a.get_text(strip=True) for a in html.select(".sitemap a")]
    assert links[0] == "Accueil"
    assert "Ingénierie sociale au service des territoires" in links
    assert "Mentions légales" in links


def test_sitemap_page_lists_the_pages_outside_the_tree_and_home_leads_to_map_and_observatory(
    client, demo_site
):
    """RGAA 12.3: the stops, the officials' map, the observatory and the newsletter are in the site map too."""
    html = soup(client.get("/plan-du-site/"))
    links = {a.get_text(strip=True): a["href"] for a in html.select(".sitemap a")}
    assert links["Passages du camping-car"] == "/annuaire/passages/"
    assert links["Carte des services solidaires du Gers"] == "/annuaire/carte/"
    assert links["Observatoire territorial de l'offre sociale du Gers"] == "/observatoire/"
    assert links["Communes éloignées des services"] == "/observatoire/couverture/"
    assert links["Inscription à la lettre d'information"] == "/lettre/inscription/"
    for href in links.values():
        assert client.get(href).status_code == 200, href
    # Nested lists only: a valid, navigable structure.
    assert all(
        child.name == "li" for ul in html.select(".sitemap ul") for child in ul.find_all(recursive=False)
    )

    home = soup(client.get("/"))
    for area in (home.find("main"), home.find("footer")):
        hrefs = {a["href"] for a in area.find_all("a", href=True)}
        assert {"/annuaire/carte/", "/observatoire/"} <= hrefs


def test_404_is_french_and_keeps_the_layout(client, demo_site):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = soup(response)
    assert html.find("h1").get_text() == "Page introuvable"
    assert html.select_one("header a.helpline")["href"] == "tel:+33800323130"


def test_500_page_is_french_and_needs_no_database(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "Le site rencontre un problème" in content
    assert 'href="tel:+33800323130"' in content


def test_unexpected_error_answers_the_french_500_page(demo_site, monkeypatch):
    from home.models import HomePage

    def explode(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(HomePage, "get_context", explode)
    client = Client(raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 500
    assert "Le site rencontre un problème" in response.content.decode()


def test_sitemap_xml_robots_and_favicon(client, demo_site, settings):
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert f"<loc>{settings.SITE_URL}/qui-sommes-nous/</loc>".encode() in sitemap.content
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in robots.content.decode()
    assert "Disallow: /admin/" in robots.content.decode()
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("img/favicon.png")


def test_open_graph_tags(client, demo_site, settings):
    html = soup(client.get("/qui-sommes-nous/"))
    og = {m["property"]: m["content"] for m in html.find_all("meta", property=True)}
    assert og["og:title"] == "Qui sommes-nous ?"
    assert og["og:locale"] == "fr_FR"
    assert og["og:url"].endswith("/qui-sommes-nous/")
    assert og["og:image"].startswith(settings.SITE_URL + "/") and og["og:image"].endswith(".png")
    assert html.find("link", rel="canonical")["href"].endswith("/qui-sommes-nous/")


def test_security_headers_on_public_pages(client, demo_site):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # No script or style block inline in the public markup: the CSP would block it.
    html = soup(response)
    assert all(tag.get("src") for tag in html.find_all("script"))
    assert not html.find_all("style") and not html.select("[style]")


def test_admin_is_in_french(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    assert "Se connecter" in response.content.decode() or "Connexion" in response.content.decode()


def test_admin_login_form_labels_are_french(client, db):
    # Wagtail's form leaves the password field without a label, so Django showed its name: "Password".
    html = soup(client.get("/admin/login/"))
    labels = {label["for"]: " ".join(label.get_text().split()) for label in html.select("label[for]")}
    assert labels["id_password"].startswith("Mot de passe")
    assert labels["id_username"].startswith("Nom d’utilisateur")


def test_admin_sends_nothing_to_gravatar(client, django_user_model, demo_site):
    user = django_user_model.objects.create_superuser("staff", "staff@exemple.org", "motdepasse-solide-1")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "gravatar" not in response.content.decode().lower()
    assert "'unsafe-inline'" in response["Content-Security-Policy"]  # the admin's own policy
