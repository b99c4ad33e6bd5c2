"""The news listing as a plain function: filters, pagination and the messages for bad parameters."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from .filters import NewsFilter
from .models import NEWS_PER_PAGE


def _page_number(raw, num_pages):
    """(page number, error message or None): bad or out-of-range values fall back without an error page."""
    if raw in (None, ""):
        return 1, None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1, _("Le numéro de page « %(value)s » n'est pas valide : voici la première page.") % {
            "value": str(raw)[:20]
        }
    if number < 1:
        return 1, _("Le numéro de page doit être positif : voici la première page.")
    if number > num_pages:
        return num_pages, _("Il n'y a que %(count)s page(s) : voici la dernière.") % {"count": num_pages}
    return number, None


def news_listing(index_page, params):
    """Context for the news index: filter form, current page of news, campaigns, French messages."""
    news = index_page.news().select_related("hero_image").prefetch_related("categories", "tags")
    filterset = NewsFilter(params, queryset=news)
    errors = filterset.error_messages() if params else {}
    results = filterset.qs
    paginator = Paginator(results, NEWS_PER_PAGE)
    number, page_error = _page_number(params.get("page"), paginator.num_pages)
    if page_error:
        errors["page"] = page_error
    page_obj = paginator.page(number)

    cleaned = getattr(filterset.form, "cleaned_data", {})
    active = {name: cleaned.get(name) for name in ("category", "tag", "year") if cleaned.get(name)}
    return {
        "filter_form": filterset.form,
        "news_page": page_obj,
        "news_count": paginator.count,
        "active_filters": active,
        "filter_errors": errors,
        # Campaigns head the unfiltered first page only: filters are about news.
        "campaigns": index_page.current_campaigns() if not active and number == 1 else [],
    }
