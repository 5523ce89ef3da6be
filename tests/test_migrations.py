"""Migration tests: pytest-alembic's standard checks plus a stairway and a proof the model check bites.

pytest-alembic runs against the session's fresh database (conftest's alembic_engine).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pytest_alembic.tests import (  # noqa: F401 - collected as tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace  # noqa: F401 - collected as a test

from schema import migrations
from schema.models import metadata

REVISIONS = [r.revision for r in reversed(list(migrations.script_directory().walk_revisions()))]


def test_revisions_are_numbered_and_linear() -> None:
    """001..00N, each revising the one before: the chain the README and the handbook describe."""
    expected = [f"{i:03d}" for i in range(1, len(REVISIONS) + 1)]
    assert REVISIONS == expected
    for rev in migrations.script_directory().walk_revisions():
        assert rev.module.__doc__ and "Business purpose:" in rev.module.__doc__, rev.revision
        assert Path(rev.path).name.startswith(f"{rev.revision}_"), rev.path


@pytest.mark.parametrize("revision", REVISIONS)
def test_stairway(alembic_runner, revision: str) -> None:
    """For every revision: upgrade to it, downgrade one step, upgrade again (catches downgrades
    that leave objects behind and upgrades that cannot be re-run after a rollback)."""
    alembic_runner.migrate_up_to(revision)
    alembic_runner.migrate_down_one()
    alembic_runner.migrate_up_one()
    assert alembic_runner.current == revision


def test_model_comparison_detects_a_changed_column(head_engine: sa.Engine) -> None:
    """The model-vs-DDL check is only worth something if it fails: change a model column in a
    copy of the metadata and the comparison must report it."""
    changed = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(changed)
    premium = changed.tables["policies"].c.premium_amount
    premium.type = sa.Numeric(14, 4)
    with head_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), changed)
        clean = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert clean == []
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert any(d[0] == "modify_type" and d[3] == "premium_amount" for d in flat), diffs
