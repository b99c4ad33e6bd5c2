#!/usr/bin/env python
"""Benchmark of the observatory (issue 7): coverage computation at 10k services, and page renders from stored results.

Run from the checkout:  .venv/bin/python benchmarks/observatory_coverage.py [--services N] [--renders N] [--profile]

- Builds a throwaway database (a SQLite file in a temporary directory, or Django's test database next to the one
  named by DATABASE_URL), loads the Gers reference data (all communes, EPCIs, cantons) and bulk-inserts published
  services around the communes (weighted by population, 1–3 categories each, two services per place), plus
  itinerant tours with upcoming stops. Never the dev database.
- Times `observatory.coverage.compute()` end to end: reading the directory, every commune × every category
  (nearest service or stop), the summaries and territory counts, and storing the results.
- Then renders, through the Django test client in process, the département page, an EPCI portrait and the coverage
  page from the stored results, and prints p50/p95/max per page, CPU time alongside (wall-clock time moves with
  the machine's load, CPU time barely does), and the ratio of each p95 to the bar.

Bars (issue 7): computation ≤ 5 s for all communes × all categories × 10k services; page render p95 ≤ 100 ms.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

SEED = 20260307
BAR_COMPUTE_S = 5.0
BAR_RENDER_P95_MS = 100.0
TOURS = 4
STOPS_PER_TOUR = 40

sys.path.insert(0, str(BASE_DIR / "benchmarks"))
from directory_search import bulk_insert, create_database  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000, help="published services (default 10,000)")
    parser.add_argument("--renders", type=int, default=60, help="renders per page (default 60)")
    parser.add_argument("--profile", action="store_true", help="cProfile one computation")
    return parser.parse_args()


def generate(size, rng):
    """Bulk-insert `size` published services on size/2 places around the communes, and a few tours."""
    from directory.listings.models import unit_vector
    from directory.listings.vocabulary import GeocodingPrecision, OrganisationKind, ServiceKind
    from directory.models import Category, Organisation, Place, Service, Stop, Tour
    from directory.tours.models import StopStatus
    from territories.models import Commune

    categories = list(Category.objects.all())
    communes = list(Commune.objects.all())
    weights = [max(c.population, 50) ** 0.5 for c in communes]
    organisations = [
        Organisation(
            id=i + 1, name=f"Structure {i + 1}", slug=f"structure-{i + 1}", kind=OrganisationKind.ASSOCIATION
        )
        for i in range(60)
    ]
    Organisation.objects.bulk_create(organisations)
    n_places = max(size // 2, 1)
    places, place_rows = [], []
    for i, town in enumerate(rng.choices(communes, weights, k=n_places)):
        lat = round(rng.gauss(town.latitude, 0.012), 6)
        lon = round(rng.gauss(town.longitude, 0.017), 6)
        places.append((i + 1, (lat, lon, *unit_vector(lat, lon))))
        place_rows.append(
            (i + 1, organisations[i % 60].pk, f"Lieu {i + 1}", town.pk, lat, lon, *unit_vector(lat, lon))
        )
    bulk_insert(
        Place(address="place de la Mairie", geocoding_precision=GeocodingPrecision.MANUAL),
        [
            "id",
            "organisation_id",
            "name",
            "commune_id",
            "latitude",
            "longitude",
            "unit_x",
            "unit_y",
            "unit_z",
        ],
        place_rows,
    )
    kinds = [ServiceKind.PERMANENCE] * 5 + [ServiceKind.PARTNER_OFFER] * 4 + [ServiceKind.THIRD_PLACE]
    rows, links = [], []
    # Some categories are rare (as in real data): they are the ones with distant communes.
    category_weights = [1 + 6 * (i % 3 == 0) + 2 * (i % 3 == 1) for i in range(len(categories))]
    for i in range(size):
        place_id, point = places[i % n_places]
        chosen = set(rng.choices(categories, category_weights, k=rng.choice((1, 1, 2, 2, 3))))
        title = f"Service {i + 1}"
        rows.append(
            (
                i + 1,
                organisations[i % 60].pk,
                place_id,
                rng.choice(kinds),
                title,
                f"service-{i + 1}",
                title.lower(),
                *point,
            )
        )
        links += [(i + 1, c.pk) for c in chosen]
    bulk_insert(
        Service(live=True, summary="Un accueil."),
        [
            "id",
            "organisation_id",
            "place_id",
            "kind",
            "title",
            "slug",
            "search_title",
            "latitude",
            "longitude",
            "unit_x",
            "unit_y",
            "unit_z",
        ],
        rows,
    )
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Service.categories.through._meta.db_table)
        cursor.executemany(f"INSERT INTO {table} (service_id, category_id) VALUES (%s, %s)", links)  # noqa: S608

    today = dt.date.today()
    for t in range(TOURS):
        service = Service.objects.create(
            organisation=organisations[t],
            kind=ServiceKind.ITINERANT,
            title=f"Tournée {t + 1}",
            summary="Le camping-car.",
            on_site=False,
            live=True,
        )
        service.categories.set(rng.sample(categories, 3))
        service.save()
        tour = Tour.objects.create(organisation=organisations[t], service=service, name=f"Tournée {t + 1}")
        stops = []
        for s in range(STOPS_PER_TOUR):
            town = rng.choice(communes)
            stops.append(
                Stop(
                    tour=tour,
                    commune=town,
                    place_name="Place",
                    latitude=town.latitude,
                    longitude=town.longitude,
                    date=today + dt.timedelta(days=s * 2),
                    start_time=dt.time(9),
                    end_time=dt.time(12),
                    status=StopStatus.SCHEDULED,
                )
            )
        Stop.objects.bulk_create(stops)
    return len(communes), len(categories)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def time_pages(client, urls, renders, cold):
    """Per page: wall and CPU milliseconds per render. cold: the cache is emptied before each render, so every
    figure is read from the stored rows and drawn again; warm: the fragments of the current run are cached."""
    from django.core.cache import cache

    results = {}
    for label, url in urls:
        expected = 404 if "inconnue" in url else 200
        response = client.get(url)  # warm-up: template compilation, URL resolving
        assert response.status_code == expected, (url, response.status_code)
        wall, cpu = [], []
        for _ in range(renders):
            if cold:
                cache.clear()
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            assert response.status_code == expected
        results[label] = (wall, cpu, len(response.content))
    return results


def report_pages(results, title):
    print(title)
    failed = False
    for label, (wall, cpu, size) in results.items():
        p95 = percentile(wall, 0.95)
        failed |= p95 > BAR_RENDER_P95_MS
        print(
            f"  {label:<55} p50 {statistics.median(wall):6.1f} ms  p95 {p95:6.1f} ms  max {max(wall):6.1f} ms  "
            f"(CPU p50 {statistics.median(cpu):.1f}, p95 {percentile(cpu, 0.95):.1f} ms; {size / 1024:.0f} KiB) "
            f"= {p95 / BAR_RENDER_P95_MS:.2f} × the bar"
        )
    return failed


def main():
    import logging

    args = parse_args()
    # The reference render is a 404 page: Django would log each one.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    tmpdir = tempfile.mkdtemp(prefix="observatory-bench-")
    try:
        name = create_database(tmpdir)
        from territories.loading import load_reference_data

        load_reference_data()
        rng = random.Random(SEED)
        started = time.perf_counter()
        with transaction.atomic():
            n_communes, n_categories = generate(args.services, rng)
        print(f"Observatory benchmark — {connection.vendor}, database {name}")
        print(
            f"{args.services:,} services, {n_communes} communes × {n_categories} categories, {TOURS} tours × "
            f"{STOPS_PER_TOUR} stops (generated in {time.perf_counter() - started:.1f} s); "
            f"load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())}"
        )
        from observatory.coverage import compute

        timings = []
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.thread_time()
            run = compute()
            timings.append((time.perf_counter() - started, time.thread_time() - started_cpu))
        best = min(t for t, _c in timings)
        best_cpu = min(c for _t, c in timings)
        print(
            f"\nCoverage computation (3 runs): {', '.join(f'{t:.2f} s' for t, _c in timings)}; best {best:.2f} s "
            f"(CPU {best_cpu:.2f} s); {run.communes.count():,} distances stored, {run.stop_count} upcoming stops"
        )
        verdict = "PASS" if best <= BAR_COMPUTE_S else "FAIL"
        print(
            f"{verdict}: computation {best:.2f} s = {best / BAR_COMPUTE_S:.2f} × the bar (≤ {BAR_COMPUTE_S:.0f} s)"
        )
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(compute)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)

        from observatory.portraits import epci_slug
        from territories.models import Epci

        epci = Epci.objects.order_by("-population").first()
        urls = [
            ("département /observatoire/", "/observatoire/"),
            (f"EPCI /observatoire/{epci_slug(epci)}/", f"/observatoire/{epci_slug(epci)}/"),
            ("couverture /observatoire/couverture/", "/observatoire/couverture/?category=sante"),
        ]
        client = Client()
        # The site's own layout (header, menu, footer): the floor under every page, measured on the 404 page.
        layout = time_pages(
            client, [("site layout only (404 page)", "/observatoire/inconnue/")], args.renders, True
        )
        cold = time_pages(client, urls, args.renders, cold=True)
        warm = time_pages(client, urls, args.renders, cold=False)
        print(f"\nPage renders from stored results ({args.renders} each, django.test.Client in process):")
        report_pages(layout, "Reference:")
        cold_failed = report_pages(
            cold, "Cold (cache emptied before each render: stored rows read and drawn each time):"
        )
        warm_failed = report_pages(
            warm, "Warm (figures of the current run cached, service lists still live):"
        )
        print(
            f"{'FAIL' if warm_failed else 'PASS'}: page render p95 ≤ {BAR_RENDER_P95_MS:.0f} ms on every page (warm); "
            f"cold: {'FAIL' if cold_failed else 'pass'}"
        )
        live = [
            ("map /annuaire/carte/ (first 50 rows)", "/annuaire/carte/?category=sante"),
            ("map data /annuaire/carte/services.geojson", "/annuaire/carte/services.geojson"),
        ]
        report_pages(
            time_pages(client, live, max(args.renders // 3, 5), cold=False),
            "For information, the live map (no bar: it reads the directory, not stored results):",
        )
        if args.profile:
            import cProfile
            import pstats

            from django.test.utils import CaptureQueriesContext

            client = Client()
            for label, url in urls:
                with CaptureQueriesContext(connection) as captured:
                    client.get(url)
                queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
                total = sum(float(q["time"]) for q in queries) * 1000
                print(f"\n{label}: {len(queries)} SQL queries, {total:.1f} ms; slowest:")
                for query in queries[:4]:
                    print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(10):
                    client.get(url)
                profiler.disable()
                print(f"\ncProfile of 10 renders: {label}")
                pstats.Stats(profiler).sort_stats(
                    os.environ.get("BENCH_PROFILE_SORT", "tottime")
                ).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "15")))
    finally:
        connection.creation.destroy_test_db(name if "name" in locals() else None, verbosity=0)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
