"""One rehearsal: scratch database, seed at ``--from``, workload, each revision up and down, measured.

Order of a run, all in a database of its own (``migrations.temporary_database``), never the user's:
1. migrate to ``from_revision`` and seed the volume at the chosen scale (``schema.seed.volume``);
2. check the query patterns' plans (``schema.perf.run``, plans only) as the baseline;
3. start the workload; measure it alone, then with the lock sampler (the sampler's overhead,
   same run, same data);
4. apply each revision after ``from_revision`` up to ``to_revision``, one ``alembic upgrade`` each,
   on one connection the probe listens to; after each, re-check the plans;
5. downgrade them again, newest first (with ``allow-data-loss``: the database is scratch);
6. stop the workload and the sampler, attribute every wait and failure to a revision and
   statement, and judge each revision (``schema.rehearse.verdicts``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from rich.console import Console
from sqlalchemy.engine import URL

from schema import catalog, database, machine, migrations
from schema.perf import run as perf_run
from schema.perf.patterns import PATTERNS
from schema.rehearse import notes as notes_module
from schema.rehearse import squawk as squawk_module
from schema.rehearse import verdicts
from schema.rehearse.probe import Hold, Probe, Statement
from schema.rehearse.sampler import DEFAULT_PERIOD_S, Sampler, Samples
from schema.rehearse.squawk import SquawkFinding
from schema.rehearse.workload import Op, Plan, Throughput, Workload, WorkloadOptions, prepare, throughput
from schema.seed import scales, volume

WARM_UP_S = 0.3
TAIL_S = 0.3  # after the last revision: the workload's queued queries finish and are counted
SAMPLE_MERGE_GAP = 3  # sampler observations this many periods apart are one hold


class RehearsalError(RuntimeError):
    """The rehearsal itself cannot run (unknown revision, empty chain, no workload); says why."""


@dataclass(frozen=True)
class Options:
    from_revision: str | None = None  # None: the revision before ``to_revision``
    to_revision: str = "head"
    scale: str = "small"
    workload: WorkloadOptions = field(default_factory=WorkloadOptions)
    thresholds: verdicts.Thresholds = field(default_factory=verdicts.Thresholds)
    sample_period_s: float = DEFAULT_PERIOD_S
    overhead_window_s: float = 2.0  # workload alone, then with the sampler, each this long
    squawk: bool = True
    plans: bool = True
    downgrade: bool = True
    script_location: Path | None = None  # an alembic directory (env.py + versions/); default the project's
    seed: int = 42
    as_of: dt.date | None = None  # seed history ends here; default today (UTC)
    notes_file: Path | None = None  # operator notes (schema.rehearse.notes); default the committed file


@dataclass
class BlockedQuery:
    pid: int
    query: str
    table: str | None
    mode: str
    first_s: float
    last_s: float
    waited_s: float  # at the last sample that saw it waiting
    statement: int | None
    direct: bool

    @property
    def began_s(self) -> float:
        return self.last_s - self.waited_s


@dataclass
class Failure:
    op: str
    kind: str
    message: str
    at_s: float
    statement: int | None


@dataclass
class Step:
    """One revision applied in one direction, and everything measured while it ran."""

    revision: str
    direction: str
    target: str
    started_s: float
    ended_s: float
    error: str | None = None
    statements: list[Statement] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    blocked: list[BlockedQuery] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    plan_regressions: list[str] = field(default_factory=list)
    plan_problems: dict[str, list[str]] = field(default_factory=dict)
    sizes: dict[str, verdicts.TableSize] = field(default_factory=dict)
    squawk: list[SquawkFinding] = field(default_factory=list)
    verdict: verdicts.Verdict | None = None
    ops: int = 0


@dataclass
class Overhead:
    alone: Throughput
    sampled: Throughput
    samples: int
    sampler_busy_s: float

    @property
    def ratio(self) -> float:
        """Throughput with the sampler over throughput without (1.0: no overhead)."""
        return self.sampled.ops_per_s / self.alone.ops_per_s if self.alone.ops_per_s else 0.0

    @property
    def latency_ratio(self) -> float:
        return self.sampled.median_latency_ms / self.alone.median_latency_ms if self.alone.median_latency_ms else 0.0


@dataclass
class Rehearsal:
    from_revision: str
    to_revision: str
    revisions: list[str]
    scale: str
    options: Options
    rows: dict[str, int] = field(default_factory=dict)
    seed_seconds: float = 0.0
    steps: list[Step] = field(default_factory=list)
    overhead: Overhead | None = None
    workload_plan: Plan | None = None
    baseline_failures: list[Failure] = field(default_factory=list)
    ops_total: int = 0
    probe_seconds: float = 0.0  # the probe's own queries, inside the migration's transactions
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(s.verdict is not None and s.verdict.passed for s in self.steps)

    def step(self, revision: str, direction: str = "upgrade") -> Step:
        for s in self.steps:
            if s.revision == revision and s.direction == direction:
                return s
        raise KeyError(f"no {direction} of revision {revision} in this rehearsal")


# --- alembic ------------------------------------------------------------------------------------


def alembic_config(options: Options, x_args: dict[str, str] | None = None) -> Config:
    """The project's alembic config, pointed at ``options.script_location`` when given."""
    cfg = migrations.alembic_config(x_args=x_args)
    if options.script_location is not None:
        cfg.set_main_option("script_location", str(options.script_location))
    return cfg


