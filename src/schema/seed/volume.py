"""The volume generator: realistic rows in every table, generated inside PostgreSQL.

Each table has one SQL file under ``sql/seed/`` (INSERT ... SELECT over generate_series); this
module only decides the order, the row ranges and chunks, shows progress and reports rates. Rows
never travel through Python: that is what makes a million quotes a matter of minutes.

Contract with the operator:
- the generated tables must be empty: the run refuses otherwise, naming the tables with rows.
  ``reset=True`` first rebuilds the schema from the revisions (downgrade to base with data loss
  allowed, upgrade to head, one transaction): audit_logs is append-only even for its owner
  (SEC-003, trigger trg_audit_logs_no_truncate), so truncating is not an option, by design;
- every table is loaded like pg_restore loads it (schema.seed.deferral): in one transaction, its
  secondary indexes and foreign keys are dropped, its rows inserted (CHECKs and row triggers on),
  then the indexes built and the foreign keys added again, which validates them over every row; a
  row the data gets wrong fails the seed naming the constraint. A crash rolls the whole table back,
  drop included, so a failed run leaves the tables it finished and a schema that is whole; the next
  run refuses, and ``--reset`` starts over;
- a table generated in several steps (quotes: versions 1, 2 and 3, each a requote of the one
  before) loads them all in that one transaction, so its indexes are built once. Quote numbers
  come from a sequence per year since revision 012 (nextval holds no row lock), so a million
  quotes in one transaction cost what they cost in chunks;
- two lanes (``Generator.run``): the streams (audit_logs, analytics_events: nine rows in ten at
  every scale) load on a second connection as soon as the tables their keys refer to are loaded
  (audit_logs right after users), beside the other tables on the first; what is left, the first
  lane loads after its own tables. A load beside another lane defers its indexes (those locks are
  its own) and its foreign keys but those to a table the other lane's tables refer to
  (``keys_to_keep``: users while audit_logs loads): dropping a foreign key locks the referred
  table in ACCESS EXCLUSIVE mode until commit, and the other lane's RI checks against it would wait
  for the whole load. Revision 016 lets DDL beside an audit_logs load run: SEC-024's guard, which
  judges every ALTER TABLE, no longer locks the audit partitions (measured at medium, 015: the
  analytics_events load waited for the audit_logs load, 132 s instead of 78 s);
- the same seed and as-of date give the same rows (see sql/seed/_session.sql);
- the database is the judge: every CHECK and row trigger stays on for every row, and every foreign
  key judges every row, deferred or not (no trigger is disabled: SEC-024's event trigger would
  refuse disabling the audit trails' triggers anyway, by design). The rows are history (created
  months ago, already bound, paid or expired), so every chunk runs with the one documented path for
  historical rows, ``SET LOCAL app.historical_import = 'on'`` (COR-024): honoured because the
  generator's role owns the tables, it lets rows keep their own created_at and status; every other
  rule (terms, documents, dates of birth...) still judges them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic import command
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import URL

from schema import catalog, database, migrations, partitions, sql_files
from schema.models import metadata
from schema.models.design import LeftEmpty, RateSeeded, designs
from schema.seed import deferral, rates, scales
from schema.seed.scales import Scale

DEFAULT_CHUNK = 50_000
PARTITIONED = ("audit_logs", "analytics_events")
MONTHS = 24  # rows 1..24 of a partitioned table are one per month (pg_temp.spread_time)
# Connections loading at once: one per core of the 2-core machines the targets are set on (the
# run's own and one helper lane, Generator.run).
LANES = 2
# COR-024 / QUO-021: generated rows are historical rows (their created_at and recorded status are
# kept); the documented path, for the chunk's transaction only.
HISTORICAL_IMPORT = "SET LOCAL app.historical_import = 'on'"
# Where each table's rows come from is declared next to its model (schema.models.design); the
# generator's lists are read from there, in the metadata's foreign-key order.
DESIGNS = designs(metadata)
# Tables the generator leaves empty on purpose, and why (the volume test holds every other table to rows).
NOT_GENERATED: dict[str, str] = {t: d.seed.why for t, d in DESIGNS.items() if isinstance(d.seed, LeftEmpty)}
# Reference data loaded by the rate seed (idempotent), not generated: rate_tables, discount_rules.
REFERENCE_TABLES: tuple[str, ...] = tuple(t for t, d in DESIGNS.items() if isinstance(d.seed, RateSeeded))


class VolumeError(RuntimeError):
    """The generator cannot run, or a table's rows were refused; the message says which and why."""


