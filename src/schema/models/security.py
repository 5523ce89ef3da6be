"""Security & compliance domain (revision 004): SSO, OAuth2 clients, MFA, the SOC 2 audit log.

What an auditor asks of these tables drives their shape: secrets exist only as hashes or
ciphertext (SEC-001), the audit log cannot be rewritten (SEC-003) nor lose its actor (SEC-015) and
is kept seven years (SEC-014), and every switch that widens access (SSO enabled, just-in-time user
creation, MFA factors) starts off until someone deliberately turns it on.

audit_logs is partitioned by month: the monthly partitions and the DEFAULT one are data (made by
maintain_partitions() relative to the clock), so they are not models; they live in the
``partitions`` schema, out of the application's search_path.

ddl_audit_log (revision 011) is the database's own trail of schema changes (SEC-040): two event
triggers, ``trg_ddl_audit_command_end`` and ``trg_ddl_audit_sql_drop``, record every DDL command
with who ran it (session and current role), when, the command tag and the object, and the Alembic
revision that ran it (SEC-043; NULL means by hand or by a job such as partition maintenance). It
is append-only for everyone, owner included (SEC-041), and auditors read it.

**Where the DDL audit is not installed (SEC-042).** Event triggers need a superuser. On a managed
service where the migrating role is not one, revision 011 still creates the table but prints
"DDL audit NOT installed: the migrating role ... is not a superuser" in the migration output and
as a server WARNING; ``alembic -x ddl-audit=off upgrade head`` is the explicit, documented choice
not to install it and prints "DDL audit NOT installed: turned off with -x ddl-audit=off". In both
cases ddl_audit_log stays empty and schema changes outside Alembic leave no trace in the database:
the operator must rely on the service's own audit (pgaudit, the provider's activity log) or the
server log with ``log_statement = 'ddl'``. Whether a database has it is one query:
``SELECT evtname, evtenabled FROM pg_event_trigger WHERE evtname LIKE 'trg_ddl_audit_%'``.
Event triggers never see cluster-wide objects (roles, databases, tablespaces) nor the disabling
of an event trigger itself; the server log covers those. Temporary objects are not recorded.

**Encryption at rest, and how it changes.** Encrypted by the application: every ``*_encrypted``
column (SSO client secrets, TOTP and admin 2FA secrets, MFA phone numbers, recovery codes), stored
as the envelope ``v1:<key id>:<base64>`` (AES-256-GCM, SEC-026) that names the key that sealed it;
no database role but the owner reads them (SEC-001/002). A new key (a compromised one, a
compliance-mandated period, a new KMS) is ``schema keys rotate --to <key id> --keyring <file>``:
every value re-encrypted under the new key id in committed batches of row locks (no table lock),
with progress, resumable by running it again, refusing by name any value it cannot decrypt.
Relying on storage encryption: everything else, including the rest of the personal data, the WAL
and the backups; that changes with the host (volume keys, re-encrypted snapshots, the backup
store's keys), not with the schema. Password and client-secret ``*_hash`` columns are one-way and
change only when the secret is reset.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from schema import secret_formats
from schema.models.base import Base, created_at, in_values, updated_at, uuid_pk
from schema.models.design import GENERATED, REPLICATED, REVISION_ROWS, Distributed, LeftEmpty, WrittenByDatabase, design

SSO_PROVIDER_TYPES: tuple[str, ...] = ("google", "azure", "okta", "auth0")
HTTP_METHODS: tuple[str, ...] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# A JSON array of strings that all start with https:// (jsonpath: no element fails the test).
HTTPS_ONLY_ARRAY = 'NOT jsonb_path_exists({column}, \'$[*] ? (@.type() != "string" || !(@ like_regex "^https://"))\')'
# E-mail domains, lower-case, at least one dot.
DOMAIN_ARRAY = 'NOT jsonb_path_exists(allowed_domains, \'$[*] ? (@.type() != "string" || !(@ like_regex "^[a-z0-9-]+([.][a-z0-9-]+)+$"))\')'


def https_check(column: str) -> sa.CheckConstraint:
    """SEC-007: an identity endpoint is only ever reached over TLS."""
    return sa.CheckConstraint(f"{column} ~ '^https://'", name=f"{column}_https")


def jsonb_array_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"jsonb_typeof({column}) = 'array'", name=f"{column}_is_array")


def partitioned_created_at() -> Mapped[dt.datetime]:
    """The partition key: part of the primary key, since PostgreSQL requires a partitioned
    table's unique constraints to include it."""
    return mapped_column(
        sa.DateTime(timezone=True),
        primary_key=True,
        server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="When the event happened (technical default: transaction time); partition key (monthly RANGE) and part of the primary key.",
    )


