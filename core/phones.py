"""Phone numbers as people type them in French, and as `tel:` links."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^\+?[0-9 .]{4,20}$", _("Saisissez un numéro de téléphone (chiffres, espaces et points).")
)


def tel_href(number):
    """A `tel:` URI from a French display number ("0800 323 130" → "tel:+33800323130")."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return f"tel:{digits}"
