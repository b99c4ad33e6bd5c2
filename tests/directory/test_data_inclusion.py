"""data·inclusion v1 exports, validated with the official models of the `data-inclusion-schema` package."""

import csv
import datetime as dt
import io

import pytest
from data_inclusion.schema import v1 as di
from django.utils import timezone

from directory.exchange import data_inclusion
from directory.listings.vocabulary import Fees, Network, ServiceKind, ServiceStatus
from directory.models import Organisation, Service
from tests.directory.factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune

pytestmark = pytest.mark.django_db

STRICT = {"ignore_warnings": False}  # the schema's warnings (a name ending with a full stop) count as errors


def export(client, what):
    response = client.get(f"/api/v1/data-inclusion/{what}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def export_csv(client, what):
    response = client.get(f"/api/v1/data-inclusion/{what}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def directory(gers):
    """A small but varied directory: every mapping branch is exercised."""
    croix_rouge = OrganisationFactory(
        name="Croix-Rouge française — unité locale de Lombez",
        network=Network.CROIX_ROUGE,
        siret="77567227223456",
        website="https://www.croix-rouge.fr",
        description="L'unité locale accueille, écoute et oriente les personnes en difficulté du Savès.",
    )
    gip = OrganisationFactory(
        name="GIP Gers Solidaire", phone="0800 323 130", email="contact@gers-solidaire.fr"
    )
    lombez = PlaceFactory(organisation=croix_rouge, name="Tiers-lieu de Lombez", commune=commune("32213"))
    ServiceFactory(
        organisation=croix_rouge,
        place=lombez,
        kind=ServiceKind.THIRD_PLACE,
        title="Tiers-lieu solidaire de Lombez",
        summary="Épicerie solidaire, vestiaire et accès au numérique.",
        description="Un lieu ouvert à tous pour trouver de l'aide alimentaire et un accompagnement.",
        categories=["alimentation", "numerique", "vetements"],
        audiences=["tous-publics"],
        fees=Fees.CONDITIONAL,
        fees_details="Participation de 10 % du prix des produits.",
        conditions="Sur orientation d'un travailleur social.",
        appointment_required=False,
    )
    ServiceFactory(
        organisation=gip,
        place=None,
        on_site=False,
        by_phone=True,
        kind=ServiceKind.PARTNER_OFFER,
        title="Numéro Vert Social",
        summary="Écoute.",  # too short on its own: the export adds what it knows
        opening_hours="Mo-Fr 08:30-18:00; PH off",
        categories=["acces-aux-droits", "budget"],
        audiences=["familles", "seniors"],
        fees=Fees.FREE,
    )
    ServiceFactory(
        organisation=gip,
        title="Point Conseil Budget.",
        summary="Faire le point sur son budget, prévenir le surendettement.",
        categories=["budget"],
        fees=Fees.PAID,
        appointment_required=True,
        remote=True,
    )
    return croix_rouge, gip


def test_every_exported_record_validates(client, directory):
    structures = export(client, "structures")
    services = export(client, "services")
    assert len(structures) == 2 and len(services) == 3
    for item in structures:
        di.Structure.model_validate(item, context=STRICT)
    for item in services:
        di.Service.model_validate(item, context=STRICT)
    # Every service points at an exported structure; ids are unique and prefixed by the source.
    structure_ids = {s["id"] for s in structures}
    assert {s["structure_id"] for s in services} == structure_ids
    assert len({s["id"] for s in services}) == len(services)
    assert all(
        r["source"] == "gers-solidaire" and r["id"].startswith("gers-solidaire--")
        for r in structures + services
    )


def test_structure_mapping(client, directory):
    croix_rouge, _gip = directory
    structure = next(
        s for s in export(client, "structures") if s["id"] == f"gers-solidaire--{croix_rouge.slug}"
    )
    assert structure["nom"] == "Croix-Rouge française — unité locale de Lombez"
    assert structure["siret"] == "77567227223456"
    assert structure["reseaux_porteurs"] == ["croix-rouge"]
    assert structure["site_web"] == "https://www.croix-rouge.fr"
    assert structure["telephone"] == "+33562000000"
    assert structure["code_insee"] == "32213" and structure["commune"] == "Lombez"
    assert structure["code_postal"] and structure["adresse"] == "1 place de la Mairie"
    assert structure["latitude"] is not None and structure["longitude"] is not None
    # Today in Paris, unless the machine's clock is still on yesterday (the schema refuses the future).
    assert dt.date.fromisoformat(structure["date_maj"]) == min(timezone.localdate(), dt.date.today())


def test_service_mapping(client, directory):
    services = {s["nom"]: s for s in export(client, "services")}
    tiers_lieu = services["Tiers-lieu solidaire de Lombez"]
    assert tiers_lieu["type"] == "accompagnement"
    assert tiers_lieu["thematiques"] == sorted(
        [
            "equipement-et-alimentation--alimentation",
            "equipement-et-alimentation--electromenager",
            "equipement-et-alimentation--habillement",
            "numerique--acceder-a-des-services-en-ligne",
            "numerique--maitriser-les-fondamentaux-du-numerique",
        ]
    )
    assert tiers_lieu["frais"] == "payant"
    assert tiers_lieu["frais_precisions"] == "Sous conditions — Participation de 10 % du prix des produits."
    assert tiers_lieu["publics"] == ["tous-publics"]
    assert tiers_lieu["modes_accueil"] == ["en-presentiel"]
    assert tiers_lieu["modes_mobilisation"] == ["se-presenter", "telephoner", "envoyer-un-courriel"]
    assert tiers_lieu["horaires_accueil"] == "Mo-Fr 09:00-12:00,14:00-17:00; PH off"
    assert tiers_lieu["zone_eligibilite"] == ["32"]
    assert tiers_lieu["code_insee"] == "32213"
    assert tiers_lieu["conditions_acces"] == "Sur orientation d'un travailleur social."
    assert tiers_lieu["lien_source"].startswith("http://testserver/annuaire/")
    assert tiers_lieu["description"].startswith("Épicerie solidaire, vestiaire et accès au numérique.\n\n")

    helpline = services["Numéro Vert Social"]
    assert helpline["type"] is None  # a partner offer's type is not guessed
    assert helpline["frais"] == "gratuit" and helpline["frais_precisions"] is None
    assert helpline["publics"] == ["familles", "seniors"]
    assert helpline["modes_accueil"] == ["a-distance"]
    assert helpline["telephone"] == "+33800323130"
    assert helpline["courriel"] == "contact@gers-solidaire.fr"
    assert helpline["code_insee"] is None and helpline["latitude"] is None
    assert helpline["horaires_accueil"] == "Mo-Fr 08:30-18:00; PH off"

    budget = services["Point Conseil Budget"]  # the title's full stop is dropped
    assert budget["frais"] == "payant"
    assert budget["modes_accueil"] == ["en-presentiel", "a-distance"]
    assert "se-presenter" not in budget["modes_mobilisation"]  # by appointment


def test_short_description_is_completed_with_known_text_only(directory):
    _croix_rouge, gip = directory
    gip.description = (
        "Le groupement d'intérêt public réunit le Département, les associations et les services sociaux."
    )
    gip.save()
    service = Service.objects.get(title="Numéro Vert Social")
    assert data_inclusion.service_description(service) == f"Écoute.\n\n{gip.description}"
    # Without anything more to say, the description stays as it is (the schema asks for 5 characters).
    service.organisation.description = ""
    assert data_inclusion.service_description(service) == "Écoute."
    service.summary = "Oui"
    assert data_inclusion.service_description(service) == "Numéro Vert Social Oui"
    # A long description is not padded.
    service.summary, service.description = "Aide.", "x" * 300
    assert data_inclusion.service_description(service) == "Aide.\n\n" + "x" * 300


def test_planned_and_unpublished_services_are_not_exported(client, directory):
    organisation = OrganisationFactory(name="Secours populaire de Nogaro")
    ServiceFactory(organisation=organisation, title="Tiers-lieu de Nogaro", status=ServiceStatus.PLANNED)
    ServiceFactory(organisation=organisation, title="Brouillon", live=False)
    services = export(client, "services")
    assert "Tiers-lieu de Nogaro" not in {s["nom"] for s in services}
    assert "Brouillon" not in {s["nom"] for s in services}
    assert "Secours populaire de Nogaro" not in {s["nom"] for s in export(client, "structures")}


def test_invalid_optional_values_are_left_out_rather_than_the_record(client, directory):
    croix_rouge, _gip = directory
    # Django accepts these; data·inclusion's stricter rules do not.
    Organisation.objects.filter(pk=croix_rouge.pk).update(email="accueil@localhost", siret="123")
    structure = next(s for s in export(client, "structures") if s["nom"].startswith("Croix-Rouge"))
    assert structure["courriel"] is None and structure["siret"] is None
    assert structure["nom"] and structure["code_insee"] == "32213"


def test_date_maj_is_never_in_the_future():
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert data_inclusion.last_modified(tomorrow) == dt.date.today()
    assert data_inclusion.last_modified(dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)) == dt.date(2024, 5, 2)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("05 62 00 00 00", "+33562000000"),
        ("0800 323 130", "+33800323130"),
        ("05.62.61.00.00", "+33562610000"),
        ("+33 5 62 00 00 00", "+33562000000"),
        ("3919", "3919"),
        ("", None),
    ],
)
def test_phone_numbers_in_e164(number, expected):
    assert data_inclusion.phone_e164(number) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Point Conseil Budget.", "Point Conseil Budget"),
        ("Aide aux devoirs, jeux, etc.", "Aide aux devoirs, jeux, etc."),
        ("  Deux   espaces ", "Deux espaces"),
    ],
)
def test_names(name, expected):
    assert data_inclusion.clean_name(name) == expected


