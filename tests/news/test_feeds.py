"""RSS 2.0 and Atom feeds, parsed as XML."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from news.models import NewsPage
from tests.news.conftest import add_news

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(content):
    return ET.fromstring(content)  # noqa: S314 — our own feed, generated in this test


@pytest.fixture
def many_news(index):
    for n in range(25):
        add_news(
            index,
            f"Actualité {n:02d}",
            date=dt.date(2024, 1, 1) + dt.timedelta(days=n),
            categories=["Aide alimentaire"],
            tags=["collecte"],
            summary=f"Résumé {n} avec <balise> & esperluette.",
        )
    add_news(index, "Brouillon", date=dt.date(2025, 1, 1), publish=False)
    return index


def test_rss_feed_lists_the_latest_20_live_news(client, many_news, settings):
    response = client.get("/actualites/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = parse(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "Actualités · Gers Solidaire"
    # The public address (SITE_URL), whatever Host the request came with.
    assert channel.findtext("link") == settings.SITE_URL + "/actualites/"
    assert channel.findtext("language") == "fr"
    items = channel.findall("item")
    assert len(items) == 20
    assert [i.findtext("title") for i in items[:2]] == ["Actualité 24", "Actualité 23"]
    first = items[0]
    assert first.findtext("link") == NewsPage.objects.get(title="Actualité 24").full_url
    assert first.findtext("description") == "Résumé 24 avec <balise> & esperluette."
    assert first.findtext("guid").startswith("urn:gers-solidaire:actualite:")
    assert first.find("guid").get("isPermaLink") == "false"
    assert "25 Jan 2024" in first.findtext("pubDate")
    assert {c.text for c in first.findall("category")} == {"Aide alimentaire", "collecte"}
    assert "Brouillon" not in response.content.decode()


def test_atom_feed(client, many_news, settings):
    response = client.get("/actualites/atom/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Actualités · Gers Solidaire"
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == settings.SITE_URL + "/actualites/atom/"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 20
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "Actualité 24"
    assert entry.find(f"{ATOM}link").get("href") == NewsPage.objects.get(title="Actualité 24").full_url
    assert entry.findtext(f"{ATOM}published").startswith("2024-01-25")
    assert entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}summary") == "Résumé 24 avec <balise> & esperluette."


def test_empty_feeds_are_valid(client, index):
    for path in ("/actualites/rss/", "/actualites/atom/"):
        response = client.get(path)
        assert response.status_code == 200
        parse(response.content)


def test_unknown_sub_path_is_404(client, index):
    assert client.get("/actualites/flux/").status_code == 404
