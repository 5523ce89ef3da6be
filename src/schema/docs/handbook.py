"""``schema handbook``: migrate the database to head, regenerate docs/, serve the site.

The steps run in the order ``make handbook`` promises (README): migrate, seed, regenerate,
serve. There is no seed step yet: when the seed helper lands, its entry point is called in
``prepare`` between the migration and the regeneration (marked below), so the handbook documents
a database that holds the seeded rate tables. mkdocs serve runs in the foreground until Ctrl-C.
"""

from __future__ import annotations

import subprocess
import sys

from schema import database, migrations
from schema.docs import generate
from schema.seed import rates


def prepare() -> list[str]:
    """Bring the resolved database to head and regenerate docs/; returns what changed in docs/."""
    url = database.resolve().url
    migrations.upgrade("head", url=url)
    # The CA/TX/NY rate tables and discount rules: idempotent, so a second `make handbook` says
    # "no change". Volume data is left to `schema seed volume`: the handbook documents the
    # schema, and its pages do not depend on rows.
    rates.run(url=url)
    return generate.generate_docs(url=url)


def serve_command(host: str, port: int) -> list[str]:
    root = database.project_root()
    return [sys.executable, "-m", "mkdocs", "serve", "--config-file", str(root / "mkdocs.yml"), "--dev-addr", f"{host}:{port}"]


def serve(host: str, port: int) -> int:
    """Run mkdocs serve until it stops; its exit code."""
    return subprocess.call(serve_command(host, port), cwd=database.project_root())
