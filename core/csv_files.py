"""Reading the CSV files people upload (exports from spreadsheets and mailing tools), for every import.

One way to decode them, find their delimiter and number their rows, so that a file one import reads is read
the same by the others. Each import keeps its own columns and its own French messages: the errors here carry
what went wrong, not the words to say it.
"""

import csv
import io

# French Excel saves ";" (the decimal mark being ","), the others ","; some tools export tabs.
DELIMITERS = (",", ";", "\t")


class UndecodableFile(ValueError):
    """Neither UTF-8 nor Windows-1252 (what Excel saves as "CSV" on a French Windows)."""


class MalformedCsv(ValueError):
    def __init__(self, line, error):
        super().__init__(f"line {line}: {error}")
        self.line = line  # the physical line where the csv module stopped
        self.error = error


def decode(data):
    """The text of uploaded bytes: UTF-8 (with or without its BOM), else Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableFile()


def delimiter(text):
    """The delimiter the header line uses most (its names hold none); "," when it has none."""
    first_line = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first_line.count)


def rows(text):
    """(row number, cells) for each row, the header being row 1; raises MalformedCsv.

    Rows are numbered as a spreadsheet shows them: a quoted cell spanning several lines is still one row.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise MalformedCsv(reader.line_num, exc) from exc
