"""France Contact: organisations, places and the services they offer, with their draft/published state."""

import math
import re

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin
from wagtail.search import index

from core.phones import phone_validator
from core.slugs import slugify
from directory.listings import hours
from directory.listings.vocabulary import (
    Fees,
    GeocodingPrecision,
    Network,
    OrganisationKind,
    ServiceKind,
    ServiceStatus,
)
from territories.models import Commune
from territories.text import normalise

DEFAULT_SOURCE = "gers-solidaire"
EARTH_RADIUS_KM = 6371.0088
POINT_FIELDS = ("latitude", "longitude", "unit_x", "unit_y", "unit_z")

siret_validator = RegexValidator(r"^\d{14}$", _("Le SIRET compte 14 chiffres, sans espace."))
POINT_RE = re.compile(r"^SRID=4326;POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)$")


def unit_vector(latitude, longitude):
    """The point on the unit sphere, or (None, None, None) without coordinates."""
    if latitude is None or longitude is None:
        return None, None, None
    phi, lam = math.radians(latitude), math.radians(longitude)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def distance_km(proximity):
    """Kilometres from a `proximity` (the cosine of the angle to the searched point), or None without one."""
    if proximity is None:
        return None
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, proximity)))


# Paths under /annuaire/ that are pages of their own, never a service's slug.
RESERVED_SLUGS = {"carte", "communes", "api", "export", "recherche", "passages", "tournees"}


def unique_slug(model, text, instance_pk=None, max_length=80):
    base = slugify(text)[:max_length].strip("-") or "fiche"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(slug=slug).exclude(pk=instance_pk).exists():
        slug = f"{base[: max_length - 4]}-{n}"
        n += 1
    return slug


class Category(models.Model):
    """A category of need (thématique), mapped onto data·inclusion v1 `thematiques`."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=80)
    description = models.CharField(_("description"), max_length=250, blank=True)
    thematiques = models.JSONField(
        _("thématiques data·inclusion"),
        default=list,
        blank=True,
        help_text=_("Codes data·inclusion v1, de la forme categorie--sous-theme."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")

    def __str__(self):
        return self.name


class Audience(models.Model):
    """A public a service is meant for (data·inclusion v1 `publics`)."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=80)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("public")
        verbose_name_plural = _("publics")

    def __str__(self):
        return self.name


