"""Security invariants: who acted, an audit trail nobody can cut, secrets in recognised formats.

Business purpose: a SOC 2 auditor (and an attacker inside the application) must find that the
audit evidence holds. Every audit and activity row is attributed to the identity the application
declared for its transaction (``SET LOCAL app.user_id`` / ``app.admin_user_id``, SEC-020), with
one owner-only path for historical loads (``app.historical_import``, SEC-021). No role, the owner
included, can truncate any partition of audit_logs (SEC-022: a TRUNCATE guard on every partition,
made by partition maintenance for new ones); a partition leaves the table only by retention,
through maintain_partitions(), which first records table, range, row count and checksum in the
append-only partition_archive_ledger (SEC-023); event triggers refuse dropping, disabling or
detaching by hand what protects the trail (SEC-024).

Secrets (SEC-025, SEC-026): every ``*_hash`` column must hold a recognised password hash (argon2id,
bcrypt, scrypt, PBKDF2 in their standard encodings) and every ``*_encrypted`` column ciphertext in
the declared envelope ``v1:<key id>:<base64>``, by named CHECKs added NOT VALID, then validated.
Customer, policy and claim columns are classified (public, PII, sensitive PII: schema.pii, SEC-029)
and roles without a need to know lose SELECT on them: reporting (app_ro) and the admin console
(admin_rw) read public columns only, auditors no sensitive PII (date of birth, street address,
claim narratives). Privileged accounts use MFA (SEC-027, SEC-028): a super admin has it on, and
an active admin in a role with security-relevant permissions too; enrolment comes before the
promotion.

What it does to existing rows: nothing is changed or deleted. It adds the ledger (empty, then one
``adopted`` entry per archive already detached before this revision, with its count and
checksum), BEFORE INSERT triggers that judge only new rows, a TRUNCATE trigger on every existing
partition and archive, and replaces maintain_partitions() (004's version is restored by the
downgrade, written here as a constant); CHECKs that existing rows must already satisfy (see
below), and column REVOKEs (catalog only). No table is rewritten. The event triggers (SEC-024) need a superuser: where the
migrating role is not one (a managed service), everything else is installed and the migration
output and the server log say by name that the audit-trail DDL guards are not installed.

Before each secret CHECK and the MFA rules exist the revision looks for rows that break them and,
if any, refuses to run, naming the rule, the constraint, the count and the first ids. Reviewed remediation, run by hand
by an operator (never by this revision):

- a ``*_hash`` in no recognised format (plaintext, a bare md5/sha digest): the secret is compromised
  by being stored; rotate it. For a password, write the argon2id hash of a random secret the
  application generates and force a reset through the recovery flow, e.g.
  ``UPDATE admin_users SET password_hash = :argon2id_of_random, locked_until = now() + interval '100 years'
  WHERE id = ANY(:ids)``, then notify the owners; for an OAuth2 client secret, issue a new secret to
  the partner and store its hash (``UPDATE oauth2_clients SET client_secret_hash = :argon2id, active = false``
  until the partner confirms).
- an admin without MFA who is a super admin or holds a role with security-relevant permissions
  (SEC-027/028): have the admin enrol (two_factor_enabled with its secret), or demote first:
  ``UPDATE admin_users SET is_super_admin = false WHERE id = ANY(:ids)`` / move them to a role
  without write access to admin_users, admin_roles or system_settings; reviewed by a second admin.
- a ``*_encrypted`` value in the legacy ``kms:v1:<base64>`` form: re-wrap it under the current key id
  with the KMS tool and write ``v1:<key id>:<base64>``; only if the ciphertext is already AES-GCM
  under that key, ``UPDATE <table> SET <column> = 'v1:<key id>:' || substr(<column>, 8)
  WHERE <column> LIKE 'kms:v1:%'`` after checking a sample decrypts. A value in clear: encrypt it
  (and rotate it if it is a credential).

Revision ID: 010
Revises: 006
Create Date: 2026-12-01
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import context, op

revision: str = "010"
down_revision: str | None = "009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITION_SCHEMA = "partitions"
LEDGER = "partition_archive_ledger"


class IdentityTrigger(NamedTuple):
    """SEC-020: the column of ``table`` that must name the identity declared in ``setting``."""

    name: str
    table: str
    column: str
    setting: str
    anonymous: str  # 'anonymous_allowed' (the column may be NULL when 'anonymous' is declared) or 'anonymous_refused'


IDENTITY_TRIGGERS: tuple[IdentityTrigger, ...] = (
    IdentityTrigger("trg_audit_logs_acting_identity", "audit_logs", "user_id", "app.user_id", "anonymous_allowed"),
    IdentityTrigger(
        "trg_admin_activity_logs_acting_identity", "admin_activity_logs", "admin_user_id", "app.admin_user_id", "anonymous_refused"
    ),
)


class Guard(NamedTuple):
    """A trigger an audit trail (and each of its partitions and archives) must carry, enabled."""

    family: str
    trigger: str
    function: str


# What protects each audit trail; audit_trail_protection_problems() checks every one of them on the
# parent, every partition (DEFAULT included) and every archive, after any DDL (SEC-024).
GUARDS: tuple[Guard, ...] = (
    Guard("audit_logs", "trg_audit_logs_append_only", "forbid_audit_mutation"),
    Guard("audit_logs", "trg_audit_logs_no_truncate", "forbid_audit_mutation"),
    Guard("audit_logs", "trg_audit_logs_acting_identity", "require_acting_identity"),
    Guard("admin_activity_logs", "trg_admin_activity_logs_append_only", "forbid_admin_activity_log_change"),
    Guard("admin_activity_logs", "trg_admin_activity_logs_acting_identity", "require_acting_identity"),
    Guard(LEDGER, "trg_partition_archive_ledger_append_only", "forbid_audit_mutation"),
    Guard(LEDGER, "trg_partition_archive_ledger_no_truncate", "forbid_audit_mutation"),
)
PARTITIONED_TRAIL = "audit_logs"
TRUNCATE_GUARD = "trg_audit_logs_no_truncate"

# --- SEC-020 / SEC-021: acting identity ------------------------------------------------------------

REQUIRE_ACTING_IDENTITY = r"""
CREATE FUNCTION require_acting_identity() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_column    CONSTANT text := TG_ARGV[0];
    v_setting   CONSTANT text := TG_ARGV[1];
    v_anonymous CONSTANT boolean := TG_ARGV[2] = 'anonymous_allowed';
    v_import    text := nullif(current_setting('app.historical_import', true), '');
    v_declared  text := nullif(current_setting(v_setting, true), '');
    v_written   text := to_jsonb(NEW) ->> v_column;
    v_owner     oid;
    v_actor     uuid;
BEGIN
    IF v_written IS NULL AND NOT v_anonymous THEN
        RETURN NEW;  -- the column is NOT NULL: its own constraint refuses the row, with SQLSTATE 23502
    END IF;
    IF v_import IS NOT NULL AND v_import <> 'off' THEN
        -- SEC-021: the one bypass, for loading history that is already attributed (seed, imports).
        SELECT c.relowner INTO v_owner FROM pg_class c WHERE c.oid = TG_RELID;
        IF v_import = 'on' AND pg_has_role(current_user, v_owner, 'USAGE') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'SEC-021: app.historical_import = % is honoured only for the owner of %; role % may not use it (trigger % on %)',
            v_import, TG_TABLE_NAME, current_user, TG_NAME, TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME,
                  HINT = 'Applications declare who acts with SET LOCAL ' || v_setting || '; only the table owner loads history.';
    END IF;
    IF v_declared IS NULL THEN
        RAISE EXCEPTION 'SEC-020: no acting identity for this % row: SET LOCAL % = ''<uuid>'' first (trigger % on %)',
            TG_TABLE_NAME, v_setting, TG_NAME, TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = v_column,
                  HINT = 'The application states who acts in each transaction; see the handbook page "Acting identity".';
    END IF;
    IF v_declared = 'anonymous' THEN
        IF NOT v_anonymous THEN
            RAISE EXCEPTION 'SEC-020: % may not be anonymous on % (trigger % on %)', v_setting, TG_TABLE_NAME, TG_NAME, TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = v_column;
        END IF;
        IF v_written IS NOT NULL THEN
            RAISE EXCEPTION 'SEC-020: % is declared anonymous but the row names %.% = % (trigger % on %)',
                v_setting, TG_TABLE_NAME, v_column, v_written, TG_NAME, TG_TABLE_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = v_column;
        END IF;
        RETURN NEW;
    END IF;
    BEGIN
        v_actor := v_declared::uuid;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'SEC-020: % = % is neither a uuid nor ''anonymous'' (trigger % on %)', v_setting, v_declared, TG_NAME, TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = v_column;
    END;
    IF v_written IS NULL OR v_written::uuid <> v_actor THEN
        RAISE EXCEPTION 'SEC-020: %.% = % but the acting identity (%) is %: a row may not be written in someone else''s name (trigger % on %)',
            TG_TABLE_NAME, v_column, coalesce(v_written, 'NULL'), v_setting, v_actor, TG_NAME, TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = v_column;
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION require_acting_identity() IS
    'SEC-020: BEFORE INSERT trigger function: the row''s actor column (TG_ARGV[0]) must equal the identity declared with SET LOCAL (TG_ARGV[1]), '
    'or be NULL when ''anonymous'' is declared and allowed (TG_ARGV[2]); no declaration, no row. SEC-021: the owner may load history with app.historical_import = on.';
