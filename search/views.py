from django.template.response import TemplateResponse
from wagtail.models import Site

from . import engine


def search(request):
    """/recherche/: pages, news and directory services for the words typed in the header's search box."""
    outcome = engine.run(
        request.GET.get("q", ""),
        kind=request.GET.get("type", ""),
        page=request.GET.get("page"),
        site=Site.find_for_request(request),
    )
    return TemplateResponse(
        request,
        "search/search.html",
        {"search": outcome, "search_query": outcome.query, "types": engine.TYPES},
    )
