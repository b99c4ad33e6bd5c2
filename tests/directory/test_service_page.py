"""The service page at /annuaire/<slug>/, through HTTP."""

import datetime as dt
import json
import re

import pytest
from pytest_django.asserts import assertInHTML

from directory.listings import hours
from directory.listings.vocabulary import Fees, ServiceStatus
from directory.models import Audience, DirectoryPage
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.html_text import soup, visible_text, visible_texts

MIRANDE = "32256"
# Monday 9 March 2026, 13:00 (closed between 12:00 and 14:00).
MONDAY_13 = dt.datetime(2026, 3, 9, 13, 0, tzinfo=hours.PARIS)


@pytest.fixture
def directory_page(demo_site, gers):
    page = demo_site.root_page.add_child(instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire"))
    page.save_revision().publish()
    return page


@pytest.fixture
def service(directory_page):
    place = PlaceFactory(
        commune=commune(MIRANDE),
        name="Maison des solidarités",
        address="12 rue de l'Évêché",
        step_free_access=True,
        accessible_toilets=False,
        hearing_loop=None,
        accessibility_notes="Rampe côté parking.",
        getting_there="Bus ligne 3, arrêt Mairie.",
    )
    service = ServiceFactory(
        place=place,
        organisation=place.organisation,
        title="Point Conseil Budget",
        summary="Un conseiller vous aide à faire le point sur votre budget.",
        description="Entretien confidentiel et gratuit.",
        conditions="Habiter le Gers.",
        fees=Fees.FREE,
        appointment_required=True,
        by_phone=True,
        phone="05 62 61 00 00",
        email="budget@exemple.org",
        website="https://exemple.org/budget",
        opening_hours="Mo-Fr 09:00-12:00,14:00-17:00; PH off",
        opening_hours_notes="Fermé la première semaine d'août.",
        languages="français, espagnol",
        categories=["budget"],
        audiences=["familles"],
        last_verified_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=hours.PARIS),
    )
    return service


def text(response):
    return visible_text(response)


def test_service_page_shows_the_essentials(client, service, time_machine):
    time_machine.move_to(MONDAY_13, tick=False)
    response = client.get("/annuaire/point-conseil-budget/")
    assert response.status_code == 200
    html = response.content.decode()
    body = text(response)
    assert visible_text(response, "h1") == "Point Conseil Budget"
    assert service.organisation.name in body
    for expected in (
        "Permanence",
        "Un conseiller vous aide à faire le point sur votre budget.",
        "Entretien confidentiel et gratuit.",
        "Familles",
        "Habiter le Gers.",
        "Gratuit",
        "Accueil sur place, Par téléphone",
        "Sur rendez-vous",
        "français, espagnol",
        "Fermé la première semaine d'août.",
        "Maison des solidarités",
        "12 rue de l'Évêché",
        "32300 Mirande",
        # dt/dd pairs (the colon is drawn by the stylesheet).
        "Accès de plain-pied ou rampe oui",
        "Toilettes adaptées non",
        "Boucle magnétique non renseigné",
        "Rampe côté parking.",
        "Bus ligne 3, arrêt Mairie.",
        "Mis à jour le 2 mars 2026",
        "Fermé en ce moment. Prochaine ouverture : aujourd'hui à 14 h 00.",
    ):
        assert expected in body, expected
    assert 'href="tel:+33562610000"' in html
    assert 'href="mailto:budget@exemple.org"' in html
    assert 'href="https://exemple.org/budget"' in html
    assert service.place.directions_url().replace("&", "&amp;") in html
    assert "https://www.openstreetmap.org/?mlat=" in html


def test_hours_table_for_the_coming_week(client, service, time_machine):
    time_machine.move_to(MONDAY_13, tick=False)
    body = text(client.get("/annuaire/point-conseil-budget/"))
    assert "Horaires des 7 prochains jours" in body
    assert "Lundi 9 mars (aujourd'hui) 9 h 00 – 12 h 00, 14 h 00 – 17 h 00" in body
    assert "Samedi 14 mars fermé" in body
    assert "Dimanche 15 mars fermé" in body