def sql(name: str) -> str:
    """A generator SQL file by name (without .sql)."""
    return sql_files.read("seed", name)


@dataclass(frozen=True)
class Step:
    """One table's generation: its SQL file, the row range 1..rows(scale, counts), extra params."""

    table: str
    rows: Callable[[Scale, dict[str, int]], int]
    script: str = ""
    params: Callable[[Scale, dict[str, int]], dict[str, int]] = lambda s, c: {}
    chunk: int = DEFAULT_CHUNK
    label: str = ""
    # Historical rows keep their created_at and recorded status (QUO-021): the chunk's transaction
    # declares the one documented path, app.historical_import (the generator runs as the owner).
    historical_import: bool = False

    @property
    def name(self) -> str:
        return self.label or self.table

    @property
    def file(self) -> str:
        return self.script or self.table


def _fixed(n: int) -> Callable[[Scale, dict[str, int]], int]:
    return lambda s, c: n


def _quote_step(version: int) -> Step:
    own = {1: "quotes_v1", 2: "quotes_v2", 3: "quotes_v3"}
    return Step(
        "quotes",
        rows=lambda s, c: getattr(s, own[version]),
        params=lambda s, c: {"version": version, "parents": getattr(s, own.get(version - 1, "quotes_v1"))},
        label=f"quotes v{version}",
        historical_import=True,
    )


# How each generated table is generated, in any order (the load order is derived below). A table
# whose model declares it Generated has a step here and a file sql/seed/<table>.sql; the volume
# test holds the three to each other.
_STEPS: tuple[Step, ...] = (
    Step("users", rows=lambda s, c: s.users),
    Step("user_mfa_settings", rows=lambda s, c: s.users),
    Step("customers", rows=lambda s, c: s.customers),
    Step("policies", rows=lambda s, c: s.quotes_v1),
    Step("claims", rows=lambda s, c: s.claims, params=lambda s, c: {"policies": c["seed_policies"]}),
    _quote_step(1),
    _quote_step(2),
    _quote_step(3),
    Step("sso_providers", rows=_fixed(4)),
    Step("oauth2_clients", rows=lambda s, c: s.oauth2_clients),
    # Streams: row n's time depends on its rank in the total (pg_temp.spread_time, time order).
    Step("audit_logs", rows=lambda s, c: s.audit_logs, params=lambda s, c: {"total": s.audit_logs}),
    Step("websocket_connections", rows=lambda s, c: s.websocket_connections),
    Step(
        "analytics_events",
        rows=lambda s, c: s.analytics_events,
        params=lambda s, c: {"policies": c["seed_policies"], "quotes_v1": s.quotes_v1, "total": s.analytics_events},
    ),
    Step("admin_roles", rows=_fixed(6)),
    Step("admin_permissions", rows=_fixed(48)),
    Step("admin_role_permissions", rows=_fixed(6)),
    Step("admin_users", rows=lambda s, c: s.admin_users, chunk=1_000_000),  # one statement: created_by points back
    Step("system_settings", rows=_fixed(20)),
    Step("admin_dashboards", rows=_fixed(8)),
    Step("admin_activity_logs", rows=lambda s, c: s.admin_activity_logs, params=lambda s, c: {"admins": s.admin_users}),
    # total: a rate's last submission is the only one that may be pending or approved (ADM-024, RAT-015).
    Step("admin_rate_approvals", rows=lambda s, c: s.rate_approvals, params=lambda s, c: {"total": s.rate_approvals}),
)
# In dependency order: the metadata's foreign-key order (a parent before its children, ties by
# name); a table's steps keep their order (quotes v1, v2, v3). The streams (PARTITIONED) load
# last whatever their place (Generator.run). Tables not in the schema yet are skipped with a note.
LOAD_ORDER: dict[str, int] = {table: n for n, table in enumerate(DESIGNS)}
STEPS: tuple[Step, ...] = tuple(sorted(_STEPS, key=lambda step: LOAD_ORDER[step.table]))


