"""Create the missing dated stops of the camping-car's recurring stops (idempotent: safe to run every night)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from directory.tours.models import StopPattern
from directory.tours.stops import generate_stops


class Command(BaseCommand):
    help = gettext_lazy(
        "Crée les passages manquants des passages récurrents (tous, ceux d'une tournée ou un seul). Ne crée "
        "jamais de doublon et ne modifie aucun passage existant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tour", help=_("identifiant (slug) de la tournée"))
        parser.add_argument("--pattern", type=int, help=_("numéro du passage récurrent"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("affiche ce qui serait créé, sans rien écrire")
        )

    def handle(self, *args, tour=None, pattern=None, dry_run=False, **options):
        # Only approved patterns: generated stops are published at once with the pattern's text.
        patterns = (
            StopPattern.objects.filter(live=True)
            .select_related("tour", "commune")
            .order_by("tour__name", "pk")
        )
        if tour:
            patterns = patterns.filter(tour__slug=tour)
            if not patterns.exists():
                raise CommandError(
                    _("Aucun passage récurrent pour la tournée « %(tour)s ».") % {"tour": tour}
                )
        if pattern is not None:
            patterns = patterns.filter(pk=pattern)
            if not patterns.exists():
                raise CommandError(_("Aucun passage récurrent n° %(pattern)s.") % {"pattern": pattern})
        created = 0
        for item in patterns:
            report = generate_stops(item, dry_run=dry_run)
            created += len(report.created)
            self.stdout.write(report.summary())
        if dry_run:
            total = _("Total : %(count)s passage(s) seraient créés.")
        else:
            total = _("Total : %(count)s passage(s) créés.")
        self.stdout.write(self.style.SUCCESS(total % {"count": created}))
