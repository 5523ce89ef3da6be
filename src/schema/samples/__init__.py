"""Valid sample rows and violating variants for every table, one module per domain.

Each domain module defines ``SAMPLES`` (how to build a valid row of each of its tables) and
``CHECK_VIOLATIONS`` (for each CHECK / EXCLUDE constraint, the overrides that break it), and
optionally ``TRIGGER_VIOLATIONS`` (for each trigger that refuses by name, statements that break
it). NOT NULL, FOREIGN KEY, UNIQUE and PRIMARY KEY violations are derived from the samples and the
live catalog by tests/test_constraint_coverage.py, so adding a column or constraint needs no new
test code unless it is a CHECK or a refusing trigger.

The samples live in the package, not in tests/, because three readers share them: the coverage
test proves every constraint refuses its bad row, the notebooks (``schema.notebook``) show the same
refusals, and the domain tests build their rows with ``Ctx``. ``refused`` / ``refusal`` are the one
way all of them run a statement the database must refuse.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.sql import Executable

from schema.catalog import Constraint
from schema.models import metadata
from schema.rules import DOMAIN_MODULES

# SEC-025 / SEC-026 (revision 010): a password hash in a recognised format and a v1 envelope.
ARGON2ID_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def envelope(label: str) -> str:
    """Stand-in ciphertext in the declared envelope v1:<key id>:<base64> (32 bytes of a digest)."""
    return "v1:kms-test:" + base64.b64encode(hashlib.sha256(label.encode()).digest()).decode()


@dataclass
class Ctx:
    """Inserts valid rows (and their parents) inside the test's transaction."""

    conn: sa.Connection
    counter: int = 0

    def next_n(self) -> int:
        self.counter += 1
        return self.counter

    def row(self, table: str, n: int | None = None, **overrides: Any) -> dict[str, Any]:
        """A valid row of ``table`` (parents inserted as needed), with ``overrides`` applied."""
        values = SAMPLES[table](self, n if n is not None else self.next_n())
        values.update(overrides)
        if table in ACTING_IDENTITY:
            declare_actor(self.conn, table, values)
        return values

    def insert(self, table: str, n: int | None = None, **overrides: Any) -> sa.Row[Any]:
        """Insert a valid row and return it (all columns, as stored)."""
        values = self.row(table, n, **overrides)
        t = metadata.tables[table]
        return self.conn.execute(t.insert().values(**values).returning(*t.c)).one()


@dataclass(frozen=True)
class CheckViolation:
    """Overrides that break ``constraint`` on a valid row of ``table``.

    ``prepare`` may adjust the row with the context (e.g. point at a parent of another customer).
    """

    constraint: str
    table: str
    overrides: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None = None
    why: str = ""


@dataclass(frozen=True)
class TriggerViolation:
    """A row that a refusing trigger refuses: ``rule_id`` (and, unless ``names_trigger`` is off,
    the trigger's name) in the message, SQLSTATE ``sqlstate`` (class 23 for a business refusal).

    ``settings`` are session settings applied just before the insert (e.g. switching the
    historical import path off); ``deferred`` fires a deferred constraint trigger at once.
    """

    trigger: str
    table: str
    rule_id: str
    overrides: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Ctx, dict[str, Any]], dict[str, Any]] | None = None
    settings: dict[str, str] = field(default_factory=dict)
    sqlstate: str = "23514"
    deferred: bool = False
    names_trigger: bool = True
    why: str = ""


@dataclass(frozen=True)
class TriggerAct:
    """Statements that break the rule a refusing trigger enforces, where one insert of a sample row
    cannot (an UPDATE, a cancellation, rows that must exist first).

    ``act`` builds what it needs with the context and runs the offending statement last; the test
    expects that statement to be refused with SQLSTATE class 23, ``trigger`` as the constraint name
    and ``rule_id`` in the message. A domain module lists them in ``TRIGGER_ACTS``.
    """

    trigger: str
    rule_id: str
    act: Callable[[Ctx], object]
    why: str = ""


# SEC-020 (revision 010): the actor column of each audit trail and the setting that must name it.
ACTING_IDENTITY: dict[str, tuple[str, str]] = {
    "audit_logs": ("user_id", "app.user_id"),
    "admin_activity_logs": ("admin_user_id", "app.admin_user_id"),
}


def declare_actor(conn: sa.Connection, table: str, values: dict[str, Any]) -> None:
    """State, as the application must (SET LOCAL), who writes ``values`` into ``table``: the row's
    actor, or 'anonymous' when it names none. Transaction-local, like SET LOCAL."""
    column, setting = ACTING_IDENTITY[table]
    actor = values.get(column)
    declared = "anonymous" if actor is None or isinstance(actor, sa.sql.elements.Null) else str(actor)
    conn.execute(sa.text("SELECT set_config(:setting, :actor, true)"), {"setting": setting, "actor": declared})


class NotRefused(AssertionError):
    """The database accepted what it must refuse (an AssertionError, so a test fails on it).

    ``rows`` holds what the accepted statement returned (its RETURNING rows, read before the
    savepoint was rolled back), for a caller that judges acceptance too (the property tests)."""

    def __init__(self, message: str, rows: Sequence[sa.Row[Any]] = ()) -> None:
        super().__init__(message)
        self.rows = list(rows)


