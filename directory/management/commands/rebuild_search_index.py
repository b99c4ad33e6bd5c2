"""Fill the directory's Elasticsearch index from the database (Wagtail's `update_index` does the pages)."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import BaseCommand
from directory.search import index as search_index


class Command(BaseCommand):
    help = gettext_lazy(
        "Reconstruit l'index Elasticsearch de l'annuaire (services publiés) dans un nouvel index, puis y bascule "
        "l'alias : les recherches continuent pendant la reconstruction. Sans ELASTICSEARCH_URL, ne fait rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=search_index.BULK_CHUNK, help=_("Services envoyés par requête.")
        )

    def handle(self, *args, chunk_size, **options):
        if not search_index.enabled():
            self.stdout.write(
                _("ELASTICSEARCH_URL n'est pas défini : l'annuaire est cherché en base, rien à indexer.")
            )
            return
        if chunk_size < 1:
            raise CommandError(_("--chunk-size doit valoir au moins 1."))
        self.stdout.write(_("Index de l'annuaire sur %(url)s :") % {"url": settings.ELASTICSEARCH_URL})
        try:
            count = search_index.rebuild(write=self.stdout.write, chunk_size=chunk_size)
        except search_index.UNAVAILABLE as exc:
            raise CommandError(
                _(
                    "Elasticsearch ne répond pas (%(error)s) : index non reconstruit, la recherche continue "
                    "en base."
                )
                % {"error": type(exc).__name__}
            ) from exc
        self.stdout.write(self.style.SUCCESS(_("%(count)s services indexés.") % {"count": count}))
