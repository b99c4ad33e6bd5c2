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


@pytest.fixture
def demo_site(db):
    """The demo site (pages, settings, images), without the geographic reference data."""
    from home.demo import load_site

    load_site()
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True)


def chromium_path():
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
