"""Public pages of the directory: the search (/annuaire/) and a service (/annuaire/<slug>/)."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from . import freshness, schedule_views, search
from .models import Audience, Category, DirectoryPage, Service
from .vocabulary import ServiceKind

RESULTS_TEMPLATE = "directory/includes/search_results.html"


def _map_settings():
    return {"tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}


def search_page(request, page):
    outcome = search.run_search(request.GET)
    context = page.get_context(request)
    context.update(search=outcome, map=_map_settings(), page_url=page.get_url(request=request))
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


def service_page(request, slug):
    service = get_object_or_404(
        Service.objects.public().with_related().prefetch_related("audiences"), slug=slug
    )
    url = request.build_absolute_uri(service.get_absolute_url())
    now = search.hours.local_now()
    directory_page = DirectoryPage.objects.live().first()
    context = {
        "service": service,
        "details": search.service_details(service, url, now),
        "freshness": freshness.page_freshness(service),
        "schedule": schedule_views.service_schedule(service, now),
        "canonical_url": url,
        "directory_page": directory_page,
        "map": _map_settings(),
    }
    return TemplateResponse(request, "directory/service_page.html", context)
