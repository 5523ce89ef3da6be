"""Partition maintenance (issue 5): creates ahead, empties DEFAULT without losing a row, detaches by
retention, is idempotent and concurrent-safe, and quotes every identifier.

The tests commit (maintenance is DDL, and the concurrency test needs two sessions), so they use a
database of their own, migrated to head once for the module. Each test works in months no other
test touches.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from schema import database, migrations, partitions
from schema.cli import app

HOSTILE = 'evil"; DROP TABLE users; --'


@pytest.fixture(scope="module")
def maint_url(server_url: URL) -> Iterator[URL]:
    with migrations.temporary_database(server_url, "wb_partitions", revision="head") as url:
        yield url


@pytest.fixture(scope="module")
def maint_engine(maint_url: URL) -> Iterator[sa.Engine]:
    eng = database.engine(maint_url)
    yield eng
    eng.dispose()


def _insert_audit(conn: sa.Connection, *moments: dt.datetime) -> None:
    """Backfilled history, loaded by the owner through the documented path (SEC-021)."""
    conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    for at in moments:
        conn.execute(
            sa.text("INSERT INTO audit_logs (action, resource_type, created_at) VALUES ('system.backfill', 'audit_logs', :at)"),
            {"at": at},
        )


def _count(conn: sa.Connection, relation: str) -> int:
    return conn.execute(sa.text(f"SELECT count(*) FROM {relation}")).scalar_one()


def _partitions_of(conn: sa.Connection, parent: str) -> set[str]:
    return set(
        conn.execute(
            sa.text("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = CAST(:p AS regclass)"), {"p": parent}
        ).scalars()
    )


def _maintain(engine: sa.Engine, dry_run: bool = False) -> list[partitions.Action]:
    with engine.begin() as conn:
        return partitions.maintain(conn, dry_run=dry_run)


def test_far_future_rows_leave_default_for_their_new_month(maint_engine: sa.Engine) -> None:
    _maintain(maint_engine)  # start from a maintained state
    with maint_engine.begin() as conn:
        _insert_audit(
            conn,
            dt.datetime(2099, 12, 31, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2099, 12, 1, tzinfo=dt.UTC),
            dt.datetime(2098, 6, 15, tzinfo=dt.UTC),
        )
        before = _count(conn, "audit_logs")
        assert _count(conn, "partitions.audit_logs_default") == 3

    actions = _maintain(maint_engine)

    assert {(a.action, a.partition) for a in actions} == {
        ("create", "partitions.audit_logs_p209912"),
        ("move", "partitions.audit_logs_p209912"),
        ("create", "partitions.audit_logs_p209806"),
        ("move", "partitions.audit_logs_p209806"),
    }
    with maint_engine.connect() as conn:
        assert _count(conn, "partitions.audit_logs_default") == 0
        assert _count(conn, "audit_logs") == before
        assert _count(conn, "partitions.audit_logs_p209912") == 2
        # the DEFAULT is attached again, with the append-only trigger cloned back onto it
        assert "partitions.audit_logs_default" in _partitions_of(conn, "audit_logs")
        trigger = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'partitions.audit_logs_default'::regclass AND tgname = 'trg_audit_logs_append_only'"
        assert conn.execute(sa.text(trigger)).scalar_one() == 1


def _all_partitions(engine: sa.Engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        parents = conn.execute(sa.text("SELECT parent_table FROM partition_policies")).scalars().all()
        return {parent: _partitions_of(conn, parent) for parent in parents}


def test_second_run_changes_nothing(maint_engine: sa.Engine) -> None:
    _maintain(maint_engine)
    before = _all_partitions(maint_engine)
    assert _maintain(maint_engine) == []
    assert _all_partitions(maint_engine) == before


def test_dry_run_reports_and_changes_nothing(maint_engine: sa.Engine) -> None:
    with maint_engine.begin() as conn:
        _insert_audit(conn, dt.datetime(2097, 3, 3, tzinfo=dt.UTC))
    planned = _maintain(maint_engine, dry_run=True)
    assert [(a.action, a.partition) for a in planned] == [
        ("create", "partitions.audit_logs_p209703"),
        ("move", "partitions.audit_logs_p209703"),
    ]
    assert planned[1].detail == "1 row(s) from partitions.audit_logs_default [SEC-014]"
    with maint_engine.connect() as conn:
        assert _count(conn, "partitions.audit_logs_default") == 1
        assert "partitions.audit_logs_p209703" not in _partitions_of(conn, "audit_logs")
    assert [a.action for a in _maintain(maint_engine)] == ["create", "move"]


def test_concurrent_runs_both_succeed_and_the_second_finds_nothing_to_do(maint_engine: sa.Engine) -> None:
    with maint_engine.begin() as conn:
        _insert_audit(conn, dt.datetime(2096, 8, 8, tzinfo=dt.UTC))
    results: dict[str, list[partitions.Action]] = {}
    errors: list[BaseException] = []
    first = maint_engine.connect()
    first_tx = first.begin()
    results["first"] = partitions.maintain(first)  # holds the advisory lock until commit

    def second() -> None:
        try:
            results["second"] = _maintain(maint_engine)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)

    worker = threading.Thread(target=second)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive(), "the second run must wait for the first one's lock"
    first_tx.commit()
    first.close()
    worker.join(timeout=30)
    assert not errors, errors
    assert [a.action for a in results["first"]] == ["create", "move"]
    assert results["second"] == []


def test_retention_detaches_old_months_into_protected_archives(maint_engine: sa.Engine) -> None:
    """A row older than SEC-014's 84 months gets its month, which is then detached, not dropped."""
    with maint_engine.begin() as conn:
        _insert_audit(conn, dt.datetime(2001, 2, 3, tzinfo=dt.UTC))
        total = _count(conn, "audit_logs")
    actions = _maintain(maint_engine)
    assert [(a.action, a.partition) for a in actions] == [
        ("create", "partitions.audit_logs_p200102"),
        ("move", "partitions.audit_logs_p200102"),
        ("detach", "partitions.audit_logs_p200102"),
    ]
    with maint_engine.connect() as conn:
        assert _count(conn, "audit_logs") == total - 1
        assert _count(conn, "partitions.audit_logs_p200102") == 1
        assert partitions.archives(conn, "audit_logs") == ["audit_logs_p200102"]
        with pytest.raises(sa.exc.DBAPIError, match="SEC-003"):
            conn.execute(sa.text("DELETE FROM partitions.audit_logs_p200102"))
        conn.rollback()

    # A late row of the archived month joins its archive rather than failing on the name.
    with maint_engine.begin() as conn:
        _insert_audit(conn, dt.datetime(2001, 2, 20, tzinfo=dt.UTC))
    assert [a.action for a in _maintain(maint_engine)] == ["move"]
    with maint_engine.connect() as conn:
        assert _count(conn, "partitions.audit_logs_p200102") == 2
        assert _count(conn, "partitions.audit_logs_default") == 0


