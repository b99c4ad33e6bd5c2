"""The public page of a service (/annuaire/<slug>/); the search (/annuaire/) is directory.search.views."""

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from core.maps import map_settings
from core.site_url import absolute_url
from directory.listings import hours
from directory.listings.models import Service
from directory.partners import freshness
from directory.search import engine as search
from directory.search.models import DirectoryPage
from directory.tours import views as tour_views


def service_page(request, slug):
    service = get_object_or_404(
        Service.objects.public().with_related().prefetch_related("audiences"), slug=slug
    )
    url = absolute_url(service.get_absolute_url())
    now = hours.local_now()
    directory_page = DirectoryPage.objects.live().first()
    context = {
        "service": service,
        "details": search.service_details(service, url, now),
        "freshness": freshness.page_freshness(service),
        "schedule": tour_views.service_schedule(service, now),
        "canonical_url": url,
        "directory_page": directory_page,
        "map": map_settings(),
    }
    return TemplateResponse(request, "directory/service_page.html", context)
