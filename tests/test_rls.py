"""Row-level security of revision 006, proven as each group role (SET LOCAL ROLE in a savepoint of
the rolled-back test transaction): what app_rw, app_ro, auditor and admin_rw see and may change
in system_settings (ADM-015) and admin_activity_logs (ADM-016), and that FORCE makes the table
owner obey the policies too.

The test connection is a superuser, which row-level security never restricts; that is why every
check here switches role first, and why the owner test hands the table to an ordinary role.
"""

from __future__ import annotations

import secrets
import uuid

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema.catalog import Catalog
from schema.rules import RULES
from schema.samples import Ctx, as_role, refused

RLS_TABLES = ("system_settings", "admin_activity_logs")
RESTRICTED_READERS = ("app_rw", "app_ro", "auditor")

APPEND_ACTIVITY = (
    "INSERT INTO admin_activity_logs (admin_user_id, action, resource_type, status) "
    "VALUES (:admin, 'setting.read', 'system_settings', 'success')"
)


def keys_seen_as(conn: sa.Connection, role: str, keys: list[str]) -> set[str]:
    with as_role(conn, role):
        rows = conn.execute(sa.text("SELECT key FROM system_settings WHERE key = ANY(:keys)"), {"keys": keys})
        return set(rows.scalars())


@pytest.fixture
def settings(head_conn: sa.Connection) -> dict[str, str]:
    """One public, one sensitive and one sensitive encrypted setting, written by the owner."""
    ctx = Ctx(head_conn)
    rows = {
        "public": ctx.insert("system_settings", is_sensitive=False),
        "sensitive": ctx.insert("system_settings", is_sensitive=True, key="fraud.score_cutoff", value=0.83),
        "encrypted": ctx.insert(
            "system_settings", is_sensitive=True, encrypted=True, key="smtp.password", data_type="string", value="kms:v1:c210cA=="
        ),
    }
    return {kind: row.key for kind, row in rows.items()}


@pytest.fixture
def admin_id(head_conn: sa.Connection) -> uuid.UUID:
    """An admin, declared as the one acting in this transaction (SEC-020: SET LOCAL app.admin_user_id)."""
    admin = Ctx(head_conn).insert("admin_users").id
    head_conn.execute(sa.text("SELECT set_config('app.admin_user_id', :admin, true)"), {"admin": str(admin)})
    return admin


# --- the catalog says what the tests below prove ------------------------------------------------------


@pytest.mark.parametrize("table", RLS_TABLES)
def test_rls_is_enabled_and_forced_with_policies(head_catalog: Catalog, table: str) -> None:
    t = head_catalog.tables[table]
    assert (t.rls_enabled, t.rls_forced) == (True, True)
    assert t.policies, f"{table}: ENABLE without a policy would only lock everyone but the owner out"
    cited = {o for r in RULES.values() if r.id in ("ADM-015", "ADM-016") for o in r.implemented_by}
    assert {p.name for p in t.policies} <= cited, "every policy is a registered rule's object"


@pytest.mark.parametrize("table", RLS_TABLES)
def test_owner_policies_name_the_table_owner(head_conn: sa.Connection, head_catalog: Catalog, table: str) -> None:
    owner = head_conn.execute(
        sa.text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
    ).scalar_one()
    commands = {p.command for p in head_catalog.tables[table].policies if owner in p.roles}
    assert commands == ({"ALL"} if table == "system_settings" else {"INSERT", "SELECT"})


def test_no_policy_lets_anyone_rewrite_the_activity_log(head_catalog: Catalog) -> None:
    assert {p.command for p in head_catalog.tables["admin_activity_logs"].policies} == {"INSERT", "SELECT"}


# --- system_settings (ADM-015) ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", RESTRICTED_READERS)
def test_sensitive_settings_are_invisible(head_conn: sa.Connection, settings: dict[str, str], role: str) -> None:
    """Acceptance: a role without the right sees only the non-sensitive setting, and asking for a
    sensitive one by key finds nothing (invisible, not an error that confirms it exists)."""
    assert keys_seen_as(head_conn, role, list(settings.values())) == {settings["public"]}
    with as_role(head_conn, role):
        found = head_conn.execute(sa.text("SELECT count(*) FROM system_settings WHERE is_sensitive")).scalar_one()
    assert found == 0


def test_admin_console_sees_every_setting(head_conn: sa.Connection, settings: dict[str, str]) -> None:
    assert keys_seen_as(head_conn, "admin_rw", list(settings.values())) == set(settings.values())


def test_admin_console_changes_and_adds_sensitive_settings(head_conn: sa.Connection, settings: dict[str, str], admin_id: uuid.UUID) -> None:
    with as_role(head_conn, "admin_rw"):
        changed = head_conn.execute(
            sa.text("UPDATE system_settings SET value = '0.9', last_modified_by = :a WHERE key = :k"),
            {"a": admin_id, "k": settings["sensitive"]},
        )
        assert changed.rowcount == 1
        head_conn.execute(
            sa.text(
                "INSERT INTO system_settings (category, key, value, data_type, is_sensitive, last_modified_by) "
                "VALUES ('integrations', 'crm.api_url', '\"https://crm.example\"', 'string', true, :a)"
            ),
            {"a": admin_id},
        )


