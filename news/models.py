"""News, their index (listing, filters, feeds) and campaign landing pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.slugs import slugify
from home.blocks import BodyBlock
from home.models import SharingMixin

from .feeds import AtomNewsFeed, RssNewsFeed
from .listing import news_listing


class NewsCategory(models.Model):
    """A heading news are filed under ("Aide alimentaire", "Accès aux droits"…), editable as a snippet."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(
        _("identifiant dans l'adresse"),
        max_length=80,
        unique=True,
        blank=True,
        help_text=_("Laissez vide : il est calculé depuis le nom."),
    )

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("catégorie d'actualités")
        verbose_name_plural = _("catégories d'actualités")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            base = slugify(self.name)[:70] or "categorie"
            slug, n = base, 2
            while NewsCategory.objects.filter(slug=slug).exclude(pk=self.pk).exists():
                slug, n = f"{base}-{n}", n + 1
            self.slug = slug
        super().save(*args, **kwargs)


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey("news.NewsPage", related_name="tagged_items", on_delete=models.CASCADE)


class IllustratedMixin(models.Model):
    """The page's main image. `hero_image` is also what base.html's `share_image` tag falls back to for
    Open Graph, after the editor's optional `share_image` (Promotion tab)."""

    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Montrée en tête de page et, sauf image de partage choisie, sur les réseaux sociaux."),
    )
    hero_image_alt = models.CharField(
        _("texte alternatif de l'image"),
        max_length=250,
        blank=True,
        help_text=_(
            "Décrit l'image pour les personnes qui ne la voient pas. Laisser vide si l'image est décorative."
        ),
    )

    image_panel = MultiFieldPanel(
        [FieldPanel("hero_image"), FieldPanel("hero_image_alt")], heading=_("Image")
    )

    class Meta:
        abstract = True


