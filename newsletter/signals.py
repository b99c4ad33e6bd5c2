"""Bounce and complaint events from an e-mail provider (django-anymail's tracking webhooks) mark addresses."""

import logging

from .models import SubscriberStatus

logger = logging.getLogger(__name__)

# Anymail's normalised event types and reject reasons → what they mean for an address.
EVENT_STATUS = {
    "bounced": SubscriberStatus.BOUNCED,
    "complained": SubscriberStatus.COMPLAINED,
    "unsubscribed": SubscriberStatus.UNSUBSCRIBED,
}
REJECT_STATUS = {
    "bounced": SubscriberStatus.BOUNCED,
    "invalid": SubscriberStatus.BOUNCED,
    "spam": SubscriberStatus.COMPLAINED,
    "unsubscribed": SubscriberStatus.UNSUBSCRIBED,
}


def status_for_event(event):
    if event.event_type == "rejected":
        return REJECT_STATUS.get(event.reject_reason)
    return EVENT_STATUS.get(event.event_type)


def handle_tracking(sender, event, esp_name, **kwargs):
    from .subscriptions import mark_undeliverable

    status = status_for_event(event)
    if status is None or not event.recipient:
        return
    subscriber = mark_undeliverable(event.recipient, status)
    if subscriber is not None:
        logger.info("Abonné %s marqué %s par %s.", subscriber.pk, status, esp_name)


def connect_provider_signals():
    try:
        from anymail.signals import tracking
    except ImportError:  # anymail is optional: without it, no provider webhooks
        return
    tracking.connect(handle_tracking, dispatch_uid="newsletter.handle_tracking")