def chain(options: Options) -> tuple[str, str, list[tuple[str, str | None]]]:
    """(from, to, [(revision, its down revision)] oldest first) of the rehearsal."""
    scripts = ScriptDirectory.from_config(alembic_config(options))
    try:
        to = scripts.get_revision(options.to_revision)
    except Exception as exc:  # noqa: BLE001 - alembic raises several types for an unknown id
        raise RehearsalError(f"unknown --to revision {options.to_revision!r}: {exc}") from None
    if to is None:
        raise RehearsalError(f"--to {options.to_revision!r} names no revision")
    start = options.from_revision if options.from_revision is not None else to.down_revision
    if not isinstance(start, str):
        raise RehearsalError(f"revision {to.revision} has no single down revision to start from: give --from")
    revs = [(s.revision, s.down_revision) for s in scripts.iterate_revisions(to.revision, start)]
    if not revs:
        raise RehearsalError(f"nothing to rehearse between {start} and {to.revision}")
    chain: list[tuple[str, str | None]] = []
    for rev, down in revs:
        if not isinstance(down, str | None):
            raise RehearsalError(f"revision {rev} merges {down}: rehearse a linear chain")
        chain.append((rev, down))
    return start, to.revision, list(reversed(chain))


def is_ancestor(options: Options, older: str, newer: str) -> bool:
    """Is ``older`` on the down path of ``newer`` in the rehearsal's script directory?"""
    if older == newer:
        return True
    scripts = ScriptDirectory.from_config(alembic_config(options))
    try:
        return any(s.revision == newer for s in scripts.iterate_revisions(newer, older))
    except RevisionError:  # not on newer's down path (or unknown here): not an ancestor
        return False


