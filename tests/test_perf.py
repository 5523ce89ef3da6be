"""The query-pattern catalog against the live catalog, and the plan shapes on small seeded volume.

CI checks plan shapes only (no timings: a shared 2-core runner times nothing reliably). At small
scale the planner often prefers a sequential scan of a few pages, so the check accepts "usable"
(the index is used under enable_seqscan = off); the full-scale run must report "chosen".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from schema import catalog, database, migrations
from schema.cli import app
from schema.perf import explain, scaling
from schema.perf.patterns import PATTERNS, UNSERVED_INDEXES, by_name, served_indexes
from schema.seed import volume

JSON_CONTRACT = ("pattern", "index", "uses_index", "pruned", "ms_with", "ms_without", "speedup")


def non_primary_indexes(cat: catalog.Catalog) -> dict[str, catalog.Index]:
    return {i.name: i for i in cat.indexes if not i.is_primary}


def test_pattern_names_are_unique() -> None:
    assert len(by_name()) == len(PATTERNS)


def test_every_non_primary_index_serves_a_pattern_or_says_why_not(head_catalog: catalog.Catalog) -> None:
    unserved = set(non_primary_indexes(head_catalog)) - served_indexes() - set(UNSERVED_INDEXES)
    assert not unserved, f"indexes no query pattern uses and no reason given (src/schema/perf/patterns.py): {sorted(unserved)}"


def test_every_pattern_names_an_index_of_its_table_or_says_why_none(head_catalog: catalog.Catalog) -> None:
    indexes = {i.name: i for i in head_catalog.indexes}  # a primary key's index may serve a pattern too
    problems = []
    for p in PATTERNS:
        if p.table not in head_catalog.tables:
            problems.append(f"{p.name}: no table {p.table}")
        elif p.index is None and not p.why_no_index:
            problems.append(f"{p.name}: no index and no why_no_index")
        elif p.index is not None and (p.index not in indexes or indexes[p.index].table != p.table):
            problems.append(f"{p.name}: {p.index} is not an index of {p.table}")
        if p.prunes and not head_catalog.table(p.table).is_partitioned:
            problems.append(f"{p.name}: expects pruning but {p.table} is not partitioned")
    assert not problems


def test_unserved_reasons_name_existing_indexes_no_pattern_uses(head_catalog: catalog.Catalog) -> None:
    indexes = non_primary_indexes(head_catalog)
    stale = [name for name in UNSERVED_INDEXES if name not in indexes or name in served_indexes()]
    assert not stale, f"UNSERVED_INDEXES entries that are missing or served by a pattern: {stale}"
    assert all(reason.strip() for reason in UNSERVED_INDEXES.values())


def test_every_foreign_key_has_its_delete_check_pattern(head_catalog: catalog.Catalog) -> None:
    """A foreign key's index serves PostgreSQL's RI query; that query is a pattern like any other."""
    checked = {(p.table, p.sql.split(" WHERE ", 1)[1].split(" FOR KEY SHARE")[0]) for p in PATTERNS if p.kind == "fk_check"}
    missing = []
    for fk in head_catalog.constraints:
        if fk.kind != "f":
            continue
        where = " AND ".join(f"{col} = :{col}" for col in fk.columns)
        if (fk.table, where) not in checked:
            missing.append(fk.name)
    assert not missing, f"foreign keys without an fk_check pattern: {missing}"


def test_plan_facts_map_partition_indexes_to_their_parent() -> None:
    plan = {
        "Planning Time": 0.1,
        "Execution Time": 0.2,
        "Plan": {
            "Node Type": "Append",
            "Subplans Removed": 3,
            "Plans": [
                {
                    "Node Type": "Bitmap Heap Scan",
                    "Relation Name": "audit_logs_p202501",
                    "Actual Loops": 1,
                    "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "audit_logs_p202501_created_at_idx"}],
                },
                {"Node Type": "Seq Scan", "Relation Name": "audit_logs_p202502", "Actual Loops": 0},
            ],
        },
    }
    roots = {
        "audit_logs_p202501": "audit_logs",
        "audit_logs_p202502": "audit_logs",
        "audit_logs_p202501_created_at_idx": "ix_audit_logs_created_at",
    }
    facts = explain.facts(plan, roots)
    assert facts.indexes == {"ix_audit_logs_created_at"}
    assert facts.partitions_read("audit_logs") == 1  # the never-executed scan read nothing
    assert facts.subplans_removed == 3
    assert facts.shape() == "Append > Bitmap Heap Scan > Bitmap Index Scan > Seq Scan"


@pytest.fixture
def small_volume(scratch_database: sa.URL) -> sa.URL:
    migrations.upgrade("head", url=scratch_database)
    volume.seed_small(scratch_database, dt.date(2025, 6, 30))
    return scratch_database


def test_every_pattern_uses_its_index_and_prunes_at_small_scale(small_volume: sa.URL, tmp_path, monkeypatch) -> None:
    """Through the CLI, as CI and operators run it: plan shapes only, 'usable' accepted at small scale."""
    monkeypatch.setenv(database.ENV_VAR, small_volume.render_as_string(hide_password=False))
    out = tmp_path / "perf.json"
    page = tmp_path / "perf.md"
    result = CliRunner().invoke(app, ["perf", "--plans-only", "--allow-usable", "--json", str(out), "--markdown", str(page)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    assert [r["pattern"] for r in rows] == [p.name for p in PATTERNS]
    for row in rows:
        assert set(JSON_CONTRACT) <= set(row)
        assert row["problems"] == [], row
        pattern = by_name()[row["pattern"]]
        assert row["uses_index"] is (pattern.index is not None)
        assert row["choice"] in ({"chosen", "usable"} if pattern.index else {"not needed"})
        assert row["pruned"] is (True if pattern.prunes else None), row
        assert row["ms_with"] is None and row["speedup"] is None  # plans only: no timings
    text = page.read_text()
    assert "| `quotes_by_quote_number`{#quotes_by_quote_number} |" in text and "usable" in text and "## Machine" in text


def test_scaling_page_places_every_table_and_names_real_blockers(head_catalog: catalog.Catalog) -> None:
    assert scaling.unplanned(head_catalog) == [], "a table at head has no model, hence no Citus placement (schema.models.design)"
    names = head_catalog.object_names()
    found = scaling.blockers(head_catalog)
    assert {"uq_quotes_quote_number", "fk_claims_policy_id_policies", "claims.customer_id"} <= {b.constraint for b in found}
    assert all(b.constraint in names or b.constraint.endswith(".customer_id") for b in found)
    page = scaling.markdown(head_catalog, {}, {})
    assert page.startswith("# Scaling out") and "| quotes | `customer_id` |" in page and "No rows to measure" in page
