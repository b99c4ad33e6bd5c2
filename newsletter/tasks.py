"""Background work (django-tasks; `manage.py db_worker` runs it with the database backend).

Each task is defined with the work it does, so that the module queueing it need not import this one (they used to
import each other): sending an issue in newsletter.sending, confirmation e-mails in newsletter.subscriptions. Their
names stay here: tasks queued before the move were stored under these paths, and the worker imports them by path.
"""

from .sending import send_campaign
from .subscriptions import send_confirmation, send_confirmations

__all__ = ["send_campaign", "send_confirmation", "send_confirmations"]
