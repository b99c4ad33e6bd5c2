"""Reference data and the demo, built once per worker instead of once per test.

About a hundred tests read the Gers communes (`gers`), the demo site (`demo_site`) or the whole demo of
`load_demo` (`demo`); each built them again (0.5–3 s, 5–20 s for the whole demo). A worker now builds the data a test asks for in a transaction of its own that stays open, and the
test's usual transaction nests inside it as a savepoint: whatever the test changes is rolled back after it, the
shared data stays for the next test. A test that asks for other data, or a transactional test (whose database
is flushed, and whose live server reads through another connection), first gets that transaction rolled back.
The tests are ordered so that those sharing the same data follow each other (see `order_key`).
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import override_settings

# In the order they are built when a test asks for several.
LOADERS = ("gers", "demo_site", "demo")


def load_gers():
    from territories.loading import load_reference_data

    return load_reference_data()


def load_demo_site():
    """The demo site (pages, news, settings, images), without the geographic data and the directory.

    The home page's "find help" button points at the missions page, as before the directory exists.
    """
    from wagtail.models import Page, Site

    from home.demo import link_find_help_page, load_site
    from news.demo import load_news

    load_site()
    load_news()
    link_find_help_page(Page.objects.get(slug="nos-missions"))
    return Site.objects.get(is_default_site=True)


def load_demo():
    """Everything `manage.py load_demo` loads: reference data, site, directory, tour, news, newsletter, forms."""
    import io

    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())


# Those whose images go to the shared MEDIA_ROOT.
WITH_MEDIA = {"demo_site", "demo"}

BUILDERS = {"gers": load_gers, "demo_site": load_demo_site, "demo": load_demo}


def is_transactional(item) -> bool:
    """As pytest-django decides: the test's database is flushed rather than rolled back."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = False
    if marker:
        transaction_, reset_sequences, *_rest = validate_django_db(marker)
        transactional = transaction_ or reset_sequences
    return transactional or "transactional_db" in fixtures or "live_server" in fixtures


def wanted_by(item) -> tuple[str, ...]:
    """The shared data a test reads, none for a transactional test (it loads its own)."""
    if is_transactional(item):
        return ()
    fixtures = getattr(item, "fixturenames", ())
    return tuple(name for name in LOADERS if name in fixtures)


def order_key(item) -> int:
    """Tests reading the same shared data run one after another, so that a worker rarely rebuilds it."""
    wanted = wanted_by(item)
    return 0 if not wanted else 1 + sum(1 << LOADERS.index(name) for name in wanted)


class SharedData:
    """The data currently held in this worker's open outer transaction."""

    def __init__(self, media_root):
        # The demo's images stay beside its rows: tests that read the shared demo use this MEDIA_ROOT.
        self.media_root = media_root
        self.held = ()
        self.values = {}
        self.atomic = None

    def provide(self, wanted):
        """Make `wanted` (names from LOADERS) the data present before the test's own transaction begins."""
        connection = connections[DEFAULT_DB_ALIAS]
        if self.atomic is not None and connection.atomic_blocks[:1] != [self.atomic]:
            raise RuntimeError(
                "the shared test data's transaction is gone: a non-transactional test ended it "
                "(closed the connection or left an atomic block open)"
            )
        if wanted == self.held:
            return
        self.release()
        if not wanted:
            return
        self.atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
        self.atomic.__enter__()
        self.held = wanted
        try:
            with override_settings(MEDIA_ROOT=self.media_root):
                for name in wanted:
                    self.values[name] = BUILDERS[name]()
        except BaseException:
            self.release()
            raise

    def release(self):
        if self.atomic is not None:
            transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
            atomic, self.atomic = self.atomic, None
            atomic.__exit__(None, None, None)
        self.held = ()
        self.values = {}
