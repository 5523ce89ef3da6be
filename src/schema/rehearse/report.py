"""A rehearsal as JSON (everything measured) and as a handbook page (timeline, statements, verdicts).

The timeline is a Mermaid gantt in milliseconds since the rehearsal started: per revision and
direction, the locks its statements held on tables the workload uses (critical when they block
it) and the workload queries that waited. The statements table has one row per statement of the
revision (alembic's own version-table and session statements left out), with Squawk's findings
on the statement they name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from pathlib import Path
from typing import Any

from schema import machine
from schema.rehearse import locks, notes, verdicts
from schema.rehearse.probe import Hold
from schema.rehearse.runner import Overhead, Rehearsal, Step
from schema.rehearse.squawk import matches
from schema.rehearse.workload import Footprint, Plan

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
        overhead = dict(
            _plain(r.overhead),
            ratio=round(r.overhead.ratio, 4),
            latency_ratio=round(r.overhead.latency_ratio, 4),
            alone_ops_per_s=round(r.overhead.alone.ops_per_s, 2),
            sampled_ops_per_s=round(r.overhead.sampled.ops_per_s, 2),
        )
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
        "probe_seconds": round(r.probe_seconds, 6),
        "overhead": overhead,
        "workload": None
        if plan is None
        else {
            "patterns": [p.name for p, _ in plan.patterns],
            "skipped": plan.skipped,
            "inserts": plan.inserts,
            "footprint": plan.footprint.modes,
        },
        "baseline_failures": _plain(r.baseline_failures),
        "notes": r.notes,
        "machine": r.machine,
        "steps": steps,
    }


def _build(tp: Any, value: Any) -> Any:
    """``value`` (as ``_plain`` wrote it) back into type ``tp``: dataclasses by their init fields (the
    derived keys ``to_json`` adds are dropped), lists, dicts, tuples, optionals, dates, paths."""
    if value is None:
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _build(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _build(hints[f.name], value[f.name]) for f in dataclasses.fields(tp) if f.init and f.name in value})
    if origin is list:
        return [_build(args[0], v) for v in value]
    if origin is dict:
        return {k: _build(args[1], v) for k, v in value.items()}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]: every item is an X
            return tuple(_build(args[0], v) for v in value)
        return tuple(_build(a, v) for a, v in zip(args, value, strict=True))
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    if tp is Path:
        return Path(value)
    return value


def from_json(document: dict[str, Any]) -> Rehearsal:
    """A rehearsal read back from ``to_json`` (a committed page's JSON), to render its page again: after
    the operator notes changed (``notes.apply_all``), or the page's layout did, without re-running it."""
    fields = {f.name for f in dataclasses.fields(Rehearsal)} - {"workload_plan", "overhead", "options", "steps"}
    r: Rehearsal = _build(Rehearsal, {k: v for k, v in document.items() if k in fields | {"options", "steps"}})
    if document.get("overhead"):
        r.overhead = _build(Overhead, document["overhead"])
    w = document.get("workload")
    if w is not None:  # the bound patterns themselves are not kept: a page needs their names and footprint
        r.workload_plan = Plan(
            [], {str(k): str(v) for k, v in w["skipped"].items()}, [], [], Footprint(dict(w["footprint"])), list(w["inserts"])
        )
    return r


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
    lines = [
        "```mermaid",
        "gantt",
        "    title Locks held by the migration and workload queries that waited (ms)",
        "    dateFormat x",
        "    axisFormat %S.%L",
    ]
    for step in r.steps:
        tasks = []
        for h in sorted(relevant_holds(step, footprint), key=lambda h: (-locks.RANK[h.mode], h.acquired_s)):
            blocked = locks.what_it_blocks(h.mode, footprint.get(h.table))
            tag = "crit, " if blocked else ""
            start = _ms(h.acquired_s)
            tasks.append(
                f"    {_label(locks.sql_name(h.mode))} {h.table} (stmt {h.statement}) :{tag}{start}, "
                f"{max(start + 1, _ms(h.released_s or h.acquired_s))}"
            )
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
    rows = [
        "| # | statement | ms | row visits | locks held (table: mode, ms) | rewrote / rebuilt | blocked queries | Squawk |",
        "|---|---|---|---|---|---|---|---|",
    ]
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
            for t, h in sorted(strongest.items())
        )
        rewrites = ", ".join(f"{w.what} {w.relation}" for w in st.rewrites)
        blocked = [b for b in step.blocked if b.statement == st.index]
        waits = f"{len(blocked)} (max {max(b.waited_s for b in blocked) * 1000:,.0f} ms)" if blocked else ""
        touched = sum(st.rows_read.values()) + sum(st.rows_written.values())
        rows_text = f"{touched:,}" if touched else (f"{st.rowcount:,}" if st.rowcount else "")
        squawk = ", ".join(sorted({f.rule for f in step.squawk if matches(f, st.sql)}))
        error = f" **error: {st.error}**" if st.error else ""
        sql = _cell(st.short_sql.replace("`", "'"))
        rows.append(
            f"| {st.index} | `{sql}`{_cell(error)} | {st.duration_s * 1000:,.1f} | {rows_text} | "
            f"{_cell(held)} | {rewrites} | {waits} | {squawk} |"
        )
    return rows


