"""Bulk import and export of the directory (CSV and data·inclusion v1 JSON), and the import_directory command."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import ModelLogEntry, Revision

from directory.exchange import importing
from directory.exchange.export import export_csv, export_json
from directory.exchange.formats import CSV_COLUMNS, ImportFileError
from directory.exchange.importing import import_file
from directory.listings.vocabulary import Fees, Network, ServiceKind, ServiceStatus
from directory.models import Organisation, Place, Service
from tests.directory.factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(gers):
    """A varied directory: organisations with and without services, shared places, formulas in the text."""
    croix_rouge = OrganisationFactory(
        name="Croix-Rouge française — Lombez",
        network=Network.CROIX_ROUGE,
        siret="77567227223456",
        website="https://www.croix-rouge.fr",
        description="L'unité locale accueille, écoute et oriente les personnes en difficulté du Savès.",
    )
    ccas = OrganisationFactory(
        name="CCAS d'Auch", kind="ccas_cias", phone="05 62 61 21 00", source_id="ccas-32013"
    )
    lombez = PlaceFactory(
        organisation=croix_rouge,
        name="Tiers-lieu de Lombez",
        commune=commune("32213"),
        step_free_access=True,
        hearing_loop=False,
        accessibility_notes="Rampe côté parking.",
        latitude=43.4751,
        longitude=0.9105,
    )
    auch = PlaceFactory(organisation=ccas, name="Mairie d'Auch", address="1 place de la Libération")
    ServiceFactory(
        organisation=croix_rouge,
        place=lombez,
        kind=ServiceKind.THIRD_PLACE,
        title="Tiers-lieu solidaire de Lombez",
        summary="Épicerie solidaire, vestiaire et accès au numérique.",
        description='=HYPERLINK("http://exemple.org")\n- un vestiaire\n- une épicerie',
        categories=["alimentation", "numerique", "vetements"],
        audiences=["tous-publics"],
        fees=Fees.CONDITIONAL,
        fees_details="Participation de 10 % du prix des produits.",
        conditions="Sur orientation d'un travailleur social.",
        opening_hours="Tu,Th 14:00-17:00; PH off",
        phone="05 62 62 00 01",
    )
    ServiceFactory(
        organisation=ccas,
        place=auch,
        title="Aide aux démarches en ligne",
        summary="@rendez-vous : on vous aide pour vos démarches.",
        categories=["acces-aux-droits"],
        audiences=["seniors", "familles"],
        appointment_required=True,
        by_phone=True,
        status=ServiceStatus.PLANNED,
    )
    ServiceFactory(
        organisation=ccas,
        place=auch,
        title="Épicerie du CCAS",
        summary="Colis alimentaires.",
        categories=["alimentation"],
        email="epicerie@auch.fr",
    )
    # An organisation and a place without any service: the export keeps them too.
    lonely = OrganisationFactory(name="Association sans service", phone="+33562000000")
    PlaceFactory(organisation=lonely, name="Local associatif", commune=commune("32107"))
    OrganisationFactory(name="Structure seule")
    return croix_rouge


def snapshot():
    """What the directory says, without database identifiers or timestamps."""
    organisations = sorted(
        (o.name, o.kind, o.network, o.siret, o.phone, o.email, o.website, o.description)
        for o in Organisation.objects.all()
    )
    places = sorted(
        (
            p.organisation.name,
            p.name,
            p.address,
            p.postcode,
            p.commune.insee_code,
            p.latitude,
            p.longitude,
            p.step_free_access,
            p.accessible_toilets,
            p.hearing_loop,
            p.accessibility_notes,
        )
        for p in Place.objects.all()
    )
    services = sorted(
        (
            s.organisation.name,
            s.place.name if s.place else None,
            s.title,
            s.slug,
            s.kind,
            s.status,
            s.summary,
            s.description,
            tuple(sorted(c.slug for c in s.categories.all())),
            tuple(sorted(a.slug for a in s.audiences.all())),
            s.fees,
            s.fees_details,
            s.on_site,
            s.remote,
            s.by_phone,
            s.appointment_required,
            s.phone,
            s.email,
            s.opening_hours,
            s.live,
        )
        for s in Service.objects.all()
    )
    return organisations, places, services


def wipe():
    Service.objects.all().delete()
    Place.objects.all().delete()
    Organisation.objects.all().delete()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def make_csv(rows, delimiter=";"):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


GOOD_ROW = {
    "structure_nom": "Secours populaire — Condom",
    "structure_reseau": "secours-populaire",
    "structure_telephone": "05 62 28 00 00",
    "lieu_nom": "Local du Secours populaire",
    "lieu_adresse": "4 rue Jean Jaurès",
    "lieu_code_postal": "32100",
    "lieu_commune": "Condom",
    "nom": "Distribution alimentaire",
    "type": "Permanence",
    "resume": "Colis alimentaires chaque semaine.",
    "thematiques": "alimentation",
    "publics": "tous-publics",
    "horaires": "We 14:00-17:00",
    "frais": "gratuit",
    "sur_place": "oui",
}


# ---------------------------------------------------------------------------------------------------------
# CSV


def test_csv_round_trip_into_an_empty_directory_gives_the_same_data(directory):
    before = snapshot()
    exported = export_csv()
    wipe()

    report = import_file(exported.encode("utf-8"), dry_run=False)

    assert report.ok, [str(e) for e in report.errors]
    assert report.organisations.created == 4
    assert report.places.created == 3
    assert report.services.created == 3
    assert snapshot() == before
    # The same file again: all unchanged, nothing duplicated.
    again = import_file(exported.encode("utf-8"), dry_run=False)
    assert again.ok
    assert (again.totals().created, again.totals().updated) == (0, 0)
    assert again.services.unchanged == 3 and again.places.unchanged == 3
    assert (Organisation.objects.count(), Place.objects.count(), Service.objects.count()) == (4, 3, 3)
    assert export_csv() == exported


def test_csv_reimport_into_the_same_directory_changes_nothing(directory):
    before = snapshot()
    report = import_file(export_csv().encode(), dry_run=False)
    assert report.ok, [str(e) for e in report.errors]
    assert report.totals().created == 0 and report.totals().updated == 0
    assert snapshot() == before


def test_csv_reimport_updates_and_records_a_published_revision(directory, django_user_model):
    user = django_user_model.objects.create_superuser("chef", "chef@exemple.org", "motdepasse-long")
    rows = csv_rows(export_csv())
    row = next(r for r in rows if r["nom"] == "Épicerie du CCAS")
    row["horaires"] = "Mo 09:00-12:00"
    row["structure_telephone"] = "05 62 61 21 99"
    for other in rows:  # the organisation's columns are repeated on its rows
        if other["structure_nom"] == "CCAS d'Auch":
            other["structure_telephone"] = "05 62 61 21 99"
    service = Service.objects.get(title="Épicerie du CCAS")
    revisions = Revision.objects.for_instance(service).count()

    report = import_file(make_csv(rows).encode(), dry_run=False, user=user)

    assert report.ok, [str(e) for e in report.errors]
    assert report.services.updated == 1 and report.organisations.updated == 1
    service.refresh_from_db()
    assert service.opening_hours == "Mo 09:00-12:00" and service.live
    assert service.organisation.phone == "05 62 61 21 99"
    assert Revision.objects.for_instance(service).count() == revisions + 1
    actions = set(
        ModelLogEntry.objects.for_instance(service).filter(user=user).values_list("action", flat=True)
    )
    assert {"wagtail.edit", "wagtail.publish"} <= actions
    assert Service.objects.count() == 3


def test_created_services_are_published_with_history(gers, django_user_model):
    user = django_user_model.objects.create_superuser("chef", "chef@exemple.org", "motdepasse-long")
    report = import_file(make_csv([GOOD_ROW]).encode(), dry_run=False, user=user)
    assert report.ok, [str(e) for e in report.errors]
    service = Service.objects.get()
    assert service.live and service.place.commune.insee_code == "32107"
    assert service.kind == ServiceKind.PERMANENCE
    assert [c.slug for c in service.categories.all()] == ["alimentation"]
    # No coordinates in the file: the gazetteer places it at the commune (the BAN is off in tests).
    assert service.place.has_point and service.latitude == service.place.latitude
    actions = set(ModelLogEntry.objects.for_instance(service).values_list("action", flat=True))
    assert {"wagtail.create", "wagtail.publish"} <= actions
    assert service.organisation.network == "secours-populaire"


def test_row_errors_are_reported_in_french_with_row_and_column(gers):
    rows = [
        GOOD_ROW,
        {**GOOD_ROW, "nom": "Horaires faux", "horaires": "lundi matin"},
        {
            **GOOD_ROW,
            "nom": "Commune fausse",
            "lieu_id": "ailleurs",
            "lieu_commune": "Paris",
            "lieu_code_postal": "75001",
        },
        {**GOOD_ROW, "nom": "Thématique fausse", "thematiques": "alimentation, astrologie"},
        {**GOOD_ROW, "nom": "Téléphone faux", "telephone": "appelez-nous"},
        {**GOOD_ROW, "nom": "", "id": "sans-titre"},
        {**GOOD_ROW, "nom": "INSEE faux", "lieu_id": "x", "lieu_code_insee": "99999"},
    ]
    report = import_file(make_csv(rows).encode(), dry_run=True)

    errors = {(e.row, e.column): e.message for e in report.errors}
    assert "Horaires illisibles" in errors[("ligne 3", "horaires")]
    assert "Commune inconnue" in errors[("ligne 4", "lieu_commune")]
    assert "Thématique inconnue : « astrologie »" in errors[("ligne 5", "thematiques")]
    assert "téléphone" in errors[("ligne 6", "telephone")]
    assert errors[("ligne 7", "nom")] == "Ce champ ne peut pas être vide."
    assert (
        "32013" not in errors[("ligne 8", "lieu_code_insee")]
        and "99999" in errors[("ligne 8", "lieu_code_insee")]
    )
    assert not any(e.row == "ligne 2" for e in report.errors)
    assert str(report.errors[0]).startswith("ligne 3, horaires : ")


def test_one_failing_row_writes_nothing(gers):
    rows = [GOOD_ROW, {**GOOD_ROW, "id": "deux", "nom": "Autre", "horaires": "n'importe quand"}]
    report = import_file(make_csv(rows).encode(), dry_run=False)
    assert not report.ok and not report.written
    assert (Organisation.objects.count(), Place.objects.count(), Service.objects.count()) == (0, 0, 0)


def test_dry_run_writes_nothing_but_counts_what_it_would_do(gers):
    report = import_file(make_csv([GOOD_ROW, {**GOOD_ROW, "nom": "Deuxième service"}]).encode(), dry_run=True)
    assert report.ok
    assert (report.organisations.created, report.places.created, report.services.created) == (1, 1, 2)
    assert report.summary() == "4 création(s), 0 mise(s) à jour, 0 inchangé(s)"
    assert (Organisation.objects.count(), Place.objects.count(), Service.objects.count()) == (0, 0, 0)
    assert not Revision.objects.exists()


def test_repeated_organisation_columns_must_agree(gers):
    rows = [GOOD_ROW, {**GOOD_ROW, "nom": "Autre service", "structure_telephone": "05 00 00 00 00"}]
    report = import_file(make_csv(rows).encode(), dry_run=True)
    [error] = report.errors
    assert (error.row, error.column) == ("ligne 3", "structure_telephone")
    assert "ligne 2" in error.message


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";"), ("cp1252", ",")]
)
def test_csv_encodings_and_delimiters(gers, encoding, delimiter):
    row = {**GOOD_ROW, "structure_nom": "Épicerie « Cœur » de Condom", "lieu_commune": "Condom"}
    data = make_csv([row], delimiter=delimiter).encode(encoding)
    report = import_file(data, dry_run=False)
    assert report.ok, [str(e) for e in report.errors]
    assert Organisation.objects.get().name == "Épicerie « Cœur » de Condom"


def test_commune_by_insee_code_or_postcode_and_name(gers):
    rows = [
        {**GOOD_ROW, "lieu_code_postal": "", "lieu_commune": "", "lieu_code_insee": "32013"},
        {
            **GOOD_ROW,
            "nom": "B",
            "lieu_id": "b",
            "lieu_code_postal": "32600",
            "lieu_commune": "L'Isle-Jourdain",
        },
        {**GOOD_ROW, "nom": "C", "lieu_id": "c", "lieu_code_postal": "32500", "lieu_commune": "Fleurance"},
    ]
    report = import_file(make_csv(rows).encode(), dry_run=False)
    assert report.ok, [str(e) for e in report.errors]
    assert sorted(p.commune.name for p in Place.objects.all()) == ["Auch", "Fleurance", "L'Isle-Jourdain"]


def test_categories_by_data_inclusion_thematique(gers):
    row = {**GOOD_ROW, "thematiques": "equipement-et-alimentation--alimentation | numerique"}
    assert import_file(make_csv([row]).encode(), dry_run=False).ok
    assert sorted(c.slug for c in Service.objects.get().categories.all()) == ["alimentation", "numerique"]


def test_export_neutralises_formulas_and_import_restores_the_text(directory):
    OrganisationFactory(name="+Plus", description="\tTabulé", website="https://exemple.org")
    ServiceFactory(
        title="-Moins",
        summary="\rRetour",
        organisation=directory,
        place=directory.places.first(),
        categories=["sante"],
    )
    rows = csv_rows(export_csv())
    cells = [value for row in rows for value in row.values() if value]
    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        # Phone numbers like +33… and plain numbers stay as they are; text never starts with a formula.
        assert not [
            c
            for c in cells
            if c.startswith(prefix) and not importing.data_inclusion.PLAIN_NUMBER.fullmatch(c)
        ]
    described = next(r for r in rows if r["nom"] == "Tiers-lieu solidaire de Lombez")
    assert described["description"].startswith("'=HYPERLINK")
    assert next(r for r in rows if r["nom"] == "Aide aux démarches en ligne")["resume"].startswith("'@")
    before = snapshot()
    exported = export_csv()
    wipe()
    assert import_file(exported.encode(), dry_run=False).ok
    assert snapshot() == before


def test_file_level_errors_are_messages(gers):
    with pytest.raises(ImportFileError, match="colonnes attendues"):
        import_file(b"a;b;c\n1;2;3\n", file_format="csv")
    with pytest.raises(ImportFileError, match="JSON est mal formé"):
        import_file(b'{"structures": [', file_format="json")
    with pytest.raises(ImportFileError, match="caractères nuls"):
        import_file(b"nom;resume\n\x00\x01;x\n", file_format="csv")
    with pytest.raises(ImportFileError, match="ni en UTF-8"):
        import_file(b"nom\n\x81\x8d\x8f\x90\n", file_format="csv")
    with pytest.raises(ImportFileError, match="vide"):
        import_file(b"", file_format="csv")


# ---------------------------------------------------------------------------------------------------------
# data·inclusion v1 JSON


def test_json_round_trip_into_an_empty_directory(directory):
    exported = json.loads(json.dumps(export_json(), default=str))
    assert len(exported["services"]) == 2  # published and open only: the planned service is not exported
    wipe()

    report = import_file(json.dumps(exported).encode(), dry_run=False)

    assert report.ok, [str(e) for e in report.errors]
    assert report.services.created == 2
    assert json.loads(json.dumps(export_json(), default=str)) == exported
    again = import_file(json.dumps(exported).encode(), dry_run=False)
    assert again.ok and again.totals().created == 0 and again.totals().updated == 0
    assert Service.objects.count() == 2


def test_json_reimport_into_the_same_directory_keeps_the_services(directory):
    exported = json.dumps(export_json(), default=str).encode()
    count = Service.objects.count()
    report = import_file(exported, dry_run=False)
    assert report.ok, [str(e) for e in report.errors]
    assert report.services.created == 0 and Service.objects.count() == count


def test_json_from_another_source_with_official_fields(gers):
    document = [
        {
            "source": "dora",
            "id": "dora--s1",
            "nom": "Mission locale du Gers",
            "date_maj": "2025-01-10",
            "telephone": "+33562000001",
            "reseaux_porteurs": ["mission-locale"],
        },
        {
            "source": "dora",
            "structure_id": "dora--s1",
            "id": "dora--svc1",
            "nom": "Accompagnement vers l'emploi",
            "description": "Un conseiller vous aide à trouver un emploi ou une formation.",
            "date_maj": "2025-01-10",
            "thematiques": ["preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi"],
            "modes_accueil": ["en-presentiel"],
            "code_insee": "32013",
            "adresse": "8 rue Dessoles",
            "telephone": "+33562000001",
            "horaires_accueil": "Mo-Fr 09:00-12:00",
        },
    ]
    report = import_file(json.dumps(document).encode(), dry_run=False)
    assert report.ok, [str(e) for e in report.errors]
    service = Service.objects.get()
    assert (service.source, service.source_id) == ("dora", "svc1")
    assert service.phone == ""  # the structure's number: inherited, not copied
    assert service.organisation.phone == "05 62 00 00 01"
    assert service.place.address == "8 rue Dessoles" and service.place.commune.name == "Auch"
    assert [c.slug for c in service.categories.all()] == ["emploi"]
    # Again: nothing new.
    again = import_file(json.dumps(document).encode(), dry_run=False)
    assert again.totals().created == 0 and again.totals().updated == 0


def test_json_schema_errors_are_reported_per_record(gers):
    document = {
        "structures": [{"source": "x", "id": "x--1", "nom": "AB", "date_maj": "2025-01-01"}],
        "services": [
            {
                "source": "x",
                "structure_id": "x--1",
                "id": "x--s",
                "nom": "Service",
                "description": "Une description.",
                "date_maj": "demain",
                "horaires_accueil": "n'importe quand",
            }
        ],
    }
    report = import_file(json.dumps(document).encode(), dry_run=True)
    rows = {(e.row, e.column) for e in report.errors}
    assert ("structure n° 1", "nom") in rows
    assert ("service n° 1", "date_maj") in rows
    assert all(e.message for e in report.errors)
    assert not Organisation.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# The management command


def test_command_dry_run_then_import(gers, tmp_path, capsys):
    path = tmp_path / "annuaire.csv"
    path.write_text(make_csv([GOOD_ROW]), encoding="utf-8")
    call_command("import_directory", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Vérification" in out and "3 création(s)" in out and "rien n'a été enregistré" in out
    assert not Service.objects.exists()
    call_command("import_directory", str(path))
    assert "Import terminé" in capsys.readouterr().out
    assert Service.objects.count() == 1


def test_command_reports_errors_and_fails(gers, tmp_path, capsys):
    path = tmp_path / "annuaire.csv"
    path.write_text(make_csv([GOOD_ROW, {**GOOD_ROW, "nom": "X", "horaires": "toujours"}]), encoding="utf-8")
    with pytest.raises(CommandError, match="1 erreur"):
        call_command("import_directory", str(path))
    out = capsys.readouterr().out
    assert "ligne 3, horaires : Horaires illisibles" in out
    assert not Service.objects.exists()


def test_command_refuses_a_broken_file(gers, tmp_path):
    path = tmp_path / "annuaire.json"
    path.write_text("{pas du json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON est mal formé"):
        call_command("import_directory", str(path))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_directory", str(tmp_path / "absent.csv"))


def test_json_with_wrong_types_gets_errors_not_a_crash(gers):
    document = {
        "structures": [{"source": "x", "id": "x--1", "nom": "Structure", "date_maj": "2025-01-01"}, "texte"],
        "services": [
            {
                "source": "x",
                "structure_id": "x--1",
                "id": "x--s",
                "nom": "Service",
                "description": "Une description.",
                "date_maj": "2025-01-01",
                "thematiques": [1, {"a": 2}],
                "modes_accueil": [{}],
                "latitude": "loin",
            }
        ],
    }
    report = import_file(json.dumps(document).encode(), dry_run=True)
    columns = {(e.row, e.column) for e in report.errors}
    assert {("service n° 1", "thematiques"), ("service n° 1", "latitude"), ("structure n° 2", "")} <= columns
    assert not report.ok


def test_identifiers_too_long_are_named_by_their_column(gers):
    report = import_file(make_csv([{**GOOD_ROW, "id": "x" * 200}]).encode(), dry_run=True)
    [error] = report.errors
    assert (error.row, error.column) == ("ligne 2", "id")


def test_command_prints_progress(gers, tmp_path, capsys):
    path = tmp_path / "annuaire.csv"
    rows = [{**GOOD_ROW, "nom": f"Service {i}", "id": f"s{i}"} for i in range(3)]
    path.write_text(make_csv(rows), encoding="utf-8")
    call_command("import_directory", str(path), "--dry-run", "--format", "csv")
    assert "3 / 3 lignes" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------
# Slugs of French names


def test_names_with_oe_get_full_slugs_and_old_identifiers_still_match(gers):
    """Cœur is spelt "coeur" in new slugs and identifiers; rows imported before still find their records."""
    row = {
        **GOOD_ROW,
        "structure_nom": "Restos du Cœur",
        "lieu_nom": "Local des Restos",
        "nom": "Repas du cœur",
    }
    report = import_file(make_csv([row]).encode(), dry_run=False)
    assert report.ok, report.errors
    organisation = Organisation.objects.get()
    service = Service.objects.get()
    assert organisation.source_id == "restos-du-coeur" and organisation.slug == "restos-du-coeur"
    assert service.source_id == "restos-du-coeur--repas-du-coeur" and service.slug == "repas-du-coeur"

    # Records stored under the identifiers made before the fix (the "œ" dropped) are updated, not duplicated.
    Organisation.objects.update(source_id="restos-du-cur")
    Service.objects.update(source_id="restos-du-cur--repas-du-cur")
    place = Place.objects.get()
    Place.objects.update(source_id=place.source_id.replace("coeur", "cur"))
    report = import_file(make_csv([{**row, "resume": "Des repas chauds."}]).encode(), dry_run=False)
    assert report.ok, report.errors
    assert (Organisation.objects.count(), Place.objects.count(), Service.objects.count()) == (1, 1, 1)
    assert Service.objects.get().summary == "Des repas chauds."
