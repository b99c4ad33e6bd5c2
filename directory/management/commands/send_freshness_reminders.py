from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.freshness import send_reminders


class Command(BaseCommand):
    help = (
        "Envoie aux structures un rappel pour leurs fiches publiées non confirmées depuis "
        "DIRECTORY_REMINDER_AFTER_MONTHS mois (6 par défaut) : un e-mail par structure, avec un lien de "
        "confirmation sans connexion et un lien de mise à jour par fiche. Un seul rappel par fiche et par période, "
        "quel que soit le nombre de passages : à lancer chaque jour (cron)."
    )

    def handle(self, *args, **options):
        summary = send_reminders()
        months = settings.DIRECTORY_REMINDER_AFTER_MONTHS
        self.stdout.write(
            f"{len(summary.sent)} rappel(s) envoyé(s) pour {summary.services_reminded} fiche(s) "
            f"non confirmée(s) depuis {months} mois."
        )
        for organisation, services, recipients in summary.sent:
            self.stdout.write(f"  {organisation} ({len(services)} fiche(s)) → {', '.join(recipients)}")
        for organisation, services in summary.without_address:
            self.stdout.write(
                f"  Sans adresse électronique, non prévenue : {organisation} ({len(services)} fiche(s)). "
                "Renseignez l'adresse de la structure ou ajoutez-lui un membre."
            )
        if summary.failed:
            names = ", ".join(str(organisation) for organisation, _services in summary.failed)
            # A non-zero exit makes cron report it; nothing was marked, so the next run tries again.
            raise CommandError(
                f"Envoi impossible pour : {names}. Ces rappels seront retentés au prochain passage."
            )
