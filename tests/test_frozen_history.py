"""Frozen history: released revisions are self-contained and cannot change on replay.

A revision is what production ran. These tests prove that nothing outside a revision can change
what it does (no import of live schema policy; today's grant profiles changed in the package leave
the replay byte-identical to schema.sql), and that an edit of a released revision is refused by the
checksum manifest (shown on a copy of the alembic directory), while a DDL-neutral edit can be
recorded for review.
"""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy.engine import URL

from schema import database, dump, history, migrations, privileges

VERSIONS = database.project_root() / "alembic" / "versions"
# What a revision may import: the standard library, the migration toolkit, and the plumbing of
# schema.revision_ops, which renders statements only from the arguments the revision passes (its
# output for every released revision is checksummed by test_history_is_intact).
ALLOWED_PACKAGES = frozenset({"sqlalchemy", "alembic", "__future__"})
ALLOWED_SCHEMA_MODULES = frozenset({"schema.revision_ops"})


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_revision_imports_no_live_schema_policy(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "schema":
            assert name in ALLOWED_SCHEMA_MODULES, f"{path.name} imports live package code {name}"
        else:
            assert top in ALLOWED_PACKAGES or top in sys.stdlib_module_names, f"{path.name} imports {name}"


def test_history_is_intact() -> None:
    """Every revision's file, frozen SQL and offline SQL match alembic/released.toml."""
    problems = history.check()
    assert not problems, "\n".join(str(p) for p in problems)


def test_changed_grant_profile_in_the_package_does_not_change_the_replay(server_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    """Today's policy moving on (app_ro suddenly allowed to write) leaves history alone."""
    monkeypatch.setitem(privileges.GRANT_PROFILES, "operational", {"app_ro": ("SELECT", "INSERT", "DELETE")})
    monkeypatch.setattr(privileges, "SECRET_SUFFIXES", ())
    replayed = dump.replay(server_url).text
    assert dump.difference(dump.schema_file().read_text(), replayed) == ""


@pytest.fixture
def alembic_copy(tmp_path: Path) -> Config:
    """The project's alembic directory and manifest, copied so a test may edit them."""
    root = database.project_root()
    shutil.copytree(root / "alembic", tmp_path / "alembic", ignore=shutil.ignore_patterns("__pycache__"))
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(tmp_path / "alembic"))
    return cfg


def _edit(cfg: Config, name: str, old: str, new: str) -> None:
    path = history.alembic_dir(cfg) / "versions" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_edit_that_changes_ddl_is_refused(alembic_copy: Config) -> None:
    assert history.check(alembic_copy) == []
    _edit(
        alembic_copy,
        "003_add_rating_engine_tables.py",
        '"admin_rw", ("SELECT", "INSERT", "UPDATE")',
        '"admin_rw", ("SELECT", "INSERT", "UPDATE", "DELETE")',
    )
    problems = history.check(alembic_copy)
    assert [p.revision for p in problems] == ["003"]
    assert "offline SQL differs" in problems[0].message
    with pytest.raises(history.HistoryRefused, match="revision 003 is released"):
        history.record(alembic_copy)


def test_an_edit_of_frozen_sql_is_refused(alembic_copy: Config) -> None:
    frozen = history.alembic_dir(alembic_copy) / "versions" / "sql" / "004_maintain_partitions.sql"
    frozen.write_text(frozen.read_text().replace("DETACH PARTITION", "DETACH PARTITION /* edited */", 1))
    problems = history.check(alembic_copy)
    assert [p.revision for p in problems] == ["004"]


def test_a_ddl_neutral_edit_is_recorded_for_review(alembic_copy: Config) -> None:
    _edit(
        alembic_copy,
        "002_add_quote_system_tables.py",
        "from __future__ import annotations",
        "from __future__ import annotations\n\n# a reviewed, DDL-neutral edit",
    )
    problems = history.check(alembic_copy)
    assert [p.revision for p in problems] == ["002"] and "DDL-neutral" in problems[0].message
    assert history.record(alembic_copy) == ["002: DDL-neutral edit recorded"]
    assert history.check(alembic_copy) == []


def test_a_new_revision_must_be_recorded(alembic_copy: Config) -> None:
    head = migrations.head_revision()
    new = f"{int(head) + 1:03d}"
    (history.alembic_dir(alembic_copy) / "versions" / f"{new}_throwaway.py").write_text(
        f'"""Throw-away.\n\nBusiness purpose: test.\n"""\nfrom alembic import op\n\nrevision = "{new}"\n'
        f'down_revision = "{head}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        'def upgrade() -> None:\n    op.execute("SELECT 1")\n\n\ndef downgrade() -> None:\n    op.execute("SELECT 1")\n'
    )
    assert [p.revision for p in history.check(alembic_copy)] == [new]
    assert history.record(alembic_copy) == [f"{new}: added"]
    assert history.check(alembic_copy) == []
