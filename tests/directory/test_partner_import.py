"""Partners import their own listings: scoped to their organisations, under moderation (tasks run at once here)."""

import csv
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import Revision

from directory.exchange.export import export_rows
from directory.exchange.importing import import_file
from directory.exchange.jobs import ImportJob, process_import_job
from directory.models import Organisation, Place, Service
from directory.partners.models import Membership
from directory.partners.moderation import WORKFLOW_NAME

from .factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune
from .test_import_admin import make_csv, upload
from .test_moderation import approve_url
from .test_partner_access import make_partner, make_staff

pytestmark = pytest.mark.django_db

OLD_HOURS = "Mo-Fr 09:00-12:00; PH off"
NEW_HOURS = "Tu,Th 14:00-18:00; PH off"


@pytest.fixture
def network(gers, django_user_model):
    """A food-aid network with two sites (the partner's), and another organisation beside it."""
    ours = OrganisationFactory(name="Restos du cœur du Gers", phone="05 62 05 05 05")
    place = PlaceFactory(organisation=ours, name="Centre d'Auch", commune=commune("32013"))
    service = ServiceFactory(
        organisation=ours,
        place=place,
        title="Distribution d'Auch",
        opening_hours=OLD_HOURS,
        categories=["alimentation"],
    )
    second = ServiceFactory(
        organisation=ours,
        title="Distribution de Condom",
        opening_hours=OLD_HOURS,
        categories=["alimentation"],
    )
    theirs = OrganisationFactory(name="Banque alimentaire secrète")
    their_place = PlaceFactory(organisation=theirs, name="Entrepôt caché", source_id="entrepot-b")
    their_service = ServiceFactory(
        organisation=theirs,
        place=their_place,
        title="Colis de la banque",
        opening_hours=OLD_HOURS,
        categories=["alimentation"],
    )
    staff = make_staff(django_user_model)
    for published in (service, second, their_service):
        published.save_revision(user=staff).publish(user=staff)
    for published_place in (place, second.place, their_place):
        published_place.save_revision(user=staff).publish(user=staff)
    partner = make_partner(django_user_model, ours)
    return {
        "ours": ours,
        "place": place,
        "service": service,
        "second": second,
        "theirs": theirs,
        "their_place": their_place,
        "their_service": their_service,
        "staff": staff,
        "partner": partner,
    }


def read_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def own_rows(client):
    """The partner's model: the CSV of their own listings, as downloaded from the import page."""
    return read_rows(client.get(reverse("directory_import:template")))


