"""Valid sample rows and violating variants for every table, one module per domain.

Each domain module defines ``SAMPLES`` (how to build a valid row of each of its tables) and
``CHECK_VIOLATIONS`` (for each CHECK / EXCLUDE constraint, the overrides that break it), and
optionally ``TRIGGER_VIOLATIONS`` (for each trigger that refuses by name, statements that break
it). NOT NULL, FOREIGN KEY, UNIQUE and PRIMARY KEY violations are derived from the samples and the
live catalog by tests/test_constraint_coverage.py, so adding a column or constraint needs no new
test code unless it is a CHECK or a refusing trigger.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from schema.models import metadata

# SEC-025 / SEC-026 (revision 010): a password hash in a recognised format and a v1 envelope.
ARGON2ID_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def envelope(label: str) -> str:
    """Stand-in ciphertext in the declared envelope v1:<key id>:<base64> (32 bytes of a digest)."""
    return "v1:kms-test:" + base64.b64encode(hashlib.sha256(label.encode()).digest()).decode()


# Register a domain's module here when its tables exist.
DOMAIN_MODULES: tuple[str, ...] = (
    "core",
    "security",
    "analytics",
    "quotes",
    "rating",
    "admin",
)


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

    def insert(self, table: str, n: int | None = None, **overrides: Any) -> sa.Row:
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


SAMPLES: dict[str, Callable[[Ctx, int], dict[str, Any]]] = {}
CHECK_VIOLATIONS: list[CheckViolation] = []
# Hand-written violations of foreign keys the derived orphan test cannot break with a random key.
FK_VIOLATIONS: dict[str, CheckViolation] = {}
TRIGGER_VIOLATIONS: list[TriggerViolation] = []
# Tables whose refusing triggers must each have a TriggerViolation (the domains that declare them).
TRIGGER_COVERED_TABLES: set[str] = set()
TRIGGER_ACTS: list[TriggerAct] = []

for _name in DOMAIN_MODULES:
    _module = importlib.import_module(f"tests.constraint_cases.{_name}")
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
