from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from observatory.coverage import HORIZON_DAYS, compute


class Command(BaseCommand):
    help = gettext_lazy(
        "Calcule la couverture (distance de chaque commune à l'aide la plus proche, par thématique) et les "
        "chiffres des portraits de territoire, et les enregistre. À lancer chaque jour (les passages "
        "itinérants à venir changent avec la date) ; les publications le déclenchent aussi en tâche de fond."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--horizon",
            type=int,
            default=HORIZON_DAYS,
            help=_("passages itinérants pris en compte, en jours à partir d'aujourd'hui (défaut : %(days)s)")
            % {"days": HORIZON_DAYS},
        )

    def handle(self, *args, horizon, **options):
        if not 1 <= horizon <= 366:
            raise CommandError(_("--horizon doit être compris entre 1 et 366 jours."))
        run = compute(horizon_days=horizon)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Couverture calculée en %(duration)s ms : %(services)s services situés, "
                    "%(stops)s passages itinérants, %(distances)s distances enregistrées."
                )
                % {
                    "duration": run.duration_ms,
                    "services": run.located_service_count,
                    "stops": run.stop_count,
                    "distances": run.communes.count(),
                }
            )
        )
