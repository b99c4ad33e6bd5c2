"""Importing an existing list (CSV): keep each address's recorded consent, or ask every address to confirm again.

An address already known here is never changed by an import (an unsubscribed address stays unsubscribed).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import csv_files

from .models import Consent, ConsentSource, Subscriber, SubscriberStatus
from .subscriptions import normalise_email

EMAIL_COLUMNS = ("email", "e-mail", "courriel", "adresse", "mail", "adresse électronique", "adresse email")
DATE_COLUMNS = ("date_consentement", "date consentement", "consent_date", "date", "date_inscription")
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
)


class ImportMode(models.TextChoices):
    KEEP = "keep", _("Garder le consentement enregistré (date et origine) : les adresses sont inscrites")
    RECONFIRM = (
        "reconfirm",
        _(
            "Demander une nouvelle confirmation : chaque adresse reçoit un e-mail et reste en attente jusqu'à son clic"
        ),
    )


class ImportFileError(ValueError):
    pass


@dataclass
class ImportReport:
    created: int = 0
    reconfirmations: int = 0
    existing: list = field(default_factory=list)  # (line, address)
    errors: list = field(default_factory=list)  # (line, message)


def decode(data):
    try:
        return csv_files.decode(data)
    except csv_files.UndecodableFile:
        raise ImportFileError(gettext("Le fichier n'est ni en UTF-8 ni en Windows-1252.")) from None


def _column(headers, names):
    normalised = {h.strip().lower(): h for h in headers if h}
    for name in names:
        if name in normalised:
            return normalised[name]
    return None


def parse_date(value):
    value = (value or "").strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 — made aware just below
        except ValueError:
            continue
        return timezone.make_aware(parsed)
    raise ValueError(value)


def read_rows(text):
    """(line number, address, consent date text) for each data line."""
    lines = csv_files.rows(text)
    try:
        _, headers = next(lines, (1, []))
        email_column = _column(headers, EMAIL_COLUMNS)
        if email_column is None:
            raise ImportFileError(gettext("Colonne « email » introuvable dans la première ligne du fichier."))
        date_column = _column(headers, DATE_COLUMNS)
        for line, cells in lines:
            row = dict(zip(headers, cells, strict=False))
            yield (
                line,
                (row.get(email_column) or "").strip(),
                (row.get(date_column) or "") if date_column else "",
            )
    except csv_files.MalformedCsv as exc:
        raise ImportFileError(
            gettext("Le fichier CSV est mal formé (ligne %(line)s) : %(error)s")
            % {"line": exc.line, "error": exc.error}
        ) from exc


def import_csv(data, mode, origin, wording, now=None):
    from .subscriptions import current_consent_wording

    now = now or timezone.now()
    rows = list(read_rows(decode(data)))
    report = ImportReport()
    seen = set()
    to_confirm = []
    with transaction.atomic():
        for line, raw_email, raw_date in rows:
            if not raw_email:
                continue
            email = normalise_email(raw_email)
            try:
                validate_email(email)
            except ValidationError:
                report.errors.append((line, gettext("adresse non valide : %(email)s") % {"email": raw_email}))
                continue
            if email.lower() in seen or Subscriber.objects.filter(email__iexact=email).exists():
                report.existing.append((line, email))
                continue
            seen.add(email.lower())
            if mode == ImportMode.KEEP:
                try:
                    given_at = parse_date(raw_date)
                except ValueError:
                    report.errors.append(
                        (line, gettext("date de consentement illisible : %(date)s") % {"date": raw_date})
                    )
                    continue
                if given_at is None:
                    report.errors.append(
                        (
                            line,
                            gettext("date de consentement manquante : impossible de garder ce consentement"),
                        )
                    )
                    continue
                if given_at > now:
                    report.errors.append(
                        (line, gettext("date de consentement dans le futur : %(date)s") % {"date": raw_date})
                    )
                    continue
                subscriber = Subscriber.objects.create(
                    email=email,
                    status=SubscriberStatus.CONFIRMED,
                    status_changed_at=now,
                    confirmed_at=given_at,
                )
                Consent.objects.create(
                    subscriber=subscriber,
                    wording=wording,
                    source=ConsentSource.IMPORT,
                    origin=origin,
                    given_at=given_at,
                )
                report.created += 1
            else:
                subscriber = Subscriber.objects.create(
                    email=email, status_changed_at=now, confirmation_sent_at=now
                )
                Consent.objects.create(
                    subscriber=subscriber,
                    wording=current_consent_wording(),
                    source=ConsentSource.IMPORT,
                    origin=origin,
                )
                to_confirm.append(subscriber.pk)
                report.created += 1
        if to_confirm:
            from .tasks import send_confirmations

            transaction.on_commit(lambda: send_confirmations.enqueue(to_confirm))
            report.reconfirmations = len(to_confirm)
    return report
