"""Stored results of the observatory: coverage distances and service counts, computed in the background.

Pages read these rows only (see observatory.coverage.compute): they stay fast whatever the size of the
directory, and each says when its figures were computed ("données au …").
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.models import Category, Service, Tour
from territories.models import Commune

# Distance thresholds (km) of the coverage analysis, and the bands of the coverage map.
THRESHOLDS_KM = (10, 20, 30)


class CoverageRun(models.Model):
    """One complete computation. Only the latest is kept: a new run replaces the previous one atomically."""

    computed_at = models.DateTimeField(_("calculé le"), db_index=True)
    duration_ms = models.PositiveIntegerField(_("durée du calcul (ms)"), default=0)
    horizon_days = models.PositiveSmallIntegerField(_("passages itinérants pris en compte (jours)"))
    service_count = models.PositiveIntegerField(_("services publiés"), default=0)
    located_service_count = models.PositiveIntegerField(_("services publiés ouverts et situés"), default=0)
    stop_count = models.PositiveIntegerField(_("passages itinérants à venir"), default=0)

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"
        verbose_name = _("calcul de l'observatoire")
        verbose_name_plural = _("calculs de l'observatoire")

    def __str__(self):
        return f"{self._meta.verbose_name} du {self.computed_at:%d/%m/%Y %H:%M}"

    @property
    def cache_key(self):
        """A run never changes once stored: what is drawn from it can be cached under this key."""
        return f"{self.pk}-{self.computed_at.timestamp():.6f}"


class CommuneCoverage(models.Model):
    """The straight-line distance from a commune's centre to the nearest help of one category."""

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="communes")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    # None: no published service of this category anywhere.
    distance_km = models.FloatField(_("distance (km)"), null=True)
    nearest_service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("service le plus proche"),
    )
    nearest_tour = models.ForeignKey(
        Tour, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("tournée la plus proche")
    )
    # A snapshot of the nearest help's name and commune, as they were when computed.
    nearest_label = models.CharField(_("aide la plus proche"), max_length=300, blank=True)
    nearest_commune = models.CharField(_("commune de l'aide la plus proche"), max_length=150, blank=True)
    # For an itinerant stop: its passages within the horizon (the frequency shown).
    stop_count = models.PositiveSmallIntegerField(_("passages prévus"), default=0)

    class Meta:
        verbose_name = _("distance d'une commune à une thématique")
        verbose_name_plural = _("distances des communes aux thématiques")
        constraints = [
            models.UniqueConstraint(fields=["run", "commune", "category"], name="coverage_unique_cell")
        ]
        indexes = [models.Index(fields=["run", "category", "distance_km"], name="coverage_by_distance")]

    def __str__(self):
        return f"{self.commune_id} × {self.category_id} : {self.distance_km}"


class CategoryCoverage(models.Model):
    """Per category: how many communes, and how many residents, live beyond each threshold."""

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="categories")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    point_count = models.PositiveIntegerField(_("lieux et arrêts de la thématique"), default=0)
    communes_over_10 = models.PositiveIntegerField(default=0)
    communes_over_20 = models.PositiveIntegerField(default=0)
    communes_over_30 = models.PositiveIntegerField(default=0)
    population_over_10 = models.PositiveIntegerField(default=0)
    population_over_20 = models.PositiveIntegerField(default=0)
    population_over_30 = models.PositiveIntegerField(default=0)
    max_distance_km = models.FloatField(null=True)
    # Mean distance weighted by population: what an average resident of the Gers travels.
    mean_distance_km = models.FloatField(null=True)

    class Meta:
        verbose_name = _("couverture d'une thématique")
        verbose_name_plural = _("couverture des thématiques")
        constraints = [models.UniqueConstraint(fields=["run", "category"], name="coverage_unique_category")]

    def __str__(self):
        return str(self.category_id)

    def over(self, threshold):
        return getattr(self, f"communes_over_{threshold}"), getattr(self, f"population_over_{threshold}")


class Scope(models.TextChoices):
    DEPARTEMENT = "departement", _("département")
    EPCI = "epci", _("intercommunalité")
    CANTON = "canton", _("canton")


class ServiceCount(models.Model):
    """Published services of a territory, for one category or (category None) all of them."""

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="counts")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    # SIREN of an EPCI, code of a canton, "32" for the département.
    code = models.CharField(max_length=9)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, related_name="+")
    services = models.PositiveIntegerField(default=0)
    # Of which: itinerant services counted for their stops in the territory.
    itinerant = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("nombre de services d'un territoire")
        verbose_name_plural = _("nombres de services des territoires")
        indexes = [models.Index(fields=["run", "scope", "code"], name="count_by_territory")]

    def __str__(self):
        return f"{self.scope} {self.code} {self.category_id}: {self.services}"
