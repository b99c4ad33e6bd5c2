import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse
from wagtail.models import Page

MAX_QUERY_LENGTH = 200
# Punctuation means syntax to full-text engines (SQLite FTS5 fails on `"` or `;`): keep words only.
NON_WORD = re.compile(r"[^\w\s'’-]+")


def clean_query(raw):
    return " ".join(NON_WORD.sub(" ", raw[:MAX_QUERY_LENGTH]).split())


def search_pages(query, site=None):
    """Live public pages matching the query (the configured Wagtail search backend)."""
    pages = Page.objects.live().public()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    return pages.search(query)


def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    terms = clean_query(query)
    results = None
    if terms:
        from wagtail.models import Site

        paginator = Paginator(search_pages(terms, Site.find_for_request(request)), 10)
        try:
            results = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            results = paginator.page(1)
        except EmptyPage:
            results = paginator.page(paginator.num_pages)
    return TemplateResponse(request, "search/search.html", {"search_query": query, "search_results": results})
