"""The migrating connection's own view of each statement: boundaries, locks, rewrites, rows.

SQLAlchemy's ``before_cursor_execute`` / ``after_cursor_execute`` events on the connection alembic
migrates with give every statement's start and end. Around each one the probe asks the same
session (through the raw DBAPI connection, which fires no events and runs inside the
migration's transaction) three exact questions: which relation locks it holds (pg_locks of its
own pid), the relfilenode of every table and index (a change is a rewrite or an index rebuild),
and the rows its transaction has read and written per table (the pg_stat_get_xact_* counters of
its tables and of their indexes: an index-only scan reads no heap row). A lock
new after statement k was taken by k; it is held until it disappears, at the latest when the
transaction ends (the ``commit`` / ``rollback`` events). The snapshot after one statement serves as
the next one's "before" when nothing ran in between. Locks that live and die inside one
statement (CREATE INDEX CONCURRENTLY runs outside a transaction) are seen only by the sampler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from schema import catalog
from schema.rehearse import queries

# Statements of alembic and env.py itself, not of a revision: version table, advisory lock, limits.
HARNESS = re.compile(
    r"alembic_version|pg_advisory|^\s*(SET|RESET|SHOW)\b|pg_catalog\.|^\s*select\s+(pg_catalog\.)?version\(\)|"
    r"^\s*select\s+current_schema\(\)|^\s*BEGIN\b",
    re.IGNORECASE,
)


@dataclass
class Hold:
    """One relation lock one statement took, and how long the session held it."""

    relation: str
    relkind: str
    table: str  # the designed table (root) it belongs to
    mode: str
    statement: int
    acquired_s: float
    released_s: float | None = None
    seen_by: str = "session"  # session (introspected) | sampler (seen from the second session)
    probe_s: float = 0.0  # time the probe's own queries ran while this was held: not the migration's

    @property
    def held_s(self) -> float:
        """How long the migration held it, the probe's own queries in between taken out."""
        return max(0.0, (self.released_s if self.released_s is not None else self.acquired_s) - self.acquired_s - self.probe_s)

    @property
    def is_table(self) -> bool:
        return self.relkind in ("r", "p", "m")


@dataclass
class Rewrite:
    relation: str
    relkind: str
    table: str

    @property
    def what(self) -> str:
        return "rebuilt index" if self.relkind in ("i", "I") else "rewrote table"


@dataclass
class Statement:
    index: int
    revision: str
    direction: str  # upgrade | downgrade
    sql: str
    started_s: float
    ended_s: float | None = None
    rowcount: int | None = None
    error: str | None = None
    harness: bool = False
    in_transaction: bool = True
    rewrites: list[Rewrite] = field(default_factory=list)
    created: list[Rewrite] = field(default_factory=list)  # relations the statement created (what: their kind)
    rows_read: dict[str, int] = field(default_factory=dict)  # root table -> rows read by this statement
    rows_written: dict[str, int] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return (self.ended_s if self.ended_s is not None else self.started_s) - self.started_s

    @property
    def short_sql(self) -> str:
        text = " ".join(self.sql.split())
        return text if len(text) <= 160 else text[:157] + "..."


def _rows(dbapi: Any, sql: str, params: dict[str, object]) -> list[tuple[Any, ...]]:
    cur = dbapi.cursor()
    try:
        cur.execute(sql, params)
        return list(cur.fetchall())
    finally:
        cur.close()


