"""``schema partitions``: run the partition maintenance job by hand or from cron."""

from __future__ import annotations

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from schema import database, partitions

app = typer.Typer(help="Monthly partitions of audit_logs and analytics_events.", no_args_is_help=True)
console = Console()


@app.command("maintain")
def maintain(dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be done and change nothing.")) -> None:
    """Create partitions ahead, move rows out of DEFAULT, detach partitions past retention."""
    try:
        actions = partitions.maintain_database(dry_run=dry_run)
    except database.DatabaseError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except sa.exc.DBAPIError as exc:  # the function's own errors name the table and the rule
        console.print(f"[bold red]error:[/] partition maintenance failed, nothing was changed: {exc.orig}")
        raise typer.Exit(1) from None
    verb = "would do" if dry_run else "did"
    if not actions:
        console.print(f"partition maintenance: nothing to do ({'dry run' if dry_run else 'all partitions in place'})")
        return
    table = Table("table", "action", "partition", "detail", title=f"partition maintenance {verb}")
    for a in actions:
        table.add_row(a.parent_table, a.action, a.partition, a.detail)
    console.print(table)
