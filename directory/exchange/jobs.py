"""Import jobs: an uploaded file checked (dry run), then imported, by a background task with visible progress.

The upload is kept under MEDIA_ROOT/imports/ with a random name the server chooses; pages refer to the job by
its UUID, never to a path. Progress is written to a small file beside it rather than to the database: the
import runs inside one transaction, whose writes no other connection sees before it ends.
"""

import json
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

logger = logging.getLogger(__name__)

IMPORT_DIR = "imports"
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
STALE_AFTER_DAYS = 7


class ImportJob(models.Model):
    class State(models.TextChoices):
        CHECKING = "checking", _("Vérification en cours")
        CHECKED = "checked", _("Vérifié")
        IMPORTING = "importing", _("Import en cours")
        DONE = "done", _("Importé")
        FAILED = "failed", _("Échec")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("fichier"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    stored_name = models.CharField(max_length=100, editable=False)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.CHECKING)
    total = models.PositiveIntegerField(_("lignes"), default=0)
    # The last report: the dry run's, then the import's.
    report = models.JSONField(_("rapport"), default=dict, blank=True)
    failure = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("importé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import de l'annuaire")
        verbose_name_plural = _("imports de l'annuaire")

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def running(self):
        return self.state in (self.State.CHECKING, self.State.IMPORTING)

    @property
    def path(self):
        # Without a stored file (purged), a path that never exists rather than the directory itself.
        return Path(settings.MEDIA_ROOT) / IMPORT_DIR / (self.stored_name or f"{self.pk}.purged")

    @property
    def progress_path(self):
        return self.path.with_suffix(".progress")

    def store(self, data):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(data)

    def read(self):
        return self.path.read_bytes()

    def discard_file(self):
        for path in (self.path, self.progress_path):
            path.unlink(missing_ok=True)

    def progress(self):
        """(rows done, total) as last written by the running task."""
        try:
            data = json.loads(self.progress_path.read_text())
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, self.total

    def import_report(self):
        from directory.exchange.formats import ImportReport

        return ImportReport.from_dict(self.report) if self.report else None


def purge_stale_files(days=STALE_AFTER_DAYS):
    """Uploads checked but never imported are not kept for ever (their jobs stay, as a record)."""
    limit = timezone.now() - timedelta(days=days)
    for job in ImportJob.objects.filter(created_at__lt=limit).exclude(stored_name=""):
        job.discard_file()
        ImportJob.objects.filter(pk=job.pk).update(stored_name="")


def new_job(data, *, file_name, file_format, total, user):
    purge_stale_files()
    job = ImportJob(
        created_by=user if user is not None and user.is_authenticated else None,
        file_name=file_name[:255],
        file_format=file_format,
        total=total,
    )
    job.stored_name = f"{job.id}.{file_format}"
    job.store(data)
    job.save()
    return job


class ProgressWriter:
    """Writes "done / total" for the status page, at most every PROGRESS_INTERVAL seconds (and at the end)."""

    def __init__(self, path):
        self.path = path
        self.last = 0.0

    def __call__(self, done, total):
        now = time.monotonic()
        if done < total and done and now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        temporary = self.path.with_suffix(".progress-tmp")
        try:
            temporary.write_text(json.dumps({"done": done, "total": total}))
            os.replace(temporary, self.path)
        except OSError:  # progress is a courtesy: never fail an import over it
            logger.warning("Progression de l'import illisible : %s", self.path)


def run_job(job, *, dry_run, user=None):
    """Check or import the job's file; the outcome (report or failure) is saved on the job."""
    from directory.exchange.formats import ImportFileError
    from directory.exchange.importing import import_file

    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.CHECKING if dry_run else ImportJob.State.IMPORTING
    )
    try:
        data = job.read()
    except OSError:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            failure=str(_("Le fichier envoyé n'est plus disponible : envoyez-le à nouveau.")),
        )
        return False
    try:
        report = import_file(
            data,
            file_format=job.file_format,
            filename=job.file_name,
            dry_run=dry_run,
            user=user,
            progress=ProgressWriter(job.progress_path),
        )
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, failure=str(exc))
        job.discard_file()
        return False
    except Exception:
        logger.exception("Import %s", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            failure=str(_("Erreur inattendue pendant l'import : rien n'a été enregistré.")),
        )
        job.discard_file()
        raise
    if dry_run:
        state = ImportJob.State.CHECKED
    else:
        state = ImportJob.State.DONE if report.ok else ImportJob.State.CHECKED
    finished_at = timezone.now() if state == ImportJob.State.DONE else None
    ImportJob.objects.filter(pk=job.pk).update(
        state=state, report=report.to_dict(), total=report.rows, finished_at=finished_at
    )
    if state == ImportJob.State.DONE:
        job.discard_file()
    return report.ok


@task()
def process_import_job(job_id, dry_run=True, user_id=None):
    from django.contrib.auth import get_user_model

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return False
    from directory.exchange.importing import user_can_import

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user_id and not user_can_import(user):
        # Without its sender the import would run unrestricted (as from the command line): refused instead.
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            failure=str(
                _("Le compte qui a envoyé ce fichier n'a plus accès à l'import : rien n'a été enregistré.")
            ),
        )
        job.discard_file()
        return False
    return run_job(job, dry_run=dry_run, user=user)
