"""Admin domain (revision 006): the admin console's accounts, roles, settings and audit trail.

Who may change the platform is itself data a SOC 2 auditor reads, so the shape follows the
questions they ask: which permissions does a role hold (one source of truth: the link table,
ADM-002), who created whom (ADM-008), who changed which setting (ADM-012), what did an admin do
(an append-only log, ADM-014), and who approved a rate change that was not theirs (ADM-020).

Row-level security (policies on system_settings and admin_activity_logs) is not expressible in
SQLAlchemy models; revision 006 creates it and rules ADM-015 / ADM-016 describe it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from schema import secret_formats
from schema.models.base import Base, created_at, in_values, updated_at, uuid_pk
from schema.models.design import GENERATED, REPLICATED, Distributed, design

PERMISSION_ACTIONS: tuple[str, ...] = ("read", "write", "delete", "approve")
SETTING_DATA_TYPES: tuple[str, ...] = ("string", "number", "boolean", "json")
ACTIVITY_STATUSES: tuple[str, ...] = ("success", "failed", "unauthorized")
APPROVAL_STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")

# Identifiers admins type and code matches on: lower-case snake case.
SNAKE_CASE = "^[a-z][a-z0-9_]*$"
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"

# ADM-009: the stored JSON type follows data_type; ciphertext is always a JSON string.
VALUE_MATCHES_DATA_TYPE = (
    "CASE WHEN encrypted THEN jsonb_typeof(value) = 'string' "
    "WHEN data_type = 'json' THEN jsonb_typeof(value) IN ('object', 'array') "
    "ELSE jsonb_typeof(value) = data_type END"
)


def jsonb_type_check(column: str, json_type: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"jsonb_typeof({column}) = '{json_type}'", name=f"{column}_is_{json_type}")


def admin_fk(column: str) -> sa.ForeignKeyConstraint:
    """ADM-010: admins are deactivated, never deleted, so what they did keeps its actor."""
    return sa.ForeignKeyConstraint([column], ["admin_users.id"], ondelete="RESTRICT")


class AdminRole(Base):
    __tablename__ = "admin_roles"
    # Design: 006 admin: the admin console writes; everyone else reads.
    __table_args__ = (
        sa.CheckConstraint(f"name ~ '{SNAKE_CASE}'", name="name_format"),
        sa.CheckConstraint("parent_role_id <> id", name="not_own_parent"),
        sa.ForeignKeyConstraint(["parent_role_id"], ["admin_roles.id"], ondelete="RESTRICT"),
        sa.UniqueConstraint("name"),
        sa.Index("ix_admin_roles_parent_role_id", "parent_role_id"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Roles of the admin console. A role holds the permissions linked in admin_role_permissions "
            "(ADM-002) and inherits its parent's; ADM-001: the hierarchy has no cycle and at most 5 levels.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="Unique role name in lower snake case (e.g. rate_approver), matched by code."
    )
    description: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="What the role is for; an auditor reads it when reviewing who holds which rights."
    )
    parent_role_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="ADM-001: role whose permissions this role inherits; NULL for a top-level role. RESTRICT: a role with "
        "child roles cannot be deleted (the children would silently lose what they inherit).",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class AdminPermission(Base):
    __tablename__ = "admin_permissions"
    __table_args__ = (
        sa.CheckConstraint(in_values("action", PERMISSION_ACTIONS), name="action_allowed"),
        sa.CheckConstraint(f"resource ~ '{SNAKE_CASE}'", name="resource_format"),
        sa.UniqueConstraint("resource", "action"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "ADM-003: registry of the permissions the admin console checks, one per (resource, action).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    resource: Mapped[str] = mapped_column(
        sa.String(50),
        nullable=False,
        comment="ADM-003: what the permission is about, in lower snake case (quotes, policies, rate_tables, "
        "system_settings...). An open list on purpose: a new console module adds its resource as a row.",
    )
    action: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="ADM-003: what may be done to the resource; one of ck_admin_permissions_action_allowed."
    )
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, comment="What holding the permission allows, for reviewers.")
    created_at: Mapped[dt.datetime] = created_at()


class AdminRolePermission(Base):
    __tablename__ = "admin_role_permissions"
    __table_args__ = (
        sa.ForeignKeyConstraint(["role_id"], ["admin_roles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["permission_id"], ["admin_permissions.id"], ondelete="RESTRICT"),
        sa.Index("ix_admin_role_permissions_permission_id", "permission_id"),
        {
            "info": design("admin_link", REPLICATED, GENERATED),
            "comment": "ADM-002: the permissions each admin role holds; the only source of truth for role permissions.",
        },
    )

    role_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        primary_key=True,
        comment="ADM-002: role holding the permission; CASCADE, the grant is owned by the role and goes with it.",
    )
    permission_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        primary_key=True,
        comment="ADM-002: permission granted; RESTRICT, a permission still granted to a role cannot be deleted.",
    )
    created_at: Mapped[dt.datetime] = created_at()


class AdminUser(Base):
    __tablename__ = "admin_users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("NOT two_factor_enabled OR two_factor_secret_encrypted IS NOT NULL", name="two_factor_secret_when_enabled"),
        sa.CheckConstraint("failed_login_attempts >= 0", name="failed_login_attempts_non_negative"),
        sa.CheckConstraint("(last_login_at IS NULL) = (last_login_ip IS NULL)", name="last_login_at_with_ip"),
        sa.CheckConstraint("created_by <> id", name="not_self_created"),
        sa.CheckConstraint("created_by IS NOT NULL OR is_super_admin", name="bootstrap_is_super_admin"),
        sa.CheckConstraint(secret_formats.hash_check("password_hash"), name="password_hash_format"),  # SEC-025, revision 010
        sa.CheckConstraint("NOT is_super_admin OR two_factor_enabled", name="super_admin_has_mfa"),  # SEC-027, revision 010
        sa.CheckConstraint(secret_formats.envelope_check("two_factor_secret_encrypted"), name="two_factor_secret_encrypted_envelope"),
        postgresql.ExcludeConstraint(
            (sa.text("(created_by IS NULL)"), "="),
            where=sa.text("created_by IS NULL"),
            using="btree",
            name="ex_admin_users_single_bootstrap",
        ),
        sa.ForeignKeyConstraint(["role_id"], ["admin_roles.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by"], ["admin_users.id"], ondelete="RESTRICT"),
        sa.UniqueConstraint("email"),
        sa.Index("ix_admin_users_role_id", "role_id"),
        sa.Index("ix_admin_users_created_by", "created_by"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Accounts of the admin console (separate from users: different authentication and audit). "
            "ADM-010: deactivated, never deleted.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="Login e-mail, stored lower-case (COR-005) so uniqueness is case-blind."
    )
    password_hash: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="Password hash (argon2/bcrypt); SEC-001: never the password itself."
    )
    role_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="ADM-004: the admin's role (super admins too); RESTRICT, a role with admins cannot be deleted.",
    )
    is_super_admin: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="ADM-005: bypasses permission checks; false unless another super admin grants it explicitly.",
    )
    two_factor_enabled: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="ADM-006: off until the admin has enrolled an authenticator; then a secret must be stored.",
    )
    two_factor_secret_encrypted: Mapped[str | None] = mapped_column(
        sa.Text,
        nullable=True,
        comment="SEC-001/ADM-006: TOTP secret encrypted with the KMS key; NULL until the admin enrolls "
        "(required while two_factor_enabled).",
    )
    last_login_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True, comment="Last successful login; NULL until the first one."
    )
    last_login_ip: Mapped[ipaddress.IPv4Address | ipaddress.IPv6Address | None] = mapped_column(
        postgresql.INET, nullable=True, comment="Client address of the last successful login; NULL until the first one."
    )
    failed_login_attempts: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("0"),
        comment="ADM-007: consecutive failed logins since the last success; starts at 0, never negative.",
    )
    locked_until: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=True,
        comment="Login refused until this time (lockout after repeated failures); NULL when the account is not locked.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="ADM-008: admin who created this account; NULL only for the single bootstrap super admin "
        "(ex_admin_users_single_bootstrap). RESTRICT (ADM-010).",
    )
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=True,
        comment="ADM-010: when the account was deactivated (instead of deleted); NULL while it is active.",
    )


class SystemSetting(Base):
    __tablename__ = "system_settings"
    # Design: 006 admin: the admin console writes; everyone else reads (RLS narrows what).
    __table_args__ = (
        sa.CheckConstraint(f"category ~ '{SNAKE_CASE}'", name="category_format"),
        sa.CheckConstraint("key ~ '^[a-z][a-z0-9_.]*$'", name="key_format"),
        sa.CheckConstraint(in_values("data_type", SETTING_DATA_TYPES), name="data_type_allowed"),
        sa.CheckConstraint(VALUE_MATCHES_DATA_TYPE, name="value_matches_data_type"),
        jsonb_type_check("validation_rules", "object"),
        sa.CheckConstraint("NOT encrypted OR is_sensitive", name="encrypted_is_sensitive"),
        admin_fk("last_modified_by"),
        sa.UniqueConstraint("category", "key"),
        sa.Index("ix_system_settings_last_modified_by", "last_modified_by"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Platform configuration the admin console edits, one value per (category, key). "
            "ADM-015: row-level security hides sensitive settings from roles without the right.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    category: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="Group of the setting in lower snake case (e.g. security, rating)."
    )
    key: Mapped[str] = mapped_column(
        sa.String(100), nullable=False, comment="Name of the setting within its category (lower case, dots allowed)."
    )
    value: Mapped[object] = mapped_column(
        postgresql.JSONB,
        nullable=False,
        comment="ADM-009: the value as JSON of the type data_type names; a JSON string of ciphertext when encrypted.",
    )
    data_type: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        comment="ADM-009: type of the (decrypted) value; one of ck_system_settings_data_type_allowed.",
    )
    validation_rules: Mapped[dict | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="JSON object of extra constraints the console enforces (min, max, pattern...); NULL when the "
        "data_type check is the only rule.",
    )
    is_sensitive: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="ADM-011: hidden from app_rw, app_ro and auditor by row-level security (ADM-015); true until an "
        "admin classifies the setting as not sensitive (fail closed).",
    )
    encrypted: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="ADM-011: whether value holds ciphertext the application encrypted with the KMS key; false "
        "unless the writer says so (the database does not encrypt). Only sensitive settings are encrypted.",
    )
    last_modified_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="ADM-012: admin who last changed the setting; NULL when a migration or seed script wrote it. RESTRICT (ADM-010).",
    )
    last_modified_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="ADM-012: when the setting last changed; insert time, then kept true by trigger trg_system_settings_set_last_modified_at.",
    )


class AdminActivityLog(Base):
    __tablename__ = "admin_activity_logs"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", ACTIVITY_STATUSES), name="status_allowed"),
        sa.CheckConstraint("(status = 'success') = (error_message IS NULL)", name="error_message_iff_not_success"),
        sa.CheckConstraint(f"resource_type ~ '{SNAKE_CASE}'", name="resource_type_format"),
        jsonb_type_check("old_values", "object"),
        jsonb_type_check("new_values", "object"),
        admin_fk("admin_user_id"),
        sa.Index("ix_admin_activity_logs_admin_user_id_created_at", "admin_user_id", "created_at"),
        sa.Index("ix_admin_activity_logs_created_at", "created_at"),
        sa.Index("ix_admin_activity_logs_resource_type_resource_id", "resource_type", "resource_id"),
        {
            "info": design("append_only", Distributed("id", "append-only admin trail: even write spread"), GENERATED),
            "comment": "What each admin did in the console, successful or not. ADM-014: append-only; "
            "ADM-016: insert-only for the application, readable by auditors (row-level security).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    admin_user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="ADM-010: the admin who acted (unauthenticated attempts go to audit_logs); RESTRICT, the log outlives nobody it names.",
    )
    action: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="What the admin did (e.g. setting.update, rate.approve).")
    resource_type: Mapped[str] = mapped_column(
        sa.String(50),
        nullable=False,
        comment="ADM-003: kind of object acted on, in the resource vocabulary of admin_permissions (lower snake case).",
    )
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, nullable=True, comment="Object acted on; NULL when the action targets no single row (a search, an export)."
    )
    old_values: Mapped[dict | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="JSON object of the changed fields before the action; NULL when nothing existed before (create, read).",
    )
    new_values: Mapped[dict | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="JSON object of the changed fields after the action; NULL when nothing was written (read, delete, refusal).",
    )
    ip_address: Mapped[ipaddress.IPv4Address | ipaddress.IPv6Address | None] = mapped_column(
        postgresql.INET, nullable=True, comment="Client address; NULL when the action did not come over HTTP (an admin CLI job)."
    )
    user_agent: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="Client user agent; NULL when the action did not come over HTTP (an admin CLI job)."
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, nullable=True, comment="Correlation id of the console request; NULL when the action did not come over HTTP."
    )
    status: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="Outcome: success, failed (an error) or unauthorized (permission refused)."
    )
    error_message: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="ADM-013: why the action failed or was refused; NULL exactly when status is success."
    )
    created_at: Mapped[dt.datetime] = created_at()


class AdminDashboard(Base):
    __tablename__ = "admin_dashboards"
    __table_args__ = (
        sa.CheckConstraint(f"slug ~ '{SLUG}'", name="slug_format"),
        jsonb_type_check("layout", "object"),
        jsonb_type_check("widgets", "array"),
        sa.CheckConstraint("refresh_interval BETWEEN 5 AND 3600", name="refresh_interval_range"),
        sa.ForeignKeyConstraint(["required_permission_id"], ["admin_permissions.id"], ondelete="RESTRICT"),
        sa.UniqueConstraint("slug"),
        sa.Index("ix_admin_dashboards_required_permission_id", "required_permission_id"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Dashboards of the admin console: layout, widgets, refresh rate and the permission needed to open one.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Title shown in the console.")
    slug: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="URL key: lower-case words joined by hyphens, unique.")
    layout: Mapped[dict] = mapped_column(postgresql.JSONB, nullable=False, comment="Grid layout as a JSON object.")
    widgets: Mapped[list] = mapped_column(postgresql.JSONB, nullable=False, comment="Widget definitions as a JSON array.")
    refresh_interval: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("60"),
        comment="ADM-017: seconds between refreshes, 60 unless set, between 5 (database load) and 3600 (staleness).",
    )
    required_permission_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="ADM-018: permission an admin needs to open the dashboard; RESTRICT, a permission a dashboard requires cannot be deleted.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class AdminRateApproval(Base):
    __tablename__ = "admin_rate_approvals"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", APPROVAL_STATUSES), name="status_allowed"),
        sa.CheckConstraint(
            "(status = 'approved') = (approved_by IS NOT NULL) AND (status = 'approved') = (approved_at IS NOT NULL)",
            name="approval_iff_approved",
        ),
        sa.CheckConstraint(
            "(status = 'rejected') = (rejected_by IS NOT NULL) AND (status = 'rejected') = (rejected_at IS NOT NULL) "
            "AND (status = 'rejected') = (rejection_reason IS NOT NULL)",
            name="rejection_iff_rejected",
        ),
        sa.CheckConstraint("btrim(rejection_reason) <> ''", name="rejection_reason_not_blank"),
        sa.CheckConstraint("approved_by <> submitted_by", name="four_eyes"),
        sa.CheckConstraint("approved_at >= submitted_at AND rejected_at >= submitted_at", name="decided_after_submitted"),
        jsonb_type_check("changes_summary", "object"),
        sa.CheckConstraint("changes_summary <> '{}'::jsonb", name="changes_summary_not_empty"),
        sa.ForeignKeyConstraint(["rate_table_id"], ["rate_tables.id"], ondelete="RESTRICT"),
        admin_fk("submitted_by"),
        admin_fk("approved_by"),
        admin_fk("rejected_by"),
        sa.Index("ix_admin_rate_approvals_rate_table_id", "rate_table_id"),
        sa.Index("ix_admin_rate_approvals_submitted_by", "submitted_by"),
        sa.Index("ix_admin_rate_approvals_approved_by", "approved_by"),
        sa.Index("ix_admin_rate_approvals_rejected_by", "rejected_by"),
        sa.Index("ix_admin_rate_approvals_submitted_at", "submitted_at", postgresql_where=sa.text("status = 'pending'")),
        # ADM-024 (revision 009): at most one pending approval per rate row.
        sa.Index(
            "uq_admin_rate_approvals_pending_rate_table_id", "rate_table_id", unique=True, postgresql_where=sa.text("status = 'pending'")
        ),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Approval workflow of rate table changes: submitted by one admin, approved or rejected by "
            "another (ADM-020), final once decided (ADM-021).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rate_table_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="Rate table whose change is submitted; RESTRICT, a rate table with approval records cannot be deleted.",
    )
    submitted_by: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False, comment="Admin who submitted the change; RESTRICT (ADM-010).")
    submitted_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="ADM-019: when the change was submitted, which is when the row is inserted.",
    )
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="ADM-019/ADM-020: admin who approved, never the submitter; NULL unless status is approved. RESTRICT (ADM-010).",
    )
    approved_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True, comment="ADM-019: when it was approved; NULL unless status is approved."
    )
    rejected_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, nullable=True, comment="ADM-019: admin who rejected; NULL unless status is rejected. RESTRICT (ADM-010)."
    )
    rejected_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True, comment="ADM-019: when it was rejected; NULL unless status is rejected."
    )
    rejection_reason: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="ADM-019: why it was rejected (not blank); NULL unless status is rejected."
    )
    changes_summary: Mapped[dict] = mapped_column(
        postgresql.JSONB, nullable=False, comment="What the change does to the rate table, as a JSON object (old and new values)."
    )
    effective_date: Mapped[dt.date] = mapped_column(
        sa.Date, nullable=False, comment="Calendar date from which the approved change applies."
    )
    status: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        server_default=sa.text("'pending'::character varying"),
        comment="ADM-019: every submission starts pending, then is approved or rejected once (ADM-021).",
    )
