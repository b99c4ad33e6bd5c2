#!/usr/bin/env python
"""Benchmark of the newsletter send (issue 6): 3,000 recipients to a loopback SMTP server.

Run from the checkout:  .venv/bin/python benchmarks/newsletter_send.py [--recipients N] [--profile]

- Builds a throwaway database: a SQLite file in a temporary directory, or Django's test database next to the one
  named by DATABASE_URL (PostgreSQL: created and dropped here). Never the dev database.
- The SMTP server (aiosmtpd) runs in its own process, so that it does not share the GIL with the sender; it
  logs each accepted message (recipient and Message-ID), which is how delivery is checked.
- Reference: a bare smtplib loop on one connection sending the very same messages (built beforehand, so the loop
  only talks SMTP). Measured: newsletter.sending.run_campaign, the code the db_worker runs — it builds each
  message with Django's e-mail framework, claims its row in the database before the end of data, records the
  outcome, in batches of NEWSLETTER_BATCH_SIZE over NEWSLETTER_SMTP_CONNECTIONS connections (default settings),
  pacing off (NEWSLETTER_RATE_PER_MINUTE=0).
- Alternates the two, --rounds times (loopback timings on a shared machine vary from run to run), and compares
  medians: the throughput ratio (bar: ≥ 0.5). Also prints peak memory (tracemalloc over one more, identical send
  of another issue, and the process's ru_maxrss), and checks every recipient got exactly one message each time.
"""

import argparse
import os
import resource
import shutil
import smtplib
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

BAR_RATIO = 0.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="Alternating runs of each; medians are compared."
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured send (slows it down).")
    parser.add_argument(
        "--sqlite-journal",
        choices=["project", "wal"],
        default="project",
        help="SQLite only: keep the project's journal mode (rollback journal, fsync at every commit) or use WAL.",
    )
    return parser.parse_args()


def create_database(tmpdir):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(tmpdir) / "newsletter_bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection.settings_dict["NAME"]


def configure(port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "https://gerssolidaire.example"
    settings.NEWSLETTER_RATE_PER_MINUTE = 0


def make_issues(count):
    from newsletter.models import NewsletterIndexPage, NewsletterIssuePage
    from tests.factories import make_site

    _site, home = make_site()
    index = NewsletterIndexPage(title="Lettre d'information", slug="lettre")
    home.add_child(instance=index)
    editorial = "".join(
        f"<p>Paragraphe {n} de l'éditorial : les permanences, les ateliers numériques et l'aide alimentaire "
        f'dans le Gers, avec <a href="/annuaire/">l\'annuaire</a> et le Numéro Vert.</p>'
        for n in range(8)
    )
    issues = []
    for number in range(count):
        issue = NewsletterIssuePage(
            title=f"Lettre n° {number + 1}",
            slug=f"lettre-{number + 1}",
            editorial=editorial,
            cta_title="Le Numéro Vert Social",
            cta_text="Appel gratuit, du lundi au vendredi.",
            cta_label="En savoir plus",
            cta_url="https://gerssolidaire.example/numero-vert/",
        )
        index.add_child(instance=issue)
        issue.save_revision().publish()
        issues.append(issue)
    return issues


def make_subscribers(count):
    from newsletter.models import Subscriber, SubscriberStatus

    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"abonne{n:05d}@exemple.fr", status=SubscriberStatus.CONFIRMED)
            for n in range(count)
        ),
        batch_size=1000,
    )


def prebuilt_messages(campaign):
    """The campaign's own messages, built the way the sender builds them, as bytes for smtplib."""
    from newsletter.emails import IssueMailer
    from newsletter.models import Delivery

    mailer = IssueMailer(campaign.subject, campaign.html, campaign.text)
    rows = Delivery.objects.filter(campaign=campaign).values_list(
        "id", "subscriber__email", "subscriber__key"
    )
    messages = []
    for delivery_id, email, key in rows.order_by("id"):
        message = mailer.message(email, key, message_id=mailer.message_id(campaign.pk, delivery_id))
        messages.append((email, message.message().as_bytes(linesep="\r\n")))
    return mailer.from_email, messages


def bare_loop(port, from_email, messages):
    started = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", port)
    for recipient, data in messages:
        client.sendmail(from_email, [recipient], data)
    client.quit()
    return time.perf_counter() - started


def measured_send(campaign_id, profile=False):
    from newsletter.sending import run_campaign

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = run_campaign(campaign_id)
    seconds = time.perf_counter() - started
    if profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return seconds, result


def check_delivery(received, expected):
    counts = Counter(recipient for recipient, _message_id in received)
    duplicates = sum(1 for n in counts.values() if n > 1)
    missing = len(expected - set(counts))
    return duplicates, missing


