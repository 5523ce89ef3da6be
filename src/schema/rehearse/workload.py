"""The live traffic of a rehearsal: the named query patterns plus quote and audit inserts.

Each client is a thread with its own autocommit connection, the way an application's pool
works. It loops, bounded by a count and a deadline: a quote insert through the quote-number
counter (``schema.perf.workload.QUOTE_INSERT``), an audit insert (what every API call writes), or
one of the query patterns of ``schema.perf.patterns`` with the parameters ``schema.perf.run.bind``
reads from the seeded rows. Sessions carry the timeouts an application sets, so a statement
queued behind a migration's lock fails as it would in production (lock_timeout,
statement_timeout), and every failure is kept with its SQLSTATE and time.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa

from schema import catalog
from schema.perf import workload as quote_workload
from schema.perf.patterns import PATTERNS, Pattern
from schema.perf.run import PerfError, bind
from schema.rehearse import locks, queries

# The application declares who acts before it writes the trail (SEC-020, revision 010): the CTE
# sets app.user_id for the statement's own transaction before the row reaches the trigger.
AUDIT_INSERT = (
    "WITH actor AS (SELECT set_config('app.user_id', CAST(:user_id AS text), true) AS user_id) "
    "INSERT INTO audit_logs (user_id, action, resource_type, resource_id, request_method, request_path, "
    "response_status, response_time_ms) SELECT CAST(actor.user_id AS uuid), 'quote.create', 'quotes', "
    "gen_random_uuid(), 'POST', '/api/v1/quotes', 201, 40 FROM actor"
)
QUOTE_INSERT = quote_workload.QUOTE_INSERT.replace("%(", ":").replace(")s", "")
# QUO-003: up to 011 the counter row is updated per quote; from 012 numbers come from sequences and the
# counter is read-only (still listed: a rehearsal may start below 012).
WRITTEN_BY_QUOTE_INSERT = ("quotes", "quote_number_counters")
WRITTEN_BY_AUDIT_INSERT = ("audit_logs",)
INSERT_MIX = ("quote_insert", "quote_insert", "audit_insert")  # two quotes per audit entry
FAILURE_CLASSES = {"55P03": "lock_timeout", "57014": "statement_timeout", "40P01": "deadlock"}


@dataclass(frozen=True)
class WorkloadOptions:
    clients: int = 4
    max_ops: int = 20_000  # per client: the run is bounded even if the migration never ends
    max_seconds: float = 600.0
    think_s: float = 0.005  # pause between a client's operations (offered load, not a stress test)
    write_share: float = 0.5  # share of operations that insert (quotes 2:1 audit)
    lock_timeout: str = "2s"  # what the application's sessions set; a longer wait is a failed request
    statement_timeout: str = "10s"
    seed: int = 11


@dataclass
class Op:
    name: str
    write: bool
    started_s: float
    ended_s: float
    error: str | None = None
    sqlstate: str | None = None

    @property
    def failure(self) -> str | None:
        """lock_timeout | statement_timeout | deadlock | error, None when it succeeded."""
        if self.sqlstate is None and self.error is None:
            return None
        return FAILURE_CLASSES.get(self.sqlstate or "", "error")

    @property
    def latency_s(self) -> float:
        return self.ended_s - self.started_s


@dataclass
class Footprint:
    """The lock mode the workload takes on each table (the strongest of its operations)."""

    modes: dict[str, str] = field(default_factory=dict)

    def add(self, table: str, mode: str) -> None:
        old = self.modes.get(table)
        self.modes[table] = mode if old is None else locks.strongest([old, mode])

    @property
    def written(self) -> list[str]:
        return sorted(t for t, m in self.modes.items() if m == locks.WRITE)


@dataclass
class Plan:
    """What the clients run: bound patterns, the parents for inserts, and the lock footprint."""

    patterns: list[tuple[Pattern, dict[str, Any]]]
    skipped: dict[str, str]
    customers: list[tuple[Any, ...]]
    users: list[Any]
    footprint: Footprint
    inserts: list[str]


def prepare(conn: sa.Connection) -> Plan:
    """Bind every pattern whose table exists here; read the parents the inserts need."""
    tables = set(catalog.read(conn).tables)
    conn.commit()
    bound: list[tuple[Pattern, dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    footprint = Footprint()
    for pattern in PATTERNS:
        if pattern.table not in tables:
            skipped[pattern.name] = f"table {pattern.table} does not exist at this revision"
            continue
        try:
            params = bind(conn, pattern)
        except PerfError as exc:
            skipped[pattern.name] = str(exc)
            continue
        finally:
            conn.commit()
        bound.append((pattern, params))
        footprint.add(pattern.table, locks.KEY_SHARE if pattern.kind == "fk_check" else locks.READ)
    customers = [tuple(r) for r in conn.exec_driver_sql(quote_workload.PARENTS).all()]
    users = [r[0] for r in conn.exec_driver_sql(quote_workload.USERS).all()]
    conn.commit()
    inserts = []
    if customers and users and "quotes" in tables:
        inserts.append("quote_insert")
        for t in WRITTEN_BY_QUOTE_INSERT:
            footprint.add(t, locks.WRITE)
    if users and "audit_logs" in tables:
        inserts.append("audit_insert")
        for t in WRITTEN_BY_AUDIT_INSERT:
            footprint.add(t, locks.WRITE)
    written = [t for t in footprint.written if t in tables]
    for (parent,) in conn.exec_driver_sql(queries.TABLE_WRITTEN_FKS, {"tables": written}).all():
        footprint.add(parent, locks.KEY_SHARE)  # the FK check of each insert: FOR KEY SHARE on the parent
    conn.commit()
    if not bound and not inserts:
        raise PerfError("the rehearsal workload has nothing to run: seed volume data first")
    return Plan(bound, skipped, customers, users, footprint, inserts)


class Workload:
    """``clients`` threads replaying the plan until stopped, the count or the deadline."""

    def __init__(self, engine: sa.Engine, plan: Plan, options: WorkloadOptions, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.plan = plan
        self.options = options
        self.clock = clock
        self.ops: list[Op] = []
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._client, args=(i,), name=f"rehearse-client-{i}", daemon=True) for i in range(options.clients)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def stop(self) -> list[Op]:
        self.stopping.set()
        for t in self.threads:
            t.join()
        if self.errors:
            raise RuntimeError(f"a workload client could not run: {self.errors[0]}")
        return sorted(self.ops, key=lambda o: o.started_s)

    def _operation(self, rng: random.Random) -> tuple[str, bool, str, dict[str, Any]]:
        if self.plan.inserts and rng.random() < self.options.write_share:
            kind = rng.choice([k for k in INSERT_MIX if k in self.plan.inserts])
            user = rng.choice(self.plan.users)
            if kind == "audit_insert":
                return kind, True, AUDIT_INSERT, {"user_id": user}
            customer_id, state, zip_code = rng.choice(self.plan.customers)
            return (
                kind,
                True,
                QUOTE_INSERT,
                {
                    "customer_id": customer_id,
                    "state": state,
                    "zip_code": zip_code,
                    "product_type": rng.choice(("auto", "home", "renters")),
                    "user_id": user,
                },
            )
        pattern, params = rng.choice(self.plan.patterns)
        return pattern.name, False, pattern.sql, params

    def _client(self, number: int) -> None:
        rng = random.Random(self.options.seed * 1000 + number)
        deadline = time.monotonic() + self.options.max_seconds
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.DBAPIError as exc:
            self.errors.append(str(exc.orig))
            return
        # No server-side prepared statements, as behind PgBouncer in transaction mode (the platform's
        # pooling, scripts/bench_pgbouncer.py). psycopg would prepare a statement after its fifth run;
        # a prepared SELECT * then fails with "cached plan must not change result type" after any
        # ADD COLUMN, at whichever later revision the client happens to run it again, which would be
        # charged to that revision instead of the one that changed the row type.
        driver = conn.connection.driver_connection
        if not isinstance(driver, psycopg.Connection):
            # Recorded like a failed connection: stop() raises with it (no client dies unseen).
            self.errors.append(f"the rehearsal workload needs psycopg's connection, the driver gave {type(driver).__name__}")
            conn.close()
            return
        driver.prepare_threshold = None
        try:
            conn.exec_driver_sql("SET application_name = 'schema-rehearse-workload'")
            conn.exec_driver_sql(f"SET lock_timeout = '{self.options.lock_timeout}'")
            conn.exec_driver_sql(f"SET statement_timeout = '{self.options.statement_timeout}'")
            for _ in range(self.options.max_ops):
                if self.stopping.is_set() or time.monotonic() > deadline:
                    break
                name, write, sql, params = self._operation(rng)
                started = self.clock()
                try:
                    conn.execute(sa.text(sql), params).all() if not write else conn.execute(sa.text(sql), params)
                    self.ops.append(Op(name, write, started, self.clock()))
                except sa.exc.DBAPIError as exc:
                    orig = exc.orig
                    self.ops.append(
                        Op(
                            name,
                            write,
                            started,
                            self.clock(),
                            str(orig).strip().splitlines()[0] if orig else str(exc),
                            getattr(orig, "sqlstate", None),
                        )
                    )
                if self.options.think_s:
                    time.sleep(rng.uniform(0, 2 * self.options.think_s))
        finally:
            conn.close()


@dataclass
class Throughput:
    seconds: float
    ops: int
    failures: int
    median_latency_ms: float

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0


def throughput(ops: list[Op], windows: list[tuple[float, float]]) -> Throughput:
    """Operations that started in the windows [start, end): count, failures and median latency."""
    window = [o for o in ops if any(start <= o.started_s < end for start, end in windows)]
    latencies = sorted(o.latency_s * 1000 for o in window)
    median = latencies[len(latencies) // 2] if latencies else 0.0
    return Throughput(sum(end - start for start, end in windows), len(window), sum(1 for o in window if o.failure), median)
