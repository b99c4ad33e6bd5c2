"""Recompute the observatory after the directory changes: publications, unpublications, deletions, stops."""

import logging
import threading

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def _enqueue():
    from .tasks import compute_coverage

    try:
        compute_coverage.enqueue()
    except Exception:
        # The change itself is saved; the daily `compute_coverage` run catches up. Never break an edit for it.
        logger.exception("Could not enqueue the observatory computation.")


_pending = threading.local()


def schedule_computation():
    """One computation per transaction, enqueued once it commits (the worker then sees the change).

    The callback waiting for this transaction's commit is remembered; a rollback drops it from the connection's
    list, and so does running it: then the next change schedules a new one.
    """
    waiting = getattr(_pending, connection.alias, None)
    if (
        waiting is not None
        and connection.in_atomic_block
        and any(entry[1] is waiting for entry in connection.run_on_commit)
    ):
        return

    def run():
        setattr(_pending, connection.alias, None)
        _enqueue()

    setattr(_pending, connection.alias, run)
    transaction.on_commit(run)


def _changed(sender, instance=None, **kwargs):
    schedule_computation()


def connect_signals():
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import published, unpublished

    from directory.models import Service, Stop, Tour

    for model in (Service, Tour):
        published.connect(_changed, sender=model, dispatch_uid=f"observatory_{model.__name__}_published")
        unpublished.connect(_changed, sender=model, dispatch_uid=f"observatory_{model.__name__}_unpublished")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"observatory_{model.__name__}_deleted")
    post_save.connect(_changed, sender=Stop, dispatch_uid="observatory_stop_saved")
    post_delete.connect(_changed, sender=Stop, dispatch_uid="observatory_stop_deleted")
