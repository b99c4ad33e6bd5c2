"""RSS 2.0 and Atom 1.0 feeds of the latest news of an index (Django's syndication framework)."""

import datetime as dt

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

FEED_SIZE = 20


def date_to_datetime(day):
    """A news date as an aware datetime at noon, Paris time (feeds want datetimes; noon survives any offset)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


class RssNewsFeed(Feed):
    feed_type = Rss201rev2Feed
    language = "fr"

    def __init__(self, index_page):
        super().__init__()
        self.index_page = index_page

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return self.index_page

    def title(self, obj):
        site = obj.get_site()
        return f"{obj.title} · {site.site_name if site and site.site_name else _('Gers Solidaire')}"

    def link(self, obj):
        return obj.get_full_url(request=self.request)

    def feed_url(self, obj):
        kind = "atom_feed" if self.feed_type is Atom1Feed else "rss_feed"
        return obj.get_full_url(request=self.request) + obj.reverse_subpage(kind)

    def description(self, obj):
        return obj.intro or obj.search_description or obj.title

    subtitle = description

    def items(self, obj):
        return obj.news().prefetch_related("categories", "tags")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_full_url(request=self.request)

    def item_guid(self, item):
        # Stable even if the page moves or is renamed.
        return f"urn:gers-solidaire:actualite:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return date_to_datetime(item.date)

    def item_updateddate(self, item):
        return item.last_published_at or date_to_datetime(item.date)

    def item_categories(self, item):
        return [c.name for c in item.categories.all()] + [t.name for t in item.tags.all()]


class AtomNewsFeed(RssNewsFeed):
    feed_type = Atom1Feed
