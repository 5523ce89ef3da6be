"""Security and compliance tables: SSO providers, OAuth2 clients, MFA settings, the SOC 2 audit log.

Business purpose: who may sign in and how (sso_providers, user_mfa_settings), which machines may
call the API and how fast (oauth2_clients), and an audit trail a SOC 2 auditor can rely on
(audit_logs): append-only even for the owner (SEC-003, trigger), never losing its actor
(SEC-015), partitioned by month with a DEFAULT partition so no row is refused (SEC-016), and kept
at least seven years (SEC-014) by the partition maintenance created here (maintain_partitions(),
run_partition_maintenance(), configured by partition_policies). Partitions live in the
``partitions`` schema.

Revision ID: 004
Revises: 003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.revision_ops import Grant, drop_archives, grant, guard_archives, guard_data_loss

revision: str = "004"
down_revision: str | None = "003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each kind of table this revision creates grants to each group role (SEC-002), as decided
# when the revision was released: today's policy lives in schema.privileges and may move on.
SECRET_SUFFIXES = ("_hash", "_encrypted")  # never granted: SELECT goes column by column on the rest
GRANT_PROFILES: dict[str, tuple[Grant, ...]] = {
    # admin tables: the admin console writes, the application and auditors read
    "admin": (Grant("admin_rw", ("SELECT", "INSERT", "UPDATE")), Grant("app_rw", ("SELECT",)), Grant("app_ro", ("SELECT",)), Grant("auditor", ("SELECT",))),
    # business data the application changes
    "operational": (Grant("app_rw", ("SELECT", "INSERT", "UPDATE")), Grant("app_ro", ("SELECT",)), Grant("auditor", ("SELECT",)), Grant("admin_rw", ("SELECT",))),
    # audit trails: the application appends; nobody updates or deletes (SEC-003)
    "append_only": (Grant("app_rw", ("INSERT",)), Grant("auditor", ("SELECT",)), Grant("admin_rw", ("INSERT",))),
}

# COR-002: updated_at kept true by set_updated_at() (created by 001) on every UPDATE.
UPDATED_AT_TRIGGER = "CREATE TRIGGER trg_{table}_set_updated_at BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
DROP_UPDATED_AT_TRIGGER = "DROP TRIGGER trg_{table}_set_updated_at ON {table}"

# SEC-016: partitions live in a schema of their own; the application only names the parents.
PARTITIONS_SCHEMA = "partitions"
# The partition maintenance as released with this revision, frozen beside it (alembic/released.toml
# holds its checksum): editing today's copy of the job cannot change what a replay of 004 installs.
FROZEN_SQL = Path(__file__).with_name("sql")
DEFAULT_PARTITION = "CREATE TABLE partitions.{parent}_default PARTITION OF {parent} DEFAULT"
DEFAULT_PARTITION_COMMENT = (
    "COMMENT ON TABLE partitions.{parent}_default IS 'DEFAULT partition of {parent}: rows no monthly partition "
    "covers yet; maintain_partitions() moves them into the month it creates for them.'"
)
# audit_logs's archives: tables of the partitions schema named audit_logs_pYYYYMM that are detached.
ARCHIVES = (
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'partitions' "
    "AND c.relkind = 'r' AND NOT c.relispartition AND left(c.relname, 12) = 'audit_logs_p' AND substr(c.relname, 13) ~ '^[0-9]{6}$'"
)

TABLES = ("sso_providers", "oauth2_clients", "user_mfa_settings", "partition_policies", "audit_logs")
UPDATED_AT_TABLES = ("sso_providers", "oauth2_clients", "user_mfa_settings", "partition_policies")

FORBID_AUDIT_MUTATION = """
CREATE FUNCTION forbid_audit_mutation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- SEC-003: an audit trail is evidence; a correction is a new entry, never an edit.
    RAISE EXCEPTION 'SEC-003: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit entries are never updated, deleted or truncated: append a correcting entry instead.';
END
$$;
COMMENT ON FUNCTION forbid_audit_mutation() IS
    'SEC-003: trigger function that refuses UPDATE, DELETE and TRUNCATE on an append-only audit trail, even for the table owner.';
