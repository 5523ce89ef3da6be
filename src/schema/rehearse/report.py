"""A rehearsal as JSON (everything measured) and as a handbook page (timeline, statements, verdicts).

The timeline is a Mermaid gantt in milliseconds since the rehearsal started: per revision and
direction, the locks its statements held on tables the workload uses (critical when they block
it) and the workload queries that waited. The statements table has one row per statement of the
revision (alembic's own version-table and session statements left out), with Squawk's findings
on the statement they name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from schema.rehearse import locks, verdicts
from schema.rehearse.probe import Hold
from schema.rehearse.runner import Rehearsal, Step
from schema.rehearse.squawk import matches

MAX_GANTT_TASKS = 60  # per step: Mermaid renders hundreds of bars, a reader cannot


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


def to_json(r: Rehearsal) -> dict[str, Any]:
    """Every measurement, plus the verdicts and the overhead ratio spelled out."""
    steps = []
    for s in r.steps:
        item = _plain(s)
        item["passed"] = s.verdict.passed if s.verdict else False
        item["blocked"] = [dict(_plain(b), began_s=round(b.began_s, 6)) for b in s.blocked]
        item["statements"] = [dict(_plain(st), duration_s=round(st.duration_s, 6)) for st in s.statements]
        item["holds"] = [dict(_plain(h), held_s=round(h.held_s, 6)) for h in s.holds]
        steps.append(item)
    overhead = None
    if r.overhead is not None:
        overhead = dict(_plain(r.overhead), ratio=round(r.overhead.ratio, 4),
                        latency_ratio=round(r.overhead.latency_ratio, 4),
                        alone_ops_per_s=round(r.overhead.alone.ops_per_s, 2),
                        sampled_ops_per_s=round(r.overhead.sampled.ops_per_s, 2))
    plan = r.workload_plan
    return {
        "from_revision": r.from_revision,
        "to_revision": r.to_revision,
        "revisions": r.revisions,
        "scale": r.scale,
        "passed": r.passed,
        "options": _plain(r.options),
        "rows": r.rows,
        "seed_seconds": round(r.seed_seconds, 3),
        "ops_total": r.ops_total,
        "overhead": overhead,
        "workload": None if plan is None else {
            "patterns": [p.name for p, _ in plan.patterns], "skipped": plan.skipped, "inserts": plan.inserts,
            "footprint": plan.footprint.modes},
        "baseline_failures": _plain(r.baseline_failures),
        "notes": r.notes,
        "steps": steps,
    }


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _label(text: str) -> str:
    """Mermaid task names may not hold ':' or '#'."""
    return text.replace(":", " ").replace("#", " ").replace(";", " ")


def relevant_holds(step: Step, footprint: dict[str, str]) -> list[Hold]:
    """Holds on tables the workload uses, strongest first within a statement."""
    return [h for h in step.holds if h.is_table and h.table in footprint]


def gantt(r: Rehearsal) -> list[str]:
    footprint = r.workload_plan.footprint.modes if r.workload_plan else {}
    lines = ["```mermaid", "gantt", "    title Locks held by the migration and workload queries that waited (ms)",
             "    dateFormat x", "    axisFormat %S.%L"]
    for step in r.steps:
        tasks = []
        for h in sorted(relevant_holds(step, footprint), key=lambda h: (-locks.RANK[h.mode], h.acquired_s)):
            blocked = locks.what_it_blocks(h.mode, footprint.get(h.table))
            tag = "crit, " if blocked else ""
            start = _ms(h.acquired_s)
            tasks.append(f"    {_label(locks.sql_name(h.mode))} {h.table} (stmt {h.statement}) :{tag}{start}, "
                         f"{max(start + 1, _ms(h.released_s or h.acquired_s))}")
        for b in step.blocked:
            start = _ms(b.began_s)
            tasks.append(f"    waited {_label(b.query[:40])} :active, {start}, {max(start + 1, _ms(b.last_s))}")
        if not tasks:
            continue
        lines.append(f"    section {step.direction} {step.revision}")
        lines.extend(tasks[:MAX_GANTT_TASKS])
    lines.append("```")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def statement_rows(step: Step, footprint: dict[str, str]) -> list[str]:
    rows = ["| # | statement | ms | row visits | locks held (table: mode, ms) | rewrote / rebuilt | blocked queries | "
            "Squawk |", "|---|---|---|---|---|---|---|---|"]
    for st in step.statements:
        if st.harness:
            continue
        holds = [h for h in step.holds if h.statement == st.index and h.is_table and h.table != "alembic_version"]
        strongest: dict[str, Hold] = {}
        for h in holds:
            if h.table not in strongest or locks.RANK[h.mode] > locks.RANK[strongest[h.table].mode]:
                strongest[h.table] = h
        held = "; ".join(
            f"{'**' if locks.what_it_blocks(h.mode, footprint.get(t)) else ''}{t}: {locks.sql_name(h.mode)} "
            f"{h.held_s * 1000:,.0f}{'**' if locks.what_it_blocks(h.mode, footprint.get(t)) else ''}"
            for t, h in sorted(strongest.items()))
        rewrites = ", ".join(f"{w.what} {w.relation}" for w in st.rewrites)
        blocked = [b for b in step.blocked if b.statement == st.index]
        waits = f"{len(blocked)} (max {max(b.waited_s for b in blocked) * 1000:,.0f} ms)" if blocked else ""
        touched = sum(st.rows_read.values()) + sum(st.rows_written.values())
        rows_text = f"{touched:,}" if touched else (f"{st.rowcount:,}" if st.rowcount else "")
        squawk = ", ".join(sorted({f.rule for f in step.squawk if matches(f, st.sql)}))
        error = f" **error: {st.error}**" if st.error else ""
        sql = _cell(st.short_sql.replace("`", "'"))
        rows.append(f"| {st.index} | `{sql}`{_cell(error)} | {st.duration_s * 1000:,.1f} | {rows_text} | "
                    f"{_cell(held)} | {rewrites} | {waits} | {squawk} |")
    return rows


def verdict_lines(step: Step) -> list[str]:
    v = step.verdict
    if v is None:
        return ["not judged"]
    head = f"**{'PASS' if v.passed else 'FAIL'}** ({step.direction} {step.revision}, {step.ops:,} workload queries ran meanwhile)"
    return [head, "", *(f"- {r.kind}: {r.message}" for r in v.reasons)]


def markdown(r: Rehearsal, title: str | None = None) -> str:
    footprint = r.workload_plan.footprint.modes if r.workload_plan else {}
    o = r.overhead
    th = r.options.thresholds
    lines = [
        f"# {title or f'Rehearsal of {r.from_revision} -> {r.to_revision}'}",
        "",
        f"Generated by `schema rehearse --from {r.from_revision} --to {r.to_revision} --scale {r.scale} "
        f"--workload {r.options.workload.clients}`: each revision applied, then rolled back, in a scratch "
        f"database seeded at the `{r.scale}` scale while {r.options.workload.clients} clients replayed the query "
        "patterns and inserted quotes and audit entries. Every number below was measured in that run "
        "(`schema.rehearse`); the production projections scale the measured rows to the scaling page's 100 TB.",
        "",
        f"**Overall: {'PASS' if r.passed else 'FAIL'}**",
        "",
        f"- revisions: {', '.join(r.revisions)}; thresholds: write-blocking lock {verdicts.duration(th.lock_threshold_s)}, "
        f"workload failures allowed {th.allow_workload_failures}",
        f"- rows seeded: {', '.join(f'{t} {n:,}' for t, n in sorted(r.rows.items()))}",
        f"- workload: {r.ops_total:,} queries; lock modes it takes: "
        + ", ".join(f"{t} {locks.sql_name(m)}" for t, m in sorted(footprint.items())),
    ]
    if o is not None:
        lines.append(
            f"- sampler overhead (same run, alternating windows): {o.alone.ops_per_s:,.0f} queries/s alone, "
            f"{o.sampled.ops_per_s:,.0f} with pg_locks sampled every {r.options.sample_period_s * 1000:.0f} ms "
            f"({o.samples:,} samples): throughput ratio {o.ratio:.2f}, median latency ratio {o.latency_ratio:.2f}")
    probed = sum(1 for s in r.steps for st in s.statements if not st.harness)
    lines.append(f"- probe: {r.probe_seconds * 1000:,.0f} ms of catalog queries around {probed} statements, run in the "
                 "migration's own session: they lengthen its transactions by that much, and are taken out of the lock "
                 "hold times below")
    lines += [f"- {n}" for n in r.notes]
    lines += ["", "## Timeline", "", *gantt(r), ""]
    for step in r.steps:
        lines += [f"## {step.direction.capitalize()} {step.revision}", "", *verdict_lines(step), ""]
        if step.error:
            lines += [f"The migration failed: `{step.error}`", ""]
        lines += statement_rows(step, footprint)
        unmatched = [f for f in step.squawk if not any(matches(f, s.sql) for s in step.statements)]
        if step.squawk:
            lines += ["", "Squawk on the rendered SQL: " + "; ".join(f"{f.rule}: {f.message}" for f in step.squawk)]
        elif step.direction == "upgrade":
            lines += ["", "Squawk on the rendered SQL: no finding."]
        if unmatched:
            lines.append(f"({len(unmatched)} Squawk finding(s) on statements rendered differently offline.)")
        if step.blocked:
            lines += ["", "Blocked workload queries:", "",
                      "| query | waited for | lock wanted | waited ms | statement |", "|---|---|---|---|---|"]
            lines += [f"| `{_cell(b.query[:80])}` | {b.table} | {locks.sql_name(b.mode)} | {b.waited_s * 1000:,.0f} | "
                      f"{b.statement} |" for b in step.blocked[:30]]
        if step.failures:
            lines += ["", "Failed workload queries:", ""]
            lines += [f"- {f.op}: {f.kind} ({_cell(f.message)}), statement {f.statement}" for f in step.failures[:30]]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def summary(r: Rehearsal) -> list[str]:
    """One line per step for the terminal."""
    out = []
    for s in r.steps:
        v = s.verdict
        mark = "ok  " if v and v.passed else "FAIL"
        out.append(f"{mark} {s.direction} {s.revision}: {len([x for x in s.statements if not x.harness])} statements, "
                   f"{len(s.blocked)} blocked queries, {len(s.failures)} failed, {s.ended_s - s.started_s:.2f} s")
        out.extend(f"       {reason.kind}: {reason.message}" for reason in (v.reasons if v else []))
    return out

