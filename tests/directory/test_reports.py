"""Errors reported by the public on a service page: the form, the e-mails, the admin to-do list."""

import socket
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from directory.partners.models import Membership
from directory.reports.models import ErrorReport, ReportStatus
from tests.directory.factories import OrganisationFactory, ServiceFactory
from tests.html_text import soup, text_of, visible_text, visible_texts

XSS = "<script>alert('x')</script> & les horaires ont changé"


def report_url(service):
    return f"/annuaire/{service.slug}/signaler/"


def admin_url(view, *args):
    return reverse(f"wagtailsnippets_directory_errorreport:{view}", args=args)


@pytest.fixture
def organisation(home, gers, django_user_model):
    organisation = OrganisationFactory(name="Épicerie solidaire d'Auch", email="contact@epicerie.org")
    member = django_user_model.objects.create_user("benevole", "benevole@epicerie.org", "motdepasse")
    Membership.objects.create(user=member, organisation=organisation)
    # A former member (inactive account) is not e-mailed.
    former = django_user_model.objects.create_user(
        "ancien", "ancien@epicerie.org", "motdepasse", is_active=False
    )
    Membership.objects.create(user=former, organisation=organisation)
    return organisation


@pytest.fixture
def service(organisation):
    return ServiceFactory(
        organisation=organisation,
        place__organisation=organisation,
        title="Épicerie solidaire",
        email="epicerie@exemple.org",
    )


def post_report(client, service, **data):
    return client.post(report_url(service), {"message": "", "contact": "", "site_web": "", **data})


def test_service_page_links_to_the_report_form(client, service):
    page = soup(client.get(service.get_absolute_url()))
    # Screen readers hear which listing the link is about; sighted visitors see it on the page.
    [link] = [a for a in page.select("a") if text_of(a) == "Signaler une erreur sur cette fiche"]
    assert link["href"] == report_url(service)
    assert link.select_one("span.visually-hidden").get_text() == " sur cette fiche"
    assert "mailto:" not in str(page.select_one("footer.service__footer"))


def test_report_form_page(client, service):
    response = client.get(report_url(service))
    assert response.status_code == 200
    html = response.content.decode()
    page = soup(response)
    label = page.select_one('label[for="id_message"]')
    assert text_of(label).startswith("Qu'est-ce qui est inexact ?")
    assert label.select_one("span.form-field__required").get_text() == "(obligatoire)"
    assert page.select_one("textarea#id_message")["maxlength"] == "2000"
    assert page.select_one(".honeypot")["aria-hidden"] == "true"
    assertInHTML('<meta name="robots" content="noindex">', html)
    assert "Épicerie solidaire d'Auch" in visible_text(page)
    assert response["X-Robots-Tag"] == "noindex"


def test_a_report_is_stored_and_sent_to_the_organisation_and_staff(client, service, settings):
    settings.DIRECTORY_REPORTS_EMAIL = "annuaire@gers.example, equipe@gers.example"
    response = post_report(client, service, message="Le numéro ne répond plus.", contact="lea@exemple.fr")
    assert response.status_code == 303
    assert response["Location"] == f"/annuaire/{service.slug}/signaler/merci/"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Merci, votre signalement a été envoyé" in thanks.content.decode()

    report = ErrorReport.objects.get()
    assert (report.service, report.message, report.contact, report.status) == (
        service,
        "Le numéro ne répond plus.",
        "lea@exemple.fr",
        ReportStatus.NEW,
    )
    to_organisation, to_staff = mail.outbox
    # The service's own address, the organisation's, its active members'.
    assert to_organisation.to == ["epicerie@exemple.org", "contact@epicerie.org", "benevole@epicerie.org"]
    assert to_staff.to == ["annuaire@gers.example", "equipe@gers.example"]
    for message in mail.outbox:
        assert message.subject == "Signalement d'une erreur sur la fiche « Épicerie solidaire »"
        assert message.reply_to == ["lea@exemple.fr"]
        assert "Le numéro ne répond plus." in message.body
        assert f"http://testserver/annuaire/{service.slug}/" in message.body
        assert f"http://127.0.0.1:8000/admin/snippets/directory/errorreport/edit/{report.pk}/" in message.body
    assert "Elle accepte d'être recontactée : lea@exemple.fr" in to_organisation.body
    assert "Transmis à la structure : epicerie@exemple.org, contact@epicerie.org, benevole@epicerie.org" in (
        to_staff.body
    )


def test_staff_are_told_when_the_organisation_has_no_address(client, gers, home, settings):
    settings.DIRECTORY_REPORTS_EMAIL = "annuaire@gers.example"
    service = ServiceFactory(organisation=OrganisationFactory(email=""), email="")
    assert (
        post_report(client, service, message="Fermé depuis juin.", contact="05 62 00 00 00").status_code
        == 303
    )
    (message,) = mail.outbox
    assert message.to == ["annuaire@gers.example"]
    assert message.reply_to == []  # a phone number is not a reply address
    assert "La structure n'a aucune adresse électronique connue" in message.body
    assert "Contact laissé : 05 62 00 00 00" in message.body