def test_hostile_identifiers_are_quoted(maint_engine: sa.Engine) -> None:
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    with maint_engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {quoted} (id int, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at)"))
        default = '"' + (HOSTILE + "_default").replace('"', '""') + '"'
        conn.execute(sa.text(f"CREATE TABLE partitions.{default} PARTITION OF {quoted} DEFAULT"))
        conn.execute(sa.text(f"INSERT INTO {quoted} VALUES (1, '2095-01-01 00:00+00')"))
        rows = conn.execute(sa.text("SELECT * FROM maintain_partitions(CAST(quote_ident(:t) AS regclass), 1, 12)"), {"t": HOSTILE}).all()
        assert ("move", "partitions." + '"' + (HOSTILE + "_p209501").replace('"', '""') + '"') in {
            (r.action, r.partition_name) for r in rows
        }
        assert conn.execute(sa.text("SELECT to_regclass('public.users') IS NOT NULL")).scalar_one()
        assert conn.execute(sa.text(f"SELECT count(*) FROM partitions.{default}")).scalar_one() == 0
        conn.execute(sa.text(f"DROP TABLE {quoted}"))


@pytest.mark.parametrize(
    ("ddl", "message"),
    [
        ("CREATE TABLE plain_table (created_at timestamptz)", "is not a partitioned table"),
        ("CREATE TABLE plain_table (created_at timestamptz) PARTITION BY RANGE (created_at)", "has no DEFAULT partition"),
        ("CREATE TABLE plain_table (created_at date) PARTITION BY RANGE (created_at)", "one timestamptz column"),
    ],
)
def test_unsuitable_tables_are_refused_clearly(maint_engine: sa.Engine, ddl: str, message: str) -> None:
    with maint_engine.connect() as conn:
        conn.execute(sa.text(ddl))
        with pytest.raises(sa.exc.DBAPIError, match=message):
            conn.execute(sa.text("SELECT * FROM maintain_partitions('plain_table'::regclass, 3, 12)"))
        conn.rollback()


def test_cli_maintain_dry_run(maint_engine: sa.Engine, maint_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    with maint_engine.begin() as conn:
        _insert_audit(conn, dt.datetime(2094, 4, 4, tzinfo=dt.UTC))
    monkeypatch.setenv(database.ENV_VAR, maint_url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "200")  # rich would wrap the partition names at 80
    result = CliRunner().invoke(app, ["partitions", "maintain", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "audit_logs_p209404" in result.output and "would do" in result.output
    with maint_engine.connect() as conn:
        assert _count(conn, "partitions.audit_logs_default") == 1
    result = CliRunner().invoke(app, ["partitions", "maintain"])
    assert result.exit_code == 0, result.output
    with maint_engine.connect() as conn:
        assert _count(conn, "partitions.audit_logs_default") == 0


def test_maintenance_refuses_to_create_over_a_foreign_table_of_the_same_name(maint_engine: sa.Engine) -> None:
    with maint_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE partitions.audit_logs_p209301 (note text)"))
        _insert_audit(conn, dt.datetime(2093, 1, 10, tzinfo=dt.UTC))
    with pytest.raises(sa.exc.DBAPIError) as caught:
        _maintain(maint_engine)
    assert isinstance(caught.value.orig, psycopg.errors.DuplicateTable)
    with maint_engine.begin() as conn:  # nothing was changed: the row still waits in DEFAULT
        assert _count(conn, "partitions.audit_logs_default") == 1
        conn.execute(sa.text("DROP TABLE partitions.audit_logs_p209301"))
    _maintain(maint_engine)
