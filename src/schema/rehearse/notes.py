"""Operator notes: a reviewed reason why a rehearsal finding is acceptable, and how it runs in production.

A released revision cannot be edited, not even its docstring (``alembic/released.toml``), so
when its rehearsal fails a threshold for a reason the reviewers accept (a lock held while a
small reference table is validated, an index built in the revision's transaction on purpose),
the explanation lives in a committed file, ``docs/reports/rehearsals/operator_notes.toml``:

    [[note]]
    revision = "007"
    direction = "upgrade"           # optional, default upgrade
    kind = "blocking lock"          # a verdict reason kind (schema.rehearse.verdicts)
    table = "customers"             # optional: only findings on this table
    statement = "CREATE INDEX ix_"  # optional: only findings whose message holds this text
    why = "why the finding is acceptable"
    production = "how an operator runs this step in production"

A finding a note matches is reported as accepted, with the note, instead of failing; a note that
matches no finding of its revision in the run is reported as stale (it no longer explains
anything: remove it), so notes cannot outlive what they excuse unnoticed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from schema import database
from schema.rehearse import verdicts

NOTES_FILE = Path("docs") / "reports" / "rehearsals" / "operator_notes.toml"
KINDS = (verdicts.REWROTE_TABLE, verdicts.BLOCKING_LOCK, verdicts.WORKLOAD_FAILED, verdicts.PLAN_REGRESSION)


class NotesError(ValueError):
    """The notes file is malformed; says which note and what is wrong."""


@dataclass(frozen=True)
class Note:
    revision: str
    kind: str
    why: str
    production: str
    direction: str = "upgrade"
    table: str | None = None
    statement: str | None = None

    def matches(self, revision: str, direction: str, reason: verdicts.Reason) -> bool:
        return (
            self.revision == revision
            and self.direction == direction
            and self.kind == reason.kind
            and (self.table is None or self.table == reason.table)
            and (self.statement is None or self.statement in reason.message)
        )


def default_path() -> Path:
    return database.project_root() / NOTES_FILE


def load(path: Path | None = None) -> list[Note]:
    """The notes of ``path`` (default the committed file; none when it does not exist)."""
    target = path if path is not None else default_path()
    if not target.is_file():
        return []
    data = tomllib.loads(target.read_text(encoding="utf-8"))
    notes = []
    for i, item in enumerate(data.get("note", []), start=1):
        missing = [k for k in ("revision", "kind", "why", "production") if not item.get(k)]
        if missing:
            raise NotesError(f"{target.name}: note {i} lacks {', '.join(missing)}")
        unknown = set(item) - {"revision", "direction", "kind", "table", "statement", "why", "production"}
        if unknown:
            raise NotesError(f"{target.name}: note {i} has unknown key(s) {', '.join(sorted(unknown))}")
        if item["kind"] not in KINDS:
            raise NotesError(f"{target.name}: note {i} kind {item['kind']!r} is none of {', '.join(KINDS)}")
        if item.get("direction", "upgrade") not in ("upgrade", "downgrade"):
            raise NotesError(f"{target.name}: note {i} direction must be upgrade or downgrade")
        notes.append(Note(**{k: str(v) for k, v in item.items()}))
    return notes


def apply(verdict: verdicts.Verdict, notes: list[Note]) -> list[Note]:
    """Move the reasons a note explains from ``verdict.reasons`` to ``verdict.accepted``; returns the
    notes of this revision and direction that explained nothing."""
    mine = [n for n in notes if n.revision == verdict.revision and n.direction == verdict.direction]
    used: set[Note] = set()
    kept = []
    for reason in verdict.reasons:
        note = next((n for n in mine if n.matches(verdict.revision, verdict.direction, reason)), None)
        if note is None:
            kept.append(reason)
            continue
        used.add(note)
        verdict.accepted.append(verdicts.Accepted(reason, note.why, note.production))
    verdict.reasons = kept
    return [n for n in mine if n not in used]


STALE_PREFIX = "operator note on "


def apply_all(verdicts_: list[verdicts.Verdict], notes: list[Note]) -> list[str]:
    """``apply`` to every verdict of a run (first undoing an earlier application, so a page can be
    re-rendered after the notes changed); returns one line per stale note."""
    stale = []
    for verdict in verdicts_:
        verdict.reasons = [*verdict.reasons, *(a.reason for a in verdict.accepted)]
        verdict.accepted = []
        stale += [
            f"{STALE_PREFIX}{n.direction} {n.revision} ({n.kind}{', ' + n.table if n.table else ''}) matched no "
            "finding of this run: remove it if the finding is gone"
            for n in apply(verdict, notes)
        ]
    return stale
