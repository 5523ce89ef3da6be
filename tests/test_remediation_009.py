"""The remediation of a released revision: 009 refuses 006-era priced quotes (RAT-020), the
reviewed file alembic/remediation/009_rat_020.sql withdraws or moves them aside with an audit
record each, and ``alembic upgrade head`` passes; data that obeys every rule upgrades straight.

Small scale, on the 006-era book as the other invariant tests build it (the generator's files of
that time, tests/seed_006, seed 7, on a fixed day). The runner that finds and runs the file is
proven in tests/test_rehearse.py; here the file's own effects are, row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.rehearse import remediation
from schema.seed import scales, volume

SEED_006 = Path(__file__).parent / "seed_006"
SEED_008_QUOTES = Path(__file__).parent / "seed_008" / "quotes.sql"
SEED_006_AS_OF = dt.date(2026, 12, 1)
REMEDIATION_FILE = database.project_root() / "alembic" / "remediation" / "009_rat_020.sql"
SAMPLES = 5  # ids 009's refusal names

# The quotes 009 refuses in the 006-era data, found here independently of the revision and of the
# file (which carry their own copy of the state-rule test): priced New York auto quotes without
# both coverages N.Y. Ins. Law §5103 and §3420(f)(1) mandate (NY-AUTO-PIP-UM). The generator of
# that time wrote no banned factor and no liability below a state minimum.
NY_WITHOUT_MANDATED = """
SELECT id FROM quotes
WHERE state = 'NY' AND product_type = 'auto' AND status IN ('quoted', 'bound')
  AND NOT (coverage_selections -> 'coverages' @> '[{"type": "personal_injury_protection"}]'
           AND coverage_selections -> 'coverages' @> '[{"type": "uninsured_motorist"}]')
