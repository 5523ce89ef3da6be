"""Charts of the handbook's measured reports, drawn by `schema docs` from the committed JSON.

The numbers are measured by other commands (``schema perf --json docs/reports/performance.json``
at full scale) and committed; the charts are derived from those files, so they are generated
like every other page: ``schema docs`` writes them, the drift test fails when a committed chart
no longer matches its JSON. matplotlib's SVG is made byte-stable: a fixed ``svg.hashsalt`` (the
ids of clip paths), no date and no creator version in the metadata, text kept as text
(``svg.fonttype: none``, so no glyph outlines that depend on the installed fonts).

Each chart carries its alt text twice: as the SVG's ``<title>``/``<desc>`` (screen readers opening
the file) and in the Markdown snippet that embeds it (``![alt](...)``).
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from schema import machine
from schema.docs import markdown as md
from schema import bench_json
from schema.seed import partition_counts

PERFORMANCE_JSON = "reports/performance.json"
# The chart of the query-pattern timings, next to the report page (docs/reports/performance.md),
# which embeds it with its alt text (schema.perf.report).
REPORT_CHART = "charts/query_patterns.svg"
QUERY_PATTERNS_CHART_ALT = (
    "Bar chart, log scale: for each query pattern, grouped by table, the time in milliseconds "
    "with its index (blue) and without it (orange), with the speed-up written beside"
)


def chart_snippet(alt: str, src: str) -> str:
    """The Markdown that embeds a chart: an image with its alt text, scaled to the column."""
    return f"![{alt}]({src}){{ .handbook-chart }}"


QUERY_PATTERNS_CHART = f"reports/{REPORT_CHART}"

# Byte-stable SVG (see the module docstring). Applied with rc_context around each drawing, so
# the notebooks' own matplotlib settings are left alone.
SVG_RC: dict[str, Any] = {
    "svg.hashsalt": "schema-handbook",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SVG_METADATA = {"Date": None, "Creator": None}
WITH_COLOUR = "#2563eb"
WITHOUT_COLOUR = "#f59e0b"
# matplotlib writes a DOCTYPE naming the W3C's DTD; browsers ignore it and the handbook names no
# other host, so it is dropped, and the generated-file marker takes its place on line 2.
DOCTYPE = re.compile(r'<!DOCTYPE svg PUBLIC "[^"]*"\s*"[^"]*">\n')


class ChartError(RuntimeError):
    """A committed report the charts cannot be drawn from (missing, or not what the command writes)."""


@dataclass(frozen=True)
class Timing:
    pattern: str
    table: str
    ms_with: float
    ms_without: float
    speedup: float


def load_timings(path: Path) -> list[Timing]:
    """The patterns of a committed ``schema perf --json`` file timed with and without an index, in
    the report's order (a pattern served by no index, such as a scan of a tiny catalog table, has
    nothing to compare and is left out of the chart; the report's table lists it)."""
    if not path.is_file():
        raise ChartError(f"{path} is missing: run `schema perf --json {PERFORMANCE_JSON}` on full-scale data and commit it")
    rows = json.loads(path.read_text(encoding="utf-8"))
    try:
        timed = [
            Timing(r["pattern"], r["table"], float(r["ms_with"]), float(r["ms_without"]), float(r["speedup"]))
            for r in rows if r["ms_with"] is not None and r["ms_without"] is not None
        ]
    except (KeyError, TypeError) as exc:
        raise ChartError(f"{path} is not what `schema perf --json` writes: {exc!r}") from exc
    if not timed:
        raise ChartError(f"{path} holds no timed pattern: run `schema perf` in timing mode (not --plans-only)")
    return timed


def by_table(timings: list[Timing]) -> list[Timing]:
    """Grouped by table (tables in the order they first appear, patterns in the report's order)."""
    order = list(dict.fromkeys(t.table for t in timings))
    return sorted(timings, key=lambda t: order.index(t.table))


def _svg(fig: Figure, alt: str, description: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={**SVG_METADATA, "Title": alt, "Description": description})
    text = DOCTYPE.sub("", buffer.getvalue())
    head, newline, rest = text.partition("\n")
    if not head.startswith("<?xml"):
        raise ChartError(f"matplotlib wrote an unexpected SVG header: {head[:60]!r}")
    return f"{head}{newline}{md.MD_MARKER_LINE}\n{rest}"




