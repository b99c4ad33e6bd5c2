"""Admin of the camping-car's tours, recurring stops, dated stops and declared closures.

The viewsets are listed in TOUR_VIEWSETS and registered by directory.listings.admin (in the "Annuaire" group,
with the per-organisation permission policy). A recurring stop has a "Générer les passages" action: a preview of
what the generator would create, then the generation itself (directory.tours.generate_stops), idempotent.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, LiveStatusTagColumn
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, ListingButton
from wagtail.snippets.views.snippets import EditView, IndexView, SnippetViewSet

from directory.listings.models import Closure
from directory.partners.access import scope
from directory.tours.models import Stop, StopPattern, StopStatus, Tour
from directory.tours.stops import generate_stops
from territories.models import Commune

RULE_HELP = _(
    "<p>La récurrence s'écrit au format OpenStreetMap, comme les horaires des services :</p><ul>"
    "<li><code>Tu[2] 09:00-12:00</code> : le 2<sup>e</sup> mardi du mois, de 9 h à midi ;</li>"
    "<li><code>Th[1,3] 14:00-17:00</code> : les 1<sup>er</sup> et 3<sup>e</sup> jeudis ;</li>"
    "<li><code>We 09:30-12:00; PH off</code> : chaque mercredi, sauf les jours fériés.</li></ul>"
    "<p>Ajoutez <code>; PH off</code> pour sauter les jours fériés. Les passages sont créés entre les deux dates, "
    "sauf aux dates exclues ; relancer la génération ne crée jamais de doublon et ne modifie aucun passage "
    "existant (un passage annulé reste annulé).</p>"
)


def parking_place_panel():
    """Where the camping-car parks: the same fields on a recurring pattern and on a dated stop."""
    return MultiFieldPanel(
        [
            FieldPanel("commune"),
            FieldPanel("place_name"),
            FieldPanel("address"),
            FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
        ],
        heading=_("Lieu de stationnement"),
        help_text=_("Sans latitude ni longitude, le passage est placé au centre de la commune."),
    )


_DATE_SPLIT = re.compile(r"[\s,;]+")


class ExceptionDatesField(forms.Field):
    """Dates typed one per line (JJ/MM/AAAA or AAAA-MM-JJ), stored as a sorted list of AAAA-MM-JJ strings."""

    widget = forms.Textarea(attrs={"rows": 3})
    default_error_messages = {"invalid": _("Date illisible : « %(value)s ». Écrivez-la JJ/MM/AAAA.")}

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            out = []
            for text in value:
                try:
                    out.append(dt.date.fromisoformat(str(text)).strftime("%d/%m/%Y"))
                except ValueError:
                    out.append(str(text))
            return "\n".join(out)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            value = "\n".join(str(v) for v in value)
        dates = set()
        for text in _DATE_SPLIT.split(value or ""):
            if not text:
                continue
            try:
                if "/" in text:
                    day, month, year = (int(part) for part in text.split("/"))
                    dates.add(dt.date(year, month, day))
                else:
                    dates.add(dt.date.fromisoformat(text))
            except ValueError as exc:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": text}
                ) from exc
        return [d.isoformat() for d in sorted(dates)]


class StopPatternForm(WagtailAdminModelForm):
    exceptions = ExceptionDatesField(
        label=_("dates exclues"),
        required=False,
        help_text=_(
            "Une date par ligne (JJ/MM/AAAA) : pas de passage ce jour-là. Supprimer un passage généré ajoute sa "
            "date ici, pour que la génération ne le recrée pas ; retirez-la pour qu'il soit recréé."
        ),
    )


# --- Tours ------------------------------------------------------------------------------------------------


class TourViewSet(SnippetViewSet):
    model = Tour
    icon = "site"
    menu_label = _("Tournées")
    list_display = [
        "name",
        Column("organisation", label=_("Structure"), sort_key="organisation__name"),
        "vehicle",
        Column("service", label=_("Fiche de l'annuaire")),
        LiveStatusTagColumn(label=_("Publication")),
        DateColumn("updated_at", label=_("Modifiée le"), sort_key="updated_at"),
    ]
    list_filter = ["organisation"]
    search_fields = ["name", "vehicle", "team", "description"]
    search_backend_name = None
    panels = [
        FieldPanel("organisation"),
        FieldPanel("name"),
        FieldPanel("slug", help_text=_("Laissez vide : il est calculé depuis le nom de la tournée.")),
        FieldPanel("service"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("vehicle"), FieldPanel("phone")]),
        FieldPanel("team"),
        FieldPanel("onboard_categories", widget=forms.CheckboxSelectMultiple),
        FieldPanel("onboard_details"),
    ]

    def get_queryset(self, request):
        return Tour.objects.select_related("organisation", "service")


# --- Recurring stops --------------------------------------------------------------------------------------


class StopPatternIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission_for_instance("change", instance):
            buttons.append(
                ListingButton(
                    _("Générer les passages"),
                    url=reverse(self.generate_url_name, args=[instance.pk]),
                    icon_name="date",
                    priority=15,
                )
            )
        return buttons

    generate_url_name = None


class StopPatternEditView(EditView):
    generate_url_name = None

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.object.pk and self.user_has_permission_for_instance("change", self.object):
            buttons.append(
                Button(
                    _("Générer les passages"),
                    url=reverse(self.generate_url_name, args=[self.object.pk]),
                    icon_name="date",
                    priority=5,
                )
            )
        return buttons


class GenerateStopsView(BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: what generation would do (nothing is written). POST: generate, then list the pattern's stops."""

    model = StopPattern
    template_name = "directory/tours/admin/generate_stops.html"
    permission_policy = None
    edit_url_name = None
    index_url_name = None
    index_label = ""
    header_icon = "date"

    @cached_property
    def stop_viewset(self):
        # Resolved per request: the Stop viewset may be registered after this one.
        return getattr(Stop, "snippet_viewset", None)

    def get_page_title(self):
        return _("Générer les passages")

    def get_page_subtitle(self):
        return str(self.object)

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not self.permission_policy.user_has_permission_for_instance(user, "change", self.object):
            raise PermissionDenied
        stops = self.stop_viewset.permission_policy if self.stop_viewset else None
        if stops is not None and not stops.user_has_permission(user, "add"):
            raise PermissionDenied
        if not self.object.live:
            # Generated stops are published at once: they copy only a pattern staff have approved.
            messages.error(
                request,
                _(
                    "Ce passage récurrent n'est pas encore validé par l'équipe Gers Solidaire : générez ses "
                    "passages une fois qu'il est publié."
                ),
            )
            return redirect(reverse(self.edit_url_name, args=[self.object.pk]))
        return super().dispatch(request, *args, **kwargs)

    def get_base_object_queryset(self):
        return StopPattern.objects.select_related("tour", "commune")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": str(self.index_label)},
            {"url": reverse(self.edit_url_name, args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            pattern=self.object,
            report=generate_stops(self.object, dry_run=True),
            edit_url=reverse(self.edit_url_name, args=[self.object.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        report = generate_stops(self.object)
        messages.success(request, report.summary())
        if report.conflicts or report.stale:
            messages.warning(
                request, _("Certains créneaux demandent une vérification : voir le détail ci-dessus.")
            )
        if self.stop_viewset is not None:
            return redirect(reverse(self.stop_viewset.get_url_name("list")) + f"?pattern={self.object.pk}")
        return redirect(reverse(self.edit_url_name, args=[self.object.pk]))


class StopPatternViewSet(SnippetViewSet):
    model = StopPattern
    icon = "repeat"
    menu_label = _("Passages récurrents")
    index_view_class = StopPatternIndexView
    edit_view_class = StopPatternEditView
    generate_view_class = GenerateStopsView
    # The first column is the title one: it carries the edit link and the buttons ("Générer les passages").
    list_display = [
        "place_name",
        Column("commune", label=_("Commune"), sort_key="commune__name"),
        Column("tour", label=_("Tournée"), sort_key="tour__name"),
        "rule",
        Column(
            "starts_on", label=_("Du"), accessor=lambda p: f"{p.starts_on:%d/%m/%Y}", sort_key="starts_on"
        ),
        Column("ends_on", label=_("Au"), accessor=lambda p: f"{p.ends_on:%d/%m/%Y}", sort_key="ends_on"),
    ]
    list_filter = ["tour"]
    search_fields = ["place_name", "rule", "commune__name", "tour__name"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("tour"),
            parking_place_panel(),
            HelpPanel(RULE_HELP, heading=_("Comment écrire la récurrence")),
            FieldPanel("rule"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            FieldPanel("exceptions"),
        ],
        base_form_class=StopPatternForm,
    )

    def get_queryset(self, request):
        return StopPattern.objects.select_related("tour", "commune")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(generate_url_name=self.get_url_name("generate"), **kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(generate_url_name=self.get_url_name("generate"), **kwargs)

    @property
    def generate_view(self):
        return self.generate_view_class.as_view(
            permission_policy=self.permission_policy,
            edit_url_name=self.get_url_name("edit"),
            index_url_name=self.get_url_name("list"),
            index_label=self.menu_label,
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(f"generate/<{self.pk_path_converter}:pk>/", self.generate_view, name="generate"),
        ]


# --- Dated stops ------------------------------------------------------------------------------------------


def _communes_with_stops(request):
    # Only where the user's own tours stop: a partner learns nothing of other organisations' rounds.
    stops = scope(Stop.objects.all(), getattr(request, "user", None), ("tour__organisation",))
    return Commune.objects.filter(pk__in=stops.values("commune_id")).order_by("name")


class StopFilterSet(WagtailFilterSet):
    date = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    commune = django_filters.ModelChoiceFilter(label=_("Commune"), queryset=_communes_with_stops)
    status = django_filters.ChoiceFilter(
        label=_("État"), choices=StopStatus.choices, widget=forms.RadioSelect, empty_label=_("Tous")
    )

    class Meta:
        model = Stop
        fields = ["tour", "pattern", "commune", "date", "status"]


class StopViewSet(SnippetViewSet):
    model = Stop
    icon = "date"
    menu_label = _("Passages")
    filterset_class = StopFilterSet
    list_display = [
        "__str__",
        # The day itself (not "in 3 weeks"): staff plan by date.
        Column("date", label=_("Date"), accessor=lambda stop: f"{stop.date:%d/%m/%Y}", sort_key="date"),
        Column("start_time", label=_("Arrivée"), sort_key="start_time"),
        Column("end_time", label=_("Départ")),
        "place_name",
        Column("status", label=_("État"), accessor="get_status_display", sort_key="status"),
        "cancellation_reason",
    ]
    search_fields = ["place_name", "commune__name", "tour__name", "cancellation_reason"]
    search_backend_name = None
    ordering = ["date", "start_time"]
    panels = [
        FieldPanel("tour"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("start_time"), FieldPanel("end_time")]),
        parking_place_panel(),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("cancellation_reason")],
            heading=_("Annulation"),
            help_text=_(
                "Un passage annulé reste affiché sur le site, avec son motif : préférez l'annulation à la "
                "suppression."
            ),
        ),
        FieldPanel("pattern", read_only=True),
    ]

    def get_queryset(self, request):
        return Stop.objects.select_related("tour", "commune", "pattern")


# --- Closures ---------------------------------------------------------------------------------------------


class ClosureViewSet(SnippetViewSet):
    model = Closure
    icon = "warning"
    menu_label = _("Fermetures")
    list_display = [
        "__str__",
        Column(
            "starts_on", label=_("Du"), accessor=lambda c: f"{c.starts_on:%d/%m/%Y}", sort_key="starts_on"
        ),
        Column("ends_on", label=_("Au"), accessor=lambda c: f"{c.ends_on:%d/%m/%Y}", sort_key="ends_on"),
        "reason",
    ]
    search_fields = ["reason", "service__title", "place__name"]
    search_backend_name = None
    panels = [
        HelpPanel(
            _(
                "<p>Choisissez un service (sa permanence n'a pas lieu) ou un lieu (toutes les permanences qui s'y "
                "tiennent sont annulées), pas les deux. Les dates de fermeture disparaissent des prochaines dates "
                "et des agendas.</p>"
            )
        ),
        FieldRowPanel([FieldPanel("service"), FieldPanel("place")]),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("reason"),
    ]

    def get_queryset(self, request):
        return Closure.objects.select_related("service", "place__commune")


TOUR_VIEWSETS = [TourViewSet, StopPatternViewSet, StopViewSet, ClosureViewSet]