@contextmanager
def as_role(conn: sa.Connection, role: str) -> Iterator[sa.Connection]:
    """Run the block as ``role``: SET LOCAL ROLE in a savepoint that is always rolled back, which
    undoes the role and whatever the block wrote (the test connection is a superuser, which
    neither grants nor row-level security restrict)."""
    savepoint = conn.begin_nested()
    conn.exec_driver_sql(f"SET LOCAL ROLE {conn.dialect.identifier_preparer.quote_identifier(role)}")
    try:
        yield conn
    finally:
        savepoint.rollback()


def refused(
    conn: sa.Connection,
    statement: str | Executable,
    params: dict[str, Any] | None = None,
    *,
    deferred: str | None = None,
    role: str | None = None,
) -> psycopg.Error:
    """Run ``statement`` (SQL text or a SQLAlchemy statement) in a savepoint that is always rolled
    back, and return the driver's error: the database must refuse it.

    ``deferred`` names a deferred constraint trigger to fire at once (SET CONSTRAINTS ... IMMEDIATE)
    after the statement, inside the same savepoint. ``role`` runs it as that role (``as_role``).
    An error that is not the driver's (a bug in the caller) propagates as it is; an accepted
    statement raises ``NotRefused``.
    """
    if role is not None:
        with as_role(conn, role):
            return refused(conn, statement, params, deferred=deferred)
    executable = sa.text(statement) if isinstance(statement, str) else statement
    savepoint = conn.begin_nested()
    try:
        result = conn.execute(executable, params or {})
        rows = result.all() if result.returns_rows else []
        if deferred is not None:
            conn.execute(sa.text(f"SET CONSTRAINTS {deferred} IMMEDIATE"))
    except sa.exc.DBAPIError as exc:
        if not isinstance(exc.orig, psycopg.Error):
            raise
        return exc.orig
    finally:
        savepoint.rollback()
    raise NotRefused(f"accepted: {executable}", rows)


def refusal(
    conn: sa.Connection, table: str, values: dict[str, Any], *, deferred: str | None = None, role: str | None = None
) -> psycopg.Error:
    """Insert ``values`` into ``table`` as ``refused`` runs a statement: the error the database raised.

    The INSERT has no RETURNING (``inline``): a writer that may not read the table back (an
    append-only trail) is refused for the rule it breaks, not for reading."""
    try:
        return refused(conn, metadata.tables[table].insert().inline().values(**values), deferred=deferred, role=role)
    except NotRefused:
        raise NotRefused(f"{table} accepted the row") from None


def violating_row(ctx: Ctx, violation: CheckViolation | TriggerViolation) -> dict[str, Any]:
    """The row of a hand-written violation: a valid row of its table with its overrides, then its
    ``prepare`` step (which may insert what the row needs first)."""
    values = ctx.row(violation.table, **violation.overrides)
    return violation.prepare(ctx, values) if violation.prepare is not None else values


def orphan_columns(fk: Constraint, constraints: list[Constraint]) -> list[str]:
    """The columns of ``fk`` to point at no row so that ``fk`` alone breaks: those no other foreign
    key of its table covers (a composite FK sharing customer_id with a simple one keeps customer_id
    valid), else all of them."""
    others = {col for o in constraints if o.kind == "f" and o.table == fk.table and o.name != fk.name for col in o.columns}
    return [col for col in fk.columns if col not in others] or list(fk.columns)


def orphan_row(ctx: Ctx, fk: Constraint, constraints: list[Constraint]) -> dict[str, Any]:
    """A valid row of ``fk``'s table but for ``fk``: its ``orphan_columns`` point at random keys."""
    orphans: dict[str, Any] = {col: uuid.uuid4() for col in orphan_columns(fk, constraints)}
    return ctx.row(fk.table, **orphans)


def duplicate_row(ctx: Ctx, key: Constraint) -> dict[str, Any]:
    """A row repeating the ``key`` columns (UNIQUE or PRIMARY KEY) of a row inserted just before."""
    first = ctx.insert(key.table)
    return ctx.row(key.table, **{col: getattr(first, col) for col in key.columns})


SAMPLES: dict[str, Callable[[Ctx, int], dict[str, Any]]] = {}
CHECK_VIOLATIONS: list[CheckViolation] = []
# Hand-written violations of foreign keys the derived orphan test cannot break with a random key.
FK_VIOLATIONS: dict[str, CheckViolation] = {}
TRIGGER_VIOLATIONS: list[TriggerViolation] = []
# Tables whose refusing triggers must each have a TriggerViolation (the domains that declare them).
TRIGGER_COVERED_TABLES: set[str] = set()
TRIGGER_ACTS: list[TriggerAct] = []

for _name in DOMAIN_MODULES:
    _module = importlib.import_module(f"schema.samples.{_name}")
    SAMPLES.update(_module.SAMPLES)
    CHECK_VIOLATIONS.extend(_module.CHECK_VIOLATIONS)
    FK_VIOLATIONS.update({v.constraint: v for v in getattr(_module, "FK_VIOLATIONS", [])})
    # Every trigger that refuses by name (RAISE ... USING CONSTRAINT = TG_NAME) needs a case, a row
    # (TRIGGER_VIOLATIONS) or statements (TRIGGER_ACTS); a domain that declares TRIGGER_VIOLATIONS
    # also covers every other refusing trigger of its tables.
    TRIGGER_ACTS.extend(getattr(_module, "TRIGGER_ACTS", ()))
    if hasattr(_module, "TRIGGER_VIOLATIONS"):
        TRIGGER_VIOLATIONS.extend(_module.TRIGGER_VIOLATIONS)
        TRIGGER_COVERED_TABLES.update(_module.SAMPLES)
