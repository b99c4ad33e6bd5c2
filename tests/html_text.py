"""Pages read as a visitor reads them: elements found by CSS selector, and the text they show.

Tests assert on what a person sees rather than on the markup: a tag wrapping part of a sentence, an entity or a
line break in a template changes nothing, while text the browser does not show (the head, scripts, styles,
templates, `hidden` elements) is left out. Replaces stripping tags with regular expressions, which kept the
scripts' text, split words at inline tags and matched attributes only in the order the template wrote them.
"""

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

# Phrasing elements: the browser lays out their text on the same line as the text around them, with no space
# added. Any other element starts on a line of its own (or in a cell of its own): its text stands apart.
INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "label"}
    | {"mark", "output", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
)
NOT_SHOWN = frozenset({"head", "script", "style", "template", "noscript"})


def soup(page):
    """The parsed page: `page` is a test client's response, or HTML as bytes or text."""
    return BeautifulSoup(getattr(page, "content", page), "html.parser")


def _pieces(element):
    for child in element.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA: never shown
            continue
        if isinstance(child, NavigableString):
            yield str(child)
        elif isinstance(child, Tag) and child.name not in NOT_SHOWN and not child.has_attr("hidden"):
            apart = child.name not in INLINE
            if apart:
                yield " "
            yield from _pieces(child)
            if apart:
                yield " "


def text_of(element):
    """The text an element shows, with runs of white space (non-breaking ones too) made single spaces."""
    return " ".join("".join(_pieces(element)).split())


def visible_text(page, selector=None):
    """The text the page shows, or the text of the first element matching the CSS `selector`.

    `page` is a response, HTML, or an element already parsed. A selector that matches nothing fails the test:
    an assertion that some text is absent must not pass because the element itself is missing.
    """
    root = page if isinstance(page, Tag) else soup(page)
    if selector is None:
        return text_of(root.body or root)
    element = root.select_one(selector)
    assert element is not None, f"nothing matches {selector!r}"
    return text_of(element)


def visible_texts(page, selector):
    """The text of each element matching `selector`, in document order."""
    root = page if isinstance(page, Tag) else soup(page)
    return [text_of(element) for element in root.select(selector)]
