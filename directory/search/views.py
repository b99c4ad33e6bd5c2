"""The public search (/annuaire/), served by the DirectoryPage: the whole page, or its results for htmx."""

from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from core.maps import map_settings
from directory.listings.models import Audience, Category
from directory.listings.vocabulary import ServiceKind
from directory.search import engine as search

RESULTS_TEMPLATE = "directory/includes/search_results.html"


def search_page(request, page):
    outcome = search.run_search(request.GET)
    context = page.get_context(request)
    context.update(
        search=outcome,
        search_title=search.document_title(outcome, page.seo_title or page.title),
        map=map_settings(),
        page_url=page.get_url(request=request),
    )
    # htmx asks for the results only; restoring history (or any other htmx request) gets the whole page.
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and not htmx.boosted:
        context["oob"] = True
        response = TemplateResponse(request, RESULTS_TEMPLATE, context)
    else:
        context.update(
            communes=search.commune_datalist(),
            radius_options=search.radius_options(outcome.params.radius),
            categories=Category.objects.all(),
            kinds=ServiceKind.choices,
            audiences=Audience.objects.all(),
        )
        response = TemplateResponse(request, page.get_template(request), context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
