"""Phone numbers as people type them in French, and as `tel:` links.

The numbering plans (which French and foreign numbers exist, which short numbers like 3919 are in service) come
from Google's libphonenumber metadata (phonenumberslite), kept current upstream, rather than from our own rules.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberFormat, shortnumberinfo

REGION = "FR"
# What the message promises: digits, spaces and dots, an optional leading +; the length the fields hold.
TYPED = re.compile(r"\+?[0-9 .]{4,20}")


def parse(number):
    """The number as libphonenumber reads it (French when it has no +country prefix), or None."""
    try:
        return phonenumbers.parse(number, REGION)
    except phonenumbers.NumberParseException:
        return None


def is_short_number(parsed):
    return shortnumberinfo.is_valid_short_number_for_region(parsed, REGION)


@deconstructible(path="core.phones.PhoneValidator")
class PhoneValidator:
    """A number that exists: French or international in full, or a French short number (3919, 3237...)."""

    message = _("Saisissez un numéro de téléphone (chiffres, espaces et points).")
    code = "invalid"

    def __call__(self, value):
        parsed = parse(value) if TYPED.fullmatch(value or "") else None
        if parsed is None or not (phonenumbers.is_valid_number(parsed) or is_short_number(parsed)):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other):
        return isinstance(other, PhoneValidator)

    def __hash__(self):
        return hash(PhoneValidator)


phone_validator = PhoneValidator()


def e164(number):
    """E.164 ("0800 323 130" → "+33800323130"); a short number stays as dialled; None if unreadable."""
    parsed = parse(number)
    if parsed is None or is_short_number(parsed) or not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def tel_href(number):
    """A `tel:` URI: E.164 for full numbers, the digits as dialled for short numbers (tel:3919)."""
    return f"tel:{e164(number) or ''.join(ch for ch in number if ch.isdigit() or ch == '+')}"
