"""E-mail HTML: CSS inlined by css-inline, then made safe to send; plain text from rich text.

Mail clients ignore or strip <style> blocks, so css-inline copies every rule of the template's <style> block into
the matching elements' style attributes (specificity, source order and the element's own style respected) and
drops the block. Two things it does not do are done here, on its output, where attributes are always
double-quoted: root-relative links and images become absolute (the e-mail is read away from the site), and long
lines are broken at whitespace that HTML treats as a space anyway.
"""

import re
import textwrap
from html.parser import HTMLParser
from urllib.parse import urljoin

import css_inline

# Lines of an e-mail body must stay under 998 bytes (RFC 5322); shorter lines also keep Django from switching the
# part to quoted-printable, which the per-recipient template of emails.IssueMailer relies on.
MAX_LINE = 600

BLOCK_ELEMENTS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}

# No <link> stylesheet is ever fetched: the e-mail's CSS is the template's own.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)
_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)"')
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_TAG_PARTS = re.compile(r"""\s+|"[^"]*"|'[^']*'|[^\s"']+""")
_KEEP_WHITESPACE = re.compile(r"<(/?)(pre|textarea)\b", re.I)


def inline_css(html, base_url=""):
    """The document with its <style> rules copied into style attributes, root-relative links made absolute."""
    output = _INLINER.inline(html)
    if base_url:
        output = _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{urljoin(base_url, m.group(2))}"', output)
    output = re.sub(r"\n\s*\n+", "\n", output)
    return _break_long_lines(output).strip() + "\n"


def _words(html):
    """The markup as alternating words and breakable whitespace: between a tag's attributes, or in text outside
    <pre> and <textarea>, where a newline renders the same as a space."""
    words, current, keep, position = [], [], 0, 0

    def split(parts):
        nonlocal current
        for part in parts:
            if part and part.isspace():
                words.extend(("".join(current), part))
                current = []
            else:
                current.append(part)

    for match in [*_TAG.finditer(html), None]:
        text = html[position : match.start() if match else len(html)]
        if keep:
            current.append(text)
        else:
            split(re.split(r"(\s+)", text))
        if match is None:
            break
        tag = match.group()
        split(["<", *_TAG_PARTS.findall(tag[1:-1]), ">"])
        if opening := _KEEP_WHITESPACE.match(tag):
            keep = max(0, keep + (-1 if opening.group(1) else 1))
        position = match.end()
    words.append("".join(current))
    return words


def _break_long_lines(html, limit=MAX_LINE):
    words = _words(html)
    out, column = [words[0]], len(words[0]) - words[0].rfind("\n") - 1
    for index in range(1, len(words), 2):
        space, word = words[index], words[index + 1]
        if "\n" not in space and column + len(space) + len(word) > limit and column:
            space = "\n"
        out.extend((space, word))
        joined = space + word
        column = len(joined) - joined.rfind("\n") - 1 if "\n" in joined else column + len(joined)
    return "".join(out)


# Plain text: html2text writes Markdown ("## Titre", "[lien](adresse)", "* * *"), which reads worse in the text part
# of a French e-mail than "lien (adresse)"; rich text from the editor only has paragraphs, headings, lists and
# links, which this small converter covers.
class _TextConverter(HTMLParser):
    def __init__(self, base_url):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.blocks = []
        self.current = []
        self.links = []
        self.list_depth = 0

    def _flush(self, prefix=""):
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            wrapped = textwrap.fill(text, 76, initial_indent=prefix, subsequent_indent=" " * len(prefix))
            self.blocks.append((wrapped, bool(prefix)))
        self.current = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br":
            self.current.append("\n")
        elif tag == "a":
            self.links.append(urljoin(self.base_url, attrs.get("href") or ""))
        elif tag in BLOCK_ELEMENTS:
            self._flush()
            if tag in {"ul", "ol"}:
                self.list_depth += 1
            if tag == "hr":
                self.blocks.append(("-" * 20, False))

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href = self.links.pop()
            text = "".join(self.current)
            if href and href not in text and not href.startswith("#"):
                self.current.append(f" ({href})")
        elif tag == "li":
            self._flush(prefix="- ")
        elif tag in {"ul", "ol"}:
            self.list_depth = max(0, self.list_depth - 1)
        elif tag in BLOCK_ELEMENTS:
            self._flush()

    def handle_data(self, data):
        self.current.append(data)


def html_to_text(html, base_url=""):
    """Readable plain text from rich text: paragraphs, "- " list items, links as "text (address)"."""
    converter = _TextConverter(base_url)
    converter.feed(html or "")
    converter.close()
    converter._flush()
    text = ""
    previous_item = False
    for block, is_item in converter.blocks:
        if text:
            text += "\n" if is_item and previous_item else "\n\n"
        text += block
        previous_item = is_item
    return text
