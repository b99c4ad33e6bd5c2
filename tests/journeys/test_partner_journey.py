"""A partner organisation keeps its listings right: edits under moderation, the freshness reminder, a CSV import.

Against the production-mode server, in Chromium: the partner and the Gers Solidaire team each in a browser of
their own, the reminder read from the SMTP sink and its link followed in the browser.
"""

import csv
import io
import re
import uuid
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.journeys.conftest import DEMO_PASSWORD, links_in, log_in, manage, text_of

ORGANISATION = "Secours populaire français — Gers"
PARTNER = "partenaire-secours-populaire-francais-gers"
STAFF = "equipe"


def _server_errors(page):
    errors = []
    page.on("response", lambda response: errors.append(response.url) if response.status >= 500 else None)
    return errors


def _own_service(title_contains):
    from directory.models import Service

    return Service.objects.select_related("organisation").get(
        organisation__name=ORGANISATION, title__contains=title_contains, live=True
    )


def _public_text(page, site_url, service):
    page.goto(site_url + service.get_absolute_url())
    return page.locator("main").inner_text()


def _log_in_by_labels(page, site_url, username, already_there=False):
    """The login form read as a person reads it: by its French labels."""
    if not already_there:
        page.goto(site_url + "/admin/login/")
    expect(page.locator("form")).not_to_contain_text("Password")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="S'identifier").click()
    page.wait_for_url(re.compile(r"/admin/(?!login)"))


def _new_mail(inbox, to, action, **match):
    """The one message that `action` sends (the server's Maildir may hold earlier ones from a previous run)."""
    earlier = {message["Message-ID"] for message in inbox.wait_for(to, count=0, **match)}
    action()
    received = inbox.wait_for(to, count=len(earlier) + 1, **match)
    (new,) = [message for message in received if message["Message-ID"] not in earlier]
    return new


def _open_in_admin(page, site_url, title):
    """From the admin menu, as a person would: Annuaire → Services → the listing."""
    page.goto(site_url + "/admin/")
    page.get_by_role("button", name=re.compile("Annuaire")).click()
    page.get_by_role("link", name=re.compile("^Services$")).click()
    listing = page.get_by_role("link", name=title, exact=True)
    expect(listing).to_be_visible()
    # The listing and its filters name the partner's own organisation only.
    page.get_by_role("button", name=re.compile("filtr", re.I)).first.click()
    structures = page.get_by_label("Structure", exact=True).locator("option")
    expect(structures.last).to_be_attached()
    assert [name for name in structures.all_inner_texts() if name.strip("- ")] == [ORGANISATION]
    listing.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_partner_edits_a_listing_that_goes_public_once_staff_approve_it(desktop, new_page, site_url, inbox):
    from wagtail.models import WorkflowState

    partner = desktop
    errors = _server_errors(partner)
    service = _own_service("à Mirande")
    note = f"Fermé pendant les vacances de Noël ({uuid.uuid4().hex[:6]})"
    before = _public_text(partner, site_url, service)
    assert note not in before

    # The partner logs in and changes the hours' notes of one of its services.
    _log_in_by_labels(partner, site_url, PARTNER)
    _open_in_admin(partner, site_url, service.title)
    partner.get_by_role("tab", name="Horaires").click()
    partner.get_by_role("textbox", name="Précisions sur les horaires").fill(note)

    # Submits it for moderation from the footer's menu.
    partner.get_by_role("button", name="Plus d'actions").click()
    partner.get_by_role("button", name=re.compile("Soumettre.*Validation Gers Solidaire")).click()
    messages = partner.locator(".messages")
    expect(messages).to_contain_text(re.compile("soumis", re.I))
    expect(messages).not_to_contain_text(re.compile("planifi", re.I))
    assert WorkflowState.objects.filter(
        base_content_type__model="service", object_id=str(service.pk), status=WorkflowState.STATUS_IN_PROGRESS
    ).exists()

    # Until the team approves, the public page is what it was.
    public = new_page()
    assert note not in _public_text(public, site_url, service)

    # The team, in its own browser, finds the change waiting on its dashboard and approves it.
    staff = new_page()
    errors += _server_errors(staff)
    log_in(staff, site_url, STAFF)
    staff.get_by_role("link", name=service.title).first.click()
    expect(staff.get_by_role("heading", name=service.title)).to_be_visible()
    staff.get_by_role("button", name="Plus d'actions").click()

    def approve():
        staff.get_by_role("button", name="Approuver et Publier").click()
        expect(staff.locator(".messages")).to_contain_text(re.compile("validée", re.I))

    approval = _new_mail(inbox, f"{PARTNER}@", approve, containing=service.title)

    # The public page shows the change; the partner, told by e-mail, follows its link to see it online.
    assert note in _public_text(public, site_url, service)
    assert "a été validée par l'équipe Gers Solidaire" in text_of(approval)
    (online,) = [url for url in links_in(approval, site_url) if "/annuaire/" in url]
    partner.goto(online)
    expect(partner.locator("main")).to_contain_text(note)
    assert not errors, errors
    assert not partner.js_errors, partner.js_errors
    assert not staff.js_errors, staff.js_errors


