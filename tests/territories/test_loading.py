import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

import territories
from territories.loading import DATA_DIR, load_reference_data
from territories.models import Canton, Commune, Epci

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "epci": list(Epci.objects.order_by("pk").values()),
        "canton": list(Canton.objects.order_by("pk").values()),
        "commune": list(Commune.objects.order_by("pk").values()),
    }


def test_data_ships_with_the_app():
    package_dir = Path(territories.__file__).resolve().parent
    assert DATA_DIR == package_dir / "data"
    for name in ("gers_communes.csv", "gers_epci.csv", "README.md"):
        assert (DATA_DIR / name).is_file()
    assert "Licence Ouverte" in (DATA_DIR / "README.md").read_text(encoding="utf-8")


def test_first_load_creates_everything():
    summary = load_reference_data()

    assert (summary.epci.created, summary.epci.updated, summary.epci.unchanged) == (17, 0, 0)
    # 17 cantons plus INSEE's multi-canton code for Auch.
    assert (summary.canton.created, summary.canton.updated, summary.canton.unchanged) == (18, 0, 0)
    assert (summary.commune.created, summary.commune.updated, summary.commune.unchanged) == (458, 0, 0)
    assert summary.changed
    assert Commune.objects.count() == 458
    assert Epci.objects.count() == 17
    assert Canton.objects.count() == 18


def test_auch(gers):
    auch = Commune.objects.select_related("epci", "canton").get(insee_code="32013")
    assert auch.name == "Auch"
    assert auch.population == 22428
    assert auch.postal_code_list == ["32000"]
    assert str(auch) == "Auch (32000)"
    assert auch.slug == "auch"
    assert auch.search_name == "auch"
    assert auch.epci.name == "CA Grand Auch Coeur de Gascogne"
    assert auch.epci.kind == Epci.Kind.CA
    assert auch.canton.code == Canton.MULTI_CANTON_CODE
    assert "Auch-1" in auch.canton.name
    assert (auch.latitude, auch.longitude) == (43.65327, 0.57496)


def test_names_slugs_and_search_names(gers):
    isle = Commune.objects.get(insee_code="32160")
    assert isle.name == "L'Isle-Jourdain"
    assert isle.slug == "lisle-jourdain"
    assert isle.search_name == "l isle jourdain"
    assert Commune.objects.get(name="Escornebœuf").search_name == "escorneboeuf"
    assert Commune.objects.get(insee_code="32374").search_name == "saint elix d astarac"
    # Two postal codes, space-separated as in the source file.
    assert Commune.objects.get(insee_code="32079").postal_code_list == ["32250", "32440"]
    assert Canton.objects.get(code="3217").name == "Val de Save"
    assert Canton.objects.get(code="3202").name == "Armagnac-Ténarèze"


def test_epci_aggregates_match_their_communes(gers):
    for epci in Epci.objects.annotate(n=Count("communes"), people=Sum("communes__population")):
        assert epci.n == epci.member_count, epci
        assert epci.people == epci.population, epci
    assert sum(Epci.objects.values_list("member_count", flat=True)) == 458


def test_second_load_writes_nothing(gers):
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        summary = load_reference_data()

    for counts, total in ((summary.epci, 17), (summary.canton, 18), (summary.commune, 458)):
        assert (counts.created, counts.updated, counts.unchanged) == (0, 0, total)
    assert not summary.changed
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert snapshot() == before


def test_load_repairs_changed_rows_only(gers):
    Commune.objects.filter(insee_code="32013").update(population=1, search_name="x")
    Epci.objects.filter(siren="243200599").update(name="Renamed")

    summary = load_reference_data()

    assert (summary.commune.created, summary.commune.updated, summary.commune.unchanged) == (0, 1, 457)
    assert (summary.epci.created, summary.epci.updated, summary.epci.unchanged) == (0, 1, 16)
    auch = Commune.objects.get(insee_code="32013")
    assert (auch.population, auch.search_name) == (22428, "auch")
    assert Epci.objects.get(siren="243200599").name == "CC du Saves"


def test_save_fills_search_name(gers):
    commune = Commune.objects.get(insee_code="32013")
    commune.name = "Auch-Ville d’Été"
    commune.save()
    commune.refresh_from_db()
    assert commune.search_name == "auch ville d ete"


def test_command_output_in_french(db):
    out = io.StringIO()
    call_command("load_territories", stdout=out)
    text = out.getvalue()
    assert "Intercommunalités : 17 créé(s), 0 mis à jour, 0 inchangé(s)." in text
    assert "Cantons : 18 créé(s), 0 mis à jour, 0 inchangé(s)." in text
    assert "Communes : 458 créé(s), 0 mis à jour, 0 inchangé(s)." in text
    assert "Données de référence chargées." in text

    out = io.StringIO()
    call_command("load_territories", stdout=out)
    text = out.getvalue()
    assert "Communes : 0 créé(s), 0 mis à jour, 458 inchangé(s)." in text
    assert "rien n’a été modifié" in text
