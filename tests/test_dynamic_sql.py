"""Dynamic SQL treats names and values as data: format('%I'/'%L') in the database, quoting in Python.

Every hostile string below would, if pasted into SQL, end its literal or identifier and run a
statement that creates a marker table (or drops a core one). Each test runs in the head
database's rolled-back transaction and checks that no marker appeared, the core tables are still
there, and the objects were created under their exact hostile names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext

from schema import migrations, partitions, revision_ops

MARKER = "wb_pwned"
CORE_TABLES = ("users", "customers", "policies", "claims")

HOSTILE_TABLE = 'audit"; DROP TABLE users; --'
HOSTILE_SCHEMA = f"arch'ive$fn$; CREATE TABLE public.{MARKER} (); --"
HOSTILE_COLUMN = 'created_at"); DROP TABLE claims; --'
HOSTILE_TRIGGER = 'trg" ON users; DROP TABLE policies; --'
HOSTILE_VALUES = ("'); DROP TABLE users; --", f"$fn$; CREATE TABLE {MARKER} (); $fn$", "%I %L %s \\' \"")


def ident(name: str) -> str:
    """A quoted identifier, written out here on purpose (the test must not trust the code under test)."""
    return '"' + name.replace('"', '""') + '"'


def _nothing_injected(conn: sa.Connection) -> None:
    present = (
        conn.execute(
            sa.text("SELECT t FROM unnest(CAST(:tables AS text[])) AS t WHERE to_regclass('public.' || t) IS NOT NULL"),
            {"tables": list(CORE_TABLES)},
        )
        .scalars()
        .all()
    )
    assert sorted(present) == sorted(CORE_TABLES), "a core table was dropped"
    assert conn.execute(sa.text(f"SELECT to_regclass('public.{MARKER}')")).scalar() is None, "injected statement ran"


def _children(conn: sa.Connection, parent: str) -> dict[str, tuple[str, str]]:
    """Attached partitions of public.<parent>: relname -> (schema, bound)."""
    rows = conn.execute(
        sa.text(
            "SELECT c.relname, n.nspname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.inhparent = CAST(quote_ident('public') || '.' || quote_ident(:p) AS regclass)"
        ),
        {"p": parent},
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def _months_ahead(n: int) -> list[str]:
    today = dt.datetime.now(dt.UTC).date().replace(day=1)
    months = []
    for _ in range(n + 1):
        months.append(today.strftime("%Y%m"))
        today = (today + dt.timedelta(days=32)).replace(day=1)
    return months


@pytest.fixture
def hostile_series(head_conn: sa.Connection) -> Iterator[sa.Connection]:
    """A partitioned table whose table, schema, key column and trigger names are all hostile, with
    rows for a far-future month (in DEFAULT), a month past retention (in DEFAULT) and hostile text."""
    conn = head_conn
    table, schema, key = ident(HOSTILE_TABLE), ident(HOSTILE_SCHEMA), ident(HOSTILE_COLUMN)
    conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    conn.execute(sa.text(f"CREATE TABLE {table} (id int NOT NULL, {key} timestamptz NOT NULL, note text) PARTITION BY RANGE ({key})"))
    conn.execute(sa.text(f"CREATE TABLE {schema}.{ident(HOSTILE_TABLE + '_default')} PARTITION OF {table} DEFAULT"))
    conn.execute(sa.text("CREATE FUNCTION wb_noop_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"))
    conn.execute(
        sa.text(f"CREATE TRIGGER {ident(HOSTILE_TRIGGER)} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION wb_noop_trigger()")
    )
    rows = [
        {"id": 1, "at": dt.datetime(2099, 12, 15, tzinfo=dt.UTC), "note": HOSTILE_VALUES[0]},
        {"id": 2, "at": dt.datetime(2001, 3, 10, tzinfo=dt.UTC), "note": HOSTILE_VALUES[1]},
        {"id": 3, "at": dt.datetime(2099, 12, 31, 23, 59, tzinfo=dt.UTC), "note": HOSTILE_VALUES[2]},
    ]
    conn.execute(sa.text(f"INSERT INTO {table} (id, {key}, note) VALUES (:id, :at, :note)"), rows)
    yield conn


def _maintain(conn: sa.Connection, dry_run: bool) -> list[sa.Row]:
    return conn.execute(
        sa.text("SELECT * FROM maintain_partitions(CAST(quote_ident(:t) AS regclass), 2, 12, :dry)"),
        {"t": HOSTILE_TABLE, "dry": dry_run},
    ).all()


def test_dry_run_with_hostile_names_reports_and_changes_nothing(hostile_series: sa.Connection) -> None:
    conn = hostile_series
    before = _children(conn, HOSTILE_TABLE)
    actions = _maintain(conn, dry_run=True)
    assert {r.action for r in actions} == {"create", "move", "detach"}
    assert _children(conn, HOSTILE_TABLE) == before == {HOSTILE_TABLE + "_default": (HOSTILE_SCHEMA, "DEFAULT")}
    _nothing_injected(conn)


def test_maintenance_with_hostile_names_creates_moves_and_detaches_under_exact_names(hostile_series: sa.Connection) -> None:
    """Acceptance (issue 11): maintenance of 'audit"; DROP TABLE users; --' creates its monthly
    partitions under quoted names, moves the DEFAULT rows with their hostile text intact, archives
    the month past retention with its (hostile) trigger, and runs nothing it was fed."""
    conn = hostile_series
    actions = _maintain(conn, dry_run=False)
    _nothing_injected(conn)

    children = _children(conn, HOSTILE_TABLE)
    expected = {f"{HOSTILE_TABLE}_p{m}" for m in [*_months_ahead(2), "209912"]} | {HOSTILE_TABLE + "_default"}
    assert set(children) == expected
    assert {schema for schema, _ in children.values()} == {HOSTILE_SCHEMA}
    archive = f"{HOSTILE_TABLE}_p200103"
    assert ("detach", f"{ident(HOSTILE_SCHEMA)}.{ident(archive)}") in {(r.action, r.partition_name) for r in actions}

    table, schema = ident(HOSTILE_TABLE), ident(HOSTILE_SCHEMA)
    stored = conn.execute(sa.text(f"SELECT note FROM {table} ORDER BY id")).scalars().all()
    assert stored == [HOSTILE_VALUES[0], HOSTILE_VALUES[2]]
    assert conn.execute(sa.text(f"SELECT note FROM {schema}.{ident(archive)}")).scalars().all() == [HOSTILE_VALUES[1]]
    assert conn.execute(sa.text(f"SELECT count(*) FROM {schema}.{ident(HOSTILE_TABLE + '_default')}")).scalar_one() == 0
    archive_triggers = (
        conn.execute(
            sa.text("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:a AS regclass) AND NOT tgisinternal"),
            {"a": f"{schema}.{ident(archive)}"},
        )
        .scalars()
        .all()
    )
    assert archive_triggers == [HOSTILE_TRIGGER]

    assert _maintain(conn, dry_run=False) == [], "a second run must find nothing to do"
    _nothing_injected(conn)


def test_scheduled_job_maintains_a_hostile_registered_name(hostile_series: sa.Connection) -> None:
    """The job reads table names from partition_policies (data): they reach the SQL as identifiers."""
    conn = hostile_series
    conn.execute(
        sa.text("INSERT INTO partition_policies (parent_table, months_ahead, retention_months, rule_id) VALUES (:t, 3, 12, 'ANA-003')"),
        {"t": HOSTILE_TABLE},
    )
    rows = conn.execute(sa.text("SELECT * FROM run_partition_maintenance(false)")).all()
    assert any(r.parent_table == HOSTILE_TABLE and r.action == "move" for r in rows), rows
    assert f"{HOSTILE_TABLE}_p209912" in _children(conn, HOSTILE_TABLE)
    _nothing_injected(conn)


@pytest.mark.parametrize("name", [HOSTILE_TABLE, "audit_logs'; DROP TABLE users; --", "Audit_Logs", "audit logs"])
def test_archive_filter_refuses_names_it_would_paste_into_sql(name: str) -> None:
    """The Python side builds its archive query by pasting the parent's name: it accepts plain
    lower-case identifiers only."""
    with pytest.raises(ValueError, match="plain lower-case table name"):
        partitions.archive_filter(name)


# --- revision_ops.guard_data_loss -------------------------------------------------------------------


@contextmanager
def _alembic_ops(conn: sa.Connection) -> Iterator[None]:
    """Alembic's op and context proxies bound to ``conn``, as inside a revision's downgrade()."""
    cfg = migrations.alembic_config()
    with EnvironmentContext(cfg, migrations.script_directory()) as env:
        env.configure(connection=conn)
        with Operations.context(env.get_context()):
            yield


GUARD_PAYLOADS = [
    f"x']::text[] LOOP END LOOP; CREATE TABLE {MARKER} (); FOREACH t IN ARRAY ARRAY['y",
    f"x$guard$; CREATE TABLE {MARKER} (); DO $guard$ BEGIN",
]


@pytest.mark.parametrize("payload", GUARD_PAYLOADS, ids=["literal-breakout", "dollar-quote-breakout"])
def test_guard_data_loss_treats_a_hostile_name_as_a_name(head_conn: sa.Connection, payload: str) -> None:
    """A table name is data: no such table exists, so the guard has nothing to protect and must
    pass, having run nothing the name contains."""
    with _alembic_ops(head_conn):
        revision_ops.guard_data_loss(payload)
    _nothing_injected(head_conn)


def test_guard_data_loss_guards_a_table_whose_name_needs_quoting(head_conn: sa.Connection) -> None:
    """A table named 'audit"; DROP TABLE users; --' holding a row must stop the downgrade like any
    other: the guard may not skip it because its name does not parse unquoted."""
    head_conn.execute(sa.text(f"CREATE TABLE {ident(HOSTILE_TABLE)} (note text)"))
    head_conn.execute(sa.text(f"INSERT INTO {ident(HOSTILE_TABLE)} VALUES ('kept')"))
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match=r"downgrade refused: table .* holds rows"), _alembic_ops(head_conn):
        revision_ops.guard_data_loss(HOSTILE_TABLE)
    savepoint.rollback()
    _nothing_injected(head_conn)
