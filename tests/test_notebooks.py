"""The notebooks: all present, committed without outputs, and CI really fails on a broken one.

Executing them is nbmake's job (testpaths includes notebooks/, see notebooks/conftest.py for their
fresh database); these tests guard what execution cannot: what git holds, and that a notebook
querying a column that does not exist fails the run instead of printing an error and passing.
"""

from __future__ import annotations

import html
import importlib
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
import toml
from nbclient import NotebookClient
from sqlalchemy.engine import URL

from schema import database, migrations
from schema import notebook as nb
from schema.docs import generate

NOTEBOOKS = database.project_root() / "notebooks"
EXPECTED = (
    "00_workbench",
    "01_core",
    "02_quotes",
    "03_rating",
    "04_security_compliance",
    "05_realtime_analytics",
    "06_admin",
    "07_performance",
)
# Notebook -> the domain it explores (00 and 07 span every domain).
DOMAINS = {
    "01_core": "core",
    "02_quotes": "quotes",
    "03_rating": "rating",
    "04_security_compliance": "security",
    "05_realtime_analytics": "analytics",
    "06_admin": "admin",
}


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_every_notebook_is_present() -> None:
    present = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert present == sorted(EXPECTED), f"notebooks/ holds {present}, expected {sorted(EXPECTED)}"


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_without_outputs(name: str) -> None:
    """Outputs in git are stale the moment the schema changes, and make every diff unreadable."""
    notebook = _read(name)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{name}.ipynb: code cells {dirty} hold outputs or an execution count; clear them before committing"
    assert notebook.metadata.kernelspec.name == "python3", f"{name}.ipynb must run on the venv's python3 kernel"


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_domain_notebook_covers_the_issue(name: str) -> None:
    """Each domain notebook prepares its domain, queries with %sql, plots, shows refusals, the ERD and the export."""
    source = "\n".join(cell.source for cell in _read(name).cells if cell.cell_type == "code")
    domain = DOMAINS[name]
    for needed in (
        f'nb.prepare("{domain}")',
        "nb.load_sql(engine)",
        "%%sql",
        "plot",
        f'nb.show(nb.domain_rules("{domain}"))',
        f'nb.show(nb.constraint_demos("{domain}"))',
        f'nb.erd(engine, "{domain}")',
        f'nb.export_domain(engine, "{domain}")',
    ):
        assert needed in source, f"{name}.ipynb lacks {needed!r}"


def test_notebook_querying_a_missing_column_fails_nbmake(tmp_path: Path, scratch_database: URL) -> None:
    """The acceptance scenario: a copy of 01_core whose last cell selects a column that does not
    exist. A %sql error that only printed would let CI pass (jupysql's short_errors does that under
    nbmake 1.5); nbmake must fail on it."""
    notebook = _read("01_core")
    setup = next(i for i, cell in enumerate(notebook.cells) if "nb.load_sql(" in cell.source)
    notebook.cells = [*notebook.cells[: setup + 1], nbformat.v4.new_code_cell("%%sql\nSELECT no_such_column FROM policies")]
    (tmp_path / "broken.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not the project's addopts/testpaths
    # jupysql reads its settings from the pyproject.toml above the kernel's folder: give the copy the project's.
    jupysql = tomllib.loads((database.project_root() / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["jupysql"]
    (tmp_path / "pyproject.toml").write_text(toml.dumps({"tool": {"jupysql": jupysql}}), encoding="utf-8")
    env = {**os.environ, database.ENV_VAR: scratch_database.render_as_string(hide_password=False)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "-p", "no:cacheprovider", "broken.ipynb"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0, f"nbmake passed a notebook that queries a missing column:\n{output[-3000:]}"
    assert 'column "no_such_column" does not exist' in output, output[-3000:]


def test_export_writes_what_schema_docs_writes(head_database: URL, tmp_path: Path) -> None:
    """The notebook's export is byte for byte `schema docs`' output for the domain's folder, so
    exporting into docs/ never creates drift."""
    generate.generate_docs(tmp_path / "docs", url=head_database)
    eng = database.engine(head_database)
    try:
        changed = nb.export_domain(eng, "rating", docs_dir=tmp_path / "export")
    finally:
        eng.dispose()
    exported = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "export" / "rating").iterdir()}
    expected = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "docs" / "rating").iterdir()}
    assert exported == expected
    assert len(changed) == len(expected)


