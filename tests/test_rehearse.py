"""schema.rehearse catches what it claims, on a seeded small-scale database under live traffic.

Throw-away revisions are written into a temporary copy of the alembic directory, chained after
the project's head, and rehearsed once (one seed for all of them): each is judged on its own.
- a column with a volatile default rewrites quotes: failed with "rewrote table";
- an index built without CONCURRENTLY holds SHARE on quotes (written by every quote insert)
  while it reads the table: failed with a blocking-lock reason;
- a validated foreign key holds SHARE ROW EXCLUSIVE on quotes while it scans it: failed;
- the same foreign key NOT VALID, then VALIDATE in a transaction of its own, passes;
- a long ACCESS EXCLUSIVE (no row touched) fails by the threshold and by the lock_timeouts it causes;
- dropping the index of a query pattern fails by the pattern's name.
The default thresholds are used (production's 1 s): the lock verdicts do not depend on how fast
this machine is, because a hold that touches the table's rows is projected to production size.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from schema import database, migrations
from schema.cli import app
from schema.rehearse import (
    Options,
    Rehearsal,
    RehearsalError,
    WorkloadOptions,
    notes,
    rehearse,
    remediation,
    remediation_report,
    report,
    verdicts,
)
from schema.rehearse.probe import Probe
from schema.rehearse.runner import copy_script_directory

REVISION_TEMPLATE = '''"""Throw-away revision of the rehearsal test: {title}."""

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

# (revision id, title, upgrade body, downgrade body)
THROWAWAY = (
    (
        "r901",
        "volatile default",
        'op.execute("ALTER TABLE quotes ADD COLUMN rehearsal_token uuid DEFAULT gen_random_uuid()")',
        'op.execute("ALTER TABLE quotes DROP COLUMN rehearsal_token")',
    ),
    (
        "r902",
        "index without CONCURRENTLY",
        'op.execute("CREATE INDEX ix_quotes_rehearsal_zip ON quotes (zip_code)")',
        'op.execute("DROP INDEX ix_quotes_rehearsal_zip")',
    ),
    (
        "r903",
        "validated foreign key",
        'op.execute("ALTER TABLE quotes ADD CONSTRAINT fk_quotes_rehearsal_created_by FOREIGN KEY (created_by) REFERENCES users (id)")',
        'op.execute("ALTER TABLE quotes DROP CONSTRAINT fk_quotes_rehearsal_created_by")',
    ),
    (
        "r904",
        "foreign key NOT VALID, then VALIDATE in its own transaction",
        'op.execute("ALTER TABLE quotes ADD CONSTRAINT fk_quotes_rehearsal_updated_by FOREIGN KEY (updated_by) '
        'REFERENCES users (id) NOT VALID")\n'
        "with op.get_context().autocommit_block():\n"
        '    op.execute("ALTER TABLE quotes VALIDATE CONSTRAINT fk_quotes_rehearsal_updated_by")',
        'op.execute("ALTER TABLE quotes DROP CONSTRAINT fk_quotes_rehearsal_updated_by")',
    ),
    (
        "r905",
        "a long exclusive lock that touches no row (say, a slow step inside the transaction)",
        'op.execute("LOCK TABLE quotes IN ACCESS EXCLUSIVE MODE")\nop.execute("SELECT pg_sleep(1.5)")',
        "pass  # nothing to undo",
    ),
    (
        "r906",
        "drop the index the expiring-quotes sweep uses",
        'op.execute("DROP INDEX ix_quotes_expires_at")',
        "op.execute(\"CREATE INDEX ix_quotes_expires_at ON quotes (expires_at) WHERE status IN ('draft', 'calculating', 'quoted')\")",
    ),
)
WORKLOAD_LOCK_TIMEOUT = "400ms"  # shorter than r905's hold: queued quote inserts fail with lock_timeout


def write_throwaway(versions: Path) -> list[str]:
    down = migrations.head_revision()
    ids = []
    for rev, title, up, downgrade in THROWAWAY:
        (versions / f"{rev}_rehearsal_test.py").write_text(
            REVISION_TEMPLATE.format(
                title=title, rev=rev, down=down, upgrade=textwrap.indent(up, "    "), downgrade=textwrap.indent(downgrade, "    ")
            )
        )
        ids.append(rev)
        down = rev
    return ids


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = copy_script_directory(tmp_path_factory.mktemp("rehearse"))
    write_throwaway(location / "versions")
    return location


@pytest.fixture(scope="module")
def rehearsal(server_url: URL, scripts: Path) -> Iterator[Rehearsal]:
    options = Options(
        from_revision=migrations.head_revision(),
        to_revision="r906",
        scale="small",
        workload=WorkloadOptions(clients=3, max_seconds=120, lock_timeout=WORKLOAD_LOCK_TIMEOUT),
        overhead_window_s=1.0,
        script_location=scripts,
    )
    yield rehearse(options, server=server_url)


def reasons(r: Rehearsal, rev: str) -> list[verdicts.Reason]:
    verdict = r.step(rev).verdict
    assert verdict is not None
    return verdict.reasons


def test_volatile_default_fails_as_a_table_rewrite(rehearsal: Rehearsal) -> None:
    found = reasons(rehearsal, "r901")
    rewrites = [r for r in found if r.kind == verdicts.REWROTE_TABLE]
    assert rewrites and rewrites[0].table == "quotes", found
    assert "rewrites quotes" in rewrites[0].message and "in production under ACCESS EXCLUSIVE" in rewrites[0].message
    assert "adding-field-with-default" in {f.rule for f in rehearsal.step("r901").squawk}  # Squawk beside
    step = rehearsal.step("r901")
    rewritten = [s for s in step.statements if any(w.table == "quotes" and w.what == "rewrote table" for w in s.rewrites)]
    assert [s.short_sql for s in rewritten] == ["ALTER TABLE quotes ADD COLUMN rehearsal_token uuid DEFAULT gen_random_uuid()"]
    holds = [h for h in step.holds if h.table == "quotes" and h.statement == rewritten[0].index]
    assert "AccessExclusiveLock" in {h.mode for h in holds}


def test_index_without_concurrently_fails_with_a_blocking_lock(rehearsal: Rehearsal) -> None:
    found = [r for r in reasons(rehearsal, "r902") if r.kind == verdicts.BLOCKING_LOCK and r.table == "quotes"]
    assert found, reasons(rehearsal, "r902")
    assert "holds SHARE on quotes (blocks the workload's writes)" in found[0].message
    assert "CREATE INDEX ix_quotes_rehearsal_zip" in found[0].message
    assert verdicts.REWROTE_TABLE not in rehearsal.step("r902").verdict.kinds()
    assert "require-concurrent-index-creation" in {f.rule for f in rehearsal.step("r902").squawk}


def test_validated_foreign_key_fails_while_not_valid_then_validate_passes(rehearsal: Rehearsal) -> None:
    found = [r for r in reasons(rehearsal, "r903") if r.kind == verdicts.BLOCKING_LOCK and r.table == "quotes"]
    assert found and "SHARE ROW EXCLUSIVE on quotes" in found[0].message, reasons(rehearsal, "r903")
    assert "while reading or writing its rows" in found[0].message  # the validation scan, which grows with the table
    safe = rehearsal.step("r904")
    assert safe.verdict.passed, safe.verdict.reasons
    # It did take the brief lock (seen by the probe, exactly), and VALIDATE ran outside the
    # migration's transaction, under SHARE UPDATE EXCLUSIVE, which writes pass (seen by the sampler
    # when it lasts long enough to be sampled: not asserted).
    modes = {(h.table, h.mode) for h in safe.holds}
    assert ("quotes", "ShareRowExclusiveLock") in modes, modes
    validate = [s for s in safe.statements if s.sql.startswith("ALTER TABLE quotes VALIDATE")]
    assert len(validate) == 1 and not validate[0].in_transaction and validate[0].error is None


INDEX_ONLY_ROWS = 5000


def test_a_validation_read_through_an_index_only_scan_counts_its_row_visits(scratch_database: URL) -> None:
    """The flake that hid r903's finding: on an all-visible table (autovacuum has run) PostgreSQL
    validates a foreign key over an indexed column by an index-only scan, which fetches no heap
    row. The probe must still charge those visits to the table, or the verdict takes a scan that
    grows with the table for catalog work. Sequential and bitmap scans are switched off so the plan
    is the index-only one whatever the statistics say."""
    eng = database.engine(scratch_database)
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE parent (id bigint PRIMARY KEY)")
            conn.exec_driver_sql("CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint NOT NULL)")
            conn.exec_driver_sql("CREATE INDEX ix_child_parent_id ON child (parent_id)")
            conn.exec_driver_sql("INSERT INTO parent SELECT g FROM generate_series(1, 10) g")
            conn.exec_driver_sql(f"INSERT INTO child SELECT g, mod(g, 10) + 1 FROM generate_series(1, {INDEX_ONLY_ROWS}) g")
            conn.commit()
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) parent, child")  # sets the visibility map
        with eng.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            conn.commit()
            probe = Probe(conn, time.monotonic)
            probe.attach()
            try:
                conn.exec_driver_sql("ALTER TABLE child ADD CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)")
                heap = conn.exec_driver_sql(
                    "SELECT pg_stat_get_xact_tuples_returned('child'::regclass) + pg_stat_get_xact_tuples_fetched('child'::regclass)"
                ).scalar_one()
                conn.commit()
            finally:
                probe.detach()
    finally:
        eng.dispose()
    assert heap == 0  # the plan was the index-only one: the heap alone shows nothing
    alter = next(s for s in probe.statements if s.sql.startswith("ALTER TABLE child"))
    assert alter.rows_read.get("child", 0) >= INDEX_ONLY_ROWS, alter.rows_read
    hold = next(h for h in probe.holds if h.table == "child" and h.mode == "ShareRowExclusiveLock")
    assert verdicts.rows_under(hold, probe.statements) >= INDEX_ONLY_ROWS


def test_a_long_lock_fails_by_threshold_and_by_the_workload_queries_it_timed_out(rehearsal: Rehearsal) -> None:
    step = rehearsal.step("r905")
    found = {r.kind: r for r in step.verdict.reasons}
    assert verdicts.BLOCKING_LOCK in found and "catalog only" in found[verdicts.BLOCKING_LOCK].message, found
    assert verdicts.WORKLOAD_FAILED in found and "lock_timeout" in found[verdicts.WORKLOAD_FAILED].message, found
    lock_stmt = next(s.index for s in step.statements if s.sql.startswith("LOCK TABLE quotes"))
    assert step.failures and all(f.kind == "lock_timeout" for f in step.failures), step.failures
    assert {f.statement for f in step.failures} <= {lock_stmt, lock_stmt + 1}  # the LOCK, or the sleep under it
    # The sampler saw them queue behind the migration, on quotes.
    assert any(b.table == "quotes" and b.direct and b.waited_s > 0.2 for b in step.blocked), step.blocked


def test_a_revision_that_costs_a_pattern_its_index_fails_by_name(rehearsal: Rehearsal) -> None:
    step = rehearsal.step("r906")
    lost = [r.message for r in step.verdict.reasons if r.kind == verdicts.PLAN_REGRESSION]
    assert any(m.startswith("expiring_quotes_sweep: ") and "ix_quotes_expires_at" in m for m in lost), lost
    # Patterns on the quotes table were re-checked after every revision that altered it, and kept their plans.
    assert not [r for s in rehearsal.steps[:5] for r in s.verdict.reasons if r.kind == verdicts.PLAN_REGRESSION]


def test_workload_ran_and_the_sampler_overhead_is_measured(rehearsal: Rehearsal) -> None:
    assert rehearsal.overhead is not None
    assert rehearsal.overhead.alone.ops > 0 and rehearsal.overhead.sampled.ops > 0
    assert rehearsal.overhead.samples > 10 and rehearsal.overhead.ratio > 0
    assert not rehearsal.baseline_failures, rehearsal.baseline_failures[:3]
    assert rehearsal.workload_plan is not None
    assert rehearsal.workload_plan.footprint.modes["quotes"] == "RowExclusiveLock"
    assert [s.direction for s in rehearsal.steps] == ["upgrade"] * 6 + ["downgrade"] * 6
    assert all(s.error is None for s in rehearsal.steps)


def test_report_has_the_timeline_statements_and_verdicts(rehearsal: Rehearsal, tmp_path: Path) -> None:
    page = report.markdown(rehearsal)
    assert "```mermaid\ngantt" in page
    assert "r901" in page and "rewrote table" in page and "FAIL" in page
    document = report.to_json(rehearsal)
    json.dumps(document)
    assert {s["revision"] for s in document["steps"]} == {"r901", "r902", "r903", "r904", "r905", "r906"}
    assert document["overhead"]["ratio"] > 0


def test_one_page_per_revision_with_its_own_steps(rehearsal: Rehearsal) -> None:
    pages = report.pages(rehearsal)
    assert list(pages) == ["r901", "r902", "r903", "r904", "r905", "r906"]
    page, document = pages["r902"]
    assert page.startswith("# Rehearsal of revision r902\n")
    assert "## Upgrade r902" in page and "## Downgrade r902" in page and "r901" not in page.split("## Timeline")[1]
    assert "```mermaid\ngantt" in page and "| # | statement |" in page and "**FAIL**" in page
    assert "Measured: " in page and "longest lock blocking the workload: SHARE on quotes" in page
    assert {s["revision"] for s in document["steps"]} == {"r902"} and document["machine"]["cores"]


def test_pages_render_again_from_their_json_with_the_notes_of_now(rehearsal: Rehearsal, tmp_path: Path) -> None:
    for rev, (page, document) in report.pages(rehearsal).items():
        (tmp_path / f"{rev}.md").write_text(page)
        (tmp_path / f"{rev}.json").write_text(json.dumps(document))
    explains = notes.Note("r902", verdicts.BLOCKING_LOCK, "reviewed: a test", "built by hand first", table="quotes")
    stale = notes.Note("r904", verdicts.REWROTE_TABLE, "r904 rewrites nothing", "n/a")
    done = report.render_pages(tmp_path, [explains, stale])
    assert [line.split(":")[0] for line in done] == [f"r90{i}.md" for i in range(1, 7)] + ["summary.md"], done
    assert done[0] == "r901.md: rendered (FAIL)", done  # a rewrite no note explains
    summary = (tmp_path / "summary.md").read_text()
    assert "| [r904](r904.md) | upgrade | PASS |" in summary and "| [r901](r901.md) | upgrade | FAIL |" in summary
    page = (tmp_path / "r902.md").read_text()
    assert "why it is acceptable: reviewed: a test" in page and "in production: built by hand first" in page
    assert "holds SHARE on quotes (blocks the workload's writes)" in page.split("the operator notes")[1]
    assert "operator note on upgrade r904 (rewrote table) matched no finding" in (tmp_path / "r904.md").read_text()
    again = report.from_json(json.loads((tmp_path / "r902.json").read_text()))
    assert again.step("r902").verdict.accepted[0].why == "reviewed: a test"
    assert again.overhead is not None and again.overhead.ratio == pytest.approx(rehearsal.overhead.ratio, rel=1e-3)


def test_an_operator_note_accepts_the_finding_it_explains_and_a_stale_one_is_named(tmp_path: Path) -> None:
    notes_file = tmp_path / "operator_notes.toml"
    notes_file.write_text(
        textwrap.dedent("""
        [[note]]
        revision = "r902"
        kind = "blocking lock"
        table = "quotes"
        statement = "CREATE INDEX ix_quotes_rehearsal_zip"
        why = "reviewed: a test"
        production = "built CONCURRENTLY by hand before the upgrade"

        [[note]]
        revision = "r902"
        kind = "rewrote table"
        why = "nothing rewrites here"
        production = "n/a"
    """)
    )
    loaded = notes.load(notes_file)
    lock = verdicts.Reason(
        verdicts.BLOCKING_LOCK,
        3,
        "quotes",
        "holds SHARE on quotes ...; statement: CREATE INDEX ix_quotes_rehearsal_zip ON quotes (zip_code)",
    )
    other = verdicts.Reason(verdicts.BLOCKING_LOCK, 4, "customers", "holds SHARE on customers ...")
    verdict = verdicts.Verdict("r902", "upgrade", reasons=[lock, other])
    stale = notes.apply(verdict, loaded)
    assert verdict.reasons == [other] and not verdict.passed  # the note names quotes only
    assert [a.reason for a in verdict.accepted] == [lock] and verdict.accepted[0].production.startswith("built")
    assert [n.kind for n in stale] == [verdicts.REWROTE_TABLE]
    notes_file.write_text('[[note]]\nrevision = "r902"\nkind = "slow"\nwhy = "x"\nproduction = "y"\n')
    with pytest.raises(notes.NotesError, match="kind 'slow' is none of"):
        notes.load(notes_file)


def test_cli_rejects_an_unknown_revision() -> None:
    result = CliRunner().invoke(app, ["rehearse", "--to", "nope"])
    assert result.exit_code == 1
    assert "unknown --to revision 'nope'" in result.output


# The 006-era book as the small-scale invariant tests generate it (tests/test_core_invariants.py):
# the generator's files of that time, on a fixed day (the generator is deterministic for seed and day).
SEED_006 = Path(__file__).parent / "seed_006"
SEED_006_AS_OF = dt.date(2026, 12, 1)


def test_remediation_path_refuses_by_rule_remediates_and_reaches_head(server_url: URL) -> None:
    """006-era data to head: 007 and 008 remediated by their REMEDIATION_SQL, 009 (released without
    one) by its reviewed file alembic/remediation/009_rat_020.sql; the later revisions take the data."""
    head = migrations.head_revision()
    options = Options(from_revision="006", to_revision=head, scale="small", seed=7, as_of=SEED_006_AS_OF)
    run = remediation.rehearse_remediation(options, remediation.era_scripts(SEED_006), server=server_url)
    assert run.passed and run.reached == head, (run.error, run.attempts)
    refusals = {r.revision: r for r in run.refusals}
    assert list(refusals) == ["007", "008", "009"], run.attempts
    cor, quo, rat = refusals["007"], refusals["008"], refusals["009"]
    assert cor.rule == "COR-014" and cor.count and cor.count > 0 and cor.sqlstate == "23514", cor
    assert "e.g. " in cor.message and "REMEDIATION_SQL" in (cor.hint or ""), cor
    assert quo.rule == "QUO-016" and quo.count and quo.count > 0, quo
    done = {m.revision: m for m in run.remediations}
    # Each remediation left one audit record per row it moved aside or fixed, as its revision refused them.
    assert done["007"].audit_records.get("claim.moved_aside_cor_014") == cor.count, done["007"]
    assert done["008"].audit_records.get("quote.binding_remediated", 0) >= quo.count, done["008"]
    assert rat.rule == "RAT-020" and rat.count and rat.count > 0 and rat.sqlstate == "23514", rat
    assert (done["009"].source, done["009"].rule) == ("alembic/remediation/009_rat_020.sql", "RAT-020"), done["009"]
    assert done["007"].source == "REMEDIATION_SQL of 007" and done["007"].rule is None, done["007"]
    # Every quote 009 refused is withdrawn or moved aside, one audit record each (the requotes moved
    # with a bound quote's chain have their own action).
    written = done["009"].audit_records
    assert written.get("quote.offer_withdrawn_rat_020", 0) + written.get("quote.moved_aside_rat_020", 0) == rat.count, written
    assert [a.refusal is None for a in run.attempts] == [False, False, False, True] and run.unremediated is None
    run.seed_sql = "tests/seed_006"
    page = remediation_report.markdown(run)
    assert "**Overall: PASS**" in page and "| COR-014 |" in page and "| QUO-016 |" in page and "## Machine" in page
    assert "| 009 | RAT-020 | `alembic/remediation/009_rat_020.sql` |" in page, page
    again = remediation_report.from_json(json.loads(json.dumps(remediation_report.to_json(run))))
    assert remediation_report.markdown(again) == page


def test_era_scripts_refuse_a_directory_without_generator_files(tmp_path: Path) -> None:
    with pytest.raises(RehearsalError, match=r"holds no \.sql file"):
        remediation.era_scripts(tmp_path)


def test_a_released_revision_without_remediation_sql_is_remediated_by_its_rule_file(tmp_path: Path) -> None:
    """007 carries REMEDIATION_SQL; 009 was released without one, its remediation is the reviewed
    file of the refused rule beside the revisions; a rule with no file has none (the run says so)."""
    options = Options(from_revision="006", to_revision="013", scale="small")

    def refused(revision: str, rule: str) -> remediation.Refusal:
        return remediation.Refusal(revision, rule, 1, "23514", f"{rule}: 1 ...", None, None, 0.0)

    constant = remediation.find_remediation(options, refused("007", "COR-014"))
    assert constant is not None
    assert (constant.source, constant.rule) == ("REMEDIATION_SQL of 007", None) and "remediation_007" in constant.sql
    file = remediation.find_remediation(options, refused("009", "RAT-020"))
    assert file is not None
    assert (file.source, file.rule) == ("alembic/remediation/009_rat_020.sql", "RAT-020"), file.source
    assert file.sql.startswith("-- Reviewed remediation of revision 009") and "BEGIN;" in file.sql and file.sql.rstrip().endswith("COMMIT;")
    assert remediation.find_remediation(options, refused("009", "RAT-018")) is None
    bare = copy_script_directory(tmp_path)
    shutil.rmtree(bare / "remediation")
    assert (
        remediation.find_remediation(
            Options(from_revision="006", to_revision="013", scale="small", script_location=bare), refused("009", "RAT-020")
        )
        is None
    )
