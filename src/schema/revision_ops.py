"""Operations the revisions share, so each one reads as business DDL and not as plumbing.

Kept small and stable on purpose: revisions are history, and a helper they call must keep
meaning the same thing. Anything table-specific stays in the revision itself.
"""

from __future__ import annotations

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


def guard_data_loss(*tables: str) -> None:
    """Refuse a downgrade that would drop rows, unless the operator allowed data loss.

    Runs in the database (a DO block) so that it also guards offline SQL scripts, and it checks
    every table before anything is dropped: the downgrade either drops all or touches nothing.
    """
    if data_loss_allowed():
        return
    names = ", ".join(f"'{t}'" for t in tables)
    op.execute(
        f"""
DO $guard$
DECLARE
    t text;
    has_rows boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY[{names}]::text[] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
            IF has_rows THEN
                RAISE EXCEPTION 'downgrade refused: table % holds rows and would be dropped', t
                    USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                          ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
        END IF;
    END LOOP;
END
$guard$"""
    )