def main():
    args = parse_args()
    from newsletter.models import Subscriber
    from newsletter.sending import create_campaign
    from tests.newsletter.smtp_sink import SinkProcess

    tmpdir = tempfile.mkdtemp(prefix="newsletter-bench-")
    sink = SinkProcess(Path(tmpdir) / "smtp.log")
    total_started = time.perf_counter()
    try:
        name = create_database(tmpdir)
        sink.start()
        configure(sink.port)
        vendor = connection.vendor
        if vendor == "sqlite":
            with connection.cursor() as cursor:
                if args.sqlite_journal == "wal":
                    cursor.execute("PRAGMA journal_mode=WAL")
                journal = cursor.execute("PRAGMA journal_mode").fetchone()[0]
                synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
            db_label = f"SQLite {connection.Database.sqlite_version} file, journal_mode={journal}, synchronous={synchronous}"
        else:
            db_label = f"{vendor} {connection.pg_version}"
        print(f"Newsletter send benchmark — {args.recipients} recipients, database {db_label} ({name})")
        print(
            f"SMTP: aiosmtpd in its own process on 127.0.0.1:{sink.port}; NEWSLETTER_SMTP_CONNECTIONS="
            f"{settings.NEWSLETTER_SMTP_CONNECTIONS}, NEWSLETTER_BATCH_SIZE={settings.NEWSLETTER_BATCH_SIZE}, pacing off"
        )

        rounds = args.rounds
        issues = make_issues(rounds + 2)
        make_subscribers(args.recipients)
        expected = set(Subscriber.objects.values_list("email", flat=True))

        started = time.perf_counter()
        reference = create_campaign(issues[0], enqueue=False)
        create_seconds = time.perf_counter() - started
        from_email, messages = prebuilt_messages(reference)
        size = sum(len(data) for _recipient, data in messages) / len(messages)
        print(
            f"Campaign creation (render once + {args.recipients} delivery rows): {create_seconds * 1000:.0f} ms"
        )
        print(f"Message size: {size / 1024:.1f} KiB on average (multipart: text + HTML with inlined CSS)")
        print(f"{rounds} rounds, alternating the bare loop and ours (each of ours sends another issue)")
        print()

        n = args.recipients
        bare_times, ours_times, problems = [], [], []
        for number in range(rounds):
            mark = len(sink.received())
            bare_seconds = bare_loop(sink.port, from_email, messages)
            duplicates, missing = check_delivery(sink.received()[mark:], expected)
            if duplicates or missing:
                problems.append(f"bare loop round {number + 1}: {duplicates} duplicates, {missing} missing")
            campaign = create_campaign(issues[number + 1], enqueue=False)
            mark = len(sink.received())
            ours_seconds, result = measured_send(campaign.pk, profile=args.profile and number == 0)
            received = sink.received()[mark:]
            duplicates, missing = check_delivery(received, expected)
            if duplicates or missing or result.get("sent") != n or len(received) != n:
                problems.append(
                    f"ours round {number + 1}: {len(received)} received, {result.get('sent')} rows sent, "
                    f"{duplicates} duplicate recipient(s), {missing} missing"
                )
            bare_times.append(bare_seconds)
            ours_times.append(ours_seconds)
            print(
                f"round {number + 1}: bare {bare_seconds:5.2f} s ({bare_seconds / n * 1000:.2f} ms/msg), "
                f"ours {ours_seconds:5.2f} s ({ours_seconds / n * 1000:.2f} ms/msg), "
                f"ratio {bare_seconds / ours_seconds:.2f}"
            )

        # Memory: one more identical send under tracemalloc (which slows Python down, so not timed).
        from newsletter.sending import run_campaign

        memory_campaign = create_campaign(issues[rounds + 1], enqueue=False)
        tracemalloc.start()
        run_campaign(memory_campaign.pk)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        bare_seconds, ours_seconds = statistics.median(bare_times), statistics.median(ours_times)
        bare_rate, ours_rate = n / bare_seconds, n / ours_seconds
        ratio = ours_rate / bare_rate
        print()
        print(
            f"Bare smtplib loop (median): {bare_seconds:6.2f} s  {bare_rate:6.0f} msg/s  "
            f"({bare_seconds / n * 1000:.2f} ms/msg)"
        )
        print(
            f"run_campaign (median):      {ours_seconds:6.2f} s  {ours_rate:6.0f} msg/s  "
            f"({ours_seconds / n * 1000:.2f} ms/msg)"
        )
        print(f"Throughput ratio ours / bare (medians): {ratio:.2f}")
        print(
            f"Peak memory of one send (tracemalloc): {peak / 1024 / 1024:.1f} MiB; "
            f"process ru_maxrss: {maxrss_mib:.0f} MiB"
        )
        for problem in problems:
            print(f"  {problem}")
        ok_ratio = ratio >= BAR_RATIO
        ok_delivery = not problems
        print(f"{'PASS' if ok_ratio else 'FAIL'}: throughput ratio {ratio:.2f} ≥ {BAR_RATIO}")
        print(
            f"{'PASS' if ok_delivery else 'FAIL'}: every recipient got exactly one message in every send "
            f"({rounds} × {n} by us, {rounds} × {n} by the bare loop)"
        )
        print(f"\nTotal run time: {time.perf_counter() - total_started:.1f} s")
        return 0 if ok_ratio and ok_delivery else 1
    finally:
        sink.stop()
        connection.creation.destroy_test_db(name if "name" in locals() else None, verbosity=0)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