"""

# --- SEC-022 / SEC-023: partitions, archives and the ledger ---------------------------------------

COPY_PARENT_TRIGGERS = r"""
CREATE FUNCTION copy_parent_triggers(p_parent regclass, p_child regclass, p_statement_only boolean) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_parent  text := p_parent::text;
    v_trigger record;
    v_prefix  text;
    v_on      text;
    v_rest    text;
    v_pos     integer;
    v_copied  integer := 0;
BEGIN
    FOR v_trigger IN
        SELECT t.tgname, pg_get_triggerdef(t.oid) AS def
        FROM pg_trigger t
        WHERE t.tgrelid = p_parent AND NOT t.tgisinternal
          AND (NOT p_statement_only OR (t.tgtype & 1) = 0)
          AND NOT EXISTS (SELECT 1 FROM pg_trigger c WHERE c.tgrelid = p_child AND c.tgname = t.tgname)
        ORDER BY t.tgname
    LOOP
        v_prefix := 'CREATE TRIGGER ' || quote_ident(v_trigger.tgname) || ' ';
        v_on := ' ON ' || v_parent || ' ';
        v_rest := substr(v_trigger.def, length(v_prefix) + 1);
        v_pos := position(v_on IN v_rest);
        IF left(v_trigger.def, length(v_prefix)) <> v_prefix OR v_pos = 0 THEN
            RAISE EXCEPTION 'copy_parent_triggers: cannot copy trigger % of % onto %: unexpected definition %',
                v_trigger.tgname, v_parent, p_child, v_trigger.def USING ERRCODE = 'internal_error';
        END IF;
        EXECUTE v_prefix || left(v_rest, v_pos - 1) || ' ON ' || p_child::text || ' ' || substr(v_rest, v_pos + length(v_on));
        v_copied := v_copied + 1;
    END LOOP;
    RETURN v_copied;
END
$fn$;
COMMENT ON FUNCTION copy_parent_triggers(regclass, regclass, boolean) IS
    'SEC-022: re-creates on a partition or archive the parent''s triggers it lacks (only statement-level ones when asked: PostgreSQL clones row triggers '
    'onto partitions itself, never statement triggers such as the TRUNCATE guard). Returns how many it created.';
"""

LEDGER_COLUMNS = (
    "id", "parent_table", "partition_name", "event", "range_start", "range_end", "row_count", "checksum", "recorded_by", "recorded_at",
)

LEDGER_TRIGGERS = f"""
CREATE TRIGGER trg_{LEDGER}_append_only BEFORE UPDATE OR DELETE ON {LEDGER}
    FOR EACH ROW EXECUTE FUNCTION forbid_audit_mutation();
COMMENT ON TRIGGER trg_{LEDGER}_append_only ON {LEDGER} IS
    'SEC-023: the ledger of detached partitions is evidence: never updated or deleted.';
CREATE TRIGGER trg_{LEDGER}_no_truncate BEFORE TRUNCATE ON {LEDGER}
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_audit_mutation();
COMMENT ON TRIGGER trg_{LEDGER}_no_truncate ON {LEDGER} IS
    'SEC-023: refuses TRUNCATE of the ledger of detached partitions.';
"""

# Archives detached by 004's maintenance before the ledger existed: recorded as found (SEC-023).
ADOPT_ARCHIVES = rf"""
DO $adopt$
DECLARE
    v_archive record;
    v_rows    bigint;
    v_sum     text;
BEGIN
    FOR v_archive IN
        SELECT format('%I.%I', n.nspname, c.relname) AS qualified, c.oid AS rel,
               to_date(right(c.relname, 6), 'YYYYMM') AS month
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{PARTITION_SCHEMA}' AND c.relkind = 'r' AND NOT c.relispartition
          AND c.relname ~ '^{PARTITIONED_TRAIL}_p[0-9]{{6}}$'
          AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_{PARTITIONED_TRAIL}_append_only')
        ORDER BY 1
    LOOP
        EXECUTE format('SELECT count(*), %s FROM %s AS t', {{checksum}}, v_archive.qualified) INTO v_rows, v_sum;
        INSERT INTO {LEDGER} (parent_table, partition_name, event, range_start, range_end, row_count, checksum, recorded_by)
        VALUES ('{PARTITIONED_TRAIL}', v_archive.qualified, 'adopted', v_archive.month::timestamp AT TIME ZONE 'UTC',
                (v_archive.month + interval '1 month')::timestamp AT TIME ZONE 'UTC', v_rows, v_sum, current_user);
        PERFORM copy_parent_triggers('{PARTITIONED_TRAIL}'::regclass, v_archive.rel::regclass, false);
    END LOOP;
END
$adopt$
"""
# The checksum expression maintain_partitions uses (SEC-023), as a SQL string literal.
CHECKSUM_LITERAL = (
    "'''md5sum64:'' || (coalesce(sum((''x'' || left(md5(t::text), 16))::bit(64)::bigint::numeric "
    "+ 9223372036854775808), 0) % 18446744073709551616)::text'"
)

# SEC-022: the TRUNCATE guard on every partition (DEFAULT included) that lacks it.
GUARD_EXISTING_PARTITIONS = f"""
SELECT t.relid::regclass, copy_parent_triggers('{PARTITIONED_TRAIL}'::regclass, t.relid::regclass, true)
FROM pg_partition_tree('{PARTITIONED_TRAIL}'::regclass) AS t
WHERE t.isleaf
"""

# --- SEC-024: nobody cuts the trail with DDL -------------------------------------------------------


def _guard_values() -> str:
    """The GUARDS as a SQL VALUES list (constants of this file, no user input)."""
    return ", ".join(f"('{g.family}', '{g.trigger}', '{g.function}')" for g in GUARDS)


# The frame PG_CONTEXT shows while maintain_partitions() runs DDL (qualified: the guards pin search_path).
MAINTENANCE_FRAME = "%PL/pgSQL function public.maintain_partitions(regclass,integer,integer,boolean) line %"

PROTECTION_PROBLEMS = rf"""
CREATE FUNCTION audit_trail_protection_problems() RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
WITH guards (family, trigger_name, function_name) AS (VALUES {_guard_values()}),
families AS (SELECT DISTINCT family, to_regclass('public.' || family) AS parent FROM guards),
archives AS (
    -- Tables that were partitions of the trail (they carry its TRUNCATE guard, which stays with a
    -- table when it is detached) and are attached to nothing now.
    SELECT c.oid AS rel, format('%I.%I', n.nspname, c.relname) AS qualified
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = '{PARTITION_SCHEMA}' AND c.relkind = 'r' AND NOT c.relispartition
      AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '{TRUNCATE_GUARD}')
),
members AS (
    SELECT f.family, f.parent AS rel FROM families f WHERE f.parent IS NOT NULL
    UNION
    SELECT f.family, t.relid FROM families f CROSS JOIN LATERAL pg_partition_tree(f.parent) AS t
    WHERE f.parent IS NOT NULL AND t.isleaf
    UNION
    SELECT '{PARTITIONED_TRAIL}', a.rel FROM archives a
)
SELECT format('%s lacks its enabled trigger %s executing %s()', m.rel::regclass, g.trigger_name, g.function_name)
FROM members m JOIN guards g ON g.family = m.family
WHERE NOT EXISTS (
    SELECT 1 FROM pg_trigger t
    WHERE t.tgrelid = m.rel AND t.tgname = g.trigger_name AND t.tgenabled IN ('O', 'A')
      AND t.tgfoid = to_regprocedure('public.' || g.function_name || '()'))
