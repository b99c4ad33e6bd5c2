"""Filters of the news listing (category, tag, year): one FilterSet, plain GET parameters."""

import django_filters
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag


def _used_tags(news):
    """Tags of the given news only: a draft's tags must not show in the public list."""
    tags = Tag.objects.filter(news_newspagetag_items__content_object__in=news.values("pk"))
    return tags.distinct().order_by("name")


class NewsFilter(django_filters.FilterSet):
    """Invalid values are reported and ignored: the other filters still apply."""

    category = django_filters.ModelChoiceFilter(
        label=_("Catégorie"),
        field_name="categories",
        to_field_name="slug",
        # Set from the news queryset's own model in __init__: this module does not import the models.
        queryset=None,
        empty_label=_("Toutes les catégories"),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Mot-clé"),
        to_field_name="slug",
        queryset=None,  # the tags of the filtered news, set in __init__
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

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        category_model = self.queryset.model._meta.get_field("categories").related_model
        self.filters["category"].queryset = category_model.objects.all()
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
