"""The news listing as a plain function: filters, pagination and the messages for bad parameters."""

from django.core.paginator import Paginator

from core.pagination import lenient_page_number, page_nav

from .filters import NewsFilter

NEWS_PER_PAGE = 10


def news_listing(index_page, params):
    """Context for the news index: filter form, current page of news, campaigns, French messages."""
    news = index_page.news().select_related("hero_image").prefetch_related("categories", "tags")
    filterset = NewsFilter(params, queryset=news)
    errors = filterset.error_messages() if params else {}
    results = filterset.qs
    paginator = Paginator(results, NEWS_PER_PAGE)
    number, page_error = lenient_page_number(params.get("page"), paginator.num_pages)
    if page_error:
        errors["page"] = page_error
    page_obj = paginator.page(number)

    cleaned = getattr(filterset.form, "cleaned_data", {})
    active = {name: cleaned.get(name) for name in ("category", "tag", "year") if cleaned.get(name)}
    return {
        "filter_form": filterset.form,
        "news_page": page_obj,
        "page_nav": page_nav(page_obj, lambda n: _query_with(params, page=n), on_each_side=2),
        "news_count": paginator.count,
        "active_filters": active,
        "filter_errors": errors,
        # Campaigns head the unfiltered first page only: filters are about news.
        "campaigns": index_page.current_campaigns() if not active and number == 1 else [],
    }


def _query_with(params, **values):
    """The query string with `values` replaced (as Django's {% querystring %} tag writes it)."""
    query = params.copy()
    for key, value in values.items():
        query[key] = value
    return f"?{query.urlencode()}"
