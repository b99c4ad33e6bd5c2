"""One FilterSet for the directory: the HTML search and the JSON API both go through it."""

import copy
import math

import django_filters
from django import forms
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.query import EmptyQuerySet
from django.utils.translation import gettext_lazy as _

from directory.listings import hours, occurrences
from directory.listings.models import EARTH_RADIUS_KM, Audience, Category, Service, unit_vector
from directory.listings.vocabulary import ServiceKind
from directory.tours import stops as tours
from territories.gazetteer import bounding_box
from territories.models import Commune, Epci
from territories.text import normalise

RADIUS_CHOICES = [5, 10, 20, 50]
MAX_RADIUS_KM = 200
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
ALL_PUBLICS = "tous-publics"


def proximity_expression(lat, lon):
    """Cosine of the angle between the point and each service's place: arithmetic only, exact, index-free."""
    x, y, z = unit_vector(lat, lon)
    return ExpressionWrapper(
        F("unit_x") * Value(x) + F("unit_y") * Value(y) + F("unit_z") * Value(z),
        output_field=FloatField(),
    )


def nothing_chosen(value):
    """No choice in a multiple-choice filter. Its form field gives `queryset.none()` then, which `not value` would
    compile and run as a query on every search."""
    return isinstance(value, EmptyQuerySet) or not value


class ServiceSearchForm(forms.Form):
    """Cross-field rules: a point needs both coordinates; a radius needs a point."""

    def clean(self):
        data = super().clean()
        lat, lon, radius = data.get("lat"), data.get("lon"), data.get("radius")
        if (lat is None) != (lon is None) and not self.has_error("lat") and not self.has_error("lon"):
            missing = "lon" if lon is None else "lat"
            self.add_error(missing, _("Indiquez à la fois la latitude (lat) et la longitude (lon)."))
        if radius is not None and lat is None and lon is None and not self.has_error("radius"):
            self.add_error("radius", _("Un rayon (radius) demande un point : lat et lon."))
        return data


class BoundedFloatFilter(django_filters.Filter):
    field_class = forms.FloatField


