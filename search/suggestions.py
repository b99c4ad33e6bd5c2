""" "Did you mean…": the site's own words (page titles, news summaries, service titles, categories, communes)."""

import difflib
from collections import Counter

from django.core.cache import cache
from django.utils.html import strip_tags
from wagtail.models import Page

from . import text

VOCABULARY_KEY = "search:vocabulary:v1"
VOCABULARY_SECONDS = 600
MAX_SERVICE_TITLES = 50_000
CUTOFF = 0.75


def _texts():
    from directory.models import Category, Service
    from news.models import NewsPage
    from territories.models import Commune

    pages = Page.objects.live().public()
    yield from pages.values_list("title", flat=True)
    yield from (d for d in pages.values_list("search_description", flat=True) if d)
    yield from (strip_tags(s) for s in NewsPage.objects.live().public().values_list("summary", flat=True))
    yield from Category.objects.values_list("name", flat=True)
    yield from Commune.objects.values_list("name", flat=True)
    yield from Service.objects.public().order_by().values_list("title", flat=True)[:MAX_SERVICE_TITLES]


def build_vocabulary():
    """{folded word: its most frequent spelling on the site}, words of three letters or more."""
    spellings = {}
    for value in _texts():
        for word in text.words(value):
            if len(word) < 3 or word.isdigit():
                continue
            folded = text.fold(word)
            if folded in text.STOPWORDS:
                continue
            spellings.setdefault(folded, Counter())[word.lower()] += 1
    return {folded: counts.most_common(1)[0][0] for folded, counts in spellings.items()}


def vocabulary():
    return cache.get_or_set(VOCABULARY_KEY, build_vocabulary, VOCABULARY_SECONDS)


def did_you_mean(query):
    """The query with each unknown word replaced by the closest word of the site, or "" when none is closer."""
    known = vocabulary()
    by_length = {}
    for word in known:
        by_length.setdefault(len(word), []).append(word)
    changed = False
    corrected = []
    for word in text.words(query):
        folded = text.fold(word)
        if len(folded) < 3 or folded in known or folded in text.STOPWORDS or folded.isdigit():
            corrected.append(word)
            continue
        candidates = [w for n in range(len(folded) - 2, len(folded) + 3) for w in by_length.get(n, [])]
        close = difflib.get_close_matches(folded, candidates, n=1, cutoff=CUTOFF)
        if close:
            corrected.append(known[close[0]])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else ""
