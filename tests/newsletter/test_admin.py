"""The Wagtail admin: e-mail preview, test send, send, report, resume, import — and who may use them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from newsletter.models import Campaign, CampaignStatus, Consent, Delivery, Subscriber, SubscriberStatus

from .conftest import make_subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    """An editor who can edit pages but holds none of the newsletter permissions."""
    user = django_user_model.objects.create_user("redac", "redac@gers.example", "motdepasse-solide-1")
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    client.force_login(user)
    return client


def test_email_preview_mode(admin_client, issue):
    assert ("email", "E-mail") in [(mode, str(label)) for mode, label in issue.preview_modes]
    response = issue.make_preview_request(preview_mode="email")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html and 'style="' in html
    assert "Bonjour à toutes et à tous" in html
    web = issue.make_preview_request(preview_mode="")
    assert web.status_code == 200 and "<main" in web.content.decode()


def test_issue_page_shows_send_buttons(admin_client, issue):
    response = admin_client.get(f"/admin/pages/{issue.pk}/edit/")
    body = response.content.decode()
    assert f"/admin/lettre-information/lettre/{issue.pk}/essai/" in body
    assert f"/admin/lettre-information/lettre/{issue.pk}/envoi/" in body


def test_test_send_goes_to_staff_only(admin_client, smtp_settings, issue):
    make_subscribers(3)
    url = f"/admin/lettre-information/lettre/{issue.pk}/essai/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "admin@gers.example" in page.content.decode()
    refused = admin_client.post(url, {"recipients": ["abonne0@exemple.fr"]})
    assert refused.status_code == 200  # not a staff address: the form refuses it
    assert smtp_settings.handler.count() == 0
    response = admin_client.post(url, {"recipients": ["admin@gers.example"]})
    assert response.status_code == 302
    [message] = smtp_settings.handler.messages_to("admin@gers.example")
    assert message["Subject"].startswith("[ESSAI] ")
    assert smtp_settings.handler.count() == 1
    assert not Campaign.objects.exists()


def test_test_send_is_offered_to_the_newsletter_team_not_to_every_admin_account(
    admin_client, django_user_model, issue
):
    # Partners log in to the admin to edit their listings: an unpublished issue is not theirs to receive.
    partner = django_user_model.objects.create_user(
        "partenaire", "partenaire@asso.example", "motdepasse-solide-1"
    )
    partners = Group.objects.create(name="Partenaires (essai)")
    partners.permissions.add(Permission.objects.get(codename="access_admin"))
    partner.groups.add(partners)
    colleague = django_user_model.objects.create_user("comm", "comm@gers.example", "motdepasse-solide-1")
    team = Group.objects.create(name="Communication (essai)")
    team.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "send_test"]))
    colleague.groups.add(team)
    url = f"/admin/lettre-information/lettre/{issue.pk}/essai/"
    body = admin_client.get(url).content.decode()
    assert "admin@gers.example" in body and "comm@gers.example" in body
    assert "partenaire@asso.example" not in body
    assert admin_client.post(url, {"recipients": ["partenaire@asso.example"]}).status_code == 200  # refused


def test_newsletter_permissions_are_required(editor_client, issue):
    for url in (
        f"/admin/lettre-information/lettre/{issue.pk}/essai/",
        f"/admin/lettre-information/lettre/{issue.pk}/envoi/",
        "/admin/lettre-information/envois/",
        "/admin/lettre-information/import/",
    ):
        # Wagtail's admin answers a refused permission with a redirect and a message.
        assert editor_client.get(url).status_code in (302, 403), url
    assert editor_client.post(f"/admin/lettre-information/lettre/{issue.pk}/envoi/").status_code in (302, 403)
    assert not Campaign.objects.exists()


def test_send_then_report(admin_client, smtp_settings, issue, django_capture_on_commit_callbacks):
    make_subscribers(5)
    make_subscribers(2, status=SubscriberStatus.PENDING, prefix="attente")
    page = admin_client.get(f"/admin/lettre-information/lettre/{issue.pk}/envoi/")
    assert "5 abonnés" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/lettre-information/lettre/{issue.pk}/envoi/")
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/envois/{campaign.pk}/")
    # The test settings run tasks immediately: the send is over.
    assert len(smtp_settings.handler.recipients()) == 5
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DONE
    report = admin_client.get(f"/admin/lettre-information/envois/{campaign.pk}/")
    assert report.status_code == 200
    body = report.content.decode()
    assert "Envoyés" in body and "Désinscrits depuis l'envoi" in body
    listing = admin_client.get("/admin/lettre-information/envois/")
    assert campaign.subject in listing.content.decode()
    # A second send of the same issue is refused.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/lettre-information/lettre/{issue.pk}/envoi/")
    assert Campaign.objects.count() == 1 and len(smtp_settings.handler.recipients()) == 5


def test_resume_from_the_report(admin_client, smtp_settings, issue, django_capture_on_commit_callbacks):
    make_subscribers(3)
    from newsletter import sending

    campaign = sending.create_campaign(issue, enqueue=False)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.INTERRUPTED, last_error="Serveur absent"
    )
    report = admin_client.get(f"/admin/lettre-information/envois/{campaign.pk}/")
    assert "Reprendre l'envoi" in report.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/lettre-information/envois/{campaign.pk}/reprendre/")
    assert response.status_code == 302
    assert len(smtp_settings.handler.recipients()) == 3
    assert Delivery.objects.filter(status="sent").count() == 3


def test_subscribers_are_read_only_but_erasable(admin_client, issue):
    [subscriber] = make_subscribers(1)
    Consent.objects.create(subscriber=subscriber, wording="Oui", source="form")
    listing = admin_client.get("/admin/newsletter_subscribers/")
    assert listing.status_code == 200 and "abonne0@exemple.fr" in listing.content.decode()
    inspect = admin_client.get(f"/admin/newsletter_subscribers/inspect/{subscriber.pk}/")
    assert inspect.status_code == 200 and "Consentements" in inspect.content.decode()
    assert admin_client.get("/admin/newsletter_subscribers/add/").status_code in (302, 403, 404)
    assert admin_client.get(f"/admin/newsletter_subscribers/edit/{subscriber.pk}/").status_code in (
        302,
        403,
        404,
    )
    admin_client.post(f"/admin/newsletter_subscribers/delete/{subscriber.pk}/")
    assert not Subscriber.objects.exists() and not Consent.objects.exists()


def test_import_keep_consent_in_the_admin(admin_client, issue):
    Subscriber.objects.create(email="parti@exemple.fr", status=SubscriberStatus.UNSUBSCRIBED)
    data = (
        b"email;date_consentement\n"
        b"marie@exemple.fr;2023-05-02\n"
        b"PARTI@exemple.fr;2023-05-02\n"
        b"paul@exemple.fr;\n"
        b"pas-une-adresse;2023-05-02\n"
        b"lea@exemple.fr;02/06/2023\n"
    )
    response = admin_client.post(
        "/admin/lettre-information/import/",
        {
            "file": SimpleUploadedFile("liste.csv", data, content_type="text/csv"),
            "mode": "keep",
            "origin": "Inscriptions papier 2023",
            "wording": "J'accepte de recevoir la lettre.",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Import terminé" in body and "Ligne 4" in body and "Ligne 5" in body
    assert set(
        Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED).values_list("email", flat=True)
    ) == {
        "marie@exemple.fr",
        "lea@exemple.fr",
    }
    assert Subscriber.objects.get(email="parti@exemple.fr").status == SubscriberStatus.UNSUBSCRIBED
    consent = Consent.objects.get(subscriber__email="lea@exemple.fr")
    assert consent.source == "import" and consent.origin == "Inscriptions papier 2023"
    assert timezone.localdate(consent.given_at).isoformat() == "2023-06-02"


def test_import_form_errors_are_french(admin_client, issue):
    response = admin_client.post(
        "/admin/lettre-information/import/",
        {
            "file": SimpleUploadedFile("liste.xlsx", b"x", content_type="application/octet-stream"),
            "mode": "keep",
            "origin": "x",
        },
    )
    body = response.content.decode()
    assert "format CSV" in body and "Indiquez le texte que ces personnes ont accepté" in body
