"""Real-browser fixtures: Playwright driving Debian's /usr/bin/chromium (never a downloaded browser)."""

import os
import threading
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

from tests.conftest import chromium_path, require_part

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test itself are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class InFlightRequests:
    """Requests the live server (a thread of this process) is still answering.

    Closing a page does not stop what the server is doing for it: a request still running when the test's
    database is flushed finds its tables locked, or the database blocked to it, and fails the test's teardown.
    """

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs):
        with self.changed:
            self.count += 1

    def finished(self, **kwargs):
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait(self, timeout=10):
        with self.changed:
            if not self.changed.wait_for(lambda: self.count <= 0, timeout):
                # A request whose end was never signalled (its request_finished receivers raised): do not make
                # every later test wait for it too.
                self.count = 0


IN_FLIGHT = InFlightRequests()
request_started.connect(IN_FLIGHT.started, weak=False, dispatch_uid="browser-tests-in-flight")
# Connected after Django's close_old_connections: the wait covers its database access too.
request_finished.connect(IN_FLIGHT.finished, weak=False, dispatch_uid="browser-tests-in-flight")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require_part(executable, "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser, request, **context_options):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **context_options)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser, request):
    context, page = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    yield page
    _finish(request, page, context)


@pytest.fixture
def page_without_js(browser, request):
    context, page = _new_page(
        browser, request, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    yield page
    _finish(request, page, context)


def new_phone(browser, request, height):
    """A 360 px wide phone page and its context."""
    return _new_page(
        browser,
        request,
        viewport={"width": 360, "height": height},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def phone_page(browser, request):
    # An old, small phone.
    context, page = new_phone(browser, request, 640)
    yield page
    _finish(request, page, context)


def _finish(request, page, context):
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"Capture d'écran : {path}")
        except Exception as exc:  # noqa: BLE001 — a failed screenshot must not hide the test failure
            print(f"Capture impossible : {exc}")
    context.close()
    IN_FLIGHT.wait()


@pytest.fixture(scope="session")
def _data_copies(tmp_path_factory):
    from tests.database import DataCopies

    return DataCopies(), tmp_path_factory.mktemp("browser-media")


@pytest.fixture
def built_once(_data_copies, transactional_db, settings):
    """`built_once(name, build)`: the database as `build()` leaves it, built by the worker's first test only.

    The name says what is built on what: a fixture building on `demo_server` names its data after it too.
    """
    copies, media_root = _data_copies
    # The copied rows name images: they stay in one folder for all the worker's browser tests.
    settings.MEDIA_ROOT = media_root
    return copies.provide


@pytest.fixture
def demo_server(live_server, transactional_db, built_once):
    """The live server over the demo site.

    Each browser test's database is flushed after it: the copy of the demo site (made by the worker's first test
    on its freshly migrated database) brings back the demo and what the migrations created (root page, groups,
    workflow), without Django's serialized rollback, which re-saved thousands of rows one by one for every test.
    """
    from tests.shared_data import load_demo_site

    built_once("demo site", load_demo_site, start_from="migrated")
    return live_server


def scripts_done(page):
    """Wait until every visible map has drawn its markers: the only work the pages' scripts do after `load`.
    Cheaper than Playwright's `networkidle`, which always waits half a second of silence."""
    from playwright.sync_api import expect

    expect(page.locator(".js-services-map:not([hidden]):not([data-marker-count])")).to_have_count(0)


AXE_SCRIPT = None


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (shipped by axe-playwright-python) in the page and return serious/critical violations."""
    global AXE_SCRIPT
    if AXE_SCRIPT is None:
        import axe_playwright_python

        AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in impacts
    ]
