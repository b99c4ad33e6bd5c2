"""SITE_URL is the public address: the Wagtail Site record, page URLs and canonical links follow it."""

import pytest
from django.core.management import call_command
from wagtail.models import Site

from core.site_url import site_address, sync_default_site


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://gerssolidaire.org", ("gerssolidaire.org", 443)),
        ("http://127.0.0.1:8001", ("127.0.0.1", 8001)),
        ("http://exemple.fr", ("exemple.fr", 80)),
        ("pas une adresse", None),
    ],
)
def test_site_address(url, address):
    assert site_address(url) == address


def test_default_site_follows_site_url(home, settings):
    settings.SITE_URL = "https://gerssolidaire.org"
    assert sync_default_site()
    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "https://gerssolidaire.org"
    assert home.full_url == "https://gerssolidaire.org/"
    assert not sync_default_site()  # already in step


def test_migrate_puts_the_site_in_step(home, settings):
    settings.SITE_URL = "https://gers.example"
    call_command("migrate", verbosity=0)
    assert Site.objects.get(is_default_site=True).root_url == "https://gers.example"


def test_canonical_and_open_graph_use_site_url(home, client, settings):
    settings.SITE_URL = "https://gerssolidaire.org"
    sync_default_site()
    html = client.get("/", HTTP_HOST="interne:8001").content.decode()
    assert '<link rel="canonical" href="https://gerssolidaire.org/">' in html
    assert '<meta property="og:url" content="https://gerssolidaire.org/">' in html
    robots = client.get("/robots.txt", HTTP_HOST="interne:8001").content.decode()
    assert "Sitemap: https://gerssolidaire.org/sitemap.xml" in robots


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/annuaire/", "/une-page-qui-n-existe-pas/"])
def test_pages_answer_without_any_site(client, path):
    """A database with no Site (flushed, or set up before SITE_URL): the helpline falls back to its defaults
    instead of a 500."""
    Site.objects.all().delete()
    response = client.get(path)
    assert response.status_code in (200, 404)
    if not path.startswith("/admin/"):
        assert "0800 323 130" in response.content.decode()
