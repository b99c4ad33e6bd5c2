"""Admin side of freshness: the "À vérifier" report of stale services, and the history labels of confirmations.

Imported by directory/listings/admin.py so that the hooks below are registered.
"""

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from directory.listings.models import Organisation, Service
from directory.partners import freshness
from directory.partners.access import is_unrestricted


def is_staff(user):
    # Partners see their own organisations only; this report covers every organisation, so it is for Gers
    # Solidaire's staff: the staff group (it holds the "all organisations" permission), superusers, is_staff.
    return user.is_active and (user.is_staff or is_unrestricted(user))


class StaleServicesFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=_("Structure"), queryset=Organisation.objects.filter(services__live=True).distinct()
    )

    class Meta:
        model = Service
        fields = ["organisation"]


class StaleServicesReportView(ReportView):
    page_title = _("À vérifier")
    header_icon = "warning"
    index_url_name = "directory_freshness:stale"
    index_results_url_name = "directory_freshness:stale_results"
    filterset_class = StaleServicesFilterSet
    # No spreadsheet export: titles typed by partners would reach spreadsheets unneutralised.
    list_export = []
    columns = [
        TitleColumn(
            "title",
            label=_("Service"),
            get_url=lambda service: reverse(freshness.SERVICE_EDIT_URL_NAME, args=[service.pk]),
        ),
        Column("organisation", label=_("Structure")),
        DateColumn("verified_baseline", label=_("Dernière vérification")),
        DateColumn("reminder_sent_at", label=_("Rappel envoyé le")),
    ]

    @property
    def no_results_message(self):
        if self.is_filtering:
            return _("Aucune fiche de cette structure n'attend de vérification.")
        return _(
            "Aucune fiche publiée n'attend de vérification : toutes ont été confirmées depuis moins de %(n)s mois."
        ) % {"n": settings.DIRECTORY_STALE_AFTER_MONTHS}

    def dispatch(self, request, *args, **kwargs):
        if not is_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return (
            freshness.stale_services().select_related("organisation").order_by("verified_baseline", "title")
        )


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_staff(request.user)


@hooks.register("register_admin_urls")
def register_freshness_admin_urls():
    urls = [
        path("", StaleServicesReportView.as_view(), name="stale"),
        path("resultats/", StaleServicesReportView.as_view(results_only=True), name="stale_results"),
    ]
    return [path("annuaire/a-verifier/", include((urls, "directory_freshness")))]


@hooks.register("register_reports_menu_item")
def register_stale_services_menu_item():
    return StaffMenuItem(
        _("À vérifier (annuaire)"),
        reverse("directory_freshness:stale"),
        name="directory-stale-services",
        icon_name="warning",
        order=1300,
    )


@hooks.register("register_log_actions")
def register_freshness_log_actions(actions):
    actions.register_action(
        freshness.VERIFY_ACTION,
        _("Informations confirmées"),
        _("Informations confirmées par la structure (lien du rappel)"),
    )
    actions.register_action(
        freshness.REMINDER_ACTION,
        _("Rappel de vérification"),
        _("Rappel de vérification envoyé à la structure"),
    )
