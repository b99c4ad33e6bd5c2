"""Home page, standard editorial pages and the site-wide contact settings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from core.phones import phone_validator, tel_href

from .blocks import BodyBlock, KeyFigureBlock


@register_setting(icon="mail")
class ContactSettings(BaseSiteSetting):
    helpline_name = models.CharField(
        _("nom de la ligne d'écoute"), max_length=80, default="Numéro Vert Social"
    )
    helpline_number = models.CharField(
        _("numéro de la ligne d'écoute"), max_length=20, default="0800 323 130", validators=[phone_validator]
    )
    helpline_hours = models.CharField(
        _("horaires de la ligne d'écoute"), max_length=120, default="du lundi au vendredi de 8 h 30 à 18 h"
    )
    helpline_note = models.CharField(
        _("précision sur la ligne d'écoute"), max_length=120, default="Service et appel gratuits"
    )
    organisation_name = models.CharField(
        _("nom de la structure"), max_length=120, default="GIP Gers Solidaire"
    )
    street_address = models.CharField(_("adresse"), max_length=200, default="50 chemin de Baron")
    postal_code = models.CharField(_("code postal"), max_length=10, default="32000")
    city = models.CharField(_("ville"), max_length=80, default="Auch")
    email = models.EmailField(_("adresse électronique"), default="gerssolidaire@gerssolidaire.org")
    phone = models.CharField(
        _("téléphone de l'accueil"), max_length=20, blank=True, validators=[phone_validator]
    )
    legal_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page des mentions légales"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page de la déclaration d'accessibilité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page de la politique de confidentialité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sitemap_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du plan du site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    default_share_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image de partage par défaut"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Montrée quand une page est partagée sur les réseaux sociaux et n'a pas d'image propre."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("helpline_name"),
                FieldPanel("helpline_number"),
                FieldPanel("helpline_hours"),
                FieldPanel("helpline_note"),
            ],
            heading=_("Ligne d'écoute gratuite"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("street_address"),
                FieldPanel("postal_code"),
                FieldPanel("city"),
                FieldPanel("email"),
                FieldPanel("phone"),
            ],
            heading=_("Coordonnées"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("legal_page"),
                FieldPanel("accessibility_page"),
                FieldPanel("privacy_page"),
                FieldPanel("sitemap_page"),
            ],
            heading=_("Liens du pied de page"),
        ),
        FieldPanel("default_share_image"),
    ]

    class Meta:
        verbose_name = _("coordonnées et ligne d'écoute")

    @property
    def helpline_href(self):
        return tel_href(self.helpline_number)

    @property
    def phone_href(self):
        return tel_href(self.phone) if self.phone else ""

    @property
    def accessibility_status(self):
        """The footer's status: the statement's own, "non conforme" when the page chosen is not a statement."""
        page = self.accessibility_page
        statement = getattr(page.specific, "compliance", None) if page else None
        return Compliance(statement).label if statement else Compliance.NONE.label

    @classmethod
    def for_site(cls, site):
        # No Site answers for the host (a database flushed or not set up yet, an unknown host name): the defaults,
        # unsaved, rather than a 500 on every page that shows the helpline.
        if site is None:
            return cls()
        return super().for_site(site)


class SharingMixin(models.Model):
    """Open Graph image chosen per page, falling back to the site's default."""

    share_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image de partage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Image montrée quand la page est partagée sur les réseaux sociaux."),
    )

    promote_panels = [*Page.promote_panels, FieldPanel("share_image")]

    class Meta:
        abstract = True


