"""The small text helpers shared by the apps (core.slugs, core.phones)."""

import pytest
from django.core.exceptions import ValidationError

from core.phones import phone_validator, tel_href
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
    assert tel_href("05.62.61.00.00") == "tel:+33562610000"
    assert tel_href("0033 5 62 66 00 00") == "tel:+33562660000"
    assert tel_href("+44 20 7946 0958") == "tel:+442079460958"
    # Short numbers are dialled as they are: "+333919" would reach no one.
    assert tel_href("3919") == "tel:3919"


@pytest.mark.parametrize(
    "number",
    [
        "05 62 66 00 00",
        "05.62.66.00.00",
        "0562660000",
        "0800 323 130",
        "06 12 34 56 78",
        "+33 5 62 66 00 00",
        "+33562000000",
        "0033 5 62 66 00 00",
        "+44 20 7946 0958",
        "3919",
        "3237",
    ],
)
def test_numbers_people_type_are_accepted(number):
    phone_validator(number)


@pytest.mark.parametrize(
    "number",
    [
        # Shapes the message rules out.
        "appelez-moi",
        "05-62-66-00-00",
        "+33 (0)5 62 66 00 00",
        "123",
        "0" * 21,
        # The right characters, but no such number.
        "1234",
        "05 62 66 00",
        "05 62 66 00 00 00",
        "00 00 00 00 00",
        "+33 0 62 66 00 00",
    ],
)
def test_numbers_that_do_not_exist_are_refused(number):
    with pytest.raises(ValidationError) as refused:
        phone_validator(number)
    assert refused.value.messages == ["Saisissez un numéro de téléphone (chiffres, espaces et points)."]