UNION ALL
SELECT format('%s was detached from {PARTITIONED_TRAIL} without a record in {LEDGER} (only maintain_partitions() detaches, SEC-023)', a.qualified)
FROM archives a
WHERE NOT EXISTS (SELECT 1 FROM public.{LEDGER} l WHERE l.partition_name = a.qualified AND l.event IN ('detach', 'adopted'))
ORDER BY 1
$fn$;
COMMENT ON FUNCTION audit_trail_protection_problems() IS
    'SEC-024: what is missing from the protection of the audit trails (append-only, TRUNCATE and acting-identity triggers on every parent, '
    'partition and archive; a ledger record for every archive); empty when the trail is whole. Read by the DDL event trigger and by maintain_partitions().';
"""

GUARD_DDL = rf"""
CREATE FUNCTION guard_audit_trail_ddl() RETURNS event_trigger
LANGUAGE plpgsql
-- SECURITY DEFINER: it runs for whichever role ran the DDL, and the ledger the check reads is the
-- owner's and the auditors' only; search_path pinned, EXECUTE revoked from PUBLIC (event triggers
-- call it without that privilege).
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_context  text;
    v_problems text;
BEGIN
    GET DIAGNOSTICS v_context = PG_CONTEXT;
    IF v_context LIKE '{MAINTENANCE_FRAME}' THEN
        RETURN;  -- maintenance works in steps and checks the whole trail itself before returning
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() AS c WHERE c.schema_name IN ('public', '{PARTITION_SCHEMA}')) THEN
        RETURN;
    END IF;
    SELECT string_agg(p, '; ') INTO v_problems FROM public.audit_trail_protection_problems() AS p;
    IF v_problems IS NOT NULL THEN
        RAISE EXCEPTION 'SEC-024: % refused by event trigger evt_audit_trail_ddl_guard: %', tg_tag, v_problems
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Audit partitions are created and detached only by maintain_partitions(); their triggers are never disabled.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION guard_audit_trail_ddl() IS
    'SEC-024: event trigger function (ddl_command_end): refuses DDL that leaves an audit trail, partition or archive unprotected, '
    'or detaches an audit partition outside maintain_partitions().';
REVOKE EXECUTE ON FUNCTION guard_audit_trail_ddl() FROM PUBLIC;
"""

GUARD_DROP = rf"""
CREATE FUNCTION guard_audit_trail_drop() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_context text;
    v_dropped text;
BEGIN
    GET DIAGNOSTICS v_context = PG_CONTEXT;
    IF v_context LIKE '{MAINTENANCE_FRAME}' THEN
        RETURN;  -- detaching the DEFAULT to move its rows drops cloned triggers, and re-attaching clones them again
    END IF;
    SELECT string_agg(d.object_type || ' ' || d.object_identity, ', ' ORDER BY d.object_identity) INTO v_dropped
    FROM pg_event_trigger_dropped_objects() AS d
    WHERE (d.object_type = 'trigger' AND split_part(d.object_identity, ' on ', 1) IN ({", ".join(f"'{g.trigger}'" for g in GUARDS)}))
       OR (d.object_type = 'table' AND d.schema_name = 'public' AND d.object_name IN ({", ".join(sorted({f"'{g.family}'" for g in GUARDS}))}));
    IF v_dropped IS NOT NULL THEN
        RAISE EXCEPTION 'SEC-024: % refused by event trigger evt_audit_trail_drop_guard: it would remove %', tg_tag, v_dropped
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Audit rows, their partitions and archives are never dropped; retention detaches through maintain_partitions() and its ledger.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION guard_audit_trail_drop() IS
    'SEC-024: event trigger function (sql_drop): refuses dropping an audit trail, a partition or archive of one, or a trigger that protects it.';
"""

EVENT_TRIGGERS = """
CREATE EVENT TRIGGER evt_audit_trail_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE TRIGGER', 'ALTER TRIGGER')
    EXECUTE FUNCTION guard_audit_trail_ddl();
COMMENT ON EVENT TRIGGER evt_audit_trail_ddl_guard IS
    'SEC-024: after DDL on the application or partitions schema, the audit trails must still be whole (audit_trail_protection_problems() empty).';
CREATE EVENT TRIGGER evt_audit_trail_drop_guard ON sql_drop
    EXECUTE FUNCTION guard_audit_trail_drop();
COMMENT ON EVENT TRIGGER evt_audit_trail_drop_guard IS
    'SEC-024: refuses dropping an audit trail, a partition or archive of one, or a trigger that protects it.';
"""

# SEC-024's guards are event triggers, which only a superuser may create. Where the migrating role
# is not one (a managed service), the revision installs everything else and says by name, in the
# server's WARNING and the alembic log, that the DDL guards are not installed: the row and
# statement triggers (SEC-003, SEC-022) still hold for every role but a superuser.
LOG = logging.getLogger("alembic.runtime.migration")
CURRENT_ROLE_QUERY = "SELECT r.rolname, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user"
GUARDS_NOT_INSTALLED = (
    "SEC-024: audit-trail DDL guards NOT installed: the migrating role {role} is not a superuser (event triggers "
    "need one); dropping or detaching audit partitions by hand is then stopped only by privileges"
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _event_triggers_where_allowed() -> str:
    """A DO block: the event triggers when the migrating role is a superuser, else a WARNING naming
    what is not installed. The server decides, so the offline script behaves like the online run."""
    statements = [s.strip() for s in EVENT_TRIGGERS.split(";\n") if s.strip()]
    creates = "\n".join(f"        EXECUTE {_literal(statement.rstrip(';'))};" for statement in statements)
    warning = GUARDS_NOT_INSTALLED.format(role="%")
    return f"""
