"""The directory in the Wagtail admin, through HTTP as an editor uses it."""

import json
import re

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from directory.listings.vocabulary import GeocodingPrecision, ServiceKind
from directory.models import Category, Place, Service

from .factories import OrganisationFactory, PlaceFactory, ServiceFactory

# The admin's forms list the communes.
pytestmark = pytest.mark.usefixtures("gers")

MODELS = ["service", "organisation", "place", "category", "audience"]


def url(model, view, *args):
    return reverse(f"wagtailsnippets_directory_{model}:{view}", args=args)


@pytest.fixture
def service(gers):
    return ServiceFactory(title="Permanence santé à Lombez", categories=["sante"], audiences=["tous-publics"])


def service_form(organisation, place, **overrides):
    data = {
        "organisation": organisation.pk,
        "kind": ServiceKind.PERMANENCE,
        "status": "open",
        "title": "Atelier budget à Condom",
        "slug": "",
        "summary": "Faire le point sur son budget avec un conseiller.",
        "description": "",
        "categories": [Category.objects.get(slug="budget").pk],
        "place": place.pk,
        "on_site": "on",
        "phone": "",
        "email": "",
        "website": "",
        "opening_hours": "Tu[2] 09:00-12:00; PH off",
        "opening_hours_notes": "",
        "last_verified_at": "",
        "conditions": "",
        "fees": "free",
        "fees_details": "",
        "languages": "français",
    }
    data.update(overrides)
    return data


