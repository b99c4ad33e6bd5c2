"""The partners' admin: "Mes fiches" on the dashboard, trusted publication, and "Mon équipe" (invitations)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from directory.listings.models import Organisation, Service
from directory.partners.access import is_unrestricted, managed_organisation_ids, organisation_ids
from directory.partners.invitations import send_invitation
from directory.partners.models import Invitation, Membership, Role
from directory.partners.moderation import MODERATED_MODELS, approve_if_trusted, organisation_of
from directory.reports.models import ReportStatus


def is_partner(user):
    """A partner works for organisations and is limited to them (staff and superusers are not)."""
    return user.is_authenticated and not is_unrestricted(user) and bool(organisation_ids(user))


# --- Trusted organisations publish directly ---------------------------------------------------------------


def _approve_trusted_submission(request, instance):
    if instance._meta.model_name not in MODERATED_MODELS or not getattr(
        instance, "workflow_in_progress", False
    ):
        return
    organisation = organisation_of(instance)
    if (
        is_unrestricted(request.user)
        or organisation is None
        or organisation.pk not in organisation_ids(request.user)
    ):
        return
    instance.refresh_from_db()
    if approve_if_trusted(instance, request.user):
        messages.success(request, _("Structure de confiance : la modification est publiée."))


hooks.register("after_create_snippet", _approve_trusted_submission)
hooks.register("after_edit_snippet", _approve_trusted_submission)


# --- "Mes fiches" dashboard panel ---------------------------------------------------------------------------


def freshness_of(service):
    """When the listing was last confirmed, and whether it is due for checking."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.formats import date_format

    verified = service.last_verified_at or service.created_at
    months = settings.DIRECTORY_STALE_AFTER_MONTHS
    stale = verified is None or (timezone.now() - verified).days > months * 30.44
    label = date_format(timezone.localtime(verified), "j F Y") if verified else ""
    return {"stale": stale, "verified": label}


def service_status(service):
    """One word on where a service stands, as the partner thinks of it."""
    if service.workflow_in_progress:
        state = service.current_workflow_state
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            return _("Modifications demandées")
        return _("En attente de validation")
    if not service.live:
        return _("Brouillon")
    if service.has_unpublished_changes:
        return _("Publié, brouillon en cours")
    return _("Publié")


class MyListingsPanel(Component):
    name = "my_listings"
    template_name = "directory/admin/my_listings_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        services = (
            Service.objects.filter(organisation__in=organisation_ids(request.user))
            .select_related("organisation", "place__commune")
            .annotate(
                pending_reports=Count("error_reports", filter=Q(error_reports__status=ReportStatus.NEW))
            )
            .order_by("organisation__name", "title")
        )
        rows = [
            {
                "service": service,
                "edit_url": reverse(service.snippet_viewset.get_url_name("edit"), args=[service.pk]),
                "status": service_status(service),
                "freshness": freshness_of(service),
                "pending_reports": service.pending_reports,
            }
            for service in services
        ]
        return {
            "rows": rows,
            "add_url": reverse(Service.snippet_viewset.get_url_name("add")),
            "team_url": reverse("directory_team:index") if managed_organisation_ids(request.user) else "",
        }


@hooks.register("construct_homepage_panels")
def add_my_listings_panel(request, panels):
    if is_partner(request.user):
        # Partners get their listings first and none of the site-wide panels that do not concern them.
        panels[:] = [p for p in panels if getattr(p, "name", "") in {"user_objects_in_workflow_moderation"}]
        panels.insert(0, MyListingsPanel())


@hooks.register("construct_homepage_summary_items")
def hide_site_summary_for_partners(request, items):
    if is_partner(request.user):
        items.clear()


# --- "Mon équipe": members and invitations -----------------------------------------------------------------


def organisations_user_manages(user):
    if is_unrestricted(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=managed_organisation_ids(user))


class InvitationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Structure"), queryset=Organisation.objects.none())
    email = forms.EmailField(label=_("Adresse électronique de la personne invitée"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()

    def clean(self):
        cleaned = super().clean()
        organisation, email = cleaned.get("organisation"), cleaned.get("email")
        if organisation and email and organisation.memberships.filter(user__email__iexact=email).exists():
            self.add_error("email", _("Cette personne fait déjà partie de la structure."))
        return cleaned


def team_index(request):
    organisations = organisations_user_manages(request.user)
    if not organisations.exists():
        raise PermissionDenied
    form = InvitationForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        invitation = Invitation.objects.create(
            organisation=form.cleaned_data["organisation"],
            email=form.cleaned_data["email"].strip().lower(),
            role=form.cleaned_data["role"],
            invited_by=request.user,
        )
        send_invitation(invitation, request)
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email})
        return redirect("directory_team:index")
    shown = (
        organisations
        if not is_unrestricted(request.user)
        else organisations.filter(memberships__isnull=False)
    )
    return TemplateResponse(
        request,
        "directory/admin/team.html",
        {
            "form": form,
            "memberships": Membership.objects.filter(organisation__in=shown).select_related(
                "user", "organisation"
            ),
            "invitations": Invitation.objects.filter(
                organisation__in=organisations, accepted_at=None
            ).select_related("organisation"),
            "page_title": _("Mon équipe"),
            "header_icon": "group",
        },
    )


def remove_membership(request, pk):
    membership = get_object_or_404(
        Membership.objects.filter(organisation__in=organisations_user_manages(request.user)), pk=pk
    )
    if request.method != "POST":
        return redirect("directory_team:index")
    if membership.user_id == request.user.pk:
        messages.error(request, _("Vous ne pouvez pas vous retirer vous-même de la structure."))
    else:
        membership.delete()
        messages.success(
            request, _("%(user)s ne fait plus partie de la structure.") % {"user": membership.user}
        )
    return redirect("directory_team:index")


@hooks.register("register_admin_urls")
def register_team_urls():
    return [
        path(
            "equipe/",
            include_team_urls(),
        )
    ]


def include_team_urls():
    from django.urls import include

    return include(
        (
            [
                path("", team_index, name="index"),
                path("retirer/<int:pk>/", remove_membership, name="remove"),
            ],
            "directory_team",
        )
    )


class TeamMenuItem(MenuItem):
    def is_shown(self, request):
        return is_unrestricted(request.user) or bool(managed_organisation_ids(request.user))


@hooks.register("register_admin_menu_item")
def register_team_menu_item():
    return TeamMenuItem(_("Mon équipe"), reverse("directory_team:index"), icon_name="group", order=260)
