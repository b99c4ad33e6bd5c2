"""The site search at /recherche/ through HTTP: pages, news and directory services in one list."""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup

from news.models import NewsIndexPage, NewsPage
from territories.loading import load_reference_data
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db

MIRANDE, AUCH = "32256", "32013"


@pytest.fixture
def site_content(home):
    load_reference_data()
    StandardPageFactory(
        parent=home,
        title="L'aide alimentaire dans le Gers",
        slug="aide-alimentaire",
        intro="Colis, épiceries sociales et repas : où les trouver.",
    )
    StandardPageFactory(
        parent=home, title="Nos missions", slug="missions", intro="Le groupement et ses membres."
    )
    news_index = NewsIndexPage(title="Actualités", slug="actualites", intro="Nos nouvelles.")
    home.add_child(instance=news_index)
    news_index.save_revision().publish()
    news = NewsPage(
        title="Une nouvelle épicerie solidaire à Mirande",
        date=dt.date(2026, 3, 2),
        summary="L'épicerie sociale ouvre ses portes aux familles du secteur.",
    )
    news_index.add_child(instance=news)
    news.save_revision().publish()
    place = PlaceFactory(commune=commune(MIRANDE))
    ServiceFactory(
        place=place,
        organisation=place.organisation,
        title="Épicerie solidaire de Mirande",
        summary="Des produits alimentaires à petit prix pour les familles.",
        categories=["alimentation"],
    )
    draft = ServiceFactory(title="Épicerie brouillon", summary="Pas encore publiée.")
    draft.live = False
    draft.save()
    return home


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def results(response):
    """(kind line, title) of each result, whitespace collapsed."""
    return [
        (
            " ".join(li.select_one(".search-result__kind").get_text().split()),
            " ".join(li.select_one(".search-result__title").get_text().split()),
        )
        for li in soup(response).select(".search-results > li")
    ]


def titles(response):
    return [title for _kind, title in results(response)]


def get(client, **params):
    response = client.get("/recherche/", params)
    assert response.status_code == 200
    return response


def test_results_across_pages_news_and_services(client, site_content):
    response = get(client, q="épicerie")
    found = results(response)
    assert ("Actualité · 2 mars 2026", "Une nouvelle épicerie solidaire à Mirande") in found
    # Services carry their kind and commune (and organisation); drafts never show.
    service = [kind for kind, title in found if title == "Épicerie solidaire de Mirande"]
    assert service and service[0].startswith("Service de l'annuaire · Permanence · Mirande")
    assert "Épicerie brouillon" not in titles(response)
    assert "3 résultats pour « épicerie »" in soup(response).select_one("#resultats").get_text()
    # The service links to its page in the directory.
    assert soup(response).select_one('a[href="/annuaire/epicerie-solidaire-de-mirande/"]')


def test_accents_and_plurals_are_ignored(client, site_content):
    # "epiceries" (no accent, plural) finds "épicerie"; "alimentaires" finds "alimentaire".
    assert "Une nouvelle épicerie solidaire à Mirande" in titles(get(client, q="epiceries"))
    assert "L'aide alimentaire dans le Gers" in titles(get(client, q="aides alimentaires"))
    assert "Épicerie solidaire de Mirande" in titles(get(client, q="EPICERIE solidaires"))


def test_terms_are_highlighted_and_user_text_is_escaped(client, site_content):
    response = get(client, q='"><b>épiceries</b>')
    html = response.content.decode()
    assert "<b>épiceries</b>" not in html
    assert "&lt;b&gt;épiceries&lt;/b&gt;" in html
    title = soup(response).select_one(
        '.search-result__title a[href="/annuaire/epicerie-solidaire-de-mirande/"]'
    )
    assert str(title) == (
        '<a href="/annuaire/epicerie-solidaire-de-mirande/"><mark>Épicerie</mark> solidaire de Mirande</a>'
    )
    # The excerpt is highlighted too.
    excerpts = [str(p) for p in soup(response).select(".search-result__excerpt")]
    assert any("<mark>épicerie</mark> sociale" in e for e in excerpts)


def test_page_text_is_escaped_in_titles_and_excerpts(client, site_content, home):
    StandardPageFactory(
        parent=home,
        title="Les <b>ateliers</b> & vous",
        slug="ateliers",
        intro='Un "atelier" <img src=x> par mois.',
    )
    response = get(client, q="ateliers")
    html = response.content.decode()
    assert "Les &lt;b&gt;<mark>ateliers</mark>&lt;/b&gt; &amp; vous" in html
    assert "<img src=x>" not in html


def test_did_you_mean(client, site_content):
    response = get(client, q="epicrie solidare")
    suggestion = soup(response).select_one(".search-suggestion a")
    assert suggestion is not None
    assert suggestion.get_text() == "épicerie solidaire"
    assert suggestion["href"] == "/recherche/?q=%C3%A9picerie+solidaire"
    # Following it finds the results.
    assert "Épicerie solidaire de Mirande" in titles(client.get(suggestion["href"]))
    # A commune name misspelt.
    assert soup(get(client, q="Mirnde")).select_one(".search-suggestion a").get_text() == "mirande"
    # Nothing to suggest when the words are known.
    assert soup(get(client, q="épicerie")).select_one(".search-suggestion") is None


