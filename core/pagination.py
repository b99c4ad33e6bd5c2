"""Lenient page numbers for the public listings: a bad `?page=` shows a page and a French notice, never an error."""

from django.utils.translation import gettext as _


def lenient_page_number(raw, num_pages, *, results=True):
    """(page number, notice or None) for the raw `page` parameter and a listing of `num_pages` pages.

    Not a number or below 1: the first page; past the end: the last one. With `results=False` (nothing found),
    going past the end needs no notice: the page already says that nothing matched.
    """
    if raw in (None, ""):
        return 1, None
    try:
        number = int(str(raw).strip())
    except ValueError:
        return 1, _("Le numéro de page « %(page)s » n'est pas valide : voici la première page.") % {
            "page": str(raw)[:20]
        }
    if number < 1:
        return 1, _("Le numéro de page doit être au moins 1 : voici la première page.")
    if number > num_pages:
        if not results:
            return num_pages, None
        return num_pages, _("Il n'y a que %(count)s page(s) de résultats : voici la dernière.") % {
            "count": num_pages
        }
    return number, None
