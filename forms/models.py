"""Wagtail form pages (contact, call-back request, workshop registration) with abuse protection and e-mails."""

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES, AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from core.protection import HONEYPOT_FIELD, HoneypotMixin, rate_limited

from .builder import AccessibleFormMixin, SiteFormBuilder

logger = logging.getLogger(__name__)

# Wagtail's field types plus a telephone number; no file upload is offered.
FIELD_TYPE_CHOICES = []
for _choice in FORM_FIELD_CHOICES:
    FIELD_TYPE_CHOICES.append(_choice)
    if _choice[0] == "email":
        FIELD_TYPE_CHOICES.append(("tel", _("Numéro de téléphone")))
THANKS_PARAMETER = "envoi"
THANKS_VALUE = "ok"
RATE_LIMIT_SCOPE = "forms"


def rate_limit():
    return (getattr(settings, "FORMS_RATE_LIMIT", 5), getattr(settings, "FORMS_RATE_LIMIT_PERIOD", 600))


def retention_days():
    return getattr(settings, "FORM_SUBMISSION_RETENTION_DAYS", 365)


def retention_label(days):
    """ "12 mois" for 365 days, "2 ans" for 730, else "N jours"."""
    if days % 365 == 0:
        years = days // 365
        return _("12 mois") if years == 1 else _("%(years)s ans") % {"years": years}
    return _("%(days)s jours") % {"days": days}


def display_value(value):
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return "" if value is None else str(value)


class FormField(AbstractFormField):
    field_type = models.CharField(_("type de champ"), max_length=16, choices=FIELD_TYPE_CHOICES)
    # Previews build the form from unsaved fields: the type must be there.
    field_type.required_on_save = True
    page = ParentalKey("FormPage", related_name="form_fields", on_delete=models.CASCADE)


