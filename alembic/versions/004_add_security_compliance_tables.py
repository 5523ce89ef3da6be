"""Security and compliance tables.

Business purpose: PLACEHOLDER while the domain is written; keeps the revision chain linear.

Revision ID: 004
Revises: 003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "004"
down_revision: str | None = "003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
