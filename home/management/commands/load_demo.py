from django.core.management import call_command
from django.core.management.base import BaseCommand

from home.demo import load_site


class Command(BaseCommand):
    help = "Charge les données de démonstration (référentiel géographique, pages du site). Sans effet au second passage."

    def handle(self, *args, **options):
        call_command("load_territories", stdout=self.stdout)
        created = load_site()
        if created:
            self.stdout.write(f"Pages créées : {', '.join(created)}")
        else:
            self.stdout.write("Site : rien à créer, tout est déjà en place.")
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
