"""Frozen history: a released revision must do on replay exactly what it did when production ran it.

``alembic/released.toml`` holds, for every revision of the chain, the SHA-256 of its file, of
the frozen SQL files beside it (``alembic/versions/sql/<rev>_*.sql``) and of its offline SQL
(``alembic upgrade <prev>:<rev> --sql`` and the matching downgrade). ``check`` compares the chain
with it:

- a revision whose offline SQL changed was edited in a way that changes DDL (or the shared
  plumbing in ``schema.revision_ops`` it calls changed its output): refused, fix forward with a
  new revision instead;
- a revision whose file or frozen SQL changed but whose offline SQL did not is a DDL-neutral edit
  (a comment, a refactor): refused until it is recorded, which ``record`` does and a reviewer
  sees as a change of the file's checksum only;
- a revision of the chain missing from the manifest is new: ``record`` adds it.

The offline SQL is the proof of DDL neutrality because it is what the revision sends to the
server, statement for statement; the committed ``schema.sql`` (``schema.dump``) is the second,
whole-schema proof.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory

from schema import migrations

MANIFEST = "released.toml"
FROZEN_SQL_DIR = "sql"

MANIFEST_HEADER = """\
# Released revisions and the checksums that freeze them (schema.history; `schema history check`).
# A released revision is history: production ran it, so a replay must do exactly the same. Change
# the schema with a new revision. `schema history record` adds new revisions and records an edit
# only when the revision's offline SQL is unchanged (a DDL-neutral edit); see CONTRIBUTING.md.
"""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """What freezes one revision: its source, its frozen SQL files, and the SQL it emits."""

    revision: str
    file: str
    upgrade_sql: str
    downgrade_sql: str
    frozen_files: dict[str, str] = field(default_factory=dict)

    def source_equal(self, other: Fingerprint) -> bool:
        return self.file == other.file and self.frozen_files == other.frozen_files

    def sql_equal(self, other: Fingerprint) -> bool:
        return self.upgrade_sql == other.upgrade_sql and self.downgrade_sql == other.downgrade_sql


@dataclass(frozen=True)
class Problem:
    revision: str
    message: str

    def __str__(self) -> str:
        return f"revision {self.revision}: {self.message}"


def alembic_dir(cfg: Config) -> Path:
    return Path(cfg.get_main_option("script_location") or "")


def manifest_path(cfg: Config) -> Path:
    return alembic_dir(cfg) / MANIFEST


def _offline(cfg: Config, fn: object, rng: str) -> str:
    buffer = io.StringIO()
    offline = Config(cfg.config_file_name)
    offline.set_main_option("script_location", str(alembic_dir(cfg)))
    offline.output_buffer = buffer
    fn(offline, rng, sql=True)  # type: ignore[operator]  # command.upgrade / command.downgrade
    return buffer.getvalue()


def fingerprint(cfg: Config, script: Script) -> Fingerprint:
    """The checksums of one revision as it is now in the script directory of ``cfg``."""
    path = Path(script.path)
    down = script.down_revision
    if not isinstance(down, str | None):
        raise ValueError(f"revision {script.revision} merges {down}: the chain must be linear")
    up_range = script.revision if down is None else f"{down}:{script.revision}"
    down_range = f"{script.revision}:{down or 'base'}"
    frozen_dir = path.parent / FROZEN_SQL_DIR
    frozen = {f"{FROZEN_SQL_DIR}/{f.name}": sha256(f.read_text()) for f in sorted(frozen_dir.glob(f"{script.revision}_*.sql"))}
    return Fingerprint(
        revision=script.revision,
        file=sha256(path.read_text()),
        upgrade_sql=sha256(_offline(cfg, command.upgrade, up_range)),
        downgrade_sql=sha256(_offline(cfg, command.downgrade, down_range)),
        frozen_files=frozen,
    )


def chain(cfg: Config) -> list[Script]:
    """The revisions, base first."""
    return list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))


def load(path: Path) -> dict[str, Fingerprint]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text())
    return {
        rev: Fingerprint(rev, entry["file"], entry["upgrade_sql"], entry["downgrade_sql"], dict(entry.get("frozen_files", {})))
        for rev, entry in data.get("revisions", {}).items()
    }


def dumps(entries: dict[str, Fingerprint]) -> str:
    lines = [MANIFEST_HEADER]
    for rev in sorted(entries):
        fp = entries[rev]
        lines.append(f'[revisions."{rev}"]')
        lines.append(f'file = "{fp.file}"')
        lines.append(f'upgrade_sql = "{fp.upgrade_sql}"')
        lines.append(f'downgrade_sql = "{fp.downgrade_sql}"')
        if fp.frozen_files:
            files = ", ".join(f'"{name}" = "{digest}"' for name, digest in sorted(fp.frozen_files.items()))
            lines.append(f"frozen_files = {{ {files} }}")
        lines.append("")
    return "\n".join(lines)


def check(cfg: Config | None = None) -> list[Problem]:
    """Every way the chain departs from the manifest; empty when history is intact."""
    cfg = cfg or migrations.alembic_config()
    recorded = load(manifest_path(cfg))
    problems: list[Problem] = []
    present = set()
    for script in chain(cfg):
        present.add(script.revision)
        now = fingerprint(cfg, script)
        before = recorded.get(script.revision)
        if before is None:
            problems.append(Problem(script.revision, f"not in {MANIFEST}: run `schema history record` to add it"))
        elif not now.sql_equal(before):
            problems.append(
                Problem(
                    script.revision,
                    "released revision changed what it sends to the server (its offline SQL differs from the "
                    f"checksum in {MANIFEST}): revert the edit and change the schema with a new revision (fix forward)",
                )
            )
        elif not now.source_equal(before):
            problems.append(
                Problem(
                    script.revision,
                    "released revision file or frozen SQL edited; its offline SQL is unchanged (DDL-neutral), so "
                    "`schema history record` may record the edit for review",
                )
            )
    for rev in sorted(set(recorded) - present):
        problems.append(Problem(rev, f"recorded in {MANIFEST} but missing from the chain: a released revision was removed"))
    return problems


class HistoryRefused(RuntimeError):
    """``record`` would have frozen a change to what a released revision does."""


def record(cfg: Config | None = None, replace_revisions: tuple[str, ...] = ()) -> list[str]:
    """Add new revisions and DDL-neutral edits to the manifest; refuse any other change.

    ``replace_revisions`` re-records revisions whatever changed: only for a revision that has not
    been released yet (still on a branch), and visible as such in the manifest's diff.
    """
    cfg = cfg or migrations.alembic_config()
    path = manifest_path(cfg)
    recorded = load(path)
    updated = dict(recorded)
    said: list[str] = []
    for script in chain(cfg):
        now = fingerprint(cfg, script)
        before = recorded.get(script.revision)
        if before is None:
            updated[script.revision] = now
            said.append(f"{script.revision}: added")
        elif script.revision in replace_revisions:
            updated[script.revision] = now
            said.append(f"{script.revision}: replaced (unreleased)")
        elif not now.sql_equal(before):
            raise HistoryRefused(
                f"revision {script.revision} is released and its offline SQL changed: fix forward with a new revision instead of editing it"
            )
        elif not now.source_equal(before):
            updated[script.revision] = now
            said.append(f"{script.revision}: DDL-neutral edit recorded")
    if updated != recorded:
        path.write_text(dumps(updated))
    return said
