"""The admin's submissions listing and export, with spreadsheet formula injection neutralised."""

from collections import OrderedDict

from django.utils.encoding import force_str
from wagtail.contrib.forms.views import SubmissionsListView

# A cell starting with one of these is run as a formula by spreadsheet software (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet will show as typed: a leading formula character gets a `'` in front."""
    if isinstance(value, list | tuple):
        value = ", ".join(force_str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeSubmissionsListView(SubmissionsListView):
    """Wagtail's listing and CSV/XLSX export; every exported cell (headings included) is neutralised."""

    def to_row_dict(self, item):
        return OrderedDict((field, neutralise(value)) for field, value in super().to_row_dict(item).items())

    def get_heading(self, queryset, field):
        return neutralise(super().get_heading(queryset, field))
