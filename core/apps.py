from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Code several apps share (protection, phones, slugs, spreadsheets, public addresses); no models, and it
    imports none of the feature apps (an import-linter contract, `make lint`)."""

    name = "core"
    verbose_name = _("Outils communs")