def query_patterns_svg(timings: list[Timing]) -> str:
    """Horizontal bars, two per pattern (with and without the index), log-scale milliseconds."""
    rows = by_table(timings)
    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]  # matplotlib types the keys as a Literal of every rc name
        height = 0.8 + 0.26 * len(rows)
        fig = Figure(figsize=(8.5, height))
        ax = fig.add_subplot()
        positions = list(range(len(rows)))
        ax.barh([p - 0.2 for p in positions], [r.ms_with for r in rows], height=0.38, color=WITH_COLOUR, label="with the index")
        ax.barh([p + 0.2 for p in positions], [r.ms_without for r in rows], height=0.38, color=WITHOUT_COLOUR, label="without the index")
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.set_yticks(positions, [f"{r.table} · {r.pattern}" for r in rows], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("milliseconds (log scale): planning + execution, median")
        ax.grid(axis="x", which="major", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        right = max(r.ms_without for r in rows) * 40
        ax.set_xlim(min(r.ms_with for r in rows) / 2, right)
        for p, r in zip(positions, rows):
            ax.text(max(r.ms_with, r.ms_without) * 1.3, p, f"{r.speedup:g}x", va="center", fontsize=6.5, color="#374151")
        # A thin line between tables, so the groups read as groups.
        for p in range(1, len(rows)):
            if rows[p].table != rows[p - 1].table:
                ax.axhline(p - 0.5, color="#9ca3af", linewidth=0.5)
        ax.legend(loc="lower right", frameon=False)
        ax.set_title("Query patterns: time with and without their index (full scale)", loc="left")
        fig.tight_layout()
        return _svg(fig, "Query patterns: time with and without their index", QUERY_PATTERNS_CHART_ALT)


# --- benchmark comparisons: one grouped bar chart per docs/reports/benchmarks/*.json ------------

# The Benchmarks page (hand-written) carries the charts between these markers; `schema docs`
# fills them (schema.docs.generate.fill), the drift test compares the filled page.
BENCHMARKS_PAGE = "reports/benchmarks.md"
BENCHMARK_CHART = "reports/charts/benchmark_{stem}.svg"
# Series colours in order: the first is the baseline's (blue, as "with the index" above).
SERIES_COLOURS = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#6b7280")


def load_benchmark(path: Path) -> bench_json.BenchmarkResult:
    """A committed benchmark result, or ChartError naming the file and what is wrong with it."""
    try:
        result = bench_json.load(path)
    except bench_json.BenchmarkFileError as exc:
        raise ChartError(f"benchmark result {exc} (the format: schema.perf.bench_json; re-run the script with --json)") from None
    if len(result.series) > len(SERIES_COLOURS):
        raise ChartError(f"{path}: {len(result.series)} series, the chart has colours for {len(SERIES_COLOURS)}")
    return result


def number(value: float) -> str:
    """A measurement as a bar's label: thousands separated, three significant digits below 100."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def benchmark_alt(result: bench_json.BenchmarkResult) -> str:
    """The chart's alt text: what it shows and every number it shows (a screen reader gets the data)."""
    groups = "; ".join(f"{g.label}: " + ", ".join(f"{s} {number(v)}" for s, v in g.values.items()) for g in result.groups)
    return f"Bar chart, {result.scale} scale, {result.unit}: {result.title}. {groups}"


def benchmark_svg(result: bench_json.BenchmarkResult) -> str:
    """Horizontal bars, one cluster per group and one bar per series, each bar labelled with its value."""
    series = result.series
    height_of_bar = 0.8 / len(series)
    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]  # see query_patterns_svg
        fig = Figure(figsize=(8.5, 1.2 + 0.22 * len(series) * len(result.groups) + 0.12 * len(result.groups)))
        ax = fig.add_subplot()
        positions = list(range(len(result.groups)))
        for k, (name, colour) in enumerate(zip(series, SERIES_COLOURS)):
            offset = -0.4 + height_of_bar * (k + 0.5)
            bars = [(p + offset, g.values[name]) for p, g in zip(positions, result.groups) if name in g.values]
            ax.barh([y for y, _ in bars], [v for _, v in bars], height=height_of_bar * 0.92, color=colour, label=name)
            for y, v in bars:
                ax.text(v, y, f" {number(v)}", va="center", fontsize=6.5, color="#374151")
        values = [v for g in result.groups for v in g.values.values()]
        if result.scale == "log":
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10))
            ax.set_xlim(min(values) / 2, max(values) * 6)
        else:
            ax.set_xlim(0, max(values) * 1.18)
        ax.set_yticks(positions, [g.label for g in result.groups], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xlabel(f"{result.unit}" + (" (log scale)" if result.scale == "log" else ""))
        ax.grid(axis="x", which="major", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right", frameon=False, fontsize=7.5)
        ax.set_title(result.title, loc="left", fontsize=9)
        fig.tight_layout()
        return _svg(fig, result.title, benchmark_alt(result))


def benchmark_results(docs_dir: Path) -> dict[str, bench_json.BenchmarkResult]:
    """Every committed benchmark result under ``docs_dir``, by file stem, in name order."""
    folder = docs_dir / bench_json.BENCHMARKS_DIR
    return {path.stem: load_benchmark(path) for path in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def benchmarks_section(results: dict[str, bench_json.BenchmarkResult]) -> str:
    """What `schema docs` writes between the Benchmarks page's markers: each chart with its caption
    (the notes, the date, the exact command, the machine) and where its numbers are committed."""
    if not results:
        return f"No benchmark result is committed yet (`docs/{bench_json.BENCHMARKS_DIR}/*.json`, written by the scripts' `--json`)."
    blocks = []
    for stem, r in results.items():
        machine = ", ".join(f"{k} {v}" for k, v in r.machine.items() if k in ("cpu", "cores", "memory", "postgres server_version"))
        src = posixpath.relpath(BENCHMARK_CHART.format(stem=stem), posixpath.dirname(BENCHMARKS_PAGE))
        blocks.append("\n\n".join([
            f"### {md.text(r.title)}",
            chart_snippet(benchmark_alt(r), src),
            f"{md.text(r.notes)} Measured {r.measured_at.isoformat()} with {md.code(r.command)} on {md.text(machine)}; "
            f"numbers in {md.code(f'docs/{bench_json.BENCHMARKS_DIR}/{stem}.json')}.",
        ]))
    return "\n\n".join(blocks)


# --- rows per monthly partition at full scale (schema.seed.partition_counts) -------------------

PARTITIONS_PAGE = "reports/partitions.md"
PARTITIONS_CHART = "reports/charts/partitions.svg"


def load_partitions(path: Path) -> partition_counts.PartitionsReport:
    try:
        return partition_counts.load(path)
    except partition_counts.PartitionCountError as exc:
        raise ChartError(str(exc)) from None


def partitions_alt(report: partition_counts.PartitionsReport) -> str:
    tables = " and ".join(s.table for s in report.streams)
    return (
        f"Bar chart, linear scale: rows of each monthly partition of {tables} at {report.scale} scale, "
        f"{report.months[0]} to {report.months[-1]}, computed from the volume generator's time function, not counted in a seeded database"
    )


def partitions_svg(report: partition_counts.PartitionsReport) -> str:
    """Vertical bars, one cluster per month, one bar per table."""
    months = report.months
    width = 0.8 / len(report.streams)
    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]  # see query_patterns_svg
        fig = Figure(figsize=(8.5, 3.6))
        ax = fig.add_subplot()
        positions = list(range(len(months)))
        for k, (stream, colour) in enumerate(zip(report.streams, SERIES_COLOURS)):
            offset = -0.4 + width * (k + 0.5)
            ax.bar([p + offset for p in positions], [stream.months.get(m, 0) for m in months], width=width * 0.92, color=colour, label=stream.table)
        ax.set_xticks(positions, months, fontsize=6.5, rotation=60, ha="right")
        ax.set_ylabel("rows in the partition")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", frameon=False, fontsize=7.5)
        ax.set_title(f"{report.title} (computed from the generator, not seeded)", loc="left", fontsize=9)
        fig.tight_layout()
        return _svg(fig, report.title, partitions_alt(report))


def partitions_page(report: partition_counts.PartitionsReport) -> str:
    """The handbook page: how the counts were obtained (said plainly), the chart, the table, the machine."""
    src = posixpath.relpath(PARTITIONS_CHART, posixpath.dirname(PARTITIONS_PAGE))
    rows = [
        [m, *(f"{s.months[m]:,}" if m in s.months else "0" for s in report.streams)]
        for m in report.months
    ]
    rows.append(["**total**", *(f"**{s.rows:,}**" for s in report.streams)])
    return "\n\n".join([
        f"# {md.text(report.title)}",
        md.MD_MARKER_LINE,
        "!!! note \"Computed from the generator's distribution, not counted in a seeded database\"\n"
        f"    No {report.scale}-scale database was seeded for these counts (a full-scale seed takes over "
        "an hour on the shared machine): they are "
        f"{md.text(report.method)}. The volume generator places row *n* of a stream at a deterministic time "
        "(`pg_temp.spread_time`, `src/schema/sql/seed/_session.sql`), so evaluating that same function over the "
        "full-scale row numbers and grouping by UTC month, the partitions' bounds, gives the rows each partition "
        "would hold. `tests/test_seed_volume.py` proves the computation equal to the per-partition counts of a "
        "seeded small database.",
        f"Scale {md.code(report.scale)}, seed {report.seed}, history ending {report.as_of.isoformat()} (the as-of date: "
        "the 730 days before it, more recent days denser, so the first month is partial and the as-of month holds only "
        f"the days before the as-of date). Computed {report.computed_at.isoformat()} with {md.code(report.command)}.",
        chart_snippet(partitions_alt(report), src),
        md.table(["month (UTC)", *(f"{md.code(s.table)} rows" for s in report.streams)], rows),
        "Computed on:",
        machine.markdown(report.machine).strip(),
    ]) + "\n"


def render(docs_dir: Path) -> dict[str, str]:
    """Every chart (and the partitions page), by path relative to docs/, from the JSON committed under ``docs_dir``."""
    charts = {QUERY_PATTERNS_CHART: query_patterns_svg(load_timings(docs_dir / PERFORMANCE_JSON))}
    charts.update({BENCHMARK_CHART.format(stem=stem): benchmark_svg(r) for stem, r in benchmark_results(docs_dir).items()})
    partitions = load_partitions(docs_dir / partition_counts.PARTITIONS_JSON)
    charts[PARTITIONS_CHART] = partitions_svg(partitions)
    charts[PARTITIONS_PAGE] = partitions_page(partitions)
    return charts
