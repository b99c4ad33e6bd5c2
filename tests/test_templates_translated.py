"""Every text people see or hear in our templates goes through Django's translation tags.

The check reads each template with Django's own lexer, blanks out what is translated ({% translate %},
{% blocktranslate %}), variables and tags, then looks at what is left with an HTML parser: text nodes and the
attributes that are shown or spoken (alt, title, aria-label, placeholder, button values…). Any word left there is
French that would escape translation.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for path in ROOT.glob("*/templates/**/*")
    if path.suffix in {".html", ".txt"} and not path.parts[len(ROOT.parts)].startswith(".")
)
TRANSLATE_TAGS = {"translate", "trans"}
BLOCK_OPEN = {"blocktranslate", "blocktrans"}
BLOCK_CLOSE = {"endblocktranslate", "endblocktrans"}
SPOKEN_ATTRIBUTES = {
    "alt",
    "title",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "placeholder",
    "label",
}
BUTTON_TYPES = {"submit", "button", "reset"}
SKIPPED_ELEMENTS = {"script", "style"}
# Blocks of base.html that hold code, not text: a CSS class of <body>, the Open Graph type.
CODE_BLOCKS = {"body_class", "og_type"}
# Two letters in a row make a word; numbers, punctuation and symbols (·, —, €) need no translation.
WORD = re.compile(r"[^\W\d_]{2,}")
BLANK = "\x00"


def blank_out_translated(source):
    """The template's text with translated parts, variables and tags replaced by blanks, lines kept in place."""
    parts, in_block, in_comment, blocks = [], False, False, []
    for token in Lexer(source).tokenize():
        lines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.COMMENT:
            parts.append(lines)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
            elif name in BLOCK_OPEN:
                in_block = True
            elif name in BLOCK_CLOSE:
                in_block = False
            elif name == "block":
                blocks.append(token.contents.split()[1])
            elif name == "endblock" and blocks:
                blocks.pop()
            # A tag inside an HTML start tag stands for attributes: a space keeps the tag parseable.
            parts.append((BLANK if name in TRANSLATE_TAGS | BLOCK_OPEN else " ") + lines)
        elif in_comment or (blocks and blocks[-1] in CODE_BLOCKS):
            parts.append(" " + lines)
        elif token.token_type == TokenType.VAR or in_block:
            parts.append(BLANK + lines)
        else:
            parts.append(token.contents)
    return "".join(parts)


def has_words(text):
    return bool(WORD.search(text.replace(BLANK, " ")))


class UntranslatedFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.skipping = [], None

    def report(self, text, offset=0):
        line = self.getpos()[0] + text[:offset].count("\n")
        self.found.append((line, " ".join(text.replace(BLANK, "…").split())))

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            shown = name in SPOKEN_ATTRIBUTES
            shown |= name == "value" and tag in {"input", "button"} and values.get("type") in BUTTON_TYPES
            shown |= name == "content" and tag == "meta" and values.get("name") == "description"
            if shown and value and has_words(value):
                self.report(f'{name}="{value}"')
        if tag in SKIPPED_ELEMENTS:
            self.skipping = tag

    def handle_endtag(self, tag):
        if tag == self.skipping:
            self.skipping = None

    def handle_data(self, data):
        word = WORD.search(data.replace(BLANK, " "))
        if not self.skipping and word:
            self.report(data, word.start())


def untranslated_text(source, *, html=True):
    """(line, text) of each piece of visible text that no translation tag covers."""
    flat = blank_out_translated(source)
    if not html:
        lines = enumerate(flat.splitlines(), 1)
        return [(n, " ".join(line.replace(BLANK, "…").split())) for n, line in lines if has_words(line)]
    finder = UntranslatedFinder()
    finder.feed(flat)
    finder.close()
    return finder.found


def test_the_check_sees_untranslated_text_and_accepts_translated_text():
    assert untranslated_text("<p>\n  Bonjour\n</p>") == [(2, "Bonjour")]
    assert untranslated_text('<img src="{{ url }}" alt="Logo du GIP">') == [(1, 'alt="Logo du GIP"')]
    assert untranslated_text('<button type="submit" value="Envoyer">') == [(1, 'value="Envoyer"')]
    assert untranslated_text("{% if a %}\n<p>Oui</p>{% endif %}") == [(2, "Oui")]
    assert untranslated_text("<div>\n\n  Non</div>") == [(3, "Non")]
    assert untranslated_text(
        "{% block body_class %}page-home{% endblock %}{% block main %}Bonjour{% endblock %}"
    ) == [(1, "Bonjour")]
    assert untranslated_text("Bonjour {{ name }},\n", html=False) == [(1, "Bonjour …,")]
    translated = (
        '{% load i18n %}<p>{% translate "Bonjour" %}</p>'
        '<a href="/" aria-label="{% translate "Accueil" %}">{{ page.title }}</a>'
        "{% blocktranslate trimmed with n=count %}\n  {{ n }} fiches\n{% endblocktranslate %}"
        "<script>const label = 'texte';</script>{# note #}{% comment %}Brouillon{% endcomment %}"
        '<a class="button primary" href="{{ url }}" data-role="map">·</a> 12 € — 3'
    )
    assert untranslated_text(translated) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_template_text_goes_through_translation(path):
    found = untranslated_text(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
    assert not found, "Texte hors {% translate %} / {% blocktranslate %} :\n" + "\n".join(
        f"  {path.relative_to(ROOT)}:{line}: {text}" for line, text in found
    )
