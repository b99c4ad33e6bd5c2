from django.core.management.base import BaseCommand, CommandError

from observatory.coverage import HORIZON_DAYS, compute


class Command(BaseCommand):
    help = (
        "Calcule la couverture (distance de chaque commune à l'aide la plus proche, par thématique) et les "
        "chiffres des portraits de territoire, et les enregistre. À lancer chaque jour (les passages "
        "itinérants à venir changent avec la date) ; les publications le déclenchent aussi en tâche de fond."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--horizon",
            type=int,
            default=HORIZON_DAYS,
            help=f"passages itinérants pris en compte, en jours à partir d'aujourd'hui (défaut : {HORIZON_DAYS})",
        )

    def handle(self, *args, horizon, **options):
        if not 1 <= horizon <= 366:
            raise CommandError("--horizon doit être compris entre 1 et 366 jours.")
        run = compute(horizon_days=horizon)
        self.stdout.write(
            self.style.SUCCESS(
                f"Couverture calculée en {run.duration_ms} ms : {run.located_service_count} services situés, "
                f"{run.stop_count} passages itinérants, {run.communes.count()} distances enregistrées."
            )
        )
