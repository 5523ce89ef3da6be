"""Every constraint at head is shown refusing a bad row, and the test knows when one is missing.

The list of constraints comes from the live catalog; CHECKs need a hand-written violation
(src/schema/samples/<domain>.py), the others are derived from each table's valid sample row.
A failure names the constraint PostgreSQL reported, so a wrong guess is as visible as a missing one.
"""

from __future__ import annotations

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema.catalog import Catalog
from schema.samples import (
    CHECK_VIOLATIONS,
    FK_VIOLATIONS,
    SAMPLES,
    TRIGGER_ACTS,
    TRIGGER_COVERED_TABLES,
    TRIGGER_VIOLATIONS,
    Ctx,
    duplicate_row,
    orphan_row,
    refusal,
    violating_row,
)

# Triggers whose function can refuse a row (RAISE EXCEPTION), on the tables of ``:tables``.
REFUSING_TRIGGERS = """
SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND t.tgrelid::regclass::text = ANY(:tables) AND p.prosrc ~ 'RAISE\\s+EXCEPTION'
"""

# Triggers that refuse by name: their function raises with the trigger as the constraint name
# (RAISE ... USING CONSTRAINT = TG_NAME), which is what an application matches on.
REFUSING_BY_NAME = """
SELECT t.tgname FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relispartition IS FALSE
  AND p.prosrc LIKE '%CONSTRAINT = TG_NAME%'
"""


def _sqlstate_error(exc: sa.exc.DBAPIError) -> psycopg.Error:
    assert isinstance(exc.orig, psycopg.Error), exc
    return exc.orig


def _expect_refusal(conn: sa.Connection, table: str, values: dict, error: type[psycopg.Error]) -> psycopg.Error:
    orig = refusal(conn, table, values)
    assert isinstance(orig, error), f"{table}: expected {error.__name__}, got {type(orig).__name__}: {orig}"
    return orig


def test_every_table_has_a_sample(head_catalog: Catalog) -> None:
    missing = sorted(set(head_catalog.tables) - set(SAMPLES))
    assert not missing, f"tables without a valid sample row in schema.samples: {missing}"


def test_samples_are_valid(head_conn: sa.Connection) -> None:
    """The baseline: every sample inserts cleanly (otherwise every refusal below proves nothing)."""
    ctx = Ctx(head_conn)
    for table in SAMPLES:
        ctx.insert(table)


def test_every_constraint_has_a_violation(head_catalog: Catalog) -> None:
    """Coverage 100%: each CHECK/EXCLUDE at head has a hand-written violation, each FK, UNIQUE and
    PK is derived, and no violation names a constraint that no longer exists."""
    checks = {c.name for c in head_catalog.constraints if c.kind in ("c", "x")}
    covered = {v.constraint for v in CHECK_VIOLATIONS}
    assert not (checks - covered), f"CHECK/EXCLUDE constraints with no violating test: {sorted(checks - covered)}"
    assert not (covered - checks), f"violations for constraints that do not exist at head: {sorted(covered - checks)}"


@pytest.mark.parametrize("violation", CHECK_VIOLATIONS, ids=lambda v: v.constraint)
def test_check_refuses(head_conn: sa.Connection, violation) -> None:
    values = violating_row(Ctx(head_conn), violation)
    orig = _expect_refusal(head_conn, violation.table, values, psycopg.errors.IntegrityError)
    assert orig.diag.constraint_name == violation.constraint, str(orig)


def test_every_trigger_refusing_by_name_has_a_case(head_conn: sa.Connection) -> None:
    """Coverage 100% for triggers that refuse by name, as for CHECKs: each has a hand-written
    violation (a row, TRIGGER_VIOLATIONS, or statements, TRIGGER_ACTS), and no act names a trigger
    that no longer exists."""
    triggers = set(head_conn.execute(sa.text(REFUSING_BY_NAME)).scalars())
    covered = {v.trigger for v in TRIGGER_VIOLATIONS} | {a.trigger for a in TRIGGER_ACTS}
    assert triggers, "no trigger refuses by name: the query above no longer finds them"
    assert not (triggers - covered), f"refusing triggers with no violating test: {sorted(triggers - covered)}"
    acts = {a.trigger for a in TRIGGER_ACTS}
    assert not (acts - triggers), f"acts for triggers that do not refuse by name at head: {sorted(acts - triggers)}"


