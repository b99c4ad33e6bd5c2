"""Closures of shared places: a partner closes only its own services and the places it owns; organisations whose
services stand at a closed place see that closure in their admin, read-only."""

import datetime as dt

import pytest
from django.urls import reverse

from directory.models import Closure

from .factories import OrganisationFactory, PlaceFactory, ServiceFactory
from .test_partner_access import make_partner


@pytest.fixture
def shared_places(gers, django_user_model):
    """A's tiers-lieu hosts B's service; B's place hosts one of A's services."""
    a = OrganisationFactory(name="Tiers-lieu A")
    b = OrganisationFactory(name="Association B")
    place_a = PlaceFactory(organisation=a, name="Tiers-lieu de A")
    place_b = PlaceFactory(organisation=b, name="Locaux de B")
    service_a = ServiceFactory(organisation=a, place=place_a, title="Accueil A")
    service_a_at_b = ServiceFactory(organisation=a, place=place_b, title="Permanence A chez B")
    service_b_at_a = ServiceFactory(organisation=b, place=place_a, title="Permanence B au tiers-lieu")
    return {
        "a": a,
        "b": b,
        "place_a": place_a,
        "place_b": place_b,
        "service_a": service_a,
        "service_a_at_b": service_a_at_b,
        "service_b_at_a": service_b_at_a,
        "partner_a": make_partner(django_user_model, a, username="partenaire-a"),
        "partner_b": make_partner(django_user_model, b, username="partenaire-b"),
    }


def closure_form(service=None, place=None, reason="Travaux"):
    return {
        "service": service.pk if service else "",
        "place": place.pk if place else "",
        "starts_on": "2027-08-01",
        "ends_on": "2027-08-15",
        "reason": reason,
    }


ADD = "wagtailsnippets_directory_closure:add"


def url(name, closure):
    return reverse(f"wagtailsnippets_directory_closure:{name}", args=[closure.pk])


def closure(**kwargs):
    return Closure.objects.create(starts_on=dt.date(2027, 8, 1), ends_on=dt.date(2027, 8, 31), **kwargs)


@pytest.mark.django_db
def test_the_add_form_offers_only_own_services_and_owned_places(client, shared_places):
    data = shared_places
    client.force_login(data["partner_a"])
    page = client.get(reverse(ADD)).content.decode()
    assert "Accueil A" in page and "Permanence A chez B" in page
    assert "Permanence B au tiers-lieu" not in page
    assert "Tiers-lieu de A" in page
    # A's service stands at B's place, but closing the whole place is B's business.
    assert "Locaux de B" not in page


@pytest.mark.django_db
def test_a_partner_cannot_create_a_closure_for_another_organisations_service(client, shared_places):
    data = shared_places
    client.force_login(data["partner_a"])
    response = client.post(reverse(ADD), closure_form(service=data["service_b_at_a"]))
    assert response.status_code == 200
    assert not Closure.objects.exists()


@pytest.mark.django_db
def test_a_partner_cannot_close_a_place_it_does_not_own_even_if_its_service_stands_there(
    client, shared_places
):
    data = shared_places
    client.force_login(data["partner_a"])
    response = client.post(reverse(ADD), closure_form(place=data["place_b"]))
    assert response.status_code == 200
    assert not Closure.objects.exists()


@pytest.mark.django_db
def test_a_partner_closes_its_own_service_and_the_place_it_owns(client, shared_places):
    data = shared_places
    client.force_login(data["partner_a"])
    assert client.post(reverse(ADD), closure_form(service=data["service_a_at_b"])).status_code == 302
    assert (
        client.post(reverse(ADD), closure_form(place=data["place_a"], reason="Inventaire")).status_code == 302
    )
    assert Closure.objects.filter(service=data["service_a_at_b"]).exists()
    assert Closure.objects.filter(place=data["place_a"]).exists()


@pytest.mark.django_db
def test_a_partner_cannot_edit_or_delete_a_closure_of_another_organisations_service(client, shared_places):
    data = shared_places
    theirs = closure(service=data["service_b_at_a"], reason="Congés B")
    client.force_login(data["partner_a"])
    client.post(url("edit", theirs), closure_form(service=data["service_a"], reason="Détourné"))
    client.post(url("delete", theirs))
    theirs.refresh_from_db()
    assert theirs.service == data["service_b_at_a"] and theirs.reason == "Congés B"


@pytest.mark.django_db
def test_a_place_closure_is_shown_read_only_to_the_organisations_whose_services_stand_there(
    client, shared_places
):
    data = shared_places
    place_closure = closure(place=data["place_b"], reason="Travaux chez B")
    client.force_login(data["partner_a"])
    listing = client.get(reverse("wagtailsnippets_directory_closure:list")).content.decode()
    assert "Locaux de B" in listing
    assert url("edit", place_closure) not in listing
    assert client.get(url("inspect", place_closure)).status_code == 200
    assert client.get(url("edit", place_closure)).status_code in (302, 403, 404)
    client.post(url("edit", place_closure), closure_form(place=data["place_b"], reason="Détourné"))
    client.post(url("delete", place_closure))
    place_closure.refresh_from_db()
    assert place_closure.reason == "Travaux chez B"
    # Its owner still edits it.
    client.force_login(data["partner_b"])
    response = client.post(
        url("edit", place_closure), closure_form(place=data["place_b"], reason="Réfection")
    )
    assert response.status_code == 302
    place_closure.refresh_from_db()
    assert place_closure.reason == "Réfection"


@pytest.mark.django_db
def test_the_owner_closing_a_shared_place_is_seen_by_the_hosted_organisation(client, shared_places):
    data = shared_places
    client.force_login(data["partner_a"])
    client.post(reverse(ADD), closure_form(place=data["place_a"], reason="Fermeture du tiers-lieu"))
    client.force_login(data["partner_b"])
    listing = client.get(reverse("wagtailsnippets_directory_closure:list")).content.decode()
    assert "Fermeture du tiers-lieu" in listing


@pytest.mark.django_db
def test_a_partner_cannot_move_its_own_closure_onto_another_organisations_service(client, shared_places):
    data = shared_places
    mine = closure(service=data["service_a"], reason="Congés A")
    client.force_login(data["partner_a"])
    client.post(url("edit", mine), closure_form(service=data["service_b_at_a"], reason="Congés A"))
    client.post(url("edit", mine), closure_form(place=data["place_b"], reason="Congés A"))
    mine.refresh_from_db()
    assert mine.service == data["service_a"] and mine.place is None
