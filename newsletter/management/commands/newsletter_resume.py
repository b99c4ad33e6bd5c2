from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from newsletter import sending
from newsletter.models import Campaign


class Command(BaseCommand):
    help = (
        "Reprend les envois de la lettre interrompus (arrêt du processus, panne du serveur d'envoi) : les "
        "destinataires restants partent, aucun ne reçoit la lettre deux fois. Les envois incertains (interrompus "
        "au moment où le message partait) ne repartent qu'avec --resend-uncertain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--campaign", type=int, help="Numéro de l'envoi (par défaut : tous ceux à reprendre)."
        )
        parser.add_argument(
            "--resend-uncertain",
            action="store_true",
            help="Renvoie aussi les messages incertains (le destinataire peut alors les recevoir deux fois).",
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="Envoie dans ce processus au lieu de confier l'envoi au processus de fond (db_worker).",
        )

    def handle(self, *args, campaign=None, resend_uncertain=False, now=False, **options):
        if campaign is not None:
            campaigns = list(Campaign.objects.filter(pk=campaign))
            if not campaigns:
                raise CommandError(f"Aucun envoi n° {campaign}.")
        else:
            campaigns = list(sending.campaigns_to_resume())
        if not campaigns:
            self.stdout.write("Aucun envoi à reprendre.")
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
            self.stdout.write(
                f"Envoi n° {item.pk} « {item.subject} » : {counts['sent']} envoyés, {counts['pending']} à envoyer, "
                f"{counts['failed']} échecs, {counts['sending']} incertains"
                + (f" ({requeued} remis à envoyer)" if resend_uncertain else "")
                + "."
            )
            for delivery in report.uncertain:
                self.stdout.write(f"  incertain : {delivery.subscriber.email}")
            if now:
                result = sending.run_campaign(item.pk)
                self.stdout.write(
                    f"  terminé : {result.get('sent', 0)} envoyés, {result.get('failed', 0)} échecs, "
                    f"{result.get('pending', 0)} à envoyer, {result.get('sending', 0)} incertains."
                )
            else:
                self.stdout.write("  confié au processus de fond (manage.py db_worker).")
