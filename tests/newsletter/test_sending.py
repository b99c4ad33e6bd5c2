"""Sending an issue through Django's SMTP backend to a real SMTP server on loopback."""

import re
from collections import Counter

import pytest
from django.test import Client

from newsletter import sending
from newsletter.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, Subscriber, SubscriberStatus

from .conftest import make_subscribers
from .smtp_sink import SinkProcess

pytestmark = pytest.mark.django_db


def send_now(issue):
    campaign = sending.create_campaign(issue, enqueue=False)
    result = sending.run_campaign(campaign.pk)
    campaign.refresh_from_db()
    return campaign, result


def unsubscribe_link(message):
    header = message["List-Unsubscribe"]
    match = re.search(r"<https://gers\.example(/lettre/desinscription/[^>]+/)>", header)
    assert match, header
    return match.group(1)


def test_issue_mail_headers_and_parts(smtp_settings, issue):
    make_subscribers(2)
    make_subscribers(2, status=SubscriberStatus.PENDING, prefix="attente")
    make_subscribers(1, status=SubscriberStatus.UNSUBSCRIBED, prefix="parti")
    campaign, result = send_now(issue)

    assert result["sent"] == 2 and result["status"] == CampaignStatus.DONE
    # Nothing ever goes to a pending or unsubscribed address.
    assert set(smtp_settings.handler.recipients()) == {"abonne0@exemple.fr", "abonne1@exemple.fr"}

    [message] = smtp_settings.handler.messages_to("abonne0@exemple.fr")
    assert message["Subject"] == "Lettre de mars"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = str(message["List-Unsubscribe"]).strip()
    assert re.fullmatch(
        r"<https://gers\.example/lettre/desinscription/[^>]+/>, <mailto:desinscription@gers\.example\?subject=[^>]+>",
        links,
    )
    assert message["List-Id"]
    delivery = Delivery.objects.get(subscriber__email="abonne0@exemple.fr")
    assert message["Message-ID"] == f"<lettre.{campaign.pk}.{delivery.pk}@gerssolidaire.org>"

    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<style" not in html and "<link" not in html and "stylesheet" not in html
    assert 'style="' in html
    assert 'href="https://gers.example/annuaire/"' in html  # rich text links made absolute
    assert "Bonjour à toutes et à tous" in text and "https://gers.example/annuaire/" in text
    assert "https://desinscription.invalid" not in html + text
    assert unsubscribe_link(message) in html and unsubscribe_link(message) in text
    assert all(len(line) <= 998 for line in html.splitlines())


def test_unsubscribe_page_then_button(smtp_settings, issue):
    make_subscribers(1)
    send_now(issue)
    link = unsubscribe_link(smtp_settings.handler.messages_to("abonne0@exemple.fr")[0])
    client = Client(enforce_csrf_checks=True)

    page = client.get(link)
    assert page.status_code == 200
    assert "Me désinscrire" in page.content.decode()
    assert (
        Subscriber.objects.get().status == SubscriberStatus.CONFIRMED
    )  # a GET (or a link scanner) changes nothing

    done = client.post(link)
    assert done.status_code == 200
    assert "Désinscription enregistrée" in done.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert client.post(link).status_code == 200  # twice is fine


def test_rfc8058_one_click_post_without_csrf_token(smtp_settings, issue):
    make_subscribers(1)
    send_now(issue)
    link = unsubscribe_link(smtp_settings.handler.messages_to("abonne0@exemple.fr")[0])
    response = Client(enforce_csrf_checks=True).post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED


def test_forged_unsubscribe_link(client, smtp_settings, issue):
    [subscriber] = make_subscribers(1)
    response = client.post(f"/lettre/desinscription/{subscriber.key.hex}:forged/")
    assert response.status_code == 400
    assert "lien de désinscription n'est pas valable" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_subscriber_leaving_mid_send_is_skipped_and_reported(smtp_settings, issue):
    subscribers = make_subscribers(3)
    campaign = sending.create_campaign(issue, enqueue=False)
    Subscriber.objects.filter(pk=subscribers[1].pk).update(status=SubscriberStatus.UNSUBSCRIBED)
    sending.run_campaign(campaign.pk)
    assert set(smtp_settings.handler.recipients()) == {"abonne0@exemple.fr", "abonne2@exemple.fr"}
    assert Delivery.objects.get(subscriber=subscribers[1]).status == DeliveryStatus.SKIPPED

    # Unsubscribing through this letter's link counts in its report.
    link = unsubscribe_link(smtp_settings.handler.messages_to("abonne0@exemple.fr")[0])
    Client().post(link)
    report = sending.campaign_report(Campaign.objects.get())
    assert report.counts["sent"] == 2 and report.counts["skipped"] == 1
    assert report.departed[SubscriberStatus.UNSUBSCRIBED] == 1


def test_three_thousand_recipients(smtp_settings, issue, settings, tmp_path):
    # The server runs in its own process here, so that 3,000 messages do not fight the sender for the GIL.
    sink = SinkProcess(tmp_path / "sink.log").start()
    try:
        settings.EMAIL_PORT = sink.port
        settings.NEWSLETTER_BATCH_SIZE = 500
        make_subscribers(3000)
        campaign, result = send_now(issue)
    finally:
        sink.stop()
    received = sink.received()
    recipients = Counter(recipient for recipient, _message_id in received)
    assert len(recipients) == 3000
    assert set(recipients.values()) == {1}
    assert len({message_id for _recipient, message_id in received}) == 3000
    assert result["sent"] == 3000
    assert Delivery.objects.filter(campaign=campaign).count() == 3000
    assert (
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT, sent_at__isnull=False).count()
        == 3000
    )


