"""The package's layering, read from its source (ast; nothing is imported): no import cycle,
the domain free of Flask, the HTTP layer, the layers and seed loading, the layers free of
Flask. Every import counts, including deferred ones inside functions and `TYPE_CHECKING`
blocks, so a cycle cannot hide behind an import moved into a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "umapi_mock"

WEB_FRAMEWORKS = ("flask", "werkzeug")


def module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(root: Path, path: Path) -> Iterator[str]:
    """Absolute names of every module `path` imports, anywhere in the file."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the package's own modules it imports (names that are not modules, such
    as `from .x import function`, resolve to `x`)."""
    modules = {module_name(root, p): p for p in root.rglob("*.py")}
    return {
        name: {target for target in imported_names(root, path) if target in modules and target != name}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def external_imports(subpackage: str) -> dict[str, set[str]]:
    """module of `umapi_mock.<subpackage>` -> every absolute name it imports."""
    out: dict[str, set[str]] = {}
    for path in (PACKAGE_ROOT / subpackage).rglob("*.py"):
        out[module_name(PACKAGE_ROOT, path)] = set(imported_names(PACKAGE_ROOT, path))
    return out


def offenders(subpackage: str, banned: tuple[str, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for module, names in external_imports(subpackage).items():
        bad = sorted(n for n in names if any(n == b or n.startswith(b + ".") for b in banned))
        if bad:
            found[module] = bad
    return found


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE_ROOT)
    assert "umapi_mock.http.app" in graph and "umapi_mock.domain.models" in graph
    assert find_cycle(graph) is None


def test_the_cycle_finder_sees_a_deferred_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import thing\n")
    (pkg / "b.py").write_text("def thing():\n    from . import c\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\n")
    assert find_cycle(import_graph(pkg)) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (pkg / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(pkg)) is None


def test_the_domain_imports_no_web_framework_nor_outer_layer() -> None:
    banned = (*WEB_FRAMEWORKS, "umapi_mock.http", "umapi_mock.layers")
    assert offenders("domain", banned) == {}


def test_the_domain_does_not_load_seeds() -> None:
    assert offenders("domain", ("umapi_mock.seed",)) == {}


def test_the_layers_import_no_web_framework() -> None:
    assert offenders("layers", WEB_FRAMEWORKS) == {}


def test_the_offender_check_sees_a_deferred_flask_import() -> None:
    names = external_imports("http")
    assert "flask" in names["umapi_mock.http.context"]
    assert offenders("http", WEB_FRAMEWORKS)
