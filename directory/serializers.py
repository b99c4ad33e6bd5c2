"""Plain dicts for the JSON API and GeoJSON: one shape, built once per service, tested without HTTP."""

from . import hours


class HoursCache:
    """Open-now and today's hours per distinct expression: many services share the same hours."""

    def __init__(self, now=None):
        self.now = now or hours.local_now()
        self._cache = {}

    def __call__(self, expression):
        if expression not in self._cache:
            label = hours.today_label(expression, self.now)
            self._cache[expression] = (hours.is_open(expression, self.now), label or None)
        return self._cache[expression]


def service_dict(service, *, request, hours_cache, with_distance=False):
    place = service.place
    commune = place.commune if place is not None else None
    epci = commune.epci if commune is not None else None
    open_now, today = hours_cache(service.opening_hours)
    data = {
        "slug": service.slug,
        "url": request.build_absolute_uri(service.get_absolute_url()),
        "title": service.title,
        "summary": service.summary,
        "kind": service.kind,
        "status": service.status,
        "organisation": {"name": service.organisation.name, "slug": service.organisation.slug},
        # Sorted in Python: the categories are prefetched, a query-level order_by would defeat it.
        "categories": sorted(c.slug for c in service.categories.all()),
        "audiences": sorted(a.slug for a in service.audiences.all()),
        "address": place.address if place is not None else "",
        "postcode": place.postcode if place is not None else "",
        "commune": {"insee_code": commune.insee_code, "name": commune.name} if commune else None,
        "epci": {"siren": epci.siren, "name": epci.name} if epci else None,
        "latitude": place.latitude if place is not None else None,
        "longitude": place.longitude if place is not None else None,
        "phone": service.contact_phone,
        "email": service.contact_email,
        "opening_hours": service.opening_hours,
        "open_now": open_now,
        "today_hours": today,
        "fees": service.fees,
        "appointment_required": service.appointment_required,
        "last_verified_at": service.last_verified_at,
        "updated_at": service.updated_at,
    }
    distance = getattr(service, "distance_km", None)
    if with_distance and distance is not None:
        data["distance_km"] = round(distance, 2)
    return data


def service_detail_dict(service, *, request, hours_cache):
    """The list shape plus what a service page shows: description, conditions, access, accessibility."""
    data = service_dict(service, request=request, hours_cache=hours_cache)
    place = service.place
    next_opening = hours.next_opening(service.opening_hours, hours_cache.now)
    data.update(
        {
            "description": service.description,
            "conditions": service.conditions,
            "fees_details": service.fees_details,
            "on_site": service.on_site,
            "remote": service.remote,
            "by_phone": service.by_phone,
            "website": service.website,
            "opening_hours_notes": service.opening_hours_notes,
            "next_opening": next_opening,
            "languages": service.languages,
            "place_name": place.name if place is not None else None,
            "accessibility": {
                "step_free_access": place.step_free_access,
                "accessible_toilets": place.accessible_toilets,
                "hearing_loop": place.hearing_loop,
                "notes": place.accessibility_notes,
            }
            if place is not None
            else None,
        }
    )
    return data


def geojson_feature(service, *, request, hours_cache):
    """An RFC 7946 Feature: coordinates are [longitude, latitude]."""
    properties = service_dict(service, request=request, hours_cache=hours_cache, with_distance=True)
    longitude, latitude = properties.pop("longitude"), properties.pop("latitude")
    return {
        "type": "Feature",
        "id": service.slug,
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": properties,
    }
