"""Verdicts: what a revision's measured statements would do to production, and whether to ship it.

A revision fails, naming the statement and the table, when one of its statements
- rewrote a table that existed before the revision (relfilenode changed): the whole table is
  copied under ACCESS EXCLUSIVE, reads and writes queue for as long as the copy takes;
- held a lock that blocks the workload on a table it uses (SHARE or stronger blocks writes,
  ACCESS EXCLUSIVE blocks reads too) longer than ``lock_threshold_s`` here, or while it read or
  wrote that table's rows, since such a hold grows with the table: projected to production size
  it is over the threshold (a catalog-only change holds the lock for a constant few ms, at any size);
- made workload queries fail (lock_timeout, statement_timeout, deadlock, or a refusal);
or after the revision a query pattern lost the index or partition pruning it had before.

Production size is the scaling page's (``schema.perf.scaling``): its 100 TB split in the
proportions of bytes measured here among the tables that grow, so such a table's production rows
are its rows here times 100 TB / their bytes here; the page's reference tables (staff, rates,
settings: a copy on every node) stay the size measured here. A statement whose time grows with a
table is projected linearly in its rows (index builds are n log n: the projection is a lower
bound); of a lock held across several statements, only the time of those that read or wrote the
table's rows grows, the catalog-only rest is the same at any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schema.perf import scaling
from schema.rehearse import locks
from schema.rehearse.probe import Hold, Statement

REWROTE_TABLE = "rewrote table"
BLOCKING_LOCK = "blocking lock"
WORKLOAD_FAILED = "workload queries failed"
PLAN_REGRESSION = "query pattern lost its plan"


@dataclass(frozen=True)
class Thresholds:
    lock_threshold_s: float = 1.0  # a write-blocking lock held longer than this fails (production practice: ~1 s)
    production_bytes: int = scaling.TARGET_BYTES
    allow_workload_failures: int = 0


@dataclass(frozen=True)
class TableSize:
    bytes: int
    rows: int


@dataclass
class Sizes:
    """Tables measured before a revision, and the production projection of the scaling page."""

    tables: dict[str, TableSize]
    production_bytes: int

    @property
    def factor(self) -> float:
        """Production bytes over the bytes here of the tables that grow (reference tables do not)."""
        total = sum(s.bytes for t, s in self.tables.items() if t not in scaling.REFERENCE)
        return self.production_bytes / total if total else 1.0

    def table_factor(self, table: str) -> float:
        """How much larger ``table`` is in production: the scaling page keeps reference tables small
        (a copy on every node: staff, rates, settings), so they are projected at the size measured here."""
        return 1.0 if table in scaling.REFERENCE else self.factor

    def production_rows(self, table: str) -> int:
        size = self.tables.get(table)
        return int(size.rows * self.table_factor(table)) if size else 0

    def production_table_bytes(self, table: str) -> int:
        size = self.tables.get(table)
        return int(size.bytes * self.table_factor(table)) if size else 0


@dataclass
class Reason:
    kind: str
    statement: int | None
    table: str | None
    message: str


@dataclass
class Accepted:
    """A finding an operator note explains (``schema.rehearse.notes``): reported, not failed."""

    reason: Reason
    why: str
    production: str


@dataclass
class Verdict:
    revision: str
    direction: str
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    def kinds(self) -> set[str]:
        return {r.kind for r in self.reasons}


def duration(seconds: float) -> str:
    """Human scale: 12 ms, 2.1 s, 4 min, 3.2 h, 5.1 days."""
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    if seconds < 120:
        return f"{seconds:,.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 86400:,.1f} days"


def size(n: int) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} B"


def count(n: int) -> str:
    if n >= 10**9:
        return f"{n / 10**9:,.1f} billion"
    if n >= 10**6:
        return f"{n / 10**6:,.1f} million"
    return f"{n:,}"


def under(hold: Hold, statements: list[Statement]) -> list[Statement]:
    """The statements that ran while the lock was held: its own, and later ones that started before
    the release (a release observed at the next statement's start, after a COMMIT, is not "still held")."""
    end = hold.released_s if hold.released_s is not None else hold.acquired_s
    return [s for s in statements if s.index == hold.statement or (s.index > hold.statement and s.started_s < end)]


def visits(s: Statement, table: str) -> int:
    return s.rows_read.get(table, 0) + s.rows_written.get(table, 0)


def rows_under(hold: Hold, statements: list[Statement]) -> int:
    """Rows of the hold's table read or written while the lock was held (its statement and later ones)."""
    return sum(visits(s, hold.table) for s in under(hold, statements))


def scanning_s(hold: Hold, statements: list[Statement]) -> float:
    """The part of the hold spent in statements that read or wrote the table's rows: the part that
    grows with the table (the rest, catalog changes under the same lock, takes as long at any size)."""
    return min(hold.held_s, sum(s.duration_s for s in under(hold, statements) if visits(s, hold.table)))


def projected_s(seconds: float, rows_touched: int, sizes: Sizes, table: str | None = None, growing_s: float | None = None) -> float:
    """A hold that touched rows grows with the table (only its row-visiting part ``growing_s``, when
    known); one that touched none does not."""
    if not rows_touched:
        return seconds
    factor = sizes.table_factor(table) if table is not None else sizes.factor
    growing = seconds if growing_s is None else growing_s
    return seconds - growing + growing * factor


def judge(
    revision: str,
    direction: str,
    statements: list[Statement],
    holds: list[Hold],
    sizes: Sizes,
    footprint: dict[str, str],
    existing: set[str],
    failures: list[tuple[int | None, str, str]],
    plan_regressions: list[str],
    thresholds: Thresholds,
) -> Verdict:
    """The verdict of one revision in one direction from its measurements."""
    verdict = Verdict(revision, direction)
    by_index = {s.index: s for s in statements}
    for s in statements:
        for rw in s.rewrites:
            if rw.relkind in ("i", "I") or rw.table not in existing:
                continue
            here = sizes.tables.get(rw.table, TableSize(0, 0))
            prod = projected_s(s.duration_s, 1, sizes, rw.table)
            verdict.reasons.append(
                Reason(
                    REWROTE_TABLE,
                    s.index,
                    rw.table,
                    f"rewrites {rw.table}: {duration(s.duration_s)} at {count(here.rows)} rows ({size(here.bytes)}) here, "
                    f"about {duration(prod)} at {count(sizes.production_rows(rw.table))} rows "
                    f"({size(sizes.production_table_bytes(rw.table))}) in production under ACCESS EXCLUSIVE",
                )
            )
    worst: dict[tuple[int, str], Hold] = {}
    for h in holds:
        if not h.is_table or h.table not in existing:
            continue
        if locks.what_it_blocks(h.mode, footprint.get(h.table)) is None:
            continue
        key = (h.statement, h.table)
        if key not in worst or h.held_s > worst[key].held_s or locks.RANK[h.mode] > locks.RANK[worst[key].mode]:
            worst[key] = h
    for (index, table), h in sorted(worst.items()):
        blocked = locks.what_it_blocks(h.mode, footprint[table])
        touched = rows_under(h, statements)
        prod = projected_s(h.held_s, touched, sizes, table, scanning_s(h, statements))
        if h.held_s <= thresholds.lock_threshold_s and prod <= thresholds.lock_threshold_s:
            continue
        here = sizes.tables.get(table, TableSize(0, 0))
        reference = " (a reference table: as small in production)" if table in scaling.REFERENCE else ""
        why = (
            f"while reading or writing its rows ({count(touched)} row visits): about {duration(prod)} at "
            f"{count(sizes.production_rows(table))} rows ({size(sizes.production_table_bytes(table))}) in "
            f"production{reference}"
            if touched
            else "(catalog only: the same at any size)"
        )
        stmt = by_index.get(index)
        verdict.reasons.append(
            Reason(
                BLOCKING_LOCK,
                index,
                table,
                f"holds {locks.sql_name(h.mode)} on {table} (blocks the workload's {blocked}) for {duration(h.held_s)} "
                f"at {count(here.rows)} rows here {why}; threshold {duration(thresholds.lock_threshold_s)}"
                + (f"; statement: {stmt.short_sql}" if stmt else ""),
            )
        )
    if len(failures) > thresholds.allow_workload_failures:
        kinds: dict[str, int] = {}
        for _, kind, _ in failures:
            kinds[kind] = kinds.get(kind, 0) + 1
        first = failures[0]
        verdict.reasons.append(
            Reason(
                WORKLOAD_FAILED,
                first[0],
                None,
                f"{len(failures)} workload queries failed during the revision ("
                + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
                + f"); first: {first[2]}",
            )
        )
    for name in plan_regressions:
        verdict.reasons.append(Reason(PLAN_REGRESSION, None, None, name))
    return verdict