class SsoProvider(Base):
    __tablename__ = "sso_providers"
    # Design: 004 security: identity-provider registrations are configuration the admin console manages; letting the
    # application write them would let a compromised service register its own SSO provider.
    __table_args__ = (
        sa.CheckConstraint(in_values("provider_type", SSO_PROVIDER_TYPES), name="provider_type_allowed"),
        sa.CheckConstraint(secret_formats.envelope_check("client_secret_encrypted"), name="client_secret_encrypted_envelope"),  # SEC-026
        https_check("issuer_url"),
        https_check("authorize_url"),
        https_check("token_url"),
        https_check("userinfo_url"),
        jsonb_array_check("allowed_domains"),
        sa.CheckConstraint(DOMAIN_ARRAY, name="allowed_domains_are_domains"),
        sa.CheckConstraint("NOT auto_create_users OR allowed_domains <> '[]'::jsonb", name="auto_create_needs_domains"),
        sa.UniqueConstraint("provider_name"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Single sign-on identity providers (OIDC) staff sign in with; SEC-004: usable only once an admin enables them.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    provider_name: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="Unique display name of the provider, shown on the sign-in page."
    )
    provider_type: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="SEC-006: identity product; one of the values of ck_sso_providers_provider_type_allowed."
    )
    client_id: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="OAuth client id the provider issued to us (public, not a secret)."
    )
    client_secret_encrypted: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="SEC-001: OAuth client secret encrypted with the KMS key; never stored in clear."
    )
    issuer_url: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="SEC-007: OIDC issuer (https); the other endpoints are discovered from it."
    )
    authorize_url: Mapped[str | None] = mapped_column(
        sa.Text,
        nullable=True,
        comment="SEC-007: https authorization endpoint; NULL means discovered from the issuer's /.well-known/openid-configuration.",
    )
    token_url: Mapped[str | None] = mapped_column(
        sa.Text,
        nullable=True,
        comment="SEC-007: https token endpoint; NULL means discovered from the issuer's /.well-known/openid-configuration.",
    )
    userinfo_url: Mapped[str | None] = mapped_column(
        sa.Text,
        nullable=True,
        comment="SEC-007: https userinfo endpoint; NULL means discovered from the issuer's /.well-known/openid-configuration.",
    )
    enabled: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="SEC-004: SSO providers start disabled until an admin verifies them.",
    )
    auto_create_users: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="SEC-005: just-in-time user creation is off until an admin opts in; then allowed_domains must be non-empty.",
    )
    allowed_domains: Mapped[list] = mapped_column(
        postgresql.JSONB,
        nullable=False,
        comment="SEC-005: JSON array of lower-case e-mail domains allowed to sign in; [] means any account the provider vouches for that already exists here.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class OAuth2Client(Base):
    __tablename__ = "oauth2_clients"
    # Design: 004 security: API-client registrations are configuration the admin console manages; letting the
    # application write them would let a compromised service register its own OAuth client.
    __table_args__ = (
        jsonb_array_check("redirect_uris"),
        sa.CheckConstraint(secret_formats.hash_check("client_secret_hash"), name="client_secret_hash_format"),  # SEC-025
        sa.CheckConstraint(HTTPS_ONLY_ARRAY.format(column="redirect_uris"), name="redirect_uris_https"),
        jsonb_array_check("allowed_grant_types"),
        sa.CheckConstraint(
            'allowed_grant_types <@ \'["authorization_code", "client_credentials", "refresh_token"]\'::jsonb '
            "AND allowed_grant_types <> '[]'::jsonb",
            name="allowed_grant_types_allowed",
        ),
        sa.CheckConstraint(
            "NOT allowed_grant_types @> '[\"authorization_code\"]'::jsonb OR redirect_uris <> '[]'::jsonb",
            name="authorization_code_needs_redirect_uri",
        ),
        jsonb_array_check("allowed_scopes"),
        sa.CheckConstraint("rate_limit_per_minute > 0", name="rate_limit_per_minute_positive"),
        sa.CheckConstraint("rate_limit_per_hour >= rate_limit_per_minute", name="rate_limit_per_hour_covers_minute"),
        sa.UniqueConstraint("client_id"),
        {
            "info": design("admin", REPLICATED, GENERATED),
            "comment": "Machine clients (partners, agency systems) allowed to call the API with OAuth2, and their rate limits.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[str] = mapped_column(
        sa.String(100), nullable=False, comment="Public client identifier presented with every token request."
    )
    client_secret_hash: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="SEC-001: hash (argon2/bcrypt) of the client secret; the secret is shown once at registration."
    )
    client_name: Mapped[str] = mapped_column(
        sa.String(100), nullable=False, comment="Who the client is (partner or system name), for consent screens and audits."
    )
    redirect_uris: Mapped[list] = mapped_column(
        postgresql.JSONB, nullable=False, comment="SEC-007: JSON array of exact https redirect URIs; [] for clients without a browser flow."
    )
    allowed_grant_types: Mapped[list] = mapped_column(
        postgresql.JSONB,
        nullable=False,
        comment="SEC-010: JSON array of OAuth2 grants, a non-empty subset of authorization_code, client_credentials, refresh_token.",
    )
    allowed_scopes: Mapped[list] = mapped_column(
        postgresql.JSONB, nullable=False, comment="JSON array of API scopes the client may request."
    )
    rate_limit_per_minute: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("60"),
        comment="SEC-008: requests per minute; 60 unless the partner agreement says otherwise.",
    )
    rate_limit_per_hour: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("1000"),
        comment="SEC-008: requests per hour; 1000 unless the partner agreement says otherwise; never below the per-minute limit.",
    )
    active: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="SEC-009: a client is active from registration (an admin act) until revoked.",
    )
    expires_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=True,
        comment="SEC-009: when the credentials stop working; NULL means no fixed expiry (valid until revoked via active).",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class UserMfaSettings(Base):
    __tablename__ = "user_mfa_settings"
    # Design: MFA enrolment is the user's own, via the application.
    __table_args__ = (
        sa.CheckConstraint("NOT totp_enabled OR totp_secret_encrypted IS NOT NULL", name="totp_enabled_needs_secret"),
        # SEC-026 (revision 010): every secret in the v1 envelope.
        sa.CheckConstraint(secret_formats.envelope_check("totp_secret_encrypted"), name="totp_secret_encrypted_envelope"),
        sa.CheckConstraint(secret_formats.envelope_check("sms_phone_encrypted"), name="sms_phone_encrypted_envelope"),
        sa.CheckConstraint(secret_formats.envelope_array_check("recovery_codes_encrypted"), name="recovery_codes_encrypted_envelope"),
        sa.CheckConstraint(
            "NOT webauthn_enabled OR (webauthn_credentials IS NOT NULL AND webauthn_credentials <> '[]'::jsonb)",
            name="webauthn_enabled_needs_credentials",
        ),
        sa.CheckConstraint("NOT sms_enabled OR sms_phone_encrypted IS NOT NULL", name="sms_enabled_needs_phone"),
        jsonb_array_check("webauthn_credentials"),
        jsonb_array_check("recovery_codes_encrypted"),
        {
            "info": design("operational", REPLICATED, GENERATED),
            "comment": "Each user's multi-factor authentication enrolment; SEC-013: owned by the user, deleted with the account.",
        },
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        comment="SEC-013: the user these settings belong to; CASCADE because MFA enrolment is owned by the account and meaningless without it.",
    )
    totp_secret_encrypted: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="SEC-001: TOTP seed, encrypted; NULL until the user enrols an authenticator app."
    )
    totp_enabled: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="SEC-011: off until TOTP enrolment is confirmed; SEC-012: only with a secret.",
    )
    webauthn_credentials: Mapped[list | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="JSON array of registered WebAuthn credentials (credential id, public key, sign count: public material); NULL until the first security key is registered.",
    )
    webauthn_enabled: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="SEC-011: off until a security key is registered; SEC-012: only with at least one credential.",
    )
    sms_phone_encrypted: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="SEC-001: phone number for SMS codes, encrypted (PII); NULL until the user adds one."
    )
    sms_enabled: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("false"),
        comment="SEC-011: SMS is a backup factor, off until the phone is verified; SEC-012: only with a phone.",
    )
    recovery_codes_encrypted: Mapped[list | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="SEC-001: JSON array of encrypted one-time recovery codes; NULL until the user generates them.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class PartitionPolicy(Base):
    __tablename__ = "partition_policies"
    __table_args__ = (
        sa.CheckConstraint("months_ahead BETWEEN 3 AND 24", name="months_ahead_range"),
        sa.CheckConstraint("retention_months >= 1", name="retention_months_positive"),
        sa.CheckConstraint("parent_table <> 'audit_logs' OR retention_months >= 84", name="audit_logs_kept_7_years"),
        sa.CheckConstraint("rule_id ~ '^(SEC|ANA)-[0-9]{3}$'", name="rule_id_format"),
        {
            "info": design("admin", REPLICATED, REVISION_ROWS),
            "comment": "Look-ahead and retention of each monthly-partitioned table, read by run_partition_maintenance() (SEC-016).",
        },
    )

    parent_table: Mapped[str] = mapped_column(
        sa.String(63), primary_key=True, comment="Name of the partitioned table (in the application schema) this policy maintains."
    )
    months_ahead: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, comment="Monthly partitions kept ready beyond the current month (at least 3: SEC-016)."
    )
    retention_months: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        comment="Months a partition stays attached after its month ends; older ones are detached, never dropped (SEC-014: audit logs >= 84).",
    )
    rule_id: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="The business rule (SEC-/ANA- id) that sets this retention.")
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class AuditLog(Base):
    __tablename__ = "audit_logs"
    __table_args__ = (
        sa.CheckConstraint("action ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)*$'", name="action_format"),
        sa.CheckConstraint("resource_type ~ '^[a-z][a-z0-9_]*$'", name="resource_type_format"),
        sa.CheckConstraint(in_values("request_method", HTTP_METHODS), name="request_method_allowed"),
        sa.CheckConstraint("(request_method IS NULL) = (request_path IS NULL)", name="request_method_with_path"),
        sa.CheckConstraint(
            "request_method IS NOT NULL OR (request_body IS NULL AND response_status IS NULL AND response_time_ms IS NULL)",
            name="response_needs_request",
        ),
        sa.CheckConstraint("jsonb_typeof(request_body) IN ('object', 'array')", name="request_body_is_json_document"),
        sa.CheckConstraint("response_status BETWEEN 100 AND 599", name="response_status_range"),
        sa.CheckConstraint("response_time_ms >= 0", name="response_time_ms_non_negative"),
        sa.CheckConstraint("risk_score >= 0 AND risk_score <= 1", name="risk_score_range"),
        jsonb_array_check("security_alerts"),
        sa.Index("ix_audit_logs_resource_type_resource_id_created_at", "resource_type", "resource_id", "created_at"),
        sa.Index("ix_audit_logs_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_audit_logs_created_at", "created_at", postgresql_using="brin"),
        {
            "info": design(
                "append_only",
                Distributed("id", "append-only, no tenant column (user_id is NULL for system events): even write spread"),
                GENERATED,
            ),
            "comment": "SOC 2 audit trail of who did what to which resource. SEC-003: append-only; SEC-016: monthly RANGE partitions on created_at plus DEFAULT; SEC-014: kept at least 7 years.",
            "postgresql_partition_by": "RANGE (created_at)",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk("Technical surrogate key, generated by the database; unique with created_at (the partition key).")
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("users.id", ondelete="RESTRICT"),
        nullable=True,
        comment="Acting user; NULL when the actor is not a platform user (anonymous request, failed login of an unknown e-mail, scheduled job). "
        "SEC-015: RESTRICT, a user with audit history is deactivated, never deleted, so the trail keeps who did it.",
    )
    ip_address: Mapped[ipaddress.IPv4Address | ipaddress.IPv6Address | None] = mapped_column(
        postgresql.INET, nullable=True, comment="Client address; NULL when the action did not come over the network (database job, CLI)."
    )
    user_agent: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="HTTP User-Agent; NULL when no HTTP client was involved."
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, nullable=True, comment="Login session the action ran in; NULL outside an authenticated session."
    )
    action: Mapped[str] = mapped_column(
        sa.String(100),
        nullable=False,
        comment="SEC-019: what was done, dotted lower-case verb phrase, e.g. quote.create, user.login_failed.",
    )
    resource_type: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="SEC-019: kind of resource acted on, snake_case (usually a table name, e.g. quotes)."
    )
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, nullable=True, comment="Id of the resource acted on; NULL when the action concerns no single row (login, search, export)."
    )
    request_method: Mapped[str | None] = mapped_column(
        sa.String(10),
        nullable=True,
        comment="SEC-017: HTTP method; NULL when the action was not an HTTP request (then request_path is NULL too).",
    )
    request_path: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="SEC-017: HTTP path without query secrets; NULL exactly when request_method is NULL."
    )
    request_body: Mapped[dict | list | None] = mapped_column(
        postgresql.JSONB,
        nullable=True,
        comment="SEC-001: request payload with secrets redacted by the application (JSON object or array); NULL when there was none.",
    )
    response_status: Mapped[int | None] = mapped_column(
        sa.Integer, nullable=True, comment="SEC-017: HTTP status 100-599; NULL when not an HTTP request or no response was sent."
    )
    response_time_ms: Mapped[int | None] = mapped_column(
        sa.Integer, nullable=True, comment="Milliseconds to respond (>= 0); NULL when not an HTTP request."
    )
    risk_score: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(3, 2), nullable=True, comment="SEC-018: fraud/abuse risk score in [0, 1]; NULL when the action was not scored."
    )
    security_alerts: Mapped[list | None] = mapped_column(
        postgresql.JSONB, nullable=True, comment="JSON array of alerts the security rules raised; NULL when none were evaluated."
    )
    created_at: Mapped[dt.datetime] = partitioned_created_at()