class Probe:
    """Listens on one SQLAlchemy connection and records its statements, locks and rewrites."""

    def __init__(self, conn: sa.Connection, clock: Callable[[], float]) -> None:
        self.conn = conn
        self.clock = clock
        self.statements: list[Statement] = []
        self.holds: list[Hold] = []
        self.open: dict[tuple[str, str], Hold] = {}
        self.revision = ""
        self.direction = "upgrade"
        self._current: Statement | None = None
        self._nodes: dict[int, int] = {}
        self._tuples: dict[str, tuple[int, int]] = {}
        self._tx_ended_s: float | None = None
        # The snapshot taken after the last probed statement: the next one's "before" when nothing ran
        # in between (no harness statement, no transaction end), which halves the probe's time inside
        # the migration's transaction (the workload queues behind it as behind the migration).
        self._last: tuple[dict[tuple[str, str], tuple[str, str]], dict[int, int], dict[str, tuple[int, int]]] | None = None
        self.busy_s = 0.0  # time spent in the probe's own queries (inside the migration's transactions)
        self.pauses: list[tuple[float, float]] = []  # when they ran
        self.pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        conn.commit()

    # --- event wiring ----------------------------------------------------------------------------

    def attach(self) -> None:
        event.listen(self.conn, "before_cursor_execute", self._before)
        event.listen(self.conn, "after_cursor_execute", self._after)
        event.listen(self.conn, "commit", self._tx_end)
        event.listen(self.conn, "rollback", self._tx_end)

    def detach(self) -> None:
        for name, fn in (
            ("before_cursor_execute", self._before),
            ("after_cursor_execute", self._after),
            ("commit", self._tx_end),
            ("rollback", self._tx_end),
        ):
            event.remove(self.conn, name, fn)

    def _dbapi(self) -> Any:
        return self.conn.connection.dbapi_connection

    def _snapshot(self) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[int, int], dict[str, tuple[int, int]]]:
        """Own locks, relfilenodes and this transaction's row counts, in one round trip."""
        started = self.clock()
        ((locks_, nodes, tuples),) = _rows(self._dbapi(), queries.SNAPSHOT, {"schema": catalog.SCHEMA})
        self._paused(started)
        return (
            {(r[0], r[1]): (r[2], r[3]) for r in locks_},
            {int(r[0]): int(r[1]) for r in nodes},
            {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in tuples},
        )

    def _paused(self, started: float) -> None:
        ended = self.clock()
        self.pauses.append((started, ended))
        self.busy_s += ended - started

    def probe_time(self, start: float, end: float) -> float:
        """Seconds of probe queries within [start, end]."""
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b in self.pauses)

    def _close_missing(self, present: dict[tuple[str, str], tuple[str, str]], at: float) -> None:
        for key in [k for k in self.open if k not in present]:
            self._release(self.open.pop(key), at)

    def _release(self, hold: Hold, at: float) -> None:
        hold.released_s = at
        hold.probe_s = self.probe_time(hold.acquired_s, at)

    def _before(self, conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if self._current is not None:  # the previous statement raised and the caller went on
            self.failed("failed")
        harness = bool(HARNESS.search(statement))
        if not harness:  # alembic's own statements are timed, not probed: the probe would lengthen the locks
            fresh = self._last if self._last is not None and self._tx_ended_s is None else None
            locks_, self._nodes, self._tuples = fresh if fresh is not None else self._snapshot()
            self._close_missing(locks_, self._tx_ended_s if self._tx_ended_s is not None else self.clock())
            self._tx_ended_s = None
        self._last = None  # whatever runs now changes what the session holds and has touched
        stmt = Statement(
            len(self.statements),
            self.revision,
            self.direction,
            statement,
            self.clock(),
            harness=harness,
            in_transaction=not self._dbapi().autocommit,
        )
        self.statements.append(stmt)
        self._current = stmt

    def _after(self, conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        stmt = self._current
        if stmt is None:
            return
        stmt.ended_s = self.clock()
        stmt.rowcount = cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else None
        self._current = None
        if stmt.harness:
            return
        present, after, tuples = self._snapshot()
        self._last = (present, after, tuples)
        for key, (relkind, root) in present.items():
            if key not in self.open:
                hold = Hold(key[0], relkind, root, key[1], stmt.index, stmt.started_s)
                self.open[key] = hold
                self.holds.append(hold)
        # Autocommit (outside a transaction): whatever the statement took is already released.
        self._close_missing(present, stmt.ended_s)
        created = [oid for oid in after if oid not in self._nodes]
        changed = [oid for oid, node in after.items() if oid in self._nodes and self._nodes[oid] != node]
        if created or changed:
            started = self.clock()
            names = {int(r[0]): (r[1], r[2], r[3]) for r in _rows(self._dbapi(), queries.DESCRIBE, {"oids": created + changed})}
            self._paused(started)
            stmt.created = [Rewrite(*names[oid]) for oid in created if oid in names]
            stmt.rewrites = [Rewrite(*names[oid]) for oid in changed if oid in names]
        for table, (read, written) in tuples.items():
            read0, written0 = self._tuples.get(table, (0, 0))
            if read - read0 > 0:
                stmt.rows_read[table] = read - read0
            if written - written0 > 0:
                stmt.rows_written[table] = written - written0

    def failed(self, message: str) -> None:
        """The statement in flight raised (no after event comes): close it with the error."""
        stmt = self._current
        self._last = None
        if stmt is not None:
            stmt.ended_s = self.clock()
            stmt.error = message
            self._current = None

    def _tx_end(self, conn: sa.Connection) -> None:
        self._tx_ended_s = self.clock()
        self._last = None

    def touched_since(self, first_statement: int) -> set[str]:
        """Tables whose definition statements from ``first_statement`` on may have changed: locked
        for DDL (stronger than the DML modes), rewritten, or given a new relation (an index)."""
        dml = {"AccessShareLock", "RowShareLock", "RowExclusiveLock"}
        out = {h.table for h in self.holds if h.statement >= first_statement and h.mode not in dml}
        for stmt in self.statements[first_statement:]:
            out |= {r.table for r in stmt.rewrites + stmt.created}
        return out

    def finish(self) -> None:
        """After a revision's command returned: the session holds nothing any more."""
        at = self._tx_ended_s if self._tx_ended_s is not None else self.clock()
        for hold in self.open.values():
            self._release(hold, at)
        self.open.clear()
        self._tx_ended_s = None
