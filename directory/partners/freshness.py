"""Freshness of the listings: reminders to confirm them, signed confirmation links, stale services.

A service's clock starts at its last verification or, if it was never verified, at its last publication (or its
creation). After DIRECTORY_REMINDER_AFTER_MONTHS the organisation gets one reminder for that period; after
DIRECTORY_STALE_AFTER_MONTHS the public page warns residents and staff see the service in the "À vérifier" report.
"""

import calendar
import logging
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from directory.listings.models import Service
from directory.reports.submission import distinct_addresses, member_emails

logger = logging.getLogger(__name__)

CONFIRM_SALT = "directory.freshness.confirm"
VERIFY_ACTION = "directory.verify"
REMINDER_ACTION = "directory.reminder"
SERVICE_EDIT_URL_NAME = "wagtailsnippets_directory_service:edit"


# --- The clock ----------------------------------------------------------------------------------------------


def months_before(moment, months):
    """The same day and time `months` calendar months earlier (the 31st falls back to the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def verified_since(service):
    """When the service's information was last vouched for: verified, else published, else created."""
    return service.last_verified_at or service.last_published_at or service.created_at


def with_baseline(queryset):
    """`verified_since` as a column, `verified_baseline`, to filter and sort in SQL."""
    return queryset.annotate(
        verified_baseline=Coalesce("last_verified_at", "last_published_at", "created_at")
    )


def due_for_reminder(now=None):
    """Published services unconfirmed for N months that have had no reminder since their clock started."""
    cutoff = months_before(now or timezone.now(), settings.DIRECTORY_REMINDER_AFTER_MONTHS)
    return (
        with_baseline(Service.objects.public())
        .filter(verified_baseline__lt=cutoff)
        .filter(Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=F("verified_baseline")))
    )


def stale_cutoff(now=None):
    return months_before(now or timezone.now(), settings.DIRECTORY_STALE_AFTER_MONTHS)


def stale_services(now=None):
    """Published services unconfirmed for M months: residents are warned, staff follow them up."""
    return with_baseline(Service.objects.public()).filter(verified_baseline__lt=stale_cutoff(now))


def is_stale(since, cutoff):
    """Whether information vouched for at `since` is past `cutoff` (stale_cutoff(), computed once per page)."""
    return since is not None and since < cutoff


def stale_advice(phone="", email="", website=""):
    """What to do before going, in the words of the contact means the listing actually has."""
    if phone:
        return _("Elles ont pu changer\u00a0: appelez avant de vous déplacer.")
    if email:
        return _("Elles ont pu changer\u00a0: écrivez à la structure avant de vous déplacer.")
    if website:
        return _("Elles ont pu changer\u00a0: vérifiez sur le site de la structure avant de vous déplacer.")
    return _(
        "Elles ont pu changer\u00a0: renseignez-vous auprès du Numéro Vert Social avant de vous déplacer."
    )


def service_stale_advice(service):
    return stale_advice(
        service.contact_phone, service.contact_email, service.website or service.organisation.website
    )


def page_freshness(service, now=None):
    """What the public page says about freshness: whether to warn, since when, and what to do about it."""
    since = verified_since(service)
    stale = is_stale(since, stale_cutoff(now))
    return {"stale": stale, "since": since, "advice": service_stale_advice(service) if stale else ""}


# --- Signed confirmation links -------------------------------------------------------------------------------


class LinkError(Exception):
    status = 400


class InvalidLink(LinkError):
    """Forged, truncated, or pointing at a service that no longer exists."""


class ExpiredLink(LinkError):
    status = 410


class UsedLink(LinkError):
    """The service was confirmed after this link was sent: the link has done its job."""

    status = 410

    def __init__(self, service):
        super().__init__(service)
        self.service = service


class WithdrawnService(LinkError):
    """The service is no longer published: there is nothing public to confirm."""

    status = 410

    def __init__(self, service):
        super().__init__(service)
        self.service = service


def _stamp(moment):
    return moment.timestamp() if moment else None


