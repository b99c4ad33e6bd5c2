"""Errors reported by the public on a service page: the form, storing the report, e-mailing who can fix it."""

import logging
import time

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.protection import HONEYPOT_FIELD, HoneypotMixin, rate_limited
from directory.partners.models import Membership
from directory.reports.models import ErrorReport

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 2000
RATE_LIMIT_SCOPE = "directory-report"
# The admin's edit view of a report (the viewset in directory/reports/admin.py, registered by wagtail_hooks).
REPORT_EDIT_URL_NAME = "wagtailsnippets_directory_errorreport:edit"


class ReportForm(HoneypotMixin):
    message = forms.CharField(
        label=_("Qu'est-ce qui est inexact ?"),
        help_text=_(
            "Par exemple : les horaires ont changé, le numéro de téléphone ne répond plus, le service a fermé. "
            "%(max)s caractères au plus."
        )
        % {"max": MESSAGE_MAX_LENGTH},
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Décrivez ce qui est inexact sur cette fiche."),
            "max_length": _(
                "Votre message compte %(show_value)d caractères : raccourcissez-le à %(limit_value)d."
            ),
        },
    )
    contact = forms.CharField(
        label=_("Votre adresse électronique ou votre téléphone (facultatif)"),
        help_text=_("Seulement si vous acceptez d'être recontacté à propos de ce signalement."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
        error_messages={"max_length": _("200 caractères au plus.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("message", "contact"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def full_clean(self):
        super().full_clean()
        # Errors are announced and tied to their field (RGAA 11.10).
        for name in self.errors:
            if name in ("message", "contact"):
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_erreur id_{name}_helptext"}
                )

    def clean_contact(self):
        # One line only: it may end up next to an address in an e-mail.
        return " ".join(self.cleaned_data.get("contact", "").split())

    @property
    def visible_fields_without_honeypot(self):
        return [bound for bound in self if bound.name != HONEYPOT_FIELD]


def count_towards_rate_limit(request):
    """Count one report from this client; True when it sent too many in the period (see core.protection)."""
    return rate_limited(
        request, RATE_LIMIT_SCOPE, settings.DIRECTORY_REPORT_RATE_LIMIT, settings.DIRECTORY_REPORT_RATE_PERIOD
    )


def retry_after_seconds():
    """Seconds until the current rate-limit window ends (fixed windows, see core.protection)."""
    period = settings.DIRECTORY_REPORT_RATE_PERIOD
    return int(period - time.time() % period) + 1


def distinct_addresses(*groups):
    """Distinct, non-empty addresses in the order given (case-insensitive)."""
    seen, result = set(), []
    for group in groups:
        for address in group:
            address = (address or "").strip()
            if address and address.lower() not in seen:
                seen.add(address.lower())
                result.append(address)
    return result


def member_emails(organisation):
    """The e-mail addresses of the organisation's active members."""
    return list(
        Membership.objects.filter(organisation=organisation, user__is_active=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


def organisation_recipients(service):
    """Who at the organisation hears about a report: the service's address, the organisation's, its members'."""
    organisation = service.organisation
    return distinct_addresses([service.contact_email, organisation.email], member_emails(organisation))


def staff_recipients():
    return distinct_addresses(settings.DIRECTORY_REPORTS_EMAIL.split(","))


def reply_address(contact):
    """The reporter's contact when it is an e-mail address (so that a reply reaches them), else None."""
    try:
        validate_email(contact)
    except ValidationError:
        return None
    return contact


def report_admin_url(report):
    return settings.WAGTAILADMIN_BASE_URL + reverse(REPORT_EDIT_URL_NAME, args=[report.pk])


def submit_report(service, message, contact="", service_url=None):
    """Store a report and e-mail the organisation and staff. The report is kept even if no e-mail can go out."""
    report = ErrorReport.objects.create(service=service, message=message, contact=contact)
    to_organisation = organisation_recipients(service)
    context = {
        "report": report,
        "service": service,
        "organisation": service.organisation,
        "organisation_recipients": to_organisation,
        "service_url": service_url or settings.SITE_URL + service.get_absolute_url(),
        "admin_url": report_admin_url(report),
    }
    subject = str(_("Signalement d'une erreur sur la fiche « %(title)s »") % {"title": service.title})
    reply_to = [address] if (address := reply_address(contact)) else None
    # Two messages: the organisation and staff do not need each other's addresses, and their texts differ.
    for recipients, template in (
        (to_organisation, "directory/email/report_organisation.txt"),
        (staff_recipients(), "directory/email/report_staff.txt"),
    ):
        if recipients:
            email = EmailMessage(
                subject,
                render_to_string(template, context),
                settings.DEFAULT_FROM_EMAIL,
                to=recipients,
                reply_to=reply_to,
            )
            _send(email, report)
    return report


def _send(email, report):
    # The report is already stored and listed in the admin: a mail server failure must not show an error page.
    try:
        email.send()
    except Exception:
        logger.exception("Signalement %s : l'e-mail à %s n'a pas pu être envoyé.", report.pk, email.to)
