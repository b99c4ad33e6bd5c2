from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "observatory"
    verbose_name = _("Observatoire territorial")

    def ready(self):
        # The directory never imports this app: the observatory listens to its signals from here.
        from .signals import connect_signals

        connect_signals()