def test_half_seeded_database_is_refused(scratch_database: URL) -> None:
    """Rows in some of the generator's tables but not all: no silent partial seed, an error naming the fix."""
    migrations.upgrade("head", url=scratch_database)
    eng = database.engine(scratch_database)
    try:
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (email, password_hash, full_name, role) "
                    "VALUES ('one@carrier.example', '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'One', 'agent')"
                )
            )
        with pytest.raises(nb.NotebookError, match="--reset"):
            nb.seed_volume(eng)
    finally:
        eng.dispose()


def test_unknown_domain_names_the_known_ones() -> None:
    with pytest.raises(nb.NotebookError, match=r"domains: .*core"):
        nb.tables_of("billing")


# --- executed: what a reader sees -------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook_env(server_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A fresh database and export folder for the kernels, as notebooks/conftest.py gives nbmake."""
    with migrations.temporary_database(server_url, "wb_nbexec") as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv(database.ENV_VAR, url.render_as_string(hide_password=False))
        mp.setenv(nb.EXPORT_DIR_ENV, str(tmp_path_factory.mktemp("nb_export")))
        yield


def _execute(name: str) -> list[list[dict[str, str]]]:
    """Run the notebook in a kernel; per code cell, its outputs as mime type -> text."""
    notebook = _read(name)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    cells = []
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        outputs = []
        for out in cell.outputs:
            if out.output_type == "stream":
                outputs.append({f"stream/{out.name}": out.text})
            elif out.output_type == "error":
                outputs.append({"error": f"{out.ename}: {out.evalue}"})
            else:
                outputs.append({k: v if isinstance(v, str) else "" for k, v in out.data.items()})
        cells.append(outputs)
    return cells


def _output_of(cells: list[list[dict[str, str]]], sources: list[str], needle: str) -> dict[str, str]:
    index = next(i for i, source in enumerate(sources) if needle in source)
    assert cells[index], f"the cell with {needle!r} showed nothing"
    return cells[index][-1]


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_reads_cleanly(name: str, notebook_env: None, head_catalog) -> None:
    """Executed in a kernel: no banner, no migration progress on stderr, tables whole (constraint
    names and SQLSTATEs visible), JSON not reprs, the ERD drawable offline, 07's plan as text."""
    cells = _execute(name)
    sources = [c.source for c in _read(name).cells if c.cell_type == "code"]
    everything = [out for cell in cells for out in cell]
    noise = [o for o in everything for k, v in o.items() if k == "stream/stderr" and "INFO" in v]
    assert not noise, f"{name}: migration progress printed as errors: {noise[:2]}"
    assert not [o for o in everything if "Settings changed" in o.get("text/plain", "")], f"{name}: jupysql's banner is shown"
    assert not [o for o in everything if "error" in o], f"{name}: a cell failed"
    if name in DOMAINS:
        domain = DOMAINS[name]
        constraints = _output_of(cells, sources, "nb.constraint_demos(")["text/html"]
        for table in nb.tables_of(domain):
            for con in head_catalog.table(table).constraints:
                assert f">{con.name}</th>" in constraints, f"{name}: {con.name} missing from the constraint demo"
        assert re.search(r"23\d{3}: ", constraints), f"{name}: no SQLSTATE in the refusals"
        assert "text-align: left" in constraints and "width:100%" in constraints
        assert not re.search(r"(Decimal|datetime\.\w+|UUID)\(", constraints), f"{name}: Python reprs in the demo table"
        rules = _output_of(cells, sources, "nb.domain_rules(")["text/html"]
        for rule in importlib.import_module(f"schema.rules.{domain}").RULES:
            assert " ".join(rule.statement.split()) in " ".join(html.unescape(rules).split()), (
                f"{name}: {rule.id}'s statement is cut or missing"
            )
        erd = _output_of(cells, sources, "nb.erd(")
        assert "erDiagram" in erd["text/vnd.mermaid"]
        assert "mermaid.render" in erd["text/html"] and "<script src" not in erd["text/html"], (
            f"{name}: the ERD's HTML must carry mermaid inline, never load it from elsewhere"
        )
    if name == "07_performance":
        plan = _output_of(cells, sources, "nb.explain(")["text/plain"]
        assert plan.count("\n") > 3 and "analytics_events" in plan and "..." not in plan, plan
        assert "image/png" in _output_of(cells, sources, "nb.plot_timings(")
        timings = _output_of(cells, sources, "nb.show(timings)")["text/html"]
        assert not re.search(r"\d\.\d{4,}", re.sub(r"<[^>]+>", " ", timings.split("</style>", 1)[-1])), "unrounded ratios"
