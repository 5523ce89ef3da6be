"""Check each query pattern's plan on the seeded data, then time it with and without its index.

"With and without" is measured on the same data in the same run: the index is dropped inside a
transaction (``DROP INDEX``, or ``ALTER TABLE ... DROP CONSTRAINT`` for a constraint's index), the
pattern is timed, and the transaction is rolled back, so the database ends as it started. That
takes an ACCESS EXCLUSIVE lock on the table for the measurement: run it on a seeded scratch
database, never on a live one (``lock_timeout`` makes a busy table an error, not a wait).

Plan shape: the expected index must be *chosen* by the planner with default settings. At small
scale a sequential scan is often cheaper and rightly chosen; ``allow_usable`` then re-plans with
``SET LOCAL enable_seqscan = off`` only to prove the pattern *can* use the index, and the result
says "usable", not "chosen". Nothing else is relaxed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from schema import catalog
from schema.perf import explain
from schema.perf.patterns import PATTERNS, Pattern

SPEEDUP_TARGET = 10.0
LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "120s"


class PerfError(RuntimeError):
    """A pattern cannot be checked at all (no seeded row to bind, unknown table); says which."""


@dataclass
class PatternResult:
    pattern: str
    title: str
    table: str
    index: str | None
    choice: str = "missing"  # chosen | usable | missing | not needed
    pruned: bool | None = None  # None: the pattern is not time-bounded on a partitioned table
    partitions_read: int | None = None
    partitions_total: int | None = None
    plan: str = ""
    indexes_seen: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    ms_with: float | None = None
    ms_without: float | None = None
    speedup_note: str = ""
    why_no_index: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def uses_index(self) -> bool:
        return self.choice in {"chosen", "usable"}

    @property
    def speedup(self) -> float | None:
        if self.ms_with is None or self.ms_without is None or self.ms_with <= 0:
            return None
        return self.ms_without / self.ms_with

    @property
    def meets_target(self) -> bool | None:
        """True at >= 10x, or when the pattern documents why it cannot; None when not timed."""
        if self.speedup is None:
            return None
        return self.speedup >= SPEEDUP_TARGET or bool(self.speedup_note)

    @property
    def ok(self) -> bool:
        return not self.problems


def bind(conn: sa.Connection, pattern: Pattern) -> dict[str, Any]:
    """The pattern's parameters, read from the seeded rows; no row is an error naming the table."""
    if not pattern.params:
        return {}
    row = conn.execute(sa.text(pattern.params)).mappings().first()
    if row is None or any(value is None for value in row.values()):
        raise PerfError(
            f"pattern {pattern.name}: no seeded row of {pattern.table} to bind its parameters "
            f"({pattern.params}); seed volume data first (schema seed volume)"
        )
    return dict(row)


def analyze(conn: sa.Connection, tables: Iterable[str]) -> None:
    """Fresh statistics first: a plan on stale statistics proves nothing about the index."""
    for table in sorted(set(tables)):
        conn.exec_driver_sql(f'ANALYZE "{table}"')
    conn.commit()


def _timed(conn: sa.Connection, pattern: Pattern, params: Mapping[str, Any], repeats: int) -> float:
    """Median server milliseconds (planning + execution) of ``repeats`` runs after one warm-up.

    Server time, not the client's wall clock: the round trip through the driver (see
    ``round_trip_ms``) is the same with or without the index, and on a sub-millisecond lookup it
    would be most of what a wall clock measures.
    """
    explain.explain(conn, pattern.sql, params, timing=False)
    samples = []
    for _ in range(repeats):
        document = explain.explain(conn, pattern.sql, params, timing=False)
        samples.append(float(document["Planning Time"]) + float(document["Execution Time"]))
    return statistics.median(samples)


def round_trip_ms(conn: sa.Connection, repeats: int = 50) -> float:
    """Median client wall-clock milliseconds of ``SELECT 1``: what every pattern pays on top of
    its server time in an application, index or not."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        conn.exec_driver_sql("SELECT 1").scalar_one()
        samples.append((time.perf_counter() - started) * 1000)
    conn.commit()
    return statistics.median(samples)


def drop_statement(index: catalog.Index) -> str:
    """How to remove an index for a measurement: a constraint's index goes with its constraint."""
    if index.constraint_name:
        return f'ALTER TABLE "{index.table}" DROP CONSTRAINT "{index.constraint_name}" CASCADE'
    return f'DROP INDEX "{catalog.SCHEMA}"."{index.name}"'