def test_long_names_are_cut_to_150_characters():
    name = data_inclusion.clean_name("Association " + "très " * 40 + "solidaire")
    assert len(name) <= 150 and name.endswith("…")


def test_csv_exports(client, directory):
    structures = export_csv(client, "structures")
    services = export_csv(client, "services")
    assert list(structures[0]) == list(di.Structure.model_fields)
    assert list(services[0]) == list(di.Service.model_fields)
    assert len(structures) == 2 and len(services) == 3
    tiers_lieu = next(s for s in services if s["nom"] == "Tiers-lieu solidaire de Lombez")
    # List fields are joined with commas; absent values are empty cells.
    assert tiers_lieu["modes_mobilisation"] == "se-presenter,telephoner,envoyer-un-courriel"
    assert tiers_lieu["zone_eligibilite"] == "32"
    assert tiers_lieu["complement_adresse"] == ""
    # The phone stays a plain number (not a formula, left alone).
    assert tiers_lieu["telephone"] == "+33562000000"
    # Read back, every row still validates once the lists are split again.
    list_fields = {"thematiques", "publics", "modes_accueil", "modes_mobilisation", "zone_eligibilite"}
    for row in services:
        record = {k: (v.split(",") if k in list_fields else v) if v != "" else None for k, v in row.items()}
        di.Service.model_validate(record, context=STRICT)


