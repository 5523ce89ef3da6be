"""DDL audit trail: every schema change recorded by the database itself, append-only.

Business purpose: an auditor of an insurer asks "who changed the schema, when, and was it a
reviewed migration?" (the seed's gap list: "missing database-level audit trails for schema changes
made outside application"). Two event triggers (ddl_command_end and sql_drop) write one row per
object a DDL command created, altered or dropped into ``ddl_audit_log`` (SEC-040): who
(session_user and current_user), when, the command tag, the object's type, schema and identity, and
the Alembic revision whose transaction ran it (SEC-043: alembic/env.py sets
``app.migration_revision`` at the start of each revision's transaction; a command run by hand or by
a job has none). The table is append-only for every role, owner included (SEC-041), and readable by
auditors only.

Event triggers need a superuser. Where the migrating role is not one (a managed service), the
revision still creates the table and its append-only trigger, and says by name in the migration
output (a WARNING from the server and the alembic log) "DDL audit NOT installed: <reason>"
(SEC-042); ``alembic -x ddl-audit=off upgrade head`` is the explicit, documented choice not to
install it, announced the same way. It never skips silently. Temporary objects are not recorded:
they vanish with their session and change no schema. Roles, databases and tablespaces are
cluster-wide and never reach an event trigger (PostgreSQL's limitation; the server log with
log_statement = 'ddl' covers them, and also the disabling of an event trigger).

Existing rows: none; the table is new. Nothing else is touched.

Lock safety: a new empty table; CREATE EVENT TRIGGER takes no lock on user tables.

Self-contained: imports only the standard library, sqlalchemy and alembic; grants, trigger
definitions and function bodies are constants below (CONTRIBUTING.md).

Revision ID: 011
Revises: 006
Create Date: 2026-12-01
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "011"
down_revision: str | None = "010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOG = logging.getLogger("alembic.runtime.migration")

TABLE = "ddl_audit_log"


class Grant(NamedTuple):
    """``role`` holds ``privileges`` on the table; SELECT is granted column by column."""

    role: str
    privileges: tuple[str, ...]


class EventTrigger(NamedTuple):
    """One event trigger of the DDL audit and what it records."""

    name: str
    event: str
    comment: str


# SEC-002/SEC-041: auditors read the trail; nobody writes it but the owner's event trigger function.
GRANTS: tuple[Grant, ...] = (Grant("auditor", ("SELECT",)),)

# The x-argument that turns the installation of the event triggers off, and its values.
DDL_AUDIT_X_ARG = "ddl-audit"
DDL_AUDIT_X_VALUES = ("on", "off")

FORBID_DDL_AUDIT_LOG_CHANGE_FUNCTION = """
CREATE FUNCTION forbid_ddl_audit_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- SEC-041: the DDL audit trail is evidence; nobody edits, deletes or truncates it, owner included.
    RAISE EXCEPTION 'SEC-041: ddl_audit_log is append-only (trigger %); % refused', TG_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME,
              HINT = 'The DDL audit trail is never updated, deleted or truncated.';
END
$$;
COMMENT ON FUNCTION forbid_ddl_audit_log_change() IS
    'SEC-041: statement trigger function refusing UPDATE, DELETE and TRUNCATE of ddl_audit_log, for every role including the owner.';