def step_summary(step: Step, footprint: dict[str, str]) -> str:
    """The numbers an operator asks first: the longest lock the workload queued behind, what waited, what failed."""
    blocking = [h for h in relevant_holds(step, footprint) if locks.what_it_blocks(h.mode, footprint.get(h.table))]
    longest = max(blocking, key=lambda h: h.held_s, default=None)
    held = (
        f"longest lock blocking the workload: {locks.sql_name(longest.mode)} on {longest.table} for "
        f"{longest.held_s * 1000:,.0f} ms (statement {longest.statement})"
        if longest
        else "no lock that blocks the workload"
    )
    waits = (
        f"{len(step.blocked)} workload queries waited (longest {max(b.waited_s for b in step.blocked) * 1000:,.0f} ms)"
        if step.blocked
        else "no workload query waited"
    )
    return f"{step.ended_s - step.started_s:,.1f} s; {held}; {waits}; {len(step.failures)} failed"


def verdict_lines(step: Step) -> list[str]:
    v = step.verdict
    if v is None:
        return ["not judged"]
    mark = "FAIL" if not v.passed else "PASS with operator notes" if v.accepted else "PASS"
    head = f"**{mark}** ({step.direction} {step.revision}, {step.ops:,} workload queries ran meanwhile)"
    lines = [head, "", *(f"- {r.kind}: {r.message}" for r in v.reasons)]
    if v.accepted:
        lines += ["", "Findings over a threshold that the operator notes (`operator_notes.toml`) accept:", ""]
        for a in v.accepted:
            lines += [
                f"- {a.reason.kind}: {a.reason.message}",
                f"    - why it is acceptable: {a.why}",
                f"    - in production: {a.production}",
            ]
    return lines


def for_revision(r: Rehearsal, revision: str) -> Rehearsal:
    """The rehearsal restricted to one revision's steps (upgrade and downgrade): its own page."""
    return dataclasses.replace(r, revisions=[revision], steps=[s for s in r.steps if s.revision == revision])


def render_pages(folder: Path, operator_notes: list[notes.Note]) -> list[str]:
    """Render every revision page of ``folder`` again from its JSON (``<rev>.json`` -> ``<rev>.md``)
    with the operator notes as they are now; returns what it did, one line per page."""
    done, runs = [], []
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("revisions") != [path.stem] or "steps" not in document:
            continue  # not a revision page's JSON (the remediation rehearsal's, say)
        if "probe_seconds" not in document:  # written before the JSON kept everything a page shows
            done.append(f"{path.name}: kept as it is (written by an older schema rehearse: rehearse it again)")
            continue
        r = from_json(document)
        r.notes = [n for n in r.notes if not n.startswith(notes.STALE_PREFIX)]
        r.notes += notes.apply_all([s.verdict for s in r.steps if s.verdict], operator_notes)
        (folder / f"{path.stem}.md").write_text(markdown(r, title=f"Rehearsal of revision {path.stem}"))
        path.write_text(json.dumps(to_json(r), indent=2) + "\n")
        done.append(f"{path.stem}.md: rendered ({'PASS' if r.passed else 'FAIL'})")
        runs.append(r)
    if runs:
        (folder / SUMMARY_PAGE).write_text(summary_page(runs))
        done.append(f"{SUMMARY_PAGE}: rendered")
    return done


SUMMARY_PAGE = "summary.md"


