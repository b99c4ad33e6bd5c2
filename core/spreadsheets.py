"""CSV meant for people: what French Excel opens right with a double-click.

A UTF-8 BOM (else Excel reads Windows-1252 and "Écoute" turns into "Ã‰coute"), `;` between cells (French Excel
expects it, `,` being the decimal mark) and decimal commas in numbers. Shared by every app; machine formats (the
API, data·inclusion) keep plain RFC 4180 CSV and are not built here. Cells must already be safe text: formula
injection is guarded by each caller (directory.exchange.data_inclusion.csv_cell, neutralise below).
"""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.encoding import force_str

BOM = "\ufeff"
WRITER_OPTIONS = {"delimiter": ";", "lineterminator": "\r\n"}
CONTENT_TYPE = "text/csv; charset=utf-8"
# A cell starting with one of these is run as a formula by spreadsheet software (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet will show as typed: a leading formula character gets a `'` in front."""
    if isinstance(value, list | tuple):
        value = ", ".join(force_str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def number(value, digits=None):
    """A number as French spreadsheets read it: `12,5`; "" for None. `digits` fixes the decimals."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if digits is not None:
        text = f"{value:.{digits}f}"
    elif isinstance(value, float | Decimal):
        text = str(value)
    else:
        return str(value)
    return text.replace(".", ",")


def writer(buffer):
    return csv.writer(buffer, **WRITER_OPTIONS)


def to_text(header, rows):
    """The whole file: BOM, header, rows (lists of cells)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    out = writer(buffer)
    out.writerow(header)
    out.writerows(rows)
    return buffer.getvalue()


def response(text, filename):
    """A download of `text` (from to_text) named `filename`."""
    reply = HttpResponse(text, content_type=CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


class NeutralisedExportMixin:
    """For a Wagtail view with spreadsheet export (SpreadsheetExportMixin): every cell and heading it writes, CSV
    or XLSX, goes through neutralise — titles and labels are typed by editors and partners."""

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(super().preprocess_field_value(field, value, export_format))

    def get_heading(self, queryset, field):
        return neutralise(super().get_heading(queryset, field))
