"""nbmake runs the notebooks against a fresh database of their own, never the developer's.

Notebook items are not pytest functions, so fixtures do not reach them; hooks do. Before the first
notebook's kernel starts, a database ``wb_nb_<pid>_<random>`` is created on the server
schema.database resolves, and ``DATABASE_URL`` points at it (kernels inherit the environment):
the first notebook brings it to head and seeds it, as it would an empty database of yours. The
handbook export goes to a temporary folder, so running the notebooks never rewrites docs/. The
database is dropped when the session ends, whatever happened.
"""

from __future__ import annotations

import os
import secrets
import tempfile

import pytest
from sqlalchemy.engine import URL

from schema import database
from schema.notebook import EXPORT_DIR_ENV

_fresh: dict[str, object] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _fresh:
        return
    server: URL = database.resolve().url
    name = f"wb_nb_{os.getpid()}_{secrets.token_hex(3)}"
    url = database.create_database(server, name)
    export = tempfile.TemporaryDirectory(prefix="wb_nb_docs_")
    _fresh.update(server=server, name=name, export=export,
                  saved={k: os.environ.get(k) for k in (database.ENV_VAR, EXPORT_DIR_ENV)})
    os.environ[database.ENV_VAR] = url.render_as_string(hide_password=False)
    os.environ[EXPORT_DIR_ENV] = export.name


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _fresh:
        return
    for key, value in _fresh["saved"].items():  # type: ignore[union-attr]
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    database.drop_database(_fresh["server"], _fresh["name"])  # type: ignore[arg-type]
    _fresh["export"].cleanup()  # type: ignore[union-attr]
    _fresh.clear()
