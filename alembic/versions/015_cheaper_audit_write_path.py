"""Cheaper audit write path: the acting-identity check reads its one column instead of a JSON copy of the row.

Business purpose: issue 21 (section 3) asks that the invariant revisions slow the insert paths by
no more than they must. Measured on a quiet 2-core machine (``scripts/bench_insert_paths.py
--rows 2000 --rounds 3``, 006 against 014, same run), the audit entry is the one path that costs
more than its rule: 100-row INSERT ... SELECT statements ran at 0.73x of 006 (about 20 -> 27 us of
the database's time a row), all of it in ``trg_audit_logs_acting_identity`` (SEC-020/SEC-021), the
one row trigger on that path. Its function, ``require_acting_identity()`` (revision 010), read the
actor column of the row as ``to_jsonb(NEW) ->> TG_ARGV[0]``: a JSON copy of the whole row
(request_body, user_agent, security_alerts...) on every insert, to read one uuid. Measured in one
scratch database at head, 50,000 audit rows per INSERT ... SELECT, 5 rounds alternating the two
bodies: 22.2 us a row with 010's body, 18.2 us with this one (median), against 9.9 us with no
user trigger and no foreign-key check at all (session_replication_role = replica).
The same function guards admin_activity_logs (ADM-014's log, SEC-020 for admins), whose rows are
written as often as an admin acts.

What changes: only the body of ``require_acting_identity()``. The actor column is read directly,
one branch per column the function is used with (``user_id`` for audit_logs, ``admin_user_id``
for admin_activity_logs: the two triggers revision 010 created, and the clones of the first on
every partition); PL/pgSQL compiles a branch the first time it runs for a table, so neither table
reads the other's column. Any other argument, which no trigger of the schema passes, is refused
by name (SQLSTATE 0A000, feature_not_supported: a trigger wired to a table this function does not
know is a schema mistake, not a business refusal) rather than read as NULL. Every other line,
every message, SQLSTATE, hint and the order of the checks are 010's, so every row is accepted or
refused exactly as before; the audit and admin-log refusal tests run unchanged against 015.

Not changed, and why: the two ``current_setting`` reads per row (the declared identity and the
import switch are the rule itself), ``SET search_path`` (the function must not resolve names
through a caller's search_path), and the per-row owner lookup on the historical-import path (the
seed and imports only; correctness first).

Existing rows: none is read or changed, and no rule is added or widened: there is no preflight.

Lock safety: ``CREATE OR REPLACE FUNCTION`` takes no table lock and rewrites nothing; sessions pick
up the new body at their next call. It carries the function's ``SET search_path`` clause again
(CREATE OR REPLACE replaces every attribute it names and resets the ones it does not); comment,
owner and grants stay.

Self-contained: imports only the standard library and alembic; both bodies are constants below
(CONTRIBUTING.md). Downgrade restores 010's body exactly.

Revision ID: 015
Revises: 014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "015"
down_revision: str | None = "014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "require_acting_identity()"
# The function's attributes, as revision 010 created it: CREATE OR REPLACE must name them again.
ATTRIBUTES = "RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp"

BODY_010 = r"""
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
"""

BODY_015 = r"""
DECLARE
    v_column    CONSTANT text := TG_ARGV[0];
    v_setting   CONSTANT text := TG_ARGV[1];
    v_anonymous CONSTANT boolean := TG_ARGV[2] = 'anonymous_allowed';
    v_import    text := nullif(current_setting('app.historical_import', true), '');
    v_declared  text := nullif(current_setting(v_setting, true), '');
    v_written   text;
    v_owner     oid;
    v_actor     uuid;
BEGIN
    -- The actor column, read directly (revision 015; 010 read it from to_jsonb(NEW)): a branch per
    -- column this function is used with, compiled on its first run for a table.
    IF v_column = 'user_id' THEN
        v_written := NEW.user_id::text;  -- audit_logs, trg_audit_logs_acting_identity
    ELSIF v_column = 'admin_user_id' THEN
        v_written := NEW.admin_user_id::text;  -- admin_activity_logs, trg_admin_activity_logs_acting_identity
    ELSE
        RAISE EXCEPTION 'SEC-020: require_acting_identity() reads the actor column user_id or admin_user_id, not % (trigger % on %)',
            v_column, TG_NAME, TG_TABLE_NAME
            USING ERRCODE = 'feature_not_supported', TABLE = TG_TABLE_NAME,
                  HINT = 'A new audited table gets its branch in require_acting_identity() by a new revision.';
    END IF;
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
"""


def _replace_body(body: str) -> None:
    """CREATE OR REPLACE keeps the function's comment, owner and grants; the body changes, and the
    SET clause is named again so that it stays."""
    op.execute(f"CREATE OR REPLACE FUNCTION {SIGNATURE} {ATTRIBUTES} AS $fn${body}$fn$")


def upgrade() -> None:
    _replace_body(BODY_015)


def downgrade() -> None:
    _replace_body(BODY_010)
