"""An official (elected member, CAF or département staff) looks at the social offer of their territory.

The services map on a phone and on a desktop, filtered by intercommunality, downloaded as CSV and GeoJSON (what is
downloaded is what was filtered), then the EPCI's portrait in the observatory and the coverage analysis. Against
the production-mode server, in Chromium.
"""

import csv
import io
import json
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.journeys.conftest import no_horizontal_scroll


def _server_errors(page):
    errors = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 500 else None)
    return errors


def _busiest_epci():
    """The EPCI with the most published services on the map, and that count (so the filter visibly narrows)."""
    from django.db.models import Count

    from observatory.selection import on_map
    from territories.models import Epci

    counts = on_map().values("place__commune__epci").annotate(n=Count("pk")).order_by("-n")
    top = counts.first()
    return Epci.objects.get(pk=top["place__commune__epci"]), top["n"]


def _download(page, link):
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _reload_while_computing(page, timeout=120):
    """On a fresh server the worker computes the figures first: the page says so and asks to reload it."""
    deadline = time.monotonic() + timeout
    while "en cours de calcul" in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "the observatory's figures never came"
        time.sleep(2)
        page.reload()


def _csv_rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_official_reads_the_services_map_on_a_phone(phone, site_url):
    server_errors = _server_errors(phone)
    phone.goto(site_url + "/annuaire/carte/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Carte des services")
    # The table is the map's accessible equivalent: it is there, and the page does not scroll sideways.
    expect(phone.locator("table.data-table tbody tr").first).to_be_visible()
    expect(phone.locator(".helpline-bar a[href^='tel:']")).to_be_in_viewport()
    assert no_horizontal_scroll(phone), phone.evaluate("document.documentElement.scrollWidth")
    assert not server_errors, server_errors
    assert not phone.js_errors, phone.js_errors


def test_official_filters_the_map_by_epci_exports_it_and_reads_the_portrait(desktop, site_url):
    server_errors = _server_errors(desktop)
    epci, expected = _busiest_epci()

    desktop.goto(site_url + "/annuaire/carte/")
    assert no_horizontal_scroll(desktop)
    everything = int(re.search(r"\d+", desktop.locator("#selection-titre").inner_text()).group())
    assert everything > expected, "the demo has services in more than one intercommunality"
    # With JavaScript, the map shows markers (tiles are switched off: no internet on test machines).
    expect(desktop.locator("#carte-services")).to_be_visible()
    expect(desktop.locator("#carte-services .leaflet-marker-icon").first).to_be_attached()

    # Filter by intercommunality: the count, the table and the address say so.
    desktop.get_by_label("Intercommunalité").select_option(label=epci.name)
    desktop.get_by_role("button", name="Afficher la sélection").click()
    desktop.wait_for_url(re.compile(rf"epci={epci.siren}"))
    expect(desktop.locator("#selection-titre")).to_contain_text(f"{expected} service")
    epci_cells = desktop.locator("table.data-table tbody tr td:nth-child(5)").all_inner_texts()
    assert epci_cells and set(epci_cells) == {epci.name}
    assert no_horizontal_scroll(desktop)

    # CSV of the selection: the same services, nothing from other intercommunalities.
    name, data = _download(desktop, desktop.get_by_role("link", name="Télécharger la sélection en CSV"))
    assert name.endswith(".csv")
    # Meant for people: it opens in French Excel (";" and a BOM).
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data.splitlines()[0]
    rows = _csv_rows(data)
    assert len(rows) == expected
    assert {row["siren_intercommunalite"] for row in rows} == {epci.siren}
    assert {row["intercommunalite"] for row in rows} == {epci.name}

    # GeoJSON of the selection (RFC 7946): the same services, as points [longitude, latitude] in the Gers.
    name, data = _download(desktop, desktop.get_by_role("link", name="Télécharger la sélection en GeoJSON"))
    assert name.endswith(".geojson")
    collection = json.loads(data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == expected
    assert {feature["id"] for feature in collection["features"]} == {row["identifiant"] for row in rows}
    for feature in collection["features"]:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -0.5 < longitude < 1.5 and 43 < latitude < 44.5, feature["geometry"]

    # The EPCI's portrait in the observatory: from the département page, its row in the table.
    desktop.goto(site_url + "/observatoire/")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Observatoire")
    _reload_while_computing(desktop)
    desktop.locator("#par-epci").locator("xpath=..").get_by_role("link", name=epci.name, exact=True).click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text(epci.name)
    portrait = desktop.locator("main").inner_text()
    assert "Chiffres clés" in portrait and "Communes éloignées des services" in portrait
    assert no_horizontal_scroll(desktop)

    # From the portrait, the coverage analysis of one category: which communes are far from that help.
    desktop.locator("#eloignement").locator("xpath=..").locator("tbody a").first.click()
    desktop.wait_for_url(re.compile(r"/observatoire/couverture/\?category="))
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Communes éloignées des services")
    expect(desktop.locator("#distantes-titre")).to_be_visible()
    assert no_horizontal_scroll(desktop)
    name, data = _download(desktop, desktop.get_by_role("link", name=re.compile("Télécharger les distances")))
    coverage_rows = _csv_rows(data)
    from territories.models import Commune

    assert len(coverage_rows) == Commune.objects.count()
    assert not server_errors, server_errors
    assert not desktop.js_errors, desktop.js_errors