@dataclass
class TableReport:
    name: str
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class VolumeReport:
    scale: str
    seed: int
    as_of: dt.date
    tables: list[TableReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tables:
            table = t.name.split(" ")[0]
            out[table] = out.get(table, 0) + t.rows
        return out


def generated_tables() -> list[str]:
    """Every table the generator writes (distinct, in load order)."""
    return list(dict.fromkeys(step.table for step in STEPS))


def existing_tables(conn: sa.Connection) -> set[str]:
    """The designed tables this database has (the catalog's answer, so a partial schema is seen)."""
    return set(catalog.read(conn).tables)


def tables_with_rows(conn: sa.Connection, tables: list[str]) -> list[str]:
    return [t for t in tables if conn.execute(sa.text(f'SELECT EXISTS (SELECT 1 FROM "{t}")')).scalar_one()]


def session_sql(seed: int, as_of: dt.date, scale: Scale) -> str:
    """The session helpers with this run's constants spliced in (all integers or an ISO date)."""
    values = {
        "seed": int(seed),
        "as_of": as_of.isoformat(),
        "customers": scale.customers,
        "users": scale.users,
        "quotes_v1": scale.quotes_v1,
    }
    text = sql("_session")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    return text


def chunks(total: int, size: int, start: int = 1) -> Iterator[tuple[int, int]]:
    lo = start
    while lo <= total:
        hi = min(total, lo + size - 1)
        yield lo, hi
        lo = hi + 1


def reset_schema(conn: sa.Connection) -> None:
    """Rebuild the schema from the revisions in the caller's transaction (every row is lost)."""
    cfg = migrations.alembic_config(x_args={"allow-data-loss": "true"})
    cfg.attributes["connection"] = conn
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")


def _describe(exc: sa.exc.DBAPIError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    primary = getattr(diag, "message_primary", None) or str(exc.orig).splitlines()[0]
    return f"{primary}" + (f" (constraint {name})" if name else "")


class Generator:
    """One run: a connection, its session helpers, and the steps in order."""

    def __init__(
        self,
        conn: sa.Connection,
        scale: Scale,
        seed: int,
        as_of: dt.date,
        console: Console,
        scripts: dict[str, str] | None = None,
        at_revision: str | None = None,
    ) -> None:
        self.conn = conn
        # Replacement SQL per step file: a released generator's file (tests and rehearsals of data
        # from an older revision); empty in normal runs.
        self.scripts = scripts or {}
        self.at_revision = at_revision  # the older revision the database is at on purpose; None: head
        self.scale = scale
        self.seed = seed
        self.as_of = as_of
        self.console = console
        self.counts: dict[str, int] = {}
        self.report = VolumeReport(scale.name, seed, as_of)
        # Read once, before any table is loaded: what each table's load defers and builds again.
        self._catalog: catalog.Catalog | None = None
        self._lock = threading.Lock()  # the report, counts and lanes, written by both lanes
        self.lane_id = 0  # 0: the run's own connection; 1: the helper lane (``lane``)
        # Per lane, the tables it is loading or may still load (``run``): what another lane's load
        # must not lock away from it (``keys_to_keep``). Shared by the lanes.
        self.lanes: dict[int, set[str]] = {}
        self._has_seed_policies = False

    @property
    def catalog(self) -> catalog.Catalog:
        if self._catalog is None:
            self._catalog = catalog.read(self.conn)
            self.conn.commit()
        return self._catalog

    def prepare(self) -> None:
        # exec_driver_sql sends pyformat: a literal % (comments, LIKE) is written %%.
        self.conn.exec_driver_sql(session_sql(self.seed, self.as_of, self.scale).replace("%", "%%"))
        self.conn.commit()

    def load_rates(self) -> None:
        """The CA/TX/NY rate tables and discount rules (rate approvals point at them)."""
        started = time.perf_counter()
        loaded = rates.load(self.conn, at_revision=self.at_revision)
        self.conn.commit()
        for table in REFERENCE_TABLES:
            done = TableReport(table, len(loaded.inserted.get(table, [])), time.perf_counter() - started)
            self.report.tables.append(done)
        self.report.notes.append(f"rate seed: {loaded.summary()}")

    def _insert(self, step: Step, lo: int, hi: int) -> int:
        """Rows lo..hi of the step in the open transaction; a refusal names the step and the rows."""
        params = {"lo": lo, "hi": hi, **step.params(self.scale, self.counts)}
        try:
            self.conn.exec_driver_sql(HISTORICAL_IMPORT)
            result = self.conn.execute(sa.text(self.scripts.get(step.file) or sql(step.file)), params)
        except sa.exc.DBAPIError as exc:
            self.conn.rollback()
            raise VolumeError(f"{step.name}: rows {lo}..{hi} refused by the database: {_describe(exc)}") from exc
        return result.rowcount

    def run_chunk(self, step: Step, lo: int, hi: int) -> int:
        """Rows lo..hi of the step in a transaction of their own (committed)."""
        rows = self._insert(step, lo, hi)
        self._commit(f"{step.name}: rows {lo}..{hi}")
        return rows

    def _commit(self, what: str) -> None:
        """Commit the load of ``what`` (the steps and rows, as a refusal names them)."""
        try:
            self.conn.commit()  # deferred constraint triggers judge here (those the rebuild has not fired)
        except sa.exc.DBAPIError as exc:
            self.conn.rollback()
            raise VolumeError(f"{what} refused by the database at commit: {_describe(exc)}") from exc

    def _load(self, table: str, work: list[tuple[Step, list[tuple[int, int]], Callable[[int, int], None]]]) -> list[TableReport]:
        """The ranges of one table's steps in one transaction, its deferred objects dropped first and
        built again after the last row; per step, the rows it inserted and the seconds it took (the
        drop counts to the first step, the rebuild and the commit to the last)."""
        done = [TableReport(step.name) for step, _, _ in work]
        if not any(ranges for _, ranges, _ in work):
            return done
        started = time.perf_counter()
        plan_ = deferral.plan(self.catalog, table, keep_keys_to=self.keys_to_keep(table))
        first, last = work[0][0], work[-1][0]
        steps = first.name if first is last else f"{first.name}..{last.name}"
        what = f"{steps}: rows " + ", ".join(f"{ranges[0][0]}..{ranges[-1][1]}" for _, ranges, _ in work if ranges)
        try:
            plan_ = deferral.drop(self.conn, plan_)
        except sa.exc.DBAPIError as exc:
            self.conn.rollback()
            raise VolumeError(f"{first.name}: could not defer {', '.join(plan_.names)}: {_describe(exc)}") from exc
        for (step, ranges, on_chunk), report in zip(work, done, strict=True):
            for lo, hi in ranges:
                report.rows += self._insert(step, lo, hi)
                on_chunk(hi, report.rows)
            report.seconds = time.perf_counter() - started
            started = time.perf_counter()
        try:
            deferral.rebuild(self.conn, plan_)
        except deferral.DeferralError as exc:
            self.conn.rollback()
            raise VolumeError(f"{what} refused by the database: {exc}") from exc
        self._commit(what)
        done[-1].seconds += time.perf_counter() - started
        return done

    def keys_to_keep(self, table: str) -> frozenset[str]:
        """The tables whose keys ``table``'s load keeps on: those the tables of the other lanes
        (loading now, or still to load while this load may run) refer to. Dropping a foreign key
        takes ACCESS EXCLUSIVE on the referred table until commit: another lane's RI checks
        against that table would wait for this whole load."""
        with self._lock:
            beside = {t for lane, tables in self.lanes.items() if lane != self.lane_id for t in tables}
        return frozenset(key.referred_table for t in beside for key in self.catalog.table(t).foreign_keys if key.referred_table)

    def parents(self, table: str) -> set[str]:
        """The tables ``table``'s foreign keys refer to (itself aside): loaded before it starts."""
        return {key.referred_table for key in self.catalog.table(table).foreign_keys if key.referred_table not in (None, table)}

    def prime(self, step: Step) -> TableReport:
        """A stream's first rows, one per month, committed; then maintenance creates those months'
        partitions, so the bulk goes straight into them (not through DEFAULT and a second move)."""
        started = time.perf_counter()
        rows = self.run_chunk(step, 1, MONTHS)
        self.maintain_partitions(step.table)  # its own only: the other stream may be loading on the other lane
        return TableReport(step.name, rows, time.perf_counter() - started)

    def run_step(self, step: Step, progress: Progress, primed: TableReport | None = None) -> None:
        """Load one step; ``primed``: a stream whose first rows ``prime`` has loaded already."""
        self.run_table([step], progress, primed)

    def run_table(self, steps: list[Step], progress: Progress, primed: TableReport | None = None) -> None:
        """Load the steps of one table (quotes v1..v3) in one transaction (``_load``).

        Each step keeps its line in the report: its rows and the seconds of its inserts; the last
        one's seconds include the rebuild of the table's indexes and keys, and a stream's first
        step the ``primed`` rows.
        """
        work = []
        reports = []
        for step in steps:
            total = step.rows(self.scale, self.counts)
            task = progress.add_task(step.name, total=total, rows=0)
            report = TableReport(step.name)
            ranges = list(chunks(total, step.chunk))
            if step.table in PARTITIONED and total > MONTHS:
                first = primed or self.prime(step)
                report.rows, report.seconds = first.rows, first.seconds
                ranges = list(chunks(total, step.chunk, start=MONTHS + 1))
            work.append((step, ranges, self._progress(progress, task, report.rows)))
            reports.append((step, report, task, total))
        loaded = self._load(steps[0].table, work)
        for (_, report, task, total), done in zip(reports, loaded, strict=True):
            report.rows += done.rows
            report.seconds += done.seconds
            progress.update(task, completed=total, rows=report.rows)
        for step, report, _, _ in reports:
            with self._lock:
                self.counts[step.table] = self.counts.get(step.table, 0) + report.rows
                self.report.tables.append(report)
            if not self.console.is_terminal:
                # Logs and CI get a line per table (a terminal has the bar).
                self.console.print(
                    f"{report.name}: {report.rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)", highlight=False
                )
        self.after(steps[-1])

    @staticmethod
    def _progress(progress: Progress, task: TaskID, primed_rows: int) -> Callable[[int, int], None]:
        """The callback of one step's chunks: its bar, counting the rows ``prime`` loaded before."""

        def on_chunk(hi: int, rows: int) -> None:
            progress.update(task, completed=hi, rows=primed_rows + rows)

        return on_chunk

    def after(self, step: Step) -> None:
        """Derived helpers some later step needs."""
        if step.table == "policies":
            self.conn.exec_driver_sql(self.scripts.get("seed_policies") or sql("seed_policies"))
            self._has_seed_policies = True
            self.counts["seed_policies"] = self.conn.exec_driver_sql("SELECT count(*) FROM seed_policies").scalar_one()
            self.conn.commit()
        if step.table in {"users", "customers", "policies", "quotes"}:
            self.conn.exec_driver_sql(f"ANALYZE {step.table}")
            self.conn.commit()

    def maintain_partitions(self, table: str | None = None) -> None:
        """Partition maintenance, committed: of ``table`` only (partitions.maintain_table), or of
        every registered table; rows it moved out of DEFAULT go in the report's notes."""
        actions = partitions.maintain(self.conn) if table is None else partitions.maintain_table(self.conn, table)
        self.conn.commit()
        moved = [a for a in actions if a.action == "move"]
        if moved:
            with self._lock:
                self.report.notes.append(
                    f"{table or 'every table'}: partition maintenance moved rows of {len(moved)} month(s) out of DEFAULT"
                )

    def lane(self) -> Generator:
        """A second generator on a connection of its own, sharing this run's report and counts
        (session helpers and the seed_policies helper table are per session: made again)."""
        other = Generator(self.conn.engine.connect(), self.scale, self.seed, self.as_of, self.console, self.scripts, self.at_revision)
        other.counts, other.report, other._catalog, other._lock, other.lanes = (
            self.counts,
            self.report,
            self.catalog,
            self._lock,
            self.lanes,
        )
        other.lane_id = self.lane_id + 1
        other.prepare()
        return other

    def run_stream(self, step: Step, progress: Progress) -> None:
        """A stream on this lane: the seed_policies helper of this session first, if its policies
        are loaded by now (analytics_events draws from it), then its first rows and its partitions,
        then the bulk."""
        if "seed_policies" in self.counts and not self._has_seed_policies:
            self.conn.exec_driver_sql(self.scripts.get("seed_policies") or sql("seed_policies"))
            self.conn.commit()
            self._has_seed_policies = True
        primed = self.prime(step) if step.rows(self.scale, self.counts) > MONTHS else None
        self.run_step(step, progress, primed)
        with self._lock:
            self.lanes[self.lane_id].discard(step.table)

    def run(self, steps: list[Step]) -> VolumeReport:
        """Every step, on up to LANES connections.

        This lane loads the tables in load order, a table's steps in one transaction. A stream
        (PARTITIONED) goes to the helper lane as soon as the tables its keys refer to are loaded
        and that lane is free (audit_logs right after users), so it loads beside the rest; what is
        left when this lane is done, this lane loads. Which lane loads what depends on timing;
        what is loaded does not (every row is a function of its number).
        """
        started = time.perf_counter()
        columns = (
            TextColumn("{task.description:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rows]:>10,} rows"),
            TimeElapsedColumn(),
        )
        generated = {s.table for s in steps}
        loaded = {t for t in DESIGNS if t not in generated}  # reference data and empty tables
        serial = [list(same) for _, same in itertools.groupby((s for s in steps if s.table not in PARTITIONED), key=lambda s: s.table)]
        waiting = [s for s in steps if s.table in PARTITIONED]
        with self._lock:
            self.lanes[self.lane_id] = set(generated)
        helper: Generator | None = None
        running: Future[None] | None = None
        with (
            Progress(*columns, console=self.console, transient=False, disable=not self.console.is_terminal) as progress,
            ThreadPoolExecutor(max_workers=LANES - 1) as pool,
        ):

            def hand_over() -> None:
                """Give the helper lane the first waiting stream whose parents are loaded, if it is free."""
                nonlocal helper, running
                if running is not None and not running.done():
                    return
                if running is not None:
                    running.result()  # a failed stream fails the run here, by its own message
                    running = None
                ready = [step for step in waiting if self.parents(step.table) <= loaded]
                if not ready:
                    return
                waiting.remove(ready[0])
                helper = helper or self.lane()
                with self._lock:
                    self.lanes[self.lane_id].discard(ready[0].table)
                    self.lanes[helper.lane_id] = {ready[0].table}
                running = pool.submit(helper.run_stream, ready[0], progress)

            try:
                for same_table in serial:
                    hand_over()
                    self.run_table(same_table, progress)
                    loaded.add(same_table[0].table)
                    with self._lock:
                        self.lanes[self.lane_id].discard(same_table[0].table)
                hand_over()
                while waiting:
                    self.run_stream(waiting.pop(0), progress)
                if running is not None:
                    running.result()
            finally:
                if running is not None:
                    wait([running])  # its transaction ends (commits or rolls back) before its connection closes
                if helper is not None:
                    helper.conn.close()
                with self._lock:
                    self.lanes.clear()
        self.report.seconds = time.perf_counter() - started
        return self.report


def plan(conn: sa.Connection) -> tuple[list[Step], list[str]]:
    """The steps whose tables exist, and the tables of the schema nothing generates (a gap)."""
    present = existing_tables(conn)
    steps = [s for s in STEPS if s.table in present]
    missing = sorted({s.table for s in STEPS} - present)
    return steps, missing


def generate(
    conn: sa.Connection, scale: Scale, seed: int, as_of: dt.date, *, reset: bool = False, console: Console | None = None
) -> VolumeReport:
    """Fill the database of ``conn`` (at head, generated tables empty) at ``scale``."""
    console = console or Console(stderr=True)
    migrations.require_head(conn)
    conn.commit()
    if reset:
        with conn.begin():
            reset_schema(conn)
    steps, missing = plan(conn)
    busy = tables_with_rows(conn, list(dict.fromkeys(s.table for s in steps)))
    conn.commit()
    if busy:
        raise VolumeError(
            f"the generated tables must be empty, these hold rows: {', '.join(busy)}. "
            "Run with --reset to rebuild the schema first (every row of the database is lost; audit_logs "
            "is append-only, SEC-003, so it cannot be truncated), or use a fresh database."
        )
    gen = Generator(conn, scale, seed, as_of, console)
    gen.prepare()
    gen.load_rates()
    report = gen.run(steps)
    if any(s.table in PARTITIONED for s in steps):
        gen.maintain_partitions()  # rows of a month that had no partition yet wait in DEFAULT: move them
    if missing:
        report.notes.append(f"tables not in this schema, skipped: {', '.join(missing)}")
    return report


# The small seeded database that the notebooks, the benchmarks whose workloads need real parents and
# the plan tests share: one scale and one seed, so they all see the same rows for the same day.
SMALL_SCALE = "small"
SMALL_SEED = 42


def seed_small(url: URL, as_of: dt.date) -> VolumeReport:
    """Generate the small seeded database (scale ``SMALL_SCALE``, seed ``SMALL_SEED``) at ``url``, quietly."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            return generate(conn, scales.get(SMALL_SCALE), SMALL_SEED, as_of, console=Console(quiet=True))
    finally:
        eng.dispose()
