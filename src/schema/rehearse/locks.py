"""PostgreSQL's table lock modes, their order and conflicts, and what the workload needs of a table.

A migration's lock matters only through what it makes other sessions wait for: a SHARE lock on a
table nobody writes is harmless, the same lock on quotes queues every quote insert. So each
lock a statement holds is judged against the mode the workload takes on that table
(ROW EXCLUSIVE to write, ROW SHARE for a foreign-key check or FOR KEY SHARE, ACCESS SHARE to
read), with the conflict table of the PostgreSQL manual ("Table-Level Locks").
"""

from __future__ import annotations

# Weakest to strongest, as pg_locks.mode spells them.
MODES: tuple[str, ...] = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
RANK = {mode: i for i, mode in enumerate(MODES)}

CONFLICTS: dict[str, frozenset[str]] = {
    "AccessShareLock": frozenset({"AccessExclusiveLock"}),
    "RowShareLock": frozenset({"ExclusiveLock", "AccessExclusiveLock"}),
    "RowExclusiveLock": frozenset({"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}),
    "ShareUpdateExclusiveLock": frozenset(
        {"ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}
    ),
    "ShareLock": frozenset(
        {"RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}
    ),
    "ShareRowExclusiveLock": frozenset(
        {"RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}
    ),
    "ExclusiveLock": frozenset(MODES[1:]),
    "AccessExclusiveLock": frozenset(MODES),
}

# What the workload takes, by purpose.
WRITE = "RowExclusiveLock"
KEY_SHARE = "RowShareLock"  # FOR KEY SHARE: a foreign-key check, or the FK patterns
READ = "AccessShareLock"


def sql_name(mode: str) -> str:
    """'ShareRowExclusiveLock' -> 'SHARE ROW EXCLUSIVE', as an operator reads it in the manual."""
    words, current = [], ""
    for ch in mode.removesuffix("Lock"):
        if ch.isupper() and current:
            words.append(current)
            current = ""
        current += ch
    words.append(current)
    return " ".join(w.upper() for w in words)


def strongest(modes: list[str]) -> str:
    return max(modes, key=RANK.__getitem__)


def blocks(held: str, wanted: str) -> bool:
    """Does a lock ``held`` by the migration make a session asking for ``wanted`` wait?"""
    return wanted in CONFLICTS[held]


def what_it_blocks(held: str, workload_mode: str | None) -> str | None:
    """'writes' / 'foreign-key checks' / 'reads' of the workload this lock blocks, None if nothing."""
    if workload_mode is None or not blocks(held, workload_mode):
        return None
    if held == "AccessExclusiveLock":
        return "reads and writes" if workload_mode == WRITE else "reads"
    return {WRITE: "writes", KEY_SHARE: "foreign-key checks", READ: "reads"}[workload_mode]
