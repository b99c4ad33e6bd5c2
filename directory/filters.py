"""One FilterSet for the directory: the HTML search and the JSON API both go through it."""

import django_filters
from django import forms
from django.db.models import Case, F, FloatField, IntegerField, Value, When
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils.translation import gettext_lazy as _

from territories.gazetteer import bounding_box
from territories.models import Commune, Epci
from territories.text import normalise

from . import hours
from .models import Audience, Category, Service
from .vocabulary import ServiceKind

EARTH_RADIUS_KM = 6371.0088
RADIUS_CHOICES = [5, 10, 20, 50]
MAX_RADIUS_KM = 200
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8


def distance_expression(lat, lon):
    """Great-circle distance (km) from a point to each service's place, computed by the database."""
    lat1, lon1 = Radians(Value(lat)), Radians(Value(lon))
    lat2, lon2 = Radians(F("place__latitude")), Radians(F("place__longitude"))
    a = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lon2 - lon1) / 2), 2)
    # Least(a, 1) guards ASin against rounding just above 1 for antipodal points.
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(a, Value(1.0), output_field=FloatField())))


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
        field_name="categories__slug",
        to_field_name="slug",
        queryset=Category.objects.all(),
        label=_("Thématiques"),
        distinct=True,
    )
    kind = django_filters.ChoiceFilter(
        choices=ServiceKind.choices, label=_("Type de lieu"), empty_label=_("Tous")
    )
    audience = django_filters.ModelMultipleChoiceFilter(
        field_name="audiences__slug",
        to_field_name="slug",
        queryset=Audience.objects.all(),
        label=_("Pour qui ?"),
        distinct=True,
    )
    commune = django_filters.ModelChoiceFilter(
        field_name="place__commune",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune (code INSEE)"),
    )
    epci = django_filters.ModelChoiceFilter(
        field_name="place__commune__epci",
        to_field_name="siren",
        queryset=Epci.objects.all(),
        label=_("Intercommunalité (SIREN)"),
    )
    lat = BoundedFloatFilter(method="filter_noop", label=_("Latitude"), min_value=-90, max_value=90)
    lon = BoundedFloatFilter(method="filter_noop", label=_("Longitude"), min_value=-180, max_value=180)
    radius = BoundedFloatFilter(
        method="filter_noop", label=_("Rayon (km)"), min_value=0.1, max_value=MAX_RADIUS_KM
    )
    open_now = StrictBooleanFilter(method="filter_open_now", label=_("Ouvert maintenant"))

    class Meta:
        model = Service
        form = ServiceSearchForm
        fields = []

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

    def filter_open_now(self, queryset, name, value):
        if value is None:
            return queryset
        # Evaluate each distinct expression once: many services share the same hours.
        now = hours.local_now()
        expressions = set(
            queryset.exclude(opening_hours="").values_list("opening_hours", flat=True).distinct()
        )
        open_expressions = [e for e in expressions if hours.is_open(e, now)]
        if value:
            return queryset.filter(opening_hours__in=open_expressions)
        return queryset.exclude(opening_hours__in=open_expressions)

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
            point = self.point
            if point is not None:
                queryset = self.filter_distance(queryset, *point, self.form.cleaned_data.get("radius"))
            elif "relevance" in queryset.query.annotations:
                queryset = queryset.order_by("-relevance", "title", "pk")
            else:
                queryset = queryset.order_by("title", "pk")
            self._qs = queryset
        return self._qs

    @staticmethod
    def filter_distance(queryset, lat, lon, radius):
        queryset = queryset.filter(place__latitude__isnull=False, place__longitude__isnull=False)
        if radius:
            # Index-friendly bounding box first, then the exact distance on the few rows left.
            min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
            queryset = queryset.filter(
                place__latitude__gte=min_lat,
                place__latitude__lte=max_lat,
                place__longitude__gte=min_lon,
                place__longitude__lte=max_lon,
            )
        queryset = queryset.annotate(distance_km=distance_expression(lat, lon))
        if radius:
            queryset = queryset.filter(distance_km__lte=radius)
        return queryset.order_by("distance_km", "title", "pk")

    def error_messages(self):
        """{parameter: [French messages]} — the API and the page both show them."""
        return {name: [str(m) for m in messages] for name, messages in self.form.errors.items()}
