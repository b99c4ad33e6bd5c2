"""The site search: pages, news and published directory services, one query, one paginated list.

Each kind of content is a source with its own relevance order; "all" interleaves them (a page, a service, a
news item, a page…) so that the first page of results shows each kind that matched. Pages and news go through
Wagtail's search backend (database, or Elasticsearch when configured), services through the directory's search
(Elasticsearch when configured, else the same database filter as /annuaire/). When Elasticsearch does not
answer, each source falls back to the database and logs a warning: the page never fails for it.
"""

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from elasticsearch import ApiError, TransportError
from wagtail.models import Page
from wagtail.search.query import And, Or, PlainText

from core.pagination import lenient_page_number, page_nav

from . import suggestions, text

logger = logging.getLogger(__name__)

RESULTS_PER_PAGE = 10
UNAVAILABLE = (TransportError, ApiError)
TYPES = {
    "pages": gettext_lazy("Pages"),
    "actualites": gettext_lazy("Actualités"),
    "services": gettext_lazy("Services de l'annuaire"),
}
# The interleaving order of "all".
SOURCE_ORDER = ("pages", "services", "actualites")


@dataclass
class Result:
    kind: str
    url: str
    title: str  # highlighted, safe HTML
    excerpt: str = ""  # highlighted, safe HTML
    details: list = field(default_factory=list)  # plain strings: date, commune, kind of service…

    @property
    def kind_label(self):
        return {"pages": _("Page"), "actualites": _("Actualité"), "services": _("Service de l'annuaire")}[
            self.kind
        ]


def _news_types():
    from news.models import CampaignPage, NewsPage

    return NewsPage, CampaignPage


def backend_query(terms):
    """Every term (AND), each in any of its inflections (OR)."""
    parts = []
    for term in terms:
        forms = text.variants(term)
        parts.append(Or([PlainText(f) for f in forms]) if len(forms) > 1 else PlainText(forms[0]))
    return parts[0] if len(parts) == 1 else And(parts)


def page_text(page):
    """What a page says, for the excerpt: its description, lead paragraph, then its body's text."""
    for name in ("search_description", "summary", "intro", "hero_text"):
        value = getattr(page, name, "")
        if value:
            yield strip_tags(str(value))
    body = getattr(page, "body", None)
    raw = getattr(body, "raw_data", None)
    if raw:
        pieces = []

        def walk(value):
            if isinstance(value, str):
                if " " in value.strip():
                    pieces.append(strip_tags(value))
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    walk(item)

        walk(list(raw))
        if pieces:
            yield " ".join(pieces)


def best_excerpt(texts, terms):
    texts = [t for t in texts if t and t.strip()]
    for value in texts:
        if text.has_match(value, terms):
            return text.excerpt(value, terms)
    return text.excerpt(texts[0], terms) if texts else ""


class PageSource:
    """Live public pages of the site, through the configured Wagtail search backend."""

    def __init__(self, kind, site, terms):
        self.kind, self.terms = kind, terms
        pages = Page.objects.live().public()
        if site is not None:
            pages = pages.descendant_of(site.root_page, inclusive=True)
        news_types = _news_types()
        self.base = pages.type(*news_types) if kind == "actualites" else pages.not_type(*news_types)
        self.results = self.base.search(backend_query(terms)) if terms else None
        self.fallen_back = False
        self._count = None

    def _fall_back(self, exc):
        logger.warning(
            "Search backend unavailable (%s: %s): the site search uses the database.", type(exc).__name__, exc
        )
        self.fallen_back = True
        condition = Q()
        for term in self.terms:
            condition &= Q(title__icontains=term) | Q(search_description__icontains=term)
        self.results = self.base.filter(condition).order_by("-first_published_at", "-pk")

    def count(self):
        if self.results is None:
            return 0
        if self._count is None:
            try:
                self._count = self.results.count()
            except UNAVAILABLE as exc:
                self._fall_back(exc)
                self._count = self.results.count()
        return self._count

    def fetch(self, start, stop):
        if self.results is None or stop <= start:
            return []
        try:
            found = list(self.results[start:stop])
        except UNAVAILABLE as exc:
            self._fall_back(exc)
            found = list(self.results[start:stop])
        specific = Page.objects.filter(pk__in=[p.pk for p in found]).specific().in_bulk()
        return [self.result(specific[p.pk]) for p in found if p.pk in specific]

    def result(self, page):
        details = []
        date = getattr(page, "date", None) or getattr(page, "start_date", None)
        if date:
            details.append(date_format(date, "j F Y"))
        return Result(
            kind=self.kind,
            url=page.get_url() or page.url or "",
            title=text.highlight(page.title, self.terms),
            excerpt=best_excerpt(list(page_text(page)), self.terms),
            details=details,
        )


