"""A resident on an old phone: finds food aid near home, reports an error, subscribes to the newsletter, leaves it.

Against the production-mode server, in Chromium, with the e-mails read from the SMTP sink and their links
followed in the browser, the way the person would.
"""

import re
import uuid

import httpx
from playwright.sync_api import expect

from tests.journeys.conftest import links_in, no_horizontal_scroll, text_of


def _no_server_error(page):
    errors = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 500 else None)
    return errors


def test_resident_finds_food_aid_near_home_and_reports_an_error(phone, site_url, inbox):
    server_errors = _no_server_error(phone)
    phone.goto(site_url + "/")
    assert no_horizontal_scroll(phone)
    # The Numéro Vert Social is one tap away on every page.
    # On a phone the header's number gives way to the bar fixed at the bottom of the screen.
    expect(phone.locator(".helpline-bar a[href^='tel:']")).to_be_in_viewport()

    # Step 1: the home page's main button leads to the directory.
    phone.get_by_role("link", name=re.compile("Trouver", re.I)).first.click()
    phone.wait_for_url(re.compile(r"/annuaire/"))
    assert no_horizontal_scroll(phone)

    # Step 2: what and where, then search.
    phone.get_by_label("Quoi").fill("aide alimentaire")
    phone.get_by_label("Où").fill("Mirande")
    phone.get_by_role("button", name="Rechercher des services").click()
    phone.wait_for_url(re.compile(r"q=aide(\+|%20)alimentaire"))
    results = phone.locator("#resultats a.card__link, #resultats h3 a, #resultats h2 a")
    expect(results.first).to_be_visible()
    listing = phone.locator("#resultats").inner_text()
    assert "km" in listing, "results around a commune show their distance"
    assert no_horizontal_scroll(phone)

    # Step 3: the first result's page: hours, address, phone or the helpline, directions.
    first_title = results.first.inner_text().strip()
    results.first.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(first_title)
    body = phone.locator("main").inner_text()
    assert re.search(r"Horaires|Ouvert|Fermé|Prochaine ouverture", body)
    assert no_horizontal_scroll(phone)
    service_url = phone.url

    # Step 4: "Signaler une erreur" → the form → the thank-you page; the organisation and the team are told.
    phone.get_by_role("link", name=re.compile("Signaler une erreur", re.I)).click()
    phone.wait_for_url(re.compile(r"/signaler/$"))
    marker = f"Le numéro ne répond plus ({uuid.uuid4().hex[:8]})"
    phone.get_by_label(re.compile("erreur|Qu.est-ce", re.I)).first.fill(marker)
    phone.get_by_role("button", name=re.compile("Envoyer", re.I)).click()
    phone.wait_for_url(re.compile(r"/signaler/merci/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text(re.compile("Merci", re.I))
    # The report reaches the organisation and the team by e-mail.
    report_mails = inbox.wait_for("@", containing=marker)
    assert service_url.split("/annuaire/")[1] in text_of(report_mails[0])
    assert not server_errors, server_errors
    assert not phone.js_errors, phone.js_errors


def test_resident_subscribes_receives_an_issue_and_unsubscribes_in_one_click(phone, site_url, inbox):
    from newsletter.models import Subscriber, SubscriberStatus

    server_errors = _no_server_error(phone)
    address = f"habitant-{uuid.uuid4().hex[:8]}@exemple.fr"

    # From the home page, the newsletter is one link away.
    phone.goto(site_url + "/")
    phone.get_by_role("link", name=re.compile("inscrire à la lettre", re.I)).first.click()
    phone.get_by_label(re.compile("adresse e-mail|courriel", re.I)).fill(address)
    phone.get_by_role("checkbox").check()
    phone.get_by_role("button", name=re.compile("inscri", re.I)).click()
    phone.wait_for_url(re.compile(r"/lettre/inscription/merci/$"))
    assert Subscriber.objects.get(email=address).status == SubscriberStatus.PENDING

    # The confirmation e-mail: its link, then the button (mail scanners open links; only a person presses it).
    (confirmation,) = inbox.wait_for(address, "")
    link = next(url for url in links_in(confirmation, site_url) if "/lettre/confirmation/" in url)
    phone.goto(link)
    phone.get_by_role("button", name=re.compile("Confirmer", re.I)).click()
    expect(phone.locator("main")).to_contain_text(re.compile("confirmée|inscrit", re.I))
    assert Subscriber.objects.get(email=address).status == SubscriberStatus.CONFIRMED

    # An issue goes out through the background worker; the resident receives it once.
    issue = _publish_issue()
    from newsletter.sending import create_campaign

    create_campaign(issue)
    (letter,) = inbox.wait_for(address, issue.title, timeout=120)
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.search(r"<(https?://[^>]+)>", letter["List-Unsubscribe"]).group(1)
    assert unsubscribe_url.startswith(site_url + "/lettre/desinscription/")

    # One click in the mail client: an RFC 8058 POST, without cookies or CSRF token.
    response = httpx.post(unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscriber.objects.get(email=address).status == SubscriberStatus.UNSUBSCRIBED

    # The same link opened in the browser says it is done, without a 403.
    phone.goto(unsubscribe_url)
    expect(phone.locator("main")).to_contain_text(re.compile("désinscrit|plus", re.I))
    assert not server_errors, server_errors
    assert not phone.js_errors, phone.js_errors


def _publish_issue():
    from newsletter.models import NewsletterIndexPage, NewsletterIssuePage

    index = NewsletterIndexPage.objects.live().first()
    assert index is not None, "the demo has a newsletter page"
    issue = NewsletterIssuePage(
        title=f"Lettre de décembre {uuid.uuid4().hex[:6]}",
        editorial="<p>Les collectes de l'hiver commencent.</p>",
    )
    index.add_child(instance=issue)
    issue.save_revision().publish()
    return issue