class FormPage(AbstractEmailForm):
    intro = RichTextField(_("présentation"), blank=True, features=["bold", "italic", "link", "ul", "ol"])
    submit_label = models.CharField(_("libellé du bouton d'envoi"), max_length=60, default="Envoyer")
    thank_you_text = RichTextField(
        _("message de remerciement"),
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        help_text=_("Montré après l'envoi. Dites ce qui va se passer ensuite et sous quel délai."),
    )
    send_confirmation = models.BooleanField(
        _("envoyer un accusé de réception"),
        default=False,
        help_text=_(
            "Envoyé à l'adresse saisie dans le premier champ de type « adresse électronique ». Il ne reprend "
            "pas les réponses, pour qu'on ne puisse pas se servir du formulaire pour écrire à un tiers."
        ),
    )
    confirmation_subject = models.CharField(_("objet de l'accusé de réception"), max_length=200, blank=True)
    confirmation_text = models.TextField(
        _("texte de l'accusé de réception"),
        blank=True,
        help_text=_("Laissez vide pour un texte par défaut."),
    )

    form_builder = SiteFormBuilder

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Champ"), heading=_("Champs du formulaire")),
        FieldPanel("submit_label"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldPanel(
                    "to_address",
                    help_text=_(
                        "Adresses séparées par des virgules. Laissez vide pour écrire à l'adresse par défaut "
                        "du site (réglage FORMS_NOTIFICATION_EMAIL)."
                    ),
                ),
                FieldPanel("from_address"),
                FieldPanel("subject"),
            ],
            heading=_("Message à l'équipe à chaque envoi"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("send_confirmation"),
                FieldPanel("confirmation_subject"),
                FieldPanel("confirmation_text"),
            ],
            heading=_("Accusé de réception à l'expéditeur"),
        ),
    ]
    search_fields = [*AbstractEmailForm.search_fields, index.SearchField("intro")]
    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("formulaire")
        verbose_name_plural = _("formulaires")

    # ----- the form -----

    def get_form_class(self):
        generated = super().get_form_class()
        return type("FormPageForm", (AccessibleFormMixin, generated, HoneypotMixin), {})

    def get_submissions_list_view_class(self):
        from .views import SafeSubmissionsListView

        return SafeSubmissionsListView

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["retention"] = retention_label(retention_days())
        return context

    # ----- serving -----

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            return self.handle_post(request)
        if request.GET.get(THANKS_PARAMETER) == THANKS_VALUE:
            return self.render_landing_page(request)
        return super().serve(request, *args, **kwargs)

    def handle_post(self, request):
        form = self.get_form(request.POST, request.FILES, page=self, user=request.user)
        limit, period = rate_limit()
        if form.is_valid():
            if rate_limited(request, RATE_LIMIT_SCOPE, limit, period):
                # Nothing is lost: the same form, filled in, with a message and a 429.
                response = self.render_form(request, form, status=429, rate_limited=True)
                response["Retry-After"] = str(int(period - time.time() % period) + 1)
                return response
            self.process_form_submission(form)
            # Post/Redirect/Get: reloading the thank-you page does not send the form twice.
            response = HttpResponseRedirect(
                f"{self.get_url(request=request)}?{THANKS_PARAMETER}={THANKS_VALUE}"
            )
            response.status_code = 303
            return response
        if form.is_spam:
            # Robots count towards the limit too; nothing is stored or sent.
            rate_limited(request, RATE_LIMIT_SCOPE, limit, period)
            return self.render_form(request, form, status=400)
        return self.render_form(request, form)

    def render_form(self, request, form, status=200, **extra):
        context = self.get_context(request)
        context["form"] = form
        context.update(extra)
        return TemplateResponse(request, self.get_template(request), context, status=status)

    # ----- storing and e-mails -----

    def process_form_submission(self, form):
        data = {name: value for name, value in form.cleaned_data.items() if name != HONEYPOT_FIELD}
        submission = self.get_submission_class().objects.create(form_data=data, page=self)
        self.send_notification(form, submission)
        if self.send_confirmation:
            self.send_confirmation_email(form)
        return submission

    def notification_recipients(self):
        raw = self.to_address or getattr(settings, "FORMS_NOTIFICATION_EMAIL", "")
        return [address.strip() for address in raw.split(",") if address.strip()]

    def sender_email(self, form):
        """The address typed in the first e-mail field, if any."""
        for field in self.get_form_fields():
            if field.field_type == "email":
                value = form.cleaned_data.get(field.clean_name)
                if value:
                    return value
        return None

    def render_email(self, form):
        lines = []
        for bound in form:
            if bound.name == HONEYPOT_FIELD or bound.name not in form.cleaned_data:
                continue
            lines.append(f"{bound.label} : {display_value(form.cleaned_data[bound.name])}")
        return "\n".join(lines)

    def send_notification(self, form, submission):
        recipients = self.notification_recipients()
        if not recipients:
            return
        from django.urls import reverse

        listing = settings.WAGTAILADMIN_BASE_URL + reverse("wagtailforms:list_submissions", args=[self.pk])
        body = "\n\n".join(
            [
                str(_("Nouvel envoi du formulaire « %(title)s » :") % {"title": self.title}),
                self.render_email(form),
                str(_("Toutes les réponses : %(url)s") % {"url": listing}),
            ]
        )
        sender = self.sender_email(form)
        message = EmailMessage(
            subject=self.subject or str(_("Formulaire « %(title)s » : nouvel envoi") % {"title": self.title}),
            body=body,
            from_email=self.from_address or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            reply_to=[sender] if sender else None,
        )
        self._send(message, "notification")

    def send_confirmation_email(self, form):
        sender = self.sender_email(form)
        if not sender:
            return
        from home.models import ContactSettings

        site = self.get_site()
        contact = ContactSettings.for_site(site) if site else ContactSettings()
        default_text = _(
            "Bonjour,\n\nNous avons bien reçu votre demande envoyée depuis le formulaire « %(title)s » du site "
            "Gers Solidaire. Nous vous répondrons dès que possible.\n\nBesoin d'aide tout de suite ? Le "
            "%(helpline)s répond gratuitement au %(number)s, %(hours)s.\n\nL'équipe de Gers Solidaire"
        ) % {
            "title": self.title,
            "helpline": contact.helpline_name,
            "number": contact.helpline_number,
            "hours": contact.helpline_hours,
        }
        message = EmailMessage(
            subject=self.confirmation_subject
            or str(_("Nous avons bien reçu votre demande : %(title)s") % {"title": self.title}),
            body=self.confirmation_text or str(default_text),
            from_email=self.from_address or settings.DEFAULT_FROM_EMAIL,
            to=[sender],
        )
        self._send(message, "confirmation")

    def _send(self, message, kind):
        # The submission is already stored: a mail server failure must neither lose it nor show an error page.
        try:
            message.send()
        except Exception:
            logger.exception("Formulaire %s : l'e-mail de %s n'a pas pu être envoyé.", self.pk, kind)

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        context = self.get_context(request)
        context["form_submission"] = form_submission
        return TemplateResponse(request, self.get_landing_page_template(request), context)
