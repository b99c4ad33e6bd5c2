"""Admin pages to import and export the directory in bulk: staff for the whole directory, partners for theirs.

Upload → the file is checked by a background task (a dry run) → the status page shows the errors per row, or what
the import would do, with an "Importer" button → the same stored file is imported by the task → the status page
shows the result. The status page refreshes itself (htmx, or a <meta refresh> without JavaScript) while a task
runs. Who may import is `importing.user_can_import`: staff (superusers, users allowed to manage every
organisation) and partners. A partner sees only the files they sent and exports only their organisations'
listings; what their import may change, and its moderation, are decided by the importer itself.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.defaults import permission_denied
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from directory.exchange.data_inclusion import exported_services
from directory.exchange.export import export_csv, export_json, export_rows, template_csv
from directory.exchange.formats import (
    CSV,
    CSV_COLUMNS,
    JSON,
    ImportFileError,
    max_file_bytes,
    read_file,
    too_big_message,
)
from directory.exchange.importing import user_can_import
from directory.exchange.jobs import ImportJob, new_job, process_import_job
from directory.partners.access import is_unrestricted, organisation_ids

RECENT_JOBS = 10


def forbidden(request):
    # A plain 403, not Wagtail's redirect to the dashboard: users must see they are not allowed here.
    return permission_denied(
        request,
        PermissionDenied(
            _("Réservé à l'équipe de Gers Solidaire et aux membres des structures partenaires.")
        ),
    )


def scope_of(user):
    """None for staff (the whole directory), else the ids of the partner's organisations."""
    return None if is_unrestricted(user) else organisation_ids(user)


def jobs_for(user):
    """Staff see every import; a partner only the files they sent (reports name their rows)."""
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if is_unrestricted(user) else jobs.filter(created_by=user)


class ImportAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not user_can_import(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("CSV (une ligne par service, séparateur « ; » ou « , ») ou JSON data·inclusion v1."),
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Reconnu automatiquement")), (CSV, _("CSV")), (JSON, _("JSON data·inclusion v1"))],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > max_file_bytes():
            self.add_error("file", too_big_message())
            return cleaned
        data = upload.read()
        try:
            file_format, records, _ignored = read_file(data, cleaned.get("file_format") or None, upload.name)
        except ImportFileError as exc:
            self.add_error("file", str(exc))
            return cleaned
        if not records:
            self.add_error("file", _("Le fichier ne contient aucune ligne à importer."))
            return cleaned
        cleaned.update(data=data, detected_format=file_format, total=len(records))
        return cleaned


class ImportIndexView(ImportAccessMixin, WagtailAdminTemplateMixin, FormView):
    page_title = _("Import et export de l'annuaire")
    header_icon = "upload"
    template_name = "directory/admin/import_index.html"
    form_class = ImportForm

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = jobs_for(self.request.user)[:RECENT_JOBS]
        context["columns"] = CSV_COLUMNS.items()
        context["partner"] = scope_of(self.request.user) is not None
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        job = new_job(
            data["data"],
            file_name=data["file"].name,
            file_format=data["detected_format"],
            total=data["total"],
            user=self.request.user,
        )
        process_import_job.enqueue(str(job.pk), True, self.request.user.pk)
        return redirect("directory_import:status", job.pk)


class JobMixin:
    def dispatch(self, request, *args, **kwargs):
        if not user_can_import(request.user):
            return forbidden(request)
        self.job = get_object_or_404(jobs_for(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


def job_context(job):
    report = job.import_report()
    done, total = job.progress()
    return {
        "job": job,
        "report": report,
        "done": min(done, total or done),
        "total": total or job.total,
        "can_import": job.state == ImportJob.State.CHECKED and report is not None and report.ok,
    }


class JobStatusView(JobMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "upload"
    template_name = "directory/admin/import_status.html"
    partial_template_name = "directory/admin/includes/import_job.html"

    def get_page_title(self):
        return _("Import de « %(name)s »") % {"name": self.job.file_name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("directory_import:index"), "label": _("Import et export de l'annuaire")},
            {"url": "", "label": self.job.file_name},
        ]

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **job_context(self.job)}


class JobImportView(JobMixin, View):
    """The "Importer" button: the checked file, imported by the background task."""

    def post(self, request, pk):
        job = self.job
        context = job_context(job)
        if not context["can_import"] or not job.path.exists():
            messages.error(
                request, _("Ce fichier ne peut pas (ou plus) être importé : envoyez-le à nouveau.")
            )
            return redirect("directory_import:status", job.pk)
        # Claimed atomically: a double click starts one import, not two.
        claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
            state=ImportJob.State.IMPORTING
        )
        if claimed:
            job.progress_path.unlink(missing_ok=True)
            process_import_job.enqueue(str(job.pk), False, request.user.pk)
        return redirect("directory_import:status", job.pk)


def _download(content, content_type, name):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ExportCsvView(ImportAccessMixin, View):
    def get(self, request):
        day = timezone.localdate().isoformat()
        scope = scope_of(request.user)
        if scope is None:
            return _download(export_csv(), "text/csv; charset=utf-8", f"annuaire-{day}.csv")
        return _download(export_csv(export_rows(scope)), "text/csv; charset=utf-8", f"mes-fiches-{day}.csv")


class ExportJsonView(ImportAccessMixin, View):
    def get(self, request):
        day = timezone.localdate().isoformat()
        scope = scope_of(request.user)
        services = None if scope is None else exported_services().filter(organisation__in=scope)
        content = json.dumps(export_json(services), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        return _download(content, "application/json; charset=utf-8", f"annuaire-data-inclusion-{day}.json")


class TemplateCsvView(ImportAccessMixin, View):
    def get(self, request):
        scope = scope_of(request.user)
        if scope is None:
            return _download(template_csv(), "text/csv; charset=utf-8", "modele-import-annuaire.csv")
        # A partner's model is their own listings, ready to be corrected or completed and sent back.
        return _download(
            export_csv(export_rows(scope)), "text/csv; charset=utf-8", "modele-import-mes-fiches.csv"
        )


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return user_can_import(request.user)


@hooks.register("register_admin_urls")
def register_import_urls():
    urls = [
        path("", ImportIndexView.as_view(), name="index"),
        path("<uuid:pk>/", JobStatusView.as_view(), name="status"),
        path("<uuid:pk>/importer/", JobImportView.as_view(), name="run"),
        path("export.csv", ExportCsvView.as_view(), name="export_csv"),
        path("export.json", ExportJsonView.as_view(), name="export_json"),
        path("modele.csv", TemplateCsvView.as_view(), name="template"),
    ]
    return [path("annuaire-import/", include((urls, "directory_import")))]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("Import / export de l'annuaire"),
        reverse("directory_import:index"),
        icon_name="upload",
        order=255,
    )