def summary_page(runs: list[Rehearsal]) -> str:
    """One table over the revision pages: verdict and the numbers an operator reads first, per step."""
    lines = [
        "# Rehearsal summary",
        "",
        "One row per revision and direction, from the revision pages beside this one (each links its run). "
        "Written by `schema rehearse --pages` and `--render`; `make rehearsals` runs them at medium scale.",
        "",
        "| revision | direction | verdict | scale | seconds | longest lock blocking the workload | "
        "workload queries waited (longest) | failed | seed s | sampler throughput ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: r.revisions):
        footprint = r.workload_plan.footprint.modes if r.workload_plan else {}
        for step in r.steps:
            v = step.verdict
            mark = "not judged" if v is None else "FAIL" if not v.passed else "PASS, notes" if v.accepted else "PASS"
            blocking = [h for h in relevant_holds(step, footprint) if locks.what_it_blocks(h.mode, footprint.get(h.table))]
            longest = max(blocking, key=lambda h: h.held_s, default=None)
            held = f"{locks.sql_name(longest.mode)} {longest.table} {longest.held_s * 1000:,.0f} ms" if longest else ""
            waited = f"{len(step.blocked)} ({max(b.waited_s for b in step.blocked) * 1000:,.0f} ms)" if step.blocked else "0"
            ratio = f"{r.overhead.ratio:.2f}" if r.overhead else ""
            lines.append(
                f"| [{step.revision}]({step.revision}.md) | {step.direction} | {mark} | {r.scale} | "
                f"{step.ended_s - step.started_s:,.1f} | {held} | {waited} | {len(step.failures)} | "
                f"{r.seed_seconds:,.0f} | {ratio} |"
            )
    return "\n".join(lines) + "\n"


def pages(r: Rehearsal) -> dict[str, tuple[str, dict[str, Any]]]:
    """Revision -> (its handbook page, its JSON): one report per revision, as the handbook lists them."""
    out = {}
    for rev in r.revisions:
        one = for_revision(r, rev)
        out[rev] = (markdown(one, title=f"Rehearsal of revision {rev}"), to_json(one))
    return out


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
            f"({o.samples:,} samples): throughput ratio {o.ratio:.2f}, median latency ratio {o.latency_ratio:.2f}"
        )
    probed = sum(1 for s in r.steps for st in s.statements if not st.harness)
    lines.append(
        f"- probe: {r.probe_seconds * 1000:,.0f} ms of catalog queries in the whole run ({probed} statements "
        "on this page), run in the migration's own session: they lengthen its transactions by that much (the "
        "workload's waits include them), and are taken out of the lock hold times below"
    )
    if r.seed_seconds:
        lines.append(f"- seed: {r.seed_seconds:,.0f} s (generate at head, then migrate to {r.from_revision}, ANALYZE)")
    lines += [f"- {n}" for n in r.notes]
    lines += ["", "## Timeline", "", *gantt(r), ""]
    for step in r.steps:
        lines += [
            f"## {step.direction.capitalize()} {step.revision}",
            "",
            *verdict_lines(step),
            "",
            f"Measured: {step_summary(step, footprint)}.",
            "",
        ]
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
            lines += [
                "",
                "Blocked workload queries:",
                "",
                "| query | waited for | lock wanted | waited ms | statement |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| `{_cell(b.query[:80])}` | {b.table} | {locks.sql_name(b.mode)} | {b.waited_s * 1000:,.0f} | {b.statement} |"
                for b in step.blocked[:30]
            ]
        if step.failures:
            lines += ["", "Failed workload queries:", ""]
            lines += [f"- {f.op}: {f.kind} ({_cell(f.message)}), statement {f.statement}" for f in step.failures[:30]]
        lines.append("")
    if r.machine:
        lines += ["## Machine", "", machine.markdown(r.machine)]
    return "\n".join(lines).rstrip() + "\n"


def summary(r: Rehearsal) -> list[str]:
    """One line per step for the terminal."""
    out = []
    for s in r.steps:
        v = s.verdict
        mark = "ok  " if v and v.passed else "FAIL"
        out.append(
            f"{mark} {s.direction} {s.revision}: {len([x for x in s.statements if not x.harness])} statements, "
            f"{len(s.blocked)} blocked queries, {len(s.failures)} failed, {s.ended_s - s.started_s:.2f} s"
        )
        out.extend(f"       {reason.kind}: {reason.message}" for reason in (v.reasons if v else []))
        out.extend(f"       accepted by an operator note: {a.reason.kind}: {a.reason.message}" for a in (v.accepted if v else []))
    return out
