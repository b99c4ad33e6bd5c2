import os
import shutil

import pytest

REQUIRE_REAL_SERVICES = os.environ.get("REQUIRE_REAL_SERVICES", "").lower() in {"1", "true", "yes"}

# The journeys need the production server that `make journeys` starts (python -m tests.journeys).
collect_ignore = [] if os.environ.get("JOURNEY_BASE_URL") else ["journeys"]


def require_part(available, reason):
    """Skip a test whose real part is missing — except in CI, where a missing part must fail the run."""
    if available:
        return
    if REQUIRE_REAL_SERVICES:
        pytest.fail(f"REQUIRE_REAL_SERVICES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    tmp_path_factory,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up, except that xdist workers migrate once per run (tests/database.py)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests.database import MigratedCopy

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    options = {
        "verbosity": request.config.option.verbose,
        "interactive": False,
        "aliases": aliases,
        "serialized_aliases": serialized_aliases,
    }
    worker_id = getattr(request.config, "workerinput", {}).get("workerid")
    with django_db_blocker.unblock():
        if worker_id and django_db_use_migrations and not keepdb and MigratedCopy.supports(aliases):
            # Workers share the run's temporary folder (xdist gives each a subfolder of it).
            shared = MigratedCopy(tmp_path_factory.getbasetemp().parent, worker_id)
            with shared.lock():
                restored = shared.restore()
                if not restored:
                    db_cfg = setup_databases(**options)
                    shared.save()
            if restored:
                # The copy holds every applied migration: `migrate` only checks, then sends post_migrate.
                db_cfg = setup_databases(**options, keepdb=True)
                shared.restored()
        else:
            db_cfg = setup_databases(**options, keepdb=keepdb)

    yield

    if not keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=request.config.option.verbose)
            except Exception as exc:  # noqa: BLE001 — as pytest-django: a failed teardown is a warning
                request.node.warn(
                    pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}")
                )


def pytest_sessionfinish(session):
    # The xdist controller, once every worker is done: drop the PostgreSQL template the first worker left.
    if hasattr(session.config, "workerinput") or not getattr(session.config.option, "numprocesses", None):
        return
    from pytest_django.plugin import blocking_manager_key

    from tests.database import drop_postgresql_templates

    with session.config.stash[blocking_manager_key].unblock():
        drop_postgresql_templates(session.config._tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def _media_root(request, settings, tmp_path):
    from tests.shared_data import WITH_MEDIA, wanted_by

    if WITH_MEDIA & set(wanted_by(request.node)):
        # The shared demo's images (tests/shared_data.py).
        settings.MEDIA_ROOT = request.getfixturevalue("_shared_data").media_root
    else:
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters, image renditions (cached by id, and ids are reused between tests) and cached
    # opening-hours answers live in the cache: every test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _elasticsearch_not_marked_down():
    # A test's unreachable cluster must not leave the next test's searches on the database.
    from core import search_backend

    search_backend.reset()
    yield
    search_backend.reset()


@pytest.fixture
def home(db):
    """A bare site: a fresh HomePage as the default site's root."""
    from tests.factories import make_site

    _site, home = make_site()
    return home


@pytest.fixture(scope="session")
def _shared_data(django_db_setup, django_db_blocker, tmp_path_factory):
    from tests.shared_data import SharedData

    shared = SharedData(tmp_path_factory.mktemp("shared-media"))
    yield shared
    with django_db_blocker.unblock():
        shared.release()


@pytest.fixture
def _django_db_helper(_shared_data_for_test, _django_db_helper):
    # pytest-django's per-test transaction, opened once the shared data this test reads is in place
    # (tests/shared_data.py): pytest sets the parameters up in their order.
    yield


@pytest.fixture
def _shared_data_for_test(request, _shared_data, django_db_blocker):
    from tests.shared_data import wanted_by

    with django_db_blocker.unblock():
        _shared_data.provide(wanted_by(request.node))
    return _shared_data


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # After pytest-django has put the transactional tests after the others (they flush the database).
    from tests.shared_data import is_transactional, order_key

    def group(item):
        if is_transactional(item):
            return 1
        if item.get_closest_marker("django_db") is not None or "db" in getattr(item, "fixturenames", ()):
            return 0
        return 2

    items.sort(key=lambda item: (group(item), order_key(item)))


@pytest.fixture
def admin_user(db, django_user_model):
    """A superuser (instead of pytest-django's, whose e-mail is on example.com)."""
    return django_user_model.objects.create_superuser("admin", "admin@gers.example", "motdepasse-solide-1")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def gers(db, _shared_data):
    """The Gers reference data (communes, cantons, EPCI), as loaded in production; built once per worker."""
    from tests.shared_data import load_gers

    # A transactional test's database is flushed after it: it loads its own.
    return _shared_data.values["gers"] if "gers" in _shared_data.held else load_gers()


@pytest.fixture
def demo_site(db, _shared_data):
    """The demo site (tests/shared_data.py), built once per worker; a fresh Site object for each test."""
    from wagtail.models import Site

    from tests.shared_data import load_demo_site

    if "demo_site" not in _shared_data.held:
        return load_demo_site()
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def demo(db, _shared_data):
    """Everything `load_demo` loads (tests/shared_data.py), built once per worker."""
    from tests.shared_data import load_demo

    if "demo" not in _shared_data.held:
        load_demo()


def chromium_path():
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