"""

APPEND_ONLY_TRIGGERS = """
CREATE TRIGGER trg_audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION forbid_audit_mutation();
COMMENT ON TRIGGER trg_audit_logs_append_only ON audit_logs IS
    'SEC-003: refuses UPDATE and DELETE of audit rows (cloned onto every partition, re-created on archives).';
CREATE TRIGGER trg_audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_audit_mutation();
COMMENT ON TRIGGER trg_audit_logs_no_truncate ON audit_logs IS
    'SEC-003: refuses TRUNCATE of the audit trail.';
"""

INDEX_COMMENTS = {
    "ix_audit_logs_resource_type_resource_id_created_at": "Query pattern: a resource's audit trail for a period (resource_type = ? AND resource_id = ? AND created_at in a month).",
    "ix_audit_logs_user_id_created_at": "Query pattern: a user's activity, newest first; also serves fk_audit_logs_user_id_users (RESTRICT check on user delete).",
    "ix_audit_logs_created_at": "Query pattern: time-window scans (last hour's security review, exports by day). BRIN: rows arrive in created_at order, "
    "so a few kB summarise a month that a btree would index in GBs; inserts stay cheap.",
}

CREATED_AT = "When the row was inserted (technical default: transaction time)."
UPDATED_AT = "When the row last changed; COR-002: maintained by trigger set_updated_at on every UPDATE."
PK = "Technical surrogate key, generated by the database."
DISCOVERED = "NULL means discovered from the issuer's /.well-known/openid-configuration."


def _id(comment: str = PK) -> sa.Column:
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment=comment)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=CREATED_AT),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=UPDATED_AT),
    ]


def _https(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} ~ '^https://'", name=op.f(f"ck_{table}_{column}_https"))


def _is_array(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"jsonb_typeof({column}) = 'array'", name=op.f(f"ck_{table}_{column}_is_array"))


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA {PARTITIONS_SCHEMA}")
    op.execute(
        f"COMMENT ON SCHEMA {PARTITIONS_SCHEMA} IS 'SEC-016: monthly and DEFAULT partitions of the time series, "
        "and archives detached by retention; the application only names the parent tables.'"
    )
    op.execute(FORBID_AUDIT_MUTATION)

    sso_providers = op.create_table(
        "sso_providers",
        _id(),
        sa.Column("provider_name", sa.String(50), nullable=False, comment="Unique display name of the provider, shown on the sign-in page."),
        sa.Column("provider_type", sa.String(20), nullable=False, comment="SEC-006: identity product; one of the values of ck_sso_providers_provider_type_allowed."),
        sa.Column("client_id", sa.String(255), nullable=False, comment="OAuth client id the provider issued to us (public, not a secret)."),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False, comment="SEC-001: OAuth client secret encrypted with the KMS key; never stored in clear."),
        sa.Column("issuer_url", sa.Text(), nullable=False, comment="SEC-007: OIDC issuer (https); the other endpoints are discovered from it."),
        sa.Column("authorize_url", sa.Text(), nullable=True, comment=f"SEC-007: https authorization endpoint; {DISCOVERED}"),
        sa.Column("token_url", sa.Text(), nullable=True, comment=f"SEC-007: https token endpoint; {DISCOVERED}"),
        sa.Column("userinfo_url", sa.Text(), nullable=True, comment=f"SEC-007: https userinfo endpoint; {DISCOVERED}"),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False, comment="SEC-004: SSO providers start disabled until an admin verifies them."),
        sa.Column(
            "auto_create_users", sa.Boolean(), server_default=sa.text("false"), nullable=False,
            comment="SEC-005: just-in-time user creation is off until an admin opts in; then allowed_domains must be non-empty.",
        ),
        sa.Column(
            "allowed_domains", postgresql.JSONB(), nullable=False,
            comment="SEC-005: JSON array of lower-case e-mail domains allowed to sign in; [] means any account the provider vouches for that already exists here.",
        ),
        *_timestamps(),
        sa.CheckConstraint("provider_type IN ('google', 'azure', 'okta', 'auth0')", name=op.f("ck_sso_providers_provider_type_allowed")),
        _https("sso_providers", "issuer_url"),
        _https("sso_providers", "authorize_url"),
        _https("sso_providers", "token_url"),
        _https("sso_providers", "userinfo_url"),
        _is_array("sso_providers", "allowed_domains"),
        sa.CheckConstraint(
            "NOT jsonb_path_exists(allowed_domains, "
            "'$[*] ? (@.type() != \"string\" || !(@ like_regex \"^[a-z0-9-]+([.][a-z0-9-]+)+$\"))')",
            name=op.f("ck_sso_providers_allowed_domains_are_domains"),
        ),
        sa.CheckConstraint("NOT auto_create_users OR allowed_domains <> '[]'::jsonb", name=op.f("ck_sso_providers_auto_create_needs_domains")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_providers")),
        sa.UniqueConstraint("provider_name", name=op.f("uq_sso_providers_provider_name")),
        comment="Single sign-on identity providers (OIDC) staff sign in with; SEC-004: usable only once an admin enables them.",
    )

    oauth2_clients = op.create_table(
        "oauth2_clients",
        _id(),
        sa.Column("client_id", sa.String(100), nullable=False, comment="Public client identifier presented with every token request."),
        sa.Column("client_secret_hash", sa.Text(), nullable=False, comment="SEC-001: hash (argon2/bcrypt) of the client secret; the secret is shown once at registration."),
        sa.Column("client_name", sa.String(100), nullable=False, comment="Who the client is (partner or system name), for consent screens and audits."),
        sa.Column("redirect_uris", postgresql.JSONB(), nullable=False, comment="SEC-007: JSON array of exact https redirect URIs; [] for clients without a browser flow."),
        sa.Column(
            "allowed_grant_types", postgresql.JSONB(), nullable=False,
            comment="SEC-010: JSON array of OAuth2 grants, a non-empty subset of authorization_code, client_credentials, refresh_token.",
        ),
        sa.Column("allowed_scopes", postgresql.JSONB(), nullable=False, comment="JSON array of API scopes the client may request."),
        sa.Column(
            "rate_limit_per_minute", sa.Integer(), server_default=sa.text("60"), nullable=False,
            comment="SEC-008: requests per minute; 60 unless the partner agreement says otherwise.",
        ),
        sa.Column(
            "rate_limit_per_hour", sa.Integer(), server_default=sa.text("1000"), nullable=False,
            comment="SEC-008: requests per hour; 1000 unless the partner agreement says otherwise; never below the per-minute limit.",
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False, comment="SEC-009: a client is active from registration (an admin act) until revoked."),
        sa.Column(
            "expires_at", sa.DateTime(timezone=True), nullable=True,
            comment="SEC-009: when the credentials stop working; NULL means no fixed expiry (valid until revoked via active).",
        ),
        *_timestamps(),
        _is_array("oauth2_clients", "redirect_uris"),
        sa.CheckConstraint(
            "NOT jsonb_path_exists(redirect_uris, '$[*] ? (@.type() != \"string\" || !(@ like_regex \"^https://\"))')",
            name=op.f("ck_oauth2_clients_redirect_uris_https"),
        ),
        _is_array("oauth2_clients", "allowed_grant_types"),
        sa.CheckConstraint(
            "allowed_grant_types <@ '[\"authorization_code\", \"client_credentials\", \"refresh_token\"]'::jsonb "
            "AND allowed_grant_types <> '[]'::jsonb",
            name=op.f("ck_oauth2_clients_allowed_grant_types_allowed"),
        ),
        sa.CheckConstraint(
            "NOT allowed_grant_types @> '[\"authorization_code\"]'::jsonb OR redirect_uris <> '[]'::jsonb",
            name=op.f("ck_oauth2_clients_authorization_code_needs_redirect_uri"),
        ),
        _is_array("oauth2_clients", "allowed_scopes"),
        sa.CheckConstraint("rate_limit_per_minute > 0", name=op.f("ck_oauth2_clients_rate_limit_per_minute_positive")),
        sa.CheckConstraint("rate_limit_per_hour >= rate_limit_per_minute", name=op.f("ck_oauth2_clients_rate_limit_per_hour_covers_minute")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth2_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth2_clients_client_id")),
        comment="Machine clients (partners, agency systems) allowed to call the API with OAuth2, and their rate limits.",
    )

    user_mfa_settings = op.create_table(
        "user_mfa_settings",
        sa.Column(
            "user_id", sa.Uuid(), nullable=False,
            comment="SEC-013: the user these settings belong to; CASCADE because MFA enrolment is owned by the account and meaningless without it.",
        ),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=True, comment="SEC-001: TOTP seed, encrypted; NULL until the user enrols an authenticator app."),
        sa.Column(
            "totp_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False,
            comment="SEC-011: off until TOTP enrolment is confirmed; SEC-012: only with a secret.",
        ),
        sa.Column(
            "webauthn_credentials", postgresql.JSONB(), nullable=True,
            comment="JSON array of registered WebAuthn credentials (credential id, public key, sign count: public material); NULL until the first security key is registered.",
        ),
        sa.Column(
            "webauthn_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False,
            comment="SEC-011: off until a security key is registered; SEC-012: only with at least one credential.",
        ),
        sa.Column("sms_phone_encrypted", sa.Text(), nullable=True, comment="SEC-001: phone number for SMS codes, encrypted (PII); NULL until the user adds one."),
        sa.Column(
            "sms_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False,
            comment="SEC-011: SMS is a backup factor, off until the phone is verified; SEC-012: only with a phone.",
        ),
        sa.Column(
            "recovery_codes_encrypted", postgresql.JSONB(), nullable=True,
            comment="SEC-001: JSON array of encrypted one-time recovery codes; NULL until the user generates them.",
        ),
        *_timestamps(),
        sa.CheckConstraint("NOT totp_enabled OR totp_secret_encrypted IS NOT NULL", name=op.f("ck_user_mfa_settings_totp_enabled_needs_secret")),
        sa.CheckConstraint(
            "NOT webauthn_enabled OR (webauthn_credentials IS NOT NULL AND webauthn_credentials <> '[]'::jsonb)",
            name=op.f("ck_user_mfa_settings_webauthn_enabled_needs_credentials"),
        ),
        sa.CheckConstraint("NOT sms_enabled OR sms_phone_encrypted IS NOT NULL", name=op.f("ck_user_mfa_settings_sms_enabled_needs_phone")),
        _is_array("user_mfa_settings", "webauthn_credentials"),
        _is_array("user_mfa_settings", "recovery_codes_encrypted"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_mfa_settings_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_mfa_settings")),
        comment="Each user's multi-factor authentication enrolment; SEC-013: owned by the user, deleted with the account.",
    )

    partition_policies = op.create_table(
        "partition_policies",
        sa.Column("parent_table", sa.String(63), nullable=False, comment="Name of the partitioned table (in the application schema) this policy maintains."),
        sa.Column("months_ahead", sa.Integer(), nullable=False, comment="Monthly partitions kept ready beyond the current month (at least 3: SEC-016)."),
        sa.Column(
            "retention_months", sa.Integer(), nullable=False,
            comment="Months a partition stays attached after its month ends; older ones are detached, never dropped (SEC-014: audit logs >= 84).",
        ),
        sa.Column("rule_id", sa.String(7), nullable=False, comment="The business rule (SEC-/ANA- id) that sets this retention."),
        *_timestamps(),
        sa.CheckConstraint("months_ahead BETWEEN 3 AND 24", name=op.f("ck_partition_policies_months_ahead_range")),
        sa.CheckConstraint("retention_months >= 1", name=op.f("ck_partition_policies_retention_months_positive")),
        sa.CheckConstraint("parent_table <> 'audit_logs' OR retention_months >= 84", name=op.f("ck_partition_policies_audit_logs_kept_7_years")),
        sa.CheckConstraint("rule_id ~ '^(SEC|ANA)-[0-9]{3}$'", name=op.f("ck_partition_policies_rule_id_format")),
        sa.PrimaryKeyConstraint("parent_table", name=op.f("pk_partition_policies")),
        comment="Look-ahead and retention of each monthly-partitioned table, read by run_partition_maintenance() (SEC-016).",
    )

    audit_logs = op.create_table(
        "audit_logs",
        _id("Technical surrogate key, generated by the database; unique with created_at (the partition key)."),
        sa.Column(
            "user_id", sa.Uuid(), nullable=True,
            comment="Acting user; NULL when the actor is not a platform user (anonymous request, failed login of an unknown e-mail, scheduled job). "
            "SEC-015: RESTRICT, a user with audit history is deactivated, never deleted, so the trail keeps who did it.",
        ),
        sa.Column("ip_address", postgresql.INET(), nullable=True, comment="Client address; NULL when the action did not come over the network (database job, CLI)."),
        sa.Column("user_agent", sa.Text(), nullable=True, comment="HTTP User-Agent; NULL when no HTTP client was involved."),
        sa.Column("session_id", sa.Uuid(), nullable=True, comment="Login session the action ran in; NULL outside an authenticated session."),
        sa.Column("action", sa.String(100), nullable=False, comment="SEC-019: what was done, dotted lower-case verb phrase, e.g. quote.create, user.login_failed."),
        sa.Column("resource_type", sa.String(50), nullable=False, comment="SEC-019: kind of resource acted on, snake_case (usually a table name, e.g. quotes)."),
        sa.Column("resource_id", sa.Uuid(), nullable=True, comment="Id of the resource acted on; NULL when the action concerns no single row (login, search, export)."),
        sa.Column("request_method", sa.String(10), nullable=True, comment="SEC-017: HTTP method; NULL when the action was not an HTTP request (then request_path is NULL too)."),
        sa.Column("request_path", sa.Text(), nullable=True, comment="SEC-017: HTTP path without query secrets; NULL exactly when request_method is NULL."),
        sa.Column(
            "request_body", postgresql.JSONB(), nullable=True,
            comment="SEC-001: request payload with secrets redacted by the application (JSON object or array); NULL when there was none.",
        ),
        sa.Column("response_status", sa.Integer(), nullable=True, comment="SEC-017: HTTP status 100-599; NULL when not an HTTP request or no response was sent."),
        sa.Column("response_time_ms", sa.Integer(), nullable=True, comment="Milliseconds to respond (>= 0); NULL when not an HTTP request."),
        sa.Column("risk_score", sa.Numeric(3, 2), nullable=True, comment="SEC-018: fraud/abuse risk score in [0, 1]; NULL when the action was not scored."),
        sa.Column("security_alerts", postgresql.JSONB(), nullable=True, comment="JSON array of alerts the security rules raised; NULL when none were evaluated."),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False,
            comment="When the event happened (technical default: transaction time); partition key (monthly RANGE) and part of the primary key.",
        ),
        sa.CheckConstraint("action ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)*$'", name=op.f("ck_audit_logs_action_format")),
        sa.CheckConstraint("resource_type ~ '^[a-z][a-z0-9_]*$'", name=op.f("ck_audit_logs_resource_type_format")),
        sa.CheckConstraint(
            "request_method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')", name=op.f("ck_audit_logs_request_method_allowed")
        ),
        sa.CheckConstraint("(request_method IS NULL) = (request_path IS NULL)", name=op.f("ck_audit_logs_request_method_with_path")),
        sa.CheckConstraint(
            "request_method IS NOT NULL OR (request_body IS NULL AND response_status IS NULL AND response_time_ms IS NULL)",
            name=op.f("ck_audit_logs_response_needs_request"),
        ),
        sa.CheckConstraint("jsonb_typeof(request_body) IN ('object', 'array')", name=op.f("ck_audit_logs_request_body_is_json_document")),
        sa.CheckConstraint("response_status BETWEEN 100 AND 599", name=op.f("ck_audit_logs_response_status_range")),
        sa.CheckConstraint("response_time_ms >= 0", name=op.f("ck_audit_logs_response_time_ms_non_negative")),
        sa.CheckConstraint("risk_score >= 0 AND risk_score <= 1", name=op.f("ck_audit_logs_risk_score_range")),
        _is_array("audit_logs", "security_alerts"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_logs_user_id_users"), ondelete="RESTRICT"),
        # The seed's PRIMARY KEY (id) is impossible on a partitioned table (DEV-SEC-01).
        sa.PrimaryKeyConstraint("id", "created_at", name=op.f("pk_audit_logs")),
        comment="SOC 2 audit trail of who did what to which resource. SEC-003: append-only; SEC-016: monthly RANGE partitions on created_at plus DEFAULT; SEC-014: kept at least 7 years.",
        postgresql_partition_by="RANGE (created_at)",
    )
    # Indexes on the partitioned parent: PostgreSQL creates and attaches one per partition.
    op.create_index(op.f("ix_audit_logs_resource_type_resource_id_created_at"), "audit_logs", ["resource_type", "resource_id", "created_at"])
    op.create_index(op.f("ix_audit_logs_user_id_created_at"), "audit_logs", ["user_id", "created_at"])
    op.create_index(op.f("ix_audit_logs_created_at"), "audit_logs", ["created_at"], postgresql_using="brin")
    for index, comment in INDEX_COMMENTS.items():
        quoted = comment.replace("'", "''")
        op.execute(f"COMMENT ON INDEX {index} IS '{quoted}'")

    for table in UPDATED_AT_TABLES:
        op.execute(UPDATED_AT_TRIGGER.format(table=table))
    op.execute(APPEND_ONLY_TRIGGERS)

    op.execute((FROZEN_SQL / "004_maintain_partitions.sql").read_text())
    op.execute((FROZEN_SQL / "004_run_partition_maintenance.sql").read_text())
    op.execute(DEFAULT_PARTITION.format(parent="audit_logs"))
    op.execute(DEFAULT_PARTITION_COMMENT.format(parent="audit_logs"))
    # SEC-014 (kept 84 months), SEC-016 (current month + 3 ahead), made relative to now().
    op.execute(
        "INSERT INTO partition_policies (parent_table, months_ahead, retention_months, rule_id) "
        "VALUES ('audit_logs', 3, 84, 'SEC-014')"
    )
    op.execute("SELECT count(*) FROM maintain_partitions('audit_logs'::regclass, 3, 84)")

    # Identity-provider and API-client registrations are configuration the admin console manages
    # (a compromised application service must not register its own SSO provider or OAuth client);
    # MFA enrolment is the user's own, done through the application (schema.privileges agrees).
    for table in (sso_providers, oauth2_clients, partition_policies):
        grant(table, GRANT_PROFILES["admin"], SECRET_SUFFIXES)
    grant(user_mfa_settings, GRANT_PROFILES["operational"], SECRET_SUFFIXES)
    grant(audit_logs, GRANT_PROFILES["append_only"], SECRET_SUFFIXES)


def downgrade() -> None:
    guard_data_loss("audit_logs", "user_mfa_settings", "oauth2_clients", "sso_providers")
    guard_archives("audit_logs", ARCHIVES)
    # The registration row is this revision's own; any other policy is someone's data.
    op.execute("DELETE FROM partition_policies WHERE parent_table = 'audit_logs'")
    guard_data_loss("partition_policies")

    drop_archives(ARCHIVES)
    op.execute("DROP FUNCTION run_partition_maintenance(boolean)")
    op.execute("DROP FUNCTION maintain_partitions(regclass, integer, integer, boolean)")

    op.execute("DROP TRIGGER trg_audit_logs_no_truncate ON audit_logs")
    op.execute("DROP TRIGGER trg_audit_logs_append_only ON audit_logs")
    for table in reversed(UPDATED_AT_TABLES):
        op.execute(DROP_UPDATED_AT_TRIGGER.format(table=table))

    op.drop_index(op.f("ix_audit_logs_created_at"), table_name="audit_logs")
    op.drop_index(op.f("ix_audit_logs_user_id_created_at"), table_name="audit_logs")
    op.drop_index(op.f("ix_audit_logs_resource_type_resource_id_created_at"), table_name="audit_logs")
    op.drop_table("audit_logs")  # its monthly and DEFAULT partitions go with it
    op.drop_table("partition_policies")
    op.drop_table("user_mfa_settings")
    op.drop_table("oauth2_clients")
    op.drop_table("sso_providers")

    op.execute("DROP FUNCTION forbid_audit_mutation()")
    op.execute(f"DROP SCHEMA {PARTITIONS_SCHEMA}")