class Runner:
    """One run over one database: its catalog, name roots and settings."""

    def __init__(self, conn: sa.Connection, *, allow_usable: bool, repeats: int = 5) -> None:
        self.conn = conn
        self.allow_usable = allow_usable
        self.repeats = repeats
        self.catalog = catalog.read(conn)
        self.roots = self.catalog.partition_roots
        conn.commit()
        self.indexes = {i.name: i for i in self.catalog.indexes}

    def _begin(self) -> sa.RootTransaction:
        trans = self.conn.begin()
        self.conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        self.conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        return trans

    def validate(self, pattern: Pattern, result: PatternResult) -> None:
        if pattern.table not in self.catalog.tables:
            raise PerfError(f"pattern {pattern.name}: table {pattern.table} is not in the database")
        if pattern.index is None:
            if not pattern.why_no_index:
                result.problems.append("names no index and gives no reason (why_no_index)")
            return
        index = self.indexes.get(pattern.index)
        if index is None:
            result.problems.append(f"expected index {pattern.index} does not exist")
        elif index.table != pattern.table:
            result.problems.append(f"index {pattern.index} is on {index.table}, not {pattern.table}")

    def check_plan(self, pattern: Pattern, params: Mapping[str, Any], result: PatternResult) -> None:
        trans = self._begin()
        try:
            facts = explain.facts(explain.explain(self.conn, pattern.sql, params), self.roots)
            if pattern.index is None:
                result.choice = "not needed"
            elif pattern.index in facts.indexes:
                result.choice = "chosen"
            elif self.allow_usable or pattern.small_table:
                self.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                if self.indexes[pattern.index].method == "brin":
                    # A BRIN index is only ever read by a bitmap scan; without this the forced plan
                    # takes any B-tree whose later column matches, which proves nothing about the BRIN.
                    self.conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
                    self.conn.exec_driver_sql("SET LOCAL enable_indexonlyscan = off")
                forced = explain.facts(explain.explain(self.conn, pattern.sql, params), self.roots)
                if pattern.index in forced.indexes:
                    result.choice, facts = "usable", forced
        finally:
            trans.rollback()
        result.plan = facts.shape()
        result.indexes_seen = sorted(facts.indexes)
        if pattern.index is not None and not result.uses_index:
            wanted = "chosen or usable" if self.allow_usable or pattern.small_table else "chosen"
            result.problems.append(
                f"plan does not use {pattern.index} ({wanted} required); plan: {result.plan}; "
                f"indexes used: {', '.join(result.indexes_seen) or 'none'}{self.brin_hint(pattern.index)}"
            )
        table = self.catalog.table(pattern.table)
        if pattern.prunes:
            result.partitions_total = len(table.partitions)
            result.partitions_read = facts.partitions_read(pattern.table)
            result.pruned = table.is_partitioned and result.partitions_read < result.partitions_total
            if not result.pruned:
                result.problems.append(
                    f"no partition pruning: read {result.partitions_read} of {result.partitions_total} partitions of {pattern.table}"
                )

    def brin_hint(self, name: str) -> str:
        """Why a BRIN index may be rightly ignored: rows not stored in the order of its column."""
        index = self.indexes[name]
        if index.method != "brin":
            return ""
        column = index.key_columns[0]
        value = catalog.column_correlation(self.conn, index.table, column)
        self.conn.commit()
        if value is None:
            return ""
        return (
            f"; {index.table}.{column} has physical-order correlation {value:.2f} (pg_stats): a BRIN index "
            "only helps when rows are stored in that order (append order in production)"
        )

    def time_pattern(self, pattern: Pattern, params: Mapping[str, Any], result: PatternResult) -> None:
        trans = self._begin()
        try:
            result.ms_with = _timed(self.conn, pattern, params, self.repeats)
        finally:
            trans.rollback()
        if pattern.index is None or pattern.index not in self.indexes:
            return
        trans = self._begin()
        try:
            self.conn.exec_driver_sql(drop_statement(self.indexes[pattern.index]))
            result.ms_without = _timed(self.conn, pattern, params, max(1, self.repeats // 2))
        finally:
            trans.rollback()

    def run_one(self, pattern: Pattern, *, plans_only: bool) -> PatternResult:
        result = PatternResult(
            pattern.name, pattern.title, pattern.table, pattern.index, speedup_note=pattern.speedup_note, why_no_index=pattern.why_no_index
        )
        self.validate(pattern, result)
        if result.problems:
            return result
        try:
            params = bind(self.conn, pattern)
        except PerfError as exc:  # reported with the pattern, so one gap does not hide the others
            result.problems.append(str(exc))
            return result
        finally:
            self.conn.commit()
        result.params = {k: str(v) for k, v in params.items()}
        self.check_plan(pattern, params, result)
        if not plans_only:
            self.time_pattern(pattern, params, result)
        return result


def run(
    conn: sa.Connection,
    patterns: Iterable[Pattern] = PATTERNS,
    *,
    plans_only: bool = False,
    allow_usable: bool = False,
    repeats: int = 5,
    progress: Any = None,
) -> list[PatternResult]:
    """Check (and unless ``plans_only``, time) every pattern; ANALYZE their tables first."""
    chosen = list(patterns)
    runner = Runner(conn, allow_usable=allow_usable, repeats=repeats)
    analyze(conn, [p.table for p in chosen if p.table in runner.catalog.tables])
    results = []
    for pattern in chosen:
        if progress is not None:
            progress(pattern)
        results.append(runner.run_one(pattern, plans_only=plans_only))
    return results
