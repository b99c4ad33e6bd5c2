"""Journeys against the production-mode server started by `python -m tests.journeys` (see production.py).

This process shares the server's settings and database: it reads and prepares data with the ORM, reads e-mails
from the SMTP sink's Maildir and drives Debian's Chromium. Management commands run in their own process, as cron
runs them, so that their e-mails go through the real SMTP server.
"""

import email
import email.policy
import mailbox
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser import conftest as browser_suite
from tests.browser.conftest import (  # noqa: F401 — the failure hook is shared with the browser suite
    _finish,
    _new_page,
    pytest_runtest_makereport,
)
from tests.journeys.production import ROOT

# The browser suite's session fixture: the same Debian chromium, launched once.
browser = browser_suite.browser

BASE_URL = os.environ.get("JOURNEY_BASE_URL", "")
MAILDIR = os.environ.get("JOURNEY_MAILDIR", "")
DEMO_PASSWORD = "demo-gers-solidaire"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.journey)


@pytest.fixture(scope="session")
def site_url():
    if not BASE_URL:
        pytest.fail("journeys run against the production server: `make journeys` (python -m tests.journeys)")
    return BASE_URL


@pytest.fixture(autouse=True)
def _real_database(django_db_blocker):
    # The server's own database, not a test copy: the journeys see what residents and partners see.
    with django_db_blocker.unblock():
        yield


def manage(*args):
    """A management command in its own process, as cron or an operator runs it on the server."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=os.environ, capture_output=True, text=True
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Inbox:
    """The messages the SMTP sink received, parsed."""

    def __init__(self, path):
        self.path = Path(path)

    def messages(self):
        box = mailbox.Maildir(self.path, create=False)
        found = []
        for key in box.iterkeys():
            with open(self.path / "new" / key, "rb") as handle:  # noqa: PTH123
                found.append(email.message_from_binary_file(handle, policy=email.policy.default))
        return found

    def wait_for(self, to, subject_contains="", timeout=60, count=1, containing=""):
        """The messages to `to` whose subject (and text) contain these, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [
                message
                for message in self.messages()
                if to.lower() in str(message["To"]).lower()
                and subject_contains in str(message["Subject"])
                and containing in text_of(message)
            ]
            if len(matching) >= count:
                return matching
            if time.monotonic() > deadline:
                subjects = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
                raise AssertionError(
                    f"no e-mail to {to} about {subject_contains!r} after {timeout}s; got {subjects}"
                )
            time.sleep(0.3)


def text_of(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def links_in(message, site_url):
    """Every link to our site in the text part of a message."""
    return re.findall(re.escape(site_url) + r"[^\s<>\"')]*", text_of(message))


@pytest.fixture(scope="session")
def inbox():
    if not MAILDIR:
        pytest.fail("no SMTP sink: run the journeys with `make journeys`")
    return Inbox(MAILDIR)


@pytest.fixture
def desktop(browser, request):
    context, page = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    yield page
    _finish(request, page, context)


@pytest.fixture
def phone(browser, request):
    # The resident's old phone: 360×740, touch.
    context, page = _new_page(
        browser, request, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    yield page
    _finish(request, page, context)


@pytest.fixture
def new_page(browser, request):
    """Another person, in a browser of their own (staff beside a partner, for instance)."""
    opened = []

    def open_page(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context, page = _new_page(browser, request, **options)
        opened.append((context, page))
        return page

    yield open_page
    for context, page in opened:
        _finish(request, page, context)


def log_in(page, site_url, username, password=DEMO_PASSWORD):
    page.goto(site_url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name=re.compile("Se connecter|S.identifier", re.I)).click()
    page.wait_for_url(re.compile(r"/admin/(?!login)"))
    return page


def no_horizontal_scroll(page):
    # Against the screen, not window.innerWidth: a phone widens its layout viewport to fit content that overflows.
    return page.evaluate("document.documentElement.scrollWidth <= screen.width")
