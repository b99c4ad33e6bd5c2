"""The import / export pages of the admin, through HTTP as staff use them (tasks run at once in tests)."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from directory.exchange.formats import CSV_COLUMNS
from directory.exchange.jobs import ImportJob, ProgressWriter
from directory.models import Organisation, Service
from tests.directory.factories import ServiceFactory

pytestmark = pytest.mark.django_db

ROW = {
    "structure_nom": "Secours populaire — Condom",
    "lieu_nom": "Local du Secours populaire",
    "lieu_adresse": "4 rue Jean Jaurès",
    "lieu_code_insee": "32107",
    "nom": "Distribution alimentaire",
    "type": "permanence",
    "resume": "Colis alimentaires chaque semaine.",
    "thematiques": "alimentation",
    "horaires": "We 14:00-17:00",
}


def make_csv(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, content, name="annuaire.csv", file_format=""):
    return client.post(
        reverse("directory_import:index"),
        {"file": _named(content, name), "file_format": file_format},
    )


def _named(content, name):
    return SimpleUploadedFile(name, content)


@pytest.fixture
def staff(client, django_user_model, gers):
    user = django_user_model.objects.create_superuser("chef", "chef@exemple.org", "motdepasse-long")
    client.force_login(user)
    return user


@pytest.fixture
def editor(client, django_user_model, gers):
    """Reaches the admin and may edit services, but is not staff of the directory."""
    user = django_user_model.objects.create_user("redac", "redac@exemple.org", "motdepasse-long")
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_service"),
        Permission.objects.get(codename="change_service"),
    )
    user.groups.add(group)
    client.force_login(user)
    return user


def test_upload_check_then_import(client, staff):
    page = client.get(reverse("directory_import:index"))
    assert page.status_code == 200
    assert "Vérifier le fichier" in page.text and reverse("directory_import:export_csv") in page.text

    response = upload(client, make_csv([ROW]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "directory_import:status", args=[job.pk]
    )
    status = client.get(response["Location"])
    assert "Vérification réussie" in status.text
    assert "3 création(s), 0 mise(s) à jour, 0 inchangé(s)" in status.text
    assert reverse("directory_import:run", args=[job.pk]) in status.text
    assert not Service.objects.exists()
    assert job.path.exists() and str(job.pk) in job.path.name  # a name the server chose

    response = client.post(reverse("directory_import:run", args=[job.pk]))
    assert response.status_code == 302
    status = client.get(response["Location"])
    assert "Import terminé" in status.text
    service = Service.objects.get()
    assert service.live and service.title == "Distribution alimentaire"
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and not job.path.exists()
    # Importing the same job again is refused; the index lists the job.
    client.post(reverse("directory_import:run", args=[job.pk]))
    assert Service.objects.count() == 1
    assert "annuaire.csv" in client.get(reverse("directory_import:index")).text


def test_row_errors_are_listed_and_block_the_import(client, staff):
    rows = [
        ROW,
        {**ROW, "nom": "Deux", "horaires": "le matin"},
        {**ROW, "nom": "Trois", "lieu_code_insee": "75056"},
    ]
    response = upload(client, make_csv(rows))
    status = client.get(response["Location"])
    assert "2 erreurs : rien n'a été enregistré" in status.text
    assert "<caption>Erreurs par ligne</caption>" in status.text
    assert "<td>ligne 3</td><td><code>horaires</code></td><td>Horaires illisibles" in status.text
    assert "<td>ligne 4</td><td><code>lieu_code_insee</code></td><td>Commune inconnue" in status.text
    job = ImportJob.objects.get()
    assert reverse("directory_import:run", args=[job.pk]) not in status.text
    refused = client.post(reverse("directory_import:run", args=[job.pk]), follow=True)
    assert "ne peut pas" in refused.text
    assert not Organisation.objects.exists()


def test_json_upload_is_recognised(client, staff):
    ServiceFactory(title="Épicerie solidaire", categories=["alimentation"])
    exported = client.get(reverse("directory_import:export_json"))
    assert exported.status_code == 200 and exported["Content-Disposition"].startswith("attachment")
    document = json.loads(exported.content)
    assert [s["nom"] for s in document["services"]] == ["Épicerie solidaire"]
    response = upload(client, exported.content, name="export.txt")
    job = ImportJob.objects.get()
    assert job.file_format == "json"
    assert "0 création(s), 0 mise(s) à jour, 3 inchangé(s)" in client.get(response["Location"]).text


def test_csv_export_neutralises_formulas(client, staff):
    ServiceFactory(title="=1+1", summary="@SOMME(A1:A2)", categories=["alimentation"])
    response = client.get(reverse("directory_import:export_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["nom"] == "'=1+1" and rows[0]["resume"] == "'@SOMME(A1:A2)"
    template = client.get(reverse("directory_import:template"))
    assert template.content.decode("utf-8-sig").strip() == ";".join(CSV_COLUMNS)


def test_status_page_refreshes_while_a_task_runs(client, staff):
    job = ImportJob.objects.create(file_name="gros.csv", file_format="csv", stored_name="x.csv", total=40)
    job.progress_path.parent.mkdir(parents=True, exist_ok=True)
    ProgressWriter(job.progress_path)(12, 40)
    page = client.get(reverse("directory_import:status", args=[job.pk]))
    assert (
        "12 / 40 lignes" in page.text and '<progress id="import-progress" max="40" value="12">' in page.text
    )
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text
    assert 'data-hx-trigger="every 2s"' in page.text
    partial = client.get(reverse("directory_import:status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "12 / 40 lignes" in partial.text and "<html" not in partial.text
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, failure="Fichier illisible.")
    done = client.get(reverse("directory_import:status", args=[job.pk]))
    assert "Fichier illisible." in done.text and "http-equiv" not in done.text


def test_non_staff_users_get_403(client, editor):
    job = ImportJob.objects.create(file_name="a.csv", file_format="csv", stored_name="a.csv")
    for url in (
        reverse("directory_import:index"),
        reverse("directory_import:export_csv"),
        reverse("directory_import:export_json"),
        reverse("directory_import:template"),
        reverse("directory_import:status", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("directory_import:index"), {"file": _named(make_csv([ROW]), "a.csv")}).status_code
        == 403
    )
    assert client.post(reverse("directory_import:run", args=[job.pk])).status_code == 403
    assert ImportJob.objects.count() == 1
    # Not in their menu either.
    assert reverse("directory_import:index") not in client.get(reverse("wagtailadmin_home")).text


def test_menu_shows_the_page_to_staff(client, staff):
    assert reverse("directory_import:index") in client.get(reverse("wagtailadmin_home")).text


def test_huge_or_malformed_files_get_a_message(client, staff, settings):
    settings.DIRECTORY_IMPORT_MAX_BYTES = 1000
    response = upload(client, make_csv([ROW] * 20))
    assert response.status_code == 200 and "Le fichier dépasse 1000" in response.text
    settings.DIRECTORY_IMPORT_MAX_BYTES = 10_000_000
    for content, name, message in (
        (b'{"services": [', "a.json", "JSON est mal formé"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image.csv", "caractères nuls"),
        (b"colonne;autre\n1;2\n", "a.csv", "colonnes attendues"),
        (b"nom;resume\n", "a.csv", "aucune ligne"),
        (b"[1, 2]", "a.json", "aucune structure"),
    ):
        response = upload(client, content, name=name)
        assert response.status_code == 200, name
        assert message in response.text, (name, response.text[:300])
    assert not ImportJob.objects.exists()


def test_unknown_job_is_404(client, staff):
    assert client.get("/admin/annuaire-import/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_stale_uploads_are_purged_and_cannot_be_imported(client, staff):
    upload(client, make_csv([ROW]))
    old = ImportJob.objects.get()
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert old.path.exists()
    upload(client, make_csv([ROW]), name="nouveau.csv")
    assert not old.path.exists()
    old.refresh_from_db()
    response = client.post(reverse("directory_import:run", args=[old.pk]), follow=True)
    assert "envoyez-le à nouveau" in response.text
    assert not Service.objects.exists()
