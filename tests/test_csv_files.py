"""core.csv_files: the one reading of uploaded CSV files, shared by the directory's and the newsletter's imports."""

import pytest

from core import csv_files
from directory.exchange import formats
from newsletter import importing


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [
        ("nom;commune;telephone", ";"),
        ("nom,commune,telephone", ","),
        ("nom\tcommune\ttelephone", "\t"),
        # Cells of the header may hold the other delimiter: the one used most wins, "," on a tie.
        ("nom;adresse, complément;commune", ";"),
        ("email", ","),
        ("", ","),
    ],
)
def test_delimiter_comes_from_the_header_line(first_line, delimiter):
    assert csv_files.delimiter(first_line + "\nA;B,C\tD\n") == delimiter


def test_decode_utf8_with_or_without_bom_else_windows_1252():
    assert csv_files.decode("Écoute".encode()) == "Écoute"
    assert csv_files.decode("\ufeffÉcoute".encode()) == "Écoute"
    assert csv_files.decode("Écoute – œuvre".encode("cp1252")) == "Écoute – œuvre"
    with pytest.raises(csv_files.UndecodableFile):
        csv_files.decode(b"\x81\x8d\x8f\x90\x9d")  # undefined in Windows-1252, invalid in UTF-8


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    text = 'nom;description\r\n"A";"deux\r\nlignes"\r\n\r\nB;une\r\n'
    assert list(csv_files.rows(text)) == [
        (1, ["nom", "description"]),
        (2, ["A", "deux\r\nlignes"]),
        (3, []),
        (4, ["B", "une"]),
    ]


def test_malformed_csv_says_where():
    text = "nom\n" + "x" * 200_000 + "\n"
    with pytest.raises(csv_files.MalformedCsv) as malformed:
        list(csv_files.rows(text))
    assert malformed.value.line == 2


# A tab-separated export saved in Windows-1252, with a cell on two lines: both imports read it alike.
EXPORT = 'nom\temail\tdate_consentement\n"Épicerie\nsolidaire"\tepicerie@exemple.fr\t2023-05-02\nRestos\trestos@exemple.fr\t\n'


def test_both_imports_read_the_same_file_the_same_way():
    data = EXPORT.encode("cp1252")
    assert list(importing.read_rows(importing.decode(data))) == [
        (2, "epicerie@exemple.fr", "2023-05-02"),
        (3, "restos@exemple.fr", ""),
    ]
    records, ignored = formats.read_csv(data)
    assert [(record.number, record.values["nom"]) for record in records] == [
        (2, "Épicerie\nsolidaire"),
        (3, "Restos"),
    ]
    assert ignored == ["email", "date_consentement"]


def test_each_import_keeps_its_own_messages():
    undecodable = b"nom\n\x81\x8d\x8f\n"
    with pytest.raises(formats.ImportFileError, match="enregistrez-le en CSV UTF-8"):
        formats.read_csv(undecodable)
    with pytest.raises(importing.ImportFileError, match="^Le fichier n'est ni en UTF-8 ni en Windows-1252.$"):
        importing.decode(undecodable)
    with pytest.raises(formats.ImportFileError, match="ligne 2"):
        formats.read_csv("nom\n" + "x" * 200_000 + "\n")
    with pytest.raises(importing.ImportFileError, match="ligne 2"):
        list(importing.read_rows("email\n" + "x" * 200_000 + "\n"))
