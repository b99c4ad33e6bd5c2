from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from directory.demo.accounts import DEMO_PASSWORD, load_demo_accounts
from directory.demo.listings import load_directory
from directory.models import DirectoryPage
from forms.demo import load_forms
from home.demo import link_find_help_page, load_site
from news.demo import load_news
from newsletter.demo import load_newsletter


class Command(BaseCommand):
    help = gettext_lazy(
        "Charge les données de démonstration (référentiel géographique, pages du site, annuaire, actualités, "
        "lettre d'information, formulaires). Sans effet au second passage."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts",
            action="store_true",
            help=_("Crée aussi les comptes de démonstration (toujours fait en développement, DEBUG actif)."),
        )

    def handle(self, *args, **options):
        call_command("load_territories", stdout=self.stdout)
        created = load_site()
        if created:
            self.stdout.write(_("Pages créées : %(pages)s") % {"pages": ", ".join(created)})
        else:
            self.stdout.write(_("Site : rien à créer, tout est déjà en place."))
        self.stdout.write(load_directory())
        # The directory page exists only now: the home page's "find help" button can point at it.
        link_find_help_page(DirectoryPage.objects.live().first())
        # After the directory, so news can link to the demo services on the first run.
        self.stdout.write(load_news())
        # After the news: the sample issue links to a demo article.
        self.stdout.write(load_newsletter())
        self.stdout.write(load_forms())
        if settings.DEBUG or options["accounts"]:
            # Public demo password: development machines only.
            self.stdout.write(
                _("Comptes de démonstration (mot de passe : %(password)s) :") % {"password": DEMO_PASSWORD}
            )
            for username, description in load_demo_accounts():
                self.stdout.write(f"  {username} — {description}")
        self.stdout.write(self.style.SUCCESS(_("Données de démonstration prêtes.")))
