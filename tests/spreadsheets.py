"""Reading back the CSV files meant for people (core.spreadsheets): BOM, `;`, decimal commas."""

import csv
import io


def people_csv_rows(content):
    """The rows as dicts; fails unless the file has the BOM and `;` separators French Excel needs."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    assert text.startswith("\ufeff"), "no UTF-8 BOM: Excel would read the file as Windows-1252"
    header = text[1:].split("\r\n", 1)[0]
    assert ";" in header and "," not in header, f"not `;`-separated: {header!r}"
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
