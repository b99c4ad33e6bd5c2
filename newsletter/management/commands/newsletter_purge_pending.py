from django.conf import settings
from django.core.management.base import BaseCommand

from newsletter.subscriptions import purge_unconfirmed


class Command(BaseCommand):
    help = "Efface les adresses jamais confirmées (RGPD), après NEWSLETTER_PENDING_RETENTION_DAYS jours."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.NEWSLETTER_PENDING_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        count = purge_unconfirmed(days=days)
        self.stdout.write(f"{count} adresse(s) non confirmée(s) effacée(s).")
