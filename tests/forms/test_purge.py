"""The retention purge command: default from settings, --days, --dry-run, idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission

pytestmark = pytest.mark.django_db


@pytest.fixture
def submissions(form_pages):
    page = form_pages["contact"]
    now = timezone.now()
    ages = {"ancienne": 400, "limite": 366, "recente": 364, "hier": 1}
    for label, days in ages.items():
        submission = FormSubmission.objects.create(page=page, form_data={"votre_nom": label})
        FormSubmission.objects.filter(pk=submission.pk).update(submit_time=now - dt.timedelta(days=days))
    return ages


def run(*args):
    out = io.StringIO()
    call_command("purge_form_submissions", *args, stdout=out)
    return out.getvalue()


def remaining():
    return sorted(s.form_data["votre_nom"] for s in FormSubmission.objects.all())


def test_dry_run_counts_and_deletes_nothing(submissions):
    assert "Simulation : 2 réponse(s) de plus de 365 jours seraient supprimées." in run("--dry-run")
    assert len(remaining()) == 4


def test_purge_deletes_only_expired_submissions_and_is_idempotent(submissions):
    assert "2 réponse(s) de plus de 365 jours supprimée(s)." in run()
    assert remaining() == ["hier", "recente"]
    assert "0 réponse(s)" in run()
    assert remaining() == ["hier", "recente"]


def test_default_comes_from_settings_and_days_overrides_it(submissions, settings):
    settings.FORM_SUBMISSION_RETENTION_DAYS = 390
    assert "1 réponse(s) de plus de 390 jours" in run()
    assert remaining() == ["hier", "limite", "recente"]
    assert "2 réponse(s) de plus de 30 jours" in run("--days", "30")
    assert remaining() == ["hier"]


@pytest.mark.parametrize("days", ["0", "-3"])
def test_invalid_days_are_refused(submissions, days):
    with pytest.raises(CommandError, match="--days"):
        run("--days", days)
    assert len(remaining()) == 4
