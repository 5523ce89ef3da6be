"""Admin domain behaviour that single-row constraint samples cannot show: the role hierarchy
(ADM-001), grants owned by roles (ADM-002), the append-only activity log (ADM-014), the settings
clock (ADM-012), and the registry and index documentation of revision 006.

Row-level security per group role is in tests/test_rls.py.
"""

from __future__ import annotations

import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema.catalog import Catalog
from schema.models import admin
from schema.rules import DEVIATIONS, RULES
from schema.samples import Ctx, refused
from schema.samples.admin import rate_admin_id

ADMIN_TABLES = tuple(m.class_.__tablename__ for m in admin.Base.registry.mappers if m.class_.__module__ == admin.__name__)


def _refused(conn: sa.Connection, sql: str, params: dict | None = None) -> psycopg.Error:
    """Run ``sql`` in a savepoint, expect PostgreSQL to refuse it, return the driver error."""
    return refused(conn, sql, params)


def _chain(ctx: Ctx, length: int) -> list[uuid.UUID]:
    """``length`` roles, each the parent of the next; returns their ids from the top down."""
    ids: list[uuid.UUID] = []
    for _ in range(length):
        ids.append(ctx.insert("admin_roles", parent_role_id=ids[-1] if ids else None).id)
    return ids


# --- ADM-001: the role hierarchy -------------------------------------------------------------------


def test_hierarchy_of_five_levels_is_accepted(head_conn: sa.Connection) -> None:
    assert len(_chain(Ctx(head_conn), 5)) == 5


