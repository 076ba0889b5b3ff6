"""The import graph of videoassist's subpackages, checked against the layering rules (CI runs this).

    python scripts/import_graph.py          # prints the graph; exit 1 on a cycle or a broken rule

Every `import` and `from … import` in every module under videoassist/ counts, at top level or inside a function
(a lazy import is still a dependency). A module belongs to the subpackage named by the first part of its path
below videoassist/ (`models/videoassist/projector.py` → `models`; `errors.py` → `errors`). The rules:

- no cycle between subpackages;
- the library imports neither `data_tools` nor `recipes` (they import it);
- `inference` does not import `training`;
- `video` and `models` import none of `training`, `inference`, `cli`.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = "videoassist"
OUTSIDE = ("data_tools", "recipes")  # import the library, never the reverse
FORBIDDEN = {
    "inference": ("training",),
    "video": ("training", "inference", "cli"),
    "models": ("training", "inference", "cli"),
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, name: str) -> set[str]:
    """The absolute names of the modules `path` (module `name`) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module
            # `from . import x` may name submodules: count them as their own modules
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def subpackage(module: str) -> str | None:
    """videoassist.models.videoassist.x → models; data_tools.x → data_tools; other libraries → None."""
    parts = module.split(".")
    if parts[0] in OUTSIDE:
        return parts[0]
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def build_graph(root: Path) -> dict[str, dict[str, set[str]]]:
    """{importer subpackage: {imported subpackage: {the modules whose imports make the edge}}}."""
    existing = {module_name(p, root) for p in (root / PACKAGE).rglob("*.py")}
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted((root / PACKAGE).rglob("*.py")):
        name = module_name(path, root)
        source = subpackage(name)
        if source is None:  # videoassist/__init__.py: the package's lazy public names
            continue
        graph.setdefault(source, defaultdict(set))
        for target in imported_modules(path, name):
            if target.partition(".")[0] == PACKAGE and target.count(".") == 1 and target not in existing:
                continue  # `from videoassist import X`: a public name of the package, not a subpackage
            imported = subpackage(target)
            if imported is not None and imported != source:
                graph[source][imported].add(name)
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one subpackage (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def rule_violations(graph: dict[str, dict[str, set[str]]]) -> dict[tuple[str, str], str]:
    """{(importer, imported): the rule it breaks}."""
    broken = {}
    for source, targets in graph.items():
        for target in targets:
            if target in OUTSIDE:
                broken[(source, target)] = f"the library imports {target}"
            elif target in FORBIDDEN.get(source, ()):
                broken[(source, target)] = f"{source} imports {target}"
    return broken


def report(graph: dict[str, dict[str, set[str]]]) -> list[str]:
    """The problems: cycles and rule violations, each with the modules whose imports make it."""
    problems = []
    for component in cycles(graph):
        edges = [f"{a} -> {b} ({', '.join(sorted(graph[a][b]))})" for a in component for b in graph[a]
                 if b in component]
        problems.append(f"cycle between {', '.join(component)}: " + "; ".join(edges))
    for (source, target), rule in sorted(rule_violations(graph).items()):
        problems.append(f"{rule} ({', '.join(sorted(graph[source][target]))})")
    return problems


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    graph = build_graph(root)
    for source in sorted(graph):
        print(f"{source} -> {', '.join(sorted(graph[source])) or '(nothing)'}")
    problems = report(graph)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