def place_form(place, **overrides):
    """The place form as the admin posts it, filled with the place's current values."""
    data = {
        "organisation": place.organisation_id,
        "name": place.name,
        "address": place.address,
        "postcode": place.postcode,
        "commune": place.commune_id,
        "location": place.location,
        "step_free_access": "unknown",
        "accessible_toilets": "unknown",
        "hearing_loop": "unknown",
        "accessibility_notes": "",
        "getting_there": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("model", MODELS)
def test_listing_pages_answer(admin_client, service, model):
    response = admin_client.get(url(model, "list"))
    assert response.status_code == 200


def test_service_listing_shows_columns_filters_and_search(admin_client, service):
    other = ServiceFactory(title="Aide alimentaire à Auch", kind=ServiceKind.PARTNER_OFFER)
    response = admin_client.get(url("service", "list"))
    content = response.content.decode()
    for label in ("Structure", "Commune", "Lombez", "Permanence", "Publication", "Modifié le"):
        assert label in content
    # Filters: kind, category, organisation.
    health = Category.objects.get(slug="sante")
    for query in (
        {"kind": "permanence"},
        {"categories": health.pk},
        {"organisation": service.organisation_id},
        {"q": "lombez"},
    ):
        listed = list(admin_client.get(url("service", "list"), query).context["object_list"])
        assert listed == [service], query
    assert other not in listed


def test_the_admin_menu_groups_the_directory(admin_client, service):
    content = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    props = re.search(r'id="wagtail-sidebar-props" type="application/json">(.*?)</script>', content, re.S)
    main_menu = next(
        m for m in json.loads(props.group(1))["modules"] if m["_type"].endswith("MainMenuModule")
    )
    group = next(item for item in main_menu["_args"][0] if item["_args"][0]["name"] == "annuaire")
    assert group["_args"][0]["label"] == "Annuaire"
    assert [entry["_args"][0]["label"] for entry in group["_args"][1]] == [
        "Services",
        "Structures",
        "Lieux",
        "Tournées",
        "Passages récurrents",
        "Passages",
        "Fermetures",
        "Signalements",
        "Thématiques",
        "Publics",
    ]


def test_service_form_has_the_four_tabs_and_the_hours_help(admin_client, service):
    content = admin_client.get(url("service", "add")).content.decode()
    for tab in ("Présentation", "Lieu et contact", "Horaires", "Publics et conditions"):
        assert tab in content
    assert "Tu[2] 09:00-12:00" in content
    # Draft state: both save as draft and publish are offered.
    assert 'name="action-publish"' in content
    edit = admin_client.get(url("service", "edit", service.pk))
    assert edit.status_code == 200
    assert "Permanence santé à Lombez" in edit.content.decode()


def test_invalid_opening_hours_show_the_french_error_and_create_nothing(admin_client, service):
    place, organisation = service.place, service.organisation
    before = Service.objects.count()
    response = admin_client.post(
        url("service", "add"), service_form(organisation, place, opening_hours="lundi 9h-12h")
    )
    assert response.status_code == 200
    assert "Horaires illisibles" in response.content.decode()
    assert response.context["form"].errors["opening_hours"]
    assert Service.objects.count() == before


def test_a_valid_service_is_saved_as_a_draft(admin_client, service):
    response = admin_client.post(url("service", "add"), service_form(service.organisation, service.place))
    assert response.status_code == 302
    created = Service.objects.get(title="Atelier budget à Condom")
    assert not created.live
    assert created.latest_revision is not None
    assert created not in Service.objects.public()
    assert list(created.categories.values_list("slug", flat=True)) == ["budget"]
    assert created.search_text  # filled by save(): the public search can find it once published


def test_a_valid_service_is_published_when_asked(admin_client, service):
    data = service_form(service.organisation, service.place, **{"action-publish": "action-publish"})
    response = admin_client.post(url("service", "add"), data)
    assert response.status_code == 302
    created = Service.objects.get(title="Atelier budget à Condom")
    assert created.live and created.live_revision_id
    assert created in Service.objects.public()
    actions = set(ModelLogEntry.objects.for_instance(created).values_list("action", flat=True))
    assert {"wagtail.create", "wagtail.publish"} <= actions


def test_on_site_service_without_place_is_refused(admin_client, service):
    data = service_form(service.organisation, service.place)
    data["place"] = ""
    response = admin_client.post(url("service", "add"), data)
    assert response.status_code == 200
    assert "Un accueil sur place demande un lieu." in response.content.decode()


def test_place_form_uses_the_map_widget_and_keeps_coordinates_read_only(admin_client, gers):
    place = PlaceFactory()
    content = admin_client.get(url("place", "edit", place.pk)).content.decode()
    assert 'data-controller="leaflet-field"' in content
    # Centred on the place itself (the widget's default would be Stockholm).
    assert f"&quot;lat&quot;: &quot;{place.latitude}&quot;" in content
    assert 'name="location"' in content
    assert 'name="latitude"' not in content and 'name="longitude"' not in content


def test_moving_the_map_point_updates_latitude_and_longitude(admin_client, gers):
    place = PlaceFactory(address="place de la Mairie")
    data = place_form(
        place,
        location="SRID=4326;POINT(0.59 43.65)",
        step_free_access="true",
        **{"action-publish": "action-publish"},
    )
    response = admin_client.post(url("place", "edit", place.pk), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    place.refresh_from_db()
    assert (place.latitude, place.longitude) == (43.65, 0.59)
    assert place.geocoding_precision == GeocodingPrecision.MANUAL
    assert place.step_free_access is True


def test_organisation_can_be_created(admin_client, gers):
    data = {
        "name": "CCAS de Condom",
        "slug": "",
        "kind": "ccas_cias",
        "network": "ccas-cias",
        "siret": "",
        "description": "",
        "phone": "05 62 00 00 00",
        "email": "",
        "website": "",
        "logo": "",
    }
    response = admin_client.post(url("organisation", "add"), data)
    assert response.status_code == 302
    assert OrganisationFactory._meta.model.objects.get(name="CCAS de Condom").slug == "ccas-de-condom"


def test_place_edit_of_an_unknown_id_is_a_404(admin_client, gers):
    assert admin_client.get(url("place", "edit", 999999)).status_code == 404
    assert not Place.objects.filter(pk=999999).exists()


@pytest.mark.parametrize("model", ["place", "organisation"])
def test_choosers_used_by_the_service_form_answer(admin_client, service, model):
    chooser = reverse(f"wagtailsnippetchoosers_directory_{model}:choose")
    assert admin_client.get(chooser).status_code == 200
    results = reverse(f"wagtailsnippetchoosers_directory_{model}:choose_results")
    assert admin_client.get(results, {"q": "lieu"}).status_code == 200
