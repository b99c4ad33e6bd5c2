"""core.pagination: the lenient reading of `?page=` and the one page-number nav (core/includes/pagination.html)."""

import pytest
from bs4 import BeautifulSoup
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from core.pagination import lenient_page_number, page_nav


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


def nav_for(number, pages=9, **context):
    page = Paginator(range(pages), 1).page(number)
    html = render_to_string(
        "core/includes/pagination.html",
        {"nav": page_nav(page, lambda n: f"?page={n}"), "label": "Pages de résultats", **context},
    )
    return BeautifulSoup(html, "html.parser").nav


def test_one_page_needs_no_nav():
    assert page_nav(Paginator(range(3), 10).page(1), lambda n: f"?page={n}") is None
    assert nav_for(1, pages=1) is None


def test_the_nav_names_every_link_for_screen_readers():
    nav = nav_for(5)
    assert nav["aria-label"] == "Pages de résultats"
    names = [" ".join(a.get_text(" ").split()) for a in nav.find_all("a")]
    assert names == ["Précédente page", "Page 1", "Page 4", "Page 5", "Page 6", "Page 9", "Suivante page"]
    assert [span.get_text() for span in nav.select(".pagination__ellipsis")] == ["…", "…"]
    [current] = nav.select('[aria-current="page"]')
    assert current["href"] == "?page=5"
    assert nav.find("a", rel="prev")["href"] == "?page=4" and nav.find("a", rel="next")["href"] == "?page=6"


def test_first_and_last_pages_have_no_link_beyond():
    assert nav_for(1).find("a", rel="prev") is None
    assert nav_for(9).find("a", rel="next") is None


def test_base_anchor_and_htmx():
    nav = nav_for(2, base="/annuaire/", anchor="#tableau-titre")
    assert nav.find("a", rel="next")["href"] == "/annuaire/?page=3#tableau-titre"
    assert not nav.select("[data-hx-get]")
    nav = nav_for(2, base="/annuaire/", htmx_target="#resultats", nav_class="directory-pagination")
    assert nav["class"] == ["pagination", "directory-pagination"]
    swapped = nav.select("a.js-page-link")
    assert {a["data-hx-get"] for a in swapped} == {
        "/annuaire/?page=1",
        "/annuaire/?page=3",
        "/annuaire/?page=9",
    }
    assert all(a["data-hx-target"] == "#resultats" and a["data-hx-push-url"] == "true" for a in swapped)
    # The current page reloads nothing.
    assert not nav.select_one('[aria-current="page"]').has_attr("data-hx-get")