def copy_script_directory(into: Path) -> Path:
    """A copy of the project's alembic directory, for throw-away revisions (tests, experiments)."""
    target = into / "alembic"
    shutil.copytree(database.project_root() / "alembic", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


# --- measurement helpers --------------------------------------------------------------------------


def table_sizes(conn: sa.Connection) -> dict[str, verdicts.TableSize]:
    sizes = {name: verdicts.TableSize(s.bytes, s.rows) for name, s in catalog.table_sizes(conn).items()}
    conn.commit()
    return sizes


def tables(conn: sa.Connection) -> set[str]:
    names = set(catalog.read(conn).tables)
    conn.commit()
    return names


def check_plans(conn: sa.Connection, allow_usable: bool, only: set[str] | None = None) -> dict[str, list[str]]:
    """Pattern -> its problems (empty: plan as designed), for the patterns whose table exists
    (and is in ``only``, when given: the tables a revision changed)."""
    present = tables(conn)
    chosen = [p for p in PATTERNS if p.table in present and (only is None or p.table in only)]
    if not chosen:
        return {}
    results = perf_run.run(conn, chosen, plans_only=True, allow_usable=allow_usable)
    conn.commit()
    return {r.pattern: list(r.problems) for r in results}


def merge_sampled(step: Step, samples: Samples) -> None:
    """Add the locks only the sampler saw (taken and released inside one statement)."""
    seen: dict[tuple[str, str], list[float]] = {}
    relkinds: dict[str, tuple[str, str]] = {}
    for s in samples.locks:
        if s.granted and step.started_s <= s.at_s <= step.ended_s:
            seen.setdefault((s.relation, s.mode), []).append(s.at_s)
            relkinds[s.relation] = (s.relkind, s.table)
    gap = SAMPLE_MERGE_GAP * samples.period_s
    for (relation, mode), times in seen.items():
        runs: list[list[float]] = [[times[0], times[0]]]
        for t in times[1:]:
            if t - runs[-1][1] <= gap:
                runs[-1][1] = t
            else:
                runs.append([t, t])
        for first, last in runs:
            covered = any(
                h.relation == relation and h.mode == mode and h.acquired_s <= last and (h.released_s or h.acquired_s) + gap >= first
                for h in step.holds
            )
            if covered:
                continue
            stmt = statement_at(step.statements, first)
            relkind, table = relkinds[relation]
            hold = Hold(relation, relkind, table, mode, stmt.index if stmt else -1, first, last + samples.period_s, seen_by="sampler")
            step.holds.append(hold)


def statement_at(statements: list[Statement], at_s: float) -> Statement | None:
    """The revision statement running at ``at_s``, else the last one started before it."""
    own = [s for s in statements if not s.harness] or statements
    started = [s for s in own if s.started_s <= at_s]
    return started[-1] if started else (own[0] if own else None)


def attribute_waits(step: Step, samples: Samples) -> None:
    """Group the sampler's waiters into blocked queries and tie each to the statement whose lock it waited for."""
    groups: dict[tuple[int, str, float], BlockedQuery] = {}
    for w in samples.waits:
        if not step.started_s <= w.at_s <= step.ended_s + TAIL_S:
            continue
        key = (w.pid, w.query, w.query_started)
        holder = [
            h
            for h in step.holds
            if h.table == w.table and h.acquired_s <= w.at_s and (h.released_s is None or h.released_s >= w.at_s - samples.period_s)
        ]
        stmt = max(holder, key=lambda h: h.held_s).statement if holder else getattr(statement_at(step.statements, w.at_s), "index", None)
        if key in groups:
            g = groups[key]
            g.last_s, g.waited_s = w.at_s, max(g.waited_s, w.waited_s)
        else:
            groups[key] = BlockedQuery(w.pid, w.query, w.table, w.mode, w.at_s, w.at_s, w.waited_s, stmt, w.direct)
    step.blocked = sorted(groups.values(), key=lambda b: b.first_s)


def attribute_failures(step: Step, ops: list[Op]) -> None:
    window = [o for o in ops if step.started_s <= o.ended_s <= step.ended_s + TAIL_S]
    step.ops = len(window)
    for o in window:
        if o.failure:
            stmt = statement_at(step.statements, o.started_s)
            step.failures.append(Failure(o.name, o.failure, o.error or "", o.ended_s, stmt.index if stmt else None))


# --- the run --------------------------------------------------------------------------------------


class Rehearser:
    """Holds the scratch database's engine, the migrating connection and its probe for one run."""

    def __init__(self, url: URL, options: Options, console: Console) -> None:
        self.url = url
        self.options = options
        self.console = console
        self.engine = database.engine(url, pool_size=options.workload.clients + 4, max_overflow=4)
        self.t0 = time.monotonic()

    def clock(self) -> float:
        return time.monotonic() - self.t0

    def migrate(self, conn: sa.Connection, direction: str, target: str) -> None:
        x = {"allow-data-loss": "true"} if direction == "downgrade" else None
        cfg = alembic_config(self.options, x_args=x)
        cfg.attributes["connection"] = conn
        (command.upgrade if direction == "upgrade" else command.downgrade)(cfg, target)

    def seed(self, result: Rehearsal) -> None:
        """Seed at the project's head (what the generator is written for), then migrate to ``from``.

        The volume generator and the rate seed produce rows for the head schema only, so the
        data is generated there and the scratch database is then downgraded (data loss allowed:
        it is scratch) or upgraded to ``from_revision``: the rows an operator's database holds at
        ``from``, as far as the revisions' downgrades keep them.
        """
        scale = scales.get(self.options.scale)
        as_of = self.options.as_of or dt.datetime.now(dt.UTC).date()
        project_head = migrations.head_revision()
        started = time.perf_counter()
        with self.engine.connect() as conn:
            migrations_cfg = migrations.alembic_config()
            migrations_cfg.attributes["connection"] = conn
            command.upgrade(migrations_cfg, project_head)
            result.machine = machine.describe(conn)
            conn.commit()
            report = volume.generate(conn, scale, self.options.seed, as_of, console=self.console)
            conn.commit()
            if result.from_revision != project_head:
                behind = is_ancestor(self.options, result.from_revision, project_head)
                self.migrate(conn, "downgrade" if behind else "upgrade", result.from_revision)
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        result.seed_seconds = time.perf_counter() - started
        result.rows = report.counts()
        result.notes.extend(report.notes)
        if result.from_revision != project_head:
            result.notes.append(f"seeded at {project_head} (the generator's schema), then migrated to {result.from_revision}")

    def run(self, result: Rehearsal, revs: list[tuple[str, str | None]]) -> None:
        opts = self.options
        allow_usable = opts.scale != "full"
        checker = self.engine.connect()
        migrator = self.engine.connect()
        try:
            plan = prepare(checker)
            result.workload_plan = plan
            probe = Probe(migrator, self.clock)
            work = Workload(self.engine, plan, opts.workload, self.clock)
            sampler = Sampler(self.engine, probe.pid, self.clock, opts.sample_period_s)
            work.start()
            try:
                time.sleep(WARM_UP_S)  # connections made, caches warm: not counted
                alone = [(self.clock(), self.clock() + opts.overhead_window_s / 2)]
                time.sleep(opts.overhead_window_s / 2)
                sampler.start()
                sampled = [(self.clock(), self.clock() + opts.overhead_window_s / 2)]
                time.sleep(opts.overhead_window_s / 2)
                sampler.paused.set()  # alternate, so a drift of the machine's load hits both alike
                alone.append((self.clock(), self.clock() + opts.overhead_window_s / 2))
                time.sleep(opts.overhead_window_s / 2)
                sampler.paused.clear()
                sampled.append((self.clock(), self.clock() + opts.overhead_window_s / 2))
                time.sleep(opts.overhead_window_s / 2)
                sampled_to = self.clock()
                # The baseline after the workload has written for a while: later checks see the same kind of data.
                plans_ok = {p for p, problems in check_plans(checker, allow_usable).items() if not problems} if opts.plans else set()
                probe.attach()
                try:
                    for rev, down in revs:
                        step = self.apply(probe, checker, "upgrade", rev, down, rev, allow_usable, plans_ok)
                        result.steps.append(step)
                        if step.error:
                            break
                    if opts.downgrade and not any(s.error for s in result.steps):
                        for rev, down in reversed(revs):
                            step = self.apply(probe, checker, "downgrade", rev, down, down or "base", allow_usable, None)
                            result.steps.append(step)
                            if step.error:
                                break
                finally:
                    probe.detach()
                time.sleep(TAIL_S)
            finally:
                ops = work.stop()
                samples = sampler.stop() if sampler.ident is not None else sampler.samples
        finally:
            checker.close()
            migrator.close()
        result.ops_total = len(ops)
        result.probe_seconds = probe.busy_s
        result.overhead = Overhead(throughput(ops, alone), throughput(ops, sampled), samples.count, samples.busy_s)
        first = result.steps[0].started_s if result.steps else sampled_to
        result.baseline_failures = [
            Failure(o.name, o.failure or "", o.error or "", o.ended_s, None) for o in ops if o.failure and o.ended_s < first
        ]
        footprint = plan.footprint.modes
        operator_notes = notes_module.load(opts.notes_file)
        for step in result.steps:
            step.statements = [s for s in probe.statements if step.started_s <= s.started_s <= step.ended_s]
            own = {s.index for s in step.statements}
            step.holds = [h for h in probe.holds if h.statement in own]
            merge_sampled(step, samples)
            attribute_waits(step, samples)
            attribute_failures(step, ops)
            sizes = verdicts.Sizes(step.sizes, opts.thresholds.production_bytes)
            step.verdict = verdicts.judge(
                step.revision,
                step.direction,
                step.statements,
                step.holds,
                sizes,
                footprint,
                set(step.sizes),
                [(f.statement, f.kind, f"{f.op}: {f.message}") for f in step.failures],
                step.plan_regressions,
                opts.thresholds,
            )
            if step.error:
                step.verdict.reasons.append(verdicts.Reason("migration failed", None, None, step.error))
        result.notes.extend(notes_module.apply_all([s.verdict for s in result.steps if s.verdict], operator_notes))
        last_op = max((o.ended_s for o in ops), default=0.0)
        bare = [f"{s.direction} {s.revision}" for s in result.steps if s.started_s > last_op]
        if bare:  # bounded by --workload's count or seconds: say which steps ran without traffic
            result.notes.append(
                f"the workload had stopped (max_ops or max_seconds reached) before: {', '.join(bare)}; "
                "their verdicts saw no traffic: rehearse again with a longer workload"
            )
        if result.baseline_failures:
            result.notes.append(
                f"{len(result.baseline_failures)} workload queries failed before any revision ran: "
                f"{result.baseline_failures[0].op}: {result.baseline_failures[0].message}"
            )

    def apply(
        self,
        probe: Probe,
        checker: sa.Connection,
        direction: str,
        rev: str,
        down: str | None,
        target: str,
        allow_usable: bool,
        plans_ok: set[str] | None,
    ) -> Step:
        sizes = table_sizes(checker)
        probe.revision, probe.direction = rev, direction
        self.console.print(f"  {direction} {rev}", highlight=False)
        started = self.clock()
        first_statement = len(probe.statements)
        error = None
        try:
            self.migrate(probe.conn, direction, target)
        except Exception as exc:  # noqa: BLE001 - a failed revision is a verdict, reported with its message
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
            probe.failed(error)
            if probe.conn.in_transaction():
                probe.conn.rollback()
        probe.finish()
        step = Step(rev, direction, target, started, self.clock(), error=error, sizes=sizes)
        if plans_ok is not None and self.options.plans and error is None:
            # A revision changes the plans of the tables it altered; the others keep their last check.
            step.plan_problems = check_plans(checker, allow_usable, only=probe.touched_since(first_statement))
            step.plan_regressions = [
                f"{name}: {'; '.join(problems)}" for name, problems in sorted(step.plan_problems.items()) if problems and name in plans_ok
            ]
            plans_ok.difference_update(step.plan_problems)
            plans_ok.update(p for p, problems in step.plan_problems.items() if not problems)
        if self.options.squawk and direction == "upgrade":
            step.squawk = squawk_module.findings(alembic_config(self.options), rev, down)
        return step


def rehearse(options: Options, server: URL | None = None, console: Console | None = None) -> Rehearsal:
    """Rehearse the revisions of ``options`` in a scratch database on ``server`` (default: the resolved one)."""
    console = console or Console(stderr=True)
    start, to, revs = chain(options)
    result = Rehearsal(start, to, [r for r, _ in revs], options.scale, options)
    if server is None:
        server = database.resolve().url
    with migrations.temporary_database(server, "wb_rehearse") as url:
        rehearser = Rehearser(url, options, console)
        try:
            console.print(f"rehearsal {start} -> {to} at {options.scale} scale: seeding")
            rehearser.seed(result)
            rehearser.run(result, revs)
        finally:
            rehearser.engine.dispose()
    return result