def test_partner_confirms_a_listing_from_the_freshness_reminder(desktop, site_url, inbox):
    from directory.models import Service

    partner = desktop
    errors = _server_errors(partner)
    service = _own_service("à Condom")
    # A year without confirmation: the listing is due for its reminder (cron runs the command once a day).
    a_year_ago = timezone.now() - timedelta(days=365)
    Service.objects.filter(pk=service.pk).update(last_verified_at=a_year_ago, reminder_sent_at=None)
    reminder = _new_mail(
        inbox,
        f"{PARTNER}@",
        lambda: manage("send_freshness_reminders"),
        subject_contains="toujours exactes",
        containing=service.title,
    )
    assert service.get_absolute_url() in text_of(reminder)
    link = next(url for url in links_in(reminder, site_url) if "/confirmer/" in url)

    # The partner opens the link in the browser, reads the page, presses the button: no login needed.
    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Confirmer")
    expect(partner.locator("main")).to_contain_text(service.title)
    partner.get_by_role("button", name="Ces informations sont toujours exactes").click()
    expect(partner.locator("main")).to_contain_text(re.compile("merci|confirmé", re.I))
    service.refresh_from_db()
    assert service.last_verified_at > timezone.now() - timedelta(minutes=5)

    # The link has done its job: opened again, it says so rather than confirming twice.
    partner.goto(link)
    expect(partner.get_by_role("button", name="Ces informations sont toujours exactes")).to_have_count(0)

    # The e-mail's other link, to update the listing, goes through the login and lands on the listing's form.
    edit_link = next(url for url in links_in(reminder, site_url) if "/admin/" in url)
    partner.goto(edit_link)
    _log_in_by_labels(partner, site_url, PARTNER, already_there=True)
    expect(partner.get_by_role("heading", name=service.title)).to_be_visible()
    assert partner.url == edit_link
    assert not errors, errors
    assert not partner.js_errors, partner.js_errors


def _edited_csv(content, title, column, value):
    """The partner's own export with one cell changed, as they would in a spreadsheet (`;`, UTF-8 with BOM)."""
    text = content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    (row,) = [row for row in rows if row["nom"] == title]
    row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8"), rows


def test_partner_imports_its_listings_with_a_dry_run_first_then_through_moderation(
    desktop, new_page, site_url
):
    from directory.models import Service
    from directory.partners.moderation import WORKFLOW_NAME

    partner = desktop
    errors = _server_errors(partner)
    service = _own_service("à Gimont")
    note = f"Distribution le mercredi après-midi ({uuid.uuid4().hex[:6]})"
    revisions_before = service.revisions.count()

    log_in(partner, site_url, PARTNER)
    partner.get_by_role("link", name="Import / export de l'annuaire").click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Import")

    # The model to fill in is the partner's own listings.
    with partner.expect_download() as download:
        partner.get_by_role("link", name=re.compile("Vos fiches en CSV")).click()
    content = open(download.value.path(), "rb").read()  # noqa: PTH123, SIM115
    edited, rows = _edited_csv(content, service.title, "horaires_precisions", note)
    assert {row["structure_nom"] for row in rows} == {ORGANISATION}, "nothing of other organisations"

    # First the check: a report, nothing saved.
    partner.get_by_label(re.compile(r"^\s*Fichier\W*$")).set_input_files(
        {"name": "mes-fiches.csv", "mimeType": "text/csv", "buffer": edited}
    )
    partner.get_by_role("button", name="Vérifier le fichier").click()
    expect(partner.locator("#import-job")).to_contain_text("Vérification réussie", timeout=60_000)
    report = partner.locator("#import-job").inner_text()
    assert "Rien n'a encore été enregistré" in report
    assert re.search(r"soumises? à la validation", report), report
    service.refresh_from_db()
    assert service.revisions.count() == revisions_before and service.opening_hours_notes != note

    # Then for real: the change waits for the team, the public page is unchanged.
    partner.get_by_role("button", name="Importer").click()
    expect(partner.locator("#import-job")).to_contain_text("Import terminé", timeout=60_000)
    service = Service.objects.get(pk=service.pk)
    assert service.workflow_in_progress
    assert service.current_workflow_state.workflow.name == WORKFLOW_NAME
    assert service.get_latest_revision_as_object().opening_hours_notes == note
    public = new_page()
    assert note not in _public_text(public, site_url, service)
    assert not errors, errors
    assert not partner.js_errors, partner.js_errors
