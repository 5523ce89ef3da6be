"""Admin tables: roles, permissions and their link, admin users, settings, activity log, dashboards.

admin_users needs its one bootstrap admin (created_by NULL, ADM-008) before any other admin can
exist; the sample creates it on first use in the transaction and points every other admin at it.
admin_rate_approvals has two mutually exclusive deciders (approved_by, rejected_by): its sample is
a workflow-aware row (RateApprovalRow) so that the derived foreign-key violation of either one
breaks only that foreign key. system_settings and admin_activity_logs force row-level security, but these samples are written
by the test connection's superuser, which row-level security never restricts (tests/test_rls.py
covers the group roles).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import sqlalchemy as sa

from schema.models import metadata
from schema.samples import ARGON2ID_HASH, CheckViolation, Ctx, TriggerAct, envelope

SAME_ID = uuid.UUID("00000000-0000-4000-8000-00000000ad01")


def admin_role(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"name": f"role_{n}", "description": f"Role {n} of the admin console.", "parent_role_id": None}


def admin_permission(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"resource": f"resource_{n}", "action": "read", "description": f"Read resource {n}."}


def admin_role_permission(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"role_id": ctx.insert("admin_roles").id, "permission_id": ctx.insert("admin_permissions").id}


def _admin_fields(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "email": f"admin{n}@carrier.example",
        "password_hash": ARGON2ID_HASH,
        "role_id": ctx.insert("admin_roles").id,
        "is_super_admin": False,
        "two_factor_enabled": True,
        "two_factor_secret_encrypted": envelope("c2VjcmV0"),
        "last_login_at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
        "last_login_ip": "203.0.113.7",
        "failed_login_attempts": 0,
        "locked_until": None,
        "deactivated_at": None,
    }


def bootstrap_admin_id(ctx: Ctx) -> uuid.UUID:
    """The single admin without a creator (ADM-008), inserted once per transaction."""
    admins = metadata.tables["admin_users"]
    existing = ctx.conn.execute(sa.select(admins.c.id).where(admins.c.created_by.is_(None))).scalar_one_or_none()
    if existing is not None:
        return existing
    values = _admin_fields(ctx, ctx.next_n()) | {"is_super_admin": True, "created_by": None}
    return ctx.conn.execute(admins.insert().values(**values).returning(admins.c.id)).scalar_one()


def admin_user(ctx: Ctx, n: int) -> dict[str, Any]:
    return _admin_fields(ctx, n) | {"created_by": bootstrap_admin_id(ctx)}


def system_setting(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "category": "security",
        "key": f"session.timeout_minutes_{n}",
        "value": 30,
        "data_type": "number",
        "validation_rules": {"min": 5, "max": 240},
        "is_sensitive": False,
        "encrypted": False,
        "last_modified_by": ctx.insert("admin_users").id,
    }


def admin_activity_log(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "admin_user_id": ctx.insert("admin_users").id,
        "action": "setting.update",
        "resource_type": "system_settings",
        "resource_id": uuid.uuid4(),
        "old_values": {"value": 30},
        "new_values": {"value": 45},
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "request_id": uuid.uuid4(),
        "status": "success",
        "error_message": None,
    }


class RateApprovalRow(dict[str, Any]):
    """A pending approval that follows its workflow (ADM-019) when a decider is overridden.

    Overriding approved_by (or rejected_by) with an id, without saying the status, makes the row
    that decision: status, time and reason come along. The coverage test derives one FK violation
    per foreign key by overriding only its column; without this, the workflow CHECKs (evaluated
    before foreign keys) would refuse the row first. Overrides that name the status are applied
    as given, which is how the workflow CHECKs themselves are violated below.
    """

    DECISIONS: ClassVar[dict[str, dict[str, Any]]] = {
        "approved_by": {"status": "approved", "approved_at": sa.func.now()},
        "rejected_by": {"status": "rejected", "rejected_at": sa.func.now(), "rejection_reason": "Loss ratio unsupported."},
    }

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        given = dict(other, **kwargs)
        super().update(given)
        for decider, decision in self.DECISIONS.items():
            if isinstance(given.get(decider), uuid.UUID) and "status" not in given:
                super().update(decision)


def _permission_id(ctx: Ctx, resource: str, action: str) -> uuid.UUID:
    """The registry permission (resource, action), inserted once per transaction (UNIQUE)."""
    permissions = metadata.tables["admin_permissions"]
    where = (permissions.c.resource == resource) & (permissions.c.action == action)
    existing = ctx.conn.execute(sa.select(permissions.c.id).where(where)).scalar_one_or_none()
    if existing is not None:
        return existing
    return ctx.insert("admin_permissions", resource=resource, action=action).id


def rate_admin_id(ctx: Ctx, *actions: str) -> uuid.UUID:
    """An active admin whose own role holds rate_tables:<action> for each action (ADM-022/ADM-023)."""
    role = ctx.insert("admin_roles").id
    links = metadata.tables["admin_role_permissions"]
    for action in actions:
        ctx.conn.execute(links.insert().values(role_id=role, permission_id=_permission_id(ctx, "rate_tables", action)))
    return ctx.insert("admin_users", role_id=role).id


def admin_rate_approval(ctx: Ctx, n: int) -> dict[str, Any]:
    # Submitted by a rate analyst (rate_tables:write, ADM-023); deciders in tests are approvers.
    return RateApprovalRow(
        rate_table_id=ctx.insert("rate_tables").id,
        submitted_by=rate_admin_id(ctx, "write"),
        status="pending",
        approved_by=None,
        approved_at=None,
        rejected_by=None,
        rejected_at=None,
        rejection_reason=None,
        changes_summary={"base_rate": {"old": "42.125000", "new": "43.500000"}},
        effective_date=dt.date(2026, 7, 1),
    )


def _self_approved(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    return values | {"approved_by": values["submitted_by"]}


def admin_dashboard(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "name": f"Operations {n}",
        "slug": f"operations-{n}",
        "layout": {"columns": 12},
        "widgets": [{"type": "chart", "metric": "quotes_per_hour"}],
        "refresh_interval": 60,
        "required_permission_id": ctx.insert("admin_permissions").id,
    }


SAMPLES = {
    "admin_roles": admin_role,
    "admin_permissions": admin_permission,
    "admin_role_permissions": admin_role_permission,
    "admin_users": admin_user,
    "system_settings": system_setting,
    "admin_activity_logs": admin_activity_log,
    "admin_dashboards": admin_dashboard,
    "admin_rate_approvals": admin_rate_approval,
}

APPROVED = {"status": "approved", "approved_by": SAME_ID, "approved_at": sa.func.now()}

CHECK_VIOLATIONS = [
    CheckViolation("ck_admin_roles_name_format", "admin_roles", {"name": "Rate Approver"}),
    CheckViolation("ck_admin_roles_not_own_parent", "admin_roles", {"id": SAME_ID, "parent_role_id": SAME_ID}),
    CheckViolation("ck_admin_permissions_action_allowed", "admin_permissions", {"action": "execute"}),
    CheckViolation("ck_admin_permissions_resource_format", "admin_permissions", {"resource": "Rate Tables"}),
    CheckViolation("ck_admin_users_email_lowercase", "admin_users", {"email": "Admin@Carrier.example"}),
    CheckViolation("ck_admin_users_two_factor_secret_when_enabled", "admin_users", {"two_factor_secret_encrypted": None}),
    CheckViolation("ck_admin_users_failed_login_attempts_non_negative", "admin_users", {"failed_login_attempts": -1}),
    CheckViolation("ck_admin_users_last_login_at_with_ip", "admin_users", {"last_login_ip": None}),
    CheckViolation("ck_admin_users_not_self_created", "admin_users", {"id": SAME_ID, "created_by": SAME_ID}),
    CheckViolation("ck_admin_users_bootstrap_is_super_admin", "admin_users", {"created_by": None}),
    CheckViolation(
        "ex_admin_users_single_bootstrap",
        "admin_users",
        {"created_by": None, "is_super_admin": True},
        why="the sample already created the bootstrap admin: a second admin without a creator is refused",
    ),
    CheckViolation("ck_system_settings_category_format", "system_settings", {"category": "Security"}),
    CheckViolation("ck_system_settings_key_format", "system_settings", {"key": "Session Timeout"}),
    CheckViolation("ck_system_settings_data_type_allowed", "system_settings", {"data_type": "integer"}),
    CheckViolation("ck_system_settings_value_matches_data_type", "system_settings", {"value": "thirty"}),
    CheckViolation("ck_system_settings_validation_rules_is_object", "system_settings", {"validation_rules": ["min", 5]}),
    CheckViolation("ck_system_settings_encrypted_is_sensitive", "system_settings", {"encrypted": True, "value": "kms:v1:MzA="}),
    CheckViolation("ck_admin_activity_logs_status_allowed", "admin_activity_logs", {"status": "ok", "error_message": "?"}),
    CheckViolation("ck_admin_activity_logs_error_message_iff_not_success", "admin_activity_logs", {"error_message": "boom"}),
    CheckViolation("ck_admin_activity_logs_resource_type_format", "admin_activity_logs", {"resource_type": "System Settings"}),
    CheckViolation("ck_admin_activity_logs_old_values_is_object", "admin_activity_logs", {"old_values": [30]}),
    CheckViolation("ck_admin_activity_logs_new_values_is_object", "admin_activity_logs", {"new_values": "45"}),
    CheckViolation("ck_admin_dashboards_slug_format", "admin_dashboards", {"slug": "Operations Board"}),
    CheckViolation("ck_admin_dashboards_layout_is_object", "admin_dashboards", {"layout": [12]}),
    CheckViolation("ck_admin_dashboards_widgets_is_array", "admin_dashboards", {"widgets": {"type": "chart"}}),
    CheckViolation("ck_admin_dashboards_refresh_interval_range", "admin_dashboards", {"refresh_interval": 1}),
    CheckViolation("ck_admin_rate_approvals_status_allowed", "admin_rate_approvals", {"status": "withdrawn"}),
    CheckViolation("ck_admin_rate_approvals_approval_iff_approved", "admin_rate_approvals", {"status": "approved"}),
    CheckViolation("ck_admin_rate_approvals_rejection_iff_rejected", "admin_rate_approvals", {"status": "rejected"}),
    CheckViolation(
        "ck_admin_rate_approvals_rejection_reason_not_blank",
        "admin_rate_approvals",
        {"status": "rejected", "rejected_by": SAME_ID, "rejected_at": sa.func.now(), "rejection_reason": "  "},
    ),
    CheckViolation(
        "ck_admin_rate_approvals_four_eyes",
        "admin_rate_approvals",
        APPROVED,
        prepare=_self_approved,
        why="the submitter approves their own change",
    ),
    CheckViolation(
        "ck_admin_rate_approvals_decided_after_submitted",
        "admin_rate_approvals",
        APPROVED | {"approved_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
    ),
    CheckViolation("ck_admin_rate_approvals_changes_summary_is_object", "admin_rate_approvals", {"changes_summary": ["base_rate"]}),
    CheckViolation(
        "ck_admin_rate_approvals_changes_summary_not_empty",
        "admin_rate_approvals",
        {"changes_summary": {}},
        why="issue 17: an approval that says nothing about what changed",
    ),
]


# --- Refusing triggers (revision 010), as statements ----------------------------------------------

ACT_AS_APPLICATION = "SELECT set_config('app.historical_import', 'off', true)"


def _activity_in_another_admins_name(ctx: Ctx) -> None:
    """SEC-020: the admin declared for the transaction is not the one the log row names."""
    me, other = ctx.insert("admin_users").id, ctx.insert("admin_users").id
    row = ctx.row("admin_activity_logs", admin_user_id=other)
    ctx.conn.execute(sa.text(ACT_AS_APPLICATION))
    ctx.conn.execute(sa.text("SELECT set_config('app.admin_user_id', :me, true)"), {"me": str(me)})
    ctx.conn.execute(metadata.tables["admin_activity_logs"].insert().values(**row))


def _permission(ctx: Ctx, resource: str, action: str) -> uuid.UUID:
    return ctx.conn.execute(
        sa.text(
            "INSERT INTO admin_permissions (resource, action, description) VALUES (:resource, :action, 'security-relevant') "
            "ON CONFLICT (resource, action) DO UPDATE SET description = EXCLUDED.description RETURNING id"
        ),
        {"resource": resource, "action": action},
    ).scalar_one()


def _promote_without_mfa(ctx: Ctx) -> None:
    """SEC-028: an admin without MFA promoted into a role that may manage admins."""
    role = ctx.insert("admin_roles").id
    ctx.conn.execute(
        sa.text("INSERT INTO admin_role_permissions (role_id, permission_id) VALUES (:r, :p)"),
        {"r": role, "p": _permission(ctx, "admin_users", "write")},
    )
    admin = ctx.insert("admin_users", two_factor_enabled=False, two_factor_secret_encrypted=None).id
    ctx.conn.execute(sa.text("UPDATE admin_users SET role_id = :r WHERE id = :a"), {"r": role, "a": admin})


def _security_permission_to_a_role_without_mfa(ctx: Ctx) -> None:
    """SEC-028: a security-relevant permission granted to a role one of whose admins has no MFA."""
    role = ctx.insert("admin_roles").id
    ctx.insert("admin_users", role_id=role, two_factor_enabled=False, two_factor_secret_encrypted=None)
    ctx.conn.execute(
        sa.text("INSERT INTO admin_role_permissions (role_id, permission_id) VALUES (:r, :p)"),
        {"r": role, "p": _permission(ctx, "system_settings", "write")},
    )


TRIGGER_ACTS = [
    TriggerAct(
        "trg_admin_activity_logs_acting_identity",
        "SEC-020",
        _activity_in_another_admins_name,
        why="an activity-log row in another admin's name",
    ),
    TriggerAct(
        "trg_admin_users_security_role_mfa",
        "SEC-028",
        _promote_without_mfa,
        why="promotion to a security-relevant role before MFA enrolment",
    ),
    TriggerAct(
        "trg_admin_role_permissions_security_role_mfa",
        "SEC-028",
        _security_permission_to_a_role_without_mfa,
        why="a security-relevant permission for a role with an admin without MFA",
    ),
]
