"""Communes, intercommunalities (EPCI) and cantons of the Gers: reference data from territories/data/."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.slugs import slugify

from .text import normalise


class Epci(models.Model):
    class Kind(models.TextChoices):
        CA = "CA", _("Communauté d’agglomération")
        CC = "CC", _("Communauté de communes")

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("nature juridique"), max_length=2, choices=Kind.choices)
    # Two EPCIs cross the département border: population, member count and point cover the Gers part only.
    population = models.PositiveIntegerField(_("population (partie gersoise)"), default=0)
    member_count = models.PositiveIntegerField(_("nombre de communes membres (Gers)"), default=0)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("intercommunalité (EPCI)")
        verbose_name_plural = _("intercommunalités (EPCI)")

    def __str__(self):
        return self.name


class Canton(models.Model):
    # INSEE gives Auch, split between the cantons Auch-1, Auch-2 and Auch-3, the pseudo-canton code 3299
    # ("commune multi-cantonale") rather than one of 3204–3206; it is kept as a canton of its own so every
    # commune has one and per-canton counts still add up to the département.
    MULTI_CANTON_CODE = "3299"

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)

    class Meta:
        ordering = ["code"]
        verbose_name = _("canton")
        verbose_name_plural = _("cantons")

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant d’URL"), max_length=150, unique=True)
    postal_codes = models.CharField(
        _("codes postaux"),
        max_length=60,
        help_text=_("Séparés par des espaces, par exemple « 32250 32440 »."),
    )
    population = models.PositiveIntegerField(_("population municipale"), default=0)
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="communes", verbose_name=_("intercommunalité (EPCI)")
    )
    canton = models.ForeignKey(
        Canton,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name=_("canton"),
    )
    # Area centroid of the commune polygon, not the town hall; indexed for bounding-box prefilters.
    latitude = models.FloatField(_("latitude"), db_index=True)
    longitude = models.FloatField(_("longitude"), db_index=True)
    # Accent- and punctuation-free copy of the name: the same prefix/contains lookups then work on SQLite and
    # PostgreSQL without unaccent or collations.
    search_name = models.CharField(
        _("nom normalisé pour la recherche"), max_length=150, db_index=True, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        first = self.postal_code_list[0] if self.postal_code_list else self.insee_code
        return f"{self.name} ({first})"

    def save(self, *args, **kwargs):
        self.search_name = normalise(self.name)
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()
