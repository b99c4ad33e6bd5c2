"""Address geocoding: the Base Adresse Nationale (BAN) API when it answers well, else the offline gazetteer.

Settings (read at call time): ``BAN_API_URL`` (default https://api-adresse.data.gouv.fr), ``GEOCODER_TIMEOUT``
in seconds (default 3), ``GEOCODER_BAN_ENABLED`` (default True), ``GEOCODER_MIN_SCORE`` (default 0.4).
A slow or broken geocoder must never break a page: ``geocode`` never raises.
"""

import logging
import math
import re
from dataclasses import dataclass

import httpx
from django.conf import settings

from .gazetteer import find_commune
from .models import Commune
from .text import normalise

logger = logging.getLogger(__name__)

DEFAULT_BAN_API_URL = "https://api-adresse.data.gouv.fr"
DEFAULT_TIMEOUT = 3.0
DEFAULT_MIN_SCORE = 0.4
GERS_INSEE_PREFIX = "32"

PRECISION_HOUSENUMBER = "housenumber"
PRECISION_STREET = "street"
PRECISION_COMMUNE = "commune"
SOURCE_BAN = "ban"
SOURCE_GAZETTEER = "gazetteer"

# BAN result types → our precisions. A "locality" is a lieu-dit: placed like a street, finer than the commune.
_BAN_PRECISION = {
    "housenumber": PRECISION_HOUSENUMBER,
    "street": PRECISION_STREET,
    "locality": PRECISION_STREET,
    "municipality": PRECISION_COMMUNE,
}
# The BAN answers 400 to a q shorter than 3 characters, longer than 200, or not starting with a letter/digit.
_BAN_MAX_QUERY = 200
_POSTCODE = re.compile(r"^\d{5}$")
_LEADING_JUNK = re.compile(r"^[\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class GeocodeResult:
    latitude: float
    longitude: float
    label: str
    precision: str  # "housenumber", "street" or "commune"
    commune_insee: str
    source: str  # "ban" or "gazetteer"


class _BanUnusable(Exception):
    """The BAN gave nothing usable; the message says why (logged, never with the address)."""


def _setting(name, default):
    return getattr(settings, name, default)


def _number_setting(name, default: float, *, minimum: float = 0.0) -> float:
    # A mistyped setting must not turn every geocoding call into a crash.
    try:
        value = float(_setting(name, default))
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) and value >= minimum else default


def _clean(value) -> str:
    if value is None:
        return ""
    # Control characters (NUL included) would only make the BAN or PostgreSQL refuse the request.
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def _resolve_commune(commune) -> Commune | None:
    """A Commune, an INSEE code or a name; anything else (or an unknown commune) gives None."""
    if isinstance(commune, Commune):
        return commune
    text = _clean(commune)
    if not text:
        return None
    if _POSTCODE.match(text):
        # Given as "the commune", a code is read as INSEE first, unlike free text where people type postcodes.
        by_insee = Commune.objects.filter(insee_code=text).first()
        if by_insee is not None:
            return by_insee
    return find_commune(text)


def _ban_query(address: str, postcode: str, commune: Commune | None) -> str:
    parts = [address]
    known = normalise(address)
    if postcode and postcode not in address:
        parts.append(postcode)
    if commune is not None and f" {commune.search_name} " not in f" {known} ":
        parts.append(commune.name)
    # Leading punctuation makes the BAN answer 400.
    return _LEADING_JUNK.sub("", " ".join(p for p in parts if p))[:_BAN_MAX_QUERY].strip()


def _finite(value) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _query_ban(query: str, citycode: str | None) -> GeocodeResult:
    base_url = str(_setting("BAN_API_URL", DEFAULT_BAN_API_URL) or DEFAULT_BAN_API_URL).rstrip("/")
    timeout = _number_setting("GEOCODER_TIMEOUT", DEFAULT_TIMEOUT, minimum=0.001)
    min_score = _number_setting("GEOCODER_MIN_SCORE", DEFAULT_MIN_SCORE)
    params = {"q": query, "limit": 1}
    if citycode:
        params["citycode"] = citycode
    try:
        response = httpx.get(f"{base_url}/search/", params=params, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise _BanUnusable(f"timed out after {timeout} s") from exc
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise _BanUnusable(f"network error ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise _BanUnusable(f"HTTP status {response.status_code}")
    try:
        payload = response.json()
    except ValueError as exc:
        raise _BanUnusable("response is not JSON") from exc

    features = payload.get("features") if isinstance(payload, dict) else None
    if not isinstance(features, list):
        raise _BanUnusable("response has no features list")
    if not features:
        raise _BanUnusable("no result")
    feature = features[0]
    try:
        properties = feature["properties"]
        longitude, latitude = (_finite(v) for v in feature["geometry"]["coordinates"][:2])
        score = _finite(properties.get("score", 0))
        citycode = str(properties.get("citycode") or "")
        precision = _BAN_PRECISION.get(properties.get("type"))
        label = _clean(properties.get("label"))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise _BanUnusable("malformed feature") from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _BanUnusable("coordinates out of range")
    if score < min_score:
        raise _BanUnusable(f"score too low ({score:.2f} < {min_score})")
    if not citycode.startswith(GERS_INSEE_PREFIX) or len(citycode) != 5:
        raise _BanUnusable(f"result outside the Gers (citycode {citycode or '?'})")
    if precision is None:
        raise _BanUnusable(f"unknown result type {properties.get('type')!r}")
    return GeocodeResult(
        latitude=latitude,
        longitude=longitude,
        label=label,
        precision=precision,
        commune_insee=citycode,
        source=SOURCE_BAN,
    )


def _from_gazetteer(address: str, postcode: str, commune: Commune | None) -> GeocodeResult | None:
    found = commune
    if found is None and _POSTCODE.match(postcode):
        # The address may name one of the communes sharing this postcode.
        found = find_commune(f"{postcode} {address}")
    if found is None and address:
        found = find_commune(address)
    if found is None:
        return None
    shown_code = postcode if postcode in found.postal_code_list else next(iter(found.postal_code_list), "")
    return GeocodeResult(
        latitude=found.latitude,
        longitude=found.longitude,
        label=f"{found.name} ({shown_code})" if shown_code else found.name,
        precision=PRECISION_COMMUNE,
        commune_insee=found.insee_code,
        source=SOURCE_GAZETTEER,
    )


def geocode(address, postcode=None, commune=None) -> GeocodeResult | None:
    """Place an address in the Gers: BAN first, else the centroid of the commune; None when nothing matches.

    ``commune`` may be a Commune, an INSEE code or a name; it restricts the BAN search to that commune and is
    the first choice of the fallback, then ``postcode``, then the address text itself. This module never logs
    an address (it may be a resident's home); httpx logs request URLs at INFO, so its logger belongs at
    WARNING in production.
    """
    try:
        address_text = _clean(address)[: _BAN_MAX_QUERY * 2]
        postcode_text = _clean(postcode).replace(" ", "")  # "32 000" is written too
        known_commune = _resolve_commune(commune)
    except (TypeError, ValueError):
        # str() of an exotic object failed: treat it as no input rather than raise.
        return None

    if _setting("GEOCODER_BAN_ENABLED", True):
        query = _ban_query(address_text, postcode_text, known_commune)
        if len(query) >= 3:
            try:
                return _query_ban(query, known_commune.insee_code if known_commune else None)
            except _BanUnusable as reason:
                logger.warning("BAN geocoding unusable, falling back to the commune gazetteer: %s", reason)
        else:
            logger.warning("Query too short for the BAN, falling back to the commune gazetteer.")
    return _from_gazetteer(address_text, postcode_text, known_commune)