class Organisation(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """A partner organisation. Moderated like services: its name and website show on every one of its service
    pages, so a partner's change is a revision awaiting approval while the row keeps the published values.
    """

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True, blank=True)
    kind = models.CharField(_("type de structure"), max_length=20, choices=OrganisationKind.choices)
    network = models.CharField(_("réseau"), max_length=40, choices=Network.choices, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    website = models.URLField(_("site web"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("adresse électronique"), blank=True)
    description = models.TextField(_("présentation"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trusted = models.BooleanField(
        _("structure de confiance"),
        default=False,
        help_text=_("Les modifications de ses membres sont publiées sans validation par Gers Solidaire."),
    )
    source = models.CharField(_("source"), max_length=60, default=DEFAULT_SOURCE)
    source_id = models.CharField(_("identifiant à la source"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    # The id filter: the admin choosers search a partner's organisations only (directory.partners.access.scope).
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("id")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        # Staff hold it; partners without it only reach the organisations they are members of.
        permissions = [("manage_all_organisations", _("Gérer les fiches de toutes les structures"))]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="organisation_unique_source_id",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Organisation, self.name, self.pk)
        super().save(*args, **kwargs)
        # The organisation's name is part of what residents search for in its services.
        for service in self.services.all():
            service.refresh_search_text(save=True)


class Place(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """Where a service is held: an address with a point on the map.

    Moderated like services: a partner's change to a published place is a revision awaiting approval while the
    row keeps the published data, so services (and their copy of the point) only ever read what is published.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="places"
    )
    name = models.CharField(_("nom du lieu"), max_length=200)
    address = models.CharField(_("adresse"), max_length=250, blank=True, help_text=_("Numéro et rue."))
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="places"
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True, db_index=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, db_index=True)
    location = models.CharField(
        _("point sur la carte"),
        max_length=250,
        blank=True,
        help_text=_("Placez le repère sur la carte ou laissez vide pour le calculer depuis l'adresse."),
    )
    # The point as a unit vector (x, y, z): the dot product of two of them is the cosine of the angle between
    # them, so distance filters and ordering need only arithmetic in SQL (no trigonometry per row).
    unit_x = models.FloatField(null=True, blank=True, editable=False)
    unit_y = models.FloatField(null=True, blank=True, editable=False)
    unit_z = models.FloatField(null=True, blank=True, editable=False)
    geocoding_precision = models.CharField(
        _("précision de la position"), max_length=20, choices=GeocodingPrecision.choices, blank=True
    )
    step_free_access = models.BooleanField(_("accès de plain-pied ou rampe"), null=True, blank=True)
    accessible_toilets = models.BooleanField(_("toilettes adaptées"), null=True, blank=True)
    hearing_loop = models.BooleanField(_("boucle magnétique"), null=True, blank=True)
    accessibility_notes = models.TextField(_("précisions sur l'accessibilité"), blank=True)
    getting_there = models.TextField(_("comment venir"), blank=True, help_text=_("Bus, parking, repères."))
    source = models.CharField(_("source"), max_length=60, default=DEFAULT_SOURCE)
    source_id = models.CharField(_("identifiant à la source"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["commune__name", "name"]
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        indexes = [models.Index(fields=["latitude", "longitude"], name="place_lat_lon")]

    def __str__(self):
        return f"{self.name} ({self.commune.name})" if self.commune_id else self.name

    @property
    def full_address(self):
        parts = [
            self.address,
            f"{self.postcode or ''} {self.commune.name if self.commune_id else ''}".strip(),
        ]
        return ", ".join(p for p in parts if p)

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None

    def directions_url(self):
        if not self.has_point:
            return ""
        return (
            f"https://www.openstreetmap.org/directions?route=%3B{self.latitude:.5f}%2C{self.longitude:.5f}"
            f"#map=16/{self.latitude:.5f}/{self.longitude:.5f}"
        )

    def sync_point(self):
        """Keep the map widget's string and the indexed floats in agreement; geocode when both are missing."""
        match = POINT_RE.match(self.location.strip()) if self.location else None
        if match:
            lon, lat = float(match.group(1)), float(match.group(2))
            if (lat, lon) != (self.latitude, self.longitude):
                self.latitude, self.longitude = lat, lon
                self.geocoding_precision = GeocodingPrecision.MANUAL
        elif not self.has_point:
            from territories.geocoding import geocode

            result = geocode(
                self.address, postcode=self.postcode, commune=self.commune if self.commune_id else None
            )
            if result is not None:
                self.latitude, self.longitude = result.latitude, result.longitude
                self.geocoding_precision = result.precision
        if self.has_point:
            self.location = f"SRID=4326;POINT({self.longitude} {self.latitude})"
        self.unit_x, self.unit_y, self.unit_z = unit_vector(self.latitude, self.longitude)

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            # Wagtail recording a draft, a lock or a workflow step: the instance may hold the unpublished edit,
            # the row (and the services' copy of it) keeps the published data.
            return super().save(*args, **kwargs)
        if self.commune_id and not self.postcode:
            self.postcode = self.commune.postal_code_list[0] if self.commune.postal_code_list else ""
        self.sync_point()
        super().save(*args, **kwargs)
        # Services search on their own copy of the point, and are public only once their place is published.
        self.services.update(place_live=self.live, **{field: getattr(self, field) for field in POINT_FIELDS})


def release_services(sender, instance, **kwargs):
    """A place being deleted: its services lose it (SET_NULL), so their copy of its point and state goes too.

    The search index re-indexes them on the same signal (directory.search.index).
    """
    instance.services.update(place_live=True, **dict.fromkeys(POINT_FIELDS))


models.signals.pre_delete.connect(release_services, sender=Place)

OPEN_EXPRESSIONS_VERSION_KEY = "directory:opening-hours-version"


def bump_opening_hours_version(**kwargs):
    """Saved or deleted services may bring new expressions: forget the cached open/closed answers."""
    try:
        cache.incr(OPEN_EXPRESSIONS_VERSION_KEY)
    except ValueError:
        cache.set(OPEN_EXPRESSIONS_VERSION_KEY, 1, None)


class ServiceQuerySet(models.QuerySet):
    def open_expressions(self, moment):
        """The distinct opening-hours expressions that are open at `moment`, to the minute.

        Many services share the same hours and the answer holds for a whole minute, so it is computed once
        per minute (and per change of the services) rather than per service or per request.
        """
        minute = moment.replace(second=0, microsecond=0)
        version = cache.get_or_set(OPEN_EXPRESSIONS_VERSION_KEY, 1, None)
        key = f"directory:open-expressions:{version}:{minute.isoformat()}"
        expressions = cache.get(key)
        if expressions is None:
            candidates = (
                Service.objects.order_by().exclude(opening_hours="").values_list("opening_hours", flat=True)
            )
            expressions = [e for e in set(candidates.distinct()) if hours.is_open(e, minute)]
            cache.set(key, expressions, 120)
        return expressions

    def public(self):
        """What residents may see: published services, at a published place (or at none)."""
        return self.filter(live=True, place_live=True)

    def with_related(self):
        return self.select_related("organisation", "place__commune__epci").prefetch_related("categories")


class Service(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="services"
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("lieu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text=_("Laissez vide pour un service uniquement par téléphone ou en ligne."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=ServiceKind.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.OPEN
    )
    title = models.CharField(_("nom du service"), max_length=150)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=80, unique=True, blank=True)
    summary = models.CharField(_("résumé"), max_length=280, help_text=_("Une phrase : ce que l'on y trouve."))
    description = models.TextField(_("description"), blank=True)
    categories = ParentalManyToManyField(Category, verbose_name=_("thématiques"), related_name="services")
    audiences = ParentalManyToManyField(
        Audience, verbose_name=_("publics"), blank=True, related_name="services"
    )
    conditions = models.TextField(_("conditions d'accès"), blank=True)
    fees = models.CharField(_("coût"), max_length=12, choices=Fees.choices, default=Fees.FREE)
    fees_details = models.CharField(_("précisions sur le coût"), max_length=250, blank=True)
    on_site = models.BooleanField(_("accueil sur place"), default=True)
    remote = models.BooleanField(_("à distance (en ligne)"), default=False)
    by_phone = models.BooleanField(_("par téléphone"), default=False)
    appointment_required = models.BooleanField(_("sur rendez-vous"), default=False)
    phone = models.CharField(
        _("téléphone"),
        max_length=20,
        blank=True,
        validators=[phone_validator],
        help_text=_("Laissez vide pour afficher celui de la structure."),
    )
    email = models.EmailField(
        _("adresse électronique"), blank=True, help_text=_("Par défaut, celle de la structure.")
    )
    website = models.URLField(_("page web"), blank=True)
    opening_hours = models.CharField(
        _("horaires (format OpenStreetMap)"),
        max_length=500,
        blank=True,
        validators=[hours.validate_opening_hours],
        help_text=_("Par exemple : Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
    )
    opening_hours_notes = models.CharField(_("précisions sur les horaires"), max_length=250, blank=True)
    languages = models.CharField(_("langues parlées"), max_length=200, blank=True, default="français")
    last_verified_at = models.DateTimeField(_("informations vérifiées le"), null=True, blank=True)
    # When the last freshness reminder went out: one reminder per verification period (see directory.partners.freshness).
    reminder_sent_at = models.DateTimeField(
        _("dernier rappel envoyé le"), null=True, blank=True, editable=False
    )
    source = models.CharField(_("source"), max_length=60, default=DEFAULT_SOURCE)
    source_id = models.CharField(_("identifiant à la source"), max_length=120, blank=True)
    # The place's point, copied here (kept in step by Place.save) so radius searches read one table.
    latitude = models.FloatField(null=True, blank=True, editable=False, db_index=True)
    longitude = models.FloatField(null=True, blank=True, editable=False, db_index=True)
    unit_x = models.FloatField(null=True, blank=True, editable=False)
    unit_y = models.FloatField(null=True, blank=True, editable=False)
    unit_z = models.FloatField(null=True, blank=True, editable=False)
    # False while the place is a draft never published (or unpublished): the service waits for it. A column of
    # its own (kept in step by Place.save, like the point) so public() never joins the places.
    place_live = models.BooleanField(default=True, editable=False)
    # Accent-free, lower-case text searched by the database backend: "numerique" finds "numérique".
    search_text = models.TextField(editable=False, blank=True, default="")
    search_title = models.CharField(editable=False, max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("summary", boost=2),
        index.SearchField("description"),
        index.AutocompleteField("title"),
        index.FilterField("live"),
        index.FilterField("kind"),
        # The admin choosers search a partner's services only (directory.partners.access.scope).
        index.FilterField("organisation"),
    ]

    class Meta:
        ordering = ["title"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="service_unique_source_id"
            )
        ]
        indexes = [
            # Covers a radius search (bounding box, published service and place, distance, tie-break, open now):
            # counting and sorting the services around a point read this index alone, never the wide table rows.
            models.Index(
                fields=[
                    "longitude",
                    "latitude",
                    "live",
                    "place_live",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "search_title",
                    "opening_hours",
                ],
                name="service_lon_lat_cover",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("directory:service", kwargs={"slug": self.slug})

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("Cet identifiant est réservé, choisissez-en un autre.")})
        if self.on_site and self.place_id is None and self.kind != ServiceKind.ITINERANT:
            raise ValidationError({"place": _("Un accueil sur place demande un lieu.")})

    @property
    def distance_km(self):
        """Great-circle distance to the searched point, when the search had one (see directory.search.filters)."""
        return distance_km(getattr(self, "proximity", None))

    @property
    def contact_phone(self):
        return self.phone or self.organisation.phone

    @property
    def contact_email(self):
        return self.email or self.organisation.email

    def copy_point(self):
        place = self.place if self.place_id else None
        for field in POINT_FIELDS:
            setattr(self, field, getattr(place, field) if place is not None else None)
        self.place_live = place is None or place.live

    def refresh_search_text(self, save=False):
        parts = [
            self.title,
            self.summary,
            self.description,
            self.organisation.name if self.organisation_id else "",
        ]
        if self.place_id:
            parts += [self.place.name, self.place.commune.name]
        if self.pk:
            parts += [c.name for c in self.categories.all()]
        text = normalise(" ".join(p for p in parts if p))
        title = normalise(self.title)
        if save and (text, title) != (self.search_text, self.search_title):
            Service.objects.filter(pk=self.pk).update(search_text=text, search_title=title)
        self.search_text, self.search_title = text, title

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            # Wagtail recording a draft, a lock or a workflow step: the instance may hold the unpublished edit,
            # whose words must not reach the row the public search reads.
            return super().save(*args, **kwargs)
        if not self.slug:
            self.slug = unique_slug(Service, self.title, self.pk)
        self.opening_hours = (self.opening_hours or "").strip()
        self.copy_point()
        self.refresh_search_text()
        super().save(*args, **kwargs)
        # Categories are committed by the save above (ParentalManyToManyField): index their names too.
        self.refresh_search_text(save=True)

    # Opening hours, evaluated in Europe/Paris with French public holidays.
    def is_open(self, at=None):
        return hours.is_open(self.opening_hours, at)

    def today_hours(self, at=None):
        return hours.today_label(self.opening_hours, at)

    def week_schedule(self, at=None):
        return hours.week_schedule(self.opening_hours, at)

    def next_opening(self, at=None):
        return hours.next_opening(self.opening_hours, at)

    def mark_verified(self, when=None):
        self.last_verified_at = when or timezone.now()
        Service.objects.filter(pk=self.pk).update(last_verified_at=self.last_verified_at)


models.signals.post_save.connect(bump_opening_hours_version, sender=Service)
models.signals.post_delete.connect(bump_opening_hours_version, sender=Service)


class Closure(models.Model):
    """A declared closure (holidays, works) of a service, or of a place and every permanence held there."""

    service = models.ForeignKey(
        "directory.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    place = models.ForeignKey(
        "directory.Place",
        verbose_name=_("lieu"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, place__isnull=True)
                | Q(service__isnull=True, place__isnull=False),
                name="closure_service_or_place",
            )
        ]

    def __str__(self):
        return f"{self.service or self.place} : {self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"

    def clean(self):
        super().clean()
        if (self.service_id is None) == (self.place_id is None):
            raise ValidationError(_("Une fermeture concerne soit un service, soit un lieu."))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La date de fin précède la date de début.")})