def test_open_now_and_until_when(client, service, time_machine):
    time_machine.move_to(MONDAY_13.replace(hour=10), tick=False)
    body = text(client.get("/annuaire/point-conseil-budget/"))
    assert "Ouvert maintenant, jusqu'à 12 h 00." in body
    # Friday evening: the next opening is Monday.
    time_machine.move_to(MONDAY_13.replace(day=13, hour=18), tick=False)
    body = text(client.get("/annuaire/point-conseil-budget/"))
    assert "Prochaine ouverture : lundi 16 mars à 9 h 00." in body


def test_breadcrumbs_open_graph_and_report_link(client, service, settings):
    response = client.get("/annuaire/point-conseil-budget/")
    html = response.content.decode()
    assert visible_texts(response, "nav.breadcrumbs li") == [
        "Accueil",
        "Trouver de l'aide",
        "Point Conseil Budget",
    ]
    assertInHTML('<meta property="og:title" content="Point Conseil Budget">', html)
    assertInHTML(
        f'<meta property="og:url" content="{settings.SITE_URL}/annuaire/point-conseil-budget/">', html
    )
    assertInHTML(f'<link rel="canonical" href="{settings.SITE_URL}/annuaire/point-conseil-budget/">', html)
    # The report form (tests/directory/test_reports.py) replaced the mailto link.
    page = soup(response)
    assert (
        page.select_one('a[href="/annuaire/point-conseil-budget/signaler/"]')
        .get_text()
        .startswith("Signaler une erreur")
    )
    # Print stylesheet and the map assets from the XStatic packages.
    assert page.select_one(
        'link[rel="stylesheet"][href="/static/directory/directory-print.css"][media="print"]'
    )
    assert "/static/leaflet/leaflet.js" in html
    assert page.select_one(".service-map.js-service-map").has_attr("hidden")


def test_json_ld_is_valid_json_with_opening_hours(client, service, time_machine):
    time_machine.move_to(MONDAY_13, tick=False)
    html = client.get("/annuaire/point-conseil-budget/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Point Conseil Budget"
    assert data["telephone"] == "05 62 61 00 00"
    location = data["availableChannel"]["serviceLocation"]
    assert location["address"]["addressLocality"] == "Mirande"
    assert location["geo"]["latitude"] == pytest.approx(service.place.latitude)
    specs = location["openingHoursSpecification"]
    assert specs == data["hoursAvailable"]
    assert {"dayOfWeek": "https://schema.org/Monday", "opens": "09:00", "closes": "12:00"}.items() <= specs[
        0
    ].items()
    assert len(specs) == 10  # two intervals, five week days


def test_json_ld_cannot_be_closed_by_service_text(client, service):
    service.title = "Aide </script><script>alert(1)</script>"
    service.save()
    html = client.get(f"/annuaire/{service.slug}/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["name"] == "Aide </script><script>alert(1)</script>"


def test_planned_service(client, directory_page):
    ServiceFactory(title="Tiers-lieu de Nogaro", status=ServiceStatus.PLANNED, opening_hours="")
    body = text(client.get("/annuaire/tiers-lieu-de-nogaro/"))
    assert "Ouverture prévue" in body
    assert "son ouverture est prévue" in body


def test_phone_only_service_has_no_map(client, directory_page):
    ServiceFactory(title="Numéro Vert Social", place=None, on_site=False, by_phone=True, phone="0800 323 130")
    response = client.get("/annuaire/numero-vert-social/")
    assert response.status_code == 200
    assert "Ce service se joint par téléphone ou en ligne." in text(response)
    assert "js-service-map" not in response.content.decode()
    assert 'href="tel:+33800323130"' in response.content.decode()


def test_unpublished_service_is_not_found(client, service):
    service.live = False
    service.save()
    response = client.get("/annuaire/point-conseil-budget/")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_unknown_service_is_not_found_in_french(client, directory_page):
    response = client.get("/annuaire/nexiste-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in text(response)


def test_audiences_listed(client, service):
    service.audiences.set(Audience.objects.filter(slug__in=["familles", "jeunes"]))
    service.save()
    assert "Familles, Jeunes" in text(client.get("/annuaire/point-conseil-budget/"))
