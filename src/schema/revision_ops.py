"""Operations the revisions share, so each one reads as business DDL and not as plumbing.

Kept small and stable on purpose: revisions are history, and a helper they call must keep
meaning the same thing. Anything table-specific stays in the revision itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

UPDATED_AT_FUNCTION = "set_updated_at"


def updated_at_trigger_name(table: str) -> str:
    """Trigger names follow the naming convention's spirit: kind prefix, then the table."""
    return f"trg_{table}_set_updated_at"


def create_updated_at_trigger(table: str) -> None:
    """COR-002: keep ``updated_at`` true on every UPDATE of ``table``."""
    op.execute(
        f"CREATE TRIGGER {updated_at_trigger_name(table)} BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {UPDATED_AT_FUNCTION}()"
    )


def drop_updated_at_trigger(table: str) -> None:
    op.execute(f"DROP TRIGGER {updated_at_trigger_name(table)} ON {table}")


def data_loss_allowed() -> bool:
    """True only when the operator said ``alembic -x allow-data-loss=true downgrade ...``."""
    value = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false")
    if value not in {"true", "false"}:
        raise ValueError(f"-x allow-data-loss must be 'true' or 'false', got {value!r}")
    return value == "true"


GUARD_DATA_LOSS_BODY = """
DECLARE
    t text;
    has_rows boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY[{names}]::text[] LOOP
        IF to_regclass(quote_ident(t)) IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
            IF has_rows THEN
                RAISE EXCEPTION 'downgrade refused: table % holds rows and would be dropped', t
                    USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                          ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
        END IF;
    END LOOP;
END
"""


def guard_data_loss(*tables: str) -> None:
    """Refuse a downgrade that would drop rows, unless the operator allowed data loss.

    Runs in the database (a DO block) so that it also guards offline SQL scripts, and it checks
    every table before anything is dropped: the downgrade either drops all or touches nothing.
    """
    if data_loss_allowed():
        return
    # Table names are data here: quoted as SQL literals, looked up with quote_ident (a name that
    # needs quoting must not read as "no such table" and slip past the guard), and the DO body's
    # dollar-quote tag is chosen so no name can close it.
    names = ", ".join("'" + t.replace("'", "''") + "'" for t in tables)
    body = GUARD_DATA_LOSS_BODY.format(names=names)
    tag, n = "$guard$", 0
    while tag in body:
        n += 1
        tag = f"$guard{n}$"
    op.execute(f"DO {tag}{body}{tag}")


# --- Roles and least-privilege grants (SEC-002) -------------------------------------------------
#
# Four NOLOGIN group roles; login roles of real people and services are members of them.
# Roles are cluster-wide objects shared by every database of the server, so revisions create
# them idempotently and never drop them (another database of the cluster may hold grants to them).
GROUP_ROLES: dict[str, str] = {
    "app_rw": "the application's writing services: read and write business data, append to audit trails",
    "app_ro": "reporting and read-only services: read business data, write nothing",
    "auditor": "SOC 2 and regulatory auditors: read everything that is not a secret, including audit trails",
    "admin_rw": "the admin console: manage admin tables and system settings",
}

# What each kind of table grants to each role. Secret columns (*_hash, *_encrypted) are never
# granted: SELECT is given column by column on the others, so only the owner reads secrets.
GRANT_PROFILES: dict[str, dict[str, tuple[str, ...]]] = {
    # Business data the application changes (quotes, policies, rate tables...).
    "operational": {"app_rw": ("SELECT", "INSERT", "UPDATE"), "app_ro": ("SELECT",), "auditor": ("SELECT",), "admin_rw": ("SELECT",)},
    # Audit trails: the application appends; nobody updates or deletes (append-only, SEC-003).
    "append_only": {"app_rw": ("INSERT",), "auditor": ("SELECT",), "admin_rw": ("INSERT",)},
    # Admin tables: the admin console writes, the application and auditors read.
    "admin": {"admin_rw": ("SELECT", "INSERT", "UPDATE"), "app_rw": ("SELECT",), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    # Session bookkeeping the application opens and closes and may purge (websocket_connections).
    # Link rows the admin console grants and revokes (admin_role_permissions): no UPDATE, a link
    # is replaced by deleting it and inserting another.
    "admin_link": {"admin_rw": ("SELECT", "INSERT", "DELETE"), "app_rw": ("SELECT",), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    "ephemeral": {"app_rw": ("SELECT", "INSERT", "UPDATE", "DELETE"), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    # Evidence only the database's own maintenance writes (partition_archive_ledger, revision 010,
    # which grants it itself): auditors read it, nobody else touches it.
    "evidence": {"auditor": ("SELECT",)},
}

SECRET_SUFFIXES = ("_hash", "_encrypted")


def create_group_roles() -> None:
    """Create the NOLOGIN group roles if missing (concurrent-safe: duplicate_object is expected)."""
    for role, purpose in GROUP_ROLES.items():
        op.execute(
            f"""
DO $roles$
BEGIN
    CREATE ROLE {role} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    -- SEC-002: the role already exists on this cluster (or another migrator created it at this
    -- very moment: unique_violation); creating it is idempotent, so there is nothing to do.
    NULL;
END
$roles$;
COMMENT ON ROLE {role} IS 'SEC-002: {purpose.replace("'", "''")}'"""
        )


def grant_profile(table: sa.Table, profile: str) -> None:
    """Grant ``profile``'s privileges on ``table``; SELECT only on its non-secret columns.

    ``table`` is what ``op.create_table`` returned, so the column list is the one the revision
    created (reviewable in the migration, independent of the live catalog and of offline mode).
    """
    readable = ", ".join(c.name for c in table.columns if not c.name.endswith(SECRET_SUFFIXES))
    name = table.name
    for role, privileges in GRANT_PROFILES[profile].items():
        table_privs = [p for p in privileges if p != "SELECT"]
        if table_privs:
            op.execute(f"GRANT {', '.join(table_privs)} ON {name} TO {role}")
        if "SELECT" in privileges:
            op.execute(f"GRANT SELECT ({readable}) ON {name} TO {role}")
