from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from forms.retention import purge_submissions


class Command(BaseCommand):
    help = gettext_lazy(
        "Supprime les réponses aux formulaires plus anciennes que la durée de conservation "
        "(FORM_SUBMISSION_RETENTION_DAYS, 365 jours par défaut). Sans effet au second passage : à lancer "
        "chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("Durée de conservation en jours (par défaut : réglage FORM_SUBMISSION_RETENTION_DAYS)."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Compte les réponses concernées sans rien supprimer.")
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is None:
            days = getattr(settings, "FORM_SUBMISSION_RETENTION_DAYS", 365)
        if days < 1:
            raise CommandError(_("--days doit être un nombre entier supérieur ou égal à 1."))
        count = purge_submissions(days, dry_run=dry_run)
        if dry_run:
            message = _("Simulation : %(count)s réponse(s) de plus de %(days)s jours seraient supprimées.")
        else:
            message = _("%(count)s réponse(s) de plus de %(days)s jours supprimée(s).")
        self.stdout.write(message % {"count": count, "days": days})
