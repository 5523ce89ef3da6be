"""``schema drill restore`` on a database seeded at the small scale.

The drill passes on an untouched restore, and fails, naming the difference, when the restored copy
is corrupted between restore and comparison (a changed row, a dropped constraint), through the
library's ``after_restore`` hook and through the CLI's exit code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from schema import database, drill, migrations
from schema.cli import app
from schema.seed import volume


@pytest.fixture(scope="module")
def seeded(server_url: URL) -> Iterator[URL]:
    with migrations.temporary_database(server_url, "wb_drill", revision="head") as url:
        volume.seed_small(url, dt.datetime.now(dt.UTC).date())
        yield url


def _execute(url: URL, statement: str) -> None:
    eng = database.engine(url)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        eng.dispose()


def test_a_seeded_database_restores_proven_equal(seeded: URL) -> None:
    report = drill.restore(seeded)
    assert report.differences == []
    assert report.ok
    assert report.rows > 1000 and report.tables > 24  # partitions count as tables of their own
    assert report.dump_seconds > 0 and report.restore_seconds > 0 and report.dump_bytes > 0
    assert report.restore_rows_per_second > 0 and report.restore_mb_per_second > 0
    assert report.lines()[-1].startswith("PROVEN")


def test_a_changed_row_in_the_restored_copy_is_reported(seeded: URL) -> None:
    def corrupt(url: URL) -> None:
        # The owner's maintenance path, as an attacker or a faulty restore would change a row.
        _execute(url, "UPDATE customers SET city = city || ' (changed)' WHERE id = (SELECT id FROM customers ORDER BY id LIMIT 1)")

    report = drill.restore(seeded, after_restore=corrupt)
    assert not report.ok
    assert "table public.customers: same" in "\n".join(report.differences)
    assert "content checksum differs" in "\n".join(report.differences)


def test_a_dropped_constraint_in_the_restored_copy_is_reported(seeded: URL) -> None:
    def corrupt(url: URL) -> None:
        _execute(url, "ALTER TABLE quotes DROP CONSTRAINT ck_quotes_state_is_us_state")

    report = drill.restore(seeded, after_restore=corrupt)
    text = "\n".join(report.differences)
    assert "constraint public.quotes ck_quotes_state_is_us_state: missing in the restored copy" in text
    assert "schema dump differs" in text
    # The DDL audit of the restored copy recorded the drop: its row count differs from the source's.
    assert "table public.ddl_audit_log:" in text


def test_an_unvalidated_constraint_is_reported(seeded: URL) -> None:
    def corrupt(url: URL) -> None:
        _execute(url, "ALTER TABLE quotes DROP CONSTRAINT ck_quotes_state_is_us_state")
        _execute(url, "ALTER TABLE quotes ADD CONSTRAINT ck_quotes_state_is_us_state CHECK (state IS NOT NULL) NOT VALID")

    report = drill.restore(seeded, after_restore=corrupt)
    assert (
        "constraint public.quotes ck_quotes_state_is_us_state: not validated in the restored copy (convalidated = false)"
        in report.differences
    )


def test_the_cli_exits_non_zero_on_a_difference_and_zero_when_proven(seeded: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(database.ENV_VAR, seeded.render_as_string(hide_password=False))
    proven = CliRunner().invoke(app, ["drill", "restore"])
    assert proven.exit_code == 0, proven.output
    assert "PROVEN" in proven.output and "rows/s" in proven.output and "MB/s" in proven.output
    # A source that moves under the drill (a row written after the dump) is a difference: exit 1.
    original = drill.restore

    def moving_source(url: URL, **kwargs: object) -> drill.DrillReport:
        return original(
            url,
            after_restore=lambda _: _execute(
                url, "UPDATE customers SET city = city || ' (moved)' WHERE id = (SELECT id FROM customers ORDER BY id DESC LIMIT 1)"
            ),
        )

    monkeypatch.setattr(drill, "restore", moving_source)
    failed = CliRunner().invoke(app, ["drill", "restore"])
    assert failed.exit_code == 1, failed.output
    assert "FAILED" in failed.output and "table public.customers" in failed.output


def test_no_pg_dump_of_the_server_version_is_an_error_naming_where_it_looked() -> None:
    with pytest.raises(
        drill.DrillError, match=r"no pg_dump of PostgreSQL 99 .*looked at .*node_modules/pg99/native/bin/pg_dump \(absent\)"
    ):
        drill.find_tool("pg_dump", 99)


def test_the_tools_match_the_server_major_version(seeded: URL) -> None:
    eng = database.engine(seeded)
    try:
        major = database.check_server(eng) // 10000
    finally:
        eng.dispose()
    path = drill.find_tool("pg_dump", major)
    assert drill._tool_major(path) == major
