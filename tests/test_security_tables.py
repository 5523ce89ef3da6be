"""Security & compliance at head: the audit trail is append-only and partitioned, secrets stay hidden.

Each test runs in the shared head database inside a rolled-back transaction (head_conn).
"""

from __future__ import annotations

import datetime as dt

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema import integrity
from schema.catalog import Catalog
from schema.rules import RULES
from schema.samples import Ctx, refused


def _refused(
    conn: sa.Connection, statement: str, error: type[psycopg.Error] | tuple[type[psycopg.Error], ...], **params: object
) -> psycopg.Error:
    orig = refused(conn, statement, params)
    assert isinstance(orig, error), orig
    return orig


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_logs SET action = 'quote.delete' WHERE id = :id",
        "DELETE FROM audit_logs WHERE id = :id",
        "TRUNCATE audit_logs",
    ],
    ids=["update", "delete", "truncate"],
)
def test_audit_logs_are_append_only_even_for_the_owner(head_conn: sa.Connection, statement: str) -> None:
    row = Ctx(head_conn).insert("audit_logs")
    error = _refused(head_conn, statement, psycopg.errors.InsufficientPrivilege, id=row.id)
    assert "SEC-003" in str(error) and "append-only" in str(error)


def test_app_rw_appends_to_audit_logs_but_cannot_update_them(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    values = ctx.row("audit_logs")
    head_conn.execute(sa.text("SET LOCAL ROLE app_rw"))
    head_conn.execute(
        sa.text("INSERT INTO audit_logs (user_id, action, resource_type) VALUES (:user_id, 'user.login', 'users')"),
        {"user_id": values["user_id"]},
    )
    error = _refused(head_conn, "UPDATE audit_logs SET action = 'user.logout'", psycopg.errors.InsufficientPrivilege)
    assert "permission denied" in str(error)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("oauth2_clients", "client_secret_hash"),
        ("sso_providers", "client_secret_encrypted"),
        ("user_mfa_settings", "totp_secret_encrypted"),
    ],
)
def test_secret_columns_are_unreadable_for_application_roles(head_conn: sa.Connection, table: str, column: str) -> None:
    head_conn.execute(sa.text("SET LOCAL ROLE app_rw"))
    head_conn.execute(sa.text(f"SELECT created_at FROM {table}"))  # the table itself is readable
    _refused(head_conn, f"SELECT {column} FROM {table}", psycopg.errors.InsufficientPrivilege)


def _partition_of(ctx: Ctx, created_at: dt.datetime) -> str:
    conn = ctx.conn
    row = ctx.insert("audit_logs", created_at=created_at)
    return conn.execute(
        sa.text("SELECT tableoid::regclass::text FROM audit_logs WHERE id = :id AND created_at = :at"),
        {"id": row.id, "at": row.created_at},
    ).scalar_one()


def test_rows_land_in_their_month_or_in_default(head_conn: sa.Connection) -> None:
    """Issue 4's acceptance: 1999-05-01, this month and 2099-12-31 are all accepted."""
    now = dt.datetime.now(dt.UTC)
    ctx = Ctx(head_conn)
    assert _partition_of(ctx, dt.datetime(1999, 5, 1, tzinfo=dt.UTC)) == "partitions.audit_logs_default"
    assert _partition_of(ctx, now) == f"partitions.audit_logs_p{now:%Y%m}"
    assert _partition_of(ctx, dt.datetime(2099, 12, 31, tzinfo=dt.UTC)) == "partitions.audit_logs_default"


def _months_from_now(count: int) -> list[str]:
    today = dt.date.today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(f"{today:%Y%m}")
        today = (today + dt.timedelta(days=32)).replace(day=1)
    return months


def test_audit_logs_has_current_month_three_ahead_and_default(head_catalog: Catalog) -> None:
    names = {p.name for p in head_catalog.table("audit_logs").partitions}
    assert {f"audit_logs_p{m}" for m in _months_from_now(4)} <= names
    assert any(p.is_default and p.name == "audit_logs_default" for p in head_catalog.table("audit_logs").partitions)
    assert head_catalog.table("audit_logs").partition_key == "RANGE (created_at)"


def test_a_user_with_audit_history_cannot_be_deleted_but_mfa_goes_with_the_user(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    mfa = ctx.insert("user_mfa_settings")
    head_conn.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": mfa.user_id})
    assert head_conn.execute(sa.text("SELECT count(*) FROM user_mfa_settings WHERE user_id = :id"), {"id": mfa.user_id}).scalar_one() == 0

    audited = ctx.insert("audit_logs")
    error = _refused(head_conn, "DELETE FROM users WHERE id = :id", integrity.RESTRICT_REFUSALS, id=audited.user_id)
    assert error.diag.constraint_name == "fk_audit_logs_user_id_users"


def test_every_index_of_the_domain_names_its_query_pattern(head_catalog: Catalog) -> None:
    for table in ("audit_logs",):
        for index in head_catalog.table(table).indexes:
            if index.constraint_name is None:
                assert index.comment and index.comment.startswith("Query pattern:"), index.name


def test_created_at_index_is_brin(head_catalog: Catalog) -> None:
    index = next(i for i in head_catalog.table("audit_logs").indexes if i.name == "ix_audit_logs_created_at")
    assert index.method == "brin"


def test_security_rules_are_implemented_at_head(head_catalog: Catalog) -> None:
    names = head_catalog.object_names()
    for rule in RULES.values():
        if rule.domain == "SEC":
            missing = [o for o in rule.implemented_by if o not in names]
            assert not missing, f"{rule.id} cites objects missing at head: {missing}"
