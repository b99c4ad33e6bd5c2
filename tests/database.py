"""One migration per test run: the first xdist worker migrates its test database, the others copy it.

Rendering the migration states of Wagtail, Django and the project costs about a minute of CPU; done once per
worker it was the largest part of the suite's set-up. The first worker to take the run's lock migrates as
before (so the migrations still run on every `make test`), then leaves a copy: a file for SQLite, a template
database for PostgreSQL. The next workers take that copy and let Django's `migrate` find nothing to apply.
"""

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
