from importlib.util import find_spec

from django.conf import settings
from django.urls import include, path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("inscription/", views.subscribe_view, name="subscribe"),
    path("inscription/merci/", views.subscribe_done_view, name="subscribe_done"),
    path("confirmation/<str:token>/", views.confirm_view, name="confirm"),
    path("desinscription/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]


def _webhook_secret():
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    return anymail.get("WEBHOOK_SECRET") or getattr(settings, "ANYMAIL_WEBHOOK_SECRET", None)


# A provider's bounce and complaint webhooks (django-anymail), only when they are protected by a secret: an open
# webhook would let anyone mark addresses as bounced.
if find_spec("anymail") and _webhook_secret():
    urlpatterns.append(path("anymail/", include("anymail.urls")))
