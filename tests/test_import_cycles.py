"""No import cycle among Atiende's modules (docs/architecture.md: arrows point one way).

The rule, as this test reads the code (``ast``, nothing is imported):

- every ``import atiende...`` and ``from atiende... import ...`` in a module of
  ``atiende/`` is an arrow from that module to the one it names (``from
  atiende.contact import selectors`` names ``atiende.contact.selectors``; a
  name that is not a module, ``from atiende.contact.models import Contact``,
  names ``atiende.contact.models``);
- imports inside functions count too: deferring an import to call time hides a
  cycle from Python, not from the design. The one exception is an import whose
  line (or the line above it) says why with a ``# cycle-ok: <reason>``
  comment: a deliberate late binding (a plug-in point, an optional part);
- imports under ``if TYPE_CHECKING:`` do not run and are not counted;
- migrations are left out (Django loads them, nothing imports them).

The failure names each cycle as a path, ``a -> b -> c -> a``, with the
line of every arrow in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "atiende"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _waived(lines: list[str], node: ast.stmt) -> bool:
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    nearby = lines[max(0, first - 1):last + 1]
    return any("# cycle-ok:" in line for line in nearby)


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports: line of the first such import}."""
    modules = _modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        arrows = graph.setdefault(name, {})
        for node in _imports(ast.parse(source, filename=str(path))):
            if _waived(lines, node):
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules:  # ``import atiende.x.y`` of a name inside a module
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("atiende"):
                    arrows.setdefault(target, node.lineno)
    return graph


def tangles(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """The groups of modules that reach one another (strongly connected, two or more): Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(start: str) -> None:  # iterative Tarjan: no recursion limit on a large graph
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return groups


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One shortest cycle through each tangle (a breadth-first search from its first module)."""
    found = []
    for group in tangles(graph):
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for child in sorted(graph[node]):
                if child == start:
                    found.append([*paths[node], start])
                    queue = []
                    break
                if child in group and child not in paths:
                    paths[child] = [*paths[node], child]
                    queue.append(child)
    return found


def _describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = next(g for g in tangles(graph) if cycle[0] in g)
    steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in zip(cycle, cycle[1:], strict=False)]
    return (" -> ".join(cycle) + "\n      " + "\n      ".join(steps)
            + f"\n    all {len(members)} modules tangled with it: " + ", ".join(sorted(members)))


def test_no_module_of_atiende_is_part_of_an_import_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, (
        "Import cycles among atiende's modules (break them: move the shared piece to the module both use, "
        "or mark a deliberate late import with '# cycle-ok: <why>'):\n  "
        + "\n  ".join(_describe(c, graph) for c in found))


def test_the_cycle_check_sees_a_cycle_hidden_in_a_function() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 3}, "c": {"a": 7}, "d": {"a": 2}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


# ---- function-level imports say why ------------------------------------------------------------------

MARKERS = ("# cycle-ok:", "# late:")
# Packages whose docstring states the one reason for their function-level imports.
EXEMPT_PACKAGES = {
    "atiende.cli": "handlers load Django and the apps after setup_django(): `atiende --help` starts without them",
}
# Modules that had function-level imports of atiende's modules without a stated reason when this check came
# (issue 15), with how many: the number may only go down. Mark each remaining import with '# late: <why>'
# (or move it to the top of the module) and lower or remove the entry.
UNEXPLAINED_ALLOWANCE = {
    "atiende.api.contact": 1, "atiende.consoles.selectors": 6, "atiende.consoles.views": 3,
    "atiende.contact.consumers": 2, "atiende.demo": 2,
    "atiende.desk.credentials": 1, "atiende.desk.messages": 1, "atiende.desk.timeline": 1,
    "atiende.knowledge.articles": 1, "atiende.knowledge.canned": 1, "atiende.language.learned": 2,
    "atiende.language.paraphrase": 1, "atiende.mail.intake": 3, "atiende.mail.notices": 1,
    "atiende.mail.views": 1, "atiende.mail.worker": 2, "atiende.notifications.live": 2,
    "atiende.notifications.reminders": 1, "atiende.operations.backup": 2, "atiende.operations.metrics": 1,
    "atiende.operations.views": 3, "atiende.privacy.signals": 3, "atiende.sla.services": 1, "atiende.scorecards.jobs": 1,
    "atiende.scorecards.scoring": 1, "atiende.scorecards.selectors": 1, "atiende.scorecards.services": 1,
    "atiende.scorecards.signals": 3,
}


def _says_why(lines: list[str], node: ast.stmt) -> bool:
    """A marker on the import's own lines, or in the comment right above it (or above the run of imports
    it belongs to)."""
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    if any(m in line for line in lines[first:last + 1] for m in MARKERS):
        return True
    above = first - 1
    while above >= 0 and lines[above].strip().startswith(("from ", "import ", ")", "    ")) \
            and not lines[above].strip().startswith("#") and lines[above].strip():
        if not lines[above].strip().startswith(("from ", "import ")):
            break
        above -= 1
    while above >= 0 and lines[above].strip().startswith("#"):
        if any(m in lines[above] for m in MARKERS):
            return True
        above -= 1
    return False


def unexplained_late_imports() -> dict[str, list[int]]:
    """module -> lines of its function-level imports of atiende's modules that give no reason."""
    found: dict[str, list[int]] = {}
    for name, path in _modules().items():
        if any(name == p or name.startswith(p + ".") for p in EXEMPT_PACKAGES) or name.endswith(".apps"):
            continue  # (an app's ready() imports its receivers once the apps are loaded: Django's rule)
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in _function_level_imports(ast.parse(source, filename=str(path))):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            ours = (module or "").startswith("atiende") or (isinstance(node, ast.ImportFrom) and node.level > 0)
            if ours and not _says_why(lines, node):
                found.setdefault(name, []).append(node.lineno)
    return found


def _function_level_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return found


def test_a_function_level_import_says_why() -> None:
    over = {name: lines for name, lines in unexplained_late_imports().items()
            if len(lines) > UNEXPLAINED_ALLOWANCE.get(name, 0)}
    assert not over, (
        "Function-level imports of atiende's modules without a reason (import at the top of the module; if "
        "it must wait, say why on the line or just above: '# late: <why>', or '# cycle-ok: <why>' for a "
        "deliberate late binding the cycle check should not follow):\n  "
        + "\n  ".join(f"{name}: lines {', '.join(map(str, lines))}" for name, lines in sorted(over.items())))


def test_the_reason_check_reads_markers_above_a_run_of_imports() -> None:
    lines = ["def f():", "    # late: the routers need the API object", "    from a import b", "    from a import c",
             "    x = 1", "    from a import d"]
    nodes = [n for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, ast.ImportFrom)]
    assert [_says_why(lines, n) for n in nodes] == [True, True, False]
