"""Least privilege (SEC-002), proven two ways on a database at head.

1. The role x table x privilege matrix read from the live ACLs equals the one designed in
   schema.privileges (profile per table, SELECT on every column but the secrets).
2. The acceptance checks run as the roles themselves (SET LOCAL ROLE in a rolled-back
   transaction): app_ro cannot write any table, app_rw cannot rewrite the audit trails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

import psycopg
import pytest
import sqlalchemy as sa

from schema import catalog, privileges
from schema.catalog import Catalog, Table
from schema.models import metadata
from schema.models.design import Profile
from schema.privileges import Cell
from schema.samples import Ctx

READ_ONLY_ROLES = ("app_ro", "auditor")


def test_every_table_has_a_declared_profile(head_catalog: Catalog) -> None:
    undeclared = sorted(set(head_catalog.tables) - set(privileges.TABLE_PROFILES))
    assert not undeclared, f"tables at head without a model, hence without a grant profile (schema.models.design): {undeclared}"


def test_the_profiles_a_model_may_declare_are_the_granted_ones() -> None:
    """schema.models.design.Profile (what a model declares) names exactly the profiles GRANT_PROFILES defines."""
    assert sorted(get_args(Profile)) == sorted(privileges.GRANT_PROFILES)


def test_privilege_matrix_matches_the_design(head_catalog: Catalog) -> None:
    expected = privileges.expected(head_catalog)
    actual = privileges.actual(head_catalog)
    lines = privileges.diff(expected, actual)
    assert not lines, "privilege matrix at head differs from schema.privileges:\n" + "\n".join(lines)


def test_matrix_diff_names_role_privilege_and_table(head_catalog: Catalog) -> None:
    """The comparison bites and says where: drop one granted cell and add a forbidden one."""
    expected = privileges.expected(head_catalog)
    actual = set(expected) - {Cell("policies", "app_rw", "INSERT")} | {Cell("audit_logs", "app_rw", "UPDATE")}
    lines = privileges.diff(expected, frozenset(actual))
    assert lines == [
        "unexpected  app_rw    UPDATE     on audit_logs",
        "missing     app_rw    INSERT     on policies",
    ]


def test_read_only_roles_hold_no_write_privilege(head_catalog: Catalog) -> None:
    writes = sorted(c for c in privileges.actual(head_catalog) if c.role in READ_ONLY_ROLES and c.privilege in privileges.WRITE_PRIVILEGES)
    assert not writes, f"read-only roles may write: {writes}"


def test_nobody_may_rewrite_the_audit_trails(head_catalog: Catalog) -> None:
    """SEC-003: append-only for every grantee (app_rw and admin_rw may only INSERT)."""
    missing = [t for t in privileges.AUDIT_TRAILS if t not in head_catalog.tables]
    assert not missing, f"audit trails missing at head: {missing}"
    rewrites = sorted(
        c for c in privileges.actual(head_catalog) if c.table in privileges.AUDIT_TRAILS and c.privilege in privileges.AUDIT_FORBIDDEN
    )
    assert not rewrites, f"audit trails must be append-only (SEC-003): {rewrites}"
    assert Cell("audit_logs", "app_rw", "INSERT") in privileges.actual(head_catalog)


def test_only_the_owner_reads_secret_columns(head_catalog: Catalog) -> None:
    """SEC-001: no column-level SELECT on a *_hash/*_encrypted column, and no table-level SELECT
    (which covers every column) on a table that has one."""
    leaks = []
    for cell in privileges.actual(head_catalog):
        if cell.privilege != "SELECT" or (cell.table, cell.column) in privileges.SECRET_READERS:
            continue
        if cell.column and privileges.is_secret(cell.column):
            leaks.append(f"{cell.role} reads {cell.table}.{cell.column}")
        if not cell.column and privileges.secret_columns(head_catalog.table(cell.table)):
            leaks.append(f"{cell.role} reads all of {cell.table}, secrets included")
    assert not leaks, leaks
    assert any(privileges.secret_columns(t) for t in head_catalog.tables.values()), "no secret column at head to protect?"


def test_public_holds_nothing_on_tables(head_catalog: Catalog) -> None:
    public = [repr(g) for g in head_catalog.grants if g.grantee == privileges.PUBLIC and g.object_kind in {"table", "sequence"}]
    assert not public, public


def test_no_grant_reaches_around_the_designed_tables(head_catalog: Catalog) -> None:
    """Partitions, archives and sequences are the owner's; schema grants are PostgreSQL's harmless
    defaults; no grant option; SECURITY DEFINER functions closed to PUBLIC, search_path pinned."""
    problems = privileges.object_problems(head_catalog)
    assert not problems, "\n".join(problems)


def test_group_roles_are_plain_nologin_groups(head_conn: sa.Connection) -> None:
    roles = catalog.read_roles(head_conn, tuple(privileges.GROUP_ROLES))
    assert privileges.role_problems(roles) == []
    assert all((r.comment or "").startswith("SEC-002") for r in roles.values())


def test_matrix_markdown_has_a_row_per_table(head_catalog: Catalog) -> None:
    text = privileges.matrix_markdown(head_catalog)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(head_catalog.tables)
    users = next(line for line in rows if line.startswith("| `users`"))
    assert users == "| `users` | operational | SELECT, INSERT, UPDATE | SELECT | SELECT | SELECT | - | password_hash |"
    assert "undeclared" not in text


# --- as the roles themselves ----------------------------------------------------------------------

# One statement per write privilege; WHERE false: the privilege check comes first, no row needed.
WRITES: dict[str, Callable[[Table], str]] = {
    "INSERT": lambda t: f"INSERT INTO {t.name} DEFAULT VALUES",
    "UPDATE": lambda t: f"UPDATE {t.name} SET {t.columns[0].name} = {t.columns[0].name} WHERE false",
    "DELETE": lambda t: f"DELETE FROM {t.name} WHERE false",
    "TRUNCATE": lambda t: f"TRUNCATE {t.name}",
}


def _not_refused(conn: sa.Connection, role: str, tables: list[Table], write: str) -> list[str]:
    """Run ``write`` as ``role`` on each table; return the tables where it was NOT refused for
    lack of privilege (each attempt in its own savepoint, the role reset afterwards)."""
    conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
    allowed = []
    try:
        for table in tables:
            savepoint = conn.begin_nested()
            try:
                conn.exec_driver_sql(WRITES[write](table))
            except sa.exc.ProgrammingError as exc:
                savepoint.rollback()
                if not isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
                    raise
                assert f"permission denied for table {table.name}" in str(exc.orig), exc.orig
            else:
                savepoint.rollback()
                allowed.append(table.name)
    finally:
        conn.exec_driver_sql("RESET ROLE")
    return allowed


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
@pytest.mark.parametrize("write", sorted(WRITES))
def test_read_only_role_cannot_write_any_table(head_conn: sa.Connection, head_catalog: Catalog, role: str, write: str) -> None:
    """Acceptance: as app_ro (and as auditor) any INSERT, UPDATE, DELETE or TRUNCATE fails."""
    tables = [head_catalog.tables[name] for name in sorted(head_catalog.tables)]
    assert _not_refused(head_conn, role, tables, write) == []


@pytest.mark.parametrize("table", privileges.AUDIT_TRAILS)
def test_app_rw_appends_to_audit_trails_but_cannot_rewrite_them(head_conn: sa.Connection, head_catalog: Catalog, table: str) -> None:
    """Acceptance: as app_rw, INSERT into the audit trail works; UPDATE, DELETE, TRUNCATE fail."""
    row = Ctx(head_conn).row(table)  # parents inserted as the owner
    insert = metadata.tables[table].insert().inline().values(**row)  # inline: no implicit RETURNING
    head_conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    head_conn.execute(insert)  # no RETURNING: app_rw may append, not read back
    head_conn.exec_driver_sql("RESET ROLE")
    for write in ("UPDATE", "DELETE", "TRUNCATE"):
        assert _not_refused(head_conn, "app_rw", [head_catalog.table(table)], write) == [], write


def test_matrix_compares_pii_columns_too(head_catalog: Catalog) -> None:
    """SEC-029: the designed matrix withholds classified PII from roles without a need to know, and
    a PII column granted to one of them shows in the diff, cell by cell."""
    expected = privileges.expected(head_catalog)
    for role in READ_ONLY_ROLES:
        assert Cell("customers", role, "SELECT", "date_of_birth") not in expected
        assert Cell("customers", role, "SELECT", "address_line1") not in expected
        assert Cell("customers", role, "SELECT", "state") in expected
    assert Cell("customers", "app_rw", "SELECT", "date_of_birth") in expected
    leaked = set(privileges.actual(head_catalog)) | {Cell("customers", "app_ro", "SELECT", "date_of_birth")}
    assert privileges.diff(expected, frozenset(leaked)) == ["unexpected  app_ro    SELECT     on customers (date_of_birth)"]
