"""The demo directory: credible, published, placed in the Gers without the network, and idempotent."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, Page, Revision

from directory.demo.listings import load_directory
from directory.listings import hours
from directory.listings.vocabulary import GeocodingPrecision, ServiceKind, ServiceStatus
from directory.models import DirectoryPage, Organisation, Place, Service
from home.models import HomePage
from tests.html_text import soup, text_of, visible_text

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


def test_home_figures_come_from_the_data_and_cards_show_the_articles_dates(demo, client):
    from territories.models import Epci

    page = soup(client.get("/"))
    figures = {
        visible_text(value.parent, ".key-figure__label"): text_of(value)
        for value in page.select(".key-figure__value")
    }
    assert figures["portraits de territoire, un par intercommunalité"] == str(Epci.objects.count())
    open_third_places = Service.objects.public().filter(
        kind=ServiceKind.THIRD_PLACE, status=ServiceStatus.OPEN
    )
    assert figures["tiers-lieux solidaires ouverts"] == str(open_third_places.count())
    assert int(figures["communes où passe le service public itinérant"]) > 0
    # The news cards: the articles' own dates (2021), not the day the demo was loaded; no campaign of 2020 first.
    today = timezone.localdate()
    cards = [
        (visible_text(card, ".card__title a"), card.select_one("p.card__meta"))
        for card in page.select("li.card")
    ]
    assert cards and cards[0][0] == "Gers Solidaire labellisé Point Conseil Budget"
    assert "Couturières et couturiers solidaires" not in [title for title, _ in cards]
    assert all(time["datetime"] != f"{today:%Y-%m-%d}" for _, meta in cards for time in meta.select("time"))
    assert text_of(cards[0][1]) == "Publié le 12 avril 2021" and cards[0][1].time["datetime"] == "2021-04-12"


def test_demo_slugs_keep_the_oe(demo):
    assert Organisation.objects.get(name="Les Restos du cœur — Gers").slug == "les-restos-du-coeur-gers"
    assert not Organisation.objects.filter(slug__contains="-cur").exists()


def test_sitemap_lists_services_tours_stops_and_observatory_under_site_url(demo, client, settings):
    from core.site_url import sync_default_site
    from directory.tours.models import Tour
    from territories.models import Epci

    settings.SITE_URL = "https://gerssolidaire.example"
    settings.ALLOWED_HOSTS = ["*"]
    sync_default_site()  # as migrate does in production: Wagtail's pages follow SITE_URL too
    xml = client.get("/sitemap.xml", HTTP_HOST="interne.local:8000").content.decode()
    locations = set(re.findall(r"<loc>([^<]+)</loc>", xml))
    assert all(loc.startswith("https://gerssolidaire.example/") for loc in locations), locations
    base = settings.SITE_URL
    for service in Service.objects.public():
        assert base + service.get_absolute_url() in locations
    draft = Service.objects.filter(live=False).first()
    if draft is not None:
        assert base + draft.get_absolute_url() not in locations
    for tour in Tour.objects.filter(live=True):
        assert f"{base}/annuaire/tournees/{tour.slug}/" in locations
    assert f"{base}/annuaire/passages/" in locations
    assert any(re.fullmatch(rf"{base}/annuaire/communes/32\d{{3}}/passages/", loc) for loc in locations)
    for path in ("/annuaire/carte/", "/observatoire/", "/observatoire/couverture/"):
        assert base + path in locations
    portraits = [loc for loc in locations if re.fullmatch(rf"{base}/observatoire/[a-z0-9-]+/", loc)]
    assert len(portraits) == Epci.objects.count() + 1  # each EPCI, and the coverage page
    assert f"{base}/qui-sommes-nous/" in locations
    # Every listed page answers.
    for loc in sorted(locations)[:: max(1, len(locations) // 25)]:
        assert client.get(loc.removeprefix(base)).status_code == 200, loc


def test_demo_texts_state_no_count_that_the_data_gives(demo, client):
    """Counts of the site's own data are computed (home.figures), never typed into the texts of today."""
    from home.models import StandardPage

    texts = [s.description for s in Service.objects.all()]
    texts += [str(p.body) for p in StandardPage.objects.all()]
    for text in texts:
        assert not re.search(r"\b\d+ (communes|intercommunalités|portraits|tiers-lieux)\b", text), text