DO $evt$
BEGIN
    IF (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
{creates}
    ELSE
        RAISE WARNING {_literal(warning)}, current_user;
    END IF;
END
$evt$"""


ASSERT_TRAIL_WHOLE = """
DO $whole$
DECLARE
    v_problems text;
BEGIN
    SELECT string_agg(p, '; ') INTO v_problems FROM audit_trail_protection_problems() AS p;
    IF v_problems IS NOT NULL THEN
        RAISE EXCEPTION 'revision 010: the audit trail is not whole after the upgrade: %', v_problems
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END
$whole$
"""

# --- SEC-025 / SEC-026: secrets in declared formats ---------------------------------------------
# The same patterns as schema.secret_formats (copied: revisions import nothing from schema).

PASSWORD_HASH_PATTERN = (
    r"^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}"
    r"|\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}"
    r"|\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,}"
    r"|\$pbkdf2-sha(256|512)\$(i=)?[0-9]+(,l=[0-9]+)?\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,})$"
)
ENVELOPE_PATTERN = r"^v1:[a-z0-9][a-z0-9-]{0,62}:([A-Za-z0-9+/]{4}){10,}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class SecretCheck(NamedTuple):
    """A named CHECK that a secret column holds its declared format."""

    table: str
    column: str
    key: str  # the column identifying a violating row in the refusal message
    rule: str  # SEC-025 (password hash) or SEC-026 (v1 envelope)
    shape: str  # 'hash', 'envelope' or 'envelope_array' (a JSON array of envelopes)

    @property
    def name(self) -> str:
        return f"ck_{self.table}_{self.column}_" + ("format" if self.shape == "hash" else "envelope")

    @property
    def condition(self) -> str:
        if self.shape == "hash":
            return f"{self.column} ~ '{PASSWORD_HASH_PATTERN}'"
        if self.shape == "envelope":
            return f"{self.column} ~ '{ENVELOPE_PATTERN}'"
        return f"NOT jsonb_path_exists({self.column}, '$[*] ? (@.type() != \"string\" || !(@ like_regex \"{ENVELOPE_PATTERN}\"))')"


SECRET_CHECKS: tuple[SecretCheck, ...] = (
    SecretCheck("users", "password_hash", "id", "SEC-025", "hash"),
    SecretCheck("admin_users", "password_hash", "id", "SEC-025", "hash"),
    SecretCheck("oauth2_clients", "client_secret_hash", "id", "SEC-025", "hash"),
    SecretCheck("sso_providers", "client_secret_encrypted", "id", "SEC-026", "envelope"),
    SecretCheck("admin_users", "two_factor_secret_encrypted", "id", "SEC-026", "envelope"),
    SecretCheck("user_mfa_settings", "totp_secret_encrypted", "user_id", "SEC-026", "envelope"),
    SecretCheck("user_mfa_settings", "sms_phone_encrypted", "user_id", "SEC-026", "envelope"),
    SecretCheck("user_mfa_settings", "recovery_codes_encrypted", "user_id", "SEC-026", "envelope_array"),
)


def refuse_violators(check: SecretCheck) -> None:
    """Before the rule exists, find rows that break it; refuse (rule id, count, sample ids) if any."""
    op.execute(
        f"""
DO $violators$
DECLARE
    v_count  bigint;
    v_sample text;
BEGIN
    SELECT count(*), string_agg({check.key}::text, ', ') FILTER (WHERE n <= 5) INTO v_count, v_sample
    FROM (SELECT {check.key}, row_number() OVER (ORDER BY {check.key}) AS n FROM {check.table}
          WHERE {check.column} IS NOT NULL AND NOT ({check.condition})) AS bad;
    IF v_count > 0 THEN
        RAISE EXCEPTION 'revision 010 refused: {check.rule}: % row(s) of {check.table} hold {check.column} in no declared format '
                        '(constraint {check.name}); first {check.key}s: %', v_count, v_sample
            USING ERRCODE = 'check_violation',
                  HINT = 'Remediate by hand as the revision docstring describes (rotate the secret or re-wrap it), then upgrade again.';
    END IF;
END
$violators$"""
    )


# --- SEC-027 / SEC-028: privileged accounts use MFA ----------------------------------------------

SUPER_ADMIN_MFA = "ck_admin_users_super_admin_has_mfa"
# SEC-028: the permissions that make a role security-relevant (who may change accounts, roles and
# platform configuration); read-only access is not. Our decision, recorded in the rule registry.
SECURITY_RESOURCES = ("admin_users", "admin_roles", "system_settings")

REQUIRE_MFA_FOR_SECURITY_ROLES = rf"""
CREATE FUNCTION require_mfa_for_security_roles() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    v_role    uuid;
    v_admin   text;
    v_holds   boolean;
BEGIN
    v_role := NEW.role_id;
    -- Both sides of the rule lock the role row, so a grant and an MFA switch-off cannot pass together.
    PERFORM 1 FROM public.admin_roles r WHERE r.id = v_role FOR NO KEY UPDATE;
    IF TG_TABLE_NAME = 'admin_users' THEN
        IF NEW.two_factor_enabled OR NEW.deactivated_at IS NOT NULL THEN
            RETURN NEW;
        END IF;
        SELECT EXISTS (
            SELECT 1 FROM public.admin_role_permissions rp JOIN public.admin_permissions p ON p.id = rp.permission_id
            WHERE rp.role_id = v_role AND p.resource IN ({", ".join(f"'{r}'" for r in SECURITY_RESOURCES)}) AND p.action <> 'read')
        INTO v_holds;
        IF v_holds THEN
            RAISE EXCEPTION 'SEC-028: admin % would hold role % with security-relevant permissions without MFA: enrol MFA before the promotion (trigger % on admin_users)',
                NEW.email, v_role, TG_NAME
                USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = 'admin_users', COLUMN = 'two_factor_enabled';
        END IF;
        RETURN NEW;
    END IF;
    -- admin_role_permissions: granting a security-relevant permission to a role held by an active admin without MFA.
    IF NOT EXISTS (SELECT 1 FROM public.admin_permissions p WHERE p.id = NEW.permission_id
                   AND p.resource IN ({", ".join(f"'{r}'" for r in SECURITY_RESOURCES)}) AND p.action <> 'read') THEN
        RETURN NEW;
    END IF;
    SELECT string_agg(u.email, ', ' ORDER BY u.email) INTO v_admin
    FROM public.admin_users u WHERE u.role_id = v_role AND u.deactivated_at IS NULL AND NOT u.two_factor_enabled;
    IF v_admin IS NOT NULL THEN
        RAISE EXCEPTION 'SEC-028: role % would gain a security-relevant permission while admins without MFA hold it: % (trigger % on admin_role_permissions)',
            v_role, v_admin, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = 'admin_role_permissions';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION require_mfa_for_security_roles() IS
    'SEC-028: an active admin whose role holds a non-read permission on {", ".join(SECURITY_RESOURCES)} has MFA enabled; checked when an '
    'admin is created, changes role, switches MFA off or is reactivated, and when such a permission is granted to a role.';
"""

MFA_TRIGGERS = """
CREATE TRIGGER trg_admin_users_security_role_mfa BEFORE INSERT OR UPDATE OF role_id, two_factor_enabled, deactivated_at ON admin_users
    FOR EACH ROW EXECUTE FUNCTION require_mfa_for_security_roles();
COMMENT ON TRIGGER trg_admin_users_security_role_mfa ON admin_users IS
    'SEC-028: enrolment before promotion: no active admin without MFA in a role with security-relevant permissions.';
CREATE TRIGGER trg_admin_role_permissions_security_role_mfa BEFORE INSERT ON admin_role_permissions
    FOR EACH ROW EXECUTE FUNCTION require_mfa_for_security_roles();
COMMENT ON TRIGGER trg_admin_role_permissions_security_role_mfa ON admin_role_permissions IS
    'SEC-028: a security-relevant permission is granted only to roles whose active admins all use MFA.';
"""

MFA_VIOLATORS = rf"""
DO $violators$
DECLARE
    v_count  bigint;
    v_sample text;
BEGIN
    SELECT count(*), string_agg(id::text, ', ') FILTER (WHERE n <= 5) INTO v_count, v_sample
    FROM (SELECT u.id, row_number() OVER (ORDER BY u.id) AS n FROM admin_users u
          WHERE NOT u.two_factor_enabled
            AND (u.is_super_admin OR (u.deactivated_at IS NULL AND EXISTS (
                SELECT 1 FROM admin_role_permissions rp JOIN admin_permissions p ON p.id = rp.permission_id
                WHERE rp.role_id = u.role_id AND p.resource IN ({", ".join(f"'{r}'" for r in SECURITY_RESOURCES)}) AND p.action <> 'read')))) AS bad;
    IF v_count > 0 THEN
        RAISE EXCEPTION 'revision 010 refused: SEC-027/SEC-028: % privileged admin(s) without MFA ({SUPER_ADMIN_MFA}, trg_admin_users_security_role_mfa); first ids: %',
            v_count, v_sample
            USING ERRCODE = 'check_violation',
                  HINT = 'Have them enrol MFA, or demote them (see the revision docstring), then upgrade again.';
    END IF;
END
$violators$
"""


# --- SEC-029: PII by need to know ----------------------------------------------------------------


class PiiWithheld(NamedTuple):
    """A classified column (schema.pii) that a group role has no need to read: its SELECT is revoked."""

    table: str
    column: str
    role: str
    pii_class: str


# The decisions of schema.pii (copied; a test keeps them equal): app_ro and admin_rw read public
# columns only, auditors PII but not sensitive PII; app_rw keeps every column.
PII_WITHHELD: tuple[PiiWithheld, ...] = (
    PiiWithheld("customers", "first_name", "admin_rw", "pii"),
    PiiWithheld("customers", "first_name", "app_ro", "pii"),
    PiiWithheld("customers", "last_name", "admin_rw", "pii"),
    PiiWithheld("customers", "last_name", "app_ro", "pii"),
    PiiWithheld("customers", "email", "admin_rw", "pii"),
    PiiWithheld("customers", "email", "app_ro", "pii"),
    PiiWithheld("customers", "phone", "admin_rw", "pii"),
    PiiWithheld("customers", "phone", "app_ro", "pii"),
    PiiWithheld("customers", "date_of_birth", "admin_rw", "sensitive_pii"),
    PiiWithheld("customers", "date_of_birth", "app_ro", "sensitive_pii"),
    PiiWithheld("customers", "date_of_birth", "auditor", "sensitive_pii"),
    PiiWithheld("customers", "address_line1", "admin_rw", "sensitive_pii"),
    PiiWithheld("customers", "address_line1", "app_ro", "sensitive_pii"),
    PiiWithheld("customers", "address_line1", "auditor", "sensitive_pii"),
    PiiWithheld("customers", "city", "admin_rw", "pii"),
    PiiWithheld("customers", "city", "app_ro", "pii"),
    PiiWithheld("customers", "zip_code", "admin_rw", "pii"),
    PiiWithheld("customers", "zip_code", "app_ro", "pii"),
    PiiWithheld("claims", "description", "admin_rw", "sensitive_pii"),
    PiiWithheld("claims", "description", "app_ro", "sensitive_pii"),
    PiiWithheld("claims", "description", "auditor", "sensitive_pii"),
)


# maintain_partitions() as revision 004 created it (src/schema/sql/partitions/maintain_partitions.sql at 004),
# restored by downgrade(); frozen here so that this revision never reads a file that may change.
MAINTAIN_PARTITIONS_004 = r"""
-- maintain_partitions(): the pg_partman run_maintenance job for one monthly RANGE-partitioned table.
-- Created by revision 004 exactly as written here; changing it needs a new revision (and a new file).
--
-- * creates the monthly partitions from the current month (UTC) through p_months_ahead months ahead;
-- * moves rows sitting in the DEFAULT partition into the month partition that covers them
--   (PostgreSQL refuses to create a partition whose range has rows in DEFAULT): the DEFAULT is
--   detached, the months are created, the rows are moved with DELETE ... RETURNING through the
--   parent, and the (now empty) DEFAULT is attached again, all in the caller's transaction, so a
--   failure leaves everything as it was and nothing is lost;
-- * detaches (never drops) partitions whose whole range is older than p_retention_months, keeping
--   them as archive tables next to the DEFAULT, with the parent's triggers re-created on them (the
--   append-only trigger of audit_logs keeps protecting an archive);
-- * is idempotent (a second run finds nothing to do) and serializes concurrent runs on the same
--   parent with a transaction-level advisory lock;
-- * builds every identifier with format('%I') and every value with format('%L').
-- Monthly partitions go in the schema of the parent's DEFAULT partition (required: no row is ever
-- refused), named <parent>_pYYYYMM. With p_dry_run it changes nothing and returns what it would do.
CREATE FUNCTION maintain_partitions(
    p_parent regclass,
    p_months_ahead integer,
    p_retention_months integer,
    p_dry_run boolean DEFAULT false
) RETURNS TABLE (action text, partition_name text, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bound_pattern CONSTANT text := 'FROM \(''([^'']*)''\) TO \(''([^'']*)''\)';
    v_this_month   date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    v_cutoff       date;
    v_parent_nsp   text;
    v_parent_rel   text;
    v_parent       text;
    v_key          text;
    v_default_oid  oid;
    v_child_nsp    text;
    v_default      text;
    v_columns      text;
    v_default_months date[];
    v_moving       boolean;
    v_plan         record;
    v_old          record;
    v_trigger      record;
    v_name         text;
    v_child        text;
    v_target       text;
    v_lower        timestamptz;
    v_upper        timestamptz;
    v_count        bigint;
    v_planned_old  text[] := '{}';
    v_prefix       text;
    v_on           text;
    v_rest         text;
    v_pos          integer;
BEGIN
    IF p_parent IS NULL OR p_months_ahead IS NULL OR p_retention_months IS NULL THEN
        RAISE EXCEPTION 'maintain_partitions: parent, months ahead and retention are required (got %, %, %)',
            p_parent, p_months_ahead, p_retention_months USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_months_ahead < 0 OR p_retention_months < 1 THEN
        RAISE EXCEPTION 'maintain_partitions: months ahead must be >= 0 and retention >= 1 month (got %, %)',
            p_months_ahead, p_retention_months USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_cutoff := (v_this_month - make_interval(months => p_retention_months))::date;

    -- One maintainer per parent at a time; the second waits, then finds the work done.
    PERFORM pg_advisory_xact_lock(hashtextextended('maintain_partitions:' || p_parent::oid::text, 0));

    SELECT n.nspname, c.relname INTO v_parent_nsp, v_parent_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = p_parent AND c.relkind = 'p';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % is not a partitioned table', p_parent USING ERRCODE = 'wrong_object_type';
    END IF;
    v_parent := format('%I.%I', v_parent_nsp, v_parent_rel);

    SELECT a.attname, pt.partdefid INTO v_key, v_default_oid
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = p_parent AND pt.partstrat = 'r' AND pt.partnatts = 1
      AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % must be PARTITION BY RANGE on one timestamptz column', v_parent
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF v_default_oid = 0 THEN
        RAISE EXCEPTION 'maintain_partitions: % has no DEFAULT partition', v_parent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'No row may ever be refused: CREATE TABLE <schema>.<parent>_default PARTITION OF <parent> DEFAULT first.';
    END IF;
    IF octet_length(v_parent_rel) + 8 > 63 THEN
        RAISE EXCEPTION 'maintain_partitions: monthly partition names of % would exceed 63 bytes and be truncated', v_parent
            USING ERRCODE = 'name_too_long';
    END IF;

    SELECT n.nspname, c.relname INTO v_child_nsp, v_default
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_default_oid;

    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_attribute a
    WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    EXECUTE format(
        'SELECT coalesce(array_agg(DISTINCT date_trunc(''month'', %I AT TIME ZONE ''UTC'')::date), ''{}'') FROM %I.%I',
        v_key, v_child_nsp, v_default)
    INTO v_default_months;
    v_moving := cardinality(v_default_months) > 0;

    IF v_moving AND NOT p_dry_run THEN
        -- Detaching takes ACCESS EXCLUSIVE on the parent until commit: no insert can slip into the
        -- gap, and the detached DEFAULT loses its cloned triggers, so the move is not an UPDATE or
        -- DELETE of the table's history (the rows are re-inserted through the parent).
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %I.%I', v_parent, v_child_nsp, v_default);
    END IF;

    FOR v_plan IN
        WITH attached AS (
            SELECT m[1]::timestamptz AS lower_bound, m[2]::timestamptz AS upper_bound
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
            WHERE i.inhparent = p_parent
        ), wanted AS (
            SELECT g::date AS month, false AS has_default_rows
            FROM generate_series(v_this_month::timestamp,
                                 (v_this_month + make_interval(months => p_months_ahead))::timestamp,
                                 interval '1 month') AS g
            UNION ALL
            SELECT d, true FROM unnest(v_default_months) AS d
        )
        SELECT w.month, bool_or(w.has_default_rows) AS has_default_rows
        FROM wanted w
        WHERE NOT EXISTS (
            SELECT 1 FROM attached a
            WHERE a.lower_bound <= (w.month::timestamp AT TIME ZONE 'UTC')
              AND (w.month::timestamp AT TIME ZONE 'UTC') < a.upper_bound)
        GROUP BY w.month
        ORDER BY w.month
    LOOP
        v_name := v_parent_rel || '_p' || to_char(v_plan.month, 'YYYYMM');
        v_child := format('%I.%I', v_child_nsp, v_name);
        v_lower := v_plan.month::timestamp AT TIME ZONE 'UTC';
        v_upper := (v_plan.month + interval '1 month') AT TIME ZONE 'UTC';
        v_target := v_parent;
        IF to_regclass(v_child) IS NOT NULL THEN
            -- Only an archive (a partition detached by retention) can hold this name while its
            -- month is uncovered. Late rows of an archived month join their archive.
            IF NOT (v_plan.has_default_rows AND v_plan.month < v_cutoff) THEN
                RAISE EXCEPTION 'maintain_partitions: cannot create partition % of %: a table of that name exists', v_child, v_parent
                    USING ERRCODE = 'duplicate_table',
                          HINT = 'Is it an archive inside the retention window? Re-attach it with ALTER TABLE ... ATTACH PARTITION.';
            END IF;
            v_target := v_child;
        ELSE
            action := 'create';
            partition_name := v_child;
            detail := format('FOR VALUES FROM (%L) TO (%L)', v_lower, v_upper);
            IF NOT p_dry_run THEN
                EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', v_child, v_parent, v_lower, v_upper);
                EXECUTE format('COMMENT ON TABLE %s IS %L', v_child,
                    format('Monthly partition of %s for %s (UTC), created by maintain_partitions().', v_parent, to_char(v_plan.month, 'YYYY-MM')));
            ELSIF v_plan.month < v_cutoff THEN
                v_planned_old := v_planned_old || v_child;
            END IF;
            RETURN NEXT;
        END IF;

        IF v_plan.has_default_rows THEN
            IF p_dry_run THEN
                EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I >= %L AND %I < %L',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper) INTO v_count;
            ELSE
                EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= %L AND %I < %L RETURNING %s) '
                               'INSERT INTO %s (%s) SELECT %s FROM moved',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper, v_columns,
                               v_target, v_columns, v_columns);
                GET DIAGNOSTICS v_count = ROW_COUNT;
            END IF;
            action := 'move';
            partition_name := v_child;
            detail := format('%s row(s) from %I.%I', v_count, v_child_nsp, v_default);
            RETURN NEXT;
        END IF;
    END LOOP;

    IF v_moving AND NOT p_dry_run THEN
        -- Attaching checks that no row left in the DEFAULT belongs to another partition; after the
        -- move only rows no monthly partition covers can remain (none, for a NOT NULL key).
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I DEFAULT', v_parent, v_child_nsp, v_default);
    END IF;

    -- Retention: detach, never drop, partitions whose whole month is older than the cutoff.
    FOR v_old IN
        SELECT format('%I.%I', n.nspname, c.relname) AS qualified, m[2]::timestamptz AS upper_bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
        WHERE i.inhparent = p_parent
          AND m[2]::timestamptz <= (v_cutoff::timestamp AT TIME ZONE 'UTC')
        UNION ALL
        SELECT planned, NULL FROM unnest(v_planned_old) AS planned
        ORDER BY 1
    LOOP
        action := 'detach';
        partition_name := v_old.qualified;
        detail := format('older than the retention of %s month(s) (cutoff %s); kept as an archive, not dropped',
                         p_retention_months, v_cutoff);
        IF NOT p_dry_run THEN
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_parent, v_old.qualified);
            EXECUTE format('COMMENT ON TABLE %s IS %L', v_old.qualified,
                format('Archive of %s: detached by maintain_partitions() on %s, older than the retention of %s month(s); kept, not dropped.',
                       v_parent, current_date, p_retention_months));
            -- Detaching drops the cloned triggers; re-create the parent's on the archive.
            FOR v_trigger IN
                SELECT t.tgname, pg_get_triggerdef(t.oid) AS def
                FROM pg_trigger t WHERE t.tgrelid = p_parent AND NOT t.tgisinternal ORDER BY t.tgname
            LOOP
                v_prefix := 'CREATE TRIGGER ' || quote_ident(v_trigger.tgname) || ' ';
                v_on := ' ON ' || v_parent || ' ';
                v_rest := substr(v_trigger.def, length(v_prefix) + 1);
                v_pos := position(v_on IN v_rest);
                IF left(v_trigger.def, length(v_prefix)) <> v_prefix OR v_pos = 0 THEN
                    RAISE EXCEPTION 'maintain_partitions: cannot copy trigger % of % onto archive %: unexpected definition %',
                        v_trigger.tgname, v_parent, v_old.qualified, v_trigger.def;
                END IF;
                EXECUTE v_prefix || left(v_rest, v_pos - 1) || ' ON ' || v_old.qualified || ' '
                        || substr(v_rest, v_pos + length(v_on));
            END LOOP;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;

