"""French text for the site search: query terms, light stemming, accent folding and highlighting.

The database backends do not stem French the same way (SQLite's FTS5 does not stem at all, PostgreSQL's
`french` configuration does but keeps accents), so the query sent to them is expanded here: each word becomes
the inflections of its light stem ("aides" → aide, aides…; "sociaux" → social, sociale, sociaux…). The same
stems drive the highlighting, so what is marked is what was matched.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_STEM = 3
WORD = re.compile(r"\w+")
# French articles and pronouns elided before a vowel: "l'aide", "d'urgence", "qu'on".
ELIDED = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)$")
STOPWORDS = frozenset(
    WORD.findall(
        "a ai au aux avec c ce ces cette d dans de des du elle elles en est et etre eux il ils j je l la le les "
        "leur leurs lui m ma mais me meme mes moi mon n ne ni nos notre nous on ou par pas pour qu que qui s sa "
        "se ses son sont sur t ta te tes toi ton tu un une vos votre vous y"
    )
)


def fold_char(char):
    """One character, lower-case and without accents (may give two: "œ" → "oe")."""
    decomposed = unicodedata.normalize("NFKD", char.lower())
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.replace("œ", "oe").replace("æ", "ae")


def fold(text):
    return "".join(fold_char(c) for c in str(text or ""))


def fold_with_positions(text):
    """(folded text, position in `text` of each folded character)."""
    folded, positions = [], []
    for index, char in enumerate(text):
        for piece in fold_char(char):
            folded.append(piece)
            positions.append(index)
    return "".join(folded), positions


def words(query):
    """The words of a query as typed (letters and digits only: punctuation is syntax to search engines)."""
    return WORD.findall(str(query or "")[:MAX_QUERY_LENGTH])


def query_terms(query):
    """Folded, meaningful words: no elided article, no stop word (unless there is nothing else)."""
    folded = [fold(w) for w in words(query)]
    kept = [w for w in folded if len(w) > 1 and not ELIDED.match(w) and w not in STOPWORDS]
    terms = kept or [w for w in folded if not ELIDED.match(w)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def stem(term):
    """A light French stem, a prefix of the word's inflections: aides → aid, sociaux/sociale → socia."""
    word = term
    if word.endswith("eaux"):
        word = word[:-1]
    elif len(word) > 5 and word.endswith("aux"):
        word = word[:-2]
    elif len(word) > 4 and re.search(r"a(?:le?s?|ls)$", word):
        word = re.sub(r"(?:le?s?|ls)$", "", word)
    else:
        if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
            word = word[:-1]
        if len(word) > 3 and word.endswith("e"):
            word = word[:-1]
    return word if len(word) >= MIN_STEM else term


def variants(term):
    """The term's common inflections, for backends that match whole words only."""
    base = stem(term)
    if base == term and len(term) < 4:
        return [term]
    if base.endswith("a") and base != term:
        forms = [base + ending for ending in ("l", "le", "les", "ls", "ux")]
    else:
        forms = [base + ending for ending in ("", "s", "e", "es", "x")]
    return list(dict.fromkeys([term, *forms]))


def highlight_pattern(terms):
    stems = sorted({stem(t) for t in terms if t}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in stems) + r")\w*")


def highlight(text, terms):
    """The text, escaped, with the words matching the terms in <mark> (accents and case ignored)."""
    text = str(text or "")
    pattern = highlight_pattern(terms)
    if pattern is None or not text:
        return escape(text)
    folded, positions = fold_with_positions(text)
    parts, last = [], 0
    for match in pattern.finditer(folded):
        start, end = positions[match.start()], positions[match.end() - 1] + 1
        if start < last:
            continue
        parts.append(escape(text[last:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of user or page text is escaped above


def has_match(text, terms):
    pattern = highlight_pattern(terms)
    return bool(pattern and text and pattern.search(fold(text)))


def excerpt(text, terms, length=240):
    """About `length` characters of the text around its first match, highlighted; the start when none."""
    text = " ".join(str(text or "").split())
    if len(text) <= length:
        return highlight(text, terms)
    pattern = highlight_pattern(terms)
    match = pattern.search(fold(text)) if pattern else None
    # fold() may lengthen the text (ligatures): a match position is close enough to cut around.
    start = max(0, min(match.start() if match else 0, len(text)) - length // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    stop = min(len(text), start + length)
    if stop < len(text):
        space = text.rfind(" ", start, stop)
        stop = space if space > start + length // 2 else stop
    body = highlight(text[start:stop], terms)
    return mark_safe(("… " if start else "") + body + (" …" if stop < len(text) else ""))  # noqa: S308