def test_sixth_level_is_refused_naming_the_rule(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    leaf = _chain(ctx, 5)[-1]
    err = _refused(head_conn, "INSERT INTO admin_roles (name, description, parent_role_id) VALUES ('too_deep', 'x', :p)", {"p": leaf})
    assert isinstance(err, psycopg.errors.CheckViolation)
    assert "ADM-001" in str(err) and "deeper than 5 levels" in str(err)


def test_reparenting_a_subtree_counts_its_descendants(head_conn: sa.Connection) -> None:
    """Moving a 3-level subtree under a 3-level chain would make 6 levels: refused although the
    moved role itself would only be at level 4."""
    ctx = Ctx(head_conn)
    upper = _chain(ctx, 3)
    lower = _chain(ctx, 3)
    err = _refused(head_conn, "UPDATE admin_roles SET parent_role_id = :p WHERE id = :id", {"p": upper[-1], "id": lower[0]})
    assert "ADM-001" in str(err) and "deeper than 5 levels" in str(err)
    head_conn.execute(sa.text("UPDATE admin_roles SET parent_role_id = :p WHERE id = :id"), {"p": upper[-2], "id": lower[0]})


def test_cycle_is_refused_naming_the_rule(head_conn: sa.Connection) -> None:
    top, _middle, bottom = _chain(Ctx(head_conn), 3)
    err = _refused(head_conn, "UPDATE admin_roles SET parent_role_id = :p WHERE id = :id", {"p": bottom, "id": top})
    assert isinstance(err, psycopg.errors.CheckViolation)
    assert "ADM-001" in str(err) and "cycle" in str(err)


def test_concurrent_reparentings_cannot_close_a_cycle_together(head_engine: sa.Engine) -> None:
    """A -> B and B -> A in two transactions: each alone is fine, together a cycle. The trigger
    serializes hierarchy changes, so the second sees the first once it commits, and refuses."""
    tag = secrets.token_hex(4)
    with head_engine.begin() as setup:
        a, b = (
            setup.execute(
                sa.text("INSERT INTO admin_roles (name, description) VALUES (:n, 'x') RETURNING id"), {"n": f"cc_{tag}_{x}"}
            ).scalar_one()
            for x in "ab"
        )
    reparent = sa.text("UPDATE admin_roles SET parent_role_id = :p WHERE id = :id")
    try:
        with head_engine.connect() as first, head_engine.connect() as second, ThreadPoolExecutor(1) as pool:
            first.execute(reparent, {"p": b, "id": a})

            def close_the_cycle() -> None:
                with second.begin():
                    second.execute(reparent, {"p": a, "id": b})

            pending = pool.submit(close_the_cycle)
            time.sleep(0.5)
            assert not pending.done(), "the second re-parenting must wait for the first"
            first.commit()
            with pytest.raises(sa.exc.DBAPIError) as caught:
                pending.result(timeout=30)
        assert "ADM-001" in str(caught.value.orig) and "cycle" in str(caught.value.orig)
    finally:
        with head_engine.begin() as cleanup:
            cleanup.execute(sa.text("UPDATE admin_roles SET parent_role_id = NULL WHERE id IN (:a, :b)"), {"a": a, "b": b})
            cleanup.execute(sa.text("DELETE FROM admin_roles WHERE id IN (:a, :b)"), {"a": a, "b": b})


def test_own_parent_is_refused_by_the_named_check(head_conn: sa.Connection) -> None:
    role = Ctx(head_conn).insert("admin_roles").id
    err = _refused(head_conn, "UPDATE admin_roles SET parent_role_id = id WHERE id = :id", {"id": role})
    assert err.diag.constraint_name == "ck_admin_roles_not_own_parent"


def test_role_with_children_cannot_be_deleted(head_conn: sa.Connection) -> None:
    top, _child = _chain(Ctx(head_conn), 2)
    err = _refused(head_conn, "DELETE FROM admin_roles WHERE id = :id", {"id": top})
    assert err.diag.constraint_name == "fk_admin_roles_parent_role_id_admin_roles"


# --- ADM-002 / ADM-004 / ADM-018: what roles and permissions own ------------------------------------


def test_grants_go_with_their_role(head_conn: sa.Connection) -> None:
    grant = Ctx(head_conn).insert("admin_role_permissions")
    head_conn.execute(sa.text("DELETE FROM admin_roles WHERE id = :id"), {"id": grant.role_id})
    left = head_conn.execute(sa.text("SELECT count(*) FROM admin_role_permissions WHERE role_id = :id"), {"id": grant.role_id})
    assert left.scalar_one() == 0


@pytest.mark.parametrize(
    ("child", "constraint"),
    [
        ("admin_role_permissions", "fk_admin_role_permissions_permission_id_admin_permissions"),
        ("admin_dashboards", "fk_admin_dashboards_required_permission_id_admin_permissions"),
    ],
)
def test_permission_in_use_cannot_be_deleted(head_conn: sa.Connection, child: str, constraint: str) -> None:
    row = Ctx(head_conn).insert(child)
    permission = row.permission_id if child == "admin_role_permissions" else row.required_permission_id
    err = _refused(head_conn, "DELETE FROM admin_permissions WHERE id = :id", {"id": permission})
    assert err.diag.constraint_name == constraint


def test_role_held_by_an_admin_cannot_be_deleted(head_conn: sa.Connection) -> None:
    user = Ctx(head_conn).insert("admin_users")
    err = _refused(head_conn, "DELETE FROM admin_roles WHERE id = :id", {"id": user.role_id})
    assert err.diag.constraint_name == "fk_admin_users_role_id_admin_roles"


# --- ADM-008 / ADM-010: admins and what they did ---------------------------------------------------


def test_admin_with_activity_cannot_be_deleted(head_conn: sa.Connection) -> None:
    entry = Ctx(head_conn).insert("admin_activity_logs")
    err = _refused(head_conn, "DELETE FROM admin_users WHERE id = :id", {"id": entry.admin_user_id})
    assert err.diag.constraint_name == "fk_admin_activity_logs_admin_user_id_admin_users"


def test_defaults_are_the_documented_ones(head_conn: sa.Connection) -> None:
    """ADM-005/006/007/011/017: what an insert that leaves the flags out gets."""
    ctx = Ctx(head_conn)
    user = ctx.insert(
        "admin_users", is_super_admin=sa.text("DEFAULT"), two_factor_enabled=sa.text("DEFAULT"), failed_login_attempts=sa.text("DEFAULT")
    )
    assert (user.is_super_admin, user.two_factor_enabled, user.failed_login_attempts) == (False, False, 0)
    setting = ctx.insert("system_settings", is_sensitive=sa.text("DEFAULT"), encrypted=sa.text("DEFAULT"))
    assert (setting.is_sensitive, setting.encrypted) == (True, False)
    assert ctx.insert("admin_dashboards", refresh_interval=sa.text("DEFAULT")).refresh_interval == 60


# --- ADM-012: the settings clock ---------------------------------------------------------------------


def test_last_modified_at_moves_on_update(head_conn: sa.Connection) -> None:
    setting = Ctx(head_conn).insert("system_settings")
    time.sleep(0.01)
    moved = head_conn.execute(
        sa.text("UPDATE system_settings SET value = '45' WHERE id = :id RETURNING last_modified_at"), {"id": setting.id}
    ).scalar_one()
    assert moved > setting.last_modified_at


# --- ADM-014: the append-only activity log -------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE admin_activity_logs SET status = 'failed', error_message = 'rewritten'",
        "DELETE FROM admin_activity_logs",
        "TRUNCATE admin_activity_logs",
        # A statement trigger: even a change that touches no row is refused, not silently empty.
        "UPDATE admin_activity_logs SET action = action WHERE false",
    ],
)
def test_activity_log_is_append_only_for_the_owner(head_conn: sa.Connection, statement: str) -> None:
    Ctx(head_conn).insert("admin_activity_logs")
    err = _refused(head_conn, statement)
    assert isinstance(err, psycopg.errors.InsufficientPrivilege)
    assert "ADM-014" in str(err) and "append-only" in str(err)


