"""Our French messages come out as written: no catalogue of Django or Wagtail translates them.

The site is in French and our message ids are French, but Django and Wagtail ship French catalogues keyed by
English ids. A French id that is also an English one ("Comment", "Place", "Location"…) would be translated from
English: "Comment accéder" would show as "Commenter". This test collects every message id of our templates and
Python code and checks that translating it in French gives it back unchanged; a collision needs a context
(`{% translate "Comment" context "…" %}`, `pgettext`).
"""

import ast
import io
import re
import tokenize
from pathlib import Path

from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "config",
    "core",
    "directory",
    "forms",
    "home",
    "news",
    "newsletter",
    "observatory",
    "search",
    "territories",
]
SINGULAR = {"_", "_g", "gettext", "gettext_lazy"}
CONTEXTUAL = {"pgettext", "pgettext_lazy"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXTUAL_PLURAL = {"npgettext", "npgettext_lazy"}
CALL = re.compile(r"\b(" + "|".join(sorted(SINGULAR | CONTEXTUAL | PLURAL | CONTEXTUAL_PLURAL)) + r")\(")


def template_calls(source):
    """(function, literal arguments) of each gettext call that Django's makemessages would see in a template."""
    code = templatize(source)
    for match in CALL.finditer(code):
        arguments, depth = [], 0
        tokens = tokenize.generate_tokens(io.StringIO(code[match.end() - 1 :]).readline)
        for token in tokens:
            if token.string == "(":
                depth += 1
            elif token.string == ")":
                depth -= 1
                if not depth:
                    break
            elif token.type == tokenize.STRING:
                arguments.append(ast.literal_eval(token.string))
        yield match.group(1), arguments


def python_calls(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and CALL.match(node.func.id + "("):
            arguments = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            if arguments and all(isinstance(value, str) for value in arguments):
                yield node.func.id, arguments


def all_calls():
    for app in APPS + ["site"]:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".html", ".txt"} and "templates" in path.parts:
                calls = template_calls(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py" and "migrations" not in path.parts:
                calls = python_calls(path.read_text(encoding="utf-8"))
            else:
                continue
            for function, arguments in calls:
                yield path.relative_to(ROOT), function, arguments


def changed_by_translation(function, arguments):
    """The message as French shows it, when that differs from the id, else None."""
    if function in SINGULAR and len(arguments) == 1:
        pairs = [(translation.gettext(arguments[0]), arguments[0])]
    elif function in CONTEXTUAL and len(arguments) == 2:
        pairs = [(translation.pgettext(*arguments), arguments[1])]
    elif function in PLURAL and len(arguments) == 2:
        pairs = [(translation.ngettext(*arguments, n), arguments[n > 1]) for n in (1, 2)]
    elif function in CONTEXTUAL_PLURAL and len(arguments) == 3:
        pairs = [(translation.npgettext(*arguments, n), arguments[1 + (n > 1)]) for n in (1, 2)]
    else:
        return None
    return next((shown for shown, written in pairs if shown != written), None)


def test_the_check_catches_a_french_id_that_a_catalogue_translates():
    with translation.override("fr"):
        assert changed_by_translation("_", ["Comment"]) not in (None, "Comment")
        assert changed_by_translation("pgettext", ["accès à un service", "Comment"]) is None
    calls = list(
        template_calls(
            '{% load i18n %}{% translate "Comment" %}{% blocktranslate %}a {{ b }}{% endblocktranslate %}'
        )
    )
    assert calls == [("gettext", ["Comment"]), ("gettext", ["a %(b)s"])]


def test_french_messages_come_out_as_written():
    collected, changed = 0, []
    with translation.override("fr"):
        for path, function, arguments in all_calls():
            collected += 1
            shown = changed_by_translation(function, arguments)
            if shown is not None:
                changed.append(f"  {path}: {arguments!r} → {shown!r}")
    assert collected > 1000, "the collection of messages found too few: is the extraction broken?"
    assert not changed, "Messages traduits par un catalogue tiers (ajoutez un contexte) :\n" + "\n".join(
        changed
    )
