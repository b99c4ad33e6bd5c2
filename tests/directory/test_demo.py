"""The demo directory: credible, published, placed in the Gers without the network, and idempotent."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page, Revision

from directory import hours
from directory.demo import load_directory
from directory.models import DirectoryPage, Organisation, Place, Service
from directory.vocabulary import GeocodingPrecision, ServiceKind, ServiceStatus
from home.models import HomePage

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "organisations": list(
            Organisation.objects.order_by("pk").values_list("pk", "source_id", "updated_at")
        ),
        "places": list(
            Place.objects.order_by("pk").values_list("pk", "source_id", "latitude", "longitude", "updated_at")
        ),
        "services": list(
            Service.objects.order_by("pk").values_list(
                "pk", "slug", "live", "updated_at", "latest_revision_id", "live_revision_id", "search_text"
            )
        ),
        "categories": sorted(Service.categories.through.objects.values_list("service_id", "category_id")),
        "pages": list(Page.objects.order_by("path").values_list("path", "live", "latest_revision_id")),
        "revisions": Revision.objects.count(),
        "log_entries": ModelLogEntry.objects.count(),
    }


@pytest.fixture
def demo(db):
    call_command("load_demo")


def test_second_run_creates_and_changes_nothing(demo, capsys):
    first = snapshot()
    assert 35 <= len(first["services"]) <= 60

    call_command("load_demo")
    assert snapshot() == first
    assert "Annuaire : rien à créer" in capsys.readouterr().out
    assert load_directory() == "Annuaire : rien à créer, tout est déjà en place."


def test_directory_page_is_published_in_menus_and_linked_from_home(demo, client):
    page = DirectoryPage.objects.get()
    assert (page.slug, page.title) == ("annuaire", "Trouver de l'aide près de chez moi")
    assert page.live and page.show_in_menus
    assert "0800 323 130" in page.no_result_text
    home = HomePage.objects.get()
    assert page.get_parent().pk == home.pk
    assert page.url == "/annuaire/"
    assert home.find_help_page_id == page.pk


def test_services_are_published_through_revisions(demo):
    services = Service.objects.all()
    assert all(s.live and s.live_revision_id and s.first_published_at for s in services)
    assert Service.objects.public().count() == services.count()
    service = services.get(source_id="demo-service-tl-lombez")
    actions = set(ModelLogEntry.objects.for_instance(service).values_list("action", flat=True))
    assert {"wagtail.create", "wagtail.publish"} <= actions
    # The published revision carries the categories (ParentalManyToManyField).
    assert set(service.categories.values_list("slug", flat=True)) >= {"alimentation", "acces-aux-droits"}


def test_the_facts_of_the_source_documents(demo):
    open_third_places = Service.objects.filter(kind=ServiceKind.THIRD_PLACE, status=ServiceStatus.OPEN)
    assert {(s.place.commune.name, s.organisation.name) for s in open_third_places} == {
        ("Lombez", "Croix-Rouge française — Gers"),
        ("Masseube", "Croix-Rouge française — Gers"),
        ("Lectoure", "Secours populaire français — Gers"),
    }
    planned = Service.objects.filter(kind=ServiceKind.THIRD_PLACE, status=ServiceStatus.PLANNED)
    assert {s.place.commune.name for s in planned} == {"Plaisance", "Cazaubon", "Nogaro", "Mirande"}

    helpline = Service.objects.get(title="Numéro Vert Social")
    assert helpline.place is None and helpline.by_phone and not helpline.on_site
    assert helpline.contact_phone == "0800 323 130"
    assert helpline.opening_hours == "Mo-Fr 08:30-18:00; PH off"
    assert Service.objects.get(title="Allo Info Élus").contact_phone == "05 62 67 30 48"
    assert Service.objects.filter(title="Point Conseil Budget", categories__slug="budget").exists()
    camping_car = Service.objects.get(kind=ServiceKind.ITINERANT)
    assert camping_car.description

    masseube = {s.title for s in Service.objects.filter(place__commune__name="Masseube")}
    assert {
        "France Services à Masseube",
        "Centre social de Masseube",
        "Permanence santé à Masseube",
    } <= masseube
    food_towns = set(
        Service.objects.filter(kind=ServiceKind.PARTNER_OFFER, categories__slug="alimentation")
        .exclude(place=None)
        .values_list("place__commune__name", flat=True)
    )
    assert {"Auch", "Condom", "Fleurance", "L'Isle-Jourdain", "Eauze", "Mirande", "Nogaro"} <= food_towns
    # A permanence held once a month (the 2nd Tuesday).
    assert Service.objects.filter(opening_hours__contains="Tu[2]").exists()


def test_every_place_is_in_its_commune_without_geocoding(demo):
    for place in Place.objects.select_related("commune"):
        assert place.geocoding_precision == GeocodingPrecision.COMMUNE
        assert abs(place.latitude - place.commune.latitude) < 0.01
        assert abs(place.longitude - place.commune.longitude) < 0.01
        assert place.location == f"SRID=4326;POINT({place.longitude} {place.latitude})"
        assert place.postcode in place.commune.postal_code_list


def test_opening_hours_are_valid_and_listings_recently_verified(demo):
    now = timezone.now()
    for service in Service.objects.all():
        if service.opening_hours:
            hours.validate_opening_hours(service.opening_hours)
            # Every listed timetable opens at least once in the next two months.
            assert service.next_opening(dt.datetime(2025, 3, 3, 8, 0, tzinfo=hours.PARIS)) is not None, (
                service
            )
        assert now - dt.timedelta(days=60) < service.last_verified_at < now - dt.timedelta(days=7)
        assert service.categories.exists(), service
        assert service.organisation.source_id.startswith("demo-")
