"""The API's answers: each shape declared once here (its schema makes the OpenAPI document), and filled from the
database, tested without HTTP.

The builders fill the schemas with `model_construct`: the values come from the database already typed, and
validating every result again would cost more than the search itself on the busiest endpoint (the tests check the
answers against these schemas instead).
"""

import datetime as dt
import re
from typing import Literal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import create_model

from directory.listings import hours
from directory.listings.models import Closure, distance_km
from directory.listings.occurrences import closures_for
from directory.listings.vocabulary import Fees, ServiceKind, ServiceStatus
from directory.partners import freshness


class HoursCache:
    """Open-now and today's hours per distinct expression: many services share the same hours.

    Declared closures under way today are read once per request (few at any time) and override both answers for
    the services they close, theirs or their place's.
    """

    def __init__(self, now=None):
        self.now = now or hours.local_now()
        self.stale_cutoff = freshness.stale_cutoff()
        self._cache = {}
        self._closures = None

    def __call__(self, expression, service_id=None, place_id=None):
        closure = self.closure(service_id, place_id)
        if closure is not None:
            return False, hours.today_label(expression, self.now, [closure])
        if expression not in self._cache:
            label = hours.today_label(expression, self.now)
            self._cache[expression] = (hours.is_open(expression, self.now), label or None)
        return self._cache[expression]

    def closure(self, service_id, place_id):
        if self._closures is None:
            today = self.now.date()
            by_service, by_place = {}, {}
            for closure in Closure.objects.filter(starts_on__lte=today, ends_on__gte=today).order_by(
                "starts_on"
            ):
                if closure.service_id:
                    by_service.setdefault(closure.service_id, closure)
                if closure.place_id:
                    by_place.setdefault(closure.place_id, closure)
            self._closures = by_service, by_place
        by_service, by_place = self._closures
        return by_service.get(service_id) or (by_place.get(place_id) if place_id else None)


# What the page's <slug:slug> path converter accepts: reverse() writes such a slug unchanged.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SLUG_MARKER = "service-slug"

# What a list item reads, as ORM lookups: the API builds its lists from `.values(*LIST_VALUES)` rows (no model
# instances: on a page of 20 wide rows they cost far more than the query), and a single service's page adapts its
# instance to the same keys (`instance_values`), so both go through one `service_fields`.
LIST_VALUES = (
    "pk",
    "slug",
    "title",
    "summary",
    "kind",
    "status",
    "phone",
    "email",
    "opening_hours",
    "fees",
    "appointment_required",
    "last_verified_at",
    "last_published_at",
    "created_at",
    "updated_at",
    "organisation__name",
    "organisation__slug",
    "organisation__phone",
    "organisation__email",
    "place_id",
    "place__address",
    "place__postcode",
    "place__latitude",
    "place__longitude",
    "place__commune__insee_code",
    "place__commune__name",
    "place__commune__epci__siren",
    "place__commune__epci__name",
)


def instance_values(service):
    """A Service instance (with its relations loaded) as a LIST_VALUES row plus categories, audiences, proximity."""
    place = service.place
    commune = place.commune if place is not None else None
    epci = commune.epci if commune is not None else None
    organisation = service.organisation
    row = {name: getattr(service, name) for name in LIST_VALUES if "__" not in name}
    row.update(
        {
            "organisation__name": organisation.name,
            "organisation__slug": organisation.slug,
            "organisation__phone": organisation.phone,
            "organisation__email": organisation.email,
            "place__address": place.address if place is not None else None,
            "place__postcode": place.postcode if place is not None else None,
            "place__latitude": place.latitude if place is not None else None,
            "place__longitude": place.longitude if place is not None else None,
            "place__commune__insee_code": commune.insee_code if commune is not None else None,
            "place__commune__name": commune.name if commune is not None else None,
            "place__commune__epci__siren": epci.siren if epci is not None else None,
            "place__commune__epci__name": epci.name if epci is not None else None,
            "categories": [c.slug for c in service.categories.all()],
            "audiences": [a.slug for a in service.audiences.all()],
            "proximity": getattr(service, "proximity", None),
        }
    )
    return row


def service_url(request, slug):
    """The absolute URL of a service's page: reversed once per request rather than once per result."""
    template = getattr(request, "_service_url_template", None)
    if template is None:
        url = request.build_absolute_uri(reverse("directory:service", kwargs={"slug": SLUG_MARKER}))
        template = request._service_url_template = url.rsplit(SLUG_MARKER, 1)
    if SLUG.fullmatch(slug):
        return slug.join(template)
    return request.build_absolute_uri(reverse("directory:service", kwargs={"slug": slug}))