"""

APPEND_ONLY_TRIGGER = "trg_ddl_audit_log_append_only"
APPEND_ONLY_TRIGGER_SQL = f"""
CREATE TRIGGER {APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE OR TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_ddl_audit_log_change();
COMMENT ON TRIGGER {APPEND_ONLY_TRIGGER} ON {TABLE} IS
    'SEC-041: refuses UPDATE, DELETE and TRUNCATE of the DDL audit trail, owner included.';
"""

# SECURITY DEFINER: DDL by any role (a DBA without INSERT on the trail, partition maintenance run
# by a job) is recorded, by the owner; EXECUTE is revoked from PUBLIC (an event trigger calls its
# function without an EXECUTE check) and search_path is pinned to the application schema with
# pg_temp last, so no caller can put another ddl_audit_log in the way. Inside it current_user is
# the owner, so the role a command ran as is read from the ``role`` setting (SET ROLE), which a
# SECURITY DEFINER call does not change. Temporary objects are skipped: they change no schema.
RECORD_DDL_FUNCTION = """
CREATE FUNCTION record_ddl_audit() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_revision text := nullif(current_setting('app.migration_revision', true), '');
    v_application text := nullif(current_setting('application_name', true), '');
    v_role text := coalesce(nullif(current_setting('role', true), 'none'), session_user);  -- 'none': no SET ROLE
BEGIN
    -- SEC-040: one row per object the command created, altered or dropped.
    IF TG_EVENT = 'ddl_command_end' THEN
        INSERT INTO ddl_audit_log (
            id, occurred_at, event, command_tag, object_type, schema_name, object_identity,
            session_user_name, current_user_name, application_name, client_addr, backend_pid,
            transaction_id, migration_revision)
        SELECT gen_random_uuid(), statement_timestamp(), TG_EVENT, c.command_tag, c.object_type, c.schema_name,
               c.object_identity, session_user, v_role, v_application, inet_client_addr(), pg_backend_pid(),
               txid_current(), v_revision
        FROM pg_event_trigger_ddl_commands() AS c
        WHERE c.schema_name IS DISTINCT FROM 'pg_temp';
    ELSIF TG_EVENT = 'sql_drop' THEN
        -- The object named in the command and what CASCADE took with it (original, normal);
        -- internal dependencies (an index of a dropped table, row types, TOAST tables) go with it.
        INSERT INTO ddl_audit_log (
            id, occurred_at, event, command_tag, object_type, schema_name, object_identity,
            session_user_name, current_user_name, application_name, client_addr, backend_pid,
            transaction_id, migration_revision)
        SELECT gen_random_uuid(), statement_timestamp(), TG_EVENT, TG_TAG, d.object_type, d.schema_name,
               d.object_identity, session_user, v_role, v_application, inet_client_addr(), pg_backend_pid(),
               txid_current(), v_revision
        FROM pg_event_trigger_dropped_objects() AS d
        WHERE (d.original OR d.normal) AND NOT d.is_temporary;
    ELSE
        RAISE EXCEPTION 'SEC-040: record_ddl_audit() does not record event %', TG_EVENT
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION record_ddl_audit() FROM PUBLIC;
COMMENT ON FUNCTION record_ddl_audit() IS
    'SEC-040: event trigger function of trg_ddl_audit_command_end and trg_ddl_audit_sql_drop: records every object a DDL command created, altered or dropped (temporary objects excepted), with who, when and the Alembic revision (SEC-043), as the owner.';
"""

EVENT_TRIGGERS: tuple[EventTrigger, ...] = (
    EventTrigger("trg_ddl_audit_command_end", "ddl_command_end", "SEC-040: records every created or altered object in ddl_audit_log."),
    EventTrigger("trg_ddl_audit_sql_drop", "sql_drop", "SEC-040: records every dropped object in ddl_audit_log."),
)

CURRENT_ROLE_QUERY = "SELECT r.rolname, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user"
NOT_SUPERUSER_REASON = "the migrating role %s is not a superuser (event triggers need one)"
TURNED_OFF_REASON = "turned off with -x ddl-audit=off"
NOT_INSTALLED = "SEC-042: DDL audit NOT installed: {reason}; ddl_audit_log stays empty and schema changes outside Alembic leave no trace in the database"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _install_event_triggers_sql() -> str:
    """A DO block that creates the event triggers when the migrating role is a superuser and
    otherwise says by name that the DDL audit is not installed (SEC-042). The decision is the
    server's, so the offline script behaves like the online run."""
    creates = "\n".join(
        f"        EXECUTE {_literal(f'CREATE EVENT TRIGGER {t.name} ON {t.event} EXECUTE FUNCTION record_ddl_audit()')};\n"
        # ENABLE ALWAYS: fires under session_replication_role = replica too, so that switch cannot hide DDL.
        f"        EXECUTE {_literal(f'ALTER EVENT TRIGGER {t.name} ENABLE ALWAYS')};\n"
        f"        EXECUTE {_literal(f'COMMENT ON EVENT TRIGGER {t.name} IS {_literal(t.comment)}')};"
        for t in EVENT_TRIGGERS
    )
    warning = NOT_INSTALLED.format(reason=NOT_SUPERUSER_REASON.replace("%s", "%"))
    return f"""
DO $ddl_audit$
BEGIN
    IF (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
{creates}
    ELSE
        RAISE WARNING {_literal(warning)}, current_user;
    END IF;
END
$ddl_audit$"""


def _ddl_audit_wanted() -> bool:
    """False only when the operator said ``-x ddl-audit=off``; any other value than on/off is refused."""
    value = context.get_x_argument(as_dictionary=True).get(DDL_AUDIT_X_ARG, "on")
    if value not in DDL_AUDIT_X_VALUES:
        raise ValueError(f"-x {DDL_AUDIT_X_ARG} must be one of {DDL_AUDIT_X_VALUES}, got {value!r}")
    return value == "on"


def _announce(reason: str) -> None:
    """Say by name, in the migration output and the server log, that the audit is not installed."""
    message = NOT_INSTALLED.format(reason=reason)
    LOG.warning(message)
    op.execute(f"DO $ddl_audit$ BEGIN RAISE WARNING '%', {_literal(message)}; END $ddl_audit$")


def _create_table() -> sa.Table:
    return op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment="Technical surrogate key, generated by the database."),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False,
                  comment="SEC-040: when the DDL statement started (statement_timestamp()), written by the event trigger, not defaulted."),
        sa.Column("event", sa.String(20), nullable=False,
                  comment="SEC-040: the event trigger event that recorded the row: ddl_command_end (created or altered) or sql_drop (dropped)."),
        sa.Column("command_tag", sa.String(64), nullable=False, comment="SEC-040: the command, e.g. CREATE TABLE, ALTER TABLE, DROP INDEX."),
        sa.Column("object_type", sa.String(64), nullable=False, comment="SEC-040: kind of object changed, e.g. table, index, function, table constraint."),
        sa.Column("schema_name", sa.String(63), nullable=True,
                  comment="SEC-040: schema of the object; NULL for objects outside any schema (a schema itself, an extension, a GRANT)."),
        sa.Column("object_identity", sa.Text(), nullable=True,
                  comment="SEC-040: schema-qualified identity of the object (pg_identify_object); NULL only for commands that name no "
                          "single object (GRANT, ALTER DEFAULT PRIVILEGES)."),
        sa.Column("session_user_name", sa.String(63), nullable=False, comment="SEC-040: the role that logged in (session_user)."),
        sa.Column("current_user_name", sa.String(63), nullable=False,
                  comment="SEC-040: the role the command ran as: the SET ROLE in effect, else session_user (DDL inside another role's "
        "SECURITY DEFINER function is recorded under the session's role)."),
        sa.Column("application_name", sa.Text(), nullable=True,
                  comment="SEC-040: the client's application_name (psql, alembic...); NULL when the client set none."),
        sa.Column("client_addr", postgresql.INET(), nullable=True, comment="SEC-040: client address (inet_client_addr()); NULL over a local unix socket."),
        sa.Column("backend_pid", sa.Integer(), nullable=False, comment="SEC-040: server process of the session, to join with the server log."),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False,
                  comment="SEC-040: transaction of the command (txid_current()): the rows of one migration share it."),
        sa.Column("migration_revision", sa.String(32), nullable=True,
                  comment="SEC-043: the Alembic revision whose transaction ran the command (SET LOCAL app.migration_revision by alembic/env.py); "
                          "NULL when the command ran outside a revision (by hand, by a job such as partition maintenance)."),
        sa.CheckConstraint("event IN ('ddl_command_end', 'sql_drop')", name=op.f("ck_ddl_audit_log_event_allowed")),
        sa.CheckConstraint("command_tag ~ '^[A-Z][A-Z ]*$'", name=op.f("ck_ddl_audit_log_command_tag_format")),
        # PostgreSQL's own open vocabulary (table, index, table constraint, foreign-data wrapper...): a format, not a list.
        sa.CheckConstraint("object_type ~ '^[A-Za-z][A-Za-z -]*$'", name=op.f("ck_ddl_audit_log_object_type_format")),
        sa.CheckConstraint("migration_revision ~ '^[0-9A-Za-z_]+$'", name=op.f("ck_ddl_audit_log_migration_revision_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ddl_audit_log")),
        comment="SEC-040: database-level trail of every schema change (DDL) with who, when, what and whether an "
                "Alembic revision ran it, written by event triggers trg_ddl_audit_command_end and trg_ddl_audit_sql_drop "
                "(installed only where the migrating role is a superuser: SEC-042). SEC-041: append-only, owner included.",
    )


