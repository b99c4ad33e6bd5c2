"""Coverage analysis: nearest distances, itinerant stops, thresholds, storage, the command and the background task."""

import random

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import task
from django_tasks.signals import task_enqueued

from directory.listings.vocabulary import ServiceKind, ServiceStatus
from directory.models import Service
from directory.tours.models import StopStatus
from observatory.coverage import Help, NearestIndex, compute, latest_run
from observatory.models import CategoryCoverage, CommuneCoverage, CoverageRun
from territories.gazetteer import haversine_km
from territories.models import Commune
from tests.directory.factories import ServiceFactory, commune

from .conftest import add_stops, make_tour

AUCH, CONDOM, LECTOURE, MIRANDE, NOGARO = "32013", "32107", "32208", "32256", "32296"


def cell(run, insee_code, category_slug):
    return CommuneCoverage.objects.get(run=run, commune__insee_code=insee_code, category__slug=category_slug)


def test_nearest_index_agrees_with_brute_force_haversine():
    rng = random.Random(7)
    points = [
        Help(rng.uniform(43.2, 44.1), rng.uniform(-0.3, 1.2), f"p{i}", "", service_id=i) for i in range(1500)
    ]
    index = NearestIndex(points)
    for _ in range(300):
        lat, lon = rng.uniform(43.0, 44.4), rng.uniform(-0.6, 1.5)
        expected = min(points, key=lambda p: haversine_km(lat, lon, p.latitude, p.longitude))
        found = index.nearest(lat, lon)
        assert found.help == expected
        assert found.distance_km == pytest.approx(
            haversine_km(lat, lon, expected.latitude, expected.longitude), abs=1e-6
        )


def test_nearest_index_without_points_answers_none():
    found = NearestIndex([]).nearest(43.6, 0.5)
    assert found.distance_km is None and found.help is None


def test_distances_on_a_known_configuration(gers):
    auch, condom = commune(AUCH), commune(CONDOM)
    # One food service in Auch, 2 km north of its centre; one in Condom, at its centre.
    in_auch = ServiceFactory(
        title="Épicerie d'Auch",
        categories=["alimentation"],
        place__latitude=auch.latitude + 0.018,
        place__longitude=auch.longitude,
    )
    in_condom = ServiceFactory(title="Colis de Condom", categories=["alimentation"], place__commune=condom)
    run = compute()

    at_auch = cell(run, AUCH, "alimentation")
    assert at_auch.nearest_service == in_auch
    assert at_auch.distance_km == pytest.approx(
        haversine_km(auch.latitude, auch.longitude, auch.latitude + 0.018, auch.longitude), abs=1e-3
    )
    assert at_auch.nearest_label == "Épicerie d'Auch" and at_auch.nearest_commune == "Auch"
    assert cell(run, CONDOM, "alimentation").distance_km == 0
    assert cell(run, CONDOM, "alimentation").nearest_service == in_condom
    # Lectoure is nearer Auch's service than Condom's? Whichever it is, it is the haversine minimum.
    lectoure = commune(LECTOURE)
    candidates = {
        in_auch: haversine_km(lectoure.latitude, lectoure.longitude, auch.latitude + 0.018, auch.longitude),
        in_condom: haversine_km(lectoure.latitude, lectoure.longitude, condom.latitude, condom.longitude),
    }
    nearest = min(candidates, key=candidates.get)
    at_lectoure = cell(run, LECTOURE, "alimentation")
    assert at_lectoure.nearest_service == nearest
    assert at_lectoure.distance_km == pytest.approx(candidates[nearest], abs=1e-3)
    # Every commune × every category is stored; a category nobody offers has no distance at all.
    assert run.communes.count() == Commune.objects.count() * 11
    assert cell(run, AUCH, "logement").distance_km is None
    assert cell(run, AUCH, "logement").nearest_label == ""


def test_thresholds_count_communes_and_residents_beyond_10_20_30_km(gers):
    auch = commune(AUCH)
    ServiceFactory(categories=["sante"], place__commune=auch)
    run = compute()
    summary = CategoryCoverage.objects.get(run=run, category__slug="sante")
    for threshold in (10, 20, 30):
        beyond = [
            c
            for c in Commune.objects.all()
            if round(haversine_km(c.latitude, c.longitude, auch.latitude, auch.longitude), 3) > threshold
        ]
        assert getattr(summary, f"communes_over_{threshold}") == len(beyond)
        assert getattr(summary, f"population_over_{threshold}") == sum(c.population for c in beyond)
    assert 0 < summary.communes_over_30 < summary.communes_over_20 < summary.communes_over_10
    # Nobody offers housing help: every commune and every resident is beyond every threshold.
    nothing = CategoryCoverage.objects.get(run=run, category__slug="logement")
    total = sum(Commune.objects.values_list("population", flat=True))
    assert nothing.communes_over_10 == nothing.communes_over_30 == Commune.objects.count()
    assert nothing.population_over_30 == total
    assert nothing.max_distance_km is None and nothing.mean_distance_km is None


