"""Coverage analysis and territory counts, computed in one pass and stored (observatory.models).

For each commune and each category: the straight-line (great-circle) distance from the commune's centre to the
nearest place where that help is found — a published, open service with a point, or an upcoming scheduled stop
of a published itinerant tour. Pure Python, no numpy: per category the points are sorted by latitude and each
commune scans outward from its own latitude; a latitude gap is a lower bound of the distance, so the scan stops
as soon as no point further out can be nearer. Distances are compared as squared chords of unit vectors
(arithmetic only) and converted to kilometres once per answer.
"""

import bisect
import datetime as dt
import logging
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from directory.listings.models import EARTH_RADIUS_KM
from directory.listings.vocabulary import ServiceStatus
from directory.models import Category, Service, Stop, Tour
from directory.tours.models import StopStatus
from territories.models import Commune

from .models import (
    THRESHOLDS_KM,
    CategoryCoverage,
    CommuneCoverage,
    CoverageRun,
    Scope,
    ServiceCount,
)

logger = logging.getLogger(__name__)

# Itinerant stops within this many days count as a presence (and give the frequency shown).
HORIZON_DAYS = 90
DEPARTEMENT_CODE = "32"


@dataclass(frozen=True)
class Help:
    """Where a category's help is found: a service's place or a tour's stopping point."""

    latitude: float
    longitude: float
    label: str
    commune: str
    service_id: int | None = None
    tour_id: int | None = None
    stop_count: int = 0


@dataclass
class Nearest:
    distance_km: float | None
    help: Help | None


def _unit(latitude, longitude):
    phi, lam = math.radians(latitude), math.radians(longitude)
    return phi, math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


class NearestIndex:
    """The points of one category, sorted by latitude, for exact nearest-point queries."""

    def __init__(self, helps):
        # Several services at one place: one point is enough (the first keeps the label).
        unique = {}
        for item in helps:
            unique.setdefault((item.latitude, item.longitude), item)
        rows = sorted(
            (_unit(h.latitude, h.longitude), h) for h in unique.values() if _valid(h.latitude, h.longitude)
        )
        self.lats = [u[0] for u, _h in rows]
        self.xs = [u[1] for u, _h in rows]
        self.ys = [u[2] for u, _h in rows]
        self.zs = [u[3] for u, _h in rows]
        self.helps = [h for _u, h in rows]

    def __len__(self):
        return len(self.helps)

    def nearest(self, latitude, longitude):
        if not self.helps:
            return Nearest(None, None)
        phi, cx, cy, cz = _unit(latitude, longitude)
        lats, xs, ys, zs = self.lats, self.xs, self.ys, self.zs
        n = len(lats)
        best_c2, best_angle, best = 5.0, math.pi, -1
        start = bisect.bisect_left(lats, phi)
        # Northwards, then southwards; each side stops once the latitude gap alone exceeds the best distance.
        for j in range(start, n):
            if lats[j] - phi >= best_angle:
                break
            dx, dy, dz = xs[j] - cx, ys[j] - cy, zs[j] - cz
            c2 = dx * dx + dy * dy + dz * dz
            if c2 < best_c2:
                best_c2, best = c2, j
                best_angle = 2 * math.asin(min(1.0, math.sqrt(c2) / 2))
        for j in range(start - 1, -1, -1):
            if phi - lats[j] >= best_angle:
                break
            dx, dy, dz = xs[j] - cx, ys[j] - cy, zs[j] - cz
            c2 = dx * dx + dy * dy + dz * dz
            if c2 < best_c2:
                best_c2, best = c2, j
                best_angle = 2 * math.asin(min(1.0, math.sqrt(c2) / 2))
        return Nearest(EARTH_RADIUS_KM * best_angle, self.helps[best])


