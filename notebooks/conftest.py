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
import tempfile
from contextlib import ExitStack

import pytest

from schema import database, migrations
from schema.notebook import EXPORT_DIR_ENV

_session = ExitStack()
_started: list[bool] = []


def _set_env(key: str, value: str) -> None:
    """Set ``key`` for the session; the previous value comes back when it ends."""
    previous = os.environ.get(key)
    os.environ[key] = value
    _session.callback(lambda: os.environ.__setitem__(key, previous) if previous is not None else os.environ.pop(key, None))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _started:
        return
    _started.append(True)
    url = _session.enter_context(migrations.temporary_database(database.resolve().url, "wb_nb"))
    export = _session.enter_context(tempfile.TemporaryDirectory(prefix="wb_nb_docs_"))
    _set_env(database.ENV_VAR, url.render_as_string(hide_password=False))
    _set_env(EXPORT_DIR_ENV, export)


def pytest_sessionfinish(session: pytest.Session) -> None:
    _session.close()
