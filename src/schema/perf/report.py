"""The perf run as JSON (for machines and CI) and as Markdown (for the handbook)."""

from __future__ import annotations

from typing import Any

from schema import machine
from schema.docs.charts import QUERY_PATTERNS_CHART_ALT, REPORT_CHART, chart_snippet
from schema.docs.markdown import code, details, href
from schema.docs.site import index_anchor, model_domains, table_page_path
from schema.perf.run import SPEEDUP_TARGET, PatternResult

# Where the handbook keeps this report (docs/reports/performance.md): its links to the table pages
# are relative to it, and the table pages link back to its rows (schema.docs.pages).
HANDBOOK_PAGE = "reports/performance.md"
# A plan of more nodes than this is folded in <details> (its top node shows), so the row stays one line.
PLAN_NODES_SHOWN = 2


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def to_json(results: list[PatternResult]) -> list[dict[str, Any]]:
    """One object per pattern; the first seven keys are the contract (tests/test_perf.py JSON_CONTRACT), the rest explain them."""
    return [
        {
            "pattern": r.pattern,
            "index": r.index,
            "uses_index": r.uses_index,
            "pruned": r.pruned,
            "ms_with": _round(r.ms_with),
            "ms_without": _round(r.ms_without),
            "speedup": _round(r.speedup, 1),
            "choice": r.choice,
            "table": r.table,
            "title": r.title,
            "plan": r.plan,
            "indexes_seen": r.indexes_seen,
            "partitions_read": r.partitions_read,
            "partitions_total": r.partitions_total,
            "params": r.params,
            "meets_target": r.meets_target,
            "speedup_note": r.speedup_note,
            "why_no_index": r.why_no_index,
            "problems": r.problems,
        }
        for r in results
    ]


def _cell(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _plan(plan: str) -> str:
    nodes = plan.split(" > ")
    if len(nodes) <= PLAN_NODES_SHOWN:
        return plan
    return details(" > ".join(nodes[:PLAN_NODES_SHOWN]) + " > …", plan)


def _index_link(row: dict[str, Any], domains: dict[str, str], indexes: set[str]) -> str:
    """The index, linked to its row on its table's handbook page (which links back to this row).
    An index the schema at head no longer has (renamed or replaced since the measurement) is named
    as such: the row's numbers are of that index, and the pattern is due to be measured again."""
    if not row["index"]:
        return "none"
    if row["index"] not in indexes:
        return f"{code(row['index'])} (not in the schema at head: measured before it changed; run `schema perf` again)"
    if row["table"] not in domains:
        return code(row["index"])
    target = href(HANDBOOK_PAGE, table_page_path(domains[row["table"]], row["table"]), index_anchor(row["index"]))
    return f"[{code(row['index'])}]({target})"


def _json_target(row: dict[str, Any]) -> str:
    if row["meets_target"] is None:
        return ""
    if row["speedup"] is not None and row["speedup"] >= SPEEDUP_TARGET:
        return "yes"
    return "documented" if row["speedup_note"] else "NO"


def results_table(rows: list[dict[str, Any]], *, timed: bool, indexes: set[str]) -> list[str]:
    """The report's table from its JSON rows: what a reader compares first (pattern, speed-up, the two
    times) leads, the plan details follow. Each pattern cell is the row's anchor (#<pattern>)."""
    domains = model_domains()
    header = ["pattern"]
    if timed:
        header += ["speed-up", "ms with", "ms without"]
    header += ["table", "index", "index use", "pruning", "plan"]
    if timed:
        header.append(f">= {SPEEDUP_TARGET:.0f}x")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [code(row["pattern"], row["pattern"])]
        if timed:
            speedup = row["speedup"]
            cells += [
                _cell(speedup, ".1f") + ("x" if speedup is not None else ""),
                _cell(row["ms_with"], ".3f"),
                _cell(row["ms_without"], ".3f"),
            ]
        pruning = (
            "" if row["pruned"] is None else f"{'yes' if row['pruned'] else 'NO'} ({row['partitions_read']}/{row['partitions_total']})"
        )
        cells += [row["table"], _index_link(row, domains, indexes), row["choice"], pruning, _plan(row["plan"])]
        if timed:
            cells.append(_json_target(row))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def retable(page: str, rows: list[dict[str, Any]], indexes: set[str]) -> str:
    """``page`` (a committed report) with its results table re-rendered from ``rows`` (its JSON),
    everything else kept: the layout changes without measuring again."""
    lines = page.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("| pattern |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    timed = any(r["ms_with"] is not None for r in rows)
    return "\n".join([*lines[:start], *results_table(rows, timed=timed, indexes=indexes), *lines[end:]])


def markdown(results: list[PatternResult], *, title: str, context: dict[str, str], machine_info: dict[str, str], indexes: set[str]) -> str:
    """A handbook page: how to read it, one row per pattern, notes, the machine."""
    timed = any(r.ms_with is not None for r in results)
    lines = [
        f"# {title}",
        "",
        "Generated by `schema perf` from the query-pattern catalog (`src/schema/perf/patterns.py`) "
        "on seeded volume data. For each pattern: EXPLAIN (ANALYZE, BUFFERS) must use the expected index "
        "and time-bounded audit/analytics queries must prune partitions; then the pattern is timed with "
        "and without its index (dropped inside a transaction that is rolled back). Times are the server's "
        "planning plus execution (EXPLAIN ANALYZE with TIMING OFF, median of the runs), so the client round "
        "trip, the same with or without an index, does not mask the index's effect.",
        "",
        "*Index use*: **chosen** means the planner picked the index with default settings; **usable** means "
        "it did so only under `SET enable_seqscan = off` (allowed for the small-scale CI check, where a "
        "sequential scan of a few pages is rightly cheaper), proving the pattern can use it.",
        "",
        *(f"- {k}: {v}" for k, v in context.items()),
        "",
    ]
    if timed:
        lines += [chart_snippet(QUERY_PATTERNS_CHART_ALT, REPORT_CHART), ""]
    lines += results_table(to_json(results), timed=timed, indexes=indexes)
    notes = [r for r in results if r.speedup_note or r.why_no_index or r.problems]
    if notes:
        lines += ["", "## Notes", ""]
        for r in notes:
            for text in (r.why_no_index, r.speedup_note, *r.problems):
                if text:
                    lines.append(f"- `{r.pattern}`: {text}")
    lines += ["", "## Patterns", ""]
    lines += [f"- `{r.pattern}`: {r.title}" for r in results]
    lines += ["", "## Machine", "", machine.markdown(machine_info)]
    return "\n".join(lines)
