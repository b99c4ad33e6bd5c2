from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Pages du site")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.site_url import on_post_migrate

        # Each deploy runs migrate: the Site record then follows SITE_URL.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="home_site_follows_site_url")
