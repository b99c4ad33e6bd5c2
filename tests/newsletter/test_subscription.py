"""Double opt-in through the public pages, with the confirmation e-mail caught by a real SMTP server."""

import re
import time
from html import escape

import pytest
from django.test import Client

from newsletter.models import Consent, Subscriber, SubscriberStatus
from newsletter.models import ConsentSource as Source

pytestmark = pytest.mark.django_db

SUBSCRIBE_URL = "/lettre/inscription/"


def post_subscription(client, capture, email="Marie.Dupont@Exemple.FR", consent=True, **extra):
    data = {"email": email, "site_web": "", **extra}
    if consent:
        data["consent"] = "on"
    with capture(execute=True):
        return client.post(SUBSCRIBE_URL, data)


def confirmation_link(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https://gers\.example(/lettre/confirmation/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def test_subscribe_confirm_records_consent(
    client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    wording = newsletter_index.consent_wording
    page = client.get(newsletter_index.url)
    assert page.status_code == 200
    assert escape(wording) in page.content.decode()

    response = post_subscription(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/lettre/inscription/merci/"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.email == "Marie.Dupont@exemple.fr"

    assert smtp_settings.handler.count() == 1
    [message] = smtp_settings.handler.messages_to("Marie.Dupont@exemple.fr")
    assert "Confirmez" in message["Subject"]
    assert message.get_body(preferencelist=("html",)) is not None
    link = confirmation_link(message)

    # Opening the link does not subscribe (mail scanners open links); the button does.
    landing = client.get(link)
    assert landing.status_code == 200
    assert "Confirmer mon inscription" in landing.content.decode()
    assert escape(wording) in landing.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING

    done = client.post(link)
    assert done.status_code == 200
    assert "Inscription confirmée" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    consent = Consent.objects.get(subscriber=subscriber)
    assert consent.wording == wording
    assert consent.source == Source.FORM
    assert consent.given_at is not None and consent.confirmed_at is not None
    assert consent.ip_hash and "127.0.0.1" not in consent.ip_hash
    # Confirming again is harmless.
    assert client.post(link).status_code == 200
    assert Consent.objects.count() == 1


def test_same_answer_whatever_the_address(
    client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    Subscriber.objects.create(email="deja@exemple.fr", status=SubscriberStatus.CONFIRMED)
    Subscriber.objects.create(email="parti@exemple.fr", status=SubscriberStatus.COMPLAINED)
    answers = []
    for email in ("nouveau@exemple.fr", "DEJA@exemple.fr", "parti@exemple.fr"):
        response = post_subscription(client, django_capture_on_commit_callbacks, email=email)
        answers.append((response.status_code, response["Location"]))
    assert len(set(answers)) == 1
    done = client.get("/lettre/inscription/merci/").content.decode()
    assert "Si cette adresse n'est pas encore inscrite" in done
    # Only the new address got a message; nothing went to the confirmed or the complaining address.
    assert smtp_settings.handler.recipients() == {"nouveau@exemple.fr": 1}
    assert Subscriber.objects.filter(email__iexact="deja@exemple.fr").count() == 1


def test_resubmitting_does_not_flood_the_mailbox(
    client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    for _ in range(3):
        post_subscription(client, django_capture_on_commit_callbacks, email="marie@exemple.fr")
    assert smtp_settings.handler.recipients() == {"marie@exemple.fr": 1}


def test_bad_input_gets_french_messages(
    client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    response = post_subscription(
        client, django_capture_on_commit_callbacks, email="pas-une-adresse", consent=False
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Cette adresse électronique n&#x27;est pas valide" in body
    assert "Cochez la case pour accepter" in body
    assert 'aria-invalid="true"' in body
    assert not Subscriber.objects.exists()
    assert smtp_settings.handler.count() == 0


def test_honeypot_refuses_robots(client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks):
    response = post_subscription(client, django_capture_on_commit_callbacks, site_web="http://spam.example")
    assert response.status_code == 400
    assert "formulaire rempli automatiquement" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert smtp_settings.handler.count() == 0


def test_rate_limited(client, settings, smtp_settings, newsletter_index, django_capture_on_commit_callbacks):
    settings.NEWSLETTER_SUBSCRIBE_RATE_LIMIT = 2
    for number in range(2):
        assert (
            post_subscription(
                client, django_capture_on_commit_callbacks, email=f"a{number}@exemple.fr"
            ).status_code
            == 302
        )
    response = post_subscription(client, django_capture_on_commit_callbacks, email="a3@exemple.fr")
    assert response.status_code == 429
    assert "patientez" in response.content.decode()
    assert not Subscriber.objects.filter(email="a3@exemple.fr").exists()


def test_expired_and_forged_links(
    client, settings, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    post_subscription(client, django_capture_on_commit_callbacks, email="lent@exemple.fr")
    link = confirmation_link(smtp_settings.handler.messages_to("lent@exemple.fr")[0])
    settings.NEWSLETTER_CONFIRMATION_MAX_AGE = 1
    time.sleep(1.1)
    expired = client.post(link)
    assert expired.status_code == 400
    assert "a expiré" in expired.content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING

    forged = client.get(link[:-3] + "xx/")
    assert forged.status_code == 400
    assert "Ce lien n'est pas valable" in forged.content.decode()


def test_confirmation_only_for_pending(
    client, smtp_settings, newsletter_index, django_capture_on_commit_callbacks
):
    post_subscription(client, django_capture_on_commit_callbacks, email="change@exemple.fr")
    link = confirmation_link(smtp_settings.handler.messages_to("change@exemple.fr")[0])
    Subscriber.objects.update(status=SubscriberStatus.UNSUBSCRIBED)
    response = Client().post(link)
    assert response.status_code == 400
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED
