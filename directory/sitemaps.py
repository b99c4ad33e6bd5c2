"""The directory's public pages in the XML sitemap: residents search the web for "banque alimentaire Mirande"."""

from django.urls import reverse

from core.site_url import SiteUrlSitemap
from directory.listings.models import Service
from directory.tours import stops as tours
from directory.tours.models import StopStatus, Tour
from territories.models import Commune


class ServiceSitemap(SiteUrlSitemap):
    """Every published service page."""

    changefreq = "weekly"

    def items(self):
        return Service.objects.public().only("slug", "updated_at").order_by("slug")

    def lastmod(self, service):
        return service.updated_at


class TourSitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        return Tour.objects.filter(live=True).only("slug", "updated_at").order_by("slug")

    def location(self, tour):
        return reverse("directory:tour", kwargs={"slug": tour.slug})

    def lastmod(self, tour):
        return tour.updated_at


class StopsSitemap(SiteUrlSitemap):
    """The camping-car's calendar, and the page of each commune where it stops next (stops have no page)."""

    changefreq = "daily"

    def items(self):
        stops = tours.upcoming(tours.public_stops()).exclude(status=StopStatus.CANCELLED)
        communes = Commune.objects.filter(pk__in=stops.values("commune")).order_by("insee_code")
        return [None, *communes.values_list("insee_code", flat=True)]

    def location(self, insee):
        if insee is None:
            return reverse("directory:stops")
        return reverse("directory:commune_stops", kwargs={"insee": insee})


SITEMAPS = {"services": ServiceSitemap, "tours": TourSitemap, "stops": StopsSitemap}
