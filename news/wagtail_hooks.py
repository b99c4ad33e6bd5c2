"""News categories are snippets: staff add and rename them without a developer."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NewsCategory


class NewsCategoryChooserViewSet(SnippetChooserViewSet):
    # Wagtail routes the chooser's "create" address for every snippet but gives it no form unless told which
    # fields: a POST there failed on the missing form.
    form_fields = ["name", "slug"]


class NewsCategoryViewSet(SnippetViewSet):
    model = NewsCategory
    chooser_viewset_class = NewsCategoryChooserViewSet
    icon = "tag"
    menu_label = _("Catégories d'actualités")
    list_display = ["name", "slug"]
    search_fields = ["name"]
    search_backend_name = None


register_snippet(NewsCategoryViewSet)
