"""Admin for public error reports: a to-do list that staff and organisations work through.

`ErrorReportViewSet` is registered by directory/listings/admin.py (in the "Annuaire" group), which may swap in a
per-organisation permission policy: it should keep refusing "add" as `ErrorReportPermissionPolicy` does.
"""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import SnippetViewSet

from directory.reports.models import ErrorReport

EXCERPT_LENGTH = 80


class ErrorReportPermissionPolicy(ModelPermissionPolicy):
    """Reports come from the public form only: nobody adds (or copies) one in the admin."""

    def user_has_permission(self, user, action):
        if action in ("add", "copy"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


def excerpt(report):
    return Truncator(" ".join(report.message.split())).chars(EXCERPT_LENGTH)


class ErrorReportViewSet(SnippetViewSet):
    model = ErrorReport
    icon = "warning"
    menu_label = _("Signalements")
    copy_view_enabled = False
    list_display = [
        "service",
        DateColumn("created_at", label=_("Signalé le"), sort_key="created_at"),
        Column("status", label=_("État"), accessor="get_status_display", sort_key="status"),
        Column("excerpt", label=_("Extrait"), accessor=excerpt),
    ]
    list_filter = ["status"]
    search_fields = ["message", "contact", "service__title", "service__organisation__name"]
    search_backend_name = None
    # What the public wrote stays as written; staff only move the status on and keep notes.
    panels = [
        FieldRowPanel(
            [FieldPanel("service", read_only=True), FieldPanel("created_at", read_only=True)],
            heading=_("Fiche concernée"),
        ),
        FieldPanel("message", read_only=True),
        FieldPanel("contact", read_only=True),
        FieldPanel("status"),
        FieldPanel("staff_notes"),
    ]

    @property
    def permission_policy(self):
        return ErrorReportPermissionPolicy(self.model)

    def get_queryset(self, request):
        return ErrorReport.objects.select_related("service__organisation")