def status_text(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"]).text


def public_page(service):
    return Client().get(service.get_absolute_url())


def test_partner_reaches_the_import_page_from_the_menu(client, network):
    client.force_login(network["partner"])
    home = client.get(reverse("wagtailadmin_home")).text
    assert reverse("directory_import:index") in home
    page = client.get(reverse("directory_import:index"))
    assert page.status_code == 200
    assert "Vérifier le fichier" in page.text
    assert "soumis à la validation de l'équipe Gers Solidaire" in page.text
    assert reverse("directory_import:export_csv") not in page.text  # the whole directory is for staff


def test_partner_downloads_only_their_own_listings(client, network):
    client.force_login(network["partner"])
    for name in ("template", "export_csv"):
        response = client.get(reverse(f"directory_import:{name}"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), name
        rows = read_rows(response)
        assert sorted(row["nom"] for row in rows) == ["Distribution d'Auch", "Distribution de Condom"], name
        assert "secrète" not in response.content.decode(
            "utf-8-sig"
        ) and "caché" not in response.content.decode("utf-8-sig")
    document = client.get(reverse("directory_import:export_json")).json()
    assert [s["nom"] for s in document["services"]] == ["Distribution d'Auch", "Distribution de Condom"]
    assert [s["nom"] for s in document["structures"]] == ["Restos du cœur du Gers"]


def test_partner_import_of_own_listings_waits_for_staff_approval(client, network):
    service, partner = network["service"], network["partner"]
    client.force_login(partner)
    rows = own_rows(client)
    for row in rows:
        if row["nom"] == service.title:
            row["horaires"] = NEW_HOURS
    rows.append({**rows[0], "id": "", "nom": "Épicerie solidaire d'Auch", "horaires": "We 14:00-17:00"})

    status = status_text(client, upload(client, make_csv(rows)))
    assert "Vérification réussie" in status
    assert "1 création(s), 1 mise(s) à jour" in status
    assert "2 fiches seront soumises à la validation de l'équipe Gers Solidaire" in status
    assert mail.outbox == []  # a dry run tells nobody
    job = ImportJob.objects.get()

    status = status_text(client, client.post(reverse("directory_import:run", args=[job.pk])))
    assert "Import terminé" in status
    assert "2 fiches soumises à la validation" in status

    service.refresh_from_db()
    assert service.workflow_in_progress
    assert service.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert service.current_workflow_state.requested_by == partner
    # The public keeps the published listing; the new one is a draft nobody sees.
    assert service.opening_hours == OLD_HOURS and service.live
    assert "18 h 00" not in public_page(service).text
    created = Service.objects.get(title="Épicerie solidaire d'Auch")
    assert not created.live and created.workflow_in_progress and created.organisation == network["ours"]
    assert public_page(created).status_code == 404
    assert created not in Service.objects.public()
    # Staff hear about the submissions.
    assert any(network["staff"].email in m.to for m in mail.outbox)

    client.force_login(network["staff"])
    for listing in (service, created):
        response = client.post(
            approve_url(listing, listing.current_workflow_task_state, "approve"), {"comment": ""}
        )
        assert response.status_code in (200, 302)
    service.refresh_from_db()
    created.refresh_from_db()
    assert service.opening_hours == NEW_HOURS and created.live
    assert "18 h 00" in public_page(service).text
    assert public_page(created).status_code == 200


def test_a_new_place_of_a_partner_is_a_draft_too(client, network):
    client.force_login(network["partner"])
    row = {
        **own_rows(client)[0],
        "lieu_id": "",
        "lieu_nom": "Nouveau local de Mirande",
        "lieu_adresse": "2 rue de la Poste",
        "lieu_code_insee": "32256",
        "lieu_latitude": "",
        "lieu_longitude": "",
        "id": "",
        "nom": "Distribution de Mirande",
    }
    job_status = status_text(client, upload(client, make_csv([row])))
    assert "Vérification réussie" in job_status
    client.post(reverse("directory_import:run", args=[ImportJob.objects.get().pk]))
    place = Place.objects.get(name="Nouveau local de Mirande")
    assert not place.live and place.workflow_in_progress
    service = Service.objects.get(title="Distribution de Mirande")
    assert not service.live and not service.place_live


def test_rows_of_another_organisation_are_refused_without_revealing_it(client, network):
    client.force_login(network["partner"])
    mine = own_rows(client)[0]
    theirs, their_service = network["theirs"], network["their_service"]
    rows = [
        # Another organisation, named by its identifier or by its name, and one that does not exist.
        {**mine, "structure_id": theirs.slug, "structure_nom": ""},
        {**mine, "structure_id": "", "structure_nom": theirs.name},
        {**mine, "structure_id": "structure-inexistante", "structure_nom": ""},
        # Our organisation, but another organisation's service or place.
        {**mine, "id": their_service.slug, "horaires": NEW_HOURS},
        {**mine, "id": "", "nom": "Nouveau", "lieu_id": "entrepot-b", "lieu_nom": "Entrepôt repris"},
    ]
    status = status_text(client, upload(client, make_csv(rows)))
    assert "5 erreurs : rien n'a été enregistré" in status
    refusal = (
        "inconnue ou qui n&#x27;est pas la vôtre : vous ne pouvez importer que les fiches de vos structures"
    )
    assert status.count(refusal) == 3
    assert f"« {network['ours'].slug} » : Restos du cœur du Gers" in status
    assert f"Le service « {their_service.slug} » appartient à une autre structure" in status
    assert "Le lieu « entrepot-b » appartient à une autre structure" in status
    # Nothing of the other organisation shows, beyond what the partner wrote.
    for secret in ("Entrepôt caché", theirs.phone, theirs.email, their_service.summary):
        assert secret not in status
    job = ImportJob.objects.get()
    assert client.post(reverse("directory_import:run", args=[job.pk])).status_code == 302
    their_service.refresh_from_db()
    assert their_service.opening_hours == OLD_HOURS and not their_service.workflow_in_progress
    assert Revision.objects.for_instance(their_service).count() == 1
    assert Organisation.objects.count() == 2 and Service.objects.count() == 3


def test_a_partner_cannot_change_the_organisation_by_import(client, network):
    client.force_login(network["partner"])
    row = {**own_rows(client)[0], "structure_telephone": "05 99 99 99 99"}
    status = status_text(client, upload(client, make_csv([row])))
    assert (
        "1 erreur : rien n&#x27;a été enregistré" in status or "1 erreur : rien n'a été enregistré" in status
    )
    assert "ne se modifient pas par import" in status and "05 62 05 05 05" in status


def test_a_partner_cannot_create_an_organisation(network, django_user_model):
    report = import_file(
        make_csv(
            [
                {
                    "structure_nom": "Structure pirate",
                    "lieu_nom": "Local",
                    "lieu_code_insee": "32013",
                    "nom": "Service pirate",
                    "resume": "Rien.",
                    "thematiques": "alimentation",
                }
            ]
        ),
        dry_run=False,
        user=network["partner"],
    )
    assert not report.ok and "n'est pas la vôtre" in report.errors[0].message
    assert not Organisation.objects.filter(name="Structure pirate").exists()


def test_a_trusted_organisation_publishes_its_import_at_once(client, network):
    Organisation.objects.filter(pk=network["ours"].pk).update(trusted=True)
    service = network["service"]
    client.force_login(network["partner"])
    rows = [{**row, "horaires": NEW_HOURS} for row in own_rows(client) if row["nom"] == service.title]
    status = status_text(client, upload(client, make_csv(rows)))
    assert "1 fiche sera publiée directement (structure de confiance)" in status
    status = status_text(
        client, client.post(reverse("directory_import:run", args=[ImportJob.objects.get().pk]))
    )
    assert "1 fiche publiée directement" in status
    service.refresh_from_db()
    assert service.opening_hours == NEW_HOURS and not service.workflow_in_progress
    assert "18 h 00" in public_page(service).text


def test_staff_imports_still_publish_directly(network):
    rows = [{**row, "horaires": NEW_HOURS} for row in export_rows([network["theirs"].pk])]
    report = import_file(make_csv(rows), dry_run=False, user=network["staff"])
    assert report.ok, [str(e) for e in report.errors]
    assert not report.moderated
    network["their_service"].refresh_from_db()
    assert network["their_service"].opening_hours == NEW_HOURS


def test_a_partner_sees_only_the_files_they_sent(client, network):
    client.force_login(network["staff"])
    upload(client, make_csv([{"structure_nom": "Fichier de l'équipe", "nom": "x"}]), name="equipe.csv")
    staff_job = ImportJob.objects.get()
    client.force_login(network["partner"])
    assert "equipe.csv" not in client.get(reverse("directory_import:index")).text
    assert client.get(reverse("directory_import:status", args=[staff_job.pk])).status_code == 404
    assert client.post(reverse("directory_import:run", args=[staff_job.pk])).status_code == 404


def test_an_import_whose_sender_lost_access_writes_nothing(client, network):
    service, partner = network["service"], network["partner"]
    client.force_login(partner)
    rows = [{**row, "horaires": NEW_HOURS} for row in own_rows(client)]
    status_text(client, upload(client, make_csv(rows)))
    job = ImportJob.objects.get()
    Membership.objects.filter(user=partner).delete()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.IMPORTING)
    process_import_job.call(str(job.pk), False, partner.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and "n'a plus accès" in job.failure
    assert Revision.objects.for_instance(service).count() == 1
