"""Wagtail's page reports with their CSV/XLSX exports neutralised (core.spreadsheets.NeutralisedExportMixin),
served in front of Wagtail's own routes of the same addresses. The site history has its own scoped view
(directory.partners.scopes.ScopedSiteHistoryView), which takes the same mixin."""

from django.urls import path
from wagtail.admin.views.reports import aging_pages, locked_pages, workflows

from .admin_views import admin_view
from .spreadsheets import NeutralisedExportMixin


class WorkflowView(NeutralisedExportMixin, workflows.WorkflowView):
    pass


class WorkflowTasksView(NeutralisedExportMixin, workflows.WorkflowTasksView):
    pass


class LockedPagesView(NeutralisedExportMixin, locked_pages.LockedPagesView):
    pass


class AgingPagesView(NeutralisedExportMixin, aging_pages.AgingPagesView):
    pass


urlpatterns = [
    path(f"admin/reports/{address}/{results}", admin_view(view.as_view(results_only=bool(results))))
    for address, view in [
        ("workflow", WorkflowView),
        ("workflow_tasks", WorkflowTasksView),
        ("locked", LockedPagesView),
        ("aging-pages", AgingPagesView),
    ]
    for results in ("", "results/")
]
