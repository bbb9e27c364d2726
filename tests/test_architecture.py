"""The package's layering, read from its source (ast; nothing is imported): no import cycle,
the domain free of Flask, the HTTP layer, the layers and seed loading, the layers free of
Flask. Every import counts, including deferred ones inside functions and `TYPE_CHECKING`
blocks, so a cycle cannot hide behind an import moved into a function."""

from __future__ import annotations

import ast
import re
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


# ------------------------------------------------------------ one endpoint table

ROUTE_TABLE = PACKAGE_ROOT / "http" / "routes.py"
VIEW_DECORATORS = ("get", "post", "put", "delete", "patch")
MAX_MODULE_LINES = 600
# Modules other work is splitting right now: the lead empties this list once it is merged.
KNOWN_OVERSIZE_BEING_SPLIT = frozenset[str]()


def spelled_routes(path: Path) -> list[str]:
    """Routes a module spells itself: a view decorator such as `@bp.get("/x")`, a call of
    `route("/x")` or `add_url_rule("/x", ...)`, or a blueprint's `url_prefix=`. (A client call
    such as `client.post("/ims/token/v2")` requests a route; it declares none.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    decorators = {id(d) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for d in n.decorator_list}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else ""
        declares = name in ("route", "add_url_rule") or (name in VIEW_DECORATORS and id(node) in decorators)
        if declares and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("/"):
                found.append(f"{path.name}:{node.lineno} .{name}({first.value!r})")
        found.extend(f"{path.name}:{node.lineno} url_prefix" for kw in node.keywords if kw.arg == "url_prefix")
    return found


def test_the_endpoint_table_is_the_only_place_a_route_is_spelled() -> None:
    spelled = {
        str(p.relative_to(PACKAGE_ROOT)): found
        for p in PACKAGE_ROOT.rglob("*.py")
        if p != ROUTE_TABLE and (found := spelled_routes(p))
    }
    assert spelled == {}, "add the route as a row of umapi_mock/http/routes.py instead"


def test_the_route_finder_sees_a_decorator_a_call_and_a_prefix(tmp_path: Path) -> None:
    module = tmp_path / "views.py"
    module.write_text(
        'bp = Blueprint("x", __name__, url_prefix="/p")\n'
        '@bp.get("/a")\ndef a(): ...\n'
        'app.add_url_rule("/b", "b", a)\n'
        'client.post("/c")\n'  # a client call requests a route; it declares none
    )
    assert [f.split(" ", 1)[1] for f in spelled_routes(module)] == ["url_prefix", ".get('/a')", ".add_url_rule('/b')"]


def test_the_layers_match_no_paths() -> None:
    """The throttle is told the matched endpoint's family; no layer classifies by URL."""
    for path in (PACKAGE_ROOT / "layers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body and isinstance(n.body[0], ast.Expr)
        }
        literals = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
        ]
        assert not [s for s in literals if "/v2/usermanagement" in s or "/ims/" in s], path.name


def test_no_module_is_over_600_lines() -> None:
    sizes = {
        str(p.relative_to(PACKAGE_ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE_ROOT.rglob("*.py")
    }
    over = {name for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert over - KNOWN_OVERSIZE_BEING_SPLIT == set(), {n: sizes[n] for n in over}
    stale = {name for name in KNOWN_OVERSIZE_BEING_SPLIT if sizes.get(name, 0) <= MAX_MODULE_LINES}
    assert stale == set(), f"split already: remove {stale} from KNOWN_OVERSIZE_BEING_SPLIT"


def test_the_domain_error_catalogue_has_no_transport_status() -> None:
    """405, 413, 414, 415 and 431 are the transport's (http/wire/errors.py), not domain outcomes."""
    tree = ast.parse((PACKAGE_ROOT / "domain" / "errors.py").read_text(encoding="utf-8"))
    statuses = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ErrorSpec"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert 404 in statuses and statuses.isdisjoint({405, 413, 414, 415, 431})


# ------------------------------------------------------------ a map that stays true

REPO_ROOT = PACKAGE_ROOT.parent
CONTRIBUTING = REPO_ROOT / "CONTRIBUTING.md"
MAPPED_TREES = (PACKAGE_ROOT, REPO_ROOT / "contracts")  # the emulator and its contract kit


def map_rows(text: str) -> list[list[str]]:
    """The backticked names in the Home column of CONTRIBUTING's "Where things live" table,
    one list per row."""
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and not set(cells[1]) <= {"-"} and cells[1] != "Home":
            rows.append(re.findall(r"`([^`]+)`", cells[1]))
    return rows


def named_paths(row: list[str]) -> set[str]:
    """Repository paths a row names. The rule: a path from the repository root
    (`umapi_mock/cli.py`, `contracts/`), or from `umapi_mock/` (`domain/gate.py`); or a bare
    file name (`guards.py`) when the same row names its folder (`umapi_mock/persistence/`).
    A folder names its package's `__init__.py`."""

    def from_root(token: str) -> list[str]:
        token = token.split(" ", 1)[0]
        if "/" not in token:
            return []
        return [token, f"umapi_mock/{token}"] if not token.startswith(("umapi_mock/", "contracts/")) else [token]

    folders = {p for t in row for p in from_root(t) if p.endswith("/")}
    paths = {p for t in row for p in from_root(t)}
    paths |= {f + t for t in row if t.endswith(".py") and "/" not in t for f in folders}
    paths |= {f + "__init__.py" for f in folders}
    return {p for p in paths if (REPO_ROOT / p).exists()}


def mapped_modules() -> set[str]:
    return {p.relative_to(REPO_ROOT).as_posix() for tree in MAPPED_TREES for p in tree.rglob("*.py")}


def test_contributing_names_every_module() -> None:
    """Each module of umapi_mock/ and contracts/ has a home in CONTRIBUTING's table, so the
    map cannot fall behind the tree: a new module fails here until its row is written."""
    named = set().union(*map(named_paths, map_rows(CONTRIBUTING.read_text(encoding="utf-8"))))
    unnamed = sorted(mapped_modules() - named)
    assert unnamed == [], "add these modules to CONTRIBUTING.md's table (Where things live)"


def test_contributing_names_only_what_exists() -> None:
    """Every path the table names (`a/b.py`, `a/`, or a file name beside its folder) exists."""
    stale = []
    for row in map_rows(CONTRIBUTING.read_text(encoding="utf-8")):
        named = named_paths(row)
        for token in (t.split(" ", 1)[0] for t in row):
            looks_like_path = token.endswith((".py", "/", ".md", ".toml")) and not token.startswith(("-", "/"))
            if not looks_like_path:
                continue
            candidates = {token, f"umapi_mock/{token}"} | {p for p in named if p.endswith("/" + token)}
            if not any((REPO_ROOT / c).exists() for c in candidates):
                stale.append(token)
    assert stale == []


def test_the_map_rule_reads_paths_folders_and_file_names() -> None:
    rows = map_rows(
        "## Where things live\n\n| Concern | Home |\n|---|---|\n"
        "| a | `umapi_mock/persistence/` (`guards.py`, `nothing.py`) and `domain/gate.py`, `Emulator.open(config)` |\n"
        "| b | `cli.py` alone |\n\n## Next\n| x | `umapi_mock/seed.py` |\n"
    )
    assert len(rows) == 2
    assert named_paths(rows[0]) == {
        "umapi_mock/persistence/",
        "umapi_mock/persistence/__init__.py",
        "umapi_mock/persistence/guards.py",
        "umapi_mock/domain/gate.py",
    }
    assert named_paths(rows[1]) == set()  # a bare file name needs its folder in the row
