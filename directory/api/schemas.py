"""What the open API reads: its query parameters as ninja schemas, and the French 400 that names each refused one.

The schemas are plain pydantic models (ninja's `Schema` adds attribute reading from objects, of no use for a
query). They state the parameters with their types and ranges: ninja checks them and writes them into the OpenAPI
document. The search's filters then go to `directory.search.filters.ServiceFilter`, shared with the HTML search, which
checks what depends on the data (known categories, communes…) and the rules between parameters (lat goes with lon).
Its French messages are the ones a client reads; a client sees every refused parameter at once.
"""

import re
from functools import partial
from typing import Annotated, Literal

from django.core import validators
from django.utils.translation import gettext_lazy as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from directory.listings.models import Service
from directory.listings.vocabulary import ServiceKind
from directory.search.filters import MAX_QUERY_LENGTH, MAX_RADIUS_KM, ServiceFilter, StrictBooleanField

# "60.0" is an integer for JSON Schema, and clients that hold every number as a float send it.
INTEGER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
MAX_INTEGER_DIGITS = 12
# Far past any result (the directory holds thousands of services), and a bound the schema can state.
MAX_OFFSET = 1_000_000_000
INVALID = "invalid_parameter"


def refusal(message):
    """A pydantic error whose message is already the French text a client reads."""
    return PydanticCustomError(INVALID, "{message}", {"message": str(message)})


def _whole_number(default, minimum, maximum, value, handler, info):
    # Blank is "not given", as in a GET form; one message whatever is wrong, naming the parameter and its range.
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    message = _("%(name)s doit être un nombre entier entre %(min)s et %(max)s.") % {
        "name": info.field_name,
        "min": minimum,
        "max": maximum,
    }
    text = str(value).strip()
    if not INTEGER.fullmatch(text) or len(text.partition(".")[0].lstrip("+-")) > MAX_INTEGER_DIGITS:
        raise refusal(message)
    try:
        return handler(int(text.partition(".")[0]))
    except ValidationError:
        raise refusal(message) from None


def whole_number(default, minimum, maximum, description):
    """An integer query parameter between `minimum` and `maximum` (`2.0` reads as 2)."""
    return Annotated[
        int,
        Field(ge=minimum, le=maximum),
        WrapValidator(partial(_whole_number, default, minimum, maximum)),
        Field(default, description=description),
    ]


def paging(default, maximum):
    """The `limit` and `offset` of a list whose pages hold `default` results, `maximum` at most."""

    class Paging(BaseModel):
        limit: whole_number(default, 1, maximum, _("Nombre de résultats par page."))
        offset: whole_number(0, 0, MAX_OFFSET, _("Rang du premier résultat (0 pour le début)."))

    return Paging


def _number(value):
    # As the FilterSet's FloatField reads it (Python's float(): "١٢" and "1_000" are numbers too).
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _yes_no(value):
    text = value.strip().lower() if isinstance(value, str) else value
    if text in StrictBooleanField.TRUE:
        return True
    if text in StrictBooleanField.FALSE:
        return False
    return value


def number(minimum, maximum):
    """A finite number between `minimum` and `maximum`."""
    return Annotated[float, Field(ge=minimum, le=maximum, allow_inf_nan=False), BeforeValidator(_number)]


