"""Subscribing (double opt-in), confirming, unsubscribing, and what a provider's bounce or complaint changes.

Nothing but the confirmation e-mail is ever sent to an address that has not confirmed.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from .emails import confirmation_message
from .models import DEFAULT_CONSENT_WORDING, Consent, ConsentSource, NewsletterIndexPage, Subscriber
from .models import SubscriberStatus as Status
from .sending import Pacer

logger = logging.getLogger(__name__)

# A second confirmation e-mail to the same address waits this long: the form cannot be used to flood a mailbox.
CONFIRMATION_RESEND_INTERVAL = timedelta(minutes=5)


def current_consent_wording():
    page = NewsletterIndexPage.objects.live().first()
    return page.consent_wording if page and page.consent_wording.strip() else DEFAULT_CONSENT_WORDING


def normalise_email(email):
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.strip()


def find_subscriber(email):
    return Subscriber.objects.filter(email__iexact=normalise_email(email)).first()


def _enqueue_confirmation(subscriber_id):
    transaction.on_commit(lambda: send_confirmation.enqueue(subscriber_id))


def subscribe(email, wording, *, source=ConsentSource.FORM, origin="", ip_hash="", now=None):
    """Ask this address to confirm. Returns nothing on purpose: the caller must answer the same in every case."""
    now = now or timezone.now()
    email = normalise_email(email)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email, status_changed_at=now)
            except IntegrityError:  # the same address submitted twice at once
                subscriber = Subscriber.objects.select_for_update().get(email__iexact=email)
        if subscriber.status == Status.CONFIRMED:
            return
        if subscriber.status == Status.COMPLAINED:
            # They reported us as spam: no more mail, not even a confirmation, unless staff clear it.
            logger.info(
                "Inscription ignorée : adresse signalée comme indésirable (abonné %s).", subscriber.pk
            )
            return
        if subscriber.status != Status.PENDING:
            subscriber.set_status(Status.PENDING, now)
        if (
            subscriber.confirmation_sent_at
            and now - subscriber.confirmation_sent_at < CONFIRMATION_RESEND_INTERVAL
        ):
            subscriber.save()
            return
        Consent.objects.create(
            subscriber=subscriber,
            wording=wording,
            source=source,
            origin=origin,
            given_at=now,
            ip_hash=ip_hash,
        )
        subscriber.confirmation_sent_at = now
        subscriber.save()
        _enqueue_confirmation(subscriber.pk)


def pending_consent(subscriber):
    return subscriber.consents.filter(confirmed_at__isnull=True, withdrawn_at__isnull=True).first()


def confirm(subscriber, now=None):
    """Record the confirmation and its consent. False when this address is no longer waiting to confirm."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status == Status.CONFIRMED:
            return True
        if subscriber.status != Status.PENDING:
            return False
        consent = pending_consent(subscriber)
        if consent is None:
            consent = Consent(
                subscriber=subscriber, wording=current_consent_wording(), source=ConsentSource.FORM
            )
        consent.confirmed_at = now
        consent.given_at = consent.given_at or now
        consent.save()
        subscriber.set_status(Status.CONFIRMED, now)
        subscriber.confirmed_at = now
        subscriber.save()
    return True


def unsubscribe(subscriber, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status in (Status.CONFIRMED, Status.PENDING):
            subscriber.set_status(Status.UNSUBSCRIBED, now)
            subscriber.save(update_fields=["status", "status_changed_at"])
        subscriber.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
    return subscriber


def mark_undeliverable(email, status, now=None):
    """A provider says this address bounced or complained: stop sending to it. Returns the subscriber, if any."""
    assert status in (Status.BOUNCED, Status.COMPLAINED, Status.UNSUBSCRIBED)
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update().filter(email__iexact=normalise_email(email)).first()
        )
        if subscriber is None:
            return None
        # A complaint outranks a bounce, and neither reopens an address that already left.
        rank = {Status.BOUNCED: 1, Status.UNSUBSCRIBED: 2, Status.COMPLAINED: 3}
        if rank.get(subscriber.status, 0) < rank[status]:
            subscriber.set_status(status, now)
            subscriber.save(update_fields=["status", "status_changed_at"])
    return subscriber


def purge_unconfirmed(days=None, now=None):
    """Delete addresses that never confirmed (RGPD: no reason to keep them). Returns how many went."""
    days = settings.NEWSLETTER_PENDING_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    stale = Subscriber.objects.filter(
        status=Status.PENDING, confirmed_at__isnull=True, status_changed_at__lt=cutoff
    )
    count = stale.count()
    stale.delete()
    return count


# --- Confirmation e-mails, in the background (django-tasks) -----------------------------------------------------


def _confirmation_for(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=Status.PENDING).first()
    if subscriber is None:
        return None
    consent = pending_consent(subscriber)
    return confirmation_message(subscriber, consent.wording if consent else current_consent_wording())


@task()
def send_confirmation(subscriber_id):
    """The confirmation e-mail: the only message a pending address ever gets."""
    message = _confirmation_for(subscriber_id)
    if message is None:
        return False
    message.send(fail_silently=False)
    return True


@task()
def send_confirmations(subscriber_ids):
    """Confirmation e-mails after an import asking a whole list to confirm again, paced like an issue."""
    pacer = Pacer(settings.NEWSLETTER_RATE_PER_MINUTE)
    sent = failed = 0
    with get_connection(fail_silently=False) as connection:
        for subscriber_id in subscriber_ids:
            message = _confirmation_for(subscriber_id)
            if message is None:
                continue
            time.sleep(pacer.delay())
            pacer.tick()
            try:
                connection.send_messages([message])
                sent += 1
            except Exception:
                failed += 1
                logger.exception("Confirmation non envoyée à l'abonné %s", subscriber_id)
                connection.close()
                connection.open()
    return {"sent": sent, "failed": failed}
