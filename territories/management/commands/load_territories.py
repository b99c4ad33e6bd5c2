from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from territories.loading import load_reference_data


class Command(BaseCommand):
    help = gettext_lazy(
        "Charge ou met à jour les communes, cantons et intercommunalités du Gers (données de référence)."
    )

    def handle(self, *args, **options):
        summary = load_reference_data()
        for label, counts in (
            (_("Intercommunalités"), summary.epci),
            (_("Cantons"), summary.canton),
            (_("Communes"), summary.commune),
        ):
            self.stdout.write(
                _("%(label)s : %(created)d créé(s), %(updated)d mis à jour, %(unchanged)d inchangé(s).")
                % {
                    "label": label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        if summary.changed:
            self.stdout.write(self.style.SUCCESS(_("Données de référence chargées.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Données de référence déjà à jour : rien n’a été modifié."))
            )