# ---------------------------------------------------------------------------------------------------------
# The shapes.


class ApiError(Schema):
    detail: str = Field(description=_("Résumé de l'erreur, en français."))
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description=_("Messages par paramètre fautif (le nom du paramètre en clé).")
    )


class OrganisationRef(Schema):
    name: str
    slug: str


class CommuneRef(Schema):
    insee_code: str
    name: str


class EpciRef(Schema):
    siren: str
    name: str


class ServiceBase(Schema):
    slug: str
    url: str = Field(description=_("Page publique du service."))
    title: str
    summary: str
    kind: Literal[tuple(ServiceKind.values)]
    status: Literal[tuple(ServiceStatus.values)]
    organisation: OrganisationRef
    categories: list[str] = Field(description=_("Identifiants des thématiques."))
    audiences: list[str] = Field(description=_("Publics (codes data·inclusion `publics`)."))
    address: str
    postcode: str
    commune: CommuneRef | None
    epci: EpciRef | None
    latitude: float | None
    longitude: float | None
    phone: str = Field(description=_("Téléphone du service, à défaut celui de la structure."))
    email: str = Field(description=_("Courriel du service, à défaut celui de la structure."))
    opening_hours: str = Field(description=_("Horaires au format OpenStreetMap `opening_hours`."))
    open_now: bool | None = Field(description=_("Ouvert en ce moment (heure de Paris) ; null si inconnu."))
    today_hours: str | None = Field(description=_("Horaires du jour, en clair ; null si inconnus."))
    fees: Literal[tuple(Fees.values)]
    appointment_required: bool
    last_verified_at: dt.datetime | None = Field(
        description=_("Date des dernières vérifications (ISO 8601).")
    )
    stale: bool = Field(
        description=_(
            "Informations à vérifier : vrai quand la structure ne les a pas confirmées depuis le délai fixé "
            "par le site (12 mois par défaut) ; la page publique invite alors à vérifier avant de se déplacer."
        )
    )
    updated_at: dt.datetime


class ServiceOut(ServiceBase):
    distance_km: float | None = Field(
        None,
        description=_("Distance au point (lat, lon) en km, arrondie au centième ; seulement avec un point."),
    )


class Accessibility(Schema):
    step_free_access: bool | None
    accessible_toilets: bool | None
    hearing_loop: bool | None
    notes: str


class ServiceDetailOut(ServiceBase):
    description: str
    conditions: str
    fees_details: str
    on_site: bool
    remote: bool
    by_phone: bool
    website: str
    opening_hours_notes: str
    next_opening: dt.datetime | None = Field(description=_("Prochaine ouverture (ISO 8601, heure de Paris)."))
    languages: str
    place_name: str | None
    accessibility: Accessibility | None


class ServiceList(Schema):
    count: int = Field(description=_("Nombre total de services correspondant aux filtres."))
    limit: int
    offset: int
    next: str | None = Field(description=_("Page suivante, ou null."))
    previous: str | None = Field(description=_("Page précédente, ou null."))
    results: list[ServiceOut]


# A feature's properties are a list item without its coordinates (they are the geometry): derived, not redeclared.
ServiceProperties = create_model(
    "ServiceProperties",
    __base__=Schema,
    __doc__="Les champs d'un service de /services, sans latitude ni longitude (elles sont dans `geometry`).",
    **{
        name: (field.annotation, field)
        for name, field in ServiceOut.model_fields.items()
        if name not in ("latitude", "longitude")
    },
)


class PointGeometry(Schema):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="[longitude, latitude]")


class ServiceFeature(Schema):
    type: Literal["Feature"]
    id: str = Field(description=_("Identifiant du service (slug)."))
    geometry: PointGeometry
    properties: ServiceProperties


class ServiceFeatureCollection(Schema):
    """FeatureCollection RFC 7946 ; coordonnées [longitude, latitude]."""

    type: Literal["FeatureCollection"]
    count: int = Field(description=_("Nombre total de services placés correspondant aux filtres."))
    limit: int
    offset: int
    next: str | None = Field(description=_("Page suivante, ou null."))
    previous: str | None = Field(description=_("Page précédente, ou null."))
    features: list[ServiceFeature]


