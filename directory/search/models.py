"""/annuaire/ as a Wagtail page: staff edit its texts, directory.search.views answers the search itself."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from directory.search.views import search_page


class DirectoryPage(Page):
    """/annuaire/: the public search of France Contact. Staff edit its texts; the search itself is data."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    no_result_text = RichTextField(
        _("texte quand rien n'est trouvé"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_(
            "Affiché sous les suggestions (rayon plus large, communes voisines, Numéro Vert Social)."
        ),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("no_result_text")]
    max_count = 1
    subpage_types = []

    class Meta:
        verbose_name = _("page de l'annuaire")

    def serve(self, request, *args, **kwargs):
        return search_page(request, self)
