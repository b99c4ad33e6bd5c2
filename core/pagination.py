"""The public listings' pages: lenient page numbers (a bad `?page=` shows a page and a French notice, never an
error) and the page-number nav that core/includes/pagination.html shows for every listing."""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class PageLink:
    label: int | str
    query: str | None  # the page's query string ("?page=2"); None for the "…" of an elided range
    current: bool = False


@dataclass(frozen=True)
class PageNav:
    """What core/includes/pagination.html shows: the page numbers, the previous and next pages' query strings."""

    links: list
    previous: str = ""
    next: str = ""


def page_nav(page, query_for, *, on_each_side=1):
    """The nav of a Django `Page`, `query_for(number)` giving each page's query string; None for one page."""
    paginator = page.paginator
    if paginator.num_pages < 2:
        return None
    links = [
        PageLink(number, None)
        if number == paginator.ELLIPSIS
        else PageLink(number, query_for(number), number == page.number)
        for number in paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=1)
    ]
    return PageNav(
        links,
        previous=query_for(page.previous_page_number()) if page.has_previous() else "",
        next=query_for(page.next_page_number()) if page.has_next() else "",
    )