ORDER BY id
"""
# Every requote under the given quotes, however deep (version chains are acyclic, QUO-017).
DESCENDANTS = """
WITH RECURSIVE under (id) AS (
    SELECT id FROM quotes WHERE parent_quote_id::text IN ({ids})
    UNION ALL
    SELECT q.id FROM quotes q JOIN under u ON q.parent_quote_id = u.id
)
SELECT id FROM under
"""
QUOTE_WORLD = {"users", "customers", "policies", "claims", "quotes"}
# The 006-era claims after their policy's cancellation (COR-014), as tests/test_core_invariants.py counts them.
CLAIMS_AFTER_CANCELLATION = """
DELETE FROM claims c USING policies p
WHERE p.id = c.policy_id AND p.cancelled_at IS NOT NULL AND c.loss_date > (p.cancelled_at AT TIME ZONE 'UTC')::date
"""


def _rows(url: URL, sql: str) -> list[Any]:
    with database.connect(url) as conn:
        return list(conn.exec_driver_sql(sql).scalars())


def _at(url: URL) -> str | None:
    with database.connect(url) as conn:
        return migrations.current_revision(conn)


def _audit_actions(url: URL) -> dict[str, int]:
    with database.connect(url) as conn:
        return remediation.audit_actions(conn)


def _refusal(url: URL, revision: str) -> sa.exc.DBAPIError:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        migrations.upgrade(revision, url=url)
    return caught.value


@pytest.fixture
def refused_by_009(server_url: URL) -> Iterator[URL]:
    """The 006-era book at 008, as an operator has it after 007's and 008's remediations: the
    database 009 refuses."""
    with migrations.temporary_database(server_url, "wb_rem009", revision="006") as url:
        eng = database.engine(url)
        with eng.connect() as conn:
            remediation.seed_at(conn, "006", scales.get("small"), 7, SEED_006_AS_OF, remediation.era_scripts(SEED_006), Console(quiet=True))
        eng.dispose()
        for revision in ("007", "008"):
            exc = _refusal(url, revision)
            assert exc.orig is not None and getattr(exc.orig, "sqlstate", None) == "23514", exc
            constant = migrations.script_directory().get_revision(revision).module.REMEDIATION_SQL
            remediation.run_remediation(url, constant)
            migrations.upgrade(revision, url=url)
        yield url


def test_009_refuses_by_rule_the_file_remediates_with_audit_and_head_passes(refused_by_009: URL) -> None:
    url = refused_by_009
    offending = sorted(str(i) for i in _rows(url, NY_WITHOUT_MANDATED))
    bound = sorted(
        str(i) for i in _rows(url, f"SELECT id FROM ({NY_WITHOUT_MANDATED}) o JOIN quotes q USING (id) WHERE q.status = 'bound'")
    )
    assert bound and len(bound) < len(offending), "the 006-era book holds bound and open NY offers without PIP"
    chained = sorted(str(i) for i in _rows(url, DESCENDANTS.format(ids=", ".join(repr(b) for b in bound))))
    assert chained, "the 006-era generator re-quoted bound quotes: their chains move with them"
    moving = set(bound + chained)
    policies = sorted(
        str(i) for i in _rows(url, f"SELECT converted_to_policy_id FROM quotes WHERE id::text IN ({', '.join(repr(b) for b in bound)})")
    )
    events = _rows(url, f"SELECT count(*) FROM analytics_events WHERE quote_id::text IN ({', '.join(repr(q) for q in bound + chained)})")

    # 1. 009 refuses, naming the rule, the count and sample rows, and changes nothing.
    exc = _refusal(url, "009")
    orig: Any = exc.orig
    assert orig.sqlstate == "23514", orig
    message = orig.diag.message_primary
    assert message.startswith(
        f'RAT-020: revision 009 refused: {len(offending)} existing row(s) break the rule "priced quotes obey their state\'s rules", e.g. '
    ), message
    assert all(q in message for q in offending[:SAMPLES]), message
    assert _at(url) == "008"

    # 2. The reviewed file, as an operator runs it (its own transaction).
    remediation.run_remediation(url, REMEDIATION_FILE.read_text(encoding="utf-8"))
    audit = {a: n for a, n in _audit_actions(url).items() if a.endswith("_rat_020")}
    withdrawn = len(set(offending) - moving)
    assert audit == {
        "quote.moved_aside_rat_020": len(moving & set(offending)),
        "quote.offer_withdrawn_rat_020": withdrawn,
        "quote.moved_aside_with_chain_rat_020": len(moving - set(offending)),
    }, audit
    # Every audit record names the quote it is about; every quote 009 refused has exactly one.
    audited = sorted(
        str(i)
        for i in _rows(
            url, "SELECT resource_id FROM audit_logs WHERE action IN ('quote.moved_aside_rat_020', 'quote.offer_withdrawn_rat_020')"
        )
    )
    assert audited == offending
    listed = sorted(str(i) for i in _rows(url, "SELECT quote_id FROM remediation_009.quotes_breaking_state_rules"))
    assert listed == offending
    assert _rows(url, "SELECT DISTINCT split_part(breach, ':', 1) FROM remediation_009.quotes_breaking_state_rules") == ["NY-AUTO-PIP-UM"]
    # Bound quotes and their chains left quotes whole, into the remediation schema; nothing else did.
    moved = sorted(str(i) for i in _rows(url, "SELECT id FROM remediation_009.quotes_moved_aside"))
    assert moved == sorted(moving)
    assert _rows(url, f"SELECT count(*) FROM quotes WHERE id::text IN ({', '.join(repr(q) for q in moved)})") == [0]
    # The withdrawn offers stay, expired, their offer period ended no later than the remediation.
    assert (
        _rows(
            url,
            "SELECT q.status || ' ' || (q.expires_at <= r.remediated_at) FROM quotes q "
            "JOIN remediation_009.quotes_breaking_state_rules r ON r.quote_id = q.id",
        )
        == ["expired true"] * withdrawn
    )
    # The policies stand, listed for review; the analytics links the delete cut are kept.
    assert sorted(str(i) for i in _rows(url, "SELECT policy_id FROM remediation_009.policies_for_compliance_review")) == policies
    assert _rows(url, f"SELECT count(*) FROM policies WHERE id::text IN ({', '.join(repr(p) for p in policies)})") == [len(policies)]
    assert _rows(url, "SELECT count(*) FROM remediation_009.analytics_event_quote_links") == events

    # 3. Then the upgrade passes, all the way.
    migrations.upgrade("head", url=url)
    assert _at(url) == migrations.head_revision()

    # The file is for a database 009 refused: anywhere else it refuses and changes nothing.
    with pytest.raises(
        Exception,
        match=rf"remediation 009_rat_020 is for a database at revision 008 \(refused by 009\), this one is at {migrations.head_revision()}",
    ):
        remediation.run_remediation(url, REMEDIATION_FILE.read_text(encoding="utf-8"))
    assert _rows(url, "SELECT count(*) FROM audit_logs WHERE action ~ '_rat_020$'") == [len(set(offending) | moving)]


def test_006_data_that_obeys_every_rule_upgrades_to_head_without_a_refusal(server_url: URL) -> None:
    """The quote world at 006 as later generators write it where 006 can hold it (quotes as of 008,
    bound ones agreeing with their policy), without the rows the rules judge wrong: the claims after a
    cancellation and the New York auto quotes (priced without PIP). One ``upgrade head``, no refusal."""
    with migrations.temporary_database(server_url, "wb_rem009ok", revision="006") as url:
        eng = database.engine(url)
        try:
            scripts = {name: (SEED_006 / f"{name}.sql").read_text() for name in ("customers", "claims")}
            scripts["quotes"] = SEED_008_QUOTES.read_text()
            with eng.connect() as conn:
                steps, _missing = volume.plan(conn)
                gen = volume.Generator(
                    conn, scales.get("small"), 7, SEED_006_AS_OF, Console(quiet=True), scripts=scripts, at_revision="006"
                )
                gen.prepare()
                gen.run([s for s in steps if s.table in QUOTE_WORLD])
            with eng.begin() as conn:
                conn.exec_driver_sql(CLAIMS_AFTER_CANCELLATION)
                # A requote keeps its parent's state and product, so whole NY auto chains go.
                conn.exec_driver_sql("DELETE FROM quotes WHERE state = 'NY' AND product_type = 'auto'")
                before = conn.exec_driver_sql("SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM claims)").one()
                assert before[0] > 0 and before[1] > 0
        finally:
            eng.dispose()
        migrations.upgrade("head", url=url)
        assert _at(url) == migrations.head_revision()
        assert tuple(_rows(url, "SELECT count(*) FROM quotes") + _rows(url, "SELECT count(*) FROM claims")) == tuple(before)


def test_the_file_carries_the_rule_test_of_009_as_009_wrote_it() -> None:
    """Before 009 runs its table and function do not exist, so the file copies them: the rules that
    judge a quote, row for row, and state_rule_breach_of_quote's body, line for line, reading the copy."""
    m = migrations.script_directory().get_revision("009").module
    text = REMEDIATION_FILE.read_text(encoding="utf-8")
    rows = m._state_rule_values().split(",\n    ")
    for rule, row in zip(m.STATE_RULES, rows, strict=True):
        assert (row in text) == (rule.kind != "minimum_discount"), rule.rule_id
    body = m.BREACH_OF_QUOTE_FUNCTION.split("BEGIN\n", 1)[1].split("\n$$;", 1)[0]
    body = body.replace("FROM state_rating_rules AS s", "FROM pg_temp.state_rating_rules_009 AS s")
    assert "FROM pg_temp.state_rating_rules_009 AS s" in body and body in text