class HomePage(SharingMixin, Page):
    hero_title = models.CharField(_("titre d'accueil"), max_length=160)
    hero_text = models.TextField(_("texte d'accueil"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image d'accueil"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Image décorative, sans texte incrusté."),
    )
    find_help_label = models.CharField(
        _("libellé du bouton d'aide"), max_length=80, default="Trouver de l'aide près de chez moi"
    )
    find_help_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page de recherche d'aide"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Page ouverte par le bouton « Trouver de l'aide près de chez moi »."),
    )
    intro = RichTextField(_("présentation"), blank=True, features=["bold", "italic", "link"])
    key_figures = StreamField(
        [("figure", KeyFigureBlock())], verbose_name=_("chiffres clés"), blank=True, max_num=6
    )
    news_index = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("rubrique des actualités"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Les trois dernières pages publiées sous cette rubrique apparaissent sur l'accueil."),
    )
    newsletter_title = models.CharField(
        _("titre du bloc lettre d'information"), max_length=120, default="Recevoir notre lettre d'information"
    )
    newsletter_text = models.TextField(_("texte du bloc lettre d'information"), blank=True)
    newsletter_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page d'inscription à la lettre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("find_help_label"),
                FieldPanel("find_help_page"),
            ],
            heading=_("Bandeau d'accueil"),
        ),
        FieldPanel("intro"),
        FieldPanel("key_figures"),
        FieldPanel("news_index"),
        MultiFieldPanel(
            [FieldPanel("newsletter_title"), FieldPanel("newsletter_text"), FieldPanel("newsletter_page")],
            heading=_("Lettre d'information"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text"), index.SearchField("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("page d'accueil")

    def latest_news(self, count=3):
        if not self.news_index_id:
            return []
        index = self.news_index.specific
        if hasattr(index, "highlights"):
            # A news section knows its own order (campaigns under way, then news by their date).
            return index.highlights(count)
        return Page.objects.child_of(index).live().public().specific().order_by("-first_published_at")[:count]

    def shown_key_figures(self):
        """(figure, label) pairs to show: computed ones that the data cannot give yet are left out."""
        shown = []
        for block in self.key_figures:
            figure = block.value.figure()
            if figure:
                shown.append((figure, block.value.get("label")))
        return shown

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = self.latest_news()
        context["key_figures"] = self.shown_key_figures()
        return context


class StandardPage(SharingMixin, Page):
    intro = models.TextField(_("chapô"), blank=True, help_text=_("Une ou deux phrases qui résument la page."))
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("page standard")


class Compliance(models.TextChoices):
    """The RGAA compliance status, as the statement and the footer must word it."""

    NONE = "non", _("non conforme")
    PARTIAL = "partiel", _("partiellement conforme")
    FULL = "total", _("totalement conforme")


class AccessibilityStatementPage(SharingMixin, Page):
    """The accessibility statement (déclaration d'accessibilité) the RGAA requires, edited by staff.

    The status and the dates are fields: the page and the footer word them, and a status other than "non
    conforme" needs the audit that supports it. The rest (pages and environment tested, known non-accessible
    content, feedback contact, the Défenseur des droits, the multi-year plan) is the body.
    """

    intro = models.TextField(_("chapô"), blank=True)
    compliance = models.CharField(
        _("état de conformité"),
        max_length=10,
        choices=Compliance.choices,
        default=Compliance.NONE,
        help_text=_("« Non conforme » tant qu'aucun audit de conformité au RGAA n'a été réalisé."),
    )
    statement_date = models.DateField(_("date de la déclaration"))
    audit_date = models.DateField(_("date de l'audit"), null=True, blank=True)
    audit_result = models.CharField(
        _("résultat de l'audit"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : « 75 % des critères du RGAA respectés, audit réalisé par … »."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("compliance"),
                FieldPanel("statement_date"),
                FieldPanel("audit_date"),
                FieldPanel("audit_result"),
            ],
            heading=_("État de conformité"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    max_count = 1

    class Meta:
        verbose_name = _("déclaration d'accessibilité")

    def clean(self):
        super().clean()
        if self.compliance != Compliance.NONE and not (self.audit_date and self.audit_result):
            raise ValidationError(
                {
                    "compliance": _(
                        "Sans audit de conformité (date et résultat), le site est « non conforme »."
                    )
                }
            )


class SitemapPage(SharingMixin, Page):
    """The human-readable site map required by RGAA: every public page, as a nested list."""

    intro = models.TextField(_("chapô"), blank=True)
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

    class Meta:
        verbose_name = _("plan du site")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        root = self.get_site().root_page
        context["sitemap_root"] = root
        context["sitemap_tree"] = build_tree(root, root.get_descendants().live().public().order_by("path"))
        context["sitemap_app_pages"] = app_pages()
        return context


def _link(title, url_name, children=()):
    try:
        return (title, reverse(url_name), [c for c in children if c])
    except NoReverseMatch:  # an app left out of this installation
        return None


def app_pages():
    """The pages the apps serve outside the page tree, as [(title, url, children)]: the site map lists them too.

    By URL name, not by import: the home app depends on none of them.
    """
    from territories.models import Epci

    tours = _link(_("Passages du camping-car"), "directory:stops")
    observatory = _link(
        _("Observatoire territorial de l'offre sociale du Gers"),
        "observatory:departement",
        [_link(_("Communes éloignées des services"), "observatory:coverage")],
    )
    if observatory is not None:
        # The portraits are listed on the observatory's page; here, a pointer to them.
        count = Epci.objects.count()
        if count:
            observatory[2].append(
                (
                    ngettext(
                        "Portrait de l'intercommunalité",
                        "Portraits des %(count)s intercommunalités",
                        count,
                    )
                    % {"count": count},
                    observatory[1] + "#par-epci",
                    [],
                )
            )
    pages = [
        tours,
        _link(_("Carte des services solidaires du Gers"), "observatory:map"),
        observatory,
        _link(_("Inscription à la lettre d'information"), "newsletter:subscribe"),
    ]
    return [page for page in pages if page]


def build_tree(root, descendants):
    """Nest pages (ordered by path) under their parents: [(page, [children…]), …]."""
    nodes = {root.path: (root, [])}
    for page in descendants:
        parent = nodes.get(page.path[: -page.steplen])
        if parent is None:
            continue
        node = (page, [])
        parent[1].append(node)
        nodes[page.path] = node
    return nodes[root.path][1]
