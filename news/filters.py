"""Filters of the news listing (category, tag, year): one FilterSet, plain GET parameters."""

import django_filters
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from .models import NewsCategory, NewsPage


def _used_tags(news=None):
    """Tags of the given news only: a draft's tags must not show in the public list."""
    tags = Tag.objects.filter(news_newspagetag_items__isnull=False)
    if news is not None:
        tags = tags.filter(news_newspagetag_items__content_object__in=news.values("pk"))
    return tags.distinct().order_by("name")


class NewsFilter(django_filters.FilterSet):
    """Invalid values are reported and ignored: the other filters still apply."""

    category = django_filters.ModelChoiceFilter(
        label=_("Catégorie"),
        field_name="categories",
        to_field_name="slug",
        queryset=NewsCategory.objects.all(),
        empty_label=_("Toutes les catégories"),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Mot-clé"),
        to_field_name="slug",
        queryset=_used_tags(),
        method="filter_tag",
        empty_label=_("Tous les mots-clés"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Année"), field_name="date__year", empty_label=_("Toutes les années")
    )

    ERROR_MESSAGES = {
        "category": _("La catégorie « %(value)s » n'existe pas : ce filtre est ignoré."),
        "tag": _("Le mot-clé « %(value)s » n'existe pas : ce filtre est ignoré."),
        "year": _("Aucune actualité n'est datée de l'année « %(value)s » : ce filtre est ignoré."),
    }

    class Meta:
        model = NewsPage
        fields = ["category", "tag", "year"]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["tag"].queryset = _used_tags(self.queryset)
        years = [d.year for d in self.queryset.dates("date", "year", order="DESC")]
        self.filters["year"].extra["choices"] = [(str(y), str(y)) for y in years]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__slug=value.slug) if value else queryset

    def error_messages(self):
        """{parameter: French message} for each rejected value."""
        messages = {}
        for name in self.form.errors:
            raw = (self.data.get(name) or "")[:60]
            template = self.ERROR_MESSAGES.get(name, _("Valeur « %(value)s » non reconnue : filtre ignoré."))
            messages[name] = template % {"value": raw}
        return messages
