"""Plumbing the revisions share: rendering statements from what each revision declares.

Nothing here is schema policy. Roles, grant profiles, trigger definitions, function bodies and
partition SQL are written into each revision (or into its frozen SQL file beside it), so that
editing today's policy in the package cannot change what an old revision does on replay. What
stays shared only renders statements from its arguments (the data-loss guard, role creation, a
grant list); the checksum of every released revision's offline SQL proves its output unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import context, op


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


# --- Rendering roles and grants from the revision's own declarations -----------------------------
#
# Which roles exist and which privileges each kind of table grants are history: every revision
# declares them itself (constants in the revision file), and these functions only turn those
# declarations into statements. The offline SQL of every released revision is checksummed
# (alembic/released.toml, tests/test_frozen_history.py), so a change here that changes any
# revision's DDL fails the suite.


class Grant(NamedTuple):
    """``role`` holds ``privileges`` on a table; SELECT is granted column by column."""

    role: str
    privileges: tuple[str, ...]


def create_group_roles(roles: Mapping[str, str]) -> None:
    """Create NOLOGIN group roles if missing (concurrent-safe: duplicate_object is expected),
    each commented with its purpose. ``roles`` maps name -> purpose, as the revision declares it."""
    for role, purpose in roles.items():
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


def grant(table: sa.Table, grants: Sequence[Grant], secret_suffixes: tuple[str, ...]) -> None:
    """Grant each role its privileges on ``table``; SELECT only on columns not ending in one of
    ``secret_suffixes`` (the revision's own declaration of what a secret column is).

    ``table`` is what ``op.create_table`` returned, so the column list is the one the revision
    created (reviewable in the migration, independent of the live catalog and of offline mode).
    """
    readable = ", ".join(c.name for c in table.columns if not c.name.endswith(secret_suffixes))
    name = table.name
    for role, privileges in grants:
        table_privs = [p for p in privileges if p != "SELECT"]
        if table_privs:
            op.execute(f"GRANT {', '.join(table_privs)} ON {name} TO {role}")
        if "SELECT" in privileges:
            op.execute(f"GRANT SELECT ({readable}) ON {name} TO {role}")


# --- Archived partitions: the downgrade guard and the drop ------------------------------------------
#
# ``archives`` is the revision's own FROM ... WHERE over pg_class c / pg_namespace n that selects
# the archived (detached) partitions of one table: which tables count as archives is the
# revision's declaration, the DO blocks around it are plumbing.


def guard_archives(parent: str, archives: str) -> None:
    """Refuse a downgrade while archived partitions of ``parent`` hold history (they would be
    dropped with the partitions schema), unless the operator allowed data loss."""
    if data_loss_allowed():
        return
    op.execute(
        f"""
DO $guard$
DECLARE
    found text;
BEGIN
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') INTO found
    {archives};
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'downgrade refused: archived partitions of {parent} hold history and would be dropped: %', found
            USING HINT = 'Back them up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$"""
    )


def drop_archives(archives: str) -> None:
    """Drop the archived partitions ``archives`` selects (reached only when guard_archives let it)."""
    op.execute(
        f"""
DO $drop$
DECLARE
    archive text;
BEGIN
    FOR archive IN
        SELECT format('%I.%I', n.nspname, c.relname) {archives}
    LOOP
        EXECUTE 'DROP TABLE ' || archive;
    END LOOP;
END
$drop$"""
    )