def test_transient_failures_are_retried_then_sent(smtp_settings, issue):
    make_subscribers(3)
    handler = smtp_settings.handler
    handler.data_replies["abonne1@exemple.fr"] = [
        "451 4.3.0 Réessayez plus tard",
        "451 4.3.0 Réessayez plus tard",
    ]
    handler.rcpt_replies["abonne2@exemple.fr"] = ["450 4.2.1 Boîte momentanément indisponible"]
    campaign, result = send_now(issue)
    assert handler.recipients() == {"abonne0@exemple.fr": 1, "abonne1@exemple.fr": 1, "abonne2@exemple.fr": 1}
    assert result["sent"] == 3
    retried = Delivery.objects.get(subscriber__email="abonne1@exemple.fr")
    assert retried.status == DeliveryStatus.SENT and retried.attempts == 3
    assert Delivery.objects.get(subscriber__email="abonne2@exemple.fr").attempts == 2


def test_permanent_failures_and_give_up(smtp_settings, issue, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 3
    make_subscribers(3)
    handler = smtp_settings.handler
    handler.rcpt_replies["abonne0@exemple.fr"] = ["550 5.1.1 Adresse inconnue"]
    handler.data_replies["abonne1@exemple.fr"] = ["451 4.3.0 Plus tard"] * 5
    campaign, result = send_now(issue)
    assert handler.recipients() == {"abonne2@exemple.fr": 1}
    unknown = Delivery.objects.get(subscriber__email="abonne0@exemple.fr")
    assert unknown.status == DeliveryStatus.FAILED and unknown.attempts == 1 and "550" in unknown.last_error
    busy = Delivery.objects.get(subscriber__email="abonne1@exemple.fr")
    assert busy.status == DeliveryStatus.FAILED and busy.attempts == 3 and "451" in busy.last_error
    assert campaign.status == CampaignStatus.DONE
    report = sending.campaign_report(campaign)
    assert sorted(d.subscriber.email for d in report.failures) == ["abonne0@exemple.fr", "abonne1@exemple.fr"]


def test_server_down_interrupts_then_resumes(settings, smtp_settings, issue):
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    make_subscribers(2)
    campaign = sending.create_campaign(issue, enqueue=False)
    settings.EMAIL_PORT = smtp_settings.port + 1 if smtp_settings.port < 65535 else 1  # nobody listens there
    result = sending.run_campaign(campaign.pk)
    campaign.refresh_from_db()
    assert result["status"] == CampaignStatus.INTERRUPTED and campaign.status == CampaignStatus.INTERRUPTED
    assert campaign.last_error
    assert (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count() == 2
    )  # nobody was charged

    settings.EMAIL_PORT = smtp_settings.port
    sending.resume_campaign(campaign, enqueue=False)
    result = sending.run_campaign(campaign.pk)
    assert result["sent"] == 2 and result["status"] == CampaignStatus.DONE
    assert set(smtp_settings.handler.recipients().values()) == {1}


def test_an_issue_is_sent_once(smtp_settings, issue):
    make_subscribers(1)
    sending.create_campaign(issue, enqueue=False)
    with pytest.raises(sending.AlreadySent):
        sending.create_campaign(issue, enqueue=False)


def test_a_connection_lost_after_the_data_is_uncertain_not_resent(smtp_settings, issue):
    """The end of data left, then the connection broke: maybe delivered. Never resent without being asked."""
    make_subscribers(2)
    smtp_settings.handler.drop_after_data.add("abonne0@exemple.fr")
    campaign = sending.create_campaign(issue, enqueue=False)
    sending.run_campaign(campaign.pk)
    assert smtp_settings.handler.recipients() == {"abonne0@exemple.fr": 1, "abonne1@exemple.fr": 1}
    uncertain = Delivery.objects.get(subscriber__email="abonne0@exemple.fr")
    assert uncertain.status == DeliveryStatus.SENDING and "Incertain" in uncertain.last_error
    report = sending.campaign_report(Campaign.objects.get())
    assert [d.subscriber.email for d in report.uncertain] == ["abonne0@exemple.fr"]

    # Resuming sends nothing more: the uncertain one is not sent twice.
    sending.resume_campaign(campaign, enqueue=False)
    sending.run_campaign(campaign.pk)
    assert smtp_settings.handler.recipients() == {"abonne0@exemple.fr": 1, "abonne1@exemple.fr": 1}

    # Only when staff ask for it, with the same Message-ID so that receivers can drop the copy.
    first_id = smtp_settings.handler.messages_to("abonne0@exemple.fr")[0]["Message-ID"]
    sending.resume_campaign(campaign, resend_uncertain=True, enqueue=False)
    sending.run_campaign(campaign.pk)
    copies = smtp_settings.handler.messages_to("abonne0@exemple.fr")
    assert len(copies) == 2 and copies[1]["Message-ID"] == first_id
    assert Delivery.objects.get(subscriber__email="abonne0@exemple.fr").status == DeliveryStatus.SENT
