"""schema.sql: a replay of 001..head equals the committed file, on every server version tested.

The dump is the reviewer's view of the whole schema, so these tests prove three things: the
committed file is what the revisions produce (drift fails with a readable diff), the dump sees
the kinds of object the model comparison cannot (grants, functions, triggers, policies), and it
depends on nothing but the schema (owner names, monthly partitions, server version).
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, dump, migrations


def test_replay_equals_committed_schema_sql(server_url: URL) -> None:
    committed = dump.schema_file().read_text()
    replayed = dump.replay(server_url).text
    diff = dump.difference(committed, replayed)
    assert not diff, (
        "a replay of 001..head differs from the committed schema.sql; run `make docs` (schema dump) and "
        f"commit the file with the revision that changed it:\n{diff}"
    )


def _dump_after(server_url: URL, statements: list[str]) -> str:
    with migrations.temporary_database(server_url, "wb_dump_change", revision="head") as url:
        eng = database.engine(url)
        try:
            with eng.begin() as conn:
                for statement in statements:
                    conn.execute(sa.text(statement))
            with eng.connect() as conn:
                return dump.render(conn).text
        finally:
            eng.dispose()


def test_dump_shows_what_the_model_comparison_cannot(server_url: URL) -> None:
    """A revoked grant, a replaced function body, a dropped trigger and a changed index comment
    each change the dump, in the block of the object they belong to."""
    committed = dump.schema_file().read_text()
    changed = _dump_after(
        server_url,
        [
            "REVOKE INSERT ON quotes FROM app_rw",
            "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN NEW.updated_at := now() + interval '1 second'; RETURN NEW; END$$",
            "DROP TRIGGER trg_users_set_updated_at ON users",
            "COMMENT ON INDEX ix_audit_logs_created_at IS 'changed'",
        ],
    )
    diff = dump.difference(committed, changed)
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert "-GRANT INSERT ON quotes TO app_rw;" in removed
    assert any("interval '1 second'" in line for line in added)
    assert any(line.startswith("-CREATE TRIGGER trg_users_set_updated_at") for line in removed)
    assert "+COMMENT ON INDEX ix_audit_logs_created_at IS 'changed';" in added


def test_dump_ignores_monthly_partitions_and_owner(server_url: URL) -> None:
    """Partition maintenance creating months ahead changes no line: the file is about the design."""
    committed = dump.schema_file().read_text()
    later = _dump_after(
        server_url,
        [
            "SELECT count(*) FROM maintain_partitions('audit_logs'::regclass, 14, 84)",
        ],
    )
    assert dump.difference(committed, later) == ""


def test_block_lines_cover_every_object() -> None:
    """The handbook links revisions to these spans: every header starts a span, spans do not overlap."""
    text = dump.schema_file().read_text()
    spans = dump.Dump(text).block_lines()
    assert "table: quotes" in spans and "function: set_updated_at()" in spans
    ordered = sorted(spans.values())
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end < start
    lines = text.splitlines()
    first, last = spans["table: quotes"]
    assert lines[first - 1] == "-- table: quotes" and lines[first].startswith("CREATE TABLE quotes (")
    assert lines[last - 1].strip()
