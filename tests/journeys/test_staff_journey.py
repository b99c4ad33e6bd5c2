"""The communications staff (the `equipe` account: the staff group, not a superuser) at work in the Wagtail admin.

Publishes a news article and a campaign (previewed first), composes a newsletter issue as a page, sends a test,
sends it to 500 subscribers through the background worker while watching the report, and exports a form's
answers. Against the production-mode server, in Chromium, with e-mails read from the SMTP sink.
"""

import csv
import datetime as dt
import io
import re
import time
import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.journeys.conftest import log_in, text_of

STAFF = "equipe"
STAFF_EMAIL = "equipe@gers-solidaire.test"
SUBSCRIBERS = 500


def _server_errors(page):
    errors = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 500 else None)
    return errors


def _admin_page_of(model):
    from wagtail.models import Page

    page = model.objects.live().first()
    assert page is not None, f"the demo has a {model._meta.verbose_name}"
    return Page.objects.get(pk=page.pk)


def _publish(page):
    """The editor's footer: "Publier" is behind the "Plus d'actions" toggle of the save button."""
    page.get_by_role("button", name="Plus d'actions").click()
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(re.compile("publiée", re.I))


def _toggle_preview(page):
    page.get_by_role("button", name="Afficher/masquer la prévisualisation").click()


def _preview_shows(page, text):
    """The preview panel draws the page as the public will see it (framed by the admin: CSP must allow it)."""
    preview = page.frame_locator("iframe#w-preview-iframe")
    expect(preview.locator("body")).to_contain_text(text, timeout=15000)


def _header_action(page, name):
    page.locator("header button[aria-label='Actions']").first.click()
    page.get_by_role("link", name=name).click()


def _download(page, link):
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_staff_publishes_a_news_article_and_a_campaign(desktop, site_url):
    from news.models import NewsIndexPage

    server_errors = _server_errors(desktop)
    news_index = _admin_page_of(NewsIndexPage)
    log_in(desktop, site_url, STAFF)
    marker = uuid.uuid4().hex[:6]

    # A news article: title, summary, previewed, published.
    desktop.goto(f"{site_url}/admin/pages/{news_index.pk}/add_subpage/")
    desktop.get_by_role("link", name="Actualité", exact=True).click()
    title = f"Collecte d'hiver dans les magasins {marker}"
    desktop.get_by_role("textbox", name="Titre*").fill(title)
    desktop.get_by_role("textbox", name="Résumé*").fill(
        "Les bénévoles collectent ce week-end dans tout le Gers."
    )
    _toggle_preview(desktop)
    _preview_shows(desktop, title)
    _toggle_preview(desktop)
    _publish(desktop)

    # A campaign running until the end of next month, with its call to action.
    desktop.goto(f"{site_url}/admin/pages/{news_index.pk}/add_subpage/")
    desktop.get_by_role("link", name="Campagne", exact=True).click()
    campaign_title = f"Un manteau pour l'hiver {marker}"
    end = dt.date.today() + dt.timedelta(days=40)
    desktop.get_by_role("textbox", name="Titre*").fill(campaign_title)
    desktop.get_by_role("textbox", name=re.compile("Fin de la campagne")).fill(end.isoformat())
    desktop.get_by_role("textbox", name=re.compile("Accroche")).fill(
        "Déposez vos manteaux dans les tiers-lieux."
    )
    desktop.keyboard.press("Escape")  # closes the date picker
    _toggle_preview(desktop)
    _preview_shows(desktop, campaign_title)
    _toggle_preview(desktop)
    _publish(desktop)

    # The public site: both in the news section, each on its own page.
    desktop.goto(site_url + news_index.url)
    expect(desktop.locator("main")).to_contain_text(title)
    expect(desktop.locator("main")).to_contain_text(campaign_title)
    desktop.get_by_role("link", name=title).first.click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text(title)
    desktop.goto(site_url + news_index.url)
    desktop.get_by_role("link", name=campaign_title).first.click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text(campaign_title)
    expect(desktop.locator("main")).to_contain_text("Déposez vos manteaux")
    assert not server_errors, server_errors


def _confirmed_subscribers(domain, count):
    from django.utils import timezone

    from newsletter.models import Subscriber, SubscriberStatus

    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"abonne-{n:03d}@{domain}",
            status=SubscriberStatus.CONFIRMED,
            confirmed_at=now,
            status_changed_at=now,
        )
        for n in range(count)
    )
    return Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED).count()


def _report_counts(page):
    rows = page.locator("table.listing tbody tr")
    return {
        row.locator("th").inner_text().strip(): int(row.locator("td").inner_text().strip())
        for row in rows.all()
    }