def test_csv_neutralises_formula_injection(client, gers):
    organisation = OrganisationFactory(name="@SUM(1+1) association", description="=1+1+1")
    # Ségos lies west of Greenwich: a negative longitude is a number, not a formula.
    place = PlaceFactory(organisation=organisation, commune=commune("32424"), address="-2 rue du Moulin")
    ServiceFactory(
        organisation=organisation,
        place=place,
        title='=HYPERLINK("https://pirate.example","clic")',
        summary="+33 rappelez-nous",
        description="\tcellule piégée",
        conditions="@conditions",
        fees_details="-10 % pour les adhérents",
    )
    [structure] = export_csv(client, "structures")
    [service] = export_csv(client, "services")
    assert structure["nom"] == "'@SUM(1+1) association"
    assert structure["description"] == "'=1+1+1"
    assert service["nom"] == '\'=HYPERLINK("https://pirate.example","clic")'
    assert service["description"].startswith("'+33 rappelez-nous")
    assert service["conditions_acces"] == "'@conditions"
    assert service["frais_precisions"] == "'-10 % pour les adhérents"
    assert service["adresse"] == "'-2 rue du Moulin"
    assert float(service["longitude"]) < 0 and not service["longitude"].startswith("'")
    for row in (structure, service):
        # Only plain numbers (the E.164 phone, a longitude) may start with a formula character.
        assert all(
            data_inclusion.PLAIN_NUMBER.fullmatch(cell)
            for cell in row.values()
            if cell.startswith(data_inclusion.FORMULA_PREFIXES)
        )
    # The JSON export keeps the text as it is: neutralising is a spreadsheet matter.
    [json_service] = export(client, "services")
    assert json_service["nom"] == '=HYPERLINK("https://pirate.example","clic")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd", "'=cmd"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@cmd", "'@cmd"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-0.25", "-0.25"),
        ("+33562000000", "+33562000000"),
        ("Auch", "Auch"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert data_inclusion.neutralise(value) == expected


def test_empty_directory_exports(client, gers):
    assert export(client, "services") == [] and export(client, "structures") == []
    assert export_csv(client, "services") == []
