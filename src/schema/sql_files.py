"""The package's SQL files (``src/schema/sql/<folder>/<name>.sql``): the one loader.

The catalog's queries (``catalog``) and the volume generator's statements (``seed``) live in
``.sql`` files, not in Python strings, so they read and diff as SQL; each is read once.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read(folder: str, name: str) -> str:
    """The text of ``sql/<folder>/<name>.sql``; a missing file raises FileNotFoundError naming it."""
    return resources.files("schema").joinpath("sql", folder, f"{name}.sql").read_text()
