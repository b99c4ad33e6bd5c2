from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from directory.exchange.formats import FORMATS, ImportFileError, max_file_bytes, too_big_message
from directory.exchange.importing import import_file


class Command(BaseCommand):
    help = gettext_lazy(
        "Importe des structures, lieux et services depuis un CSV (une ligne par service) ou un JSON "
        "data·inclusion v1. Tout ou rien : une seule ligne en erreur et rien n'est enregistré."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Chemin du fichier à importer."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Vérifie seulement : rien n'est enregistré.")
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help=_("Format du fichier (par défaut : d'après son nom ou son contenu)."),
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Fichier introuvable : %(path)s") % {"path": path})
        if path.stat().st_size > max_file_bytes():
            raise CommandError(too_big_message())
        dry_run = options["dry_run"]

        def progress(done, total):
            # About twenty lines for a large file, one at the end for a small one.
            if total and (done == total or done % max(total // 20, 50) == 0):
                self.stdout.write(_("  %(done)s / %(total)s lignes") % {"done": done, "total": total})

        self.stdout.write(_("Vérification (rien n'est enregistré)…") if dry_run else _("Import…"))
        try:
            report = import_file(
                path.read_bytes(),
                file_format=options["format"],
                filename=path.name,
                dry_run=dry_run,
                progress=progress,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for column in report.ignored_columns:
            self.stdout.write(_("Colonne ignorée : %(column)s") % {"column": column})
        for error in report.errors:
            self.stdout.write(str(error))
        for line in report.details():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(
                _("%(count)s erreur(s) : rien n'a été enregistré. Corrigez le fichier et recommencez.")
                % {"count": len(report.errors)}
            )
        if dry_run:
            self.stdout.write(
                _("Vérification réussie : %(summary)s ; rien n'a été enregistré.")
                % {"summary": report.summary()}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Import terminé : %(summary)s.") % {"summary": report.summary()})
            )
