from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from newsletter.subscriptions import purge_unconfirmed


class Command(BaseCommand):
    help = gettext_lazy(
        "Efface les adresses jamais confirmées (RGPD), après NEWSLETTER_PENDING_RETENTION_DAYS jours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.NEWSLETTER_PENDING_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        count = purge_unconfirmed(days=days)
        self.stdout.write(_("%(count)s adresse(s) non confirmée(s) effacée(s).") % {"count": count})
