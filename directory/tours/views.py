"""Public pages and calendar feeds of the camping-car's stops and of permanences (thin views)."""

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from core.maps import map_settings
from core.phones import tel_href
from core.site_url import absolute_url
from directory.exchange import feeds
from directory.listings import hours, occurrences
from directory.listings.models import Service
from directory.listings.vocabulary import ServiceKind
from directory.search.engine import commune_datalist
from directory.search.models import DirectoryPage
from directory.tours import calendar
from directory.tours import stops as tours
from directory.tours.models import Tour
from territories.models import Commune

MAX_INSEE_LENGTH = 5
MAX_TOUR_STOPS = 80


def _common(request):
    return {"directory_page": DirectoryPage.objects.live().first(), "map": map_settings()}


def _commune_or_404(insee):
    commune = None
    if len(insee) <= MAX_INSEE_LENGTH:
        commune = Commune.objects.filter(insee_code=insee).first()
    if commune is None:
        raise Http404(_("Aucune commune du Gers ne porte ce code INSEE."))
    return commune


def _tour_or_404(slug):
    return get_object_or_404(Tour.objects.filter(live=True).prefetch_related("onboard_categories"), slug=slug)


def stops_calendar(request):
    week = calendar.read_week(request.GET)
    context = _common(request)
    context.update(
        week=week,
        communes=commune_datalist(),
        radius_options=calendar.RADIUS_CHOICES,
        tours=Tour.objects.filter(live=True).order_by("name"),
        canonical_url=absolute_url(request.path),
    )
    return TemplateResponse(request, "directory/tours/stops_calendar.html", context)


def commune_stops(request, insee):
    commune = _commune_or_404(insee)
    here, nearby = calendar.commune_stops(commune)
    context = _common(request)
    context.update(
        commune=commune,
        days=calendar.group_items(here),
        nearby=nearby,
        map_items=[item for item in here + nearby if item.has_point],
        feed_url=reverse("directory:commune_stops_feed", kwargs={"insee": commune.insee_code}),
        calendar_url=reverse("directory:stops") + "?" + urlencode({"insee": commune.insee_code}),
        canonical_url=absolute_url(request.path),
    )
    return TemplateResponse(request, "directory/tours/commune_stops.html", context)


def tour_page(request, slug):
    tour = _tour_or_404(slug)
    stops = tours.upcoming(tour.stops.filter(live=True).select_related("commune", "tour")).order_by(
        "date", "start_time"
    )
    items = [calendar.StopItem(stop) for stop in stops[:MAX_TOUR_STOPS]]
    context = _common(request)
    context.update(
        tour=tour,
        days=calendar.group_items(items),
        map_items=[item for item in items if item.has_point],
        feed_url=reverse("directory:tour_feed", kwargs={"slug": tour.slug}),
        service=tour.service if tour.service_id and tour.service.live else None,
        phone_href=tel_href(tour.phone) if tour.phone else "",
        canonical_url=absolute_url(request.path),
    )
    return TemplateResponse(request, "directory/tours/tour_page.html", context)


def _feed_stops(queryset):
    since = hours.local_now().date() - dt.timedelta(days=feeds.PAST_DAYS)
    return queryset.filter(date__gte=since).order_by("date", "start_time", "pk")


def tour_feed(request, slug):
    tour = _tour_or_404(slug)
    url = absolute_url(reverse("directory:tour", kwargs={"slug": tour.slug}))
    stops = _feed_stops(tour.stops.filter(live=True).select_related("commune", "tour"))
    content = feeds.stops_feed(stops, tour.name, tour.description, url)
    return feeds.ics_response(content, f"{tour.slug}.ics")


def commune_feed(request, insee):
    commune = _commune_or_404(insee)
    url = absolute_url(reverse("directory:commune_stops", kwargs={"insee": commune.insee_code}))
    stops = _feed_stops(tours.public_stops().filter(commune=commune))
    name = _("Passages du service public itinérant à %(commune)s") % {"commune": commune.name}
    content = feeds.stops_feed(stops, name, url=url)
    return feeds.ics_response(content, f"passages-{commune.slug}.ics")


def service_feed(request, slug):
    """A service's dates: a permanence's, a tiers-lieu's permanences', or an itinerant service's tour's stops."""
    service = get_object_or_404(
        Service.objects.public().select_related("organisation", "place__commune"), slug=slug
    )
    url = absolute_url(service.get_absolute_url())
    if service.kind == ServiceKind.ITINERANT:
        tour = Tour.objects.filter(service=service, live=True).first()
        if tour is None:
            raise Http404(_("Ce service n'a pas de tournée publiée."))
        stops = _feed_stops(tour.stops.filter(live=True).select_related("commune", "tour"))
        tour_url = absolute_url(reverse("directory:tour", kwargs={"slug": tour.slug}))
        content = feeds.stops_feed(stops, service.title, service.summary, tour_url)
    else:
        if service.kind == ServiceKind.THIRD_PLACE:
            name = _("Permanences — %(title)s") % {"title": service.title}
        else:
            name = service.title
        content = feeds.occurrences_feed(
            occurrences.feed_occurrences(service),
            name,
            service.summary,
            url,
            occurrence_url=lambda o: absolute_url(o.service.get_absolute_url()),
        )
    return feeds.ics_response(content, f"{service.slug}.ics")


def service_schedule(service, now=None):
    """What a service page shows about dates (see the include directory/includes/service_schedule.html)."""
    now = now or hours.local_now()
    context = occurrences.service_context(service, now)
    context.update(tour=None, next_stops=[])
    if service.kind == ServiceKind.ITINERANT:
        tour = Tour.objects.filter(service=service, live=True).first()
        if tour is not None:
            stops = tours.upcoming(
                tour.stops.filter(live=True).select_related("commune", "tour"), now
            ).order_by("date", "start_time")
            context.update(
                tour=tour, next_stops=[calendar.StopItem(stop) for stop in stops[: occurrences.NEXT_DATES]]
            )
            context["has_feed"] = True
    if context["has_feed"]:
        context["feed_url"] = reverse("directory:service_feed", kwargs={"slug": service.slug})
    return context
