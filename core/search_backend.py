"""Elasticsearch for Wagtail's search (admin and site), falling back to the database backend when the cluster
does not answer, with the database backend's own quality (French stemming, accents, body text).

The database index is kept up to date beside Elasticsearch (WAGTAILSEARCH_BACKENDS["database"]). After a failure
the cluster counts as down for ELASTICSEARCH_RETRY_AFTER seconds: every search of this process (Wagtail's and the
directory's, directory.search.index) goes straight to the database meanwhile, so a request waits for the
configured timeout at most once, not once per query.
"""

import logging
import time

from django.conf import settings
from elasticsearch import ApiError, TransportError
from modelsearch.backends.elasticsearch9 import Elasticsearch9SearchResults as _Results
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.elasticsearch9 import Elasticsearch9SearchBackend

logger = logging.getLogger(__name__)

UNAVAILABLE = (TransportError, ApiError)
DATABASE_BACKEND = "database"
_down_until = 0.0


def is_down():
    return time.monotonic() < _down_until


def mark_down(exc):
    """The cluster failed: searches use the database for the next ELASTICSEARCH_RETRY_AFTER seconds."""
    global _down_until
    _down_until = time.monotonic() + settings.ELASTICSEARCH_RETRY_AFTER
    logger.warning(
        "Elasticsearch unavailable (%s: %s): searches use the database for %s s.",
        type(exc).__name__,
        exc,
        settings.ELASTICSEARCH_RETRY_AFTER,
    )


def reset():
    global _down_until
    _down_until = 0.0


def database_backend():
    return get_search_backend(DATABASE_BACKEND)


class FallbackSearchResults(_Results):
    fallback_call = None  # (method name, query, model or queryset, keyword arguments)

    def _clone(self):
        new = super()._clone()
        new.fallback_call = self.fallback_call
        return new

    def _database_results(self):
        method, query, model_or_queryset, kwargs = self.fallback_call
        results = getattr(database_backend(), method)(query, model_or_queryset, **kwargs)
        if self._score_field:
            results = results.annotate_score(self._score_field)
        return results[self.start : self.stop] if self.stop is not None else results[self.start :]

    def _do_search(self):
        if not is_down():
            try:
                return super()._do_search()
            except UNAVAILABLE as exc:
                mark_down(exc)
        return list(self._database_results())

    def facet(self, field_name):
        if not is_down():
            try:
                return super().facet(field_name)
            except UNAVAILABLE as exc:
                mark_down(exc)
        return self._database_results().facet(field_name)

    def _do_count(self):
        if not is_down():
            try:
                return super()._do_count()
            except UNAVAILABLE as exc:
                mark_down(exc)
        return self._database_results().count()


class SearchBackend(Elasticsearch9SearchBackend):
    results_class = FallbackSearchResults

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        method = (
            "autocomplete" if query_compiler_class is self.autocomplete_query_compiler_class else "search"
        )
        if is_down():
            return getattr(database_backend(), method)(query, model_or_queryset, **kwargs)
        results = super()._search(query_compiler_class, query, model_or_queryset, **kwargs)
        if isinstance(results, FallbackSearchResults):
            results.fallback_call = (method, query, model_or_queryset, kwargs)
        return results

    # Index writes while the cluster is down are skipped (the database index still gets them): a page save must
    # not wait for the timeout either. `manage.py update_index` catches Elasticsearch up once it is back.
    def _write(self, method, *args):
        if is_down():
            logger.warning("Elasticsearch marked down: %s skipped, run update_index once it is back.", method)
            return None
        try:
            return getattr(super(), method)(*args)
        except UNAVAILABLE as exc:
            mark_down(exc)
            raise

    def add(self, obj):
        return self._write("add", obj)

    def add_bulk(self, model, obj_list):
        return self._write("add_bulk", model, obj_list)

    def delete(self, obj):
        return self._write("delete", obj)
