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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

from schema.docs import markdown as md

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


def render(docs_dir: Path) -> dict[str, str]:
    """Every chart, by path relative to docs/, from the JSON committed under ``docs_dir``."""
    return {QUERY_PATTERNS_CHART: query_patterns_svg(load_timings(docs_dir / PERFORMANCE_JSON))}
