"""Pages reached through a personal link, in Chromium: their forms post back without a CSRF failure.

Chromium sends `Origin: null` on a POST from a page served with `Referrer-Policy: no-referrer`, and Django then
refuses it ("Origin checking failed - null"): Django's test client never shows this, only a real browser does.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _links(message, server_url):
    return [url for url in re.findall(r"https?://[^\s<>\"]+", message.body) if url.startswith(server_url)]


def test_subscribe_confirm_from_the_email_and_confirm_a_listing(page, demo_server, settings):
    # E-mailed links point at the site under test.
    settings.SITE_URL = demo_server.url
    settings.WAGTAILADMIN_BASE_URL = demo_server.url
    from newsletter.models import Subscriber, SubscriberStatus

    address = "habitante@exemple.fr"
    page.goto(demo_server.url + "/lettre/inscription/")
    page.get_by_label("Votre adresse e-mail").fill(address)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=re.compile("inscrire", re.I)).click()
    page.wait_for_url(re.compile(r"/lettre/inscription/merci/$"))
    assert Subscriber.objects.get(email=address).status == SubscriberStatus.PENDING

    (message,) = [m for m in mail.outbox if address in m.to]
    link = next(url for url in _links(message, demo_server.url) if "/lettre/confirmation/" in url)
    page.goto(link)
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscription confirmée")
    assert Subscriber.objects.get(email=address).status == SubscriberStatus.CONFIRMED

    # The organisation's freshness link: "Ces informations sont toujours exactes".
    from directory.partners import freshness
    from territories.loading import load_reference_data
    from tests.directory.factories import ServiceFactory

    load_reference_data()
    service = ServiceFactory(title="Épicerie solidaire de Mirande")
    service.save_revision().publish()
    page.goto(freshness.confirmation_url(service))
    page.get_by_role("button", name="Ces informations sont toujours exactes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci, les informations sont confirmées")
    service.refresh_from_db()
    assert service.last_verified_at is not None


def test_a_refused_form_explains_in_french_what_to_do(page, demo_server):
    page.goto(demo_server.url + "/lettre/inscription/")
    # A session lost between display and sending: the CSRF cookie is gone.
    page.context.clear_cookies()
    page.get_by_label("Votre adresse e-mail").fill("quelquun@exemple.fr")
    page.get_by_role("checkbox").check()
    with page.expect_response(re.compile(r"/lettre/inscription/$")) as answer:
        page.get_by_role("button", name=re.compile("inscrire", re.I)).click()
    assert answer.value.status == 403
    assert page.locator("html").get_attribute("lang") == "fr"
    main = page.locator("main").inner_text()
    assert "Forbidden" not in main and "CSRF" not in main
    assert re.search(r"recharge", main, re.I)
    # The way back: the site's own header and a link to the page to try again.
    retry = page.get_by_role("link", name="Recharger le formulaire")
    expect(retry).to_have_attribute("href", "/lettre/inscription/")
