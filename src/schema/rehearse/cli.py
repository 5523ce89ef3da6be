"""``schema rehearse``: rehearse the pending revisions on seeded volume under live traffic.

Runs in a scratch database of its own on the server in use; the database in use is only read
for its revision (what is pending there is what gets rehearsed by default).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import typer
from rich.console import Console

from schema import database, migrations
from schema.perf.run import PerfError
from schema.rehearse import report
from schema.rehearse.runner import Options, RehearsalError, is_ancestor, rehearse
from schema.rehearse.verdicts import Thresholds
from schema.rehearse.workload import WorkloadOptions
from schema.seed import scales

console = Console(stderr=True)
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$")


def parse_duration(text: str) -> float:
    """'1s', '250ms', '2min', '0' -> seconds."""
    match = DURATION.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration (e.g. 1s, 250ms, 2min)")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"ms": 0.001, "s": 1.0, "min": 60.0}[unit]


def pending_from(to: str, options: Options) -> str | None:
    """The revision of the database in use, when ``to`` is ahead of it: its pending revisions start there."""
    try:
        with database.connect(database.resolve().url) as conn:
            current = migrations.current_revision(conn)
    except database.DatabaseError:
        return None
    if current is None or current == to:
        return None
    return current if is_ancestor(options, current, to) else None


def rehearse_cmd(
    from_revision: str | None = typer.Option(
        None, "--from", help="Start here (default: the revision of the database in use if behind --to, "
                             "else the revision before --to)."),
    to_revision: str = typer.Option("head", "--to", help="Rehearse up to this revision (or head)."),
    scale: str = typer.Option("small", help=f"Seed scale: {', '.join(scales.SCALES)}."),
    workload: int = typer.Option(4, "--workload", help="Concurrent workload connections."),
    json_file: Path | None = typer.Option(None, "--json", help="Write every measurement as JSON here."),
    markdown_file: Path | None = typer.Option(None, "--markdown", help="Write the rehearsal page here."),
    lock_threshold: str = typer.Option("1s", "--lock-threshold",
                                       help="Fail a lock that blocks the workload held longer than this."),
    sample_ms: float = typer.Option(15.0, "--sample-ms", help="pg_locks sampling period (ms)."),
    downgrade: bool = typer.Option(True, "--downgrade/--no-downgrade", help="Roll each revision back again."),
    squawk: bool = typer.Option(True, "--squawk/--no-squawk", help="Put Squawk's findings beside the measurements."),
) -> None:
    """Apply (and roll back) each revision in a seeded scratch database under live traffic, and judge it."""
    try:
        scales.get(scale)
        base = Options(to_revision=to_revision, scale=scale, workload=WorkloadOptions(clients=workload),
                       thresholds=Thresholds(lock_threshold_s=parse_duration(lock_threshold)),
                       sample_period_s=sample_ms / 1000, downgrade=downgrade, squawk=squawk)
        start = from_revision
        if start is None and to_revision != "head":
            start = pending_from(to_revision, base)
        elif start is None:
            start = pending_from(migrations.head_revision(), base)
        options = dataclasses.replace(base, from_revision=start)
        result = rehearse(options, console=console)
    except (ValueError, RehearsalError, database.DatabaseError, PerfError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    out = Console(soft_wrap=True)
    for line in report.summary(result):
        out.print(line, highlight=False)
    o = result.overhead
    if o is not None:
        out.print(f"sampler overhead: {o.alone.ops_per_s:,.0f} -> {o.sampled.ops_per_s:,.0f} queries/s "
                  f"(ratio {o.ratio:.2f})", highlight=False)
    if json_file:
        json_file.write_text(json.dumps(report.to_json(result), indent=2) + "\n")
    if markdown_file:
        markdown_file.write_text(report.markdown(result))
    if not result.passed:
        console.print("[bold red]rehearsal failed[/]: see the reasons above")
        raise typer.Exit(1)
    console.print(f"rehearsal passed: {', '.join(result.revisions)}")
