"""Subscribers and their consent, issues composed as Wagtail pages, sends and their per-recipient deliveries."""

import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

DEFAULT_CONSENT_WORDING = (
    "J'accepte de recevoir par e-mail la lettre d'information de Gers Solidaire. Mon adresse ne sert qu'à cet "
    "envoi et n'est jamais transmise à des tiers ; je peux me désinscrire à tout moment grâce au lien présent "
    "dans chaque lettre."
)

EDITORIAL_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"]


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("en attente de confirmation")
    CONFIRMED = "confirmed", _("inscrit")
    UNSUBSCRIBED = "unsubscribed", _("désinscrit")
    BOUNCED = "bounced", _("adresse en erreur")
    COMPLAINED = "complained", _("signalé comme indésirable")


class Subscriber(models.Model):
    email = models.EmailField(_("adresse électronique"), max_length=254)
    status = models.CharField(
        _("état"), max_length=20, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    # Signed links carry this random key, never the primary key.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("état modifié le"), default=timezone.now)
    confirmation_sent_at = models.DateTimeField(_("confirmation demandée le"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonné")
        verbose_name_plural = _("abonnés")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["status"], name="newsletter_subscriber_status")]

    def __str__(self):
        return self.email

    def set_status(self, status, now=None):
        self.status = status
        self.status_changed_at = now or timezone.now()


class ConsentSource(models.TextChoices):
    FORM = "form", _("formulaire du site")
    IMPORT = "import", _("import d'une liste")


class Consent(models.Model):
    """What a person agreed to, when, and how we know: kept as proof (RGPD art. 7.1)."""

    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("abonné"), on_delete=models.CASCADE, related_name="consents"
    )
    wording = models.TextField(_("texte accepté"))
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    origin = models.CharField(
        _("origine déclarée"),
        max_length=200,
        blank=True,
        help_text=_(
            "Pour un import : d'où vient le consentement d'origine (formulaire papier, ancien site…)."
        ),
    )
    given_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmé par e-mail le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    ip_hash = models.CharField(_("empreinte de l'adresse IP"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subscriber} ({self.get_source_display()})"


class NewsletterIndexPage(Page):
    """The web archive of the issues, with the subscription form."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    consent_wording = models.TextField(
        _("texte du consentement"),
        default=DEFAULT_CONSENT_WORDING,
        help_text=_(
            "Affiché à côté de la case à cocher du formulaire d'inscription et enregistré tel quel avec chaque "
            "consentement."
        ),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("consent_wording")]
    subpage_types = ["newsletter.NewsletterIssuePage"]
    max_count = 1

    class Meta:
        verbose_name = _("page de la lettre d'information")

    def get_context(self, request, *args, **kwargs):
        from .forms import SubscribeForm

        context = super().get_context(request, *args, **kwargs)
        issues = NewsletterIssuePage.objects.child_of(self).live().public().order_by("-first_published_at")
        context["issues"] = Paginator(issues, 12).get_page(request.GET.get("page"))
        context["form"] = SubscribeForm(wording=self.consent_wording)
        return context


class NewsletterIssuePage(Page):
    """One issue: read on the site (the archive) and sent by e-mail."""

    email_subject = models.CharField(
        _("objet de l'e-mail"),
        max_length=200,
        blank=True,
        help_text=_("Laissez vide : le titre de la lettre sert d'objet."),
    )
    preheader = models.CharField(
        _("texte d'aperçu"),
        max_length=200,
        blank=True,
        help_text=_("Affiché après l'objet dans la boîte de réception."),
    )
    editorial = RichTextField(_("éditorial"), blank=True, features=EDITORIAL_FEATURES)
    cta_title = models.CharField(_("titre de l'appel à l'action"), max_length=120, blank=True)
    cta_text = models.TextField(_("texte de l'appel à l'action"), blank=True)
    cta_label = models.CharField(_("libellé du bouton"), max_length=60, blank=True)
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du bouton"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cta_url = models.URLField(_("ou adresse du bouton"), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("email_subject"), FieldPanel("preheader")],
            heading=_("E-mail"),
        ),
        FieldPanel("editorial"),
        InlinePanel("news_items", heading=_("Actualités"), label=_("Actualité")),
        InlinePanel("service_items", heading=_("À la une de l'annuaire"), label=_("Service")),
        MultiFieldPanel(
            [
                FieldPanel("cta_title"),
                FieldPanel("cta_text"),
                FieldPanel("cta_label"),
                FieldPanel("cta_page"),
                FieldPanel("cta_url"),
            ],
            heading=_("Appel à l'action"),
        ),
        HelpPanel(
            _(
                "Aperçu « E-mail » : la lettre telle qu'elle sera reçue. Une fois la page publiée, les boutons "
                "« Envoyer un essai » et « Envoyer aux abonnés » se trouvent en haut de la page d'édition."
            ),
            heading=_("Envoi"),
        ),
    ]
    parent_page_types = ["newsletter.NewsletterIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lettre d'information")
        verbose_name_plural = _("lettres d'information")

    @property
    def subject(self):
        return self.email_subject or self.title

    @property
    def cta_href(self):
        if self.cta_page_id and self.cta_page and self.cta_page.live:
            return self.cta_page.get_url()
        return self.cta_url

    @property
    def preview_modes(self):
        return [("", _("Page web")), ("email", _("E-mail"))]

    def serve_preview(self, request, mode_name):
        if mode_name == "email":
            from .emails import render_issue

            rendered = render_issue(self)
            return HttpResponse(rendered.preview_html(), content_type="text/html; charset=utf-8")
        return super().serve_preview(request, mode_name)

    def get_context(self, request, *args, **kwargs):
        from .emails import issue_content

        context = super().get_context(request, *args, **kwargs)
        context.update(issue_content(self))
        context["index_page"] = self.get_parent().specific
        return context


class NewsletterIssueNews(Orderable):
    issue = ParentalKey(NewsletterIssuePage, on_delete=models.CASCADE, related_name="news_items")
    news_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )
    summary = models.TextField(
        _("résumé"), blank=True, help_text=_("Laissez vide : le résumé ou la description de la page.")
    )

    panels = [FieldPanel("news_page"), FieldPanel("summary")]

    class Meta(Orderable.Meta):
        verbose_name = _("actualité de la lettre")


class NewsletterIssueService(Orderable):
    issue = ParentalKey(NewsletterIssuePage, on_delete=models.CASCADE, related_name="service_items")
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.TextField(_("commentaire"), blank=True, help_text=_("Laissez vide : le résumé du service."))

    panels = [FieldPanel("service"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("service mis en avant")


class CampaignStatus(models.TextChoices):
    QUEUED = "queued", _("en file d'attente")
    SENDING = "sending", _("envoi en cours")
    INTERRUPTED = "interrupted", _("interrompu")
    DONE = "done", _("terminé")


class Campaign(models.Model):
    """The send of one issue. Its content is rendered once, so a resumed send sends exactly the same letter."""

    issue = models.OneToOneField(
        NewsletterIssuePage,
        verbose_name=_("lettre"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="campaign",
    )
    subject = models.CharField(_("objet"), max_length=255)
    html = models.TextField(_("version HTML"))
    text = models.TextField(_("version texte"))
    status = models.CharField(
        _("état"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # One worker at a time: the lease is renewed while it sends and expires when it dies.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at"]
        permissions = [
            ("send_campaign", _("Peut envoyer une lettre à tous les abonnés")),
            ("send_test", _("Peut envoyer une lettre d'essai")),
            ("import_subscribers", _("Peut importer une liste d'abonnés")),
        ]

    def __str__(self):
        return self.subject

    def lease_is_live(self, now=None):
        return (
            bool(self.lease_owner)
            and self.lease_expires_at
            and self.lease_expires_at > (now or timezone.now())
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("à envoyer")
    SENDING = "sending", _("en cours ou incertain")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec")
    SKIPPED = "skipped", _("non envoyé (plus abonné)")


class Delivery(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("envoi"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("abonné"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("état"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "subscriber"], name="newsletter_delivery_once"),
        ]
        indexes = [models.Index(fields=["campaign", "status", "id"], name="newsletter_delivery_todo")]

    def __str__(self):
        return f"{self.campaign} → {self.subscriber}"
