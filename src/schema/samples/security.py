"""Security & compliance tables: sso_providers, oauth2_clients, user_mfa_settings, partition_policies, audit_logs,
ddl_audit_log."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from schema.models import metadata
from schema.samples import ARGON2ID_HASH, CheckViolation, Ctx, TriggerAct, envelope


def sso_provider(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "provider_name": f"Carrier Okta {n}",
        "provider_type": "okta",
        "client_id": f"0oa{n:08d}",
        "client_secret_encrypted": envelope("c2VjcmV0"),
        "issuer_url": "https://carrier.okta.example",
        "authorize_url": None,
        "token_url": None,
        "userinfo_url": None,
        "enabled": False,
        "auto_create_users": True,
        "allowed_domains": ["carrier.example"],
    }


def oauth2_client(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "client_id": f"partner-{n}",
        "client_secret_hash": ARGON2ID_HASH,
        "client_name": f"Agency System {n}",
        "redirect_uris": ["https://agency.example/callback"],
        "allowed_grant_types": ["authorization_code", "refresh_token"],
        "allowed_scopes": ["quotes:read", "quotes:write"],
        "rate_limit_per_minute": 60,
        "rate_limit_per_hour": 1000,
        "expires_at": None,
    }


def user_mfa_settings(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "user_id": ctx.insert("users").id,
        "totp_secret_encrypted": envelope("dG90cA=="),
        "totp_enabled": True,
        "webauthn_credentials": [{"credential_id": f"cred-{n}", "public_key": "pQECAyYgASFY", "sign_count": 0}],
        "webauthn_enabled": True,
        "sms_phone_encrypted": None,
        "sms_enabled": False,
        "recovery_codes_encrypted": [envelope("cmVjMQ=="), envelope("cmVjMg==")],
    }


def partition_policy(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"parent_table": f"sample_series_{n}", "months_ahead": 3, "retention_months": 25, "rule_id": "ANA-003"}


def audit_log(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "user_id": ctx.insert("users").id,
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "session_id": uuid.uuid4(),
        "action": "quote.create",
        "resource_type": "quotes",
        "resource_id": uuid.uuid4(),
        "request_method": "POST",
        "request_path": "/api/v1/quotes",
        "request_body": {"state": "CA", "product_type": "auto"},
        "response_status": 201,
        "response_time_ms": 42,
        "risk_score": Decimal("0.12"),
        "security_alerts": [],
    }


def partition_archive_ledger_entry(ctx: Ctx, n: int) -> dict[str, Any]:
    start = dt.datetime(2001, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=31 * n)
    return {
        "parent_table": "audit_logs",
        "partition_name": f"partitions.audit_logs_sample_{n}",
        "event": "detach",
        "range_start": start,
        "range_end": start + dt.timedelta(days=28),
        "row_count": 12,
        "checksum": "md5sum64:1234567890",
        "recorded_by": "postgres",
    }


def ddl_audit_log(ctx: Ctx, n: int) -> dict[str, Any]:
    # Written by hand here only to exercise the constraints; in production the event trigger writes it.
    return {
        "occurred_at": dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
        "event": "ddl_command_end",
        "command_tag": "CREATE INDEX",
        "object_type": "index",
        "schema_name": "public",
        "object_identity": f"public.ix_sample_{n}",
        "session_user_name": "dba_jane",
        "current_user_name": "schema_owner",
        "application_name": "psql",
        "client_addr": "10.0.0.12",
        "backend_pid": 4242,
        "transaction_id": 1000 + n,
        "migration_revision": "011",
    }


SAMPLES = {
    "sso_providers": sso_provider,
    "oauth2_clients": oauth2_client,
    "user_mfa_settings": user_mfa_settings,
    "partition_policies": partition_policy,
    "audit_logs": audit_log,
    "partition_archive_ledger": partition_archive_ledger_entry,
    "ddl_audit_log": ddl_audit_log,
}

CHECK_VIOLATIONS = [
    CheckViolation("ck_sso_providers_provider_type_allowed", "sso_providers", {"provider_type": "ldap"}),
    CheckViolation("ck_sso_providers_issuer_url_https", "sso_providers", {"issuer_url": "http://carrier.okta.example"}),
    CheckViolation("ck_sso_providers_authorize_url_https", "sso_providers", {"authorize_url": "http://idp.example/authorize"}),
    CheckViolation("ck_sso_providers_token_url_https", "sso_providers", {"token_url": "ftp://idp.example/token"}),
    CheckViolation("ck_sso_providers_userinfo_url_https", "sso_providers", {"userinfo_url": "idp.example/userinfo"}),
    CheckViolation("ck_sso_providers_allowed_domains_is_array", "sso_providers", {"allowed_domains": "carrier.example"}),
    CheckViolation("ck_sso_providers_allowed_domains_are_domains", "sso_providers", {"allowed_domains": ["Carrier.Example"]}),
    CheckViolation("ck_sso_providers_auto_create_needs_domains", "sso_providers", {"auto_create_users": True, "allowed_domains": []}),
    CheckViolation("ck_oauth2_clients_redirect_uris_is_array", "oauth2_clients", {"redirect_uris": "https://agency.example/cb"}),
    CheckViolation("ck_oauth2_clients_redirect_uris_https", "oauth2_clients", {"redirect_uris": ["http://agency.example/cb"]}),
    CheckViolation("ck_oauth2_clients_allowed_grant_types_is_array", "oauth2_clients", {"allowed_grant_types": "client_credentials"}),
    CheckViolation("ck_oauth2_clients_allowed_grant_types_allowed", "oauth2_clients", {"allowed_grant_types": ["password"]}),
    CheckViolation(
        "ck_oauth2_clients_authorization_code_needs_redirect_uri",
        "oauth2_clients",
        {"redirect_uris": [], "allowed_grant_types": ["authorization_code"]},
    ),
    CheckViolation("ck_oauth2_clients_allowed_scopes_is_array", "oauth2_clients", {"allowed_scopes": "quotes:read"}),
    CheckViolation(
        "ck_oauth2_clients_rate_limit_per_minute_positive", "oauth2_clients", {"rate_limit_per_minute": 0, "rate_limit_per_hour": 10}
    ),
    CheckViolation(
        "ck_oauth2_clients_rate_limit_per_hour_covers_minute", "oauth2_clients", {"rate_limit_per_minute": 100, "rate_limit_per_hour": 99}
    ),
    CheckViolation("ck_user_mfa_settings_totp_enabled_needs_secret", "user_mfa_settings", {"totp_secret_encrypted": None}),
    CheckViolation("ck_user_mfa_settings_webauthn_enabled_needs_credentials", "user_mfa_settings", {"webauthn_credentials": []}),
    CheckViolation("ck_user_mfa_settings_sms_enabled_needs_phone", "user_mfa_settings", {"sms_enabled": True}),
    CheckViolation(
        "ck_user_mfa_settings_webauthn_credentials_is_array",
        "user_mfa_settings",
        {"webauthn_credentials": {"id": "x"}, "webauthn_enabled": False},
    ),
    CheckViolation(
        "ck_user_mfa_settings_recovery_codes_encrypted_is_array", "user_mfa_settings", {"recovery_codes_encrypted": envelope("x")}
    ),
    CheckViolation("ck_partition_policies_months_ahead_range", "partition_policies", {"months_ahead": 2}),
    CheckViolation("ck_partition_policies_retention_months_positive", "partition_policies", {"retention_months": 0}),
    CheckViolation(
        "ck_partition_policies_audit_logs_kept_7_years",
        "partition_policies",
        {"parent_table": "audit_logs", "retention_months": 83, "rule_id": "SEC-014"},
        why="SEC-014: audit logs stay attached at least 84 months",
    ),
    CheckViolation("ck_partition_policies_rule_id_format", "partition_policies", {"rule_id": "RET-7Y"}),
    CheckViolation("ck_audit_logs_action_format", "audit_logs", {"action": "Quote Created!"}),
    CheckViolation("ck_audit_logs_resource_type_format", "audit_logs", {"resource_type": "Quotes"}),
    CheckViolation("ck_audit_logs_request_method_allowed", "audit_logs", {"request_method": "TRACE"}),
    CheckViolation("ck_audit_logs_request_method_with_path", "audit_logs", {"request_path": None}),
    CheckViolation(
        "ck_audit_logs_response_needs_request",
        "audit_logs",
        {"request_method": None, "request_path": None, "request_body": sa.null(), "response_time_ms": None},
    ),
    CheckViolation("ck_audit_logs_request_body_is_json_document", "audit_logs", {"request_body": "password=hunter2"}),
    CheckViolation("ck_audit_logs_response_status_range", "audit_logs", {"response_status": 99}),
    CheckViolation("ck_audit_logs_response_time_ms_non_negative", "audit_logs", {"response_time_ms": -1}),
    CheckViolation("ck_audit_logs_risk_score_range", "audit_logs", {"risk_score": Decimal("1.01")}),
    CheckViolation("ck_audit_logs_security_alerts_is_array", "audit_logs", {"security_alerts": {"alert": "tor_exit_node"}}),
    CheckViolation("ck_partition_archive_ledger_event_allowed", "partition_archive_ledger", {"event": "drop"}),
    CheckViolation(
        "ck_partition_archive_ledger_range_ordered",
        "partition_archive_ledger",
        prepare=lambda ctx, row: {**row, "range_end": row["range_start"]},
    ),
    CheckViolation("ck_partition_archive_ledger_row_count_non_negative", "partition_archive_ledger", {"row_count": -1}),
    CheckViolation("ck_partition_archive_ledger_checksum_format", "partition_archive_ledger", {"checksum": "none"}),
    # SEC-025 / SEC-026 (revision 010): issue 18 found plaintext in these columns.
    CheckViolation("ck_users_password_hash_format", "users", {"password_hash": "hunter2"}, why="plaintext password"),
    CheckViolation("ck_admin_users_password_hash_format", "admin_users", {"password_hash": "Admin!2026"}, why="plaintext password"),
    CheckViolation(
        "ck_oauth2_clients_client_secret_hash_format",
        "oauth2_clients",
        {"client_secret_hash": "s3cr3t-partner-key"},
        why="plaintext client secret",
    ),
    CheckViolation("ck_sso_providers_client_secret_encrypted_envelope", "sso_providers", {"client_secret_encrypted": "plain-oauth-secret"}),
    CheckViolation(
        "ck_admin_users_two_factor_secret_encrypted_envelope",
        "admin_users",
        {"two_factor_secret_encrypted": "JBSWY3DPEHPK3PXP"},
        why="a base32 TOTP seed in clear",
    ),
    CheckViolation(
        "ck_user_mfa_settings_totp_secret_encrypted_envelope", "user_mfa_settings", {"totp_secret_encrypted": "JBSWY3DPEHPK3PXP"}
    ),
    CheckViolation(
        "ck_user_mfa_settings_sms_phone_encrypted_envelope",
        "user_mfa_settings",
        {"sms_phone_encrypted": "+15125550100", "sms_enabled": True},
    ),
    CheckViolation(
        "ck_user_mfa_settings_recovery_codes_encrypted_envelope", "user_mfa_settings", {"recovery_codes_encrypted": ["ABCD-EFGH"]}
    ),
    CheckViolation(
        "ck_admin_users_super_admin_has_mfa",
        "admin_users",
        {"is_super_admin": True, "two_factor_enabled": False, "two_factor_secret_encrypted": None},
        why="SEC-027: issue 18 created a super admin with MFA off",
    ),
    CheckViolation("ck_ddl_audit_log_event_allowed", "ddl_audit_log", {"event": "table_rewrite"}),
    CheckViolation("ck_ddl_audit_log_command_tag_format", "ddl_audit_log", {"command_tag": "create table"}),
    CheckViolation("ck_ddl_audit_log_object_type_format", "ddl_audit_log", {"object_type": "table; --"}),
    CheckViolation("ck_ddl_audit_log_migration_revision_format", "ddl_audit_log", {"migration_revision": "011; DROP"}),
]


# --- Refusing triggers (revision 010), as statements ----------------------------------------------

ACT_AS_APPLICATION = "SELECT set_config('app.historical_import', 'off', true)"


def _audit_row_in_another_users_name(ctx: Ctx) -> None:
    """SEC-020: the acting user declared for the transaction is not the one the row names."""
    me, other = ctx.insert("users").id, ctx.insert("users").id
    row = ctx.row("audit_logs", user_id=other)
    ctx.conn.execute(sa.text(ACT_AS_APPLICATION))
    ctx.conn.execute(sa.text("SELECT set_config('app.user_id', :me, true)"), {"me": str(me)})
    ctx.conn.execute(metadata.tables["audit_logs"].insert().values(**row))


TRIGGER_ACTS = [
    TriggerAct(
        "trg_audit_logs_acting_identity",
        "SEC-020",
        _audit_row_in_another_users_name,
        why="an audit row attributed to another user than the one who acts",
    ),
]


def _delete_from_the_ddl_trail(ctx: Ctx) -> None:
    """SEC-041: the DDL audit trail is append-only, owner included."""
    ctx.insert("ddl_audit_log")
    ctx.conn.execute(sa.text("DELETE FROM ddl_audit_log"))


TRIGGER_ACTS.append(
    TriggerAct("trg_ddl_audit_log_append_only", "SEC-041", _delete_from_the_ddl_trail, why="a DDL audit row deleted by the owner"),
)
