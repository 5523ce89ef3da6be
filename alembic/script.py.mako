"""${message}

Business purpose: <why the platform needs this change, which rule ids it implements>.

Existing rows: <what happens to rows that break a new rule: the query that finds them, that the
revision refuses to run naming the rule, the count and sample rows, and the reviewed remediation an
operator runs by hand (a constant REMEDIATION_SQL of the revision; once the revision is released, a new
remediation goes to alembic/remediation/<revision>_<rule>.sql, CONTRIBUTING.md); never a silent fix
or delete>.

Lock safety: <NOT VALID then VALIDATE CONSTRAINT; no rewrite under ACCESS EXCLUSIVE; CREATE INDEX
CONCURRENTLY in an autocommit block where a table is large>.

Self-contained: imports only the standard library, sqlalchemy, alembic and schema.revision_ops;
grants, roles, trigger definitions and function bodies are constants below (CONTRIBUTING.md).

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


class Step(NamedTuple):
    """One reviewed statement of this revision and the one that undoes it (downgrade runs them in
    reverse order)."""

    upgrade: str
    downgrade: str


# Constants first, in the order upgrade() uses them.
STEPS: tuple[Step, ...] = ()


def upgrade() -> None:
    ${upgrades if upgrades else "for step in STEPS:\n        op.execute(step.upgrade)"}


def downgrade() -> None:
    ${downgrades if downgrades else "for step in reversed(STEPS):\n        op.execute(step.downgrade)"}
