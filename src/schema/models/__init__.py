"""Canonical models, one module per domain; importing this package registers every table.

The revisions in alembic/versions are reviewed DDL written from these classes; the
model-vs-DDL test keeps the two equal.
"""

from schema.models import core
from schema.models import quotes  # noqa: F401 - registers the quote system tables
from schema.models import rating  # noqa: F401 - registers the rating engine tables
from schema.models import security  # noqa: F401 - registers the security & compliance tables
from schema.models import analytics  # noqa: F401 - registers the real-time analytics tables
from schema.models import admin  # noqa: F401 - registers the admin system tables
from schema.models.base import Base, metadata

__all__ = ["Base", "metadata", "core"]
