"""Wagtail admin of the listings: services, organisations, places and vocabularies (grouped in directory.listings.admin)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.tables import Column, DateColumn, LiveStatusTagColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from directory.listings.geowidget import LocalLeafletPanel
from directory.listings.models import Audience, Category, Organisation, Place, Service
from directory.partners.scopes import ChooserViewSet, OrganisationScopedViewSetMixin

OPENING_HOURS_HELP = _(
    "<p>Les horaires s'écrivent au format OpenStreetMap, vérifié à l'enregistrement. Jours : <code>Mo</code> "
    "lundi, <code>Tu</code> mardi, <code>We</code> mercredi, <code>Th</code> jeudi, <code>Fr</code> vendredi, "
    "<code>Sa</code> samedi, <code>Su</code> dimanche, <code>PH</code> jours fériés.</p>"
    "<ul>"
    "<li><code>Mo-Fr 09:00-12:00,14:00-17:00; PH off</code> : du lundi au vendredi, matin et après-midi, "
    "fermé les jours fériés ;</li>"
    "<li><code>Tu,Th 14:00-17:00</code> : le mardi et le jeudi après-midi ;</li>"
    "<li><code>Tu[2] 09:00-12:00</code> : le 2<sup>e</sup> mardi du mois, le matin ;</li>"
    "<li><code>We[1,3] 09:30-12:00</code> : les 1<sup>er</sup> et 3<sup>e</sup> mercredis du mois ;</li>"
    "<li><code>Nov-Mar Tu,Th 09:00-11:30</code> : de novembre à mars seulement ;</li>"
    '<li><code>Mo-Fr 09:00-12:00 "sur rendez-vous"</code> : avec une précision entre guillemets.</li>'
    "</ul>"
    "<p>Les règles séparées par « ; » se remplacent pour un même jour : écrivez tous les créneaux d'un jour "
    "dans la même règle (<code>Mo,We 09:00-12:00; Tu 09:00-12:00,14:00-17:00</code>). Laissez vide si les "
    "horaires ne sont pas connus.</p>"
)


class ServiceViewSet(OrganisationScopedViewSetMixin, SnippetViewSet):
    model = Service
    icon = "list-ul"
    menu_label = _("Services")
    list_display = [
        "title",
        Column("organisation", label=_("Structure"), sort_key="organisation__name"),
        Column("kind", label=_("Type"), accessor="get_kind_display", sort_key="kind"),
        Column("commune", label=_("Commune"), accessor="place.commune", sort_key="place__commune__name"),
        Column("status", label=_("État"), accessor="get_status_display", sort_key="status"),
        LiveStatusTagColumn(label=_("Publication")),
        DateColumn("updated_at", label=_("Modifié le"), sort_key="updated_at"),
    ]
    list_filter = ["kind", "status", "categories", "organisation"]
    search_fields = ["title", "summary", "organisation__name", "place__name", "place__commune__name"]
    # The ORM search, not the search index: results are right even before the index is updated.
    search_backend_name = None
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("organisation"),
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("status")]),
                    FieldPanel("title"),
                    FieldPanel(
                        "slug", help_text=_("Laissez vide : il est calculé depuis le nom du service.")
                    ),
                    FieldPanel("summary"),
                    FieldPanel("description"),
                    FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Présentation"),
            ),
            ObjectList(
                [
                    FieldPanel("place"),
                    MultiFieldPanel(
                        [
                            FieldPanel("on_site"),
                            FieldPanel("by_phone"),
                            FieldPanel("remote"),
                            FieldPanel("appointment_required"),
                        ],
                        heading=_("Modes d'accueil"),
                    ),
                    MultiFieldPanel(
                        [FieldPanel("phone"), FieldPanel("email"), FieldPanel("website")],
                        heading=_("Contact"),
                    ),
                ],
                heading=_("Lieu et contact"),
            ),
            ObjectList(
                [
                    HelpPanel(OPENING_HOURS_HELP, heading=_("Comment écrire les horaires")),
                    FieldPanel("opening_hours"),
                    FieldPanel("opening_hours_notes"),
                    FieldPanel("last_verified_at"),
                ],
                heading=_("Horaires"),
            ),
            ObjectList(
                [
                    FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("conditions"),
                    FieldRowPanel([FieldPanel("fees"), FieldPanel("fees_details")]),
                    FieldPanel("languages"),
                ],
                heading=_("Publics et conditions"),
            ),
        ]
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "place__commune")


class OrganisationViewSet(OrganisationScopedViewSetMixin, SnippetViewSet):
    organisation_paths = ("",)
    model = Organisation
    icon = "group"
    menu_label = _("Structures")
    list_display = [
        "name",
        Column("kind", label=_("Type"), accessor="get_kind_display", sort_key="kind"),
        Column("network", label=_("Réseau"), accessor="get_network_display", sort_key="network"),
        "phone",
        LiveStatusTagColumn(label=_("Publication")),
        DateColumn("updated_at", label=_("Modifiée le"), sort_key="updated_at"),
    ]
    list_filter = ["kind", "network"]
    search_fields = ["name", "description"]
    search_backend_name = None
    panels = [
        FieldPanel("name"),
        FieldPanel("slug", help_text=_("Laissez vide : il est calculé depuis le nom.")),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("network")]),
        FieldPanel("siret"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("phone"), FieldPanel("email"), FieldPanel("website")],
            heading=_("Contact"),
            help_text=_("Affichés sur les services de la structure qui n'ont pas les leurs."),
        ),
        FieldPanel("logo"),
        FieldPanel("trusted"),
    ]


class PlaceViewSet(OrganisationScopedViewSetMixin, SnippetViewSet):
    model = Place
    icon = "site"
    menu_label = _("Lieux")
    list_display = [
        "name",
        Column("organisation", label=_("Structure"), sort_key="organisation__name"),
        Column("commune", label=_("Commune"), sort_key="commune__name"),
        Column(
            "geocoding_precision",
            label=_("Précision"),
            accessor="get_geocoding_precision_display",
            sort_key="geocoding_precision",
        ),
        LiveStatusTagColumn(label=_("Publication")),
        DateColumn("updated_at", label=_("Modifié le"), sort_key="updated_at"),
    ]
    list_filter = ["organisation", "commune", "geocoding_precision"]
    search_fields = ["name", "address", "commune__name"]
    search_backend_name = None
    panels = [
        FieldPanel("organisation"),
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("commune")]),
            ],
            heading=_("Adresse"),
        ),
        MultiFieldPanel(
            [
                # The map writes "SRID=4326;POINT(lon lat)"; the model copies it into the indexed floats.
                LocalLeafletPanel("location", hide_latlng=False),
                FieldRowPanel(
                    [FieldPanel("latitude", read_only=True), FieldPanel("longitude", read_only=True)]
                ),
                FieldPanel("geocoding_precision", read_only=True),
            ],
            heading=_("Position sur la carte"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("step_free_access"),
                FieldPanel("accessible_toilets"),
                FieldPanel("hearing_loop"),
                FieldPanel("accessibility_notes"),
            ],
            heading=_("Accessibilité"),
        ),
        FieldPanel("getting_there"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "commune")


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    chooser_viewset_class = ChooserViewSet
    menu_label = _("Thématiques")
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "slug"]
    search_backend_name = None
    sort_order_field = "position"
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("thematiques"),
    ]


class AudienceViewSet(SnippetViewSet):
    model = Audience
    icon = "user"
    chooser_viewset_class = ChooserViewSet
    menu_label = _("Publics")
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    search_backend_name = None
    sort_order_field = "position"
    panels = [FieldPanel("name"), FieldPanel("slug")]