def test_filter_by_type(client, site_content):
    response = get(client, q="épicerie", type="services")
    assert titles(response) == ["Épicerie solidaire de Mirande"]
    assert "1 résultat pour « épicerie »" in response.content.decode()
    links = {
        " ".join(a.get_text().split()): a
        for a in soup(response).select('nav[aria-label="Filtrer par type de contenu"] a')
    }
    assert set(links) == {"Tout (3)", "Pages (1)", "Actualités (1)", "Services de l'annuaire (1)"}
    assert links["Services de l'annuaire (1)"].get("aria-current") == "page"
    assert links["Actualités (1)"]["href"] == "/recherche/?q=%C3%A9picerie&type=actualites"
    assert titles(get(client, q="épicerie", type="actualites")) == [
        "Une nouvelle épicerie solidaire à Mirande"
    ]
    assert titles(get(client, q="épicerie", type="pages")) == ["L'aide alimentaire dans le Gers"]
    # The type is kept in the form for the next search.
    assert soup(response).select_one('#search-page-type option[value="services"]').has_attr("selected")
    # An unknown type shows everything, with a message.
    response = get(client, q="épicerie", type="videos")
    assert len(titles(response)) == 3
    assert "Ce type de contenu n'existe pas" in soup(response).get_text()


def test_pagination_interleaves_and_keeps_the_query(client, site_content, home):
    for n in range(12):
        StandardPageFactory(parent=home, title=f"Permanence sociale {n:02d}", slug=f"permanence-{n}")
    for n in range(3):
        place = PlaceFactory(commune=commune(AUCH))
        ServiceFactory(place=place, organisation=place.organisation, title=f"Permanence CAF {n}")
    first = get(client, q="permanence")
    found = results(first)
    assert len(found) == 10
    # A page, a service, a page, a service…: every kind that matched is on the first page.
    kinds = [kind.split(" · ")[0] for kind, _title in found]
    assert kinds[:6] == ["Page", "Service de l'annuaire"] * 3
    assert "15 résultats pour « permanence »" in first.content.decode()
    pagination = soup(first).select_one('nav[aria-label="Pages de résultats"]')
    next_link = pagination.select_one('a[rel="next"]')["href"]
    assert next_link == "/recherche/?q=permanence&page=2"
    second = client.get(next_link)
    assert len(results(second)) == 5
    assert not set(titles(second)) & set(titles(first))
    current = soup(second).select_one('nav[aria-label="Pages de résultats"] a[aria-current="page"]')
    assert current.get_text() == "Page 2"
    assert "page 2 sur 2" in soup(second).title.get_text()
    # Pagination within a type.
    response = get(client, q="permanence", type="pages", page="2")
    assert len(titles(response)) == 2
    # Out of range or nonsense: a message, never an error.
    assert "voici la dernière" in get(client, q="permanence", page="40").content.decode()
    assert "n'est pas valide" in soup(get(client, q="permanence", page="deux")).get_text()


def test_works_without_javascript_and_is_accessible(client, site_content):
    response = get(client, q="épicerie")
    page = soup(response)
    form = page.select_one("form.search-form")
    assert form["method"] == "get" and form["action"] == "/recherche/"
    for field in form.select("input[id], select[id]"):
        assert page.select_one(f'label[for="{field["id"]}"]'), field["id"]
    # Headings in order; the count sits in a status region and in the window title.
    levels = [int(h.name[1]) for h in page.select("main h1, main h2, main h3")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert page.select_one('[role="status"] #resultats')
    assert "(3 résultats)" in page.title.get_text()
    # No script is needed: results, filters and pages are plain links and a GET form.
    main = page.select_one("main")
    assert not main.select("script") and not main.select("[data-hx-get]")
    assert not re.search(r"<[^>]+\sstyle=", response.content.decode())
    # The header's search box is still there and keeps the query.
    assert page.select_one("#site-search-q")["value"] == "épicerie"


def test_stop_words_only_and_empty_queries(client, site_content):
    assert "Rechercher sur le site" in get(client).content.decode()
    response = get(client, q="le la les")
    assert response.status_code == 200
    response = get(client, q="!!!")
    assert "Saisissez au moins un mot" in response.content.decode()


def test_accents_are_folded_in_text_that_is_not_a_title(client, home):
    # The words of an introduction are in no title or summary: the backend itself must fold accents
    # (PostgreSQL: the french_unaccent configuration; SQLite: FTS5).
    StandardPageFactory(
        parent=home, title="Se loger", slug="se-loger", intro="Hébergement d'urgence et démarches au Crédit."
    )
    assert "Se loger" in titles(get(client, q="hebergement"))
    assert "Se loger" in titles(get(client, q="HÉBERGEMENTS demarches"))
    assert "Se loger" not in titles(get(client, q="hebergement vacances"))
