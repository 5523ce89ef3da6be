"""Revision 013 (QUO-022): a priced quote's coverage selections are judged like a policy's coverage.

Each malformed selection is refused on a quote being priced (and on a bound one being changed),
with SQLSTATE 23514, the rule id, the trigger name and the coverage at fault in the message; its
valid twin is accepted. The validator is the policy's own (validate_policy_data, COR-013), shown
by comparing their verdicts; its self-test guards the revision. On a database at 011 holding
violators the revision refuses, naming rule, count and samples, until the reviewed remediation
ran; on generated data it just passes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.samples import Ctx
from schema.samples.core import POLICY_COVERAGE_DATA
from tests.test_quote_invariants import (
    BIND,
    GOOD_COVERAGE,
    GOOD_PRICE,
    NOT_BOUND,
    PRICE,
    QUOTES,
    SMALL,
    _seed,
    accepted,
    agreeing_policy,
    insert_live,
    quoted,
    refusal,
)

REVISION = "013"
RULE_ID = "QUO-022"
TRIGGER = "trg_quotes_coverage_selections_valid"

# The Texas liability part of GOOD_COVERAGE (RAT-020 minimums 30/60/25), kept valid in every
# malformed document below so that only the coverage under test is at fault.
LIABILITY = json.loads(GOOD_COVERAGE)["coverages"][:2]


def _selections(*coverages: Any) -> str:
    return json.dumps({"coverages": [*LIABILITY, *coverages]})


MALFORMED = {
    "limit-a-string": _selections({"type": "collision", "limit": "35000", "deductible": 500}),
    "deductible-missing": _selections({"type": "collision", "limit": 35000}),
    "deductible-negative": _selections({"type": "collision", "limit": 35000, "deductible": -1}),
    "blank-type": _selections({"type": " ", "limit": 35000, "deductible": 500}),
    "coverage-not-an-object": _selections("collision"),
    "coverages-empty": json.dumps({"coverages": []}),
    "coverages-keyed-by-type": json.dumps({"collision": {"limit": 35000, "deductible": 500}}),
}


def _revision() -> ModuleType:
    return ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).module


def assert_refused_by_quo_022(error: psycopg.Error) -> str:
    """SQLSTATE 23514, the trigger as the constraint name, rule id and trigger in the message."""
    message = error.diag.message_primary or ""
    assert error.sqlstate == "23514", f"{error.sqlstate}: {message}"
    assert error.diag.constraint_name == TRIGGER, message
    assert RULE_ID in message and TRIGGER in message, message
    return message


@pytest.fixture
def ctx(head_conn: sa.Connection) -> Ctx:
    return Ctx(head_conn)


# --- the rule on live writes ---------------------------------------------------------------------


@pytest.mark.parametrize("coverage", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_price_on_coverage_no_policy_accepts_is_refused(ctx: Ctx, coverage: str) -> None:
    calculating = insert_live(ctx, **{**NOT_BOUND, "status": "calculating"})
    error = refusal(ctx.conn, PRICE, {**GOOD_PRICE, "coverage": coverage, "id": calculating.id})
    assert_refused_by_quo_022(error)
    accepted(ctx.conn, PRICE, {**GOOD_PRICE, "id": calculating.id})


def test_the_refusal_names_the_first_coverage_at_fault(ctx: Ctx) -> None:
    calculating = insert_live(ctx, **{**NOT_BOUND, "status": "calculating"})
    error = refusal(ctx.conn, PRICE, {**GOOD_PRICE, "coverage": MALFORMED["limit-a-string"], "id": calculating.id})
    message = assert_refused_by_quo_022(error)
    assert 'coverage 3 ({"type": "collision", "limit": "35000"' in message, message


def test_a_bound_quote_cannot_take_malformed_selections_later(ctx: Ctx) -> None:
    quote = quoted(ctx)
    ctx.conn.execute(BIND, {"policy": agreeing_policy(ctx, quote).id, "id": quote.id})
    change = sa.text("UPDATE quotes SET coverage_selections = CAST(:coverage AS jsonb) WHERE id = :id")
    error = refusal(ctx.conn, change, {"coverage": MALFORMED["deductible-missing"], "id": quote.id})
    assert_refused_by_quo_022(error)
    valid = _selections({"type": "collision", "limit": 50000, "deductible": 1000})
    accepted(ctx.conn, change, {"coverage": valid, "id": quote.id})


def test_a_quote_being_worked_on_is_not_judged_until_priced(ctx: Ctx) -> None:
    """A draft may hold half-entered selections; pricing it on them is refused."""
    draft = insert_live(ctx, **NOT_BOUND, coverage_selections=json.loads(MALFORMED["limit-a-string"]))
    ctx.conn.execute(sa.text("UPDATE quotes SET status = 'calculating' WHERE id = :id"), {"id": draft.id})
    keep_selections = sa.text("UPDATE quotes SET status = 'quoted' WHERE id = :id")
    assert_refused_by_quo_022(refusal(ctx.conn, keep_selections, {"id": draft.id}))


def test_the_application_role_writes_through_the_trigger(ctx: Ctx) -> None:
    """app_rw prices a quote on valid selections (the validators run for any role) and is refused
    on malformed ones like the owner."""
    calculating = insert_live(ctx, **{**NOT_BOUND, "status": "calculating"})
    ctx.conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    assert_refused_by_quo_022(refusal(ctx.conn, PRICE, {**GOOD_PRICE, "coverage": MALFORMED["blank-type"], "id": calculating.id}))
    accepted(ctx.conn, PRICE, {**GOOD_PRICE, "id": calculating.id})


# --- one validator for a policy's coverage and a quote's selections ------------------------------


def _judge(conn: sa.Connection, function: str, document: Any) -> bool | None:
    statement = sa.text(f"SELECT {function}(:doc)").bindparams(sa.bindparam("doc", type_=postgresql.JSONB))
    return conn.execute(statement, {"doc": document}).scalar_one()


COVERAGE_LISTS = [
    POLICY_COVERAGE_DATA["coverages"],
    LIABILITY,
    [{"type": "rental", "limit": 0, "deductible": 0}],
    [{"type": "collision", "limit": 100000.5, "deductible": 500, "notes": "extra keys are allowed"}],
    [],
    "collision",
    None,
    [{"type": "", "limit": 1, "deductible": 0}],
    [{"type": "collision", "limit": "25000", "deductible": 0}],
    [{"type": "collision", "limit": 25000, "deductible": -0.01}],
    [{"type": "collision", "limit": 25000}],
    [*LIABILITY, {"type": "towing", "limit": -5, "deductible": 0}],
]


@pytest.mark.parametrize("coverages", COVERAGE_LISTS, ids=[f"list-{i}" for i in range(len(COVERAGE_LISTS))])
def test_a_quote_selection_is_judged_as_the_policy_it_becomes(head_conn: sa.Connection, coverages: Any) -> None:
    """The selections' verdict is validate_policy_data's on the policy payload made from them."""
    policy_payload = copy.deepcopy(POLICY_COVERAGE_DATA) | {"coverages": coverages}
    as_policy = _judge(head_conn, "validate_policy_data", policy_payload)
    as_quote = _judge(head_conn, "validate_coverage_selections", {"coverages": coverages, "package": "standard"})
    assert as_quote is as_policy


@pytest.mark.parametrize("document", [[{"type": "collision"}], "coverages", None, {}])
def test_selections_that_are_not_an_object_with_coverages_are_refused(head_conn: sa.Connection, document: Any) -> None:
    assert _judge(head_conn, "validate_coverage_selections", document) is False


def test_null_gives_null(head_conn: sa.Connection) -> None:
    assert head_conn.execute(sa.text("SELECT validate_coverage_selections(NULL)")).scalar_one() is None


NAIVE_VALIDATOR = """
CREATE OR REPLACE FUNCTION validate_coverage_selections(selections jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT selections <> '{}'::jsonb $$
"""


def test_the_self_test_rejects_a_validator_that_only_wants_something(head_conn: sa.Connection) -> None:
    """008's rule (non-empty) as the validator: the revision's self-test refuses it (rolled back)."""
    savepoint = head_conn.begin_nested()
    try:
        head_conn.execute(sa.text(NAIVE_VALIDATOR))
        with pytest.raises(sa.exc.DBAPIError) as caught:
            head_conn.execute(sa.text(_revision().VALIDATE_COVERAGE_SELECTIONS_SELF_TEST))
    finally:
        savepoint.rollback()
    assert "validate_coverage_selections self-test failed (QUO-022)" in str(caught.value.orig)


# --- the revision on a database that already holds quotes ------------------------------------------

BAD_BOUND = json.loads(_selections({"type": "collision", "limit": "35000", "deductible": 500}))
BAD_QUOTED = json.loads(_selections({"type": "collision", "limit": 35000}))
# The bound quote's policy carries Texas' split limits (RAT-020), so its coverages can become the quote's.
POLICY_COVERAGE = {**POLICY_COVERAGE_DATA, "coverages": [*LIABILITY, {"type": "collision", "limit": 35000, "deductible": 500}]}
OPERATOR_SETTING = "SELECT set_config('app.user_id', :operator, true)"


def _violators(url: URL) -> dict[str, Any]:
    """A bound and a quoted quote whose selections no policy accepts, and a valid priced one, imported
    as history into a database below 013 (the constraint-case samples make them)."""
    eng = database.engine(url)
    try:
        with eng.begin() as conn:
            ctx = Ctx(conn, counter=500)
            customer = ctx.insert("customers")
            policy = ctx.insert("policies", customer_id=customer.id, coverage_data=POLICY_COVERAGE)
            bound = ctx.insert("quotes", customer_id=customer.id, converted_to_policy_id=policy.id, coverage_selections=BAD_BOUND)
            offer = ctx.insert("quotes", status="quoted", converted_to_policy_id=None, coverage_selections=BAD_QUOTED)
            valid = ctx.insert("quotes", status="quoted", converted_to_policy_id=None)
            operator = ctx.insert("users")
        return {"bound": bound, "offer": offer, "valid": valid, "operator": operator, "policy": policy}
    finally:
        eng.dispose()


@pytest.fixture
def database_at_011_with_violators(server_url: URL) -> Iterator[tuple[URL, dict[str, Any]]]:
    down = _revision().down_revision
    with migrations.temporary_database(server_url, "wb_q013", revision=down) as url:
        yield url, _violators(url)


def test_the_revision_refuses_violators_until_remediated(database_at_011_with_violators: tuple[URL, dict[str, Any]]) -> None:
    url, rows = database_at_011_with_violators
    with pytest.raises(sa.exc.DBAPIError) as caught:
        migrations.upgrade(REVISION, url=url)
    orig = caught.value.orig
    message = orig.diag.message_primary
    assert orig.sqlstate == "23514"
    assert message.startswith(f"{RULE_ID}: 2 existing quote(s) break {TRIGGER}, e.g. "), message
    assert str(rows["bound"].id) in message and str(rows["offer"].id) in message and str(rows["valid"].id) not in message
    assert "REMEDIATION_SQL" in (orig.diag.message_hint or "")

    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            assert migrations.current_revision(conn) == _revision().down_revision  # nothing of 013 stayed
            assert conn.execute(sa.text("SELECT to_regprocedure('validate_coverage_selections(jsonb)')")).scalar_one() is None
        with eng.begin() as conn:
            conn.execute(sa.text(OPERATOR_SETTING), {"operator": str(rows["operator"].id)})
            conn.exec_driver_sql(_revision().REMEDIATION_SQL)
        migrations.upgrade(REVISION, url=url)
        with eng.connect() as conn:
            assert migrations.current_revision(conn) == REVISION
            kept = conn.execute(
                sa.text("SELECT quote_id, old_status, old_coverage_selections FROM remediation.quote_coverage_013 ORDER BY old_status")
            ).all()
            assert [(k.quote_id, k.old_status, k.old_coverage_selections) for k in kept] == [
                (rows["bound"].id, "bound", BAD_BOUND),
                (rows["offer"].id, "quoted", BAD_QUOTED),
            ]
            audited = conn.execute(
                sa.text("SELECT resource_id, user_id FROM audit_logs WHERE action = 'quote.coverage_remediated' ORDER BY resource_id")
            ).all()
            assert sorted(audited) == sorted((k.quote_id, rows["operator"].id) for k in kept)
            after = {
                r.id: r
                for r in conn.execute(sa.select(QUOTES).where(QUOTES.c.id.in_([rows["bound"].id, rows["offer"].id, rows["valid"].id])))
            }
            assert after[rows["bound"].id].status == "bound"
            assert after[rows["bound"].id].coverage_selections == {"coverages": POLICY_COVERAGE["coverages"]}
            assert after[rows["offer"].id].status == "expired"
            assert after[rows["offer"].id].updated_by == after[rows["bound"].id].updated_by == rows["operator"].id
            assert after[rows["valid"].id] == rows["valid"]  # untouched
    finally:
        eng.dispose()


def test_the_remediation_needs_the_operator_declared(database_at_011_with_violators: tuple[URL, dict[str, Any]]) -> None:
    """Without SET LOCAL app.user_id the audit trail refuses (SEC-020) and nothing changes."""
    url, rows = database_at_011_with_violators
    eng = database.engine(url)
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught, eng.begin() as conn:
            conn.exec_driver_sql(_revision().REMEDIATION_SQL)
        assert "SEC-020" in str(caught.value.orig)
        with eng.connect() as conn:
            status = conn.execute(sa.select(QUOTES.c.status).where(QUOTES.c.id == rows["offer"].id)).scalar_one()
            assert status == "quoted"
            assert conn.execute(sa.text("SELECT to_regclass('remediation.quote_coverage_013')")).scalar_one() is None
    finally:
        eng.dispose()


def test_the_revision_just_passes_on_generated_data(server_url: URL) -> None:
    """The live volume generator (small scale) writes selections a policy accepts: 013 just passes."""
    down = _revision().down_revision
    with migrations.temporary_database(server_url, "wb_q013g", revision=down) as url:
        _seed(url, {})
        migrations.upgrade(REVISION, url=url)
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                assert migrations.current_revision(conn) == REVISION
                priced = conn.execute(sa.text("SELECT count(*) FROM quotes WHERE status IN ('quoted', 'bound')")).scalar_one()
                assert priced > 0, f"no priced quote at scale {SMALL}"
        finally:
            eng.dispose()
