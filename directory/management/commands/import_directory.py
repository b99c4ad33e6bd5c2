from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importing import FORMATS, ImportFileError, import_file, max_file_bytes, too_big_message


class Command(BaseCommand):
    help = (
        "Importe des structures, lieux et services depuis un CSV (une ligne par service) ou un JSON "
        "data·inclusion v1. Tout ou rien : une seule ligne en erreur et rien n'est enregistré."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier à importer.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifie seulement : rien n'est enregistré."
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="Format du fichier (par défaut : d'après son nom ou son contenu).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        if path.stat().st_size > max_file_bytes():
            raise CommandError(too_big_message())
        dry_run = options["dry_run"]

        def progress(done, total):
            # About twenty lines for a large file, one at the end for a small one.
            if total and (done == total or done % max(total // 20, 50) == 0):
                self.stdout.write(f"  {done} / {total} lignes")

        self.stdout.write("Vérification (rien n'est enregistré)…" if dry_run else "Import…")
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
            self.stdout.write(f"Colonne ignorée : {column}")
        for error in report.errors:
            self.stdout.write(str(error))
        for line in report.details():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} erreur(s) : rien n'a été enregistré. Corrigez le fichier et recommencez."
            )
        if dry_run:
            self.stdout.write(f"Vérification réussie : {report.summary()} ; rien n'a été enregistré.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Import terminé : {report.summary()}."))
