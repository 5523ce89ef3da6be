"""The DDL audit trail (revision 011, SEC-040..043) on a real server.

A DDL statement run by hand appears with who and what; one run by an Alembic revision carries the
revision; the trail refuses UPDATE, DELETE and TRUNCATE for its owner; temporary objects and the
commands that name no single object do not break DDL; and where the audit cannot be or is chosen not
to be installed, the migration output says so by name (a NOSUPERUSER owner, ``-x ddl-audit=off``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from schema import database, migrations

EVENT_TRIGGERS = ("trg_ddl_audit_command_end", "trg_ddl_audit_sql_drop")
REVISION = "011"


def _event_triggers(url: URL) -> list[tuple[str, str]]:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text("SELECT evtname, evtenabled FROM pg_event_trigger WHERE evtname LIKE 'trg_ddl_audit_%' ORDER BY evtname")
                )
            ]
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def audited(server_url: URL) -> Iterator[URL]:
    with migrations.temporary_database(server_url, "wb_ddl_audit", revision="head") as url:
        yield url


@pytest.fixture
def audited_conn(audited: URL) -> Iterator[sa.Connection]:
    eng = database.engine(audited)
    with eng.connect() as conn:
        yield conn
    eng.dispose()


def _entries(conn: sa.Connection, identity: str) -> list[sa.Row]:
    return conn.execute(
        sa.text(
            "SELECT event, command_tag, object_type, schema_name, object_identity, session_user_name, current_user_name, "
            "migration_revision, transaction_id, occurred_at FROM ddl_audit_log WHERE object_identity = :identity "
            "ORDER BY occurred_at, event"
        ),
        {"identity": identity},
    ).all()


def test_revision_down_revision_is_read_not_hard_coded() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_revision(REVISION).down_revision is not None


def test_event_triggers_are_installed_and_always_enabled(audited: URL) -> None:
    # 'A': ENABLE ALWAYS, so session_replication_role = replica cannot hide DDL.
    assert _event_triggers(audited) == [(name, "A") for name in EVENT_TRIGGERS]


def test_ddl_by_hand_is_recorded_with_who_and_what(audited_conn: sa.Connection) -> None:
    conn = audited_conn
    role = conn.execute(sa.text("SELECT current_user")).scalar_one()
    conn.execute(sa.text("CREATE TABLE hand_made_fix (id integer PRIMARY KEY)"))
    conn.execute(sa.text("ALTER TABLE hand_made_fix ADD COLUMN note text"))
    conn.commit()
    conn.execute(sa.text("DROP TABLE hand_made_fix"))
    conn.commit()
    rows = _entries(conn, "public.hand_made_fix")
    assert [(r.event, r.command_tag, r.object_type) for r in rows] == [
        ("ddl_command_end", "CREATE TABLE", "table"),
        ("ddl_command_end", "ALTER TABLE", "table"),
        ("sql_drop", "DROP TABLE", "table"),
    ]
    assert {(r.session_user_name, r.current_user_name, r.schema_name) for r in rows} == {(role, role, "public")}
    assert all(r.migration_revision is None for r in rows)
    # The primary key's index is reported as its own command; its drop goes with the table (an
    # internal dependency, not repeated).
    index = _entries(conn, "public.hand_made_fix_pkey")
    assert [(r.event, r.command_tag) for r in index] == [("ddl_command_end", "CREATE INDEX")]


def test_set_role_is_recorded_as_current_user(audited_conn: sa.Connection) -> None:
    conn = audited_conn
    name = f"wb_ddl_dba_{secrets.token_hex(3)}"
    login = conn.execute(sa.text("SELECT session_user")).scalar_one()
    conn.execute(sa.text(f"CREATE ROLE {name} NOLOGIN"))
    conn.execute(sa.text(f"GRANT CREATE ON SCHEMA public TO {name}"))
    conn.commit()
    try:
        conn.execute(sa.text(f"SET ROLE {name}"))
        conn.execute(sa.text("CREATE TABLE made_by_dba (id integer)"))
        conn.execute(sa.text("DROP TABLE made_by_dba"))
        conn.execute(sa.text("RESET ROLE"))
        conn.commit()
        # A role that may not even read the trail still runs DDL (here a temporary table of the application).
        conn.execute(sa.text("SET ROLE app_rw"))
        conn.execute(sa.text("CREATE TEMPORARY TABLE app_scratch (id integer)"))
        conn.execute(sa.text("RESET ROLE"))
        conn.commit()
        rows = _entries(conn, "public.made_by_dba")
        assert [(r.command_tag, r.session_user_name, r.current_user_name) for r in rows] == [
            ("CREATE TABLE", login, name),
            ("DROP TABLE", login, name),
        ]
    finally:
        conn.rollback()
        conn.execute(sa.text("RESET ROLE"))
        conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA public FROM {name}"))
        conn.execute(sa.text(f"DROP ROLE {name}"))
        conn.commit()


def test_commands_without_a_single_object_and_temporary_tables_do_not_break_ddl(audited_conn: sa.Connection) -> None:
    conn = audited_conn
    conn.execute(sa.text("CREATE TEMPORARY TABLE scratch_rows (id integer)"))
    conn.execute(sa.text("DROP TABLE scratch_rows"))
    conn.execute(sa.text("GRANT SELECT ON quotes TO auditor"))
    conn.execute(sa.text("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO auditor"))
    conn.execute(sa.text("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM auditor"))
    conn.execute(sa.text("COMMENT ON TABLE quotes IS 'probe'"))
    conn.rollback()  # nothing of it is kept; what matters is that every command ran
    conn.execute(sa.text("CREATE TEMPORARY TABLE scratch_rows (id integer)"))
    conn.commit()
    temp = conn.execute(sa.text("SELECT count(*) FROM ddl_audit_log WHERE object_identity LIKE '%scratch_rows%'")).scalar_one()
    assert temp == 0
    conn.execute(sa.text("GRANT SELECT ON quotes TO auditor"))
    conn.commit()
    grant = conn.execute(
        sa.text("SELECT object_type, object_identity FROM ddl_audit_log WHERE command_tag = 'GRANT' ORDER BY occurred_at DESC LIMIT 1")
    ).one()
    assert grant.object_type == "TABLE" and grant.object_identity is None


def test_partition_maintenance_is_recorded_as_a_job(audited_conn: sa.Connection) -> None:
    conn = audited_conn
    # One more month of look-ahead: the maintenance job creates a partition, a DDL command with no revision.
    conn.execute(sa.text("UPDATE partition_policies SET months_ahead = months_ahead + 1 WHERE parent_table = 'audit_logs'"))
    conn.execute(sa.text("SELECT run_partition_maintenance()"))
    conn.commit()
    rows = conn.execute(
        sa.text(
            "SELECT command_tag, object_type, migration_revision FROM ddl_audit_log "
            "WHERE schema_name = 'partitions' AND object_identity LIKE 'partitions.audit_logs_%' AND command_tag = 'CREATE TABLE' "
            "AND object_type = 'table'"
        )
    ).all()
    assert len(rows) == 1 and rows[0].migration_revision is None


@pytest.mark.parametrize(
    "statement", ["UPDATE ddl_audit_log SET command_tag = 'DROP TABLE'", "DELETE FROM ddl_audit_log", "TRUNCATE ddl_audit_log"]
)
def test_the_trail_refuses_changes_even_for_its_owner(audited_conn: sa.Connection, statement: str) -> None:
    conn = audited_conn
    conn.execute(sa.text("CREATE TABLE evidence (id integer)"))
    conn.commit()
    with pytest.raises(sa.exc.DBAPIError) as refused:
        conn.execute(sa.text(statement))
    conn.rollback()
    assert refused.value.orig.sqlstate == "23000"
    assert "SEC-041" in str(refused.value.orig) and "trg_ddl_audit_log_append_only" in str(refused.value.orig)
    assert refused.value.orig.diag.constraint_name == "trg_ddl_audit_log_append_only"
    assert _entries(conn, "public.evidence")
    conn.execute(sa.text("DROP TABLE evidence"))
    conn.commit()


def test_auditor_reads_the_trail_and_the_application_does_not(audited_conn: sa.Connection) -> None:
    conn = audited_conn
    conn.execute(sa.text("SET ROLE auditor"))
    assert conn.execute(sa.text("SELECT count(*) FROM ddl_audit_log")).scalar_one() >= 0
    conn.rollback()
    conn.execute(sa.text("SET ROLE app_rw"))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        conn.execute(sa.text("SELECT count(*) FROM ddl_audit_log"))
    conn.rollback()


# --- a revision run by alembic is marked -----------------------------------------------------------

PROBE = "probe"
PROBE_REVISION = '''"""Throw-away probe revision: DDL inside a revision.

