"""Places are moderated like services: the public keeps the published place until staff approve a partner's change."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from directory.demo.listings import load_directory
from directory.exchange.importing import import_file
from directory.models import Place, Service
from directory.partners.moderation import WORKFLOW_NAME

from .factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune
from .test_admin import place_form, service_form
from .test_api import titles
from .test_import import GOOD_ROW, make_csv
from .test_moderation import approve_url
from .test_partner_access import make_partner, make_staff

MIRANDE, AUCH = "32256", "32013"
OLD_ADDRESS = "3 rue Victor Hugo"
NEW_ADDRESS = "12 avenue de la Gare"


@pytest.fixture
def listing(gers, django_user_model):
    organisation = OrganisationFactory(name="Secours populaire de Mirande")
    place = PlaceFactory(
        organisation=organisation, name="Local solidaire", address=OLD_ADDRESS, commune=commune(MIRANDE)
    )
    service = ServiceFactory(organisation=organisation, place=place, title="Distribution de Mirande")
    staff = make_staff(django_user_model)
    place.save_revision(user=staff).publish(user=staff)
    partner = make_partner(django_user_model, organisation)
    return {
        "organisation": organisation,
        "place": place,
        "service": service,
        "partner": partner,
        "staff": staff,
    }


def place_url(view, *args):
    return reverse(f"wagtailsnippets_directory_place:{view}", args=args)


def move_to_auch(client, place, action="action-submit"):
    """The place form posted with a new address and the map point moved to Auch (about 20 km north)."""
    auch = commune(AUCH)
    data = place_form(
        place, address=NEW_ADDRESS, location=f"SRID=4326;POINT({auch.longitude} {auch.latitude})"
    )
    data[action] = "1"
    return client.post(place_url("edit", place.pk), data)


def public_page(service):
    """The service page as a resident sees it (not logged in)."""
    return Client().get(service.get_absolute_url())


def around(insee, radius=5):
    """The API's radius search around a commune's centre: the titles it finds."""
    centre = commune(insee)
    return titles(Client(), [("lat", centre.latitude), ("lon", centre.longitude), ("radius", radius)])


@pytest.mark.django_db
def test_partner_change_waits_for_approval_then_the_public_sees_it(client, listing):
    place, service = listing["place"], listing["service"]
    client.force_login(listing["partner"])
    response = move_to_auch(client, place)
    assert response.status_code == 302, response.content.decode()[:3000]

    place.refresh_from_db()
    assert place.workflow_in_progress
    assert place.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert place.live and place.has_unpublished_changes
    # The row, the service page and the radius search (the services' copy of the point) keep the published place.
    assert place.address == OLD_ADDRESS
    page = public_page(service).content.decode()
    assert OLD_ADDRESS in page and NEW_ADDRESS not in page
    assert around(MIRANDE) == [service.title]
    assert around(AUCH) == []

    client.force_login(listing["staff"])
    response = client.post(approve_url(place, place.current_workflow_task_state, "approve"), {"comment": ""})
    assert response.status_code in (200, 302)

    place.refresh_from_db()
    assert not place.workflow_in_progress
    assert place.live and not place.has_unpublished_changes
    assert place.address == NEW_ADDRESS
    page = public_page(service).content.decode()
    assert NEW_ADDRESS in page and OLD_ADDRESS not in page
    assert around(AUCH) == [service.title]
    assert around(MIRANDE) == []
    actions = set(ModelLogEntry.objects.for_instance(place).values_list("action", flat=True))
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish"} <= actions


@pytest.mark.django_db
def test_staff_request_changes_and_the_public_keeps_the_published_place(client, listing):
    place, service = listing["place"], listing["service"]
    client.force_login(listing["partner"])
    move_to_auch(client, place)
    place.refresh_from_db()

    client.force_login(listing["staff"])
    client.post(approve_url(place, place.current_workflow_task_state, "reject"), {"comment": "Quel numéro ?"})
    place.refresh_from_db()
    assert place.current_workflow_state.status == place.current_workflow_state.STATUS_NEEDS_CHANGES
    assert OLD_ADDRESS in public_page(service).content.decode()


@pytest.mark.django_db
def test_trusted_organisation_change_to_a_place_is_published_directly(client, listing):
    listing["organisation"].trusted = True
    listing["organisation"].save()
    place, service = listing["place"], listing["service"]
    client.force_login(listing["partner"])
    response = move_to_auch(client, place)
    assert response.status_code == 302

    place.refresh_from_db()
    assert place.address == NEW_ADDRESS
    assert not place.workflow_in_progress and not place.has_unpublished_changes
    assert NEW_ADDRESS in public_page(service).content.decode()
    assert around(AUCH) == [service.title]
    assert ModelLogEntry.objects.for_instance(place).filter(action="wagtail.workflow.approve").exists()


@pytest.mark.django_db
def test_partner_cannot_publish_a_place_or_approve_their_own_change(client, listing):
    place, service = listing["place"], listing["service"]
    client.force_login(listing["partner"])
    form = client.get(place_url("edit", place.pk)).content.decode()
    assert 'name="action-submit"' in form
    assert 'name="action-publish"' not in form

    # Asking to publish only saves a draft.
    assert move_to_auch(client, place, action="action-publish").status_code == 302
    place.refresh_from_db()
    assert place.address == OLD_ADDRESS and place.has_unpublished_changes
    assert not place.workflow_in_progress

    move_to_auch(client, place)
    place.refresh_from_db()
    client.post(approve_url(place, place.current_workflow_task_state, "approve"), {"comment": ""})
    place.refresh_from_db()
    assert place.workflow_in_progress
    assert place.address == OLD_ADDRESS
    assert OLD_ADDRESS in public_page(service).content.decode()


@pytest.mark.django_db
def test_staff_publish_a_place_directly(client, listing):
    place, service = listing["place"], listing["service"]
    client.force_login(listing["staff"])
    form = client.get(place_url("edit", place.pk)).content.decode()
    assert 'name="action-publish"' in form
    assert move_to_auch(client, place, action="action-publish").status_code == 302
    place.refresh_from_db()
    assert place.address == NEW_ADDRESS and not place.has_unpublished_changes
    assert NEW_ADDRESS in public_page(service).content.decode()


@pytest.mark.django_db
def test_a_partners_new_place_stays_off_public_pages_until_approved(client, listing):
    organisation, partner, staff = listing["organisation"], listing["partner"], listing["staff"]
    client.force_login(partner)
    data = place_form(
        PlaceFactory.build(organisation=organisation, commune=commune(AUCH), address=NEW_ADDRESS),
        name="Nouveau local d'Auch",
        location="",
    )
    data["action-submit"] = "1"
    assert client.post(place_url("add"), data).status_code == 302
    place = Place.objects.get(name="Nouveau local d'Auch")
    assert not place.live and place.workflow_in_progress
    assert place.organisation == organisation

    # A service at the new place, submitted and approved before the place itself.
    data = service_form(organisation, place, title="Atelier numérique d'Auch")
    data["action-submit"] = "1"
    assert client.post(reverse("wagtailsnippets_directory_service:add"), data).status_code == 302
    service = Service.objects.get(title="Atelier numérique d'Auch")
    client.force_login(staff)
    client.post(approve_url(service, service.current_workflow_task_state, "approve"), {"comment": ""})
    service.refresh_from_db()
    assert service.live and not service.place_live
    assert not Service.objects.public().filter(pk=service.pk).exists()
    assert public_page(service).status_code == 404
    assert service.title not in titles(Client())
    assert around(AUCH) == []

    place.refresh_from_db()
    client.post(approve_url(place, place.current_workflow_task_state, "approve"), {"comment": ""})
    place.refresh_from_db()
    assert place.live
    response = public_page(service)
    assert response.status_code == 200
    assert NEW_ADDRESS in response.content.decode()
    assert around(AUCH) == [service.title]


@pytest.mark.django_db
def test_unpublishing_a_place_takes_its_services_off_public_pages(client, listing):
    place, service, staff = listing["place"], listing["service"], listing["staff"]
    client.force_login(staff)
    assert client.post(place_url("unpublish", place.pk)).status_code == 302
    place.refresh_from_db()
    assert not place.live
    assert public_page(service).status_code == 404
    assert around(MIRANDE) == []
    place.save_revision(user=staff).publish(user=staff)
    assert public_page(service).status_code == 200
    assert around(MIRANDE) == [service.title]


@pytest.mark.django_db
def test_demo_and_import_create_published_places(gers, django_user_model):
    load_directory()
    staff = django_user_model.objects.create_superuser("chef", "chef@exemple.org", "motdepasse-long")
    report = import_file(make_csv([GOOD_ROW]).encode(), dry_run=False, user=staff)
    assert report.ok, [str(e) for e in report.errors]
    assert Place.objects.get(name=GOOD_ROW["lieu_nom"]).live
    assert Place.objects.count() > 1 and not Place.objects.filter(live=False).exists()
    assert set(Service.objects.public()) == set(Service.objects.filter(live=True))


@pytest.mark.django_db
def test_deleting_a_draft_place_releases_its_services(client, listing):
    """Its services are no longer held back by it, nor found at its point."""
    place, service, staff = listing["place"], listing["service"], listing["staff"]
    client.force_login(staff)
    client.post(place_url("unpublish", place.pk))
    assert public_page(service).status_code == 404
    assert client.post(place_url("delete", place.pk)).status_code == 302
    service.refresh_from_db()
    assert service.place is None and service.place_live and service.latitude is None
    assert public_page(service).status_code == 200
    assert around(MIRANDE) == []
