"""Figures of the territory portraits, read from the stored run (observatory.coverage.compute)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.slugs import slugify
from directory.models import Category
from territories.models import Canton, Commune, Epci

from .charts import bar_chart, fmt
from .coverage import DEPARTEMENT_CODE
from .models import THRESHOLDS_KM, CategoryCoverage, CommuneCoverage, Scope, ServiceCount


def per_10k(services, population):
    return services * 10_000 / population if population else None


def epci_slug(epci):
    return slugify(epci.name)


def find_epci(key):
    """An EPCI by SIREN or by the slug of its name; None if neither matches."""
    key = (key or "").strip().lower()
    if key.isdigit():
        return Epci.objects.filter(siren=key).first()
    return next((e for e in Epci.objects.all() if epci_slug(e) == key), None)


@dataclass
class CategoryRow:
    category: Category
    services: int
    itinerant: int
    rate: float | None
    reference_rate: float | None = None
    reference_services: int | None = None

    @property
    def gap(self):
        """This territory's rate compared with the reference's, in per cent (None when not comparable)."""
        if self.rate is None or not self.reference_rate:
            return None
        return (self.rate / self.reference_rate - 1) * 100


def _counts(run, scope, code=None):
    """{(code, category id or None): (services, itinerant)} of one scope."""
    rows = ServiceCount.objects.filter(run=run, scope=scope)
    if code is not None:
        rows = rows.filter(code=code)
    return {
        (r[0], r[1]): (r[2], r[3]) for r in rows.values_list("code", "category_id", "services", "itinerant")
    }


def departement_population():
    return Commune.objects.aggregate(total=Sum("population"))["total"] or 0


def category_rows(counts, code, population, categories, reference=None, reference_population=None):
    rows = []
    for category in categories:
        services, itinerant = counts.get((code, category.pk), (0, 0))
        row = CategoryRow(category, services, itinerant, per_10k(services, population))
        if reference is not None:
            ref_services = reference.get((DEPARTEMENT_CODE, category.pk), (0, 0))[0]
            row.reference_services = ref_services
            row.reference_rate = per_10k(ref_services, reference_population)
        rows.append(row)
    return rows


def coverage_summary(run):
    return list(
        CategoryCoverage.objects.filter(run=run)
        .select_related("category")
        .order_by("category__position", "category__name")
    )


def departement(run):
    categories = list(Category.objects.all())
    population = departement_population()
    dept = _counts(run, Scope.DEPARTEMENT, DEPARTEMENT_CODE)
    total = dept.get((DEPARTEMENT_CODE, None), (0, 0))[0]
    rate = per_10k(total, population)

    epci_counts = _counts(run, Scope.EPCI)
    epcis = []
    for epci in Epci.objects.annotate(commune_count=Count("communes")).order_by("name"):
        services, itinerant = epci_counts.get((epci.siren, None), (0, 0))
        epci_rate = per_10k(services, epci.population)
        epcis.append(
            {
                "epci": epci,
                "slug": epci_slug(epci),
                "population": epci.population,
                "services": services,
                "itinerant": itinerant,
                "rate": epci_rate,
                "gap": None if epci_rate is None or not rate else (epci_rate / rate - 1) * 100,
            }
        )
    canton_counts = _counts(run, Scope.CANTON)
    cantons = []
    for canton in Canton.objects.annotate(
        population=Sum("communes__population"), commune_count=Count("communes")
    ):
        services, itinerant = canton_counts.get((canton.code, None), (0, 0))
        cantons.append(
            {
                "canton": canton,
                "population": canton.population or 0,
                "communes": canton.commune_count,
                "services": services,
                "itinerant": itinerant,
                "rate": per_10k(services, canton.population or 0),
            }
        )
    by_category = category_rows(dept, DEPARTEMENT_CODE, population, categories)
    charts = {
        "epci": bar_chart(
            "graphique-epci",
            _("Services pour 10 000 habitants, par intercommunalité"),
            [(row["epci"].name, row["rate"]) for row in epcis],
            reference={row["epci"].name: rate for row in epcis},
            reference_label=_("la moyenne du département (%(rate)s)") % {"rate": fmt(rate)},
        ),
        "categories": bar_chart(
            "graphique-thematiques",
            _("Services publiés par thématique dans le Gers"),
            [(row.category.name, row.services) for row in by_category],
            decimals=0,
        ),
    }
    return {
        "population": population,
        "commune_count": Commune.objects.count(),
        "services": total,
        "rate": rate,
        "epcis": epcis,
        "cantons": cantons,
        "categories": by_category,
        "coverage": coverage_summary(run),
        "charts": charts,
    }


def epci_portrait(run, epci):
    categories = list(Category.objects.all())
    counts = _counts(run, Scope.EPCI, epci.siren)
    dept = _counts(run, Scope.DEPARTEMENT, DEPARTEMENT_CODE)
    dept_population = departement_population()
    population = epci.population
    services, itinerant = counts.get((epci.siren, None), (0, 0))
    dept_total = dept.get((DEPARTEMENT_CODE, None), (0, 0))[0]
    rate, dept_rate = per_10k(services, population), per_10k(dept_total, dept_population)
    rows = category_rows(counts, epci.siren, population, categories, dept, dept_population)
    chart = bar_chart(
        "graphique-thematiques",
        _("Services pour 10 000 habitants par thématique : %(epci)s et moyenne du Gers")
        % {"epci": epci.name},
        [(row.category.name, row.rate) for row in rows],
        reference={row.category.name: row.reference_rate for row in rows},
        reference_label=_("la moyenne du département pour chaque thématique"),
    )
    return {
        "population": population,
        "commune_count": epci.communes.count(),
        "services": services,
        "itinerant": itinerant,
        "rate": rate,
        "dept_rate": dept_rate,
        "gap": None if rate is None or not dept_rate else (rate / dept_rate - 1) * 100,
        "categories": rows,
        "chart": chart,
        "coverage": epci_coverage(run, epci, categories),
    }


def epci_coverage(run, epci, categories):
    """Per category: the EPCI's communes (and residents) beyond each threshold."""
    aggregates = {}
    for threshold in THRESHOLDS_KM:
        beyond = Q(distance_km__gt=threshold) | Q(distance_km__isnull=True)
        aggregates[f"communes_{threshold}"] = Count("pk", filter=beyond)
        aggregates[f"population_{threshold}"] = Sum("commune__population", filter=beyond)
    found = defaultdict(dict)
    rows = (
        CommuneCoverage.objects.filter(run=run, commune__epci=epci)
        .values("category_id")
        .annotate(**aggregates)
        .order_by()
    )
    for row in rows:
        found[row["category_id"]] = row
    result = []
    for category in categories:
        row = found.get(category.pk, {})
        result.append(
            {
                "category": category,
                "over": [
                    (
                        threshold,
                        row.get(f"communes_{threshold}") or 0,
                        row.get(f"population_{threshold}") or 0,
                    )
                    for threshold in THRESHOLDS_KM
                ],
            }
        )
    return result


