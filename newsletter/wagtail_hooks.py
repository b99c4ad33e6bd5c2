"""Admin: a "Lettre d'information" menu (subscribers, sends, import) and send buttons on each issue."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from . import admin_views
from .models import Campaign, NewsletterIssuePage, Subscriber


class SubscriberPermissionPolicy(ModelPermissionPolicy):
    """Subscribers are never created or edited by hand: an address comes with a consent (form or import).

    Staff can look them up and delete one (right to erasure).
    """

    def user_has_permission(self, user, action):
        if action in ("add", "change", "copy"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class SubscriberInspectView(InspectView):
    template_name = "newsletter/admin/subscriber_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consents"] = self.object.consents.all()
        context["deliveries"] = self.object.deliveries.select_related("campaign").order_by("-id")[:20]
        return context


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Abonnés")
    add_to_admin_menu = False
    form_fields = ["email"]
    inspect_view_enabled = True
    inspect_view_class = SubscriberInspectView
    copy_view_enabled = False
    list_display = [
        "email",
        Column("status", label=_("État"), accessor="get_status_display", sort_key="status"),
        DateColumn("created_at", label=_("Créé le"), sort_key="created_at"),
        DateColumn("status_changed_at", label=_("État modifié le"), sort_key="status_changed_at"),
    ]
    list_filter = ["status"]
    search_fields = ["email"]
    search_backend_name = None

    @property
    def permission_policy(self):
        return SubscriberPermissionPolicy(self.model)


subscriber_viewset = SubscriberViewSet("newsletter_subscribers")


@hooks.register("register_admin_viewset")
def register_subscriber_viewset():
    return subscriber_viewset


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_newsletter_menu():
    items = [
        PermissionMenuItem(
            _("Abonnés"),
            reverse("newsletter_subscribers:index"),
            icon_name="user",
            permission="newsletter.view_subscriber",
            order=100,
        ),
        PermissionMenuItem(
            _("Envois"),
            reverse("newsletter_admin:campaigns"),
            icon_name="mail",
            permission="newsletter.view_campaign",
            order=200,
        ),
        PermissionMenuItem(
            _("Importer une liste"),
            reverse("newsletter_admin:import"),
            icon_name="upload",
            permission="newsletter.import_subscribers",
            order=300,
        ),
    ]
    return SubmenuMenuItem(_("Lettre d'information"), Menu(items=items), icon_name="mail", order=260)


@hooks.register("register_admin_urls")
def register_newsletter_admin_urls():
    urls = [
        path("lettre/<int:page_id>/essai/", admin_views.TestSendView.as_view(), name="test_send"),
        path("lettre/<int:page_id>/envoi/", admin_views.SendView.as_view(), name="send"),
        path("envois/", admin_views.CampaignListView.as_view(), name="campaigns"),
        path("envois/<int:pk>/", admin_views.ReportView.as_view(), name="report"),
        path("envois/<int:pk>/reprendre/", admin_views.ResumeView.as_view(), name="resume"),
        path("import/", admin_views.ImportView.as_view(), name="import"),
    ]
    return [path("lettre-information/", include((urls, "newsletter_admin")))]


def _issue_buttons(page, user):
    if page.specific_class is not NewsletterIssuePage:
        return
    if user.has_perm("newsletter.send_test"):
        yield PageMenuItem(
            _("Envoyer un essai"),
            reverse("newsletter_admin:test_send", args=[page.pk]),
            "mail",
            80,
            page=page,
        )
    campaign = Campaign.objects.filter(issue_id=page.pk).first()
    if campaign and user.has_perm("newsletter.view_campaign"):
        yield PageMenuItem(
            _("Rapport d'envoi"),
            reverse("newsletter_admin:report", args=[campaign.pk]),
            "list-ul",
            82,
            page=page,
        )
    elif not campaign and page.live and user.has_perm("newsletter.send_campaign"):
        yield PageMenuItem(
            _("Envoyer aux abonnés"), reverse("newsletter_admin:send", args=[page.pk]), "mail", 81, page=page
        )


@hooks.register("register_page_header_buttons")
def issue_header_buttons(page, user, view_name, next_url=None):
    yield from _issue_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def issue_listing_buttons(page, user, next_url=None):
    yield from _issue_buttons(page, user)


@hooks.register("register_permissions")
def register_newsletter_permissions():
    # Shown in the group editor so that staff roles can be given (or not) the right to send and import.
    return Permission.objects.filter(
        content_type__app_label="newsletter",
        codename__in=[
            "send_campaign",
            "send_test",
            "import_subscribers",
            "view_campaign",
            "view_subscriber",
            "delete_subscriber",
        ],
    )
