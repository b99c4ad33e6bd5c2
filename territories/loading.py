"""Idempotent loading of the reference data shipped in territories/data/ (never ../shared at run time)."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from core.slugs import slugify

from .models import Canton, Commune, Epci
from .text import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_CSV = DATA_DIR / "gers_communes.csv"
EPCI_CSV = DATA_DIR / "gers_epci.csv"

# The data files carry canton codes only; the names are the IGN 2018 ones listed in data/README.md.
CANTON_NAMES = {
    "3201": "Adour-Gersoise",
    "3202": "Armagnac-Ténarèze",
    "3203": "Astarac-Gimone",
    "3204": "Auch-1",
    "3205": "Auch-2",
    "3206": "Auch-3",
    "3207": "Baïse-Armagnac",
    "3208": "Fezensac",
    "3209": "Fleurance-Lomagne",
    "3210": "Gascogne-Auscitaine",
    "3211": "Gimone-Arrats",
    "3212": "Grand-Bas-Armagnac",
    "3213": "Isle-Jourdain",
    "3214": "Lectoure-Lomagne",
    "3215": "Mirande-Astarac",
    "3216": "Pardiac-Rivière-Basse",
    "3217": "Val de Save",
    # Not a canton: INSEE's code for Auch, the one commune split between several cantons (see Canton).
    Canton.MULTI_CANTON_CODE: "Auch (commune répartie entre Auch-1, Auch-2 et Auch-3)",
}


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class LoadSummary:
    epci: ModelCounts = field(default_factory=ModelCounts)
    canton: ModelCounts = field(default_factory=ModelCounts)
    commune: ModelCounts = field(default_factory=ModelCounts)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.epci, self.canton, self.commune))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _sync(model, key: str, wanted: dict[str, dict], counts: ModelCounts) -> dict[str, object]:
    """Create missing rows, update rows whose fields differ, leave the rest untouched; return key → instance.

    Bulk operations keep a full load to a handful of queries; they bypass save(), so ``wanted`` must already
    hold every derived field (slug, search_name).
    """
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": wanted})}
    to_create, to_update, fields_changed = [], [], set()
    for value, attrs in wanted.items():
        obj = existing.get(value)
        if obj is None:
            to_create.append(model(**{key: value}, **attrs))
            continue
        changed = [name for name, new in attrs.items() if getattr(obj, name) != new]
        if changed:
            for name in changed:
                setattr(obj, name, attrs[name])
            to_update.append(obj)
            fields_changed.update(changed)
        else:
            counts.unchanged += 1
    if to_create:
        model.objects.bulk_create(to_create)
        counts.created += len(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields_changed))
        counts.updated += len(to_update)
    # Re-read: bulk_create does not set primary keys on every backend, and foreign keys need them.
    return {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": wanted})}


@transaction.atomic
def load_reference_data() -> LoadSummary:
    """Create or update every Epci, Canton and Commune from the CSV files; a second run writes nothing.

    Rows absent from the files are left alone: deleting a commune could cascade into data that refers to it.
    """
    summary = LoadSummary()
    epci_rows = _read_csv(EPCI_CSV)
    commune_rows = _read_csv(COMMUNES_CSV)

    epcis = _sync(
        Epci,
        "siren",
        {
            row["siren"]: {
                "name": row["name"],
                "kind": row["kind"],
                "population": int(row["population"]),
                "member_count": int(row["member_count"]),
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }
            for row in epci_rows
        },
        summary.epci,
    )
    canton_codes = sorted({row["canton_code"] for row in commune_rows if row["canton_code"]})
    cantons = _sync(
        Canton,
        "code",
        {code: {"name": CANTON_NAMES.get(code, code)} for code in canton_codes},
        summary.canton,
    )
    _sync(
        Commune,
        "insee_code",
        {
            row["insee_code"]: {
                "name": row["name"],
                "slug": slugify(row["name"]),
                "search_name": normalise(row["name"]),
                "postal_codes": " ".join(row["postal_codes"].split()),
                "population": int(row["population"]),
                # Compare ids, not instances: reading obj.epci would cost one query per commune.
                "epci_id": epcis[row["epci_siren"]].pk,
                "canton_id": cantons[row["canton_code"]].pk if row["canton_code"] else None,
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }
            for row in commune_rows
        },
        summary.commune,
    )
    return summary
