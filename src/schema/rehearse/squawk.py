"""Squawk's opinion of the same revision, to put beside what the rehearsal measured.

Reuses the migration lint (``schema.lint.migration_safety``): the revision rendered offline the
way an operator reviews it (``alembic upgrade <prev>:<rev> --sql``) and linted by Squawk, with
the project-wide Squawk policy applied. Each finding is tied to the rendered statement at its
line, so the report can put it on the row of the statement the rehearsal ran.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from alembic import command
from alembic.config import Config

from schema.lint import migration_safety

LINE = re.compile(r"line (\d+)\)")


@dataclass(frozen=True)
class SquawkFinding:
    rule: str
    message: str
    statement: str  # the rendered statement at the finding's line, whitespace-normalised


def normalise(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").strip()


def render(cfg: Config, revision: str, down: str | None) -> str:
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    command.upgrade(cfg, revision if down is None else f"{down}:{revision}", sql=True)
    return buffer.getvalue()


def statement_at(sql: str, line: int) -> str:
    """The statement (text from the previous ';' to the next) that contains 1-based ``line``."""
    lines = sql.splitlines()
    start = line - 1
    while start > 0 and not lines[start - 1].rstrip().endswith(";"):
        start -= 1
    end = line - 1
    while end < len(lines) - 1 and not lines[end].rstrip().endswith(";"):
        end += 1
    return normalise("\n".join(x for x in lines[start : end + 1] if not x.lstrip().startswith("--")))


def findings(cfg: Config, revision: str, down: str | None) -> list[SquawkFinding]:
    """Squawk over the revision's offline SQL, minus the rules the project's policy overrides."""
    sql = render(cfg, revision, down)
    out = []
    for f in migration_safety.run_squawk({revision: sql}):
        rule = f.rule.removeprefix(migration_safety.SQUAWK_PREFIX)
        if rule in migration_safety.SQUAWK_POLICY:
            continue
        match = LINE.search(f.message)
        out.append(SquawkFinding(rule, f.message.split(" (rendered SQL")[0], statement_at(sql, int(match.group(1))) if match else ""))
    return out


def matches(finding: SquawkFinding, executed_sql: str) -> bool:
    """Is this the statement the rehearsal executed? (Offline renders literal binds; compare the head.)"""
    executed = normalise(executed_sql)
    return bool(finding.statement) and (finding.statement[:60] == executed[:60])
