"""The small text helpers shared by the apps (core.slugs, core.phones)."""

import pytest

from core.phones import tel_href
from core.slugs import slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Restos du Cœur", "restos-du-coeur"),
        ("ŒUVRE SOCIALE", "oeuvre-sociale"),
        ("Cæcilia et l'Ætna", "caecilia-et-laetna"),
        ("Escornebœuf", "escorneboeuf"),
        ("Épicerie solidaire à Auch", "epicerie-solidaire-a-auch"),
        ("", ""),
    ],
)
def test_slugify_spells_out_french_ligatures(text, slug):
    assert slugify(text) == slug


def test_tel_href():
    assert tel_href("0800 323 130") == "tel:+33800323130"
    assert tel_href("+33 5 62 00 00 00") == "tel:+33562000000"
