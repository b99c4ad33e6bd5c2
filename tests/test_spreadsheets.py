"""core.spreadsheets: the one helper for CSV files meant for people; machine formats stay plain CSV."""

from decimal import Decimal

import pytest

from core import spreadsheets
from directory.exchange import data_inclusion


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (None, None, ""),
        ("", 1, ""),
        (12, None, "12"),
        (12.5, None, "12,5"),
        (-0.123456, None, "-0,123456"),
        (Decimal("3.10"), None, "3,10"),
        (4.25, 1, "4,2"),
        (7, 1, "7,0"),
    ],
)
def test_number_uses_a_decimal_comma(value, digits, expected):
    assert spreadsheets.number(value, digits) == expected


def test_to_text_has_bom_semicolons_and_crlf():
    text = spreadsheets.to_text(["nom", "distance_km"], [["Auch; centre", spreadsheets.number(1.5)]])
    assert text == '\ufeffnom;distance_km\r\n"Auch; centre";1,5\r\n'


def test_machine_csv_is_left_as_rfc_4180():
    # data·inclusion and the API are read by programs: comma-separated, decimal point, no BOM.
    text = data_inclusion.to_csv([{"a": 1.5, "b": "x"}], ["a", "b"])
    assert text == "a,b\r\n1.5,x\r\n"