def test_the_report_is_kept_when_the_mail_server_is_down(client, service, settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    response = post_report(client, service, message="Adresse erronée.")
    assert response.status_code == 303
    assert ErrorReport.objects.get().message == "Adresse erronée."


def test_honeypot_stores_and_sends_nothing(client, service):
    response = post_report(client, service, message="Achetez nos montres", site_web="http://spam.example")
    assert response.status_code == 400
    assert "Envoi refusé : formulaire rempli automatiquement." in response.content.decode()
    assert not ErrorReport.objects.exists()
    assert mail.outbox == []


def test_rate_limit_answers_429_and_keeps_the_text(client, service, settings):
    settings.DIRECTORY_REPORT_RATE_LIMIT = 2
    for n in range(2):
        assert post_report(client, service, message=f"Erreur {n}").status_code == 303
    response = post_report(client, service, message="Troisième signalement", contact="lea@exemple.fr")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Votre signalement n'a pas encore été envoyé" in html
    form = soup(response)
    assert form.select_one('textarea[name="message"]').get_text().strip() == "Troisième signalement"
    assert form.select_one('input[name="contact"]')["value"] == "lea@exemple.fr"
    assert ErrorReport.objects.count() == 2
    # Another client is not affected.
    other = post_report(client.__class__(REMOTE_ADDR="192.0.2.7"), service, message="Autre")
    assert other.status_code == 303


def test_invalid_input_shows_french_errors_and_keeps_the_text(client, service):
    response = post_report(client, service, message="", contact="lea@exemple.fr")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Décrivez ce qui est inexact sur cette fiche." in html
    assert 'value="lea@exemple.fr"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_message_erreur id_message_helptext"' in html

    long_text = "Les horaires sont faux." * 100
    response = post_report(client, service, message=long_text)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Votre message compte 2300 caractères : raccourcissez-le à 2000." in html
    assert long_text in html
    assert not ErrorReport.objects.exists()
    assert mail.outbox == []


def test_unpublished_or_unknown_services_answer_404(client, service):
    service.live = False
    service.save()
    assert client.get(report_url(service)).status_code == 404
    assert post_report(client, service, message="Erreur").status_code == 404
    assert client.get(f"/annuaire/{service.slug}/signaler/merci/").status_code == 404
    assert client.get("/annuaire/inconnu/signaler/").status_code == 404
    assert not ErrorReport.objects.exists()


def test_user_text_is_plain_text_in_the_e_mails_and_escaped_in_the_admin(client, admin_client, service):
    assert post_report(client, service, message=XSS, contact="<b>moi</b>").status_code == 303
    report = ErrorReport.objects.get()
    for message in mail.outbox:
        # Plain text only: no HTML part where the text could run.
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        assert XSS in message.body
    for url in (admin_url("list"), admin_url("edit", report.pk)):
        html = admin_client.get(url).content.decode()
        assert "<script>alert('x')</script>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert "<b>moi</b>" not in html


def test_admin_listing_columns_and_status_filter(admin_client, service):
    ErrorReport.objects.create(service=service, message="Horaires faux le mardi. " * 10)
    ErrorReport.objects.create(service=service, message="Déjà corrigé", status=ReportStatus.HANDLED)
    html = admin_client.get(admin_url("list")).content.decode()
    # The first column holds the checkboxes for bulk actions.
    assert visible_texts(html, "table.listing thead th") == ["", "Service", "Signalé le", "État", "Extrait"]
    assert "Épicerie solidaire" in html
    # The excerpt: 80 characters at most, ellipsis included.
    assert "Horaires faux le mardi. Horaires faux le mardi. Horaires faux le mardi. Horaire…" in html
    assert "nouveau" in html and "traité" in html

    filtered = admin_client.get(admin_url("list"), {"status": "new"}).content.decode()
    assert "Horaires faux le mardi" in filtered
    assert "Déjà corrigé" not in filtered


def test_admin_edits_only_status_and_notes(admin_client, service):
    report = ErrorReport.objects.create(
        service=service, message="Le local a déménagé.", contact="lea@exemple.fr"
    )
    page = admin_client.get(admin_url("edit", report.pk)).content.decode()
    assert 'name="status"' in page and 'name="staff_notes"' in page
    assert 'name="message"' not in page and 'name="contact"' not in page
    assert "Le local a déménagé." in page and "lea@exemple.fr" in page

    response = admin_client.post(
        admin_url("edit", report.pk),
        {
            "status": "handled",
            "staff_notes": "Adresse corrigée.",
            "message": "Texte réécrit",
            "contact": "autre@exemple.fr",
            "service": "",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.staff_notes) == (ReportStatus.HANDLED, "Adresse corrigée.")
    assert (report.message, report.contact, report.service) == (
        "Le local a déménagé.",
        "lea@exemple.fr",
        service,
    )


def test_nobody_adds_a_report_in_the_admin(admin_client, service):
    listing = admin_client.get(admin_url("list")).content.decode()
    assert admin_url("add") not in listing
    # Wagtail answers a refused admin view with a redirect to the dashboard and a message.
    assert admin_client.get(admin_url("add"))["Location"] == "/admin/"
    assert (
        admin_client.post(admin_url("add"), {"service": service.pk, "message": "x"})["Location"] == "/admin/"
    )
    assert not ErrorReport.objects.exists()