# ---------------------------------------------------------------------------------------------------------
# Coverage page

# Distance bands of the coverage map: (key, upper bound in km or None, French label). Colours live in the CSS.
BANDS = [
    ("b10", 10, gettext_lazy("10 km ou moins")),
    ("b20", 20, gettext_lazy("de 10 à 20 km")),
    ("b30", 30, gettext_lazy("de 20 à 30 km")),
    ("b30plus", None, gettext_lazy("plus de 30 km")),
]
NO_HELP_BAND = ("none", None, gettext_lazy("aucune aide de cette thématique"))
MAP_WIDTH = 640
MAP_PADDING = 12
MOST_DISTANT = 30


def band_of(distance):
    if distance is None:
        return NO_HELP_BAND
    for band in BANDS:
        if band[1] is None or distance <= band[1]:
            return band
    return BANDS[-1]


def frequency_label(stop_count, horizon_days):
    """ "4 passages prévus d'ici 90 jours (environ tous les mois)", or "" for a fixed place."""
    if not stop_count:
        return ""
    interval = horizon_days / stop_count
    if interval <= 8:
        rhythm = _("chaque semaine ou plus")
    elif interval <= 17:
        rhythm = _("environ tous les quinze jours")
    elif interval <= 35:
        rhythm = _("environ tous les mois")
    else:
        rhythm = _("moins d'une fois par mois")
    if stop_count == 1:
        text = _("1 passage prévu d'ici %(days)s jours") % {"days": horizon_days}
    else:
        text = _("%(count)s passages prévus d'ici %(days)s jours") % {
            "count": stop_count,
            "days": horizon_days,
        }
    return f"{text} ({rhythm})"