def _valid(latitude, longitude):
    return (
        latitude is not None
        and longitude is not None
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


# ---------------------------------------------------------------------------------------------------------
# Reading the directory


def coverage_services():
    """Published services open today, with a point: planned openings are not yet help residents can reach."""
    return Service.objects.public().filter(
        status=ServiceStatus.OPEN, latitude__isnull=False, longitude__isnull=False
    )


def upcoming_stops(today=None, horizon_days=HORIZON_DAYS):
    """Scheduled stops of published tours in [today, today + horizon), the tour's own service being published."""
    today = today or timezone.localdate()
    return Stop.objects.filter(
        live=True,
        status=StopStatus.SCHEDULED,
        date__gte=today,
        date__lt=today + dt.timedelta(days=horizon_days),
        tour__live=True,
        latitude__isnull=False,
        longitude__isnull=False,
    ).filter(Q(tour__service__isnull=True) | Q(tour__service__live=True))


def tour_categories():
    """{tour id: {category ids}}: what its service offers plus what can be done on board."""
    categories = defaultdict(set)
    for tour_id, category_id in Tour.onboard_categories.through.objects.values_list("tour_id", "category_id"):
        categories[tour_id].add(category_id)
    links = Service.categories.through.objects.filter(
        service__live=True, service__tour__isnull=False
    ).values_list("service__tour__id", "category_id")
    for tour_id, category_id in links:
        categories[tour_id].add(category_id)
    return categories


def load_helps(today=None, horizon_days=HORIZON_DAYS):
    """({category id: [Help]}, number of services, number of stops)."""
    by_category = defaultdict(list)
    services = coverage_services()
    labels = {
        pk: (title, commune or "")
        for pk, title, commune in services.values_list("pk", "title", "place__commune__name")
    }
    links = Service.categories.through.objects.filter(service__in=services).values_list(
        "category_id", "service_id", "service__latitude", "service__longitude"
    )
    for category_id, service_id, latitude, longitude in links.order_by("service_id", "category_id"):
        title, commune = labels[service_id]
        by_category[category_id].append(Help(latitude, longitude, title, commune, service_id=service_id))

    categories = tour_categories()
    tour_names = dict(Tour.objects.filter(live=True).values_list("pk", "name"))
    sites = (
        upcoming_stops(today, horizon_days)
        .values("tour_id", "latitude", "longitude", "commune__name", "place_name")
        .annotate(passages=Count("pk"))
        .order_by("tour_id", "latitude", "longitude", "commune__name", "place_name")
    )
    stop_count = 0
    for site in sites:
        stop_count += site["passages"]
        name = tour_names.get(site["tour_id"], "")
        label = f"{name} — {site['place_name']}" if site["place_name"] else name
        item = Help(
            site["latitude"],
            site["longitude"],
            label,
            site["commune__name"],
            tour_id=site["tour_id"],
            stop_count=site["passages"],
        )
        for category_id in categories.get(site["tour_id"], ()):
            by_category[category_id].append(item)
    return by_category, len(labels), stop_count


# ---------------------------------------------------------------------------------------------------------
# Counting services per territory


def count_services(today=None, horizon_days=HORIZON_DAYS):
    """{(scope, code, category id or None): (services, itinerant)} for the département, each EPCI and canton.

    A service counts where its place is; an itinerant service also counts, once, in each EPCI and canton where
    its tour stops within the horizon. Services without a place (telephone, online) count for the département.
    """
    public = Service.objects.public()
    categories = defaultdict(set)
    for service_id, category_id in Service.categories.through.objects.filter(service__live=True).values_list(
        "service_id", "category_id"
    ):
        categories[service_id].add(category_id)

    # Plain strings in the keys: hashing enum members (Scope.EPCI) costs a Python call each time.
    epci, canton, departement = Scope.EPCI.value, Scope.CANTON.value, Scope.DEPARTEMENT.value
    members = defaultdict(set)  # (scope, code) → service ids
    itinerant = defaultdict(set)
    all_ids = set()
    rows = public.values_list("pk", "place__commune__epci__siren", "place__commune__canton__code")
    for service_id, siren, canton_code in rows:
        all_ids.add(service_id)
        if siren:
            members[(epci, siren)].add(service_id)
        if canton_code:
            members[(canton, canton_code)].add(service_id)
    stops = (
        upcoming_stops(today, horizon_days)
        .filter(tour__service__isnull=False, tour__service__live=True)
        .values_list("tour__service_id", "commune__epci__siren", "commune__canton__code")
        .distinct()
    )
    for service_id, siren, canton_code in stops:
        for key in ((epci, siren), (canton, canton_code)):
            if key[1] and service_id not in members[key]:
                itinerant[key].add(service_id)
    members[(departement, DEPARTEMENT_CODE)] = all_ids

    counts = {}
    for key in set(members) | set(itinerant):
        located, moving = members.get(key, set()), itinerant.get(key, set())
        counts[(*key, None)] = (len(located) + len(moving), len(moving))
        total, of_moving = Counter(), Counter()
        for service_id in located:
            total.update(categories.get(service_id, ()))
        for service_id in moving:
            of_moving.update(categories.get(service_id, ()))
        total.update(of_moving)
        for category_id, number in total.items():
            counts[(*key, category_id)] = (number, of_moving.get(category_id, 0))
    return counts, len(all_ids)


# ---------------------------------------------------------------------------------------------------------
# The computation


def summarise(category_id, distances, populations, point_count):
    """CategoryCoverage fields from [(commune id, distance or None)]: None counts beyond every threshold."""
    summary = {"category_id": category_id, "point_count": point_count}
    for threshold in THRESHOLDS_KM:
        beyond = [cid for cid, d in distances if d is None or d > threshold]
        summary[f"communes_over_{threshold}"] = len(beyond)
        summary[f"population_over_{threshold}"] = sum(populations[cid] for cid in beyond)
    known = [(cid, d) for cid, d in distances if d is not None]
    summary["max_distance_km"] = max((d for _cid, d in known), default=None)
    weight = sum(populations[cid] for cid, _d in known)
    summary["mean_distance_km"] = (
        sum(populations[cid] * d for cid, d in known) / weight if known and weight else None
    )
    return summary


CELL_COLUMNS = [
    "commune_id",
    "category_id",
    "distance_km",
    "nearest_service_id",
    "nearest_tour_id",
    "nearest_label",
    "nearest_commune",
    "stop_count",
]


def _insert(model, columns, rows, batch_size=2000):
    """Plain multi-row inserts: bulk_create prepares every field of every object in Python."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(connection.ops.quote_name(column_of[name]) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


def compute(today=None, horizon_days=HORIZON_DAYS):
    """Compute everything, store it as a new run, drop the older runs; returns the run."""
    started = time.perf_counter()
    computed_at = timezone.now()
    helps, located, stop_count = load_helps(today, horizon_days)
    communes = list(Commune.objects.order_by("pk").values_list("pk", "latitude", "longitude", "population"))
    populations = {pk: population for pk, _lat, _lon, population in communes}
    category_ids = list(Category.objects.order_by("position", "pk").values_list("pk", flat=True))

    cells, summaries = [], []
    for category_id in category_ids:
        index = NearestIndex(helps.get(category_id, ()))
        distances = []
        for commune_id, latitude, longitude, _population in communes:
            found = index.nearest(latitude, longitude)
            # Rounded once: the stored distance, the bands and the threshold counts then always agree.
            distance = None if found.distance_km is None else round(found.distance_km, 3)
            distances.append((commune_id, distance))
            item = found.help
            cells.append(
                (
                    commune_id,
                    category_id,
                    distance,
                    item.service_id if item else None,
                    item.tour_id if item else None,
                    (item.label if item else "")[:300],
                    (item.commune if item else "")[:150],
                    min(item.stop_count, 32767) if item else 0,
                )
            )
        summaries.append(CategoryCoverage(**summarise(category_id, distances, populations, len(index))))
    counts, service_total = count_services(today, horizon_days)

    with transaction.atomic():
        run = CoverageRun.objects.create(
            computed_at=computed_at,
            horizon_days=horizon_days,
            service_count=service_total,
            located_service_count=located,
            stop_count=stop_count,
        )
        _insert(CommuneCoverage, ["run_id", *CELL_COLUMNS], [(run.pk, *cell) for cell in cells])
        for summary in summaries:
            summary.run = run
        CategoryCoverage.objects.bulk_create(summaries)
        _insert(
            ServiceCount,
            ["run_id", "scope", "code", "category_id", "services", "itinerant"],
            [(run.pk, *key, *value) for key, value in counts.items()],
        )
        # Older results go in the same transaction: a page never sees two runs or none.
        CoverageRun.objects.exclude(pk=run.pk).delete()
        run.duration_ms = round((time.perf_counter() - started) * 1000)
        CoverageRun.objects.filter(pk=run.pk).update(duration_ms=run.duration_ms)
    logger.info("Observatory computed in %s ms (%s communes).", run.duration_ms, len(communes))
    return run


def latest_run():
    return CoverageRun.objects.order_by("-computed_at", "-pk").first()
