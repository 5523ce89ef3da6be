"""Imports run one way through src/schema, at module top, and never into tests/.

The layers, lowest first (CONTRIBUTING.md, "Data flows one way"):

    models -> revisions -> database -> catalog -> lint/docs/perf/seed/samples/... -> notebook/cli

A module may import its own layer or a lower one. Within one layer the units (a subpackage, or a
module of its own) form no cycle either, so "seed uses perf" and "perf uses seed" cannot both
hold. An import of ``schema.*`` inside a function hides a dependency from this check and from the
reader, so it is refused too, as is any import of ``tests`` from src/. A new module must be given
its layer here: an unplaced one fails by name.

The check reads the source (ast), it imports nothing: a back-edge is found even where Python's
import machinery would have tolerated it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "schema"

# Module (or package prefix) -> layer. The longest matching prefix wins.
LAYERS: dict[str, int] = {
    # 0 models: what the schema is, with no database at hand (and the registries beside the models)
    "schema": 0,  # the package's own __init__
    "schema.models": 0,
    "schema.rules": 0,
    "schema.secret_formats": 0,
    "schema.pii": 0,
    "schema.calendar": 0,
    "schema.integrity": 0,
    "schema.sql_files": 0,
    # 1 revisions: the plumbing the frozen revisions import
    "schema.revision_ops": 1,
    # 2 database: resolving and moving a database
    "schema.database": 2,
    "schema.migrations": 2,
    "schema.history": 2,
    "schema.partitions": 2,
    # 3 catalog: the one reader of pg_catalog, and what reads only the catalog
    "schema.catalog": 3,
    "schema.dump": 3,
    "schema.privileges": 3,
    "schema.keyrotation": 3,
    "schema.machine": 3,  # what the server and the host are, printed beside every measurement
    "schema.bench_json": 3,  # the shared format of benchmark results, written by scripts and read by the charts
    # 4 what works on a database through the catalog
    "schema.lint": 4,
    "schema.docs": 4,
    "schema.perf": 4,
    "schema.seed": 4,
    "schema.samples": 4,
    "schema.rehearse": 4,
    "schema.drill": 4,
    # 5 front doors: the notebooks' helpers and the command line
    "schema.notebook": 5,
    "schema.cli": 5,
    "schema.drill_cli": 5,
    "schema.history_cli": 5,
    "schema.keys_cli": 5,
    "schema.partitions_cli": 5,
    "schema.docs.cli": 5,
    "schema.lint.cli": 5,
    "schema.perf.cli": 5,
    "schema.rehearse.cli": 5,
    "schema.seed.cli": 5,
}


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    top_level: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int | None:
    prefixes = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(prefixes, key=len)] if prefixes else None


def unit_of(module: str) -> str:
    """The unit cycles are checked between: schema.<subpackage>, or the top-level module itself."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _resolved(module: str, name: str) -> str:
    """``from schema.docs import generate`` imports the module schema.docs.generate."""
    sub = f"{module}.{name}"
    return sub if sub in MODULES else module


def edges(module: str, path: Path) -> list[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Edge(module, a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found += [Edge(module, _resolved(node.module, a.name), node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(Edge(module, f"(relative import level {node.level})", node.lineno, id(node) in top))
    return found


EDGES: list[Edge] = [e for module, path in MODULES.items() for e in edges(module, path)]


def _ours(name: str) -> bool:
    return name == "schema" or name.startswith("schema.")


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in MODULES if layer_of(m) is None)
    assert not unplaced, f"give these modules a layer in tests/test_import_direction.py LAYERS: {unplaced}"


def test_src_never_imports_tests() -> None:
    found = [f"{e.importer}:{e.line} imports {e.imported}" for e in EDGES if e.imported == "tests" or e.imported.startswith("tests.")]
    # An import by name (importlib.import_module("tests...")) is an import too.
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("tests."):
                found.append(f"{module}:{node.lineno} names {node.value!r}")
    assert not found, found


def test_no_relative_imports() -> None:
    found = [f"{e.importer}:{e.line}" for e in EDGES if e.imported.startswith("(relative")]
    assert not found, f"import schema.* by its full name: {found}"


def test_schema_imports_sit_at_module_top() -> None:
    found = [f"{e.importer}:{e.line} imports {e.imported}" for e in EDGES if _ours(e.imported) and not e.top_level]
    assert not found, f"move these imports to the top of their module (a function-level import hides a dependency): {found}"


def test_no_import_reaches_a_higher_layer() -> None:
    back = []
    for e in EDGES:
        if not _ours(e.imported):
            continue
        mine, theirs = layer_of(e.importer), layer_of(e.imported)
        if mine is not None and theirs is not None and theirs > mine:
            back.append(f"{e.importer} (layer {mine}) imports {e.imported} (layer {theirs}) at line {e.line}")
    assert not back, back


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as the path that closes it), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_units_import_each_other_one_way() -> None:
    """No cycle between units (schema.seed, schema.perf, schema.catalog...): the front doors
    (layer 5) are units of their own even inside a package, so schema.seed.cli may use schema.perf
    while schema.perf's library code does not use schema.seed."""

    def unit(module: str) -> str:
        return module if layer_of(module) == 5 else unit_of(module)

    graph: dict[str, set[str]] = defaultdict(set)
    for e in EDGES:
        if _ours(e.imported) and unit(e.importer) != unit(e.imported) and unit_of(e.imported) != "schema":
            graph[unit(e.importer)].add(unit(e.imported))
    assert _cycle(graph) is None, f"units importing each other: {' -> '.join(_cycle(graph) or [])}"


def test_the_check_sees_a_back_edge_and_a_hidden_import(tmp_path: Path) -> None:
    """The checks above would be vacuous if the parser missed imports: a function-level import and
    a back-edge written into a module are both found."""
    source = "from schema.notebook import prepare\n\ndef f() -> None:\n    from schema.seed import volume\n"
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    found = edges("schema.models.probe", path)
    assert [(e.imported, e.top_level) for e in found] == [("schema.notebook", True), ("schema.seed.volume", False)]
    assert layer_of("schema.models.probe") == 0 and layer_of("schema.notebook") == 5
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"] and _cycle({"a": {"b"}}) is None
