"""Create the missing dated stops of the camping-car's recurring stops (idempotent: safe to run every night)."""

from django.core.management.base import BaseCommand, CommandError

from directory.schedules import StopPattern
from directory.tours import generate_stops


class Command(BaseCommand):
    help = (
        "Crée les passages manquants des passages récurrents (tous, ceux d'une tournée ou un seul). Ne crée "
        "jamais de doublon et ne modifie aucun passage existant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tour", help="identifiant (slug) de la tournée")
        parser.add_argument("--pattern", type=int, help="numéro du passage récurrent")
        parser.add_argument(
            "--dry-run", action="store_true", help="affiche ce qui serait créé, sans rien écrire"
        )

    def handle(self, *args, tour=None, pattern=None, dry_run=False, **options):
        patterns = StopPattern.objects.select_related("tour", "commune").order_by("tour__name", "pk")
        if tour:
            patterns = patterns.filter(tour__slug=tour)
            if not patterns.exists():
                raise CommandError(f"Aucun passage récurrent pour la tournée « {tour} ».")
        if pattern is not None:
            patterns = patterns.filter(pk=pattern)
            if not patterns.exists():
                raise CommandError(f"Aucun passage récurrent n° {pattern}.")
        created = 0
        for item in patterns:
            report = generate_stops(item, dry_run=dry_run)
            created += len(report.created)
            self.stdout.write(report.summary())
        verb = "seraient créés" if dry_run else "créés"
        self.stdout.write(self.style.SUCCESS(f"Total : {created} passage(s) {verb}."))
