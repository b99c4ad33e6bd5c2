"""Focused unit tests of the site search's French text helpers and of the round-robin paging."""

import pytest

from search import text
from search.engine import interleave


@pytest.mark.parametrize(
    "words, shared_stem",
    [
        (["aide", "aides"], "aid"),
        (["social", "sociale", "sociales", "sociaux"], "socia"),
        (["famille", "familles"], "famill"),
        (["alimentaire", "alimentaires"], "alimentair"),
        (["bureau", "bureaux"], "bureau"),
    ],
)
def test_inflections_share_a_stem_that_prefixes_them(words, shared_stem):
    assert {text.stem(w) for w in words} == {shared_stem}
    for word in words:
        assert word.startswith(shared_stem)
        # Each inflection is among the variants sent to backends that match whole words.
        assert all(w in text.variants(word) for w in words), word


def test_short_words_are_left_alone():
    assert text.stem("bus") == "bus" and text.variants("caf") == ["caf"]


def test_query_terms_fold_and_drop_french_stop_words():
    assert text.query_terms("L’Aide alimentaire pour les FAMILLES") == ["aide", "alimentaire", "familles"]
    assert text.query_terms("le la") == ["le", "la"]  # nothing else: keep them
    assert text.query_terms('"; DROP TABLE --') == ["drop", "table"]
    assert text.query_terms("x" * 500)[0] == "x" * 200


def test_highlight_escapes_and_marks_inflections_without_accents():
    html = text.highlight(
        "<b>Épiceries</b> & aides sociales œcuméniques", ["epicerie", "social", "oecumenique"]
    )
    assert html == (
        "&lt;b&gt;<mark>Épiceries</mark>&lt;/b&gt; &amp; aides <mark>sociales</mark> <mark>œcuméniques</mark>"
    )
    assert text.highlight("a < b", []) == "a &lt; b"
    # Only at the start of words: "laide" is not "aide".
    assert text.highlight("laide aide", ["aide"]) == "laide <mark>aide</mark>"


def test_excerpt_centres_on_the_first_match():
    long_text = "début " * 80 + "Les aides au logement. " + "fin " * 80
    excerpt = text.excerpt(long_text, ["aide"])
    assert excerpt.startswith("… ") and excerpt.endswith(" …")
    assert "<mark>aides</mark> au logement" in excerpt
    assert len(excerpt) < 320
    assert text.excerpt("Court texte <i>", ["texte"]) == "Court <mark>texte</mark> &lt;i&gt;"


def test_interleave_takes_each_source_in_turn():
    counts = {"pages": 3, "services": 10, "actualites": 1}
    # p0 s0 n0 | p1 s1 | p2 s2 | s3 … s9
    assert interleave(counts, 0, 3) == {"pages": (0, 0), "services": (0, 0), "actualites": (0, 0)}
    assert interleave(counts, 0, 10) == {"pages": (0, 2), "services": (0, 5), "actualites": (0, 0)}
    assert interleave(counts, 10, 20) == {"services": (6, 9)}
    assert interleave(counts, 14, 20) == {}
    assert interleave({"pages": 0, "services": 0, "actualites": 0}, 0, 10) == {}
    # Deep pages do not walk every round before them.
    assert interleave({"pages": 1, "services": 1_000_000, "actualites": 0}, 900_000, 900_002) == {
        "services": (899_999, 900_000)
    }


def test_backend_query_asks_every_word_in_any_inflection():
    from wagtail.search.query import And, Or, PlainText

    from search.engine import backend_query

    query = backend_query(["aides", "bus"])
    assert isinstance(query, And)
    inflections, bus = query.subqueries
    assert isinstance(inflections, Or) and isinstance(bus, PlainText)
    assert [q.query_string for q in inflections.subqueries] == ["aides", "aid", "aids", "aide", "aidx"]
    assert bus.query_string == "bus"
