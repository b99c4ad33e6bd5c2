import os
import shutil

import pytest

REQUIRE_REAL_SERVICES = os.environ.get("REQUIRE_REAL_SERVICES", "").lower() in {"1", "true", "yes"}


def require_part(available, reason):
    """Skip a test whose real part is missing — except in CI, where a missing part must fail the run."""
    if available:
        return
    if REQUIRE_REAL_SERVICES:
        pytest.fail(f"REQUIRE_REAL_SERVICES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters, image renditions (cached by id, and ids are reused between tests) and cached
    # opening-hours answers live in the cache: every test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(db):
    """A bare site: a fresh HomePage as the default site's root."""
    from tests.factories import make_site

    _site, home = make_site()
    return home


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


@pytest.fixture
def demo_site(db):
    return load_demo_site()


def chromium_path():
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
