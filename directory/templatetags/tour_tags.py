"""`{% upcoming_stops 3 %}`: the camping-car's next stops, for the home page (home does not import directory)."""

from django import template

from directory.tours import calendar
from directory.tours import stops as tours

register = template.Library()

MAX_STOPS = 12


@register.inclusion_tag("directory/tours/includes/home_stops.html")
def upcoming_stops(count=3):
    """The next `count` stops of published tours (cancelled ones included, marked); nothing when there are none."""
    try:
        count = max(1, min(int(count), MAX_STOPS))
    except (TypeError, ValueError):
        count = 3
    items = [calendar.StopItem(stop) for stop in tours.upcoming_stops()[:count]]
    return {"items": items}
