"""``schema rehearse``: rehearse the pending revisions on seeded volume under live traffic.

Runs in a scratch database of its own on the server in use; the database in use is only read
for its revision (what is pending there is what gets rehearsed by default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import typer
from rich.console import Console

from schema import database, migrations
from schema.perf.run import PerfError
from schema.rehearse import notes, remediation, remediation_report, report
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


def write_remediation(run: remediation.RemediationRun, json_file: Path | None, markdown_file: Path | None) -> None:
    """Print, write and judge a remediation rehearsal (exit 1 unless the upgrade reached --to)."""
    out = Console(soft_wrap=True)
    for line in remediation_report.summary(run):
        out.print(line, highlight=False)
    if json_file:
        json_file.write_text(json.dumps(remediation_report.to_json(run), indent=2) + "\n")
    if markdown_file:
        markdown_file.write_text(remediation_report.markdown(run))
    if not run.passed:
        console.print(f"[bold red]remediation rehearsal failed[/]: {run.error or 'the upgrade did not reach ' + run.to_revision}")
        raise typer.Exit(1)
    console.print(f"remediation rehearsal passed: {run.from_revision} -> {run.reached}")


def rehearse_cmd(
    from_revision: str | None = typer.Option(
        None, "--from", help="Start here (default: the revision of the database in use if behind --to, else the revision before --to)."
    ),
    to_revision: str = typer.Option("head", "--to", help="Rehearse up to this revision (or head)."),
    scale: str = typer.Option("small", help=f"Seed scale: {', '.join(scales.SCALES)}."),
    workload: int = typer.Option(4, "--workload", help="Concurrent workload connections."),
    workload_seconds: float = typer.Option(
        1800.0,
        "--workload-seconds",
        help="Stop the workload after this long (it must outlast every revision's up and down: medium scale takes minutes).",
    ),
    json_file: Path | None = typer.Option(None, "--json", help="Write every measurement as JSON here."),
    markdown_file: Path | None = typer.Option(None, "--markdown", help="Write the rehearsal page here."),
    lock_threshold: str = typer.Option("1s", "--lock-threshold", help="Fail a lock that blocks the workload held longer than this."),
    sample_ms: float = typer.Option(15.0, "--sample-ms", help="pg_locks sampling period (ms)."),
    downgrade: bool = typer.Option(True, "--downgrade/--no-downgrade", help="Roll each revision back again."),
    squawk: bool = typer.Option(True, "--squawk/--no-squawk", help="Put Squawk's findings beside the measurements."),
    pages_dir: Path | None = typer.Option(
        None, "--pages", help="Write one page and one JSON per revision here (<rev>.md, <rev>.json): the handbook's Reports > Rehearsals."
    ),
    remediate: bool = typer.Option(
        False,
        "--remediate",
        help="Rehearse the operator's path for old data instead: seed at --from with the "
        "generator of that time (--seed-sql), alembic upgrade --to, run the refusing "
        "revision's REMEDIATION_SQL on each refusal, upgrade again; timed, no workload.",
    ),
    seed_sql: Path | None = typer.Option(
        None,
        "--seed-sql",
        help="With --remediate: a directory of generator SQL files as they were at --from "
        "(e.g. tests/seed_006), replacing today's files of the same name.",
    ),
    render: Path | None = typer.Option(
        None,
        "--render",
        help="Rehearse nothing: render the revision pages of this directory again from their JSON "
        "with the operator notes as they are now (after editing operator_notes.toml).",
    ),
    seed: int = typer.Option(42, "--seed", help="Volume generator seed."),
    as_of: str | None = typer.Option(None, "--as-of", help="Seeded history ends this day (YYYY-MM-DD; default today)."),
) -> None:
    """Apply (and roll back) each revision in a seeded scratch database under live traffic, and judge it."""
    if render is not None:
        try:
            for line in [*report.render_pages(render, notes.load()), *remediation_report.render_pages(render)]:
                console.print(line, highlight=False)
        except (ValueError, OSError) as exc:
            console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1) from None
        return
    try:
        scales.get(scale)
        base = Options(
            to_revision=to_revision,
            scale=scale,
            workload=WorkloadOptions(clients=workload, max_seconds=workload_seconds),
            thresholds=Thresholds(lock_threshold_s=parse_duration(lock_threshold)),
            sample_period_s=sample_ms / 1000,
            downgrade=downgrade,
            squawk=squawk,
            seed=seed,
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
        )
        start = from_revision
        if start is None and to_revision != "head":
            start = pending_from(to_revision, base)
        elif start is None:
            start = pending_from(migrations.head_revision(), base)
        options = dataclasses.replace(base, from_revision=start)
        if remediate:
            if seed_sql is None:
                raise RehearsalError("--remediate needs --seed-sql: the generator files of the --from era")
            remedied = remediation.rehearse_remediation(options, remediation.era_scripts(seed_sql), console=console)
            remedied.seed_sql = seed_sql.as_posix()
            write_remediation(remedied, json_file, markdown_file)
            return
        if seed_sql is not None:
            raise RehearsalError("--seed-sql applies to --remediate only (the traffic rehearsal seeds at head)")
        result = rehearse(options, console=console)
    except (ValueError, RehearsalError, database.DatabaseError, PerfError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    out = Console(soft_wrap=True)
    for line in report.summary(result):
        out.print(line, highlight=False)
    o = result.overhead
    if o is not None:
        out.print(
            f"sampler overhead: {o.alone.ops_per_s:,.0f} -> {o.sampled.ops_per_s:,.0f} queries/s (ratio {o.ratio:.2f})", highlight=False
        )
    if json_file:
        json_file.write_text(json.dumps(report.to_json(result), indent=2) + "\n")
    if markdown_file:
        markdown_file.write_text(report.markdown(result))
    if pages_dir:
        pages_dir.mkdir(parents=True, exist_ok=True)
        for rev, (page, document) in report.pages(result).items():
            (pages_dir / f"{rev}.md").write_text(page)
            (pages_dir / f"{rev}.json").write_text(json.dumps(document, indent=2) + "\n")
        for line in report.render_pages(pages_dir, notes.load()):  # the summary over every page of the folder
            console.print(line, highlight=False)
    if not result.passed:
        console.print("[bold red]rehearsal failed[/]: see the reasons above")
        raise typer.Exit(1)
    console.print(f"rehearsal passed: {', '.join(result.revisions)}")
