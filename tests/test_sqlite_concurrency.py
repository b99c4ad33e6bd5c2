"""SQLite as configured (embedded default): the web server and `make worker` write at the same time without
"database is locked".

Two threads, each with its own connection to one file database (the test database is in memory, shared by
nothing): one holds a write transaction for a moment, as a background task does; the other publishes meanwhile,
reading a row then writing it in one transaction, as Wagtail's publish does. With deferred transactions the
second one's read snapshot is stale once the first commits, and SQLite answers "database is locked" at once,
whatever the timeout; immediate transactions wait for the lock instead.
"""

import threading

import pytest
from django.conf import settings
from django.db import connections, transaction

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's locking only: PostgreSQL has row locks",
)


ALIASES = ("sqlite-worker", "sqlite-web")


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """Two aliases on one file, with the project's own SQLite settings (OPTIONS included); each thread that uses
    an alias gets its own connection."""
    configured = {**settings.DATABASES["default"], "NAME": str(tmp_path / "concurrent.sqlite3"), "TEST": {}}
    configured = connections.configure_settings({"default": configured})["default"]
    connections.settings.update(dict.fromkeys(ALIASES, configured))
    with django_db_blocker.unblock():
        with connections["sqlite-worker"].cursor() as cursor:
            cursor.execute("CREATE TABLE listing (id INTEGER PRIMARY KEY, title TEXT, live INTEGER)")
            cursor.execute("CREATE TABLE task (id INTEGER PRIMARY KEY, done INTEGER)")
            cursor.execute("INSERT INTO listing VALUES (1, 'Épicerie solidaire', 0)")
            cursor.execute("INSERT INTO task VALUES (1, 0)")
        yield
        for alias in ALIASES:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def test_settings_ask_for_immediate_transactions_and_a_lock_timeout():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"] and "synchronous=FULL" in options["init_command"]


def test_a_publish_during_a_worker_write_transaction_waits_instead_of_failing(file_database):
    worker_wrote = threading.Event()
    publisher_started = threading.Event()
    failures = []

    def worker():
        try:
            with transaction.atomic(using="sqlite-worker"), connections["sqlite-worker"].cursor() as cursor:
                cursor.execute("UPDATE task SET done = 1 WHERE id = 1")
                worker_wrote.set()
                # Holds its write lock a moment, while the publisher starts (or waits to start) its transaction.
                publisher_started.wait(timeout=1)
        except Exception as exc:  # reported below, with the publisher's
            failures.append(("worker", exc))
        finally:
            worker_wrote.set()
            connections["sqlite-worker"].close()

    def publisher():
        worker_wrote.wait()
        try:
            with transaction.atomic(using="sqlite-web"), connections["sqlite-web"].cursor() as cursor:
                cursor.execute("SELECT live FROM listing WHERE id = 1")
                cursor.fetchone()
                publisher_started.set()
                cursor.execute("UPDATE listing SET live = 1 WHERE id = 1")
        except Exception as exc:
            failures.append(("publisher", exc))
        finally:
            publisher_started.set()
            connections["sqlite-web"].close()

    threads = [threading.Thread(target=worker), threading.Thread(target=publisher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with connections["sqlite-web"].cursor() as cursor:
        cursor.execute("SELECT (SELECT live FROM listing), (SELECT done FROM task)")
        assert cursor.fetchone() == (1, 1)
