"""Exports of the observatory: the map's selection (CSV, GeoJSON) and the coverage table (CSV).

The CSV files are for people: French Excel conventions (core.spreadsheets: BOM, `;`, decimal commas), text cells
through the directory's formula-injection guard (directory.exchange.data_inclusion.csv_cell); GeoJSON follows
RFC 7946: a FeatureCollection of Points whose coordinates are [longitude, latitude], in WGS 84.
"""

from collections import defaultdict

from django.urls import reverse

from core import spreadsheets
from directory.exchange.data_inclusion import csv_cell
from directory.listings.vocabulary import ServiceKind
from directory.models import Category, Service
from directory.partners import freshness

SERVICE_COLUMNS = [
    ("identifiant", "slug"),
    ("nom", "title"),
    ("structure", "organisation__name"),
    ("type", "kind_label"),
    ("thematiques", "categories"),
    ("adresse", "place__address"),
    ("code_postal", "place__postcode"),
    ("commune", "place__commune__name"),
    ("code_insee", "place__commune__insee_code"),
    ("intercommunalite", "place__commune__epci__name"),
    ("siren_intercommunalite", "place__commune__epci__siren"),
    ("canton", "place__commune__canton__name"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("telephone", "phone"),
    ("url", "url"),
]
FIELDS = [
    "pk",
    "slug",
    "title",
    "kind",
    "phone",
    "organisation__name",
    "organisation__phone",
    "place__address",
    "place__postcode",
    "place__commune__name",
    "place__commune__insee_code",
    "place__commune__epci__name",
    "place__commune__epci__siren",
    "place__commune__canton__name",
    "latitude",
    "longitude",
    "last_verified_at",
    "last_published_at",
    "created_at",
]


# Up to this many rows, their categories are fetched by id (a page of a list); beyond, by a subquery.
SMALL_SELECTION = 500


def service_rows(queryset, base_url=""):
    """Plain dicts for every service of the queryset, in its order (values(): 10k rows in a few dozen ms)."""
    return decorate(list(queryset.values(*FIELDS)), queryset, base_url)


def decorate(rows, queryset=None, base_url=""):
    """Add categories (names), the kind's label, the contact phone and the page URL to rows of FIELDS."""
    names = dict(Category.objects.values_list("pk", "name"))
    categories = defaultdict(list)
    links = Service.categories.through.objects
    if queryset is None or len(rows) <= SMALL_SELECTION:
        links = links.filter(service_id__in=[row["pk"] for row in rows])
    else:
        links = links.filter(service__in=queryset.order_by().values("pk"))
    for service_id, category_id in links.order_by("category__position", "category__name").values_list(
        "service_id", "category_id"
    ):
        categories[service_id].append(names[category_id])
    kinds = dict(ServiceKind.choices)
    prefix = reverse("directory:service", kwargs={"slug": "x"})[:-2]
    cutoff = freshness.stale_cutoff()
    for row in rows:
        # As directory.partners.freshness.verified_since: verified, else published, else created.
        since = row["last_verified_at"] or row["last_published_at"] or row["created_at"]
        row["stale"] = freshness.is_stale(since, cutoff)
        row["categories"] = categories.get(row["pk"], [])
        row["kind_label"] = str(kinds.get(row["kind"], row["kind"]))
        row["phone"] = row["phone"] or row["organisation__phone"]
        row["url"] = f"{base_url}{prefix}{row['slug']}/"
    return rows


# Numbers for people: written with a decimal comma, not as text.
NUMBER_COLUMNS = {"latitude", "longitude"}


def services_csv(rows):
    def cell(key, value):
        return spreadsheets.number(value) if key in NUMBER_COLUMNS else csv_cell(value)

    return spreadsheets.to_text(
        [name for name, _key in SERVICE_COLUMNS],
        ([cell(key, row.get(key)) for _name, key in SERVICE_COLUMNS] for row in rows),
    )


def services_geojson(rows):
    features = []
    for row in rows:
        features.append(
            {
                "type": "Feature",
                "id": row["slug"],
                # RFC 7946 §3.1.1: longitude first.
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row["longitude"], 6), round(row["latitude"], 6)],
                },
                "properties": {
                    "id": row["slug"],
                    "nom": row["title"],
                    "structure": row["organisation__name"],
                    "type": row["kind"],
                    "type_libelle": row["kind_label"],
                    "thematiques": row["categories"],
                    "commune": row["place__commune__name"],
                    "code_insee": row["place__commune__insee_code"],
                    "intercommunalite": row["place__commune__epci__name"],
                    "canton": row["place__commune__canton__name"],
                    "url": row["url"],
                    "a_verifier": row["stale"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


COVERAGE_COLUMNS = [
    "thematique",
    "code_insee",
    "commune",
    "population",
    "intercommunalite",
    "distance_km",
    "au_dela_de_10_km",
    "au_dela_de_20_km",
    "au_dela_de_30_km",
    "aide_la_plus_proche",
    "commune_de_l_aide",
    "passages_itinerants_prevus",
]


def coverage_csv(cells):
    """Rows of CommuneCoverage (with commune, epci and category loaded)."""
    return spreadsheets.to_text(COVERAGE_COLUMNS, (_coverage_row(cell) for cell in cells))


def _coverage_row(cell):
    distance = cell.distance_km
    beyond = ["oui" if distance is None or distance > t else "non" for t in (10, 20, 30)]
    return [
        csv_cell(cell.category.name),
        csv_cell(cell.commune.insee_code),
        csv_cell(cell.commune.name),
        cell.commune.population,
        csv_cell(cell.commune.epci.name),
        spreadsheets.number(distance, 1),
        *beyond,
        csv_cell(cell.nearest_label),
        csv_cell(cell.nearest_commune),
        cell.stop_count if cell.nearest_tour_id or cell.stop_count else "",
    ]
