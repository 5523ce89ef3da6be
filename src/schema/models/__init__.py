"""Canonical models, one module per domain; importing this package registers every table.

The revisions in alembic/versions are reviewed DDL written from these classes; the
model-vs-DDL test keeps the two equal.
"""

from schema.models import (
    admin,  # noqa: F401 - registers the admin system tables
    analytics,  # noqa: F401 - registers the real-time analytics tables
    core,
    quotes,  # noqa: F401 - registers the quote system tables
    rating,  # noqa: F401 - registers the rating engine tables
    security,  # noqa: F401 - registers the security & compliance tables
)
from schema.models.base import Base, metadata

__all__ = ["Base", "core", "metadata"]
