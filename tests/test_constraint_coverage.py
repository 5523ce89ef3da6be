"""Every constraint at head is shown refusing a bad row, and the test knows when one is missing.

The list of constraints comes from the live catalog; CHECKs need a hand-written violation
(tests/constraint_cases/<domain>.py), the others are derived from each table's valid sample row.
A failure names the constraint PostgreSQL reported, so a wrong guess is as visible as a missing one.
"""

from __future__ import annotations

import uuid

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema.catalog import Catalog
from schema.models import metadata
from tests.constraint_cases import CHECK_VIOLATIONS, SAMPLES, Ctx


def _sqlstate_error(exc: sa.exc.DBAPIError) -> psycopg.Error:
    assert isinstance(exc.orig, psycopg.Error), exc
    return exc.orig


def _expect_refusal(conn: sa.Connection, table: str, values: dict, error: type[psycopg.Error]) -> psycopg.Error:
    savepoint = conn.begin_nested()
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught:
            conn.execute(metadata.tables[table].insert().values(**values))
    finally:
        savepoint.rollback()
    orig = _sqlstate_error(caught.value)
    assert isinstance(orig, error), f"{table}: expected {error.__name__}, got {type(orig).__name__}: {orig}"
    return orig


def test_every_table_has_a_sample(head_catalog: Catalog) -> None:
    missing = sorted(set(head_catalog.tables) - set(SAMPLES))
    assert not missing, f"tables without a valid sample row in tests/constraint_cases: {missing}"


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
    ctx = Ctx(head_conn)
    values = ctx.row(violation.table, **violation.overrides)
    if violation.prepare is not None:
        values = violation.prepare(ctx, values)
    orig = _expect_refusal(head_conn, violation.table, values, psycopg.errors.IntegrityError)
    assert orig.diag.constraint_name == violation.constraint, str(orig)


def test_not_null_columns_refuse_null(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    ctx = Ctx(head_conn)
    checked = 0
    for table in head_catalog.tables.values():
        for column in table.columns:
            if not column.not_null or column.default is not None:
                continue
            values = ctx.row(table.name, **{column.name: sa.null()})  # SQL NULL, not JSON null
            orig = _expect_refusal(head_conn, table.name, values, psycopg.errors.NotNullViolation)
            assert (orig.diag.table_name, orig.diag.column_name) == (table.name, column.name), str(orig)
            checked += 1
    assert checked > 0


def test_foreign_keys_refuse_orphans(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    ctx = Ctx(head_conn)
    fks = [c for c in head_catalog.constraints if c.kind == "f"]
    assert fks
    for fk in fks:
        values = ctx.row(fk.table, **{col: uuid.uuid4() for col in fk.columns})
        orig = _expect_refusal(head_conn, fk.table, values, psycopg.errors.ForeignKeyViolation)
        assert orig.diag.constraint_name == fk.name, str(orig)


def test_unique_and_primary_keys_refuse_duplicates(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    ctx = Ctx(head_conn)
    keys = [c for c in head_catalog.constraints if c.kind in ("u", "p")]
    for key in keys:
        first = ctx.insert(key.table)
        values = ctx.row(key.table, **{col: getattr(first, col) for col in key.columns})
        orig = _expect_refusal(head_conn, key.table, values, psycopg.errors.UniqueViolation)
        assert orig.diag.constraint_name == key.name, str(orig)