Business purpose: test.
"""
from alembic import op

revision = "probe"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE probe_by_revision (id integer)")


def downgrade() -> None:
    op.execute("DROP TABLE probe_by_revision")
'''


def test_ddl_run_by_alembic_upgrade_is_marked_with_its_revision(audited: URL, tmp_path: Path) -> None:
    root = database.project_root()
    shutil.copytree(root / "alembic", tmp_path / "alembic", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "alembic" / "versions" / "999_probe.py").write_text(PROBE_REVISION.format(head=migrations.head_revision()))
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(tmp_path / "alembic"))
    eng = database.engine(audited)
    try:
        with eng.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, PROBE)
            command.downgrade(cfg, migrations.head_revision())
        with eng.connect() as conn:
            rows = _entries(conn, "public.probe_by_revision")
            outside = conn.execute(sa.text("SELECT current_setting('app.migration_revision', true)")).scalar_one()
    finally:
        eng.dispose()
    assert [(r.command_tag, r.migration_revision) for r in rows] == [("CREATE TABLE", PROBE), ("DROP TABLE", PROBE)]
    assert rows[0].transaction_id != rows[1].transaction_id  # one transaction per revision step
    assert outside in (None, "")  # SET LOCAL: gone with the revision's transaction


# --- where the audit is not installed, the migration output says so by name ----------------------


def _alembic(url: URL, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, database.ENV_VAR: url.render_as_string(hide_password=False)}
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(database.project_root() / "alembic.ini"), *args],
        cwd=database.project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def non_superuser_database(server_url: URL, head_database: URL) -> Iterator[tuple[URL, str]]:
    """A database owned by a NOSUPERUSER role with CREATEDB, as on a managed service. head_database
    first, so the cluster's group roles exist already."""
    role = f"wb_owner_{secrets.token_hex(3)}"
    name = f"wb_nosuper_{os.getpid()}_{secrets.token_hex(3)}"
    admin = database.engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN NOSUPERUSER CREATEDB"))
        conn.execute(sa.text(f"CREATE DATABASE {name} OWNER {role}"))
    try:
        yield server_url.set(username=role, database=name), role
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()