class ServiceSource:
    """Published services: the directory's search (Elasticsearch when configured, else the database filter)."""

    kind = "services"

    def __init__(self, query, terms):
        from directory.models import Service
        from directory.search import index
        from directory.search.filters import ServiceFilter

        self.terms = terms
        self.results = None
        if not terms:
            return
        loader = Service.objects.public().with_related()
        # Elasticsearch's French analyzer stems the words as typed.
        self.results = index.search_services(
            ServiceFilter(QueryDict(urlencode({"q": " ".join(terms)})), queryset=loader), loader
        )
        if self.results is None:
            # The database filter looks for substrings of the accent-free text: stems find every inflection.
            stems = " ".join(text.stem(t) for t in terms)
            service_filter = ServiceFilter(QueryDict(urlencode({"q": stems})), queryset=loader)
            self.results = service_filter.qs if service_filter.is_valid() else loader.none()

    def count(self):
        return self.results.count() if self.results is not None else 0

    def fetch(self, start, stop):
        if self.results is None or stop <= start:
            return []
        return [self.result(s) for s in self.results[start:stop]]

    def result(self, service):
        place = service.place if service.place_id else None
        details = [service.get_kind_display()]
        if place is not None:
            details.append(place.commune.name)
        details.append(service.organisation.name)
        return Result(
            kind=self.kind,
            url=service.get_absolute_url(),
            title=text.highlight(service.title, self.terms),
            excerpt=best_excerpt([service.summary, service.description], self.terms),
            details=details,
        )


def interleave(counts, start, stop):
    """{source: (first, last)} of each source's items at positions start…stop-1 of the round-robin list.

    Round r holds item r of every source that has more than r items; whole stretches of rounds with the
    same sources are skipped arithmetically, so a deep page costs no more than the first.
    """
    names = [n for n in counts if counts[n] > 0]
    wanted = {}
    position, round_start = 0, 0
    for threshold in sorted({counts[n] for n in names}):
        active = [n for n in names if counts[n] > round_start]
        rounds = threshold - round_start
        span = rounds * len(active)
        if position + span <= start:
            position += span
            round_start = threshold
            continue
        for round_number in range(round_start, threshold):
            for name in active:
                if start <= position < stop:
                    first, last = wanted.get(name, (round_number, round_number))
                    wanted[name] = (min(first, round_number), max(last, round_number))
                position += 1
                if position >= stop:
                    return wanted
        round_start = threshold
    return wanted


@dataclass
class SiteSearch:
    query: str = ""
    kind: str = ""  # "" for all, else a key of TYPES
    terms: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    total: int = 0
    number: int = 1
    num_pages: int = 1
    results: list = field(default_factory=list)
    suggestion: str = ""
    notices: list = field(default_factory=list)

    @property
    def start_index(self):
        return (self.number - 1) * RESULTS_PER_PAGE + 1

    def query_string(self, **overrides):
        values = {"q": self.query, "type": self.kind, "page": ""}
        values.update(overrides)
        return "?" + urlencode([(k, v) for k, v in values.items() if v not in ("", None)])

    @property
    def type_links(self):
        """[(label, count, query string, is current)] for the filter by type, "all" first."""
        links = [(_("Tout"), sum(self.counts.values()), self.query_string(type=""), self.kind == "")]
        for name, label in TYPES.items():
            links.append((label, self.counts.get(name, 0), self.query_string(type=name), self.kind == name))
        return links

    @property
    def suggestion_query(self):
        return self.query_string(q=self.suggestion, page="") if self.suggestion else ""

    @property
    def heading(self):
        values = {"count": self.total, "query": self.query}
        if not self.total:
            return _("Aucun résultat pour « %(query)s »") % values
        return (
            ngettext(
                "%(count)s résultat pour « %(query)s »", "%(count)s résultats pour « %(query)s »", self.total
            )
            % values
        )

    @property
    def page_nav(self):
        """The page-number nav (core/includes/pagination.html), or None for a single page."""
        page = Paginator(range(self.total), RESULTS_PER_PAGE).page(self.number)
        return page_nav(page, lambda n: self.query_string(page=n if n > 1 else ""))


def completion_suggestion(query):
    """With Elasticsearch: the closest service or commune name (its completion suggester allows typos)."""
    from directory.search import index

    for name in index.completion_suggestions(query):
        if text.fold(name) != text.fold(query):
            return name
    return ""


def run(query, kind="", page=None, site=None):
    """The site search for the resident's query. Never raises on bad input."""
    query = " ".join(str(query or "").split())[: text.MAX_QUERY_LENGTH]
    search = SiteSearch(query=query, kind=kind if kind in TYPES else "")
    if kind and kind not in TYPES:
        search.notices.append(_("Ce type de contenu n'existe pas : voici tous les résultats."))
    search.terms = text.query_terms(query)
    if not search.terms:
        return search
    sources = {
        "pages": PageSource("pages", site, search.terms),
        "services": ServiceSource(query, search.terms),
        "actualites": PageSource("actualites", site, search.terms),
    }
    search.counts = {name: sources[name].count() for name in SOURCE_ORDER}
    shown = {search.kind: search.counts[search.kind]} if search.kind else search.counts
    search.total = sum(shown.values())
    search.num_pages = max(1, -(-search.total // RESULTS_PER_PAGE))
    search.number, notice = lenient_page_number(page, search.num_pages)
    if notice:
        search.notices.append(notice)
    start = (search.number - 1) * RESULTS_PER_PAGE
    stop = min(start + RESULTS_PER_PAGE, search.total)
    if search.kind:
        search.results = sources[search.kind].fetch(start, stop)
    else:
        placed = []
        for name, (first, last) in interleave(search.counts, start, stop).items():
            for offset, item in enumerate(sources[name].fetch(first, last + 1)):
                placed.append((first + offset, SOURCE_ORDER.index(name), item))
        # Round by round, each source in its turn.
        search.results = [item for _round, _order, item in sorted(placed, key=lambda p: p[:2])]
    if search.total < 3:
        search.suggestion = suggestions.did_you_mean(query)
    if not search.total and not search.suggestion:
        search.suggestion = completion_suggestion(query)
    return search