class NewsIndexPage(RoutablePageMixin, SharingMixin, Page):
    """The news section: live child news newest first, filters as GET parameters, RSS and Atom feeds."""

    intro = models.TextField(_("chapô"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["news.NewsPage", "news.CampaignPage"]

    class Meta:
        verbose_name = _("rubrique des actualités")

    def news(self):
        """What the public may read: live, unrestricted news under this index, newest first."""
        return NewsPage.objects.child_of(self).live().public().order_by("-date", "-first_published_at", "-pk")

    def current_campaigns(self, today=None):
        today = today or timezone.localdate()
        return (
            CampaignPage.objects.child_of(self)
            .live()
            .public()
            .filter(start_date__lte=today, end_date__gte=today)
            .order_by("end_date")
        )

    def highlights(self, count=3, today=None):
        """What the home page lists: campaigns under way or to come first, then the latest news by their date.

        A campaign that is over is no news: it stays in its section, never on the home page.
        """
        today = today or timezone.localdate()
        campaigns = list(
            CampaignPage.objects.child_of(self)
            .live()
            .public()
            .filter(end_date__gte=today)
            .order_by("start_date", "end_date", "pk")[:count]
        )
        return campaigns + list(self.news()[: count - len(campaigns)])

    def feed_urls(self, request=None):
        base = self.get_url(request=request) or ""
        return {
            "rss": base + self.reverse_subpage("rss_feed"),
            "atom": base + self.reverse_subpage("atom_feed"),
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(news_listing(self, request.GET))
        context["feed_urls"] = self.feed_urls(request)
        return context

    @path("rss/")
    def rss_feed(self, request):
        return RssNewsFeed(self)(request)

    @path("atom/")
    def atom_feed(self, request):
        return AtomNewsFeed(self)(request)


class NewsPage(IllustratedMixin, SharingMixin, Page):
    date = models.DateField(
        _("date"),
        default=timezone.localdate,
        help_text=_("Date affichée ; les actualités sont classées par date."),
    )
    summary = models.TextField(
        _("résumé"),
        max_length=400,
        help_text=_(
            "Deux ou trois phrases, reprises dans la liste des actualités, les flux et les partages."
        ),
    )
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    categories = ParentalManyToManyField(
        NewsCategory, verbose_name=_("catégories"), blank=True, related_name="news_pages"
    )
    tags = ClusterTaggableManager(
        through=NewsPageTag,
        verbose_name=_("mots-clés"),
        blank=True,
        help_text=_("Séparés par des virgules."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("summary"),
        IllustratedMixin.image_panel,
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("categories", widget=forms.CheckboxSelectMultiple), FieldPanel("tags")],
            heading=_("Classement"),
        ),
        InlinePanel(
            "related_services",
            heading=_("Services de l'annuaire liés"),
            label=_("Service"),
            help_text=_("Seuls les services publiés apparaissent sur la page."),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")

    @property
    def intro(self):
        # The home page's "latest news" block shows `search_description`, else `intro`.
        return self.summary

    @property
    def listing_date(self):
        # The date the home page's cards show as "Publié le": the article's own, not the day it went live.
        return self.date

    @property
    def index_page(self):
        parent = self.get_parent()
        return parent.specific if parent else None

    def published_services(self):
        """Related directory services residents may see (published), in the editor's order."""
        return [link.service for link in self.related_services.all() if link.service and link.service.live]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        index_page = self.index_page
        context["index_page"] = index_page if isinstance(index_page, NewsIndexPage) else None
        if context["index_page"]:
            context["feed_urls"] = index_page.feed_urls(request)
        return context


class NewsPageRelatedService(Orderable):
    page = ParentalKey(NewsPage, related_name="related_services", on_delete=models.CASCADE)
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("service")]

    class Meta(Orderable.Meta):
        verbose_name = _("service lié")
        verbose_name_plural = _("services liés")


class CampaignState(models.TextChoices):
    UPCOMING = "upcoming", _("à venir")
    RUNNING = "running", _("en cours")
    ENDED = "ended", _("terminée")


class CampaignPage(IllustratedMixin, SharingMixin, Page):
    """A landing page for a campaign: a period, a message, a call to action that disappears once it is over."""

    start_date = models.DateField(_("début de la campagne"), default=timezone.localdate)
    end_date = models.DateField(_("fin de la campagne"), help_text=_("Dernier jour inclus."))
    hero_text = models.TextField(
        _("accroche"), help_text=_("Le message de la campagne, en une ou deux phrases.")
    )
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)
    cta_label = models.CharField(_("libellé du bouton d'action"), max_length=80, blank=True)
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cta_url = models.URLField(_("ou adresse web"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")], heading=_("Période")),
        FieldPanel("hero_text"),
        IllustratedMixin.image_panel,
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("cta_label"), FieldPanel("cta_page"), FieldPanel("cta_url")],
            heading=_("Appel à l'action"),
            help_text=_("Masqué automatiquement une fois la campagne terminée."),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text"), index.SearchField("body")]
    parent_page_types = ["news.NewsIndexPage", "home.HomePage", "home.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")

    @property
    def intro(self):
        # The home page's "latest news" block shows `search_description`, else `intro`.
        return self.hero_text

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("La fin de la campagne ne peut pas précéder son début.")
        has_target = bool(self.cta_page_id or self.cta_url)
        if self.cta_label and not has_target:
            errors["cta_page"] = _("Choisissez une page ou indiquez une adresse web pour le bouton.")
        if has_target and not self.cta_label:
            errors["cta_label"] = _("Donnez un libellé au bouton.")
        if errors:
            raise ValidationError(errors)

    def state(self, today=None):
        today = today or timezone.localdate()
        if today < self.start_date:
            return CampaignState.UPCOMING
        if self.end_date and today > self.end_date:
            return CampaignState.ENDED
        return CampaignState.RUNNING

    @property
    def is_ended(self):
        return self.state() == CampaignState.ENDED

    def cta_href(self, request=None):
        if self.cta_page_id and self.cta_page.live:
            return self.cta_page.get_url(request=request)
        return self.cta_url

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["state"] = self.state()
        context["cta_href"] = self.cta_href(request) if self.cta_label else ""
        return context