def test_a_non_superuser_owner_is_told_the_audit_is_not_installed(server_url: URL, non_superuser_database: tuple[URL, str]) -> None:
    """The revisions before 011 are run by a superuser (some may require one), then the owner, not a
    superuser, runs 011 itself, as on a managed service: told by name, nothing skipped silently."""
    url, role = non_superuser_database
    before = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).down_revision
    as_superuser = url.set(username=server_url.username, password=server_url.password)
    migrations.upgrade(str(before), url=as_superuser)
    admin = database.engine(as_superuser)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE alembic_version OWNER TO {role}"))  # the owner stamps its revision
    finally:
        admin.dispose()
    result = _alembic(url, "upgrade", REVISION)
    assert result.returncode == 0, result.stderr
    assert f"DDL audit NOT installed: the migrating role {role} is not a superuser" in result.stderr
    assert "SEC-042" in result.stderr
    assert _event_triggers(url) == []
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            owner = conn.execute(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'ddl_audit_log'")).scalar_one()
            assert owner == role  # the table is still created, by the non-superuser owner
            assert migrations.current_revision(conn) == REVISION
    finally:
        eng.dispose()


def test_ddl_audit_off_says_it_was_turned_off(scratch_database: URL) -> None:
    result = _alembic(scratch_database, "-x", "ddl-audit=off", "upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert "DDL audit NOT installed: turned off with -x ddl-audit=off" in result.stderr
    assert _event_triggers(scratch_database) == []


def test_an_unknown_ddl_audit_value_is_refused(scratch_database: URL) -> None:
    result = _alembic(scratch_database, "-x", "ddl-audit=maybe", "upgrade", "head")
    assert result.returncode != 0
    assert "-x ddl-audit must be one of ('on', 'off'), got 'maybe'" in result.stderr