class StrictBooleanField(forms.Field):
    """true/false (and 1/0, on/off, oui/non); anything else is an error rather than silently ignored."""

    TRUE, FALSE = {"true", "1", "on", "oui"}, {"false", "0", "off", "non"}
    default_error_messages = {"invalid": _("Valeur attendue : true ou false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class ServiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_QUERY_LENGTH,
        label=_("Quoi ?"),
        help_text=_("Un mot, un besoin : colis alimentaire, CAF, ordinateur…"),
    )
    category = django_filters.ModelMultipleChoiceFilter(
        method="filter_category",
        to_field_name="slug",
        queryset=Category.objects.all(),
        label=_("Thématiques"),
    )
    kind = django_filters.ChoiceFilter(
        choices=ServiceKind.choices, label=_("Type de lieu"), empty_label=_("Tous")
    )
    audience = django_filters.ModelMultipleChoiceFilter(
        method="filter_audience",
        to_field_name="slug",
        queryset=Audience.objects.all(),
        label=_("Pour qui ?"),
    )
    commune = django_filters.ModelChoiceFilter(
        field_name="place__commune",
        method="filter_commune",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune (code INSEE)"),
        error_messages={
            "invalid_choice": _(
                "Commune inconnue : « %(value)s ». Donnez le code INSEE d'une commune du Gers (32013 pour Auch)."
            )
        },
    )
    epci = django_filters.ModelChoiceFilter(
        field_name="place__commune__epci",
        to_field_name="siren",
        queryset=Epci.objects.all(),
        label=_("Intercommunalité (SIREN)"),
        error_messages={
            "invalid_choice": _(
                "Intercommunalité inconnue : « %(value)s ». Donnez le numéro SIREN d'une intercommunalité du Gers."
            )
        },
    )
    lat = BoundedFloatFilter(method="filter_noop", label=_("Latitude"), min_value=-90, max_value=90)
    lon = BoundedFloatFilter(method="filter_noop", label=_("Longitude"), min_value=-180, max_value=180)
    radius = BoundedFloatFilter(
        method="filter_noop", label=_("Rayon (km)"), min_value=0.1, max_value=MAX_RADIUS_KM
    )
    open_now = StrictBooleanFilter(method="filter_noop", label=_("Ouvert maintenant"))

    class Meta:
        model = Service
        form = ServiceSearchForm
        fields = []

    def get_form_class(self):
        # The filters are declared once for all: so is their form class, rather than per search.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    # Filters whose work is done in `qs` (they depend on each other) or by a method below.
    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_text(self, queryset, name, value):
        terms = normalise(value).split()[:MAX_TERMS]
        for term in terms:
            queryset = queryset.filter(search_text__contains=term)
        if terms:
            score = sum(
                (
                    Case(
                        When(search_title__contains=t, then=Value(1)),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                    for t in terms
                ),
                Value(0),
            )
            queryset = queryset.annotate(relevance=score)
        return queryset

    def filter_commune(self, queryset, name, value):
        # An itinerant service is also in the communes where its tour has a stop to come (directory.tours).
        stopping = tours.services_stopping_in(value)
        here = Q(place__commune=value)
        return queryset.filter(here | Q(pk__in=stopping) if stopping else here)

    def filter_category(self, queryset, name, value):
        if nothing_chosen(value):
            return queryset
        # EXISTS rather than a join: no duplicate rows to remove, and the planner can start from the place.
        links = Service.categories.through.objects.filter(service_id=OuterRef("pk"), category__in=value)
        return queryset.filter(Exists(links))

    def filter_audience(self, queryset, name, value):
        if nothing_chosen(value):
            return queryset
        # Services "for everyone" also serve whichever public the resident picks.
        slugs = {audience.slug for audience in value} | {ALL_PUBLICS}
        links = Service.audiences.through.objects.filter(service_id=OuterRef("pk"), audience__slug__in=slugs)
        return queryset.filter(Exists(links))

    @staticmethod
    def filter_open_now(queryset, value):
        if value is None:
            return queryset
        now = hours.local_now()
        open_expressions = Service.objects.open_expressions(now)
        # A declared closure under way closes the service whatever its hours say.
        closed = occurrences.closed_services(now.date())
        if value:
            return queryset.filter(opening_hours__in=open_expressions).exclude(pk__in=closed)
        return queryset.filter(~Q(opening_hours__in=open_expressions) | Q(pk__in=closed))

    def variant(self, **changes):
        """This validated search with some cleaned values changed (None: that filter left out).

        The facet counts and the no-result suggestions are such variants: they reuse this form instead of
        building, validating and querying the database for a new filter set from a new query string.
        """
        other = copy.copy(self)
        other._form = copy.copy(self.form)
        cleaned = {**self.form.cleaned_data, **changes}
        other._form.cleaned_data = {name: value for name, value in cleaned.items() if value is not None}
        other.__dict__.pop("_qs", None)
        return other

    @property
    def point(self):
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("lat") is None or data.get("lon") is None:
            return None
        return data["lat"], data["lon"]

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = super().qs
            data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
            point = self.point
            if point is not None:
                queryset = self.filter_distance(queryset, *point, data.get("radius"))
            # Last, on the fewest rows: opening hours are evaluated in Python.
            queryset = self.filter_open_now(queryset, data.get("open_now"))
            if point is not None:
                queryset = queryset.order_by("-proximity", "search_title", "pk")
            elif "relevance" in queryset.query.annotations:
                queryset = queryset.order_by("-relevance", "search_title", "pk")
            else:
                # search_title has no accents: "Épicerie" sorts with the E's.
                queryset = queryset.order_by("search_title", "pk")
            self._qs = queryset
        return self._qs

    @staticmethod
    def filter_distance(queryset, lat, lon, radius):
        """Services whose place lies within `radius` km (any distance if None), with a `proximity` annotation.

        `Service.distance_km` turns the proximity into kilometres for the rows actually shown.
        """
        located = Q(unit_x__isnull=False)
        if radius:
            # Index-friendly bounding box first, then the exact great-circle test on the rows left.
            min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
            located &= Q(
                latitude__gte=min_lat,
                latitude__lte=max_lat,
                longitude__gte=min_lon,
                longitude__lte=max_lon,
            )
        # An itinerant service stands where its tour stops next (directory.tours), not at a place of its own.
        roaming = tours.itinerant_proximities(lat, lon, radius)
        queryset = queryset.filter(located | Q(pk__in=list(roaming)) if roaming else located)
        proximity = tours.with_stop_proximity(proximity_expression(lat, lon), roaming)
        queryset = queryset.annotate(proximity=proximity)
        if radius:
            queryset = queryset.filter(proximity__gte=math.cos(radius / EARTH_RADIUS_KM))
        return queryset

    def error_messages(self):
        """{parameter: [French messages]} — the API and the page both show them."""
        return {name: [str(m) for m in messages] for name, messages in self.form.errors.items()}
