from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forms.retention import purge_submissions


class Command(BaseCommand):
    help = (
        "Supprime les réponses aux formulaires plus anciennes que la durée de conservation "
        "(FORM_SUBMISSION_RETENTION_DAYS, 365 jours par défaut). Sans effet au second passage : à lancer "
        "chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Durée de conservation en jours (par défaut : réglage FORM_SUBMISSION_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Compte les réponses concernées sans rien supprimer."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is None:
            days = getattr(settings, "FORM_SUBMISSION_RETENTION_DAYS", 365)
        if days < 1:
            raise CommandError("--days doit être un nombre entier supérieur ou égal à 1.")
        count = purge_submissions(days, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Simulation : {count} réponse(s) de plus de {days} jours seraient supprimées.")
        else:
            self.stdout.write(f"{count} réponse(s) de plus de {days} jours supprimée(s).")
