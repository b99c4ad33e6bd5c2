from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Lettre d'information")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals
        from .roles import on_post_migrate

        # The staff group's newsletter permissions exist on every database, test ones included.
        post_migrate.connect(on_post_migrate, dispatch_uid="newsletter_staff_roles")

        signals.connect_provider_signals()
