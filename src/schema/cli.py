"""The ``schema`` command: one entry point for the workbench's jobs.

Each sub-command is a thin shell over a module of the package, so notebooks and tests call the
same functions the operator runs.
"""

from __future__ import annotations

import os
import sys
import time

import typer
from rich.console import Console

from schema import database, migrations
from schema.docs import cli as docs_cli
from schema.drill_cli import app as drill_app
from schema.history_cli import app as history_app
from schema.history_cli import dump_command
from schema.keys_cli import app as keys_app
from schema.lint.cli import app as lint_app
from schema.partitions_cli import app as partitions_app
from schema.perf import cli as perf_cli
from schema.rehearse import cli as rehearse_cli
from schema.seed.cli import app as seed_app

app = typer.Typer(help="Insurance schema workbench: database, migrations, lint, docs, profile.", no_args_is_help=True)
db_app = typer.Typer(help="The database every command uses (DATABASE_URL, else the embedded server).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(partitions_app, name="partitions")
app.add_typer(lint_app, name="lint")
app.add_typer(seed_app, name="seed")
app.command("docs")(docs_cli.docs)
app.command("handbook")(docs_cli.handbook)
app.command("perf")(perf_cli.perf)
app.command("dump")(dump_command)
app.add_typer(history_app, name="history")
app.command("rehearse")(rehearse_cli.rehearse_cmd)
app.add_typer(drill_app, name="drill")
app.add_typer(keys_app, name="keys")

console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error and return the exit to raise."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@db_app.command("url")
def db_url(show_password: bool = typer.Option(False, help="Print the password instead of ***.")) -> None:
    """Print the URL in use (embedded server started if needed)."""
    try:
        target = database.resolve()
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    print(target.url.render_as_string(hide_password=not show_password))


@db_app.command("start")
def db_start() -> None:
    """Start the database in use and check it is reachable and new enough."""
    started = time.monotonic()
    try:
        target = database.resolve()
        eng = database.engine(target.url)
        version = database.check_server(eng)
        eng.dispose()
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    console.print(f"PostgreSQL {version // 10000}.{version % 10000} ready at {target} in {time.monotonic() - started:.2f}s")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded server (a DATABASE_URL server is not ours to stop)."""
    if os.environ.get(database.ENV_VAR):
        raise fail(f"{database.ENV_VAR} is set: that server is not managed by the workbench")
    console.print("stopped" if database.stop_embedded() else "embedded server was not running")


@db_app.command("status")
def db_status() -> None:
    """Say which database is in use and whether it runs, and its migration revision."""
    if os.environ.get(database.ENV_VAR):
        target = database.Target(database.to_sqlalchemy_url(os.environ[database.ENV_VAR]), database.ENV_VAR)
        console.print(f"database: {target}")
    else:
        state = database.embedded_status()
        console.print(f"embedded server in {database.pgdata_dir()}: {state}")
        if state != "running":
            return
        target = database.resolve()
    try:
        with database.connect(target.url) as conn:
            current = migrations.current_revision(conn)
    except database.DatabaseError as exc:
        raise fail(str(exc)) from None
    console.print(f"revision: {current or 'none (empty database)'}; head: {migrations.head_revision()}")


@db_app.command("reset")
def db_reset(yes: bool = typer.Option(False, "--yes", help="Confirm deleting the embedded data.")) -> None:
    """Delete the embedded server's data; the next command starts from an empty database."""
    if os.environ.get(database.ENV_VAR):
        raise fail(f"{database.ENV_VAR} is set: reset only manages the embedded server")
    if not yes:
        raise fail("reset deletes every row of the embedded database; run again with --yes")
    database.reset_embedded()
    console.print(f"deleted {database.pgdata_dir()}")


def main() -> None:  # pragma: no cover - console-script entry
    sys.exit(app())
