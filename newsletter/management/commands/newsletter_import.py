from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.importing import ImportFileError, ImportMode, import_csv


class Command(BaseCommand):
    help = (
        "Importe une liste d'adresses (CSV) : --keep-consent garde le consentement enregistré (colonne "
        "date_consentement obligatoire), --reconfirm envoie à chaque adresse un e-mail de confirmation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="Fichier CSV (colonne email, et date_consentement pour --keep-consent)."
        )
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--keep-consent", action="store_const", dest="mode", const=ImportMode.KEEP)
        mode.add_argument("--reconfirm", action="store_const", dest="mode", const=ImportMode.RECONFIRM)
        parser.add_argument(
            "--origin", required=True, help="D'où vient la liste (enregistré avec le consentement)."
        )
        parser.add_argument(
            "--wording", default="", help="Texte accepté à l'origine (obligatoire avec --keep-consent)."
        )

    def handle(self, *args, path, mode, origin, wording, **options):
        if mode == ImportMode.KEEP and not wording.strip():
            raise CommandError(
                "--wording est obligatoire avec --keep-consent : le texte que ces personnes ont accepté."
            )
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {path} : {exc.strerror}.") from exc
        try:
            report = import_csv(data, mode, origin, wording.strip())
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.created} adresses ajoutées ({report.reconfirmations} en attente de confirmation), "
            f"{len(report.existing)} déjà connues, {len(report.errors)} lignes en erreur."
        )
        for line, message in report.errors:
            self.stdout.write(f"  ligne {line} : {message}")