def test_staff_composes_tests_and_sends_the_newsletter_to_500_subscribers(desktop, site_url, inbox):
    from newsletter.models import NewsletterIndexPage

    server_errors = _server_errors(desktop)
    newsletter_index = _admin_page_of(NewsletterIndexPage)
    domain = f"abonnes-{uuid.uuid4().hex[:6]}.exemple.fr"
    confirmed = _confirmed_subscribers(domain, SUBSCRIBERS)
    log_in(desktop, site_url, STAFF)

    # The newsletter menu leads to the sends; the issue is a page under the newsletter page.
    desktop.get_by_role("button", name=re.compile("Lettre d.information")).click()
    expect(desktop.get_by_role("link", name="Envois")).to_be_visible()
    desktop.goto(f"{site_url}/admin/pages/{newsletter_index.pk}/add_subpage/")
    if "/add_subpage/" in desktop.url:  # one page type allowed: Wagtail goes straight to its form
        desktop.get_by_role("link", name=re.compile("Lettre d.information")).first.click()
    title = f"Lettre de décembre {uuid.uuid4().hex[:6]}"
    desktop.get_by_role("textbox", name="Titre*").fill(title)
    desktop.locator("[data-contentpath=editorial] [contenteditable=true]").click()
    desktop.keyboard.type("Les collectes de l'hiver commencent ce samedi.")
    # The preview panel shows the issue (the rich text reaches it late: the test e-mail below checks it).
    _toggle_preview(desktop)
    _preview_shows(desktop, title)
    _toggle_preview(desktop)
    _publish(desktop)

    # A test to oneself first: it arrives, marked as a test.
    desktop.get_by_role("link", name=title).first.click()
    _header_action(desktop, "Envoyer un essai")
    # Offered to the team only: partners log in to the admin too, a draft issue is not for them.
    expect(desktop.locator("main")).to_contain_text(STAFF_EMAIL)
    expect(desktop.locator("main")).not_to_contain_text("partenaire-")
    desktop.get_by_role("button", name="Envoyer l'essai").click()
    expect(desktop.locator(".messages")).to_contain_text("Essai envoyé à 1 adresse")
    (test_mail,) = inbox.wait_for(STAFF_EMAIL, f"[ESSAI] {title}")
    assert "Les collectes de l'hiver commencent ce samedi." in text_of(test_mail)

    # Then to every confirmed subscriber, in the background.
    _header_action(desktop, "Envoyer aux abonnés")
    button = desktop.get_by_role("button", name=f"Envoyer à {confirmed} abonnés")
    expect(button).to_be_visible()
    button.click()
    expect(desktop.locator(".messages")).to_contain_text("L'envoi est lancé en arrière-plan")
    report_url = desktop.url
    assert "/admin/lettre-information/envois/" in report_url

    # The report, reloaded as the staff would, until the worker has sent to all.
    started, seen = time.monotonic(), []
    while True:
        counts = _report_counts(desktop)
        seen.append(counts["Envoyés"])
        if counts["Envoyés"] == confirmed:
            break
        assert time.monotonic() - started < 300, f"sent so far: {seen}"
        assert counts["Échecs définitifs"] == 0, counts
        time.sleep(2)
        desktop.reload()
    assert counts["Total des destinataires"] == confirmed
    assert counts["À envoyer (dont nouvelles tentatives)"] == 0
    expect(desktop.locator("main")).to_contain_text(re.compile("État\xa0: .*(terminé|envoyé)", re.I))
    print(f"newsletter to {confirmed}: sent {seen} at each reload; {time.monotonic() - started:.0f} s")

    # The sink has one letter per subscriber, each with its own one-click unsubscribe.
    letters = inbox.wait_for(f"@{domain}", title, count=SUBSCRIBERS, timeout=60)
    assert len(letters) == SUBSCRIBERS
    assert len({str(letter["To"]) for letter in letters}) == SUBSCRIBERS
    unsubscribe_links = set()
    for letter in letters:
        assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.search(r"<(https?://[^>]+)>", letter["List-Unsubscribe"]).group(1)
        assert link.startswith(site_url + "/lettre/desinscription/")
        unsubscribe_links.add(link)
    assert len(unsubscribe_links) == SUBSCRIBERS
    assert not server_errors, server_errors


def test_staff_exports_the_answers_of_the_contact_form(desktop, new_page, site_url):
    from forms.models import FormPage

    server_errors = _server_errors(desktop)
    contact = FormPage.objects.live().get(slug="contact")
    marker = uuid.uuid4().hex[:8]

    # A resident writes through the contact form.
    resident = new_page()
    resident.goto(site_url + contact.url)
    resident.get_by_label("Votre nom").fill("Jeanne Habitante")
    resident.get_by_label("Votre adresse électronique").fill(f"jeanne-{marker}@exemple.fr")
    resident.get_by_label("Votre demande concerne").select_option("Le site internet")
    message = f"Bonjour ; la carte ne s'affiche pas sur mon téléphone ({marker})."
    resident.get_by_label("Votre message").fill(message)
    resident.get_by_role("button", name="Envoyer mon message").click()
    resident.wait_for_url(re.compile(r"envoi=ok"))

    # The staff finds the answers under "Formulaires" and downloads them as CSV.
    log_in(desktop, site_url, STAFF)
    desktop.get_by_role("link", name="Formulaires").click()
    desktop.get_by_role("link", name=contact.title).click()
    expect(desktop.locator("main")).to_contain_text(marker)
    listing_text = desktop.locator("main").inner_text()
    desktop.locator("header button[aria-label='Actions']").first.click()
    name, data = _download(desktop, desktop.get_by_role("link", name="Télécharger en CSV"))
    assert name.endswith(".csv")
    # As French Excel opens it: UTF-8 with a BOM, ";" between cells, the time as the admin shows it.
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    (row,) = [row for row in rows if marker in row["Votre message"]]
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", row["Date de soumission"])
    assert row["Date de soumission"][-5:] in listing_text
    assert row["Votre message"] == message
    assert row["Votre nom"] == "Jeanne Habitante"
    assert row["Votre demande concerne"] == "Le site internet"
    assert row["Votre adresse électronique"] == f"jeanne-{marker}@exemple.fr"
    assert not server_errors, server_errors
