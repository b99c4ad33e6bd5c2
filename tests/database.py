"""Copies of the test database, so that nothing is built twice.

One migration per test run: the first xdist worker migrates its test database, the others copy it.

Rendering the migration states of Wagtail, Django and the project costs about a minute of CPU; done once per
worker it was the largest part of the suite's set-up. The first worker to take the run's lock migrates as
before (so the migrations still run on every `make test`), then leaves a copy: a file for SQLite, a template
database for PostgreSQL. The next workers take that copy and let Django's `migrate` find nothing to apply.
"""

import copy
import fcntl
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

TEMPLATE_NAMES = "postgresql-templates"


class MigratedCopy:
    """The run's migrated database, shared by the xdist workers through files in the run's temporary folder."""

    def __init__(self, run_dir: Path, worker_id: str):
        self.run_dir = Path(run_dir)
        self.worker_id = worker_id
        self.sqlite_file = self.run_dir / "migrated.sqlite3"
        self.ready = self.run_dir / "migrated.ready"
        self._keeper = None

    @staticmethod
    def supports(aliases) -> bool:
        """Only the one default database, in memory on SQLite or on PostgreSQL; anything else migrates as usual."""
        from django.db import connections

        if set(aliases) != {"default"}:
            return False
        connection = connections["default"]
        if connection.vendor == "postgresql":
            return True
        return connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
            connection.creation._get_test_db_name()
        )

    @contextmanager
    def lock(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "migrated.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _connection(self):
        from django.db import connections

        return connections["default"]

    def _postgresql_template(self):
        test_name = self._connection().creation._get_test_db_name()
        # pytest-django names each worker's database test_<name>_<worker id>.
        return test_name.removesuffix(f"_{self.worker_id}") + "_migrated"

    def restore(self) -> bool:
        """Give this worker's test database the migrated copy, if another worker made it; False if none yet."""
        if not self.ready.exists():
            return False
        connection = self._connection()
        if connection.vendor == "sqlite":
            # A shared-cache in-memory database lives while one connection to it is open: this one holds the
            # copy until Django's own connection (same name) opens it.
            self._keeper = sqlite3.connect(connection.creation._get_test_db_name(), uri=True)
            source = sqlite3.connect(f"file:{self.sqlite_file}?mode=ro", uri=True)
            try:
                source.backup(self._keeper)
            finally:
                source.close()
        else:
            quote = connection.ops.quote_name
            target = quote(connection.creation._get_test_db_name())
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {target}")
                cursor.execute(f"CREATE DATABASE {target} TEMPLATE {quote(self._postgresql_template())}")
        return True

    def restored(self):
        """Django's connection has the copy open: the keeper can go."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    def save(self):
        """Leave this worker's freshly migrated test database for the others."""
        connection = self._connection()
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            partial = self.sqlite_file.with_suffix(".partial")
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            os.replace(partial, self.sqlite_file)
        else:
            quote = connection.ops.quote_name
            template = self._postgresql_template()
            source = connection.settings_dict["NAME"]
            # CREATE DATABASE … TEMPLATE needs the source database without any session.
            connection.close()
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
                cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(source)}")
            with (self.run_dir / TEMPLATE_NAMES).open("a") as names:
                names.write(template + "\n")
        self.ready.touch()


def drop_postgresql_templates(run_dir: Path):
    """The controller's last step: drop the template databases the workers left (none on SQLite)."""
    names_file = Path(run_dir) / TEMPLATE_NAMES
    if not names_file.exists():
        return
    from django.db import connections

    connection = connections["default"]
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        for name in set(names_file.read_text().split()):
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
    names_file.unlink()


class DataCopies:
    """What transactional tests build, built by the first test of a worker that asks for it and copied back after.

    A transactional test's database is flushed after it, so each browser test built its data again: the demo site,
    the communes, the whole demo (2–9 s each). The first test asking for a name builds it and the whole database
    is copied (SQLite: a backup in memory; PostgreSQL: a schema holding a copy of each table); the next tests
    asking for that name get the copy back, rows, ids and sequences alike (milliseconds on SQLite, 0.1–0.4 s on
    PostgreSQL).
    """

    def __init__(self):
        self.copies = {}

    def provide(self, name, build, start_from=None):
        """The database as `build()` leaves it, and build's value (a deep copy of the first one).

        `start_from`: the name of the database `build()` starts from; the first call keeps the database as it
        finds it under that name (the worker's freshly migrated database, for the first test).
        """
        from django.db import connections

        connection = connections["default"]
        if name in self.copies:
            handle, value = self.copies[name]
            self._restore(connection, handle)
            return copy.deepcopy(value)
        if start_from is not None:
            self.provide(start_from, lambda: None)
        value = build()
        self.copies[name] = (self._save(connection, len(self.copies)), copy.deepcopy(value))
        return value

    @staticmethod
    def _save(connection, index):
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            saved = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(saved)
            return saved
        quote = connection.ops.quote_name
        schema = f"data_copy_{index}"
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            cursor.execute(f"CREATE SCHEMA {schema}")
            for table in tables:
                cursor.execute(
                    f"CREATE UNLOGGED TABLE {schema}.{quote(table)} AS TABLE public.{quote(table)}"
                )
            filled = _filled_tables(cursor, quote, schema, tables)
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
        return schema, tables, filled, superuser

    @staticmethod
    def _restore(connection, handle):
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            # Replaces the whole database, sqlite_sequence included. The live server shares this connection.
            handle.backup(connection.connection)
            return
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import transaction

        schema, tables, filled, superuser = handle
        quote = connection.ops.quote_name
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if superuser:
                # Rows copied as they were need no foreign-key check: without the checks, only the tables
                # holding rows on either side are emptied and filled (a few dozen of about 200).
                cursor.execute("SET LOCAL session_replication_role = replica")
                touched = set(filled) | set(_filled_tables(cursor, quote, "public", tables))
                for table in touched:
                    cursor.execute(f"DELETE FROM public.{quote(table)}")  # noqa: S608
            else:
                # Django's foreign keys are deferred: the tables fill in any order within the transaction.
                touched = set(tables)
                cursor.execute("TRUNCATE " + ", ".join(f"public.{quote(table)}" for table in tables))
            for table in filled:
                cursor.execute(f"INSERT INTO public.{quote(table)} SELECT * FROM {schema}.{quote(table)}")  # noqa: S608
            models = [
                model
                for model in apps.get_models(include_auto_created=True)
                if model._meta.db_table in touched
            ]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


def _filled_tables(cursor, quote, schema, tables):
    """The tables of `schema` holding at least one row, in one query."""
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT {index} WHERE EXISTS (SELECT 1 FROM {schema}.{quote(table)})"  # noqa: S608
            for index, table in enumerate(tables)
        )
    )
    return [tables[index] for (index,) in cursor.fetchall()]