def _grant(table: sa.Table) -> None:
    readable = ", ".join(c.name for c in table.columns)
    for role, privileges in GRANTS:
        others = [p for p in privileges if p != "SELECT"]
        if others:
            op.execute(f"GRANT {', '.join(others)} ON {table.name} TO {role}")
        if "SELECT" in privileges:
            op.execute(f"GRANT SELECT ({readable}) ON {table.name} TO {role}")


def upgrade() -> None:
    table = _create_table()
    op.execute(f"COMMENT ON INDEX pk_{TABLE} IS 'Query pattern: one DDL audit entry by id.'")
    op.execute(FORBID_DDL_AUDIT_LOG_CHANGE_FUNCTION)
    op.execute(APPEND_ONLY_TRIGGER_SQL)
    _grant(table)
    op.execute(RECORD_DDL_FUNCTION)
    if not _ddl_audit_wanted():
        _announce(TURNED_OFF_REASON)
        return
    if not context.is_offline_mode():
        role, is_super = op.get_bind().execute(sa.text(CURRENT_ROLE_QUERY)).one()
        if not is_super:
            LOG.warning(NOT_INSTALLED.format(reason=NOT_SUPERUSER_REASON % role))
    op.execute(_install_event_triggers_sql())


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
    """Refuse a downgrade that would drop the DDL audit trail with rows, unless the operator said
    ``-x allow-data-loss=true`` (a DO block, so the offline script is guarded too)."""
    value = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false")
    if value not in {"true", "false"}:
        raise ValueError(f"-x allow-data-loss must be 'true' or 'false', got {value!r}")
    if value == "true":
        return
    names = ", ".join(_literal(t) for t in tables)
    op.execute(f"DO $guard${GUARD_DATA_LOSS_BODY.format(names=names)}$guard$")


def downgrade() -> None:
    guard_data_loss(TABLE)
    # IF EXISTS: the event triggers exist only where upgrade() could install them (SEC-042).
    for trigger in reversed(EVENT_TRIGGERS):
        op.execute(f"DROP EVENT TRIGGER IF EXISTS {trigger.name}")
    op.execute("DROP FUNCTION record_ddl_audit()")
    op.execute(f"DROP TRIGGER {APPEND_ONLY_TRIGGER} ON {TABLE}")
    op.execute("DROP FUNCTION forbid_ddl_audit_log_change()")
    op.drop_table(TABLE)