class ServiceQuery(BaseModel):
    """The search's filters (the HTML search reads the same ones)."""

    _filterset: ServiceFilter | None = PrivateAttr(None)

    q: Annotated[str, Field(max_length=MAX_QUERY_LENGTH)] | None = Field(
        None,
        description=_(
            "Texte libre, sans tenir compte des accents ni des majuscules (« numerique » trouve « numérique »)."
        ),
    )
    category: list[str] = Field(
        default_factory=list,
        description=_(
            "Identifiant d'une thématique ; répétable, un service d'au moins une des thématiques convient (OU)."
        ),
        json_schema_extra={"example": ["alimentation"]},
    )
    kind: Literal[tuple(ServiceKind.values)] | None = Field(None, description=_("Type de service."))
    audience: list[str] = Field(
        default_factory=list,
        description=_("Public visé (code data·inclusion `publics`) ; répétable (OU)."),
        json_schema_extra={"example": ["tous-publics"]},
    )
    commune: str | None = Field(
        None, description=_("Code INSEE de la commune du lieu."), json_schema_extra={"example": "32013"}
    )
    epci: Annotated[str, Field(pattern=r"^\d{9}$")] | None = Field(
        None, description=_("SIREN de l'intercommunalité (EPCI) du lieu.")
    )
    lat: number(-90, 90) | None = Field(
        None,
        description=_(
            "Latitude du point de recherche (WGS 84) ; avec lon. Les résultats sont alors triés par distance."
        ),
    )
    lon: number(-180, 180) | None = Field(
        None,
        description=_("Longitude du point de recherche (WGS 84) ; avec lat."),
    )
    radius: number(0.1, MAX_RADIUS_KM) | None = Field(
        None,
        description=_("Rayon autour du point, en km ; demande lat et lon."),
    )
    open_now: Annotated[bool, BeforeValidator(_yes_no)] | None = Field(
        None, description=_("Ouvert (true) ou fermé (false) en ce moment, heure de Paris.")
    )

    @model_validator(mode="before")
    @classmethod
    def blank_is_not_given(cls, data):
        # As a GET form sends an empty field; spaces around a value do not count (the FilterSet strips them too).
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for name, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            cleaned[name] = value
        return cleaned

    @model_validator(mode="wrap")
    @classmethod
    def filter_services(cls, data, handler, info):
        """Hands the request's parameters to the FilterSet; its errors and the schema's go out together."""
        try:
            query, refused = handler(data), []
        except ValidationError as exc:
            query, refused = None, exc.errors()
        request = (info.context or {}).get("request")
        filterset = None
        if request is not None:
            filterset = ServiceFilter(
                request.GET, queryset=Service.objects.public().with_related().prefetch_related("audiences")
            )
        messages = filterset.error_messages() if filterset is not None and not filterset.is_valid() else {}
        if query is not None and not messages:
            query._filterset = filterset
            return query
        # The FilterSet's messages first (the HTML search shows the same), then what only the schema refused.
        errors = [
            {"type": refusal(message), "loc": (name,), "input": None}
            for name, parameter_messages in messages.items()
            for message in parameter_messages
        ]
        errors += [
            {
                "type": e["type"],
                "loc": e["loc"],
                "input": e["input"],
                **({"ctx": e["ctx"]} if "ctx" in e else {}),
            }
            for e in refused
            if e["loc"][0] not in messages
        ]
        raise ValidationError.from_exception_data(cls.__name__, errors)

    @property
    def filterset(self):
        return self._filterset


def _no_null(value):
    if isinstance(value, str) and "\x00" in value:
        raise refusal(_("Le texte contient un caractère nul."))
    return value


def communes_query(default, maximum):
    class CommuneQuery(BaseModel):
        q: Annotated[str, BeforeValidator(_no_null)] = Field(
            "",
            description=_(
                "Début du nom, code postal ou code INSEE (seuls les 100 premiers caractères comptent)."
            ),
        )
        limit: whole_number(default, 1, maximum, _("Nombre de communes au plus."))

    return CommuneQuery


# What a client reads for a refusal ninja's schemas make (the FilterSet's come already written).
MESSAGES = {
    "float_parsing": _("Saisissez un nombre."),
    "float_type": _("Saisissez un nombre."),
    "finite_number": _("Saisissez un nombre."),
    "greater_than_equal": validators.MinValueValidator.message,
    "less_than_equal": validators.MaxValueValidator.message,
    "string_too_long": _("Au plus %(limit_value)s caractères."),
}
LIMITS = {"greater_than_equal": "ge", "less_than_equal": "le", "string_too_long": "max_length"}


def parameter_errors(errors):
    """{parameter: [French messages]} from ninja's validation errors (whose location ends with the parameter)."""
    result = {}
    for error in errors:
        names = [part for part in error["loc"][1:] if isinstance(part, str)]
        name = names[-1] if names else "query"
        if error["type"] == INVALID:
            message = error["msg"]
        else:
            limit = (error.get("ctx") or {}).get(LIMITS.get(error["type"]))
            message = str(MESSAGES.get(error["type"], _("Valeur invalide."))) % {"limit_value": limit}
        result.setdefault(name, []).append(message)
    return result