LEDGER_EVENTS: tuple[str, ...] = ("detach", "late_rows", "adopted")


class PartitionArchiveLedger(Base):
    """SEC-023 (revision 010): what partition maintenance detached, recorded before it left."""

    __tablename__ = "partition_archive_ledger"
    # Design: 010 security invariants: the record of what partition maintenance detached (SEC-023) is written by the
    # maintenance function alone (as the owner); auditors verify archives with it.
    __table_args__ = (
        sa.CheckConstraint(in_values("event", LEDGER_EVENTS), name="event_allowed"),
        sa.CheckConstraint("range_start < range_end", name="range_ordered"),
        sa.CheckConstraint("row_count >= 0", name="row_count_non_negative"),
        sa.CheckConstraint("checksum ~ '^md5sum64:[0-9]+$'", name="checksum_format"),
        sa.Index("ix_partition_archive_ledger_partition_name_recorded_at", "partition_name", "recorded_at"),
        {
            "info": design(
                "evidence",
                REPLICATED,
                LeftEmpty(
                    "SEC-023: only maintain_partitions() writes it, when a partition ages out of its retention (84 months for "
                    "audit logs); the generated 24 months of history never reach that age"
                ),
            ),
            "comment": "SEC-023: append-only record of every partition maintain_partitions() detached by retention (and of late rows that joined an "
            "archive): table, range, row count and checksum, written before the partition leaves; archives are never dropped (SEC-024).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    parent_table: Mapped[str] = mapped_column(
        sa.String(63), nullable=False, comment="The partitioned table (application schema) the partition belonged to."
    )
    partition_name: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="Schema-qualified name of the archive table, as format('%I.%I') writes it."
    )
    event: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        comment="SEC-023: detach (retention detached it), late_rows (rows of its month joined the archive), "
        "adopted (detached before revision 010; recorded as found).",
    )
    range_start: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, comment="Lower bound (inclusive) of the partition's range."
    )
    range_end: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, comment="Upper bound (exclusive) of the partition's range."
    )
    row_count: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, comment="Rows in the archive when the entry was written.")
    checksum: Mapped[str] = mapped_column(
        sa.Text,
        nullable=False,
        comment="SEC-023: md5sum64:<n>, the sum modulo 2^64 of the first 64 bits of md5(row::text) over the archive's rows (order-independent).",
    )
    recorded_by: Mapped[str] = mapped_column(
        sa.String(63), nullable=False, comment="The database role that ran the maintenance (current_user)."
    )
    recorded_at: Mapped[dt.datetime] = created_at()


