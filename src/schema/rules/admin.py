"""Admin rules (ADM-): who may administer the platform, what they did, and what they may see."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "ADM-001",
        "Admin roles form a hierarchy without cycles and at most 5 levels deep; a role is never its own parent.",
        "seed: 'Circular foreign key references in organizational hierarchies without proper depth limits'",
        (
            "fk_admin_roles_parent_role_id_admin_roles",
            "ck_admin_roles_not_own_parent",
            "trg_admin_roles_hierarchy",
            "check_admin_role_hierarchy()",
        ),
    ),
    Rule(
        "ADM-002",
        "A role's permissions are exactly its rows in admin_role_permissions, each pointing at the permission "
        "registry; the grant belongs to the role (deleted with it), a granted permission cannot be deleted. "
        "The console (admin_rw) may grant but not revoke: the 'admin' grant profile has no DELETE, so revoking "
        "is an owner operation until a profile allows it.",
        "seed: 'Admin permissions registry'; our decision: one source of truth instead of a JSONB copy",
        (
            "admin_role_permissions",
            "pk_admin_role_permissions",
            "fk_admin_role_permissions_role_id_admin_roles",
            "fk_admin_role_permissions_permission_id_admin_permissions",
        ),
    ),
    Rule(
        "ADM-003",
        "A permission is a unique (resource, action) pair; the action is read, write, delete or approve, and "
        "the resource a lower snake case name (an open list: a new console module registers its resources as rows). "
        "The admin activity log names resources in the same vocabulary.",
        "seed: admin_permissions UNIQUE(resource, action) and its 'read, write, delete, approve' comment",
        (
            "uq_admin_permissions_resource_action",
            "ck_admin_permissions_action_allowed",
            "ck_admin_permissions_resource_format",
            "ck_admin_activity_logs_resource_type_format",
        ),
    ),
    Rule(
        "ADM-004",
        "Every admin account has a role, super admins included; a role held by an admin cannot be deleted.",
        "our decision: an admin without a role has permissions nobody can review",
        ("admin_users.role_id", "fk_admin_users_role_id_admin_roles"),
    ),
    Rule(
        "ADM-005",
        "An admin is not a super admin unless another super admin grants it explicitly.",
        "seed: is_super_admin DEFAULT false; least privilege (SOC 2 CC6.3)",
        ("admin_users.is_super_admin",),
    ),
    Rule(
        "ADM-006",
        "Two-factor authentication is off until the admin enrolls; while it is on, an encrypted TOTP secret is stored.",
        "seed: two_factor_enabled DEFAULT false; issue 4 (two_factor_secret stored encrypted)",
        ("admin_users.two_factor_enabled", "admin_users.two_factor_secret_encrypted", "ck_admin_users_two_factor_secret_when_enabled"),
    ),
    Rule(
        "ADM-007",
        "failed_login_attempts counts consecutive failed logins since the last success: it starts at 0 and is never negative.",
        "seed: failed_login_attempts DEFAULT 0",
        ("admin_users.failed_login_attempts", "ck_admin_users_failed_login_attempts_non_negative"),
    ),
    Rule(
        "ADM-008",
        "Every admin account is created by another admin, except one bootstrap account, which is a super admin.",
        "seed: admin_users.created_by; our decision: a NULL creator means only 'the bootstrap admin'",
        (
            "admin_users.created_by",
            "ex_admin_users_single_bootstrap",
            "ck_admin_users_bootstrap_is_super_admin",
            "ck_admin_users_not_self_created",
            "fk_admin_users_created_by_admin_users",
        ),
    ),
    Rule(
        "ADM-009",
        "A setting's JSON value has the type its data_type names (json: an object or array); an encrypted value "
        "is a JSON string of ciphertext whatever the data_type.",
        "seed: system_settings.data_type 'string, number, boolean, json'",
        ("ck_system_settings_data_type_allowed", "ck_system_settings_value_matches_data_type"),
    ),
    Rule(
        "ADM-010",
        "Admin accounts are deactivated, never deleted: what an admin did (settings changed, activity, approvals) "
        "keeps its actor, so every reference to admin_users is RESTRICT.",
        "SOC 2 CC6.2 (access removal is recorded, not erased); our decision",
        (
            "admin_users.deactivated_at",
            "fk_admin_activity_logs_admin_user_id_admin_users",
            "fk_system_settings_last_modified_by_admin_users",
        ),
    ),
    Rule(
        "ADM-011",
        "A setting is sensitive until an admin classifies it as not (fail closed); encrypted is false unless the "
        "writer encrypted the value, and only sensitive settings are encrypted.",
        "our decision: a default of 'not sensitive' would publish a secret to every reader by omission",
        ("system_settings.is_sensitive", "system_settings.encrypted", "ck_system_settings_encrypted_is_sensitive"),
    ),
    Rule(
        "ADM-012",
        "A setting records who last changed it (NULL: a migration or seed script) and when, the time kept true by a trigger.",
        "seed: last_modified_by, last_modified_at",
        (
            "system_settings.last_modified_by",
            "system_settings.last_modified_at",
            "trg_system_settings_set_last_modified_at",
            "set_last_modified_at()",
        ),
    ),
    Rule(
        "ADM-013",
        "An admin activity entry has an error message exactly when it did not succeed.",
        "seed: admin_activity_logs status 'success, failed, unauthorized' and error_message",
        ("ck_admin_activity_logs_status_allowed", "ck_admin_activity_logs_error_message_iff_not_success"),
    ),
    Rule(
        "ADM-014",
        "The admin activity log is append-only: nobody, the table owner included, updates, deletes or truncates it.",
        "issue 11 (append-only audit trails); SOC 2 CC7.2",
        ("trg_admin_activity_logs_append_only", "forbid_admin_activity_log_change()"),
    ),
    Rule(
        "ADM-015",
        "Sensitive settings are invisible to app_rw, app_ro and auditor (they see only is_sensitive = false); admin_rw "
        "and the owner see and write all. Row-level security is forced, so the owner obeys it through its own policy. "
        "Auditors see only non-sensitive settings (least privilege): changes to sensitive ones are in admin_activity_logs.",
        "seed: ALTER TABLE system_settings ENABLE ROW LEVEL SECURITY; issue 4 and issue 11",
        ("system_settings_select_non_sensitive", "system_settings_manage"),
    ),
    Rule(
        "ADM-016",
        "The admin activity log is insert-only for app_rw and admin_rw and readable only by auditor (and the owner): "
        "the admins it records cannot read or change their own trail. Row-level security is forced; no policy allows "
        "UPDATE or DELETE.",
        "seed: ALTER TABLE admin_activity_logs ENABLE ROW LEVEL SECURITY; issue 4 and issue 11",
        ("admin_activity_logs_append", "admin_activity_logs_read"),
    ),
    Rule(
        "ADM-017",
        "A dashboard refreshes every 60 seconds unless configured, and never faster than 5 s nor slower than an hour.",
        "seed: refresh_interval DEFAULT 60 -- seconds; our decision on the bounds (database load, staleness)",
        ("admin_dashboards.refresh_interval", "ck_admin_dashboards_refresh_interval_range"),
    ),
    Rule(
        "ADM-018",
        "Opening a dashboard requires a permission of the registry; a permission a dashboard requires cannot be deleted.",
        "seed: admin_dashboards.required_permission; our decision: a reference, not free text",
        ("admin_dashboards.required_permission_id", "fk_admin_dashboards_required_permission_id_admin_permissions"),
    ),
    Rule(
        "ADM-019",
        "A rate change submission starts pending at its insert time; approved_by and approved_at are set exactly when it "
        "is approved, rejected_by, rejected_at and a non-blank rejection_reason exactly when it is rejected, and a "
        "decision is never dated before the submission.",
        "seed: admin_rate_approvals status DEFAULT 'pending'; issue 4 (approval workflow consistency)",
        (
            "admin_rate_approvals.status",
            "admin_rate_approvals.submitted_at",
            "ck_admin_rate_approvals_status_allowed",
            "ck_admin_rate_approvals_approval_iff_approved",
            "ck_admin_rate_approvals_rejection_iff_rejected",
            "ck_admin_rate_approvals_rejection_reason_not_blank",
            "ck_admin_rate_approvals_decided_after_submitted",
            "ix_admin_rate_approvals_submitted_at",
        ),
    ),
    Rule(
        "ADM-020",
        "Four eyes: the admin who approves a rate change is not the admin who submitted it.",
        "segregation of duties (internal control over rate filings); issue 4 brief; our decision",
        ("ck_admin_rate_approvals_four_eyes",),
    ),
    Rule(
        "ADM-021",
        "A rate approval decision is final: once approved or rejected, the row is neither changed nor deleted; a new "
        "submission supersedes it.",
        "our decision: the decision is evidence for the state regulator",
        ("trg_admin_rate_approvals_decision_final", "forbid_decided_rate_approval_change()"),
    ),
    # --- revision 009: who may file and who may approve a rate --------------------------------
    Rule(
        "ADM-022",
        "A rate approval is decided (approved or rejected) only by an admin active at the decision who holds "
        "rate_tables:approve through their role or one of its parents (ADM-001, ADM-002); is_super_admin alone does not "
        "count (regulated approval authority is traceable to a role grant; the super_admin role holds it). Seeded: "
        "rate_approver (and super_admin) decide; rate_analyst, its child role, does not inherit the right.",
        "issue 17 (approvals by deactivated admins and by roles without the permission were accepted)",
        ("trg_admin_rate_approvals_authority", "check_rate_approval_authority()", "admin_holds_permission()"),
    ),
    Rule(
        "ADM-023",
        "A rate change is submitted only by an admin active at submission who holds rate_tables:write through their "
        "role or its parents (rate_analyst, and rate_approver through it).",
        "our decision: who may file is as traceable as who may approve",
        ("trg_admin_rate_approvals_authority", "admin_holds_permission()"),
    ),
    Rule(
        "ADM-024",
        "At most one pending approval per rate row: a second submission waits for the first decision.",
        "issue 17 (a second pending approval for one rate was accepted)",
        ("uq_admin_rate_approvals_pending_rate_table_id",),
    ),
    Rule(
        "ADM-025",
        "An approval summarizes what changed: changes_summary is a non-empty JSON object (old and new values).",
        "issue 17 (an approval with an empty changes_summary was accepted)",
        ("ck_admin_rate_approvals_changes_summary_not_empty",),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-ADM-01",
        "admin_roles, admin_users",
        "CREATE TABLE admin_users (... role_id UUID REFERENCES admin_roles(id)) before CREATE TABLE admin_roles",
        "admin_roles (and admin_permissions) are created before admin_users",
        "the seed's order fails: a foreign key cannot reference a table that does not exist yet",
    ),
    Deviation(
        "DEV-ADM-02",
        "admin_roles, admin_role_permissions",
        "admin_roles.permissions JSONB NOT NULL DEFAULT '[]' next to an admin_permissions registry",
        "no permissions column; link table admin_role_permissions (role CASCADE, permission RESTRICT, PK both)",
        "two sources of truth is a silent fallback: a JSONB list can name permissions the registry does not have, and "
        "nothing says which copy wins (ADM-002)",
    ),
    Deviation(
        "DEV-ADM-03",
        "admin_roles",
        "parent_role_id UUID REFERENCES admin_roles(id), no ON DELETE, no cycle or depth check",
        "ON DELETE RESTRICT, ck_admin_roles_not_own_parent, trigger trg_admin_roles_hierarchy (no cycle, <= 5 levels), index",
        "the seed's own gap list: circular references without depth limits (ADM-001)",
    ),
    Deviation(
        "DEV-ADM-04",
        "admin_roles, admin_permissions",
        "description TEXT (nullable); admin_roles without updated_at; admin_permissions without timestamps; free-form names",
        "description NOT NULL; admin_roles.updated_at (trigger); admin_permissions.created_at; "
        "lower snake case CHECKs on role names and resources",
        "an access review needs to know what a role or permission is for and when it changed; code matches these names",
    ),
    Deviation(
        "DEV-ADM-05",
        "admin_users",
        "two_factor_secret TEXT",
        "two_factor_secret_encrypted TEXT, required while two_factor_enabled (ADM-006)",
        "secrets only in *_encrypted columns (SEC-001); the grant profiles withhold such columns from every role",
    ),
    Deviation(
        "DEV-ADM-06",
        "admin_users",
        "role_id UUID REFERENCES admin_roles(id) (nullable, no ON DELETE)",
        "role_id NOT NULL, ON DELETE RESTRICT (ADM-004)",
        "an admin without a role is a silent fallback to 'whatever the code does with NULL'",
    ),
    Deviation(
        "DEV-ADM-07",
        "admin_users",
        "is_super_admin, two_factor_enabled DEFAULT false, failed_login_attempts DEFAULT 0, all nullable",
        "NOT NULL with the same defaults cited by ADM-005/006/007; failed_login_attempts >= 0; last_login_at and "
        "last_login_ip set together",
        "a NULL flag or counter is a third state nobody defined",
    ),
    Deviation(
        "DEV-ADM-08",
        "admin_users",
        "created_by UUID REFERENCES admin_users(id) (nullable, no ON DELETE)",
        "ON DELETE RESTRICT; NULL only for one bootstrap super admin (ex_admin_users_single_bootstrap, "
        "ck_admin_users_bootstrap_is_super_admin); never self-created",
        "ADM-008: NULL must mean one thing; ADM-010: admins are deactivated, not deleted",
    ),
    Deviation(
        "DEV-ADM-09",
        "system_settings",
        "CREATE INDEX idx_system_settings_category ON system_settings(category)",
        "no such index: uq_system_settings_category_key has category as its leading column",
        "a redundant index costs every write and serves no query the UNIQUE index does not",
    ),
    Deviation(
        "DEV-ADM-10",
        "system_settings",
        "is_sensitive BOOLEAN DEFAULT false, encrypted BOOLEAN DEFAULT false (nullable)",
        "is_sensitive NOT NULL DEFAULT true (fail closed), encrypted NOT NULL DEFAULT false, encrypted implies sensitive",
        "ADM-011: forgetting to classify a secret must hide it, not publish it to app_ro",
    ),
    Deviation(
        "DEV-ADM-11",
        "system_settings",
        "value JSONB NOT NULL; data_type VARCHAR(20) -- 'string', 'number', 'boolean', 'json' (no CHECK); validation_rules JSONB",
        "data_type CHECK; value's jsonb_typeof must match data_type (a string when encrypted); validation_rules an object; "
        "category and key format CHECKs",
        "ADM-009: a 'number' setting holding a string fails in the reader, far from the writer",
    ),
    Deviation(
        "DEV-ADM-12",
        "system_settings",
        "last_modified_by UUID REFERENCES admin_users(id); last_modified_at DEFAULT CURRENT_TIMESTAMP",
        "ON DELETE RESTRICT, NULL meaning 'written by a migration or seed'; last_modified_at NOT NULL kept true by trigger",
        "ADM-012: a default only fills the time once",
    ),
    Deviation(
        "DEV-ADM-13",
        "system_settings, admin_activity_logs",
        "ALTER TABLE ... ENABLE ROW LEVEL SECURITY (no policy: only the owner could read or write)",
        "ENABLE and FORCE with policies per group role, the owner included (ADM-015, ADM-016)",
        "RLS without policies denies every non-owner and exempts the owner: it enforces nothing the issue asks for",
    ),
    Deviation(
        "DEV-ADM-14",
        "admin_activity_logs",
        "admin_user_id UUID REFERENCES admin_users(id) (nullable, no ON DELETE); status without CHECK",
        "admin_user_id NOT NULL RESTRICT (ADM-010); status CHECK; error_message exactly when not success (ADM-013); "
        "old/new values JSON objects",
        "an activity entry without its actor is worthless to an auditor; unauthenticated attempts belong to audit_logs",
    ),
    Deviation(
        "DEV-ADM-15",
        "admin_activity_logs",
        "idx_admin_activity_logs_admin_user (admin_user_id)",
        "ix_admin_activity_logs_admin_user_id_created_at (admin_user_id, created_at)",
        "the query is 'one admin's activity in a period, newest first'; the leading column still serves the FK",
    ),
    Deviation(
        "DEV-ADM-16",
        "admin_activity_logs",
        "an ordinary table",
        "append-only: statement trigger trg_admin_activity_logs_append_only refuses UPDATE, DELETE, TRUNCATE (ADM-014)",
        "privileges and RLS alone do not stop the owner rewriting history by accident",
    ),
    Deviation(
        "DEV-ADM-17",
        "admin_dashboards",
        "required_permission VARCHAR(100) (nullable free text)",
        "required_permission_id UUID NOT NULL REFERENCES admin_permissions ON DELETE RESTRICT (ADM-018)",
        "free text can name a permission that does not exist, which silently opens or closes the dashboard",
    ),
    Deviation(
        "DEV-ADM-18",
        "admin_dashboards",
        "refresh_interval INTEGER DEFAULT 60 (nullable, unbounded); layout, widgets JSONB without type checks",
        "NOT NULL DEFAULT 60 cited by ADM-017, CHECK between 5 and 3600; layout an object, widgets an array; slug format",
        "a refresh of 0 seconds hammers the database; NULL has no meaning",
    ),
    Deviation(
        "DEV-ADM-19",
        "admin_rate_approvals",
        "rate_table_id, submitted_by REFERENCES ... (nullable, no ON DELETE); status VARCHAR(20) DEFAULT 'pending' "
        "(nullable, no CHECK); approved_*/rejected_* free of the status; submitted_at nullable",
        "rate_table_id and submitted_by NOT NULL, every FK RESTRICT and indexed; status NOT NULL CHECK DEFAULT 'pending' "
        "(ADM-019); workflow CHECKs; four eyes (ADM-020); decided rows final by trigger (ADM-021)",
        "an approval that does not say by whom, of what, or that its approver is its submitter is no control at all",
    ),
    Deviation(
        "DEV-ADM-20",
        "admin_rate_approvals",
        "CREATE INDEX idx_admin_rate_approvals_status ON admin_rate_approvals(status)",
        "partial index ix_admin_rate_approvals_submitted_at (submitted_at) WHERE status = 'pending'",
        "the query is the pending queue, oldest first; a three-value status index grows with a history nobody scans by status",
    ),
    Deviation(
        "DEV-ADM-21",
        "all admin tables",
        "created_at / updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP (nullable), updated_at never maintained",
        "NOT NULL; updated_at kept true by set_updated_at (COR-002)",
        "DESIGN.md: updated_at is kept true by a trigger, not by a default that never changes",
    ),
)
