"""No module of an app is in an import cycle, imports inside functions included.

A cycle hides the order in which a part can be read and changed: `directory` had fifteen modules importing each
other, closed by re-exports at the bottom of its models. grimp (the graph behind import-linter) reads the imports
without running them; a cycle is a strongly connected group of two or more modules of one app.
"""

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
# config and every app of ours (a package with an apps.py), so a new app is checked too.
APPS = ["config", *sorted(p.parent.name for p in ROOT.glob("*/apps.py"))]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, cache_dir=None)


def cycles(graph, package):
    """The strongly connected groups (Tarjan) of more than one module among `package`'s modules."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & inside):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


def test_the_check_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("app", "app.a", "app.b", "app.c"):
        graph.add_module(module)
    graph.add_import(importer="app.a", imported="app.b")
    graph.add_import(importer="app.b", imported="app.c")
    graph.add_import(importer="app.c", imported="app.a")
    assert cycles(graph, "app") == [["app.a", "app.b", "app.c"]]


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle(graph, app):
    assert cycles(graph, app) == []
