"""Organisations are moderated like services: their name shows on every one of their service pages, so a partner's
change waits for staff approval while the public keeps the published values."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from directory.models import Organisation
from directory.partners.moderation import WORKFLOW_NAME

from .factories import OrganisationFactory, ServiceFactory
from .test_moderation import approve_url
from .test_partner_access import make_partner, make_staff

OLD_NAME, NEW_NAME = "Secours populaire de Mirande", "Solidarité Mirande (nouveau nom)"
OLD_SITE, NEW_SITE = "https://ancien.exemple.org/", "https://nouveau.exemple.org/"


@pytest.fixture
def listing(gers, django_user_model):
    organisation = OrganisationFactory(name=OLD_NAME, website=OLD_SITE)
    service = ServiceFactory(organisation=organisation, title="Distribution de Mirande")
    staff = make_staff(django_user_model)
    organisation.save_revision(user=staff).publish(user=staff)
    return {
        "organisation": organisation,
        "service": service,
        "staff": staff,
        "partner": make_partner(django_user_model, organisation),
    }


def edit_url(organisation):
    return reverse("wagtailsnippets_directory_organisation:edit", args=[organisation.pk])


def rename(client, organisation, action="action-submit"):
    data = {
        "name": NEW_NAME,
        "slug": organisation.slug,
        "kind": organisation.kind,
        "network": organisation.network,
        "siret": organisation.siret,
        "description": organisation.description,
        "phone": organisation.phone,
        "email": organisation.email,
        "website": NEW_SITE,
        "logo": "",
        action: "1",
    }
    return client.post(edit_url(organisation), data)


def public_page(service):
    return Client().get(service.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_partners_rename_waits_for_approval_then_the_public_sees_it(client, listing):
    organisation, service = listing["organisation"], listing["service"]
    client.force_login(listing["partner"])
    response = rename(client, organisation)
    assert response.status_code == 302, response.content.decode()[:3000]

    organisation.refresh_from_db()
    assert organisation.workflow_in_progress
    assert organisation.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert organisation.live and organisation.has_unpublished_changes
    # The row and every service page keep the published name and website.
    assert (organisation.name, organisation.website) == (OLD_NAME, OLD_SITE)
    page = public_page(service)
    assert OLD_NAME in page and NEW_NAME not in page

    client.force_login(listing["staff"])
    task_state = organisation.current_workflow_task_state
    response = client.post(approve_url(organisation, task_state, "approve"), {"comment": ""})
    assert response.status_code in (200, 302)
    organisation.refresh_from_db()
    assert not organisation.workflow_in_progress and not organisation.has_unpublished_changes
    assert (organisation.name, organisation.website) == (NEW_NAME, NEW_SITE)
    page = public_page(service)
    assert NEW_NAME in page and OLD_NAME not in page
    actions = set(ModelLogEntry.objects.for_instance(organisation).values_list("action", flat=True))
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish"} <= actions


@pytest.mark.django_db
def test_a_partner_cannot_publish_their_organisation(client, listing):
    organisation = listing["organisation"]
    client.force_login(listing["partner"])
    form = client.get(edit_url(organisation)).content.decode()
    assert 'name="action-submit"' in form and 'name="action-publish"' not in form
    rename(client, organisation, action="action-publish")
    organisation.refresh_from_db()
    assert organisation.name == OLD_NAME
    assert OLD_NAME in public_page(listing["service"])


@pytest.mark.django_db
def test_staff_rename_is_published_at_once(client, listing):
    organisation = listing["organisation"]
    client.force_login(listing["staff"])
    response = rename(client, organisation, action="action-publish")
    assert response.status_code == 302, response.content.decode()[:3000]
    organisation.refresh_from_db()
    assert (organisation.name, organisation.website) == (NEW_NAME, NEW_SITE)
    assert NEW_NAME in public_page(listing["service"])


@pytest.mark.django_db
def test_a_trusted_organisations_rename_is_published_directly(client, listing):
    organisation = listing["organisation"]
    Organisation.objects.filter(pk=organisation.pk).update(trusted=True)
    client.force_login(listing["partner"])
    assert rename(client, organisation).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == NEW_NAME and not organisation.workflow_in_progress
    assert NEW_NAME in public_page(listing["service"])