# --- DDL audit trail (revision 011) ------------------------------------------------------------------

DDL_AUDIT_EVENTS: tuple[str, ...] = ("ddl_command_end", "sql_drop")


class DdlAuditLog(Base):
    """SEC-040: one row per object a DDL command created, altered or dropped, written by the event
    triggers of revision 011 (only the owner's SECURITY DEFINER function inserts); SEC-041:
    append-only, owner included. Only the primary key is indexed: DDL is rare (thousands of rows
    a year), and an auditor reads the trail by time, which the whole-table scan serves."""

    __tablename__ = "ddl_audit_log"
    # Design: 011 DDL audit: written only by the owner's event trigger function; auditors read it. Replicated:
    # schema changes are rare and run on the coordinator, which propagates them; the trail stays small (SEC-040).
    __table_args__ = (
        sa.CheckConstraint(in_values("event", DDL_AUDIT_EVENTS), name="event_allowed"),
        sa.CheckConstraint("command_tag ~ '^[A-Z][A-Z ]*$'", name="command_tag_format"),
        # PostgreSQL's own open vocabulary (table, index, table constraint, foreign-data wrapper...): a format, not a list.
        sa.CheckConstraint("object_type ~ '^[A-Za-z][A-Za-z -]*$'", name="object_type_format"),
        sa.CheckConstraint("migration_revision ~ '^[0-9A-Za-z_]+$'", name="migration_revision_format"),
        {
            "info": design(
                "database_trail",
                REPLICATED,
                WrittenByDatabase(
                    "SEC-040: the DDL audit's event trigger records the partitions maintain_partitions() creates during the "
                    "run (and nothing else the seed does is DDL)"
                ),
            ),
            "comment": "SEC-040: database-level trail of every schema change (DDL) with who, when, what and whether an "
            "Alembic revision ran it, written by event triggers trg_ddl_audit_command_end and trg_ddl_audit_sql_drop "
            "(installed only where the migrating role is a superuser: SEC-042). SEC-041: append-only, owner included.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    occurred_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        comment="SEC-040: when the DDL statement started (statement_timestamp()), written by the event trigger, not defaulted.",
    )
    event: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        comment="SEC-040: the event trigger event that recorded the row: ddl_command_end (created or altered) or sql_drop (dropped).",
    )
    command_tag: Mapped[str] = mapped_column(
        sa.String(64), nullable=False, comment="SEC-040: the command, e.g. CREATE TABLE, ALTER TABLE, DROP INDEX."
    )
    object_type: Mapped[str] = mapped_column(
        sa.String(64), nullable=False, comment="SEC-040: kind of object changed, e.g. table, index, function, table constraint."
    )
    schema_name: Mapped[str | None] = mapped_column(
        sa.String(63),
        nullable=True,
        comment="SEC-040: schema of the object; NULL for objects outside any schema (a schema itself, an extension, a GRANT).",
    )
    object_identity: Mapped[str | None] = mapped_column(
        sa.Text,
        nullable=True,
        comment="SEC-040: schema-qualified identity of the object (pg_identify_object); NULL only for commands that name no "
        "single object (GRANT, ALTER DEFAULT PRIVILEGES).",
    )
    session_user_name: Mapped[str] = mapped_column(
        sa.String(63), nullable=False, comment="SEC-040: the role that logged in (session_user)."
    )
    current_user_name: Mapped[str] = mapped_column(
        sa.String(63),
        nullable=False,
        comment="SEC-040: the role the command ran as: the SET ROLE in effect, else session_user (DDL inside another role's "
        "SECURITY DEFINER function is recorded under the session's role).",
    )
    application_name: Mapped[str | None] = mapped_column(
        sa.Text, nullable=True, comment="SEC-040: the client's application_name (psql, alembic...); NULL when the client set none."
    )
    client_addr: Mapped[ipaddress.IPv4Address | ipaddress.IPv6Address | None] = mapped_column(
        postgresql.INET, nullable=True, comment="SEC-040: client address (inet_client_addr()); NULL over a local unix socket."
    )
    backend_pid: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, comment="SEC-040: server process of the session, to join with the server log."
    )
    transaction_id: Mapped[int] = mapped_column(
        sa.BigInteger, nullable=False, comment="SEC-040: transaction of the command (txid_current()): the rows of one migration share it."
    )
    migration_revision: Mapped[str | None] = mapped_column(
        sa.String(32),
        nullable=True,
        comment="SEC-043: the Alembic revision whose transaction ran the command (SET LOCAL app.migration_revision by alembic/env.py); "
        "NULL when the command ran outside a revision (by hand, by a job such as partition maintenance).",
    )
