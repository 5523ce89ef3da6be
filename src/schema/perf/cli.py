"""``schema perf``: prove on seeded data that every query pattern uses its index, and what it buys."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console

from schema import catalog, database, machine, migrations
from schema.perf import report
from schema.perf.patterns import PATTERNS
from schema.perf.run import PatternResult, PerfError, round_trip_ms, run

console = Console(stderr=True)


def row_counts(conn: sa.Connection, tables: list[str]) -> dict[str, int]:
    counts = {t: int(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables}
    conn.commit()
    return counts


def index_names(conn: sa.Connection) -> set[str]:
    """Every index of the schema at head: the report links only to indexes the handbook documents."""
    return {i.name for t in catalog.read(conn).tables.values() for i in t.indexes}


def print_results(results: list[PatternResult], out: Console) -> None:
    """One line per pattern (readable in a narrow terminal and a CI log), problems indented below."""
    for r in results:
        timing = "" if r.speedup is None else f"  {r.ms_with:.3f} ms / {r.ms_without:.3f} ms = {r.speedup:.1f}x"
        pruned = "" if r.pruned is None else f"  pruned {r.partitions_read}/{r.partitions_total}"
        mark = "ok  " if r.ok else "FAIL"
        out.print(f"{mark} {r.pattern}: {r.index or '-'} {r.choice}{pruned}{timing}", highlight=False)
        for problem in r.problems:
            out.print(f"       {problem}", highlight=False, style="red")


def perf(
    json_file: Path | None = typer.Option(None, "--json", help="Write the results as a JSON list here."),
    markdown_file: Path | None = typer.Option(None, "--markdown", help="Write the handbook page here."),
    plans_only: bool = typer.Option(False, "--plans-only", help="Check plan shapes only; no timings."),
    allow_usable: bool = typer.Option(
        False,
        "--allow-usable",
        help="Accept an index the planner uses only with enable_seqscan=off (reported as 'usable'; for small scale).",
    ),
    require_speedup: bool = typer.Option(
        False, "--require-speedup", help="Fail when a timed pattern is under 10x and documents no reason."
    ),
    repeats: int = typer.Option(5, help="Timed runs per pattern with its index (half as many without)."),
    pattern: list[str] = typer.Option([], "--pattern", help="Only these patterns (repeatable)."),
    from_json: Path | None = typer.Option(
        None,
        "--from-json",
        help="Measure nothing: re-render the results table of the --markdown page from this committed JSON (after a layout change).",
    ),
) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) every query pattern on seeded data, then time it with and without its index.

    Drops each index inside a transaction and rolls back: run it on a seeded scratch database.
    """
    if from_json is not None:
        if markdown_file is None or not markdown_file.is_file():
            console.print("[bold red]error:[/] --from-json re-renders an existing page: give it with --markdown")
            raise typer.Exit(1)
        rows = json.loads(from_json.read_text(encoding="utf-8"))
        try:
            with database.connect(database.resolve().url) as conn:
                migrations.require_head(conn)
                indexes = index_names(conn)
        except database.DatabaseError as exc:
            console.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1) from None
        markdown_file.write_text(report.retable(markdown_file.read_text(encoding="utf-8"), rows, indexes), encoding="utf-8")
        console.print(f"{markdown_file}: results table re-rendered from {from_json} ({len(rows)} patterns)")
        return
    chosen = [p for p in PATTERNS if not pattern or p.name in pattern]
    unknown = set(pattern) - {p.name for p in PATTERNS}
    if unknown:
        console.print(f"[bold red]error:[/] unknown pattern(s): {', '.join(sorted(unknown))}")
        raise typer.Exit(1)
    try:
        target = database.resolve()
        eng = database.engine(target.url)
        database.check_server(eng)
        console.print(f"database: {target}")
        with eng.connect() as conn:
            migrations.require_head(conn)
            conn.commit()
            results = run(
                conn,
                chosen,
                plans_only=plans_only,
                allow_usable=allow_usable,
                repeats=repeats,
                progress=lambda p: console.print(f"  {p.name}", highlight=False),
            )
            counts = row_counts(conn, sorted({p.table for p in chosen}))
            round_trip = round_trip_ms(conn)
            info = machine.describe(conn)
            indexes = index_names(conn)
        eng.dispose()
    except (database.DatabaseError, PerfError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    print_results(results, Console(soft_wrap=True))
    if json_file:
        json_file.write_text(json.dumps(report.to_json(results), indent=2) + "\n")
    if markdown_file:
        context = {
            "mode": "plans only" if plans_only else "plans and timings",
            "rows": ", ".join(f"{t} {n:,}" for t, n in counts.items()),
            "client round trip (SELECT 1, median, not in the timings)": f"{round_trip:.3f} ms",
        }
        markdown_file.write_text(
            report.markdown(results, title="Query patterns and their indexes", context=context, machine_info=info, indexes=indexes)
        )
    failed = [r for r in results if not r.ok]
    slow = [r for r in results if require_speedup and r.meets_target is False]
    for r in slow:
        console.print(f"[red]{r.pattern}: {r.speedup:.1f}x with {r.index}, under 10x and no documented reason[/]")
    if failed or slow:
        console.print(f"[bold red]{len(failed)} pattern(s) failed the plan check, {len(slow)} under target[/]")
        raise typer.Exit(1)
    console.print(f"{len(results)} patterns: every plan uses its index" + ("" if plans_only else ", timings above"))
