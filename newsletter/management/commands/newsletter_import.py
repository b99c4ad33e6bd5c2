from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from newsletter.importing import ImportFileError, ImportMode, import_csv


class Command(BaseCommand):
    help = gettext_lazy(
        "Importe une liste d'adresses (CSV) : --keep-consent garde le consentement enregistré (colonne "
        "date_consentement obligatoire), --reconfirm envoie à chaque adresse un e-mail de confirmation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help=_("Fichier CSV (colonne email, et date_consentement pour --keep-consent).")
        )
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--keep-consent", action="store_const", dest="mode", const=ImportMode.KEEP)
        mode.add_argument("--reconfirm", action="store_const", dest="mode", const=ImportMode.RECONFIRM)
        parser.add_argument(
            "--origin", required=True, help=_("D'où vient la liste (enregistré avec le consentement).")
        )
        parser.add_argument(
            "--wording", default="", help=_("Texte accepté à l'origine (obligatoire avec --keep-consent).")
        )

    def handle(self, *args, path, mode, origin, wording, **options):
        if mode == ImportMode.KEEP and not wording.strip():
            raise CommandError(
                _("--wording est obligatoire avec --keep-consent : le texte que ces personnes ont accepté.")
            )
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Lecture impossible de %(path)s : %(error)s.") % {"path": path, "error": exc.strerror}
            ) from exc
        try:
            report = import_csv(data, mode, origin, wording.strip())
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(created)s adresses ajoutées (%(reconfirmations)s en attente de confirmation), "
                "%(existing)s déjà connues, %(errors)s lignes en erreur."
            )
            % {
                "created": report.created,
                "reconfirmations": report.reconfirmations,
                "existing": len(report.existing),
                "errors": len(report.errors),
            }
        )
        for line, message in report.errors:
            self.stdout.write(_("  ligne %(line)s : %(message)s") % {"line": line, "message": message})