def commune_map(points):
    """SVG circles of the commune points: an equirectangular projection, north up, scaled to MAP_WIDTH.

    points: [(name, latitude, longitude, distance)]. The markup is written here (458 circles: a template loop
    would cost more than the rest of the page); every text goes through escaping.
    """
    import math

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    if not points:
        return {"svg_points": "", "width": MAP_WIDTH, "height": 0}
    lats = [p[1] for p in points]
    lons = [p[2] for p in points]
    min_lat, max_lat, min_lon, max_lon = min(lats), max(lats), min(lons), max(lons)
    shrink = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * shrink, 1e-6)
    span_y = max(max_lat - min_lat, 1e-6)
    scale = (MAP_WIDTH - 2 * MAP_PADDING) / span_x
    height = round(span_y * scale + 2 * MAP_PADDING)
    sizes = {"b10": 3, "b20": 4, "b30": 5, "b30plus": 6, "none": 6}
    km = _("km")
    circles = []
    for name, latitude, longitude, distance in points:
        band = band_of(distance)
        text = f"{fmt(distance)} {km}" if distance is not None else band[2]
        circles.append(
            (
                sizes[band[0]],
                f'<circle cx="{MAP_PADDING + (longitude - min_lon) * shrink * scale:.1f}" '
                f'cy="{MAP_PADDING + (max_lat - latitude) * scale:.1f}" r="{sizes[band[0]]}" '
                f'class="band band--{band[0]}"><title>{escape(name)} : {escape(text)}</title></circle>',
            )
        )
    # Far communes drawn last, on top: they are what the map is about.
    circles.sort(key=lambda c: c[0])
    markup = mark_safe("".join(c[1] for c in circles))  # numbers, and escaped texts
    return {"svg_points": markup, "width": MAP_WIDTH, "height": height}


def coverage_page(run, category):
    from django.db.models import F

    cells = CommuneCoverage.objects.filter(run=run, category=category)
    points = list(
        cells.values_list(
            "commune__name", "commune__latitude", "commune__longitude", "distance_km", "commune__population"
        )
    )
    band_counts = defaultdict(lambda: [0, 0])
    for _name, _lat, _lon, distance, population in points:
        key = band_of(distance)[0]
        band_counts[key][0] += 1
        band_counts[key][1] += population
    legend = [
        {"key": key, "label": label, "communes": band_counts[key][0], "population": band_counts[key][1]}
        for key, _bound, label in [*BANDS, NO_HELP_BAND]
    ]
    distant = list(
        cells.select_related("commune__epci", "nearest_service").order_by(
            F("distance_km").desc(nulls_first=True), "commune__name"
        )[:MOST_DISTANT]
    )
    for cell in distant:
        cell.band_label = band_of(cell.distance_km)[2]
        service = cell.nearest_service
        if cell.nearest_tour_id is None and (service is None or not service.live):
            # Deleted or unpublished since the run: the recomputation is on its way; never show it meanwhile.
            cell.nearest_service, cell.nearest_label, cell.nearest_commune = None, "", ""
        cell.frequency = frequency_label(cell.stop_count, run.horizon_days) if cell.nearest_tour_id else ""
    summary = CategoryCoverage.objects.filter(run=run, category=category).first()
    return {
        "map": commune_map([p[:4] for p in points]),
        "legend": [row for row in legend if row["key"] != "none" or row["communes"]],
        "distant": distant,
        "summary": summary,
        "all": coverage_summary(run),
    }