@pytest.mark.parametrize("violation", TRIGGER_ACTS, ids=lambda v: v.trigger)
def test_trigger_act_refuses(head_conn: sa.Connection, violation) -> None:
    ctx = Ctx(head_conn)
    savepoint = head_conn.begin_nested()
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            violation.act(ctx)
    finally:
        savepoint.rollback()
    orig = _sqlstate_error(caught.value)
    assert orig.sqlstate and orig.sqlstate.startswith("23"), f"{violation.trigger}: SQLSTATE {orig.sqlstate}: {orig}"
    assert orig.diag.constraint_name == violation.trigger, str(orig)
    assert violation.rule_id in str(orig) and violation.trigger in str(orig), str(orig)


def _refusal_problem(conn: sa.Connection, table: str, values: dict, error: type[psycopg.Error], expect) -> str | None:
    """None when the insert is refused as expected, else what happened instead (collected, so one
    failure does not hide the tables after it)."""
    try:
        orig = _expect_refusal(conn, table, values, error)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    reported = expect(orig)
    return None if reported is True else f"{table}: {reported} ({orig})"


def test_not_null_columns_refuse_null(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    ctx = Ctx(head_conn)
    problems, checked = [], 0
    for table in head_catalog.tables.values():
        for column in table.columns:
            if not column.not_null or column.default is not None:
                continue
            values = ctx.row(table.name, **{column.name: sa.null()})  # SQL NULL, not JSON null
            problems.append(
                _refusal_problem(
                    head_conn,
                    table.name,
                    values,
                    psycopg.errors.NotNullViolation,
                    lambda o, t=table.name, c=column.name: (
                        (head_catalog.root_table(o.diag.table_name), o.diag.column_name) == (t, c) or f"expected NOT NULL on {t}.{c}"
                    ),
                )
            )
            checked += 1
    assert checked > 0
    assert [p for p in problems if p] == []


def test_foreign_keys_refuse_orphans(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    """Each FK is broken alone: only its columns that no other FK of the table covers are set to
    an unknown key (a composite FK sharing customer_id with a simple one keeps customer_id valid)."""
    ctx = Ctx(head_conn)
    fks = [c for c in head_catalog.constraints if c.kind == "f"]
    assert fks
    problems = []
    for fk in fks:
        values = violating_row(ctx, FK_VIOLATIONS[fk.name]) if fk.name in FK_VIOLATIONS else orphan_row(ctx, fk, fks)
        problems.append(
            _refusal_problem(
                head_conn,
                fk.table,
                values,
                psycopg.errors.ForeignKeyViolation,
                lambda o, name=fk.name: o.diag.constraint_name == name or f"expected {name}",
            )
        )
    assert [p for p in problems if p] == []


def test_unique_and_primary_keys_refuse_duplicates(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    ctx = Ctx(head_conn)
    keys = [c for c in head_catalog.constraints if c.kind in ("u", "p")]
    problems = []
    for key in keys:
        values = duplicate_row(ctx, key)
        problems.append(
            _refusal_problem(
                head_conn,
                key.table,
                values,
                psycopg.errors.UniqueViolation,
                lambda o, name=key.name: head_catalog.constraint_for_index(o.diag.constraint_name) == name or f"expected {name}",
            )
        )
    assert [p for p in problems if p] == []


def test_every_refusing_trigger_has_a_violation(head_conn: sa.Connection) -> None:
    """Coverage of triggers, for the domains that declare TRIGGER_VIOLATIONS: every trigger on their
    tables whose function raises has a row it refuses, and no case names a trigger that is gone."""
    live = set(head_conn.execute(sa.text(REFUSING_TRIGGERS), {"tables": sorted(TRIGGER_COVERED_TABLES)}).scalars())
    covered = {v.trigger for v in TRIGGER_VIOLATIONS}
    acts = {a.trigger for a in TRIGGER_ACTS}
    assert live, "no refusing trigger found: the catalog query is wrong"
    assert not (live - covered - acts), f"refusing triggers with no violating test: {sorted(live - covered - acts)}"
    assert not (covered - live), f"violations for triggers that do not exist at head: {sorted(covered - live)}"


@pytest.mark.parametrize("violation", TRIGGER_VIOLATIONS, ids=lambda v: v.trigger)
def test_trigger_refuses(head_conn: sa.Connection, violation) -> None:
    """The trigger refuses its row with the rule id (and its own name) and the stated SQLSTATE."""
    values = violating_row(Ctx(head_conn), violation)
    for name, value in violation.settings.items():
        head_conn.execute(sa.text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    orig = refusal(head_conn, violation.table, values, deferred=violation.trigger if violation.deferred else None)
    message = orig.diag.message_primary or ""
    assert orig.sqlstate == violation.sqlstate, f"{violation.trigger}: {orig.sqlstate} {message}"
    assert violation.rule_id in message, message
    if violation.names_trigger:
        assert violation.trigger in message, message
