"""Safe failures: a revision that fails midway changes nothing, and a server killed during the
volume seed comes back consistent and can be seeded again.

(Two concurrent upgrades serialize: tests/test_database.py::test_concurrent_upgrades_serialize.)
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from schema import catalog, database, migrations

INJECTED_TABLE = "wb_injected_partial"

# A revision after head that creates objects of every kind a revision makes, then fails.
INJECTED_REVISION = '''\
"""Injected failure (tests/test_failures.py).

Business purpose: none; proves a failing revision leaves no trace.

Revision ID: {revision}
Revises: {down_revision}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("note", sa.Text()))
    op.create_index("ix_{table}_note", "{table}", ["note"])
    op.execute("CREATE FUNCTION {table}_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    op.execute("GRANT SELECT ON {table} TO app_ro")
    op.execute("COMMENT ON TABLE customers IS 'overwritten by the injected revision'")
{failure}


def downgrade() -> None:
    op.drop_table("{table}")
'''

FAILURES = {
    # The database refuses a statement halfway through the revision.
    "sql_error": '    op.execute("ALTER TABLE no_such_table_anywhere ADD COLUMN x int")',
    # The revision's own Python fails halfway (a bug, a failed self-check).
    "python_error": '    raise RuntimeError("injected failure after creating objects")',
}


def _config_with_injected_revision(tmp_path: Path, failure: str) -> tuple[Config, str]:
    """The project's alembic config whose versions are a copy of ours plus a failing revision."""
    versions = tmp_path / "versions"
    shutil.copytree(database.project_root() / "alembic" / "versions", versions, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.head_revision()
    injected = f"{int(head) + 1:03d}"
    (versions / f"{injected}_injected_failure.py").write_text(
        INJECTED_REVISION.format(revision=injected, down_revision=head, table=INJECTED_TABLE, failure=FAILURES[failure])
    )
    cfg = migrations.alembic_config()
    cfg.set_main_option("version_locations", str(versions))
    return cfg, injected


def _shape(url: URL) -> dict[str, object]:
    """Everything a revision can leave behind, by name (row estimates and such left out)."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            cat = catalog.read(conn)
            rev = migrations.current_revision(conn)
    finally:
        eng.dispose()
    return {
        "revision": rev,
        "tables": {n: (t.comment, [c.name for c in t.columns]) for n, t in cat.tables.items()},
        "constraints": sorted(c.name for c in cat.constraints),
        "indexes": sorted(i.name for i in cat.indexes),
        "triggers": sorted(tr.name for tr in cat.triggers),
        "policies": sorted(p.name for t in cat.tables.values() for p in t.policies),
        "functions": sorted(f.signature for f in cat.functions),
        "grants": sorted(cat.grants, key=repr),
    }


def _upgrade(cfg: Config, url: URL, revision: str) -> None:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        eng.dispose()


def _migration_lock_key() -> int:
    """The migrators' advisory lock key, read from alembic/env.py (one place defines it)."""
    env_py = (database.project_root() / "alembic" / "env.py").read_text()
    line = next(line for line in env_py.splitlines() if line.startswith("MIGRATION_LOCK_KEY"))
    return int(line.split("=", 1)[1].strip().replace("_", ""))


def _migration_lock_is_free(url: URL) -> bool:
    """Another session can take the migrators' advisory lock: the failed run released it."""
    key = _migration_lock_key()
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
            if taken:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            return bool(taken)
    finally:
        eng.dispose()


def _fail_injected(url: URL, tmp_path: Path, failure: str) -> dict[str, object]:
    """Run the upgrade to the injected revision, check it failed for the injected reason and
    left no trace of that revision; return the database's shape afterwards."""
    cfg, injected = _config_with_injected_revision(tmp_path, failure)
    with pytest.raises(Exception) as failed:
        _upgrade(cfg, url, injected)
    assert ("no_such_table_anywhere" if failure == "sql_error" else "injected failure") in str(failed.value)
    after = _shape(url)
    assert after["revision"] == migrations.head_revision()
    assert INJECTED_TABLE not in after["tables"]
    assert f"{INJECTED_TABLE}_fn()" not in after["functions"]  # type: ignore[operator]
    assert not any(g.object_name == INJECTED_TABLE for g in after["grants"])  # type: ignore[attr-defined]
    assert after["tables"]["customers"][0] != "overwritten by the injected revision"  # type: ignore[index]
    assert _migration_lock_is_free(url)
    return after


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failing_revision_leaves_the_previous_revision_untouched(scratch_database: URL, tmp_path: Path, failure: str) -> None:
    """Acceptance (issue 11): at head, an upgrade to a revision that fails midway leaves the
    database exactly as it was: same revision, same objects, comments and grants."""
    migrations.upgrade("head", url=scratch_database)
    before = _shape(scratch_database)
    after = _fail_injected(scratch_database, tmp_path, failure)
    assert after == before


def test_failure_undoes_only_the_failing_revision(scratch_database: URL, tmp_path: Path) -> None:
    """Upgrading two steps where the second fails keeps the first (one transaction per revision,
    alembic/env.py): the database ends at head, not half-way inside the injected revision."""
    head = migrations.head_revision()
    previous = migrations.script_directory().get_revision(head).down_revision
    migrations.upgrade(previous, url=scratch_database)
    _fail_injected(scratch_database, tmp_path, "sql_error")
    migrations.upgrade("head", url=scratch_database)  # nothing left to do: already at head
    assert _shape(scratch_database)["revision"] == head