# Read from a `territories.models.Commune`.
class CommuneOut(Schema):
    insee_code: str
    name: str
    postal_codes: list[str] = Field(validation_alias="postal_code_list")
    latitude: float
    longitude: float


# ---------------------------------------------------------------------------------------------------------
# Filling them.


def service_fields(row, *, request, hours_cache, with_distance=False):
    """The values of a list item (`ServiceOut`), from a LIST_VALUES row with categories, audiences and proximity."""
    has_place = row["place_id"] is not None
    has_commune = row["place__commune__insee_code"] is not None
    has_epci = row["place__commune__epci__siren"] is not None
    open_now, today = hours_cache(row["opening_hours"], row["pk"], row["place_id"])
    data = {
        "slug": row["slug"],
        "url": service_url(request, row["slug"]),
        "title": row["title"],
        "summary": row["summary"],
        "kind": row["kind"],
        "status": row["status"],
        "organisation": OrganisationRef.model_construct(
            name=row["organisation__name"], slug=row["organisation__slug"]
        ),
        "categories": sorted(row["categories"]),
        "audiences": sorted(row["audiences"]),
        "address": row["place__address"] if has_place else "",
        "postcode": row["place__postcode"] if has_place else "",
        "commune": CommuneRef.model_construct(
            insee_code=row["place__commune__insee_code"], name=row["place__commune__name"]
        )
        if has_commune
        else None,
        "epci": EpciRef.model_construct(
            siren=row["place__commune__epci__siren"], name=row["place__commune__epci__name"]
        )
        if has_epci
        else None,
        "latitude": row["place__latitude"] if has_place else None,
        "longitude": row["place__longitude"] if has_place else None,
        # As Service.contact_phone / contact_email: the service's own, else the organisation's.
        "phone": row["phone"] or row["organisation__phone"],
        "email": row["email"] or row["organisation__email"],
        "opening_hours": row["opening_hours"],
        "open_now": open_now,
        "today_hours": today,
        "fees": row["fees"],
        "appointment_required": row["appointment_required"],
        "last_verified_at": row["last_verified_at"],
        # As freshness.verified_since: verified, else published, else created.
        "stale": freshness.is_stale(
            row["last_verified_at"] or row["last_published_at"] or row["created_at"], hours_cache.stale_cutoff
        ),
        "updated_at": row["updated_at"],
    }
    distance = distance_km(row.get("proximity"))
    if with_distance and distance is not None:
        data["distance_km"] = round(distance, 2)
    return data


def service_out(row, *, request, hours_cache, with_distance=False):
    """A list item; `distance_km` is left unset (and out of the answer) without a point."""
    return ServiceOut.model_construct(
        **service_fields(row, request=request, hours_cache=hours_cache, with_distance=with_distance)
    )


def service_detail_out(service, *, request, hours_cache):
    """The list item plus what a service page shows: description, conditions, access, accessibility."""
    data = service_fields(instance_values(service), request=request, hours_cache=hours_cache)
    place = service.place
    closures = closures_for([service], hours_cache.now.date(), hours_cache.now.date() + dt.timedelta(days=62))
    return ServiceDetailOut.model_construct(
        **data,
        description=service.description,
        conditions=service.conditions,
        fees_details=service.fees_details,
        on_site=service.on_site,
        remote=service.remote,
        by_phone=service.by_phone,
        website=service.website,
        opening_hours_notes=service.opening_hours_notes,
        next_opening=hours.next_opening(service.opening_hours, hours_cache.now, closures),
        languages=service.languages,
        place_name=place.name if place is not None else None,
        accessibility=Accessibility.model_construct(
            step_free_access=place.step_free_access,
            accessible_toilets=place.accessible_toilets,
            hearing_loop=place.hearing_loop,
            notes=place.accessibility_notes,
        )
        if place is not None
        else None,
    )


def service_feature(row, *, request, hours_cache):
    """An RFC 7946 Feature from a LIST_VALUES row: coordinates are [longitude, latitude]."""
    properties = service_fields(row, request=request, hours_cache=hours_cache, with_distance=True)
    longitude, latitude = properties.pop("longitude"), properties.pop("latitude")
    return ServiceFeature.model_construct(
        type="Feature",
        id=row["slug"],
        geometry=PointGeometry.model_construct(type="Point", coordinates=[longitude, latitude]),
        properties=ServiceProperties.model_construct(**properties),
    )
