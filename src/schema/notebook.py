"""What the notebooks call: every cell that does more than show a result calls a function here.

The notebooks in notebooks/ are the architects' front door (``make lab``); nbmake executes them
in ``make test``. Keeping their logic here means the tests reach it and a notebook stays a page
of explanations and calls. Everything goes through the modules the CLI uses: schema.database
resolves the database, schema.migrations moves it, schema.seed fills it, schema.catalog reads it,
schema.docs renders the ERD and pages, so a notebook never has an opinion of its own.

A domain is the module of its models and rules (``core``, ``quotes``, ``rating``, ``security``,
``analytics``, ``admin``), as in the handbook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg.errors
import sqlalchemy as sa
from IPython import get_ipython
from IPython.display import display
from IPython.utils.capture import capture_output
from matplotlib.figure import Figure
from sqlalchemy.engine import Engine

from schema import catalog as catalog_module
from schema import database, migrations, partitions, samples
from schema.docs import charts, generate
from schema.docs.site import Domain, model_domains
from schema.perf.patterns import PATTERNS
from schema.perf.run import run
from schema.rules import Deviation
from schema.seed import rates, volume

# nbmake runs the notebooks with this set to a temporary folder, so executing them never
# rewrites the committed docs/ (whose drift the docs tests check); in JupyterLab it is unset
# and the export goes where `schema docs` writes.
EXPORT_DIR_ENV = "NOTEBOOK_EXPORT_DIR"
# The notebooks explore the small seeded database (schema.seed.volume.seed_small); profiling at
# volume is `schema seed volume --scale medium`.
MERMAID_BLOCK = re.compile(r"^```mermaid\n(.*?)\n```$", re.DOTALL | re.MULTILINE)
# The mermaid.js the handbook serves (package-lock.json), inlined into a diagram's HTML output.
MERMAID_JS = database.project_root() / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

# jupysql's telemetry was removed in 0.11, but ploomber-core (its dependency) still knows how to
# phone home and check versions; the lab and CI have no network, so both stay off.
os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")


class NotebookError(RuntimeError):
    """The notebook cannot go on; the message says what to run or fix."""


# --- how results show ---------------------------------------------------------------------------

# Every cell whole, left-aligned, wrapping at the window: rule statements and refusal messages are
# sentences, and the constraint name a demo checks sits at their end.
TABLE_CSS = "text-align:left; vertical-align:top; white-space:pre-wrap; word-break:normal; overflow-wrap:anywhere"


def json_cell(value: Any) -> str:
    """A value as JSON (dates, decimals and UUIDs as their text), never a Python repr."""
    return json.dumps(value, default=str, ensure_ascii=False)


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json_cell(value)
    return value


@dataclass(frozen=True)
class Table:
    """A frame shown in full: as wide as the notebook, left-aligned, no cell cut at 50
    characters (pandas' default), containers as JSON, floats as written (round before)."""

    frame: pd.DataFrame

    def _repr_html_(self) -> str:
        styler = (
            self.frame.map(_cell)
            .style.format(lambda v: f"{v:g}" if isinstance(v, float) else ("—" if v is None else v), escape="html")
            .set_table_attributes('style="width:100%; table-layout:auto"')
            .set_table_styles([{"selector": "th, td", "props": TABLE_CSS}])
        )
        return str(styler.to_html())

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", 10_000, "display.max_rows", None):
            return str(self.frame.map(_cell).to_string())


def show(frame: pd.DataFrame) -> Table:
    """Display ``frame`` whole (see Table); the frame itself stays a DataFrame for further work."""
    return Table(frame)


@dataclass(frozen=True)
class PlainText:
    """Text shown as it is, in a monospaced block: a query plan reads as EXPLAIN prints it."""

    text: str

    def _repr_html_(self) -> str:
        return f'<pre style="white-space:pre; overflow-x:auto">{html.escape(self.text)}</pre>'

    def __repr__(self) -> str:
        return self.text


def explain(eng: Engine, sql: str) -> PlainText:
    """``EXPLAIN`` of ``sql`` as plain text, one plan line per line, nothing cut."""
    with eng.connect() as conn:
        lines = conn.execute(sa.text(f"EXPLAIN {sql}")).scalars().all()
    return PlainText("\n".join(lines))


class _NoProgress(logging.Filter):
    """Drops alembic's per-revision progress (INFO); warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


# Where alembic logs "Running upgrade 010 -> 011". A filter on this logger survives the
# fileConfig(alembic.ini) that alembic/env.py runs (it resets levels and handlers, not filters).
MIGRATION_LOGGER = "alembic.runtime.migration"


def quiet_migration_progress() -> None:
    """Alembic's INFO lines go to stderr, which a notebook prints on a red background as if
    something failed; they are progress, not news (the handbook export walks the whole chain in a
    scratch database). Warnings and errors still show, and a failing migration still raises."""
    logger = logging.getLogger(MIGRATION_LOGGER)
    if not any(isinstance(f, _NoProgress) for f in logger.filters):
        logger.addFilter(_NoProgress())


# What `%load_ext sql` displays when it reads [tool.jupysql.SqlMagic] from pyproject.toml: the
# file it read and a table of the settings, the same in every notebook and no news to a reader.
JUPYSQL_BANNER = (
    re.compile(r"^Loading configurations from .*pyproject\.toml\.$"),
    re.compile(r"^Settings changed:$"),
    re.compile(r"\|\s*Config\s*\|\s*value\s*\|", re.MULTILINE),
)
SQL_ENGINE_NAME = "workbench_engine"


def _is_banner(output: Any) -> bool:
    text = str(output.data.get("text/plain", ""))
    return any(p.search(text.strip()) for p in JUPYSQL_BANNER)


def load_sql(eng: Engine) -> None:
    """``%load_ext sql`` then ``%sql <engine>``, without jupysql's settings banner.

    The banner is recognised line by line and dropped; anything else jupysql prints (a warning,
    an unknown setting) is displayed as it came, and an error raises as in the magic itself."""
    shell = get_ipython()
    if shell is None:
        raise NotebookError("load_sql runs inside IPython: a notebook (make lab) or an IPython shell")
    with capture_output() as captured:
        shell.run_line_magic("load_ext", "sql")
    for output in captured.outputs:
        if not _is_banner(output):
            display(output)  # type: ignore[no-untyped-call]  # IPython's display is not annotated
    sys.stdout.write(captured.stdout)
    sys.stderr.write(captured.stderr)
    shell.push({SQL_ENGINE_NAME: eng})
    shell.run_line_magic("sql", SQL_ENGINE_NAME)


# --- the database ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workbench:
    """The database a notebook works in, at head, with what ``prepare`` did to get it there."""

    target: database.Target
    engine: Engine
    revision: str
    seeded: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.target} at revision {self.revision}; " + "; ".join(self.seeded)


def connect() -> tuple[database.Target, Engine]:
    """The resolved database (DATABASE_URL, else the embedded server) and a checked engine."""
    target = database.resolve()
    eng = database.engine(target.url)
    database.check_server(eng)
    return target, eng


def prepare(domain: str | None = None) -> Workbench:
    """Bring the resolved database to head and seed it (idempotently), then check ``domain`` exists.

    Runs on any database, an empty one included; a second run changes nothing.
    """
    target, eng = connect()
    quiet_migration_progress()
    migrations.upgrade("head", url=target.url)
    seeded = seed(eng)
    if domain is not None:
        tables_of(domain)
    with eng.connect() as conn:
        revision = migrations.require_head(conn)
    return Workbench(target, eng, revision, tuple(seeded))


def seed(eng: Engine) -> list[str]:
    """Small-scale seed data, each kind loaded once: what was loaded, or why nothing was."""
    return [seed_volume(eng), seed_rates(eng)]


def seed_volume(eng: Engine) -> str:
    """The volume generator at small scale, unless its tables already hold its rows.

    The generator refuses tables with rows, by design; here "all of them have rows" means an
    earlier run seeded them, and "some do" is a state no rerun can fix, so it is an error naming
    the reset command rather than a partial, silent seed.
    """
    with eng.connect() as conn:
        steps, _missing = volume.plan(conn)
        tables = list(dict.fromkeys(s.table for s in steps))
        busy = volume.tables_with_rows(conn, tables)
        if busy and len(busy) == len(tables):
            return f"volume data already present in {len(tables)} tables"
        if busy:
            empty = sorted(set(tables) - set(busy))
            raise NotebookError(
                f"the volume generator's tables are half filled ({', '.join(busy)} hold rows, "
                f"{', '.join(empty)} do not): run `schema seed volume --reset` (every row is lost) "
                "or point DATABASE_URL at a fresh database"
            )
    report = volume.seed_small(eng.url, dt.datetime.now(dt.UTC).date())
    return f"volume data generated: {report.rows:,} rows at scale {volume.SMALL_SCALE} in {report.seconds:.1f}s"


def seed_rates(eng: Engine) -> str:
    """The CA/TX/NY rate tables and discount rules (scripts/seed_rate_tables.py's loader): it
    inserts what is missing and leaves identical rows alone, so running it again is harmless."""
    with eng.begin() as conn:
        return f"rate tables: {rates.load(conn).summary()}"


def migration_status(eng: Engine) -> pd.DataFrame:
    """Every revision of the chain, oldest first, marking the database's current one and head."""
    with eng.connect() as conn:
        current = migrations.current_revision(conn)
    head = migrations.head_revision()
    chain = list(reversed(list(migrations.script_directory().walk_revisions())))
    return pd.DataFrame(
        [
            {
                "revision": rev.revision,
                "title": (rev.doc or "").splitlines()[0],
                "current": "◀ current" if rev.revision == current else "",
                "head": "◀ head" if rev.revision == head else "",
            }
            for rev in chain
        ]
    )


def round_trip(steps: tuple[str, ...] = ("head", "-1", "head")) -> pd.DataFrame:
    """Upgrade and downgrade a scratch database through ``steps``: the revision after each, and how long.

    A scratch database, because downgrading the notebook's own database would drop its data (the
    data-loss guard refuses anyway); the commands are those of ``alembic upgrade/downgrade``.
    """
    rows = []
    with migrations.temporary_database(database.resolve().url, "wb_notebook") as url:
        eng = database.engine(url)
        try:
            for step in steps:
                move = migrations.downgrade if step.startswith("-") else migrations.upgrade
                started = time.perf_counter()
                move(step, url=url)
                with eng.connect() as conn:
                    revision = migrations.current_revision(conn)
                rows.append(
                    {"command": f"{move.__name__} {step}", "revision after": revision, "seconds": round(time.perf_counter() - started, 2)}
                )
        finally:
            eng.dispose()
    return pd.DataFrame(rows)


# --- the catalog and the registry, by domain ---------------------------------------------------


def read_catalog(eng: Engine) -> catalog_module.Catalog:
    with eng.connect() as conn:
        return catalog_module.read(conn)


def domain_of() -> dict[str, str]:
    """Table -> domain, as the handbook assigns it (the model's module)."""
    return model_domains()


def tables_of(domain: str) -> list[str]:
    """The domain's tables; an unknown or empty domain is an error listing the known ones."""
    owners = domain_of()
    tables = sorted(t for t, d in owners.items() if d == domain)
    if not tables:
        raise NotebookError(f"no table belongs to domain {domain!r}; domains: {', '.join(sorted(set(owners.values())))}")
    return tables


def _counts(table: catalog_module.Table) -> dict[str, int]:
    kinds = [c.kind for c in table.constraints]
    return {
        "columns": len(table.columns),
        "checks": kinds.count("c"),
        "foreign keys": kinds.count("f"),
        "unique/PK": kinds.count("u") + kinds.count("p"),
        "indexes": len(table.indexes),
        "triggers": len(table.triggers),
        "partitions": len(table.partitions),
    }


def domain_tables(eng: Engine, domain: str) -> pd.DataFrame:
    """The domain's tables as the live catalog has them, with their comment."""
    cat = read_catalog(eng)
    rows = [{"table": t, **_counts(cat.table(t)), "comment": cat.table(t).comment} for t in tables_of(domain)]
    return pd.DataFrame(rows).set_index("table")


def catalog_overview(eng: Engine) -> pd.DataFrame:
    """Per domain: how many tables, and what the catalog holds for them."""
    cat = read_catalog(eng)
    owners = domain_of()
    frame = pd.DataFrame([{"domain": owners.get(name, "(no model)"), "tables": 1, **_counts(t)} for name, t in cat.tables.items()])
    return frame.groupby("domain").sum()


def domain_rules(domain: str) -> pd.DataFrame:
    """The domain's business rules from the registry, with the catalog objects that enforce them."""
    module = importlib.import_module(f"schema.rules.{domain}")
    return pd.DataFrame(
        [{"id": r.id, "statement": r.statement, "source": r.source, "implemented by": ", ".join(r.implemented_by)} for r in module.RULES]
    ).set_index("id")


def domain_deviations(domain: str) -> pd.DataFrame:
    """Where the domain departs from the seed's SQL, and why (the registry's DEVIATIONS)."""
    module = importlib.import_module(f"schema.rules.{domain}")
    columns = list(Deviation.__dataclass_fields__)
    return pd.DataFrame([vars(d) for d in module.DEVIATIONS], columns=columns).set_index("id")


# --- constraints refusing bad rows -------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """A bad row for one constraint: the rule it breaks and how to build it from a valid row.

    The rows are schema.samples' (the one definition of a valid row per table and of each CHECK's
    violation), built as the coverage test builds them, so the notebook shows the refusals that
    test proves; a new CHECK needs its violation written once.
    """

    constraint: str
    kind: str
    table: str
    bad: str  # what is wrong with the row, for the reader
    build: Callable[[samples.Ctx], dict[str, Any]]
    # A partitioned table's unique index has a copy per partition, and PostgreSQL names the copy
    # of the partition the row went to: a refusal there is this constraint's.
    partitions: tuple[str, ...] = ()


def demos_for(cat: catalog_module.Catalog, tables: list[str]) -> list[Demo]:
    """One demo per constraint of ``tables``: CHECKs from the hand-written violations, foreign
    keys as orphans, UNIQUE and primary keys as duplicates of a row just inserted."""
    by_name = {v.constraint: v for v in samples.CHECK_VIOLATIONS}
    demos: list[Demo] = []
    for con in sorted((c for t in tables for c in cat.table(t).constraints), key=lambda c: (c.table, c.kind, c.name)):
        if con.kind in ("c", "x"):
            if con.name not in by_name:
                raise NotebookError(f"{con.name} has no violation in schema.samples (the coverage test fails too)")
            demos.append(_check_demo(by_name[con.name], con.kind_name))
        elif con.kind == "f" and con.name in samples.FK_VIOLATIONS:
            demos.append(_check_demo(samples.FK_VIOLATIONS[con.name], con.kind_name))
        elif con.kind == "f":
            broken = samples.orphan_columns(con, cat.constraints)
            demos.append(
                Demo(
                    con.name,
                    con.kind_name,
                    con.table,
                    f"{', '.join(broken)} point at no {con.referred_table} row",
                    partial(samples.orphan_row, fk=con, constraints=cat.constraints),
                )
            )
        else:
            demos.append(
                Demo(
                    con.name,
                    con.kind_name,
                    con.table,
                    f"repeats ({', '.join(con.columns)}) of an existing row",
                    partial(samples.duplicate_row, key=con),
                )
            )
    return [replace(d, partitions=tuple(p.name for p in cat.table(d.table).partitions)) for d in demos]


def _check_demo(violation: samples.CheckViolation, kind: str) -> Demo:
    shown = json_cell(violation.overrides) if violation.overrides else violation.why
    return Demo(violation.constraint, kind, violation.table, shown, partial(samples.violating_row, violation=violation))


def constraint_demos(domain: str) -> pd.DataFrame:
    """Each constraint of the domain refusing a bad row: the row's fault and PostgreSQL's answer.

    The rows are built in an empty scratch database at head, as the coverage test builds them:
    the samples number their unique values from 1, which the seeded rows of a working database
    may already hold. All in one transaction, rolled back. A bad row the database accepts, or a
    refusal by another constraint than the one shown, is an error: the demo would lie.
    """
    rows = []
    with migrations.temporary_database(database.resolve().url, "wb_notebook", "head") as url:
        eng = database.engine(url)
        try:
            demos = demos_for(read_catalog(eng), tables_of(domain))
            with eng.connect() as conn:
                trans = conn.begin()
                try:
                    ctx = samples.Ctx(conn)
                    for demo in demos:
                        rows.append(
                            {
                                "constraint": demo.constraint,
                                "kind": demo.kind,
                                "table": demo.table,
                                "bad row": demo.bad,
                                "refused with": _refusal(conn, demo, ctx),
                            }
                        )
                finally:
                    trans.rollback()
        finally:
            eng.dispose()
    return pd.DataFrame(rows).set_index("constraint")


def _refusal(conn: sa.Connection, demo: Demo, ctx: samples.Ctx) -> str:
    try:
        error = samples.refusal(conn, demo.table, demo.build(ctx))
    except samples.NotRefused:
        raise NotebookError(f"{demo.table} accepted a row that breaks {demo.constraint} ({demo.bad})") from None
    diag = error.diag
    if not isinstance(error, psycopg.errors.IntegrityError) or (
        diag.constraint_name != demo.constraint and not (demo.kind in ("UNIQUE", "PRIMARY KEY") and diag.table_name in demo.partitions)
    ):
        raise NotebookError(
            f"{demo.table}: the bad row for {demo.constraint} was refused by "
            f"{diag.constraint_name or 'another check'}: {diag.message_primary}"
        ) from error
    via = f" (partition {diag.table_name})" if diag.table_name in demo.partitions else ""
    return f"{error.sqlstate}: {diag.message_primary}{via}"


def trigger_demos(domain: str) -> pd.DataFrame:
    """Each refusing trigger of the domain with what it refuses (schema.samples'
    TRIGGER_VIOLATIONS, a row, and TRIGGER_ACTS, statements; the coverage test proves the same
    refusals): the SQLSTATE and the message, which names the rule and the trigger. Built in a
    scratch database at head; every case is rolled back, so a historical-import demo does not leak
    its session setting into the next one. A case the database accepts is an error."""
    tables = set(tables_of(domain))
    rows = []
    with migrations.temporary_database(database.resolve().url, "wb_notebook", "head") as url:
        eng = database.engine(url)
        try:
            trigger_table = {t.name: t.table for t in read_catalog(eng).triggers}
            with eng.connect() as conn:
                trans = conn.begin()
                try:
                    ctx = samples.Ctx(conn)
                    for violation in (v for v in samples.TRIGGER_VIOLATIONS if v.table in tables):
                        rows.append(
                            {
                                "trigger": violation.trigger,
                                "table": violation.table,
                                "rule": violation.rule_id,
                                "what breaks it": violation.why,
                                "refused with": _trigger_refusal(conn, violation, ctx),
                            }
                        )
                finally:
                    trans.rollback()
            for act in samples.TRIGGER_ACTS:
                if trigger_table.get(act.trigger) not in tables:
                    continue
                rows.append(
                    {
                        "trigger": act.trigger,
                        "table": trigger_table[act.trigger],
                        "rule": act.rule_id,
                        "what breaks it": act.why,
                        "refused with": _act_refusal(eng, act),
                    }
                )
        finally:
            eng.dispose()
    return pd.DataFrame(rows).set_index("trigger")


def _act_refusal(eng: Engine, act: samples.TriggerAct) -> str:
    """Run one TriggerAct in its own rolled-back transaction; the refusal must be the trigger's."""
    with eng.connect() as conn:
        try:
            act.act(samples.Ctx(conn))
        except sa.exc.IntegrityError as exc:
            if not isinstance(exc.orig, psycopg.Error):
                raise
            diag = exc.orig.diag
            if diag.constraint_name != act.trigger:
                raise NotebookError(f"{act.trigger}: refused by {diag.constraint_name}: {diag.message_primary}") from exc
            return f"{exc.orig.sqlstate}: {diag.message_primary}"
        else:
            raise NotebookError(f"{act.trigger}: the database accepted what breaks {act.rule_id} ({act.why})")
        finally:
            conn.rollback()


def _trigger_refusal(conn: sa.Connection, violation: samples.TriggerViolation, ctx: samples.Ctx) -> str:
    # One savepoint around everything the case prepares (parents, counters, session settings), so
    # the cases of one transaction do not see each other's preparation.
    outer = conn.begin_nested()
    try:
        values = samples.violating_row(ctx, violation)
        for name, value in violation.settings.items():
            conn.execute(sa.text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
        try:
            error = samples.refusal(conn, violation.table, values, deferred=violation.trigger if violation.deferred else None)
        except samples.NotRefused:
            raise NotebookError(f"{violation.table} accepted a row {violation.trigger} must refuse") from None
        if violation.rule_id not in (error.diag.message_primary or ""):
            raise NotebookError(f"{violation.trigger}: refused for another reason: {error.diag.message_primary}") from error
        return f"{error.sqlstate}: {error.diag.message_primary}"
    finally:
        outer.rollback()


# --- the ERD and the handbook pages --------------------------------------------------------------


def handbook_pages(eng: Engine, domain: str) -> dict[str, str]:
    """The domain's handbook pages (domain page with its ERD, one page per table), path -> text,
    exactly as `schema docs` renders them."""
    tables_of(domain)
    with eng.connect() as conn:
        pages = generate.render(generate.handbook(conn))
    return {rel: text for rel, text in pages.items() if rel.startswith(f"{domain}/")}


@dataclass(frozen=True)
class Diagram:
    """A Mermaid diagram that draws offline in JupyterLab and in an HTML export.

    JupyterLab (>= 4.1) draws ``text/vnd.mermaid`` with the mermaid it bundles; an HTML export
    (nbconvert) takes ``text/html``, which carries the mermaid.js of node_modules inline (the
    same pinned file the handbook serves) and draws the SVG in the reader's browser: no CDN, so
    the diagram is there on a machine without network. Other front ends show the source.
    """

    source: str

    def _html(self) -> str:
        if not MERMAID_JS.is_file():
            raise NotebookError(f"{MERMAID_JS} is missing: run `make install` (npm ci installs the mermaid pinned in package-lock.json)")
        target = "wb-diagram-" + hashlib.sha256(self.source.encode()).hexdigest()[:12]
        script = MERMAID_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")
        draw = (  # noqa: UP031 - JavaScript's braces would all need doubling in an f-string
            "(async () => { const box = document.getElementById(%s);"
            " try { mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});"
            " const drawn = await mermaid.render(%s + '-svg-' + Date.now(), %s); box.innerHTML = drawn.svg; }"
            " catch (error) { box.textContent = 'The diagram could not be drawn: ' + error; } })();"
        ) % (json.dumps(target), json.dumps(target), json.dumps(self.source))
        return (
            f'<div id="{target}" style="max-width:100%;overflow:auto">'
            f"<pre>{html.escape(self.source)}</pre></div>\n<script>{script}</script>\n<script>{draw}</script>"
        )

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {
            "text/vnd.mermaid": self.source,
            "text/html": self._html(),
            "text/markdown": f"```mermaid\n{self.source}\n```",
            "text/plain": self.source,
        }


def erd(eng: Engine, domain: str) -> Diagram:
    """The domain's ERD, taken from its handbook page so the notebook and the handbook draw the same."""
    page = handbook_pages(eng, domain)[Domain(domain, (), (), ()).page]
    found = MERMAID_BLOCK.search(page)
    if found is None:
        raise NotebookError(f"the handbook page of {domain} has no mermaid diagram")
    return Diagram(found.group(1))


def export_dir() -> Path:
    """docs/ of the checkout, or ``$NOTEBOOK_EXPORT_DIR`` (nbmake sets it: see EXPORT_DIR_ENV)."""
    configured = os.environ.get(EXPORT_DIR_ENV)
    return Path(configured) if configured else generate.default_docs_dir()


def export_domain(eng: Engine, domain: str, docs_dir: Path | None = None) -> list[str]:
    """Write the domain's folder of the handbook as `schema docs` would: same pages, same writer
    (which also removes pages of tables that left the domain); returns what changed."""
    target = (docs_dir or export_dir()) / domain
    pages = {rel.removeprefix(f"{domain}/"): text for rel, text in handbook_pages(eng, domain).items()}
    target.mkdir(parents=True, exist_ok=True)
    return [f"{line} in {target}" for line in generate.write(pages, target)]


# --- partitions and query plans ---------------------------------------------------------------------


def partition_maintenance_preview(wb: Workbench) -> pd.DataFrame:
    """What `schema partitions maintain` would do now (a dry run, rolled back)."""
    actions = partitions.maintain_database(wb.target.url, dry_run=True)
    return pd.DataFrame([vars(a) for a in actions], columns=["parent_table", "action", "partition", "detail"])


def profile(eng: Engine, kinds: tuple[str, ...] = ("read",), repeats: int = 3) -> pd.DataFrame:
    """`schema perf` on the notebook's database for the patterns of ``kinds``: the plan's index
    choice and the time with and without it (each index dropped in a rolled-back transaction).

    ``allow_usable``: at the notebooks' small scale the planner may rightly prefer a sequential
    scan; whether the index is chosen at volume is what `schema perf` on a medium seed proves.
    """
    with eng.connect() as conn:
        results = run(conn, [p for p in PATTERNS if p.kind in kinds], allow_usable=True, repeats=repeats)
    return pd.DataFrame(
        [
            {
                "pattern": r.pattern,
                "table": r.table,
                "index": r.index,
                "choice": r.choice,
                "ms with index": _rounded(r.ms_with, 3),
                "ms without": _rounded(r.ms_without, 3),
                "speedup": _rounded(r.speedup, 1),
                "problems": "; ".join(r.problems),
            }
            for r in results
        ]
    ).set_index("pattern")


def _rounded(value: float | None, digits: int) -> float | None:
    """Times to the microsecond and ratios to one decimal, as the handbook's report writes them."""
    return None if value is None else round(value, digits)


def committed_timings() -> pd.DataFrame:
    """The full-scale timings committed with the handbook (docs/reports/performance.json, written
    by `schema perf --json` on a full seed), read by the same loader as the handbook's chart."""
    rows = charts.load_timings(generate.default_docs_dir() / charts.PERFORMANCE_JSON)
    return pd.DataFrame(
        [
            {"pattern": t.pattern, "table": t.table, "ms with index": t.ms_with, "ms without": t.ms_without, "speedup": t.speedup}
            for t in rows
        ]
    ).set_index("pattern")


def plot_timings(live: pd.DataFrame, committed: pd.DataFrame) -> Figure:
    """The live small-scale timings beside the committed full-scale ones, same patterns, same
    log axis: at small scale a scan of a few pages is as fast as the index; at full scale it is not."""
    patterns = [p for p in live.index if p in committed.index]
    if not patterns:
        raise NotebookError("no pattern is both in the live run and in docs/reports/performance.json")
    fig = Figure(figsize=(12, 0.28 * len(patterns) + 1.5))
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    for ax, frame, title in (
        (axes[0], live, "this notebook (small scale, live)"),
        (axes[1], committed, "committed (full scale, docs/reports)"),
    ):
        frame.loc[patterns, ["ms with index", "ms without"]].plot.barh(ax=ax, logx=True, legend=False)
        ax.set_title(title, loc="left")
        ax.set_xlabel("ms (log scale)")
    axes[0].invert_yaxis()
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
