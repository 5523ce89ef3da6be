"""What each revision did, read from alembic's ScriptDirectory and the SQL each revision renders.

Apache Airflow generates its migrations reference from the revision files instead of keeping a
hand-written changelog; so do we. "Tables touched" comes from the revision's own offline SQL
(``alembic upgrade <prev>:<rev> --sql``), not from reading its Python: helpers, loops and
constants in a revision are resolved by running it, the way an operator would.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command

from schema import database, migrations

# Function bodies are dollar-quoted: what they do at run time is not what the revision touched.
DOLLAR_QUOTED = re.compile(r"\$(\w*)\$.*?\$\1\$", re.DOTALL)
SINGLE_QUOTED = re.compile(r"'(?:[^']|'')*'")
NAME = r'((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)'
CREATED = re.compile(rf"\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{NAME}", re.IGNORECASE)
DROPPED = re.compile(rf"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{NAME}", re.IGNORECASE)
ALTERED = (
    re.compile(rf"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{NAME}", re.IGNORECASE),
    re.compile(rf"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON\s+(?:ONLY\s+)?{NAME}", re.IGNORECASE),
    re.compile(rf"\bCOMMENT\s+ON\s+TABLE\s+{NAME}", re.IGNORECASE),
    re.compile(rf"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+\S+\s+.*?\bON\s+{NAME}", re.IGNORECASE | re.DOTALL),
    re.compile(rf"\bCREATE\s+POLICY\s+\S+\s+ON\s+{NAME}", re.IGNORECASE),
    re.compile(rf"\bINSERT\s+INTO\s+{NAME}", re.IGNORECASE),
)
COLUMN_COMMENT = re.compile(rf"\bCOMMENT\s+ON\s+COLUMN\s+{NAME}\.(?:\"[^\"]+\"|\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class RevisionEntry:
    """One revision as the migrations reference lists it."""

    revision: str
    down_revision: str | None
    file: str  # path relative to the checkout
    message: str
    purpose: str  # the docstring between the message and the "Revision ID:" block
    created: tuple[str, ...]
    altered: tuple[str, ...]
    dropped: tuple[str, ...]

    @property
    def touched(self) -> tuple[str, ...]:
        return tuple(sorted({*self.created, *self.altered, *self.dropped}))


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    """env.py configures logging from alembic.ini; its INFO lines are noise inside ``schema docs``."""
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def render_upgrade_sql(revision: str, down_revision: str | None) -> str:
    """The SQL ``alembic upgrade <down>:<rev> --sql`` prints for one revision."""
    cfg = migrations.alembic_config()
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    with _quiet_alembic():
        command.upgrade(cfg, revision if down_revision is None else f"{down_revision}:{revision}", sql=True)
    return buffer.getvalue()


def _public_name(raw: str) -> str | None:
    """Unquoted table name in the documented schema; None for another schema's object."""
    parts: list[str] = [p.strip('"') for p in re.findall(r'"[^"]+"|\w+', raw)]
    if len(parts) == 2 and parts[0] != "public":
        return None
    return parts[-1]


def _names(patterns: tuple[re.Pattern[str], ...], sql: str) -> set[str]:
    found = {_public_name(m.group(1)) for p in patterns for m in p.finditer(sql)}
    return {name for name in found if name is not None}


def tables_in_sql(sql: str) -> tuple[set[str], set[str], set[str]]:
    """(created, altered, dropped) table names of a rendered revision, function bodies excluded."""
    statements = DOLLAR_QUOTED.sub("", sql)
    without_literals = SINGLE_QUOTED.sub("''", statements)
    created = _names((CREATED,), without_literals)
    dropped = _names((DROPPED,), without_literals)
    altered = _names((*ALTERED, COLUMN_COMMENT), without_literals) - created - dropped
    return created, altered, dropped


def _split_docstring(longdoc: str) -> tuple[str, str]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", longdoc) if p.strip()]
    body = [p for p in paragraphs[1:] if not p.startswith("Revision ID:")]
    return (paragraphs[0] if paragraphs else ""), "\n\n".join(body)


def revisions(known_tables: set[str]) -> list[RevisionEntry]:
    """Every revision, base first.

    Tables are limited to ``known_tables`` (the documented ones) and to tables one revision
    created and a later one dropped: partitions made relative to the clock never appear.
    """
    root = database.project_root()
    rendered = []
    for script in reversed(list(migrations.script_directory().walk_revisions())):
        down = script.down_revision
        if not isinstance(down, str | None):
            raise database.DatabaseError(
                f"revision {script.revision} merges {down}: the migrations reference expects one linear chain"
            )
        rendered.append((script, down, tables_in_sql(render_upgrade_sql(script.revision, down))))
    all_created = {name for _, _, (created, _, _) in rendered for name in created}
    all_dropped = {name for _, _, (_, _, dropped) in rendered for name in dropped}
    history = known_tables | (all_created & all_dropped)
    entries = []
    for script, down, (created, altered, dropped) in rendered:
        message, purpose = _split_docstring(script.longdoc)
        entries.append(RevisionEntry(
            revision=script.revision,
            down_revision=down,
            file=str(Path(script.path).resolve().relative_to(root)),
            message=message,
            purpose=purpose,
            created=tuple(sorted(created & history)),
            altered=tuple(sorted(altered & history)),
            dropped=tuple(sorted(dropped & history)),
        ))
    return entries