def confirmation_token(service):
    # The verification date at sending time makes the link single-use: once confirmed, it no longer matches.
    return signing.dumps({"s": service.pk, "v": _stamp(service.last_verified_at)}, salt=CONFIRM_SALT)


def read_confirmation_token(token):
    """The service a confirmation link is for; a LinkError subclass says why the link cannot be used."""
    max_age = settings.DIRECTORY_CONFIRMATION_MAX_AGE_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise InvalidLink
    service = Service.objects.select_related("organisation").filter(pk=data["s"]).first()
    if service is None:
        raise InvalidLink
    if not service.live:
        raise WithdrawnService(service)
    if _stamp(service.last_verified_at) != data.get("v"):
        raise UsedLink(service)
    return service


def confirm(service, user=None):
    """The organisation vouches for the service as it is: its clock starts again, and the history says so."""
    service.mark_verified()
    log(instance=service, action=VERIFY_ACTION, user=user)


def confirmation_url(service):
    return settings.SITE_URL + reverse(
        "directory:confirm", kwargs={"slug": service.slug, "token": confirmation_token(service)}
    )


def edit_url(service):
    return settings.WAGTAILADMIN_BASE_URL + reverse(SERVICE_EDIT_URL_NAME, args=[service.pk])


# --- Reminders -------------------------------------------------------------------------------------------------


def reminder_recipients(organisation, services):
    """The organisation's address and its members'; the services' own addresses only when there is neither."""
    recipients = distinct_addresses([organisation.email], member_emails(organisation))
    return recipients or distinct_addresses([service.email for service in services])


def reminder_email(organisation, services, recipients):
    context = {
        "organisation": organisation,
        "services": [
            {
                "service": service,
                "since": verified_since(service),
                "public_url": settings.SITE_URL + service.get_absolute_url(),
                "confirm_url": confirmation_url(service),
                "edit_url": edit_url(service),
            }
            for service in services
        ],
        "reminder_months": settings.DIRECTORY_REMINDER_AFTER_MONTHS,
        "stale_months": settings.DIRECTORY_STALE_AFTER_MONTHS,
        "max_age_days": settings.DIRECTORY_CONFIRMATION_MAX_AGE_DAYS,
    }
    subject = _("France Contact : vos informations sont-elles toujours exactes ?")
    body = render_to_string("directory/email/freshness_reminder.txt", context)
    return EmailMessage(str(subject), body, settings.DEFAULT_FROM_EMAIL, to=recipients)


@dataclass
class ReminderSummary:
    sent: list = field(default_factory=list)  # (organisation, services, recipients)
    without_address: list = field(default_factory=list)  # (organisation, services)
    failed: list = field(default_factory=list)  # (organisation, services)

    @property
    def services_reminded(self):
        return sum(len(services) for _org, services, _to in self.sent)


def send_reminders(now=None):
    """One e-mail per organisation listing its services due for a reminder; each is then marked as reminded.

    Idempotent: a reminded service is not due again until its clock restarts (confirmation or publication).
    A failed send marks nothing, so the next run tries again.
    """
    now = now or timezone.now()
    summary = ReminderSummary()
    due = (
        due_for_reminder(now)
        .select_related("organisation")
        .order_by("organisation__name", "organisation", "title")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for organisation, services in groupby(due, key=lambda service: service.organisation):
            services = list(services)
            recipients = reminder_recipients(organisation, services)
            if not recipients:
                summary.without_address.append((organisation, services))
                continue
            try:
                reminder_email(organisation, services, recipients).send()
            except Exception:
                logger.exception(
                    "Rappel de fraîcheur : l'envoi à %s (%s) a échoué.", organisation, recipients
                )
                summary.failed.append((organisation, services))
                continue
            Service.objects.filter(pk__in=[service.pk for service in services]).update(reminder_sent_at=now)
            for service in services:
                log(instance=service, action=REMINDER_ACTION)
            summary.sent.append((organisation, services, recipients))
    return summary
