"""What PostgreSQL raises for each kind of refusal, on every server version the project supports.

Applications tell a business refusal from a bug by the SQLSTATE class (23, integrity constraint
violation); within the class the exact code may move between versions, and where it does, this is
the one place that says so.
"""

from __future__ import annotations

import psycopg.errors

# Deleting a row that an ON DELETE RESTRICT foreign key still references: PostgreSQL 15-17 report
# foreign_key_violation (23503), PostgreSQL 18 reports restrict_violation (23001). Both name the
# constraint in diag.constraint_name.
RESTRICT_REFUSALS: tuple[type[psycopg.Error], ...] = (
    psycopg.errors.ForeignKeyViolation,
    psycopg.errors.RestrictViolation,
)