@pytest.mark.parametrize("role", RESTRICTED_READERS)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE system_settings SET value = value",
        "INSERT INTO system_settings (category, key, value, data_type, is_sensitive) VALUES ('x', 'y', '1', 'number', false)",
        "DELETE FROM system_settings",
    ],
)
def test_only_the_console_writes_settings(head_conn: sa.Connection, settings: dict[str, str], role: str, statement: str) -> None:
    err = refused(head_conn, statement, role=role)
    assert isinstance(err, psycopg.errors.InsufficientPrivilege), err


# --- admin_activity_logs (ADM-016) -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["app_rw", "admin_rw"])
def test_application_and_console_append_but_cannot_read_back(head_conn: sa.Connection, admin_id: uuid.UUID, role: str) -> None:
    with as_role(head_conn, role):
        head_conn.execute(sa.text(APPEND_ACTIVITY), {"admin": admin_id})
    err = refused(head_conn, "SELECT count(*) FROM admin_activity_logs", role=role)
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)


@pytest.mark.parametrize("role", ["app_rw", "admin_rw", "app_ro", "auditor"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE admin_activity_logs SET status = 'failed', error_message = 'rewritten'",
        "DELETE FROM admin_activity_logs",
        "TRUNCATE admin_activity_logs",
    ],
)
def test_nobody_rewrites_the_activity_log(head_conn: sa.Connection, role: str, statement: str) -> None:
    """Acceptance: as app_rw (and every other group role) UPDATE admin_activity_logs fails."""
    Ctx(head_conn).insert("admin_activity_logs")
    err = refused(head_conn, statement, role=role)
    assert isinstance(err, psycopg.errors.InsufficientPrivilege), err


def test_auditor_reads_the_whole_log_and_writes_nothing(head_conn: sa.Connection, admin_id: uuid.UUID) -> None:
    ctx = Ctx(head_conn)
    ids = {ctx.insert("admin_activity_logs", admin_user_id=admin_id).id for _ in range(3)}
    with as_role(head_conn, "auditor"):
        seen = set(head_conn.execute(sa.text("SELECT id FROM admin_activity_logs WHERE admin_user_id = :a"), {"a": admin_id}).scalars())
    assert seen == ids
    assert isinstance(refused(head_conn, APPEND_ACTIVITY, {"admin": admin_id}, role="auditor"), psycopg.errors.InsufficientPrivilege)


def test_app_ro_neither_reads_nor_appends_the_log(head_conn: sa.Connection, admin_id: uuid.UUID) -> None:
    """Acceptance: as app_ro any INSERT fails; the admin activity log is not reporting data."""
    for sql in (APPEND_ACTIVITY, "SELECT count(*) FROM admin_activity_logs"):
        assert isinstance(refused(head_conn, sql, {"admin": admin_id}, role="app_ro"), psycopg.errors.InsufficientPrivilege)


# --- FORCE: the owner obeys the policies -------------------------------------------------------------------


@pytest.fixture
def ordinary_owner(head_conn: sa.Connection) -> str:
    """A non-superuser role to own the RLS tables for one test (role and ownership roll back)."""
    role = f"wb_owner_{secrets.token_hex(4)}"
    head_conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
    for table in RLS_TABLES:
        head_conn.exec_driver_sql(f"ALTER TABLE {table} OWNER TO {role}")
    return role


def test_forced_rls_binds_an_owner_no_policy_names(
    head_conn: sa.Connection, settings: dict[str, str], admin_id: uuid.UUID, ordinary_owner: str
) -> None:
    """Ownership alone grants nothing: without a policy naming it the owner sees no row and cannot
    append. (Hence the owner policies, re-pointed with ALTER POLICY when ownership changes.)"""
    assert keys_seen_as(head_conn, ordinary_owner, list(settings.values())) == set()
    err = refused(head_conn, APPEND_ACTIVITY, {"admin": admin_id}, role=ordinary_owner)
    assert isinstance(err, psycopg.errors.InsufficientPrivilege) and "row-level security" in str(err)


def test_owner_named_by_the_policies_reads_settings_and_appends_but_cannot_rewrite(
    head_conn: sa.Connection, settings: dict[str, str], admin_id: uuid.UUID, ordinary_owner: str
) -> None:
    head_conn.exec_driver_sql(f"ALTER POLICY system_settings_manage ON system_settings TO admin_rw, {ordinary_owner}")
    head_conn.exec_driver_sql(f"ALTER POLICY admin_activity_logs_append ON admin_activity_logs TO app_rw, admin_rw, {ordinary_owner}")
    head_conn.exec_driver_sql(f"ALTER POLICY admin_activity_logs_read ON admin_activity_logs TO auditor, {ordinary_owner}")
    assert keys_seen_as(head_conn, ordinary_owner, list(settings.values())) == set(settings.values())
    with as_role(head_conn, ordinary_owner):
        head_conn.execute(sa.text(APPEND_ACTIVITY), {"admin": admin_id})
        assert head_conn.execute(sa.text("SELECT count(*) FROM admin_activity_logs")).scalar_one() >= 1
    for statement in ("UPDATE admin_activity_logs SET action = 'rewritten'", "DELETE FROM admin_activity_logs"):
        err = refused(head_conn, statement, role=ordinary_owner)
        assert "ADM-014" in str(err), err
