"""The observatory's public pages in the XML sitemap: the map, the département, its coverage, each EPCI."""

from django.urls import reverse

from core.site_url import SiteUrlSitemap
from territories.models import Epci

from .portraits import epci_slug


class ObservatorySitemap(SiteUrlSitemap):
    changefreq = "weekly"

    def items(self):
        pages = [("observatory:map", {}), ("observatory:departement", {}), ("observatory:coverage", {})]
        pages += [("observatory:epci", {"key": epci_slug(e)}) for e in Epci.objects.order_by("name")]
        return pages

    def location(self, item):
        name, kwargs = item
        return reverse(name, kwargs=kwargs)


SITEMAPS = {"observatory": ObservatorySitemap}