# --- ADM-019..021: the rate approval workflow ----------------------------------------------------------


def _decide(conn: sa.Connection, approval: uuid.UUID, decision: str, admin: uuid.UUID) -> None:
    columns = {
        "approved": "approved_by = :admin, approved_at = now()",
        "rejected": "rejected_by = :admin, rejected_at = now(), rejection_reason = 'Loss ratio unsupported.'",
    }[decision]
    conn.execute(
        sa.text(f"UPDATE admin_rate_approvals SET status = :d, {columns} WHERE id = :id"), {"d": decision, "admin": admin, "id": approval}
    )


def test_submission_starts_pending_and_another_admin_approves(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    approval = ctx.insert("admin_rate_approvals", status=sa.text("DEFAULT"))
    assert approval.status == "pending"
    _decide(head_conn, approval.id, "approved", rate_admin_id(ctx, "approve"))


def test_submitter_cannot_approve_their_own_change(head_conn: sa.Connection) -> None:
    approval = Ctx(head_conn).insert("admin_rate_approvals")
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as caught:
        _decide(head_conn, approval.id, "approved", approval.submitted_by)
    savepoint.rollback()
    assert caught.value.orig.diag.constraint_name == "ck_admin_rate_approvals_four_eyes"


@pytest.mark.parametrize("decision", ["approved", "rejected"])
@pytest.mark.parametrize(
    "change",
    [
        "UPDATE admin_rate_approvals SET effective_date = effective_date + 1 WHERE id = :id",
        "UPDATE admin_rate_approvals SET status = 'pending', approved_by = NULL, approved_at = NULL, "
        "rejected_by = NULL, rejected_at = NULL, rejection_reason = NULL WHERE id = :id",
        "DELETE FROM admin_rate_approvals WHERE id = :id",
    ],
)
def test_decision_is_final(head_conn: sa.Connection, decision: str, change: str) -> None:
    ctx = Ctx(head_conn)
    approval = ctx.insert("admin_rate_approvals")
    _decide(head_conn, approval.id, decision, rate_admin_id(ctx, "approve"))
    err = _refused(head_conn, change, {"id": approval.id})
    assert isinstance(err, psycopg.errors.CheckViolation)
    assert "ADM-021" in str(err) and "final" in str(err)


def test_pending_submission_may_be_withdrawn(head_conn: sa.Connection) -> None:
    approval = Ctx(head_conn).insert("admin_rate_approvals")
    assert head_conn.execute(sa.text("DELETE FROM admin_rate_approvals WHERE id = :id"), {"id": approval.id}).rowcount == 1


def test_rate_table_with_approvals_cannot_be_deleted(head_conn: sa.Connection) -> None:
    approval = Ctx(head_conn).insert("admin_rate_approvals")
    err = _refused(head_conn, "DELETE FROM rate_tables WHERE id = :id", {"id": approval.rate_table_id})
    assert err.diag.constraint_name == "fk_admin_rate_approvals_rate_table_id_rate_tables"


def test_pending_queue_uses_the_partial_index(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    for _ in range(3):
        ctx.insert("admin_rate_approvals")
    head_conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    # Three rows: a bitmap scan of the other pending-only index (ADM-024's unique one) plus a sort
    # costs the same as the ordered scan; without bitmap scans the ordered index must win.
    head_conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    plan = "\n".join(
        head_conn.exec_driver_sql(
            "EXPLAIN SELECT id FROM admin_rate_approvals WHERE status = 'pending' ORDER BY submitted_at LIMIT 20"
        ).scalars()
    )
    assert "ix_admin_rate_approvals_submitted_at" in plan, plan


# --- the registry and the catalog agree --------------------------------------------------------------


def test_every_admin_rule_is_implemented_at_head(head_catalog: Catalog) -> None:
    known = head_catalog.object_names()
    adm = [r for r in RULES.values() if r.domain == "ADM"]
    assert adm
    missing = {r.id: [o for o in r.implemented_by if o not in known] for r in adm}
    assert not {k: v for k, v in missing.items() if v}, missing


def test_admin_deviations_are_numbered_and_name_real_tables(head_catalog: Catalog) -> None:
    mine = [d for d in DEVIATIONS if d.id.startswith("DEV-ADM-")]
    assert [d.id for d in mine] == [f"DEV-ADM-{i:02d}" for i in range(1, len(mine) + 1)]
    for d in mine:
        if d.table != "all admin tables":
            assert {t.strip() for t in d.table.split(",")} <= set(head_catalog.tables), d.id


def test_every_admin_index_names_its_query_pattern(head_catalog: Catalog) -> None:
    assert "admin_activity_logs" in ADMIN_TABLES
    for name in ADMIN_TABLES:
        for index in head_catalog.tables[name].indexes:
            assert index.comment, f"index {index.name} has no COMMENT naming the query it serves"


def test_admin_secrets_are_withheld_from_every_group_role(head_catalog: Catalog) -> None:
    """SEC-001: the grant profiles skip *_hash / *_encrypted columns; nobody but the owner reads them."""
    readable = {g.column for g in head_catalog.grants if g.object_name == "admin_users" and g.privilege == "SELECT"}
    assert "email" in readable
    assert not readable & {"password_hash", "two_factor_secret_encrypted", None}


def test_admin_console_revokes_a_permission_by_deleting_its_link(head_conn: sa.Connection) -> None:
    """admin_rw grants and revokes permissions (profile admin_link); the application cannot."""
    link = Ctx(head_conn).insert("admin_role_permissions")
    head_conn.execute(sa.text("SET LOCAL ROLE app_rw"))
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        head_conn.execute(sa.text("DELETE FROM admin_role_permissions WHERE role_id = :r"), {"r": link.role_id})
    savepoint.rollback()
    head_conn.execute(sa.text("SET LOCAL ROLE admin_rw"))
    deleted = head_conn.execute(
        sa.text("DELETE FROM admin_role_permissions WHERE role_id = :r AND permission_id = :p"),
        {"r": link.role_id, "p": link.permission_id},
    ).rowcount
    assert deleted == 1
