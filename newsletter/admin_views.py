"""Wagtail admin views: test send, send to subscribers, send reports, resume, CSV import."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import sending
from .admin_forms import ImportForm, TestSendForm
from .importing import ImportFileError, import_csv
from .models import Campaign, NewsletterIssuePage, Subscriber, SubscriberStatus


class PermissionRequiredMixin:
    permission = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class IssueMixin:
    def dispatch(self, request, *args, **kwargs):
        self.issue = get_object_or_404(NewsletterIssuePage, pk=kwargs["page_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.issue.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailadmin_pages:edit", args=[self.issue.pk]), "label": self.issue.title},
            {"url": "", "label": self.get_page_title()},
        ]


def staff_addresses():
    """Active users who may send tests themselves, with an address: the only possible recipients of a test send.

    Not every admin account: partners log in to edit their listings, an unpublished issue is not theirs.
    """
    users = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("email")
    return [
        (user.email, f"{user.get_full_name() or user.get_username()} <{user.email}>")
        for user in users
        if user.has_perm("wagtailadmin.access_admin") and user.has_perm("newsletter.send_test")
    ]


class TestSendView(PermissionRequiredMixin, IssueMixin, WagtailAdminTemplateMixin, FormView):
    permission = "newsletter.send_test"
    page_title = _("Envoyer un essai")
    header_icon = "mail"
    template_name = "newsletter/admin/test_send.html"
    form_class = TestSendForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": staff_addresses()}

    def get_initial(self):
        return {"recipients": [self.request.user.email] if self.request.user.email else []}

    def form_valid(self, form):
        try:
            count = sending.send_test(self.issue, form.cleaned_data["recipients"])
        except Exception as exc:  # the mail server's answer is shown to the editor, not a 500
            messages.error(
                self.request, _("L'essai n'a pas pu partir : %(error)s") % {"error": sending.describe(exc)}
            )
            return self.form_invalid(form)
        messages.success(self.request, _("Essai envoyé à %(count)d adresse(s).") % {"count": count})
        return redirect("wagtailadmin_pages:edit", self.issue.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "issue": self.issue}


class SendView(PermissionRequiredMixin, IssueMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = "newsletter.send_campaign"
    page_title = _("Envoyer aux abonnés")
    header_icon = "mail"
    template_name = "newsletter/admin/send.html"

    def get_context_data(self, **kwargs):
        campaign = Campaign.objects.filter(issue=self.issue).first()
        return {
            **super().get_context_data(**kwargs),
            "issue": self.issue,
            "campaign": campaign,
            "recipients": Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED).count(),
        }

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                campaign = sending.create_campaign(self.issue, user=request.user)
        except sending.NotPublished:
            messages.error(
                request, _("Publiez la lettre avant de l'envoyer : c'est la version publiée qui part.")
            )
            return redirect("newsletter_admin:send", self.issue.pk)
        except sending.AlreadySent:
            messages.error(request, _("Cette lettre a déjà été envoyée : elle ne part qu'une fois."))
            return redirect("newsletter_admin:send", self.issue.pk)
        messages.success(request, _("L'envoi est lancé en arrière-plan."))
        return redirect("newsletter_admin:report", campaign.pk)


class CampaignListView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = "newsletter.view_campaign"
    page_title = _("Envois de la lettre")
    header_icon = "mail"
    template_name = "newsletter/admin/campaign_list.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        campaigns = Campaign.objects.select_related("issue", "created_by")[:100]
        rows = [(campaign, sending.delivery_counts(campaign.pk)) for campaign in campaigns]
        return {**super().get_context_data(**kwargs), "rows": rows}


class ReportView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = "newsletter.view_campaign"
    page_title = _("Rapport d'envoi")
    header_icon = "mail"
    template_name = "newsletter/admin/report.html"

    def dispatch(self, request, *args, **kwargs):
        self.campaign = get_object_or_404(Campaign, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.campaign.subject

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("newsletter_admin:campaigns"), "label": _("Envois de la lettre")},
            {"url": "", "label": self.campaign.subject},
        ]

    def get_context_data(self, **kwargs):
        report = sending.campaign_report(self.campaign)
        return {
            **super().get_context_data(**kwargs),
            "report": report,
            "campaign": self.campaign,
            "can_resume": self.request.user.has_perm("newsletter.send_campaign") and not report.running,
        }


class ResumeView(PermissionRequiredMixin, View):
    permission = "newsletter.send_campaign"

    def post(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        resend = request.POST.get("resend_uncertain") == "1"
        try:
            with transaction.atomic():
                requeued = sending.resume_campaign(campaign, resend_uncertain=resend)
        except sending.LeaseLost as exc:
            messages.error(request, str(exc))
        else:
            if resend:
                messages.success(
                    request,
                    _("Envoi relancé ; %(count)d envoi(s) incertain(s) repartent.") % {"count": requeued},
                )
            else:
                messages.success(request, _("Envoi relancé."))
        return redirect("newsletter_admin:report", campaign.pk)


class ImportView(PermissionRequiredMixin, WagtailAdminTemplateMixin, FormView):
    permission = "newsletter.import_subscribers"
    page_title = _("Importer des abonnés")
    header_icon = "upload"
    template_name = "newsletter/admin/import.html"
    form_class = ImportForm

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = import_csv(data["file"].read(), data["mode"], data["origin"], data["wording"].strip())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=ImportForm(), report=report))
