"""Security & compliance rules (SEC-): secrets, least privilege, the audit trail, sign-in and API access.

SEC-001..003 are platform-wide (cited by revision 001's users and by revision_ops' roles and grant
profiles); SEC-004..019 belong to revision 004's tables and its partition maintenance; SEC-020..
belong to revision 010 (security invariants: acting identity, an uncuttable audit trail). SEC-040..043 belong to revision 011's DDL audit trail.
"""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "SEC-001",
        "Secrets and sensitive identifiers are stored only hashed or encrypted, in columns named *_hash or *_encrypted; "
        "payloads written to the audit log are redacted by the application.",
        "seed: client_secret_encrypted 'Encrypted with KMS', client_secret_hash; SOC 2 CC6.1; issue 4 (two_factor_secret)",
        (
            "users.password_hash",
            "sso_providers.client_secret_encrypted",
            "oauth2_clients.client_secret_hash",
            "user_mfa_settings.totp_secret_encrypted",
            "user_mfa_settings.sms_phone_encrypted",
            "user_mfa_settings.recovery_codes_encrypted",
            "audit_logs.request_body",
        ),
    ),
    Rule(
        "SEC-002",
        "Access goes through four NOLOGIN group roles (app_rw, app_ro, auditor, admin_rw) with least-privilege grants per "
        "kind of table; SELECT is granted column by column so that only the owner reads *_hash/*_encrypted columns.",
        "issue 11 (least privilege); SOC 2 CC6.3",
        ("oauth2_clients.client_secret_hash", "sso_providers.client_secret_encrypted", "audit_logs"),
    ),
    Rule(
        "SEC-003",
        "Audit trails are append-only: the application may insert, nobody updates, deletes or truncates them, and a "
        "trigger refuses it even for the table owner.",
        "seed: 'Audit log for SOC 2 compliance'; issue 11 (append-only audit); SOC 2 CC7.2",
        ("forbid_audit_mutation()", "trg_audit_logs_append_only", "trg_audit_logs_no_truncate"),
    ),
    Rule(
        "SEC-004",
        "An SSO provider starts disabled; it signs nobody in until an administrator has verified and enabled it.",
        "seed: enabled BOOLEAN DEFAULT false; our decision: a misconfigured identity provider is an open door",
        ("sso_providers.enabled",),
    ),
    Rule(
        "SEC-005",
        "SSO just-in-time user creation is off unless an administrator opts in, and then only for listed e-mail domains.",
        "seed: auto_create_users DEFAULT false, allowed_domains; our decision: otherwise any account of a public "
        "provider (any Google user) could create itself a staff account",
        ("sso_providers.auto_create_users", "ck_sso_providers_auto_create_needs_domains", "ck_sso_providers_allowed_domains_are_domains"),
    ),
    Rule(
        "SEC-006",
        "Supported SSO providers are Google, Azure AD, Okta and Auth0.",
        "seed: provider_type comment 'google, azure, okta, auth0'",
        ("ck_sso_providers_provider_type_allowed",),
    ),
    Rule(
        "SEC-007",
        "Identity-provider endpoints and OAuth2 redirect URIs use https only.",
        "OAuth 2.0 Security BCP (RFC 9700) and OIDC Core: tokens and codes never travel in clear",
        (
            "ck_sso_providers_issuer_url_https",
            "ck_sso_providers_authorize_url_https",
            "ck_sso_providers_token_url_https",
            "ck_sso_providers_userinfo_url_https",
            "ck_oauth2_clients_redirect_uris_https",
        ),
    ),
    Rule(
        "SEC-008",
        "An API client gets 60 requests per minute and 1000 per hour unless its agreement says otherwise; limits are "
        "positive and the hourly limit is never below the per-minute one.",
        "seed: rate_limit_per_minute DEFAULT 60, rate_limit_per_hour DEFAULT 1000",
        (
            "oauth2_clients.rate_limit_per_minute",
            "oauth2_clients.rate_limit_per_hour",
            "ck_oauth2_clients_rate_limit_per_minute_positive",
            "ck_oauth2_clients_rate_limit_per_hour_covers_minute",
        ),
    ),
    Rule(
        "SEC-009",
        "An API client is active from registration (an administrator's act) until revoked; an expiry date is optional.",
        "seed: active BOOLEAN DEFAULT true, expires_at TIMESTAMPTZ",
        ("oauth2_clients.active", "oauth2_clients.expires_at"),
    ),
    Rule(
        "SEC-010",
        "API clients may use only the authorization_code, client_credentials and refresh_token grants; a client with "
        "authorization_code has at least one redirect URI.",
        "OAuth 2.1 draft / RFC 9700: the implicit and password grants are deprecated",
        ("ck_oauth2_clients_allowed_grant_types_allowed", "ck_oauth2_clients_authorization_code_needs_redirect_uri"),
    ),
    Rule(
        "SEC-011",
        "Every MFA factor starts disabled and is enabled only when the user completes its enrolment.",
        "seed: totp_enabled/webauthn_enabled/sms_enabled DEFAULT false",
        ("user_mfa_settings.totp_enabled", "user_mfa_settings.webauthn_enabled", "user_mfa_settings.sms_enabled"),
    ),
    Rule(
        "SEC-012",
        "An enabled MFA factor has its enrolled material: TOTP a secret, WebAuthn at least one credential, SMS a phone.",
        "our decision: an enabled factor without material locks the user out or silently skips the factor",
        (
            "ck_user_mfa_settings_totp_enabled_needs_secret",
            "ck_user_mfa_settings_webauthn_enabled_needs_credentials",
            "ck_user_mfa_settings_sms_enabled_needs_phone",
        ),
    ),
    Rule(
        "SEC-013",
        "MFA settings are owned by their user: one row per user, deleted with the account.",
        "seed: user_mfa_settings.user_id PRIMARY KEY REFERENCES users(id); our decision on ON DELETE CASCADE",
        ("pk_user_mfa_settings", "fk_user_mfa_settings_user_id_users"),
    ),
    Rule(
        "SEC-014",
        "Audit logs are kept at least seven years (84 months after their month ends) before their partition is "
        "detached; detached partitions are archived, never dropped by the maintenance job.",
        "issue 5 (audit logs kept at least 7 years); SOC 2 evidence and state market-conduct record retention",
        ("ck_partition_policies_audit_logs_kept_7_years", "run_partition_maintenance()", "maintain_partitions()"),
    ),
    Rule(
        "SEC-015",
        "An audit trail outlives its actors: a user with audit history cannot be deleted (deactivate instead), so "
        "every entry keeps who did it.",
        "SOC 2 CC7.2 (attributable actions); our decision: RESTRICT rather than SET NULL",
        ("fk_audit_logs_user_id_users", "ix_audit_logs_user_id_created_at"),
    ),
    Rule(
        "SEC-016",
        "High-volume time series (audit_logs; analytics_events from revision 005) are range-partitioned by month on "
        "created_at, with a DEFAULT partition so that no insert is ever refused, and monthly partitions kept ready at "
        "least three months ahead by maintain_partitions().",
        "seed: 'Create partitioned table for high volume'; issue 4; DESIGN.md (high-volume time series)",
        ("audit_logs", "pk_audit_logs", "partition_policies", "ck_partition_policies_months_ahead_range", "maintain_partitions()"),
    ),
    Rule(
        "SEC-017",
        "An audit entry's HTTP context is consistent: a known method with its path, a status in 100..599, and response "
        "details only for an HTTP request.",
        "our decision: a partial request record cannot be trusted as evidence",
        (
            "ck_audit_logs_request_method_allowed",
            "ck_audit_logs_request_method_with_path",
            "ck_audit_logs_response_needs_request",
            "ck_audit_logs_response_status_range",
            "ck_audit_logs_response_time_ms_non_negative",
        ),
    ),
    Rule(
        "SEC-018",
        "Risk scores are probabilities in [0, 1].",
        "seed: ai_risk_score CHECK (>= 0 AND <= 1), applied to audit risk_score alike",
        ("ck_audit_logs_risk_score_range",),
    ),
    Rule(
        "SEC-019",
        "Audit actions are dotted lower-case verb phrases (quote.create) and resource types snake_case names, so that "
        "auditors can filter them reliably.",
        "our decision: free-form action text defeats audit queries",
        ("ck_audit_logs_action_format", "ck_audit_logs_resource_type_format"),
    ),
    Rule(
        "SEC-020",
        "Every audit and activity row names the identity the application declared for its transaction "
        "(SET LOCAL app.user_id / app.admin_user_id): a row attributed to someone else, or written with no declared "
        "identity, is refused; 'anonymous' declares that no platform user acts (audit_logs.user_id NULL; never for "
        "admin activity).",
        "issue 18 (app_rw wrote admin activity in any admin's name); SOC 2 CC7.2 (attributable actions)",
        ("require_acting_identity()", "trg_audit_logs_acting_identity", "trg_admin_activity_logs_acting_identity"),
    ),
    Rule(
        "SEC-021",
        "Historical rows (seed, imports, rows partition maintenance moves) bypass SEC-020 only through "
        "SET LOCAL app.historical_import = 'on', honoured only for the owner of the table written; any other role "
        "setting it is refused.",
        "issue 18; our decision: one documented, owner-only path instead of a role exemption",
        ("require_acting_identity()", "maintain_partitions()"),
    ),
    Rule(
        "SEC-022",
        "No role, the owner included, can TRUNCATE any partition of an audit trail: the TRUNCATE guard sits on the "
        "parent, every partition (DEFAULT included) and every archive, and maintain_partitions() puts it on each "
        "partition it creates (PostgreSQL clones row triggers, never statement triggers).",
        "issue 18 (the owner truncated one monthly partition of audit_logs); SOC 2 CC7.2",
        ("trg_audit_logs_no_truncate", "copy_parent_triggers()", "maintain_partitions()"),
    ),
    Rule(
        "SEC-023",
        "A partition leaves an audit trail only by retention, through maintain_partitions(), which first records "
        "table, range, row count and checksum (md5sum64) in the append-only partition_archive_ledger; archives that "
        "receive late rows are recorded again; nothing is ever dropped.",
        "issue 18 (a detached partition could be dropped without trace); SEC-014",
        (
            "partition_archive_ledger",
            "trg_partition_archive_ledger_append_only",
            "trg_partition_archive_ledger_no_truncate",
            "ck_partition_archive_ledger_checksum_format",
            "maintain_partitions()",
        ),
    ),
    Rule(
        "SEC-024",
        "DDL cannot cut the trail: event triggers refuse dropping an audit trail, a partition or archive of one or a "
        "trigger protecting it, and any DDL after which audit_trail_protection_problems() is not empty (a guard "
        "disabled, a partition created or detached by hand).",
        "issue 18; our decision: triggers alone do not stop their own owner, event triggers (superuser-made) do",
        ("audit_trail_protection_problems()", "guard_audit_trail_ddl()", "guard_audit_trail_drop()"),
    ),
    Rule(
        "SEC-025",
        "A *_hash column holds a password hash in a recognised standard encoding: argon2id (PHC string, v=19), bcrypt "
        "($2a$/$2b$/$2y$), scrypt or PBKDF2-SHA256/512 (PHC/passlib), with a salt of at least 8 bytes; plaintext and "
        "bare digests are refused. The lint rule secret-without-format-check extends it to every future column.",
        "issue 18 (plaintext in oauth2_clients.client_secret_hash and admin_users.password_hash); OWASP Password Storage "
        "Cheat Sheet; NIST SP 800-63B 5.1.1.2",
        ("ck_users_password_hash_format", "ck_admin_users_password_hash_format", "ck_oauth2_clients_client_secret_hash_format"),
    ),
    Rule(
        "SEC-026",
        "A *_encrypted column holds application-side ciphertext in the envelope v1:<key id>:<base64>: envelope version 1, "
        "the id of the KMS key that wraps the data key (lower-case letters, digits, hyphens), and padded base64 of "
        "nonce || ciphertext || tag (AES-256-GCM, at least 40 characters); JSON arrays of secrets hold such strings.",
        "issue 18; our decision: a declared envelope makes key rotation (by key id) and audits of 'is it encrypted' possible",
        (
            "ck_sso_providers_client_secret_encrypted_envelope",
            "ck_admin_users_two_factor_secret_encrypted_envelope",
            "ck_user_mfa_settings_totp_secret_encrypted_envelope",
            "ck_user_mfa_settings_sms_phone_encrypted_envelope",
            "ck_user_mfa_settings_recovery_codes_encrypted_envelope",
        ),
    ),
    Rule(
        "SEC-027",
        "A super admin has multi-factor authentication enabled, from creation on; it cannot be switched off while the "
        "account is a super admin.",
        "issue 18; NYDFS 23 NYCRR 500.12 (MFA for privileged accounts); SOC 2 CC6.1",
        ("ck_admin_users_super_admin_has_mfa",),
    ),
    Rule(
        "SEC-028",
        "An active admin whose role holds a security-relevant permission (any action but read on admin_users, "
        "admin_roles or system_settings: who may change accounts, roles and platform configuration) has MFA enabled; "
        "enrolment comes before the promotion, and such a permission is granted only to roles whose active admins all "
        "use MFA.",
        "issue 18; NYDFS 23 NYCRR 500.12; our decision on which permissions are security-relevant",
        ("require_mfa_for_security_roles()", "trg_admin_users_security_role_mfa", "trg_admin_role_permissions_security_role_mfa"),
    ),
    Rule(
        "SEC-029",
        "Customer, policy and claim columns are classified public, PII or sensitive PII in one registry (schema.pii); "
        "roles read them by need to know: the application everything, auditors PII but no sensitive PII (date of birth, "
        "street address, claim narratives), reporting and the admin console public columns only.",
        "issue 18 (app_ro and auditor read every customer's date of birth and street address); seed: 'PII exposure'; "
        "NYDFS 23 NYCRR 500.1 (nonpublic information); GLBA Safeguards Rule",
        ("customers.date_of_birth", "customers.address_line1", "claims.description"),
    ),
    Rule(
        "SEC-040",
        "Every DDL command run in the database (created, altered or dropped objects; temporary objects excepted) is "
        "recorded by event triggers in ddl_audit_log with who (session and current role), when, the command tag, the "
        "object's type, schema and identity, the client and the transaction.",
        "seed gap list: 'Audit completeness: missing database-level audit trails for schema changes made outside "
        "application'; issue 19; SOC 2 CC8.1 (change management)",
        (
            "ddl_audit_log",
            "record_ddl_audit()",
            "ck_ddl_audit_log_event_allowed",
            "ck_ddl_audit_log_command_tag_format",
            "ck_ddl_audit_log_object_type_format",
        ),
    ),
    Rule(
        "SEC-041",
        "The DDL audit trail is append-only: UPDATE, DELETE and TRUNCATE are refused by a statement trigger for every "
        "role, owner included; auditors read it, no group role writes it.",
        "issue 19 (append-only DDL audit); SOC 2 CC7.2",
        ("forbid_ddl_audit_log_change()", "trg_ddl_audit_log_append_only"),
    ),
    Rule(
        "SEC-042",
        "The DDL audit is never skipped silently: where the migrating role is not a superuser (event triggers need one) "
        "or the operator chose -x ddl-audit=off, the migration says by name 'DDL audit NOT installed' with the reason, "
        "and the handbook says what that leaves uncovered.",
        "issue 19 (managed services); NO SILENT FALLBACKS",
        ("ddl_audit_log",),
    ),
    Rule(
        "SEC-043",
        "A DDL command run by an Alembic revision is marked with that revision: alembic/env.py sets SET LOCAL "
        "app.migration_revision at the start of each revision's transaction, and the event trigger records it; a command "
        "with no revision was run by hand or by a job.",
        "issue 19 (tell reviewed migrations from hand-made changes)",
        ("ddl_audit_log.migration_revision", "ck_ddl_audit_log_migration_revision_format"),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-SEC-01",
        "audit_logs",
        "id UUID PRIMARY KEY",
        "PRIMARY KEY (id, created_at)",
        "a partitioned table's unique constraints must include the partition key; PostgreSQL refuses PRIMARY KEY (id)",
    ),
    Deviation(
        "DEV-SEC-02",
        "audit_logs",
        "one partition audit_logs_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'), no PARTITION BY clause",
        "PARTITION BY RANGE (created_at), monthly partitions from the migration's month through 3 ahead, a DEFAULT "
        "partition, and maintain_partitions() to keep them coming and detach old ones",
        "a fixed 2024 partition refuses every insert from 2025 on; monthly partitions keep pruning and retention cheap",
    ),
    Deviation(
        "DEV-SEC-03",
        "audit_logs",
        "user_id UUID REFERENCES users(id) (no ON DELETE); most columns nullable without reason; created_at nullable",
        "ON DELETE RESTRICT, a comment saying what NULL means on each nullable column, created_at NOT NULL",
        "SEC-015: the trail must keep who did it; NO SILENT FALLBACKS",
    ),
    Deviation(
        "DEV-SEC-04",
        "audit_logs",
        "an ordinary table",
        "append-only: trigger trg_audit_logs_append_only (UPDATE/DELETE) and trg_audit_logs_no_truncate",
        "SEC-003: privileges alone do not stop the owner rewriting history by accident",
    ),
    Deviation(
        "DEV-SEC-05",
        "audit_logs",
        "no indexes",
        "btree (resource_type, resource_id, created_at), btree (user_id, created_at), BRIN (created_at)",
        "the audit questions are 'history of this resource' and 'what did this user do'; the FK needs an index",
    ),
    Deviation(
        "DEV-SEC-06",
        "sso_providers",
        "issuer_url nullable; enabled/auto_create_users/created_at/updated_at nullable; provider_type unchecked",
        "issuer_url NOT NULL (https), endpoint URLs NULL = discovered from the issuer, booleans NOT NULL with rule ids, "
        "provider_type CHECK, allowed_domains NOT NULL array",
        "OIDC needs an issuer; a NULL flag is a silent third state; SEC-004..007",
    ),
    Deviation(
        "DEV-SEC-07",
        "oauth2_clients",
        "no updated_at; rate limits and active nullable",
        "updated_at (trigger-maintained), NOT NULL rate limits and active with rule ids and CHECKs",
        "clients are revoked and their limits change: when is audit-relevant; SEC-008, SEC-009",
    ),
    Deviation(
        "DEV-SEC-08",
        "user_mfa_settings",
        "user_id REFERENCES users(id) (no ON DELETE); *_enabled nullable",
        "ON DELETE CASCADE; *_enabled NOT NULL DEFAULT false and CHECKs that an enabled factor has its material",
        "SEC-011..013: the settings are owned by the user; an enabled factor without a secret is a lock-out or a bypass",
    ),
    Deviation(
        "DEV-SEC-09",
        "partition_policies",
        "(absent)",
        "a table holding each partitioned table's look-ahead, retention and rule id, read by run_partition_maintenance()",
        "issue 5 needs a documented retention per table; keeping it in the database lets the job, the CHECK for the "
        "7-year minimum and the handbook read one source",
    ),
    Deviation(
        "DEV-SEC-10",
        "audit_logs",
        "user_id UUID REFERENCES users(id): any writer may name any user",
        "BEFORE INSERT trigger trg_audit_logs_acting_identity: user_id must equal SET LOCAL app.user_id (SEC-020)",
        "issue 18: a log that anyone can write in anyone's name proves nothing about who acted",
    ),
    Deviation(
        "DEV-SEC-11",
        "partition_archive_ledger",
        "(absent)",
        "an append-only ledger of every partition detached by retention, with range, row count and checksum (SEC-023)",
        "issue 18: detaching must leave a trace an auditor can verify against the archive",
    ),
    Deviation(
        "DEV-SEC-12",
        "oauth2_clients",
        "client_secret_hash TEXT, client_secret_encrypted TEXT 'Encrypted with KMS' (and the other *_hash/*_encrypted columns): any text",
        "named CHECKs: a recognised password-hash format (SEC-025) or the v1:<key id>:<base64> envelope (SEC-026)",
        "issue 18 found plaintext in client_secret_hash and admin_users.password_hash; the suffix alone promised nothing",
    ),
    Deviation(
        "DEV-SEC-13",
        "admin_users",
        "is_super_admin BOOLEAN DEFAULT false, two_factor_enabled BOOLEAN DEFAULT false, independent",
        "ck_admin_users_super_admin_has_mfa and trigger trg_admin_users_security_role_mfa (SEC-027, SEC-028)",
        "NYDFS 23 NYCRR 500.12: privileged accounts use MFA; enrolment before promotion",
    ),
    Deviation(
        "DEV-SEC-14",
        "customers",
        "SELECT on every column for every reader; the seed names 'PII exposure' as a gap",
        "column grants by need to know from the schema.pii classification (SEC-029)",
        "issue 18: app_ro and auditor read every customer's date of birth and street address",
    ),
)