def test_itinerant_stops_count_with_their_frequency(gers):
    service = ServiceFactory(
        title="Camping-car France Services",
        kind=ServiceKind.ITINERANT,
        place=None,
        on_site=False,
        categories=["numerique"],
    )
    tour = make_tour(service=service, onboard=["acces-aux-droits"])
    add_stops(tour, MIRANDE, days=[3, 33, 63])
    add_stops(tour, NOGARO, days=[5], status=StopStatus.CANCELLED)  # cancelled: does not count
    add_stops(tour, CONDOM, days=[120])  # beyond the 90 days
    add_stops(tour, LECTOURE, days=[-10])  # past
    run = compute()

    at_mirande = cell(run, MIRANDE, "numerique")
    assert at_mirande.distance_km == 0
    assert at_mirande.nearest_tour == tour and at_mirande.stop_count == 3
    # What can be done on board counts as well as the tour's service's categories.
    assert cell(run, MIRANDE, "acces-aux-droits").distance_km == 0
    mirande = commune(MIRANDE)
    for other in (NOGARO, CONDOM, LECTOURE):
        town = commune(other)
        assert cell(run, other, "numerique").distance_km == pytest.approx(
            haversine_km(town.latitude, town.longitude, mirande.latitude, mirande.longitude), abs=1e-3
        )
    assert run.stop_count == 3


def test_tours_and_services_that_are_not_published_do_not_count(gers, client):
    hidden = ServiceFactory(title="Service caché", categories=["budget"], live=False)
    planned = ServiceFactory(title="Ouverture prévue", categories=["budget"], status=ServiceStatus.PLANNED)
    draft_tour = make_tour(onboard=["budget"], live=False)
    add_stops(draft_tour, AUCH, days=[2])
    run = compute()
    assert (
        CommuneCoverage.objects.filter(run=run, category__slug="budget", distance_km__isnull=False).count()
        == 0
    )
    assert not CommuneCoverage.objects.filter(nearest_service__in=[hidden, planned]).exists()
    page = client.get("/observatoire/couverture/", {"category": "budget"}).content.decode()
    assert "Service caché" not in page and "Ouverture prévue" not in page


def test_stored_results_are_what_pages_show_until_the_next_run(gers, client):
    ServiceFactory(title="Premier", categories=["emploi"], place__commune=commune(CONDOM))
    first = compute()
    page = client.get("/observatoire/couverture/", {"category": "emploi"}).content.decode()
    assert "Données au" in page and timezone.localtime(first.computed_at).date().isoformat() in page
    assert "Premier" in page
    # A service saved without a publication (no signal): the stored results stay as they were.
    ServiceFactory(title="Second", categories=["emploi"], place__commune=commune(MIRANDE))
    export = client.get("/observatoire/couverture.csv", {"category": "emploi"}).content.decode()
    assert "Second" not in export
    second = compute()
    assert CoverageRun.objects.get() == second  # the older run is replaced, not kept
    assert latest_run() == second
    export = client.get("/observatoire/couverture.csv", {"category": "emploi"}).content.decode()
    assert "Second" in export and "Premier" in export


def test_compute_coverage_command(gers):
    ServiceFactory(categories=["famille"])
    out = call_command_output("compute_coverage", "--horizon", "30")
    assert "Couverture calculée" in out
    assert latest_run().horizon_days == 30
    with pytest.raises(CommandError, match="horizon"):
        call_command("compute_coverage", "--horizon", "0")


def call_command_output(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def enqueued():
    names = []

    def record(sender, task_result, **kwargs):
        # Wagtail enqueues tasks of its own on publication (search index, references): only ours here.
        if task_result.task.name == "compute_coverage":
            names.append(task_result.task.name)

    task_enqueued.connect(record)
    yield names
    task_enqueued.disconnect(record)


def test_publishing_enqueues_the_computation(gers, enqueued, django_capture_on_commit_callbacks):
    service = ServiceFactory(title="Aide au budget", categories=["budget"], live=False)
    assert latest_run() is None
    with django_capture_on_commit_callbacks(execute=True):
        service.save_revision().publish()
    # The test settings run tasks at once: the run exists and counts the new service.
    assert enqueued == ["compute_coverage"]
    run = latest_run()
    assert cell(run, AUCH, "budget").nearest_service == service

    service.refresh_from_db()  # publishing worked on a copy from the revision
    with django_capture_on_commit_callbacks(execute=True):
        service.unpublish()
    assert enqueued == ["compute_coverage"] * 2
    assert cell(latest_run(), AUCH, "budget").distance_km is None

    other = ServiceFactory(categories=["budget"])
    with django_capture_on_commit_callbacks(execute=True):
        other.save_revision().publish()
    assert cell(latest_run(), AUCH, "budget").nearest_service == other
    with django_capture_on_commit_callbacks(execute=True):
        Service.objects.get(pk=other.pk).delete()
    assert len(enqueued) == 4
    assert cell(latest_run(), AUCH, "budget").distance_km is None


def test_one_computation_per_transaction(gers, enqueued, django_capture_on_commit_callbacks):
    tour = make_tour(onboard=["mobilite"])
    with django_capture_on_commit_callbacks(execute=True):
        add_stops(tour, AUCH, days=[1, 8, 15, 22])
    assert enqueued == ["compute_coverage"]
    assert cell(latest_run(), AUCH, "mobilite").stop_count == 4


def test_the_worker_computes_the_figures_before_a_backlog_of_index_updates(db, settings):
    """A fresh deployment or a big import queues hundreds of search and reference index updates: the officials'
    figures ("les chiffres sont en cours de calcul") must not wait behind all of them."""
    from django_tasks_db.models import DBTaskResult

    from observatory.tasks import compute_coverage

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(3):
        update_an_index.enqueue()
    compute_coverage.enqueue()
    update_an_index.enqueue()
    assert DBTaskResult.objects.ready().first().task_path == "observatory.tasks.compute_coverage"


@task
def update_an_index():
    """Stands for the index updates Wagtail queues at default priority."""
