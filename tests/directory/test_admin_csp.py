"""The admin's Content-Security-Policy names no other host for scripts or styles: the place form's map
(wagtailgeowidget) loads Leaflet from the XStatic package under /static/, as the public site does."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.html_text import soup

from .factories import PlaceFactory

# The admin's forms list the communes.
pytestmark = pytest.mark.usefixtures("gers")


def directives(header):
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part.split()
    }


def external_hosts(sources):
    return [s for s in sources if "://" in s or s in ("https:", "http:", "*")]


def test_admin_csp_allows_no_script_or_style_from_another_host(admin_client):
    response = admin_client.get(reverse("wagtailadmin_home"))
    policy = directives(response["Content-Security-Policy"])
    for name in ("default-src", "script-src", "style-src", "font-src"):
        assert not external_hosts(policy.get(name, [])), (name, policy.get(name))


def test_the_place_form_loads_leaflet_from_static(admin_client, gers):
    place = PlaceFactory()
    response = admin_client.get(reverse("wagtailsnippets_directory_place:edit", args=[place.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    page = soup(response)
    scripts = [script["src"] for script in page.select("script[src]")]
    styles = [link["href"] for link in page.select('link[rel="stylesheet"][href]')]
    assert "/static/leaflet/leaflet.js" in scripts
    assert "/static/leaflet/leaflet.css" in styles
    assert 'data-controller="leaflet-field"' in html
    assert not [src for src in scripts + styles if "://" in src or src.startswith("//")]
    # The files exist where the URLs point (XStatic-Leaflet's folder under the "leaflet" prefix).
    assert finders.find("leaflet/leaflet.js") and finders.find("leaflet/leaflet.css")
