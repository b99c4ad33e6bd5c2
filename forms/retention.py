"""Retention of form submissions (RGPD): anything older than the configured period is deleted."""

import datetime as dt

from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission


def expired_submissions(days, now=None):
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return FormSubmission.objects.filter(submit_time__lt=cutoff)


def purge_submissions(days, dry_run=False, now=None):
    """Delete submissions older than `days` days (all form pages). Returns how many were (or would be) deleted."""
    expired = expired_submissions(days, now)
    count = expired.count()
    if not dry_run and count:
        expired.delete()
    return count
