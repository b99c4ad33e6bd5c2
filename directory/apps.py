from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Annuaire France Contact")

    def ready(self):
        from django.db.models.signals import post_migrate

        from directory.partners.moderation import on_post_migrate

        # Groups, their permissions and the moderation workflow exist on every database, test ones included.
        post_migrate.connect(on_post_migrate, dispatch_uid="directory_groups_and_workflow")

        from wagtail.signals import workflow_cancelled

        from directory.partners.concurrency import notify_author_of_cancellation

        workflow_cancelled.connect(
            notify_author_of_cancellation, dispatch_uid="directory_notify_cancellation"
        )

        # The Elasticsearch index follows saves, publications and deletions (a no-op without ELASTICSEARCH_URL).
        from directory.search.index import connect_signals

        connect_signals()

        # A deleted generated stop joins its pattern's exceptions (post_delete receiver in directory.tours.stops).
        from directory.tours import stops  # noqa: F401
