"""Background work (django-tasks; `manage.py db_worker` runs it with the database backend)."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_campaign(campaign_id):
    from .sending import run_campaign

    return run_campaign(campaign_id)


def _confirmation_for(subscriber_id):
    from .emails import confirmation_message
    from .models import Subscriber, SubscriberStatus
    from .subscriptions import current_consent_wording, pending_consent

    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=SubscriberStatus.PENDING).first()
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
    import time

    from django.conf import settings
    from django.core.mail import get_connection

    from .sending import Pacer

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
