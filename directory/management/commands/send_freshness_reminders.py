from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from directory.partners.freshness import send_reminders


class Command(BaseCommand):
    help = gettext_lazy(
        "Envoie aux structures un rappel pour leurs fiches publiées non confirmées depuis "
        "DIRECTORY_REMINDER_AFTER_MONTHS mois (6 par défaut) : un e-mail par structure, avec un lien de "
        "confirmation sans connexion et un lien de mise à jour par fiche. Un seul rappel par fiche et par période, "
        "quel que soit le nombre de passages : à lancer chaque jour (cron)."
    )

    def handle(self, *args, **options):
        summary = send_reminders()
        months = settings.DIRECTORY_REMINDER_AFTER_MONTHS
        self.stdout.write(
            _(
                "%(sent)s rappel(s) envoyé(s) pour %(services)s fiche(s) non confirmée(s) depuis %(months)s mois."
            )
            % {"sent": len(summary.sent), "services": summary.services_reminded, "months": months}
        )
        for organisation, services, recipients in summary.sent:
            self.stdout.write(
                _("  %(organisation)s (%(count)s fiche(s)) → %(recipients)s")
                % {"organisation": organisation, "count": len(services), "recipients": ", ".join(recipients)}
            )
        for organisation, services in summary.without_address:
            self.stdout.write(
                _(
                    "  Sans adresse électronique, non prévenue : %(organisation)s (%(count)s fiche(s)). "
                    "Renseignez l'adresse de la structure ou ajoutez-lui un membre."
                )
                % {"organisation": organisation, "count": len(services)}
            )
        if summary.failed:
            names = ", ".join(str(organisation) for organisation, _services in summary.failed)
            # A non-zero exit makes cron report it; nothing was marked, so the next run tries again.
            raise CommandError(
                _("Envoi impossible pour : %(names)s. Ces rappels seront retentés au prochain passage.")
                % {"names": names}
            )
