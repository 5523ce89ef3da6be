"""Reading EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON): which indexes a plan used, which partitions it read.

A plan names the objects it touched, but on a partitioned table it names the partitions and
their own indexes (audit_logs_p202501, audit_logs_p202501_created_at_idx). The question we ask is
about the designed objects, so every name is mapped to the root of its partition tree first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


@dataclass
class PlanFacts:
    """What one executed plan did, in terms of the designed tables and indexes."""

    indexes: set[str] = field(default_factory=set)  # root index names used by any scan node
    scanned: dict[str, set[str]] = field(default_factory=dict)  # root table -> relations actually read
    subplans_removed: int = 0  # partitions pruned at executor start-up (run-time pruning)
    node_types: list[str] = field(default_factory=list)
    planning_ms: float = 0.0
    execution_ms: float = 0.0
    shared_hit: int = 0
    shared_read: int = 0

    def partitions_read(self, table: str) -> int:
        return len(self.scanned.get(table, set()))

    def shape(self) -> str:
        """A one-line outline of the plan, e.g. 'Sort > Bitmap Heap Scan > Bitmap Index Scan'."""
        return " > ".join(dict.fromkeys(self.node_types))


def nodes(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def explain(conn: sa.Connection, query: str, params: Mapping[str, Any], *, analyze: bool = True, timing: bool = True) -> dict[str, Any]:
    """The JSON plan of ``query``; with ``analyze`` the query really runs (callers roll back).
    ``timing=False`` keeps the total times but drops the per-node clock reads, which would
    otherwise tax a sequential scan row by row and flatter an index."""
    options = ("ANALYZE, BUFFERS, " + ("" if timing else "TIMING OFF, ") + "FORMAT JSON") if analyze else "FORMAT JSON"
    raw = conn.execute(sa.text(f"EXPLAIN ({options}) {query}"), dict(params)).scalar_one()
    document: list[dict[str, Any]] = json.loads(raw) if isinstance(raw, str) else raw
    return document[0]


def facts(document: Mapping[str, Any], roots: Mapping[str, str]) -> PlanFacts:
    """Summarise a plan; names missing from ``roots`` (CTEs, functions) are kept as they are."""
    out = PlanFacts(planning_ms=float(document.get("Planning Time", 0.0)), execution_ms=float(document.get("Execution Time", 0.0)))
    top = document["Plan"]
    out.shared_hit = int(top.get("Shared Hit Blocks", 0))
    out.shared_read = int(top.get("Shared Read Blocks", 0))
    for node in nodes(top):
        out.node_types.append(node["Node Type"])
        out.subplans_removed += int(node.get("Subplans Removed", 0))
        if node["Node Type"] in INDEX_NODES and "Index Name" in node:
            out.indexes.add(roots.get(node["Index Name"], node["Index Name"]))
        relation = node.get("Relation Name")
        # A node that never ran (Actual Loops 0, e.g. a partition pruned at run time) read nothing.
        if relation and node.get("Actual Loops", 1) > 0:
            out.scanned.setdefault(roots.get(relation, relation), set()).add(relation)
    return out
