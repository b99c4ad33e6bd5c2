"""Offline gazetteer: commune look-up by name or code, and distances, over the Commune table.

No GeoDjango: points are indexed float columns; a radius search is a bounding-box prefilter in SQL, then the
exact haversine distance in Python.
"""

import math
import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Replace

from .models import Commune
from .text import normalise

__all__ = [
    "EARTH_RADIUS_KM",
    "bounding_box",
    "find_commune",
    "haversine_km",
    "nearest_communes",
    "neighbouring_communes",
    "normalise",
    "suggest_communes",
]

# Mean Earth radius (IUGG); the spherical model errs by < 0.5 % against the ellipsoid, plenty for "nearest".
EARTH_RADIUS_KM = 6371.0088
# Far longer than any Gers commune name (27 characters at most): anything beyond is noise, and LIKE time.
MAX_QUERY_LENGTH = 100
MAX_ADDRESS_LENGTH = 400
MAX_LIMIT = 100
_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
# People abbreviate Saint/Sainte; expand only whole words that are followed by more text.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _clean_limit(limit, default: int) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return default
    return max(0, min(limit, MAX_LIMIT))


def _normalise_query(text, max_length: int = MAX_QUERY_LENGTH) -> str:
    words = normalise(str(text)[:max_length]).split()
    words = [_ABBREVIATIONS.get(w, w) if i < len(words) - 1 else w for i, w in enumerate(words)]
    return " ".join(words)


def _with_compact_name(queryset: QuerySet) -> QuerySet:
    # "lisle" must find "l isle jourdain": compare with the spaces removed on both sides.
    return queryset.annotate(compact_name=Replace("search_name", Value(" "), Value("")))


