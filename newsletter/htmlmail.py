"""E-mail HTML: a tiny CSS inliner and an HTML-to-text converter, both for markup we write ourselves.

Mail clients ignore or strip <style> blocks and external stylesheets, so every rule of the template's <style>
block is copied into the matching elements' style attributes and the block is dropped. The e-mail template only
uses what this inliner understands: type selectors, classes, their compounds (`a.button`) and descendant
combinators (`.card a`), with specificity and source order respected and an element's own style attribute last.
A library (css-inline) would handle more of CSS; our one template does not need more, and this keeps the e-mail
path free of a compiled dependency.
"""

import re
import textwrap
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
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
# Lines of an e-mail body must stay under 998 bytes (RFC 5322); shorter lines also keep Django from switching the
# part to quoted-printable.
MAX_LINE = 600

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SIMPLE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)?((?:\.[-_a-zA-Z0-9]+)*)$")


class UnsupportedSelector(ValueError):
    pass


def _parse_compound(text):
    match = _SIMPLE.match(text)
    if not match or not text:
        raise UnsupportedSelector(f"Sélecteur CSS non pris en charge par l'inliner : {text!r}")
    tag = (match.group(1) or "").lower() or None
    classes = frozenset(c for c in match.group(2).split(".") if c)
    return tag, classes


def _without_at_rules(css):
    """The stylesheet without its @-rules (media queries cannot be inlined)."""
    out, index = [], 0
    while index < len(css):
        at = css.find("@", index)
        if at < 0:
            out.append(css[index:])
            break
        out.append(css[index:at])
        brace, semicolon = css.find("{", at), css.find(";", at)
        if brace < 0 or (0 <= semicolon < brace):
            index = len(css) if semicolon < 0 else semicolon + 1
            continue
        depth, index = 1, brace + 1
        while index < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            index += 1
    return "".join(out)


def parse_css(css):
    """Rules as (specificity, order, [compound, …], [(property, value), …]), in the order they apply."""
    rules = []
    for order, chunk in enumerate(_without_at_rules(_COMMENT.sub("", css)).split("}")):
        if "{" not in chunk:
            continue
        selectors, body = chunk.split("{", 1)
        declarations = _parse_style(body)
        for selector in selectors.split(","):
            if not selector.strip():
                continue
            parts = [_parse_compound(part) for part in selector.split()]
            specificity = (sum(len(classes) for _, classes in parts), sum(1 for tag, _ in parts if tag))
            rules.append((specificity, order, parts, declarations))
    rules.sort(key=lambda rule: (rule[0], rule[1]))
    return rules


def _matches(compound, element):
    tag, classes = compound
    return (tag is None or tag == element[0]) and classes <= element[1]


def _selector_matches(parts, stack):
    """`stack` is the open elements, innermost last; the last compound must match the innermost element."""
    if not _matches(parts[-1], stack[-1]):
        return False
    index = len(stack) - 2
    for compound in reversed(parts[:-1]):
        while index >= 0 and not _matches(compound, stack[index]):
            index -= 1
        if index < 0:
            return False
        index -= 1
    return True


def _parse_style(style):
    declarations = []
    for declaration in (style or "").split(";"):
        if ":" in declaration:
            name, value = declaration.split(":", 1)
            declarations.append((name.strip().lower(), value.strip()))
    return declarations


class _Inliner(HTMLParser):
    def __init__(self, base_url):
        super().__init__(convert_charrefs=False)
        self.base_url = base_url
        self.rules = []
        self.out = []
        self.line = 0
        self.stack = []
        self.in_style = False
        self.css = []
        self.pre = 0

    def write(self, text):
        self.out.append(text)
        newline = text.rfind("\n")
        self.line = len(text) - newline - 1 if newline >= 0 else self.line + len(text)

    def handle_decl(self, decl):
        self.write(f"<!{decl}>")

    def handle_comment(self, data):
        pass  # comments only cost bytes in an e-mail

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.in_style = True
            return
        self._start(tag, attrs, closing=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closing=True)

    def _start(self, tag, attrs, closing):
        attrs = dict(attrs)
        classes = frozenset((attrs.get("class") or "").split())
        element = (tag, classes)
        stack = [*self.stack, element]
        declarations = {}
        for _specificity, _order, parts, rule_declarations in self.rules:
            if _selector_matches(parts, stack):
                declarations.update(rule_declarations)
        declarations.update(_parse_style(attrs.get("style")))
        if declarations:
            attrs["style"] = "; ".join(f"{name}: {value}" for name, value in declarations.items())
        for name in ("href", "src"):
            value = attrs.get(name)
            if value and value.startswith("/") and not value.startswith("//") and self.base_url:
                attrs[name] = urljoin(self.base_url, value)
        rendered = "".join(
            f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
            for name, value in attrs.items()
        )
        if self.line + len(rendered) > MAX_LINE:
            self.write("\n")
        self.write(f"<{tag}{rendered}{' /' if closing else ''}>")
        if tag == "pre":
            self.pre += 1
        if not closing and tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
            return
        if tag in VOID_ELEMENTS:
            return
        # Close up to the matching element (tolerates the odd unclosed <p> or <li>).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        self.write(f"</{tag}>")
        if tag in BLOCK_ELEMENTS and not self.pre:
            self.write("\n")

    def handle_data(self, data):
        if self.in_style:
            self.css.append(data)
            return
        if self.pre:
            self.write(data)
            return
        # Break long text at spaces: in HTML a newline and a space render the same.
        while self.line + len(data) > MAX_LINE:
            cut = data.rfind(" ", 0, max(1, MAX_LINE - self.line))
            if cut <= 0:
                cut = data.find(" ")
                if cut <= 0:
                    break
            self.write(data[:cut] + "\n")
            data = data[cut + 1 :]
        self.write(data)

    def handle_entityref(self, name):
        self.write(f"&{name};")

    def handle_charref(self, name):
        self.write(f"&#{name};")


def _collect_css(html):
    collector = _Inliner(base_url="")
    collector.feed(html)
    collector.close()
    return "".join(collector.css)


def inline_css(html, base_url=""):
    """The document with its <style> rules copied into style attributes, root-relative links made absolute."""
    rules = parse_css(_collect_css(html))
    inliner = _Inliner(base_url)
    inliner.rules = rules
    inliner.feed(html)
    inliner.close()
    output = "".join(inliner.out)
    return re.sub(r"\n\s*\n+", "\n", output).strip() + "\n"


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
