"""Dated presence: the camping-car's tours and stops, stop patterns, and declared closures."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from directory.listings import hours
from territories.models import Commune


class StopStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("prévu")
    CANCELLED = "cancelled", _("annulé")


class Tour(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """A tournée of the service public itinérant: a vehicle and a team going from stop to stop."""

    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="tours"
    )
    service = models.OneToOneField(
        "directory.Service",
        verbose_name=_("fiche de l'annuaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tour",
        help_text=_("Le service de type « itinérant » qui présente cette tournée dans l'annuaire."),
    )
    name = models.CharField(_("nom de la tournée"), max_length=150)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=80, unique=True, blank=True)
    vehicle = models.CharField(
        _("véhicule"), max_length=150, blank=True, help_text=_("Par exemple : camping-car")
    )
    team = models.CharField(_("équipe à bord"), max_length=250, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    onboard_categories = ParentalManyToManyField(
        "directory.Category",
        verbose_name=_("ce que l'on peut faire à bord"),
        blank=True,
        related_name="tours",
    )
    onboard_details = models.TextField(
        _("précisions sur ce que l'on peut faire à bord"),
        blank=True,
        help_text=_("Démarches administratives, accès aux droits, numérique…"),
    )
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tournée")
        verbose_name_plural = _("tournées")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            from directory.listings.models import unique_slug

            self.slug = unique_slug(Tour, self.name, self.pk)
        super().save(*args, **kwargs)


class StopLocation(models.Model):
    """Where the vehicle parks: a commune, a named spot, an optional address and point."""

    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    place_name = models.CharField(_("lieu"), max_length=150, help_text=_("Par exemple : place du Foirail"))
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, db_index=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def fill_point(self):
        """Without a point of its own, a stop is placed at its commune's centre."""
        if (self.latitude is None or self.longitude is None) and self.commune_id:
            self.latitude, self.longitude = self.commune.latitude, self.commune.longitude


class StopPattern(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, StopLocation):
    """A recurring stop ("every second Tuesday, 9:00–12:00"), written in OpenStreetMap opening_hours syntax.

    Moderated like stops: the stops it generates are published at once with its free text, so generation reads
    the published pattern (the row) and refuses a pattern never approved.
    """

    tour = models.ForeignKey(
        Tour, verbose_name=_("tournée"), on_delete=models.CASCADE, related_name="patterns"
    )
    rule = models.CharField(
        _("récurrence (format OpenStreetMap)"),
        max_length=200,
        validators=[hours.validate_opening_hours],
        help_text=_("Par exemple : Tu[2] 09:00-12:00 pour le 2e mardi du mois, de 9 h à midi."),
    )
    starts_on = models.DateField(_("à partir du"))
    ends_on = models.DateField(_("jusqu'au"))
    exceptions = models.JSONField(
        _("dates exclues"), default=list, blank=True, help_text=_("Dates au format AAAA-MM-JJ.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["tour", "starts_on"]
        verbose_name = _("passage récurrent")
        verbose_name_plural = _("passages récurrents")

    def __str__(self):
        return f"{self.tour} — {self.commune} ({self.rule})"

    def save(self, *args, **kwargs):
        self.fill_point()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La date de fin précède la date de début.")})


class Stop(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, StopLocation):
    """One dated stop of a tour. A cancelled stop stays listed, with its reason.

    Moderated like services: its free text (place, address, reason) is shown as written on the public calendar,
    so a partner's change waits for approval while the row keeps the published stop. Residents see live stops only.
    """

    tour = models.ForeignKey(Tour, verbose_name=_("tournée"), on_delete=models.CASCADE, related_name="stops")
    pattern = models.ForeignKey(
        StopPattern,
        verbose_name=_("passage récurrent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stops",
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("arrivée"))
    end_time = models.TimeField(_("départ"))
    status = models.CharField(
        _("état"), max_length=10, choices=StopStatus.choices, default=StopStatus.SCHEDULED
    )
    cancellation_reason = models.CharField(_("motif de l'annulation"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        # The vehicle is in one place at a time: this is also what keeps pattern generation from duplicating.
        constraints = [
            models.UniqueConstraint(fields=["tour", "date", "start_time"], name="stop_unique_tour_slot")
        ]

    def __str__(self):
        return f"{self.tour} — {self.commune} le {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        self.fill_point()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("L'heure de départ doit suivre l'heure d'arrivée.")})
        if self.status == StopStatus.CANCELLED and not self.cancellation_reason.strip():
            raise ValidationError({"cancellation_reason": _("Indiquez le motif de l'annulation.")})

    @property
    def is_cancelled(self):
        return self.status == StopStatus.CANCELLED
