"""Crash and resume with the real worker: `manage.py db_worker` in a subprocess, killed (SIGKILL) mid-send.

The worker shares the test database (a SQLite file copied from and back into the in-memory test database, or
PostgreSQL's test database) and sends to a loopback SMTP server that counts what it receives.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from newsletter import sending
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from newsletter.tasks import send_campaign

from .conftest import SMTPServer, make_subscribers
from .smtp_sink import SinkProcess

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CONNECTIONS = 4


class SharedDatabase:
    """The test database as the worker process sees it."""

    def __init__(self, tmp_path):
        self.sqlite = connection.vendor == "sqlite"
        self.path = tmp_path / "worker.sqlite3"

    @property
    def name(self):
        return str(self.path) if self.sqlite else connection.settings_dict["NAME"]

    def push(self):
        if self.sqlite:  # the in-memory test database → a file the worker opens
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()

    def pull(self):
        if self.sqlite:  # what the worker wrote → back into the test database
            connection.close()
            connection.ensure_connection()
            source = sqlite3.connect(self.path)
            source.backup(connection.connection)
            source.close()


def worker_env(database, smtp_port, rate_per_minute=0):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.newsletter.worker_settings",
        NEWSLETTER_TEST_DATABASE=database.name,
        NEWSLETTER_TEST_SMTP_PORT=str(smtp_port),
        NEWSLETTER_RATE_PER_MINUTE=str(rate_per_minute),
        NEWSLETTER_SMTP_CONNECTIONS=str(CONNECTIONS),
        NEWSLETTER_BATCH_SIZE="50",
        # A killed worker's lease expires quickly, so that the resumed one does not wait long.
        NEWSLETTER_LEASE_SECONDS="2",
        NEWSLETTER_RETRY_BACKOFF="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args, env, log, wait=True, timeout=120):
    command = [sys.executable, "manage.py", *args]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    if wait:
        assert process.wait(timeout=timeout) == 0, Path(log.name).read_text()
    return process


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.02)


def start_send(issue, count):
    make_subscribers(count)
    campaign = sending.create_campaign(issue, enqueue=False)
    with override_settings(TASKS=DB_TASKS):
        send_campaign.enqueue(campaign.pk)
    return campaign


def kill_and_resume(database, env, log, worker):
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    # The killed task stays "running" in django-tasks' table: a new worker alone would not touch it. The resume
    # command queues the send again; the new worker waits for the dead one's lease to expire, then goes on.
    manage("newsletter_resume", env=env, log=log)
    manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env, log=log, timeout=180)
    database.pull()


def test_worker_killed_at_a_random_moment(tmp_path, issue):
    total = 300
    campaign = start_send(issue, total)
    database = SharedDatabase(tmp_path)
    database.push()
    sink = SinkProcess(tmp_path / "smtp.log").start()
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 — closed below, read on failure
    try:
        # Paced at 100 messages a second, so that the kill lands in the middle of the send.
        env = worker_env(database, sink.port, rate_per_minute=6000)
        worker = manage(
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
            env=env,
            log=log,
            wait=False,
        )
        wait_until(lambda: len(sink.received()) >= total // 3, 60, "the worker sent nothing")
        kill_and_resume(database, env, log, worker)
        at_the_end = sink.received()
    finally:
        sink.stop()
        log.close()

    counts = Counter(recipient for recipient, _message_id in at_the_end)
    assert [address for address, n in counts.items() if n > 1] == []  # no duplicate, ever
    uncertain = set(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).values_list(
            "subscriber__email", flat=True
        )
    )
    assert len(uncertain) <= CONNECTIONS
    expected = set(Delivery.objects.filter(campaign=campaign).values_list("subscriber__email", flat=True))
    # No lost recipient: each got the letter, except possibly an uncertain one (killed between the claim and the
    # server's answer), which the report names. On loopback the server always has it.
    assert expected - set(counts) <= uncertain
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == total - len(
        uncertain
    )
    assert Campaign.objects.get().status == CampaignStatus.DONE
    report = sending.campaign_report(Campaign.objects.get())
    assert {d.subscriber.email for d in report.uncertain} == uncertain


def test_worker_killed_while_the_server_holds_its_answers(tmp_path, issue):
    """Killed after the end of data left but before the answer came: those messages were received (the server
    has them), their rows are uncertain, and the resumed worker does not send them again."""
    total = 120
    campaign = start_send(issue, total)
    database = SharedDatabase(tmp_path)
    database.push()
    server = SMTPServer().start()
    server.handler.hold_after = 40
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    try:
        env = worker_env(database, server.port)
        worker = manage(
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
            env=env,
            log=log,
            wait=False,
        )
        assert server.handler.held.wait(60), Path(log.name).read_text()
        time.sleep(0.5)  # let the other connections reach the held state too
        held = server.handler.count() - 40
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        server.handler.hold_after = None
        server.release_held()
        manage("newsletter_resume", env=env, log=log)
        manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env, log=log, timeout=180)
        database.pull()
    finally:
        server.stop()
        log.close()

    counts = server.handler.recipients()
    assert len(counts) == total  # none lost
    assert set(counts.values()) == {1}  # none twice
    uncertain = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING)
    assert 1 <= uncertain.count() == held <= CONNECTIONS
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == total - held
    output = subprocess.run(
        [sys.executable, "manage.py", "newsletter_resume", "--campaign", str(campaign.pk)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    database.pull()
    assert f"{held} incertains" in output
