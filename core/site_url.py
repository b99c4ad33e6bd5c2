"""SITE_URL is the site's one public address: absolute links, canonical and Open Graph URLs, feeds, the sitemap.

Views behind a reverse proxy cannot trust the Host they see to be the public one, so absolute links are built
from SITE_URL, and the default Wagtail Site (which builds page URLs) is kept in step with it at every migrate.
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


def absolute_url(path):
    """The public address of a path of this site ("/annuaire/x/" -> "https://gerssolidaire.org/annuaire/x/")."""
    return settings.SITE_URL + path


def context(request):
    """Template context processor: {{ SITE_URL }}."""
    return {"SITE_URL": settings.SITE_URL}


def site_address(site_url):
    """(hostname, port) of a public address such as https://gerssolidaire.org or http://127.0.0.1:8001."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def sync_default_site(using="default"):
    """Point the default Site at SITE_URL; Wagtail builds root_url from hostname and port (443 means https)."""
    from wagtail.models import Site

    address = site_address(settings.SITE_URL)
    site = Site.objects.using(using).filter(is_default_site=True).first()
    if address is None or site is None or (site.hostname, site.port) == address:
        return False
    site.hostname, site.port = address
    site.save(using=using)
    return True


def on_post_migrate(sender, using="default", **kwargs):
    sync_default_site(using=using)


class SiteUrlSitemap(Sitemap):
    """A sitemap section whose locations are under SITE_URL, whatever host the request came in on."""

    def get_urls(self, page=1, site=None, protocol=None):
        parts = urlsplit(settings.SITE_URL)
        public = SimpleNamespace(domain=parts.netloc + parts.path.rstrip("/"))
        return super().get_urls(page=page, site=public, protocol=parts.scheme)
