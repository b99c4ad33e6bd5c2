from django import template
from django.utils.translation import gettext as _

from ..charts import fmt

register = template.Library()


@register.filter
def num(value, decimals=1):
    """French number: grouped thousands, decimal comma; "—" for no value."""
    return fmt(value, int(decimals))


@register.filter
def percent_gap(value):
    """+12 % / −5 % compared with a reference; "—" when not comparable."""
    if value is None:
        return "—"
    rounded = round(value)
    if rounded == 0:
        return _("dans la moyenne")
    sign = "+" if rounded > 0 else "−"
    return f"{sign}{abs(rounded)}\u202f%"