COMMENT ON FUNCTION maintain_partitions(regclass, integer, integer, boolean) IS
    'SEC-016: creates monthly partitions months ahead, moves DEFAULT rows into the partition that covers them, '
    'detaches (never drops) partitions older than the retention; idempotent, concurrent-safe (advisory lock), identifiers via format(%I). '
    'Returns one row per action; with dry_run it only reports.';
"""

# This revision's maintain_partitions(): 004's, extended (SEC-021..024; see its header).
MAINTAIN_PARTITIONS_010 = r"""
-- maintain_partitions(): the pg_partman run_maintenance job for one monthly RANGE-partitioned table.
-- Revision 010's version (004's, extended): SEC-022 new partitions get the parent's statement
-- triggers (the TRUNCATE guard of an audit trail) as they are created; SEC-023 every detach by
-- retention, and every late row joining an archive, is recorded first in partition_archive_ledger
-- (table, range, row count, checksum); rows moved out of DEFAULT are re-inserted under
-- app.historical_import (SEC-021), since they are history, not new acts.
--
-- * creates the monthly partitions from the current month (UTC) through p_months_ahead months ahead;
-- * moves rows sitting in the DEFAULT partition into the month partition that covers them
--   (PostgreSQL refuses to create a partition whose range has rows in DEFAULT): the DEFAULT is
--   detached, the months are created, the rows are moved with DELETE ... RETURNING through the
--   parent, and the (now empty) DEFAULT is attached again, all in the caller's transaction, so a
--   failure leaves everything as it was and nothing is lost;
-- * detaches (never drops) partitions whose whole range is older than p_retention_months, keeping
--   them as archive tables next to the DEFAULT, with the parent's triggers re-created on them (the
--   append-only trigger of audit_logs keeps protecting an archive);
-- * is idempotent (a second run finds nothing to do) and serializes concurrent runs on the same
--   parent with a transaction-level advisory lock;
-- * builds every identifier with format('%I') and every value with format('%L').
-- Monthly partitions go in the schema of the parent's DEFAULT partition (required: no row is ever
-- refused), named <parent>_pYYYYMM. With p_dry_run it changes nothing and returns what it would do.
CREATE FUNCTION maintain_partitions(
    p_parent regclass,
    p_months_ahead integer,
    p_retention_months integer,
    p_dry_run boolean DEFAULT false
) RETURNS TABLE (action text, partition_name text, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bound_pattern CONSTANT text := 'FROM \(''([^'']*)''\) TO \(''([^'']*)''\)';
    -- SEC-023: order-independent checksum of a table's rows (alias t): the sum, modulo 2^64, of the
    -- first 64 bits of md5(row::text); an auditor recomputes it with one query on the archive.
    CHECKSUM_SQL  CONSTANT text := '''md5sum64:'' || (coalesce(sum((''x'' || left(md5(t::text), 16))::bit(64)::bigint::numeric '
                                   '+ 9223372036854775808), 0) % 18446744073709551616)::text';
    v_this_month   date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    v_cutoff       date;
    v_parent_nsp   text;
    v_parent_rel   text;
    v_parent       text;
    v_key          text;
    v_default_oid  oid;
    v_child_nsp    text;
    v_default      text;
    v_columns      text;
    v_default_months date[];
    v_moving       boolean;
    v_plan         record;
    v_old          record;
    v_name         text;
    v_child        text;
    v_target       text;
    v_lower        timestamptz;
    v_upper        timestamptz;
    v_count        bigint;
    v_planned_old  text[] := '{}';
    v_import       text;
    v_rows         bigint;
    v_checksum     text;
    v_problems     text;
BEGIN
    IF p_parent IS NULL OR p_months_ahead IS NULL OR p_retention_months IS NULL THEN
        RAISE EXCEPTION 'maintain_partitions: parent, months ahead and retention are required (got %, %, %)',
            p_parent, p_months_ahead, p_retention_months USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_months_ahead < 0 OR p_retention_months < 1 THEN
        RAISE EXCEPTION 'maintain_partitions: months ahead must be >= 0 and retention >= 1 month (got %, %)',
            p_months_ahead, p_retention_months USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_cutoff := (v_this_month - make_interval(months => p_retention_months))::date;

    -- One maintainer per parent at a time; the second waits, then finds the work done.
    PERFORM pg_advisory_xact_lock(hashtextextended('maintain_partitions:' || p_parent::oid::text, 0));

    SELECT n.nspname, c.relname INTO v_parent_nsp, v_parent_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = p_parent AND c.relkind = 'p';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % is not a partitioned table', p_parent USING ERRCODE = 'wrong_object_type';
    END IF;
    v_parent := format('%I.%I', v_parent_nsp, v_parent_rel);

    SELECT a.attname, pt.partdefid INTO v_key, v_default_oid
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = p_parent AND pt.partstrat = 'r' AND pt.partnatts = 1
      AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % must be PARTITION BY RANGE on one timestamptz column', v_parent
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF v_default_oid = 0 THEN
        RAISE EXCEPTION 'maintain_partitions: % has no DEFAULT partition', v_parent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'No row may ever be refused: CREATE TABLE <schema>.<parent>_default PARTITION OF <parent> DEFAULT first.';
    END IF;
    IF octet_length(v_parent_rel) + 8 > 63 THEN
        RAISE EXCEPTION 'maintain_partitions: monthly partition names of % would exceed 63 bytes and be truncated', v_parent
            USING ERRCODE = 'name_too_long';
    END IF;

    SELECT n.nspname, c.relname INTO v_child_nsp, v_default
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_default_oid;

    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_attribute a
    WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    EXECUTE format(
        'SELECT coalesce(array_agg(DISTINCT date_trunc(''month'', %I AT TIME ZONE ''UTC'')::date), ''{}'') FROM %I.%I',
        v_key, v_child_nsp, v_default)
    INTO v_default_months;
    v_moving := cardinality(v_default_months) > 0;

    IF v_moving AND NOT p_dry_run THEN
        -- Detaching takes ACCESS EXCLUSIVE on the parent until commit: no insert can slip into the
        -- gap, and the detached DEFAULT loses its cloned triggers, so the move is not an UPDATE or
        -- DELETE of the table's history (the rows are re-inserted through the parent).
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %I.%I', v_parent, v_child_nsp, v_default);
    END IF;

    FOR v_plan IN
        WITH attached AS (
            SELECT m[1]::timestamptz AS lower_bound, m[2]::timestamptz AS upper_bound
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
            WHERE i.inhparent = p_parent
        ), wanted AS (
            SELECT g::date AS month, false AS has_default_rows
            FROM generate_series(v_this_month::timestamp,
                                 (v_this_month + make_interval(months => p_months_ahead))::timestamp,
                                 interval '1 month') AS g
            UNION ALL
            SELECT d, true FROM unnest(v_default_months) AS d
        )
        SELECT w.month, bool_or(w.has_default_rows) AS has_default_rows
        FROM wanted w
        WHERE NOT EXISTS (
            SELECT 1 FROM attached a
            WHERE a.lower_bound <= (w.month::timestamp AT TIME ZONE 'UTC')
              AND (w.month::timestamp AT TIME ZONE 'UTC') < a.upper_bound)
        GROUP BY w.month
        ORDER BY w.month
    LOOP
        v_name := v_parent_rel || '_p' || to_char(v_plan.month, 'YYYYMM');
        v_child := format('%I.%I', v_child_nsp, v_name);
        v_lower := v_plan.month::timestamp AT TIME ZONE 'UTC';
        v_upper := (v_plan.month + interval '1 month') AT TIME ZONE 'UTC';
        v_target := v_parent;
        IF to_regclass(v_child) IS NOT NULL THEN
            -- Only an archive (a partition detached by retention) can hold this name while its
            -- month is uncovered. Late rows of an archived month join their archive.
            IF NOT (v_plan.has_default_rows AND v_plan.month < v_cutoff) THEN
                RAISE EXCEPTION 'maintain_partitions: cannot create partition % of %: a table of that name exists', v_child, v_parent
                    USING ERRCODE = 'duplicate_table',
                          HINT = 'Is it an archive inside the retention window? Re-attach it with ALTER TABLE ... ATTACH PARTITION.';
            END IF;
            v_target := v_child;
        ELSE
            action := 'create';
            partition_name := v_child;
            detail := format('FOR VALUES FROM (%L) TO (%L)', v_lower, v_upper);
            IF NOT p_dry_run THEN
                EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', v_child, v_parent, v_lower, v_upper);
                EXECUTE format('COMMENT ON TABLE %s IS %L', v_child,
                    format('Monthly partition of %s for %s (UTC), created by maintain_partitions().', v_parent, to_char(v_plan.month, 'YYYY-MM')));
                -- SEC-022: statement triggers (TRUNCATE guards) are not cloned by PostgreSQL.
                PERFORM public.copy_parent_triggers(p_parent, v_child::regclass, true);
            ELSIF v_plan.month < v_cutoff THEN
                v_planned_old := v_planned_old || v_child;
            END IF;
            RETURN NEXT;
        END IF;

        IF v_plan.has_default_rows THEN
            IF p_dry_run THEN
                EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I >= %L AND %I < %L',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper) INTO v_count;
            ELSE
                -- SEC-021: moved rows are history already attributed; the acting-identity
                -- triggers let them through under the owner's historical-import path.
                v_import := current_setting('app.historical_import', true);
                PERFORM set_config('app.historical_import', 'on', true);
                EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= %L AND %I < %L RETURNING %s) '
                               'INSERT INTO %s (%s) SELECT %s FROM moved',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper, v_columns,
                               v_target, v_columns, v_columns);
                GET DIAGNOSTICS v_count = ROW_COUNT;
                PERFORM set_config('app.historical_import', coalesce(v_import, ''), true);
                IF v_target <> v_parent THEN
                    -- SEC-023: an archive that grows is recorded again, with its new count and checksum.
                    EXECUTE format('SELECT count(*), %s FROM %s AS t', CHECKSUM_SQL, v_target) INTO v_rows, v_checksum;
                    INSERT INTO public.partition_archive_ledger
                        (parent_table, partition_name, event, range_start, range_end, row_count, checksum, recorded_by)
                    VALUES (v_parent_rel, v_target, 'late_rows', v_lower, v_upper, v_rows, v_checksum, current_user);
                END IF;
            END IF;
            action := 'move';
            partition_name := v_child;
            detail := format('%s row(s) from %I.%I', v_count, v_child_nsp, v_default);
            RETURN NEXT;
        END IF;
    END LOOP;

    IF v_moving AND NOT p_dry_run THEN
        -- Attaching checks that no row left in the DEFAULT belongs to another partition; after the
        -- move only rows no monthly partition covers can remain (none, for a NOT NULL key).
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I DEFAULT', v_parent, v_child_nsp, v_default);
    END IF;

    -- Retention: detach, never drop, partitions whose whole month is older than the cutoff.
    FOR v_old IN
        SELECT format('%I.%I', n.nspname, c.relname) AS qualified, m[1]::timestamptz AS lower_bound, m[2]::timestamptz AS upper_bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
        WHERE i.inhparent = p_parent
          AND m[2]::timestamptz <= (v_cutoff::timestamp AT TIME ZONE 'UTC')
        UNION ALL
        SELECT planned, NULL, NULL FROM unnest(v_planned_old) AS planned
        ORDER BY 1
    LOOP
        action := 'detach';
        partition_name := v_old.qualified;
        detail := format('older than the retention of %s month(s) (cutoff %s); kept as an archive, not dropped',
                         p_retention_months, v_cutoff);
        IF NOT p_dry_run THEN
            -- SEC-023: what leaves the table is recorded before it leaves (the ledger is append-only).
            EXECUTE format('SELECT count(*), %s FROM %s AS t', CHECKSUM_SQL, v_old.qualified) INTO v_rows, v_checksum;
            INSERT INTO public.partition_archive_ledger
                (parent_table, partition_name, event, range_start, range_end, row_count, checksum, recorded_by)
            VALUES (v_parent_rel, v_old.qualified, 'detach', v_old.lower_bound, v_old.upper_bound, v_rows, v_checksum, current_user);
            detail := detail || format('; %s row(s), checksum %s, recorded in partition_archive_ledger', v_rows, v_checksum);
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_parent, v_old.qualified);
            EXECUTE format('COMMENT ON TABLE %s IS %L', v_old.qualified,
                format('Archive of %s: detached by maintain_partitions() on %s, older than the retention of %s month(s); kept, not dropped.',
                       v_parent, current_date, p_retention_months));
            -- Detaching drops the cloned triggers; re-create the parent's on the archive (those it
            -- does not already carry: the statement triggers of SEC-022 stay with the table).
            PERFORM public.copy_parent_triggers(p_parent, v_old.qualified::regclass, false);
        END IF;
        RETURN NEXT;
    END LOOP;

    IF NOT p_dry_run THEN
        -- SEC-024: the DDL guard lets maintenance work in steps; the result must leave every audit
        -- partition and archive protected and every archive recorded.
        SELECT string_agg(p, '; ') INTO v_problems FROM public.audit_trail_protection_problems() AS p;
        IF v_problems IS NOT NULL THEN
            RAISE EXCEPTION 'SEC-024: maintain_partitions(%) would leave the audit trail unprotected: %', v_parent, v_problems
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
END
$fn$;

COMMENT ON FUNCTION maintain_partitions(regclass, integer, integer, boolean) IS
    'SEC-016: creates monthly partitions months ahead, moves DEFAULT rows into the partition that covers them, '
    'detaches (never drops) partitions older than the retention, recording each in partition_archive_ledger (SEC-023); '
    'new partitions get the parent''s statement triggers (SEC-022); idempotent, concurrent-safe (advisory lock), identifiers via format(%I). '
    'Returns one row per action; with dry_run it only reports.';
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


LEDGER_COMMENT = (
    "SEC-023: append-only record of every partition maintain_partitions() detached by retention (and of late rows that joined an "
    "archive): table, range, row count and checksum, written before the partition leaves; archives are never dropped (SEC-024)."
)
LEDGER_INDEX = "ix_partition_archive_ledger_partition_name_recorded_at"
LEDGER_INDEX_COMMENT = (
    "Query pattern: the ledger entries of one archive, in order (partition_name = ?), read by audit_trail_protection_problems() "
    "after DDL and by auditors verifying an archive."
)


def _create_ledger() -> None:
    op.create_table(
        LEDGER,
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment="Technical surrogate key, generated by the database."),
        sa.Column("parent_table", sa.String(63), nullable=False, comment="The partitioned table (application schema) the partition belonged to."),
        sa.Column("partition_name", sa.Text(), nullable=False, comment="Schema-qualified name of the archive table, as format('%I.%I') writes it."),
        sa.Column(
            "event", sa.String(20), nullable=False,
            comment="SEC-023: detach (retention detached it), late_rows (rows of its month joined the archive), "
                    "adopted (detached before revision 010; recorded as found).",
        ),
        sa.Column("range_start", sa.DateTime(timezone=True), nullable=False, comment="Lower bound (inclusive) of the partition's range."),
        sa.Column("range_end", sa.DateTime(timezone=True), nullable=False, comment="Upper bound (exclusive) of the partition's range."),
        sa.Column("row_count", sa.BigInteger(), nullable=False, comment="Rows in the archive when the entry was written."),
        sa.Column(
            "checksum", sa.Text(), nullable=False,
            comment="SEC-023: md5sum64:<n>, the sum modulo 2^64 of the first 64 bits of md5(row::text) over the archive's rows (order-independent).",
        ),
        sa.Column("recorded_by", sa.String(63), nullable=False, comment="The database role that ran the maintenance (current_user)."),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False,
            comment="When the row was inserted (technical default: transaction time).",
        ),
        sa.CheckConstraint("event IN ('detach', 'late_rows', 'adopted')", name=op.f(f"ck_{LEDGER}_event_allowed")),
        sa.CheckConstraint("range_start < range_end", name=op.f(f"ck_{LEDGER}_range_ordered")),
        sa.CheckConstraint("row_count >= 0", name=op.f(f"ck_{LEDGER}_row_count_non_negative")),
        sa.CheckConstraint("checksum ~ '^md5sum64:[0-9]+$'", name=op.f(f"ck_{LEDGER}_checksum_format")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{LEDGER}")),
        comment=LEDGER_COMMENT,
    )
    op.create_index(op.f(LEDGER_INDEX), LEDGER, ["partition_name", "recorded_at"])
    op.execute(f"COMMENT ON INDEX {LEDGER_INDEX} IS {_literal(LEDGER_INDEX_COMMENT)}")
    op.execute(f"COMMENT ON INDEX pk_{LEDGER} IS 'Query pattern: one ledger entry by id.'")
    op.execute(LEDGER_TRIGGERS)
    # SEC-002: evidence for auditors; only the maintenance (the owner) writes it.
    op.execute(f"GRANT SELECT ({', '.join(LEDGER_COLUMNS)}) ON {LEDGER} TO auditor")


def _data_loss_allowed() -> bool:
    """True only when the operator said ``alembic -x allow-data-loss=true downgrade ...``."""
    value = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false")
    if value not in {"true", "false"}:
        raise ValueError(f"-x allow-data-loss must be 'true' or 'false', got {value!r}")
    return value == "true"


GUARD_DATA_LOSS = f"""
DO $guard$
BEGIN
    IF EXISTS (SELECT 1 FROM {LEDGER}) THEN
        RAISE EXCEPTION 'downgrade refused: table {LEDGER} holds the record of detached partitions and would be dropped'
            USING HINT = 'Back it up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$
"""


def guard_data_loss(table: str) -> None:
    """Refuse a downgrade that would drop the rows of ``table`` (the ledger), unless the operator
    allowed data loss; a DO block, so that it also guards offline SQL scripts."""
    if table != LEDGER:
        raise ValueError(f"this revision drops only {LEDGER}, not {table}")
    if not _data_loss_allowed():
        op.execute(GUARD_DATA_LOSS)


def _or_replace(create_function: str) -> str:
    """CREATE OR REPLACE of a function whose signature and result type stay the same (no DROP:
    callers such as run_partition_maintenance() keep working throughout)."""
    return create_function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    # SEC-020/021: who acts.
    op.execute(REQUIRE_ACTING_IDENTITY)
    for t in IDENTITY_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {t.name} BEFORE INSERT ON {t.table} FOR EACH ROW "
            f"EXECUTE FUNCTION require_acting_identity('{t.column}', '{t.setting}', '{t.anonymous}')"
        )
        op.execute(
            f"COMMENT ON TRIGGER {t.name} ON {t.table} IS "
            + _literal(f"SEC-020: {t.table}.{t.column} must equal the identity declared with SET LOCAL {t.setting}; SEC-021: owner-only historical import.")
        )

    # SEC-022/023: every partition guarded, every detach recorded.
    _create_ledger()
    op.execute(COPY_PARENT_TRIGGERS)
    op.execute(GUARD_EXISTING_PARTITIONS)
    op.execute(ADOPT_ARCHIVES.replace("{checksum}", CHECKSUM_LITERAL))
    op.execute(PROTECTION_PROBLEMS)
    op.execute(_or_replace(MAINTAIN_PARTITIONS_010))

    # SEC-024: DDL cannot cut the trail either.
    op.execute(GUARD_DDL)
    op.execute(GUARD_DROP)
    op.execute(ASSERT_TRAIL_WHOLE)
    if not context.is_offline_mode():
        role, is_super = op.get_bind().execute(sa.text(CURRENT_ROLE_QUERY)).one()
        if not is_super:
            LOG.warning(GUARDS_NOT_INSTALLED.format(role=role))
    op.execute(_event_triggers_where_allowed())

    # SEC-025/026: recognised secret formats; violators refuse the revision, then NOT VALID + VALIDATE.
    # Same transaction on purpose (schema.lint.migration_safety allows it for 010): these are account
    # and credential registries (staff users, admins, API clients, IdPs, MFA enrolments: thousands of
    # rows at most), so the scan under the ADD's lock lasts milliseconds, and the revision stays atomic.
    for check in SECRET_CHECKS:
        refuse_violators(check)
    for check in SECRET_CHECKS:
        op.execute(f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.condition}) NOT VALID")
    for check in SECRET_CHECKS:
        op.execute(f"ALTER TABLE {check.table} VALIDATE CONSTRAINT {check.name}")

    # SEC-027/028: privileged accounts use MFA, enrolled before the promotion.
    op.execute(MFA_VIOLATORS)
    op.execute(f"ALTER TABLE admin_users ADD CONSTRAINT {SUPER_ADMIN_MFA} CHECK (NOT is_super_admin OR two_factor_enabled) NOT VALID")
    op.execute(f"ALTER TABLE admin_users VALIDATE CONSTRAINT {SUPER_ADMIN_MFA}")
    op.execute(REQUIRE_MFA_FOR_SECURITY_ROLES)
    op.execute(MFA_TRIGGERS)

    # SEC-029: roles without a need to know lose SELECT on PII columns (catalog-only, no lock on rows).
    for w in PII_WITHHELD:
        op.execute(f"REVOKE SELECT ({w.column}) ON {w.table} FROM {w.role}")


def downgrade() -> None:
    guard_data_loss(LEDGER)
    for w in reversed(PII_WITHHELD):
        op.execute(f"GRANT SELECT ({w.column}) ON {w.table} TO {w.role}")
    op.execute("DROP TRIGGER trg_admin_role_permissions_security_role_mfa ON admin_role_permissions")
    op.execute("DROP TRIGGER trg_admin_users_security_role_mfa ON admin_users")
    op.execute("DROP FUNCTION require_mfa_for_security_roles()")
    op.execute(f"ALTER TABLE admin_users DROP CONSTRAINT {SUPER_ADMIN_MFA}")
    for check in reversed(SECRET_CHECKS):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT {check.name}")
    # IF EXISTS: the event triggers exist only where upgrade() could install them (SEC-024).
    op.execute("DROP EVENT TRIGGER IF EXISTS evt_audit_trail_drop_guard")
    op.execute("DROP EVENT TRIGGER IF EXISTS evt_audit_trail_ddl_guard")
    op.execute("DROP FUNCTION guard_audit_trail_drop()")
    op.execute("DROP FUNCTION guard_audit_trail_ddl()")

    op.execute(_or_replace(MAINTAIN_PARTITIONS_004))
    op.execute("DROP FUNCTION audit_trail_protection_problems()")
    # The TRUNCATE guards on attached partitions are this revision's; archives keep theirs (004's
    # maintenance copied the parent's triggers onto them too).
    op.execute(
        f"""
DO $unguard$
DECLARE
    v_rel regclass;
BEGIN
    FOR v_rel IN
        SELECT t.relid FROM pg_partition_tree('{PARTITIONED_TRAIL}'::regclass) AS t WHERE t.isleaf
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS {TRUNCATE_GUARD} ON %s', v_rel);
    END LOOP;
    FOR v_rel IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{PARTITION_SCHEMA}' AND NOT c.relispartition
          AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'trg_{PARTITIONED_TRAIL}_acting_identity')
    LOOP
        EXECUTE format('DROP TRIGGER trg_{PARTITIONED_TRAIL}_acting_identity ON %s', v_rel);
    END LOOP;
END
$unguard$"""
    )
    op.execute("DROP FUNCTION copy_parent_triggers(regclass, regclass, boolean)")
    op.drop_index(op.f(LEDGER_INDEX), table_name=LEDGER)
    op.drop_table(LEDGER)  # its triggers go with it

    for t in reversed(IDENTITY_TRIGGERS):
        op.execute(f"DROP TRIGGER {t.name} ON {t.table}")
    op.execute("DROP FUNCTION require_acting_identity()")