def suggest_communes(query, limit: int = 10) -> list[Commune]:
    """Communes for an autocomplete box: name (accent/punctuation-insensitive), postal code or INSEE code.

    Prefix matches come first, then matches inside the name, each by population (largest first). Digits
    match the start of any of the commune's postal codes, or its INSEE code exactly. Never raises: bad input
    gives [].
    """
    limit = _clean_limit(limit, 10)
    if query is None or not limit:
        return []
    raw = str(query)[:MAX_QUERY_LENGTH].strip()
    digits = raw.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        if len(digits) > 5:
            return []
        # postal_codes is space-separated: a code starts either the field or after a space.
        qs = Commune.objects.filter(
            Q(postal_codes__startswith=digits) | Q(postal_codes__contains=f" {digits}") | Q(insee_code=digits)
        ).annotate(
            rank=Case(
                When(
                    Q(postal_codes__startswith=digits) | Q(postal_codes__contains=f" {digits}"), then=Value(0)
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        return list(qs.order_by("rank", "-population", "name")[:limit])

    text = _normalise_query(raw)
    compact = text.replace(" ", "")
    if not compact:
        return []
    qs = (
        _with_compact_name(Commune.objects.all())
        .filter(Q(search_name__contains=text) | Q(compact_name__contains=compact))
        .annotate(
            rank=Case(
                When(Q(search_name__startswith=text) | Q(compact_name__startswith=compact), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    )
    return list(qs.order_by("rank", "-population", "name")[:limit])


def _by_postal_code(code: str) -> QuerySet:
    # postal_codes is space-separated 5-digit codes: a code starts either the field or follows a space.
    return Commune.objects.filter(Q(postal_codes__startswith=code) | Q(postal_codes__contains=f" {code}"))


def _name_in_text(candidates, text: str) -> Commune | None:
    """The candidate named last in ``text``, as whole words (French addresses end with the commune)."""
    best, best_key = None, None
    padded = f" {text} "
    for commune in candidates:
        position = padded.rfind(f" {commune.search_name} ")
        if position < 0:
            continue
        key = (position + len(commune.search_name), len(commune.search_name), commune.population)
        if best_key is None or key > best_key:
            best, best_key = commune, key
    return best


def find_commune(text) -> Commune | None:
    """Resolve free text to one commune: "Auch", "32000", "32013", "Mirande 32300", "12 rue X, 32000 Auch".

    A 5-digit code narrows the candidates to the communes it is the postal code of, plus the commune it is
    the INSEE code of (33 Gers codes are both: 32300 is Mirande's postal code and Orbessan's INSEE code); a
    name in the text then picks one. A bare code is read as a postal code first, since that is what people
    type, and gives the most populous commune it serves (usually the one holding the post office). Without a
    code, the name must match exactly or unambiguously. Returns None otherwise; never raises.
    """
    if text is None:
        return None
    # Whole addresses come here, with the commune at the end: allow more than an autocomplete query.
    raw = str(text)[:MAX_ADDRESS_LENGTH].strip()
    if not raw:
        return None
    codes = _CODE.findall(raw)
    words = _normalise_query(_CODE.sub(" ", raw), MAX_ADDRESS_LENGTH)

    fallback = None
    for code in codes:
        by_postcode = list(_by_postal_code(code).order_by("-population", "name"))
        by_insee = list(Commune.objects.filter(insee_code=code))
        candidates = by_postcode + by_insee
        if words:
            named = _name_in_text(candidates, words) or _unique(
                [c for c in candidates if c.search_name.startswith(words)]
            )
            if named is not None:
                return named
        if fallback is None and candidates:
            fallback = candidates[0]
    if fallback is not None:
        # The name (a street, a hamlet) did not name a candidate: the code is the more reliable part.
        return fallback
    if not words:
        return None
    return _find_by_name(words)


def _unique(candidates: list[Commune]) -> Commune | None:
    return candidates[0] if len(candidates) == 1 else None


def _find_by_name(words: str) -> Commune | None:
    compact = words.replace(" ", "")
    exact = list(Commune.objects.filter(search_name=words)[:2])
    if not exact:
        exact = list(_with_compact_name(Commune.objects.all()).filter(compact_name=compact)[:2])
    if exact:
        return _unique(exact)
    for lookup in ("startswith", "contains"):
        found = list(
            _with_compact_name(Commune.objects.all()).filter(
                Q(**{f"search_name__{lookup}": words}) | Q(**{f"compact_name__{lookup}": compact})
            )[:2]
        )
        if found:
            return _unique(found)
    # Last resort for addresses without a postal code ("4 rue Gambetta Auch"): a commune name inside the text.
    return _name_in_text(Commune.objects.all(), words)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS 84 points, on a sphere of mean Earth radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box holding every point within ``radius_km`` of the centre.

    Uses the exact spherical extent of the circle (Matuschek's "bounding coordinates"), so it never cuts off
    a point the haversine would accept. Assumptions, harmless for France (mainland and overseas): if the
    circle reaches a pole the box spans every longitude, and if it crosses the ±180° meridian the box also
    spans every longitude (a wider prefilter, never a wrong answer). Raises ValueError on non-finite input
    or a negative radius.
    """
    lat, lon, radius_km = float(lat), float(lon), float(radius_km)
    if not all(math.isfinite(v) for v in (lat, lon, radius_km)) or radius_km < 0:
        raise ValueError("bounding_box needs finite coordinates and a non-negative radius")
    angular = radius_km / EARTH_RADIUS_KM
    min_lat = lat - math.degrees(angular)
    max_lat = lat + math.degrees(angular)
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    min_lon, max_lon = lon - dlon, lon + dlon
    if min_lon < -180 or max_lon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon


def _within(lat: float, lon: float, radius_km: float, queryset: QuerySet) -> list[Commune]:
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    found = []
    for commune in queryset.filter(
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
    ):
        commune.distance_km = haversine_km(lat, lon, commune.latitude, commune.longitude)
        if commune.distance_km <= radius_km:
            found.append(commune)
    found.sort(key=lambda c: (c.distance_km, c.name))
    return found


# Half of the Earth's circumference: beyond it every point is inside the circle.
_MAX_RADIUS_KM = math.pi * EARTH_RADIUS_KM


def nearest_communes(lat: float, lon: float, limit: int = 10) -> list[Commune]:
    """The ``limit`` communes whose centroids are nearest the point, nearest first, each with ``distance_km``.

    The search radius doubles from 10 km until enough communes fall inside the circle, so the answer is exact
    while each query reads only a small box. Raises ValueError on non-finite coordinates.
    """
    limit = _clean_limit(limit, 10)
    if not limit:
        return []
    radius = 10.0
    while True:
        found = _within(lat, lon, radius, Commune.objects.all())
        if len(found) >= limit or radius >= _MAX_RADIUS_KM:
            return found[:limit]
        radius = min(radius * 2, _MAX_RADIUS_KM)


def neighbouring_communes(commune: Commune, radius_km: float = 15, limit: int = 6) -> list[Commune]:
    """Other communes with a centroid within ``radius_km`` of this one's, nearest first, with distance_km."""
    limit = _clean_limit(limit, 6)
    if not limit:
        return []
    others = Commune.objects.exclude(pk=commune.pk)
    return _within(commune.latitude, commune.longitude, radius_km, others)[:limit]
