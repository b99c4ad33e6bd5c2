"""The admin's submissions listing and export, with spreadsheet formula injection neutralised."""

import csv
import datetime as dt
from collections import OrderedDict

from django.utils import timezone
from wagtail.admin.views.mixins import Echo
from wagtail.contrib.forms.views import SubmissionsListView

from core import spreadsheets

neutralise = spreadsheets.neutralise


def local_time(value):
    """A moment as staff read it in the admin: Paris time, to the minute (Wagtail exports UTC)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


class SafeSubmissionsListView(SubmissionsListView):
    """Wagtail's listing and CSV/XLSX export; every exported cell (headings included) is neutralised.

    Staff open the CSV in French Excel: UTF-8 with a BOM, `;` between cells, dates in local time.
    """

    custom_value_preprocess = {
        **SubmissionsListView.custom_value_preprocess,
        dt.datetime: {
            SubmissionsListView.FORMAT_CSV: lambda value: local_time(value).strftime("%d/%m/%Y %H:%M"),
            SubmissionsListView.FORMAT_XLSX: lambda value: timezone.make_naive(local_time(value)),
        },
    }

    def to_row_dict(self, item):
        return OrderedDict((field, neutralise(value)) for field, value in super().to_row_dict(item).items())

    def get_heading(self, queryset, field):
        return neutralise(super().get_heading(queryset, field))

    def stream_csv(self, queryset):
        # Wagtail's CSV, in the French Excel conventions of core.spreadsheets (BOM, `;`).
        writer = csv.DictWriter(Echo(), fieldnames=self.list_export, **spreadsheets.WRITER_OPTIONS)
        yield spreadsheets.BOM.encode()
        yield writer.writerow({field: self.get_heading(queryset, field) for field in self.list_export})
        for item in queryset:
            yield self.write_csv_row(writer, self.to_row_dict(item))
