"""Checks of the package's shape that ruff, import-linter and mypy do not make.

- No import cycle between modules of chatdesk, counting every import statement: those inside
  functions and under ``TYPE_CHECKING`` too (grimp, the graph library of import-linter, reads
  them all). import-linter's layers keep packages in order; this keeps modules acyclic within
  a package as well.
- No module of chatdesk/ over 400 lines and no function over 60 lines: small modules with one
  job each, and functions a reader can hold in mind.

Run: ``.venv/bin/python scripts/check_structure.py`` (scripts/test runs it). Prints what it
finds and exits 1 when anything is over a limit or in a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chatdesk"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), largest first."""
    graph = grimp.build_graph("chatdesk", cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(found, key=len, reverse=True)


def oversized() -> list[str]:
    """Modules and functions over the limits, as ``path:line what lines``."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            problems.append(f"{where}: module of {lines} lines (limit {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(
                        f"{where}:{node.lineno}: function {node.name} of {length} lines "
                        f"(limit {MAX_FUNCTION_LINES})"
                    )
    return problems


def main() -> int:
    failed = False
    found = cycles()
    for component in found:
        print(f"import cycle of {len(component)} modules: {' '.join(component)}")
    print(f"import cycles: {len(found)}")
    problems = oversized()
    for problem in problems:
        print(problem)
    print(f"modules and functions over the size limits: {len(problems)}")
    failed = bool(found or problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
