"""core.pagination: the one lenient reading of `?page=` shared by the directory, the site search and the news."""

import pytest

from core.pagination import lenient_page_number


@pytest.mark.parametrize(
    ("raw", "expected_number", "notice_part"),
    [
        (None, 1, None),
        ("", 1, None),
        ("2", 2, None),
        (" 3 ", 3, None),
        ("abc", 1, "« abc » n'est pas valide"),
        ("1e9", 1, "n'est pas valide"),
        ("0", 1, "au moins 1"),
        ("-4", 1, "au moins 1"),
        ("99", 3, "Il n'y a que 3 page(s)"),
    ],
)
def test_a_bad_page_number_falls_back_with_a_notice(raw, expected_number, notice_part):
    number, notice = lenient_page_number(raw, 3)
    assert number == expected_number
    if notice_part is None:
        assert notice is None
    else:
        assert notice_part in notice


def test_a_long_value_is_cut_in_the_notice():
    _number, notice = lenient_page_number("x" * 40, 3)
    assert "x" * 20 + " »" in notice
    assert "x" * 21 not in notice


def test_past_the_end_of_nothing_found_needs_no_notice():
    assert lenient_page_number("5", 1, results=False) == (1, None)
    assert lenient_page_number("abc", 1, results=False)[1] is not None
