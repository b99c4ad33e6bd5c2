"""The tile layer of every Leaflet map of the site, as templates receive it (`map.tile_url`)."""

from django.conf import settings


def map_settings():
    return {"tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}
