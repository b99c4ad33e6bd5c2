from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from newsletter import sending
from newsletter.models import Campaign


class Command(BaseCommand):
    help = gettext_lazy(
        "Reprend les envois de la lettre interrompus (arrêt du processus, panne du serveur d'envoi) : les "
        "destinataires restants partent, aucun ne reçoit la lettre deux fois. Les envois incertains (interrompus "
        "au moment où le message partait) ne repartent qu'avec --resend-uncertain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", type=int, help=_("Numéro de l'envoi (par défaut : tous ceux à reprendre).")
        )
        parser.add_argument(
            "--resend-uncertain",
            action="store_true",
            help=_(
                "Renvoie aussi les messages incertains (le destinataire peut alors les recevoir deux fois)."
            ),
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help=_("Envoie dans ce processus au lieu de confier l'envoi au processus de fond (db_worker)."),
        )

    def handle(self, *args, campaign=None, resend_uncertain=False, now=False, **options):
        if campaign is not None:
            campaigns = list(Campaign.objects.filter(pk=campaign))
            if not campaigns:
                raise CommandError(_("Aucun envoi n° %(campaign)s.") % {"campaign": campaign})
        else:
            campaigns = list(sending.campaigns_to_resume())
        if not campaigns:
            self.stdout.write(_("Aucun envoi à reprendre."))
            return
        for item in campaigns:
            try:
                with transaction.atomic():
                    requeued = sending.resume_campaign(
                        item, resend_uncertain=resend_uncertain, enqueue=not now
                    )
            except sending.LeaseLost as exc:
                raise CommandError(str(exc)) from exc
            report = sending.campaign_report(item)
            counts = report.counts
            values = {
                "pk": item.pk,
                "subject": item.subject,
                "sent": counts["sent"],
                "pending": counts["pending"],
                "failed": counts["failed"],
                "sending": counts["sending"],
                "requeued": requeued,
            }
            if resend_uncertain:
                line = _(
                    "Envoi n° %(pk)s « %(subject)s » : %(sent)s envoyés, %(pending)s à envoyer, %(failed)s échecs, "
                    "%(sending)s incertains (%(requeued)s remis à envoyer)."
                )
            else:
                line = _(
                    "Envoi n° %(pk)s « %(subject)s » : %(sent)s envoyés, %(pending)s à envoyer, %(failed)s échecs, "
                    "%(sending)s incertains."
                )
            self.stdout.write(line % values)
            for delivery in report.uncertain:
                self.stdout.write(_("  incertain : %(email)s") % {"email": delivery.subscriber.email})
            if now:
                result = sending.run_campaign(item.pk)
                self.stdout.write(
                    _(
                        "  terminé : %(sent)s envoyés, %(failed)s échecs, %(pending)s à envoyer, "
                        "%(sending)s incertains."
                    )
                    % {
                        "sent": result.get("sent", 0),
                        "failed": result.get("failed", 0),
                        "pending": result.get("pending", 0),
                        "sending": result.get("sending", 0),
                    }
                )
            else:
                self.stdout.write(_("  confié au processus de fond (manage.py db_worker)."))
