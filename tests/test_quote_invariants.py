"""Revision 008: the quote invariants across rows, each example of issue 23 refused and its valid twin accepted.

Every refusal is a business refusal: SQLSTATE class 23, and the rule id either in the message (a
trigger) or in the comment of the constraint the error names (a CHECK or FK), so an application
can map it to the rule. The live path is the default; the historical import path
(app.historical_import) is used only where a test needs a row as it stood in the past.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg.errors
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from rich.console import Console
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.models import metadata
from schema.samples import Ctx, refused
from schema.seed import scales, volume

QUOTES = metadata.tables["quotes"]
REVISION = "008"
SEED_006_QUOTES = (database.project_root() / "tests" / "seed_006" / "quotes.sql").read_text()
# The generator as of 008: the live one reads later revisions' tables (009's state_rating_rules).
SEED_008_QUOTES = (database.project_root() / "tests" / "seed_008" / "quotes.sql").read_text()
SMALL = scales.get("small")
AS_OF = dt.datetime.now(dt.UTC).date()
QUOTE_WORLD = {"users", "customers", "policies", "claims", "quotes"}

CONSTRAINT_COMMENT = """
SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = :name
"""
NOT_BOUND = {"status": "draft", "converted_to_policy_id": None}


def historical(conn: sa.Connection, on: bool) -> None:
    """Switch the historical import path (QUO-021) on or off for the rest of the transaction."""
    conn.execute(sa.text("SELECT set_config('app.historical_import', :v, true)"), {"v": "on" if on else "off"})


def refusal(conn: sa.Connection, statement: Any, params: dict | None = None, *, deferred: bool = False) -> psycopg.Error:
    """Run ``statement`` in a savepoint that is always rolled back; return the error it raised."""
    return refused(conn, statement, params, deferred="trg_quotes_version_chain" if deferred else None)


def accepted(conn: sa.Connection, statement: Any, params: dict | None = None, *, deferred: bool = False) -> None:
    """The valid twin: the statement runs (and a deferred check passes) inside a savepoint."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(statement, params or {})
        if deferred:
            conn.execute(sa.text("SET CONSTRAINTS trg_quotes_version_chain IMMEDIATE"))
    finally:
        savepoint.rollback()


def assert_business_refusal(conn: sa.Connection, error: psycopg.Error, rule_id: str, name: str) -> None:
    """Class 23; the rule id is in the message (triggers) or in the named constraint's comment."""
    assert error.sqlstate and error.sqlstate.startswith("23"), f"{error.sqlstate}: {error}"
    message = error.diag.message_primary or ""
    if error.diag.constraint_name:
        assert error.diag.constraint_name == name, message
        comment = conn.execute(sa.text(CONSTRAINT_COMMENT), {"name": name}).scalar_one()
        assert rule_id in comment, comment
    else:
        assert rule_id in message and name in message, message


@pytest.fixture
def ctx(head_conn: sa.Connection) -> Ctx:
    return Ctx(head_conn)


def live_row(ctx: Ctx, **overrides: Any) -> dict[str, Any]:
    """A valid quote row for the live path: no id, no created_at, the import path off."""
    values = ctx.row("quotes", **overrides)
    historical(ctx.conn, False)
    return values


def insert_live(ctx: Ctx, **overrides: Any) -> sa.Row:
    return ctx.conn.execute(QUOTES.insert().values(**live_row(ctx, **overrides)).returning(*QUOTES.c)).one()


def quoted(ctx: Ctx, **overrides: Any) -> sa.Row:
    """A live quote taken draft -> calculating -> quoted (with the sample's price)."""
    row = insert_live(ctx, **NOT_BOUND)
    ctx.conn.execute(sa.text("UPDATE quotes SET status = 'calculating' WHERE id = :id"), {"id": row.id})
    sets = ", ".join(f"{k} = :{k}" for k in overrides)
    ctx.conn.execute(
        sa.text(f"UPDATE quotes SET status = 'quoted'{', ' + sets if sets else ''} WHERE id = :id"), {"id": row.id, **overrides}
    )
    return row


def agreeing_policy(ctx: Ctx, quote: sa.Row, **overrides: Any) -> sa.Row:
    """A policy that agrees with ``quote`` (QUO-016), unless ``overrides`` say otherwise."""
    values = {
        "customer_id": quote.customer_id,
        "product_type": quote.product_type,
        "state": quote.state,
        "effective_date": quote.effective_date,
        "premium_amount": quote.total_premium,
        **overrides,
    }
    return ctx.insert("policies", **values)


BIND = sa.text("UPDATE quotes SET status = 'bound', converted_to_policy_id = :policy WHERE id = :id")


# --- QUO-016: binding agrees with the policy ------------------------------------------------------


def test_a_quote_bound_to_another_customers_policy_is_refused(ctx: Ctx) -> None:
    quote = quoted(ctx)
    stranger = ctx.insert("customers")
    theirs = agreeing_policy(ctx, quote, customer_id=stranger.id)
    error = refusal(ctx.conn, BIND, {"policy": theirs.id, "id": quote.id})
    assert_business_refusal(ctx.conn, error, "QUO-016", "fk_quotes_binding_agrees_with_policy")
    accepted(ctx.conn, BIND, {"policy": agreeing_policy(ctx, quote).id, "id": quote.id})


@pytest.mark.parametrize(
    "disagreement",
    [
        "effective_date = effective_date + 1",
        "total_premium = total_premium + 1",
        "state = 'CA'",
    ],
)
def test_a_policy_that_disagrees_on_date_premium_or_state_cannot_be_bound(ctx: Ctx, disagreement: str) -> None:
    """The quote changes after its policy was drawn up (the policy sample stays as the core domain
    makes it); binding it to that policy is refused."""
    quote = quoted(ctx)
    policy = agreeing_policy(ctx, quote)
    ctx.conn.execute(sa.text(f"UPDATE quotes SET {disagreement} WHERE id = :id"), {"id": quote.id})
    error = refusal(ctx.conn, BIND, {"policy": policy.id, "id": quote.id})
    assert_business_refusal(ctx.conn, error, "QUO-016", "fk_quotes_binding_agrees_with_policy")


def test_a_bound_policy_cannot_drift_away_from_its_quote(ctx: Ctx) -> None:
    quote = quoted(ctx)
    policy = agreeing_policy(ctx, quote)
    ctx.conn.execute(BIND, {"policy": policy.id, "id": quote.id})
    error = refusal(ctx.conn, sa.text("UPDATE policies SET premium_amount = premium_amount + 1 WHERE id = :id"), {"id": policy.id})
    assert_business_refusal(ctx.conn, error, "QUO-016", "fk_quotes_binding_agrees_with_policy")


# --- QUO-013/014/015: the lifecycle ----------------------------------------------------------------


def test_a_bound_quote_cannot_be_reopened(ctx: Ctx) -> None:
    quote = quoted(ctx)
    ctx.conn.execute(BIND, {"policy": agreeing_policy(ctx, quote).id, "id": quote.id})
    reopen = sa.text("UPDATE quotes SET status = 'quoted', converted_to_policy_id = NULL WHERE id = :id")
    error = refusal(ctx.conn, reopen, {"id": quote.id})
    assert_business_refusal(ctx.conn, error, "QUO-014", "trg_quotes_status_transition")
    other = quoted(ctx)
    accepted(ctx.conn, sa.text("UPDATE quotes SET status = 'expired' WHERE id = :id"), {"id": other.id})


def test_a_bound_quote_still_takes_changes_that_leave_its_status(ctx: Ctx) -> None:
    """Writing the same status back (an ORM saving every column) is no transition."""
    quote = quoted(ctx)
    ctx.conn.execute(BIND, {"policy": agreeing_policy(ctx, quote).id, "id": quote.id})
    accepted(ctx.conn, sa.text("UPDATE quotes SET status = 'bound', conversion_probability = 1 WHERE id = :id"), {"id": quote.id})


def test_an_expired_offer_cannot_be_bound(ctx: Ctx) -> None:
    quote = quoted(ctx)
    ctx.conn.execute(sa.text("UPDATE quotes SET status = 'expired' WHERE id = :id"), {"id": quote.id})
    error = refusal(ctx.conn, BIND, {"policy": agreeing_policy(ctx, quote).id, "id": quote.id})
    assert_business_refusal(ctx.conn, error, "QUO-014", "trg_quotes_status_transition")
    # The mirror: the same offer, still quoted, binds.
    still_open = quoted(ctx)
    accepted(ctx.conn, BIND, {"policy": agreeing_policy(ctx, still_open).id, "id": still_open.id})


def test_a_quote_past_expires_at_cannot_be_bound(ctx: Ctx) -> None:
    created = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    values = ctx.row(
        "quotes", **{**NOT_BOUND, "status": "quoted"}, created_at=created, updated_at=created, expires_at=created + dt.timedelta(days=30)
    )
    late = ctx.conn.execute(QUOTES.insert().values(**values).returning(*QUOTES.c)).one()  # imported, as it stood
    historical(ctx.conn, False)
    error = refusal(ctx.conn, BIND, {"policy": agreeing_policy(ctx, late).id, "id": late.id})
    assert_business_refusal(ctx.conn, error, "QUO-015", "trg_quotes_status_transition")
    open_offer = quoted(ctx)
    accepted(ctx.conn, BIND, {"policy": agreeing_policy(ctx, open_offer).id, "id": open_offer.id})


def test_a_quote_cannot_be_inserted_already_bound(ctx: Ctx) -> None:
    values = live_row(ctx)
    error = refusal(ctx.conn, QUOTES.insert().values(**values))
    assert_business_refusal(ctx.conn, error, "QUO-013", "trg_quotes_status_transition")
    for first in ("draft", "calculating"):
        accepted(ctx.conn, QUOTES.insert().values(**live_row(ctx, **{**NOT_BOUND, "status": first})))


def test_a_status_change_outside_the_table_is_refused(ctx: Ctx) -> None:
    draft = insert_live(ctx, **NOT_BOUND)
    error = refusal(ctx.conn, sa.text("UPDATE quotes SET status = 'quoted' WHERE id = :id"), {"id": draft.id})
    assert_business_refusal(ctx.conn, error, "QUO-013", "trg_quotes_status_transition")


# --- QUO-017: version chains -----------------------------------------------------------------------


def test_two_requotes_that_are_each_others_parent_are_refused(ctx: Ctx) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    base = live_row(ctx, **NOT_BOUND)
    rows = [{**base, "id": a, "parent_quote_id": b, "version": 2}, {**base, "id": b, "parent_quote_id": a, "version": 3}]
    error = refusal(ctx.conn, QUOTES.insert().values(rows), deferred=True)
    assert_business_refusal(ctx.conn, error, "QUO-017", "trg_quotes_version_chain")
    chain = [{**base, "id": a, "parent_quote_id": None, "version": 1}, {**base, "id": b, "parent_quote_id": a, "version": 2}]
    accepted(ctx.conn, QUOTES.insert().values(chain), deferred=True)


def test_a_requote_cannot_switch_the_line_of_business(ctx: Ctx) -> None:
    parent = insert_live(ctx, **NOT_BOUND)
    home = {
        "product_type": "home",
        "vehicle_info": sa.null(),
        "drivers": sa.null(),
        "property_info": {"construction": "frame", "year_built": 1998},
    }
    child = live_row(ctx, **NOT_BOUND, **home, customer_id=parent.customer_id, parent_quote_id=parent.id, version=2)
    error = refusal(ctx.conn, QUOTES.insert().values(**child), deferred=True)
    assert_business_refusal(ctx.conn, error, "QUO-017", "trg_quotes_version_chain")
    same_line = live_row(ctx, **NOT_BOUND, customer_id=parent.customer_id, parent_quote_id=parent.id, version=2)
    accepted(ctx.conn, QUOTES.insert().values(**same_line), deferred=True)
    error = refusal(
        ctx.conn,
        sa.text("UPDATE quotes SET product_type = 'renters', vehicle_info = NULL, drivers = NULL WHERE id = :id"),
        {"id": parent.id},
    )
    assert_business_refusal(ctx.conn, error, "QUO-017", "trg_quotes_server_owned")


# --- QUO-018..020: priced means complete ---------------------------------------------------------

PRICE = sa.text(
    "UPDATE quotes SET status = 'quoted', drivers = CAST(:drivers AS jsonb), "
    "coverage_selections = CAST(:coverage AS jsonb), total_premium = :total, monthly_premium = :monthly, "
    "base_premium = :base WHERE id = :id"
)
# A complete price for the sample's Texas auto quote: the coverage shape the state rules read, with
# Texas minimum liability 30/60/25 (RAT-020, revision 009), so only the broken field is refused.
GOOD_COVERAGE = (
    '{"coverages": [{"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0}, '
    '{"type": "property_damage", "limit": 25000, "deductible": 0}, '
    '{"type": "collision", "limit": 35000, "deductible": 500}]}'
)
GOOD_PRICE = {
    "drivers": '[{"age": 40}]',
    "coverage": GOOD_COVERAGE,
    "total": Decimal("812.40"),
    "monthly": Decimal("135.40"),
    "base": Decimal("900.00"),
}


@pytest.mark.parametrize(
    ("change", "constraint", "rule_id"),
    [
        ({"drivers": "[]"}, "ck_quotes_auto_risk_complete_when_priced", "QUO-018"),
        ({"coverage": "{}"}, "ck_quotes_coverage_selections_not_empty_when_priced", "QUO-018"),
        ({"monthly": Decimal("900.00")}, "ck_quotes_monthly_within_total", "QUO-019"),
        ({"total": Decimal("0.00"), "monthly": Decimal("0.00")}, "ck_quotes_premiums_positive_when_priced", "QUO-019"),
    ],
    ids=["auto-without-driver", "empty-coverage", "monthly-above-term", "priced-at-zero"],
)
def test_an_incomplete_price_is_refused(ctx: Ctx, change: dict, constraint: str, rule_id: str) -> None:
    calculating = insert_live(ctx, **{**NOT_BOUND, "status": "calculating"})
    error = refusal(ctx.conn, PRICE, {**GOOD_PRICE, **change, "id": calculating.id})
    assert_business_refusal(ctx.conn, error, rule_id, constraint)
    accepted(ctx.conn, PRICE, {**GOOD_PRICE, "id": calculating.id})


def test_a_decline_without_a_reason_is_refused(ctx: Ctx) -> None:
    calculating = insert_live(ctx, **{**NOT_BOUND, "status": "calculating"})
    decline = sa.text("UPDATE quotes SET status = 'declined', declined_reasons = CAST(:why AS jsonb) WHERE id = :id")
    error = refusal(ctx.conn, decline, {"why": "[]", "id": calculating.id})
    assert_business_refusal(ctx.conn, error, "QUO-020", "ck_quotes_declined_reasons_not_empty")
    accepted(ctx.conn, decline, {"why": '["prior_losses_exceed_guidelines"]', "id": calculating.id})


# --- QUO-021: server-owned facts ---------------------------------------------------------------------


def test_created_at_written_by_the_caller_is_refused(ctx: Ctx) -> None:
    past = dt.datetime(2019, 5, 1, tzinfo=dt.UTC)
    values = live_row(ctx, **NOT_BOUND, created_at=past)
    error = refusal(ctx.conn, QUOTES.insert().values(**values))
    assert_business_refusal(ctx.conn, error, "QUO-021", "trg_quotes_server_owned")
    row = insert_live(ctx, **NOT_BOUND)
    assert row.created_at == ctx.conn.execute(sa.text("SELECT now()")).scalar_one()
    error = refusal(ctx.conn, sa.text("UPDATE quotes SET created_at = created_at - interval '1 day' WHERE id = :id"), {"id": row.id})
    assert_business_refusal(ctx.conn, error, "QUO-021", "trg_quotes_server_owned")


def test_the_owner_imports_history_and_no_other_role_may(ctx: Ctx) -> None:
    past = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    values = ctx.row("quotes", **NOT_BOUND, created_at=past, updated_at=past, expires_at=past + dt.timedelta(days=30))
    accepted(ctx.conn, QUOTES.insert().values(**values))  # the sample declared the path; we are the owner
    ctx.conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    error = refusal(ctx.conn, QUOTES.insert().values(**values))
    assert error.sqlstate == "42501" and "QUO-021" in (error.diag.message_primary or ""), error
    historical(ctx.conn, False)
    error = refusal(ctx.conn, QUOTES.insert().values(**values))
    assert_business_refusal(ctx.conn, error, "QUO-021", "trg_quotes_server_owned")


# --- concurrency: a chain only extends committed quotes ----------------------------------------------


@pytest.fixture(scope="module")
def head_scratch(server_url: URL) -> Iterator[URL]:
    with migrations.temporary_database(server_url, "wb_q008c", revision="head") as url:
        yield url


def test_a_requote_of_an_uncommitted_quote_is_refused_and_never_hangs_off_it(head_scratch: URL) -> None:
    """Session 1 inserts a requote and holds it uncommitted; session 2 makes a requote of that one.
    The parent FK does not see an uncommitted parent, so session 2 is refused by it at once (with a
    lock_timeout, so a wait would fail differently: until revision 012 session 2 also queued on the
    quote-number counter row, which made it look as if the FK waited); session 1 then rolls back,
    and a chain never hangs off a quote that did not commit. A cycle across sessions would need
    each row to exist before the other, which the immediate parent FK and the fixed
    parent_quote_id rule out; inside one transaction trg_quotes_version_chain sees it at commit."""
    eng = database.engine(head_scratch)
    try:
        with eng.connect() as setup:
            root = insert_live(Ctx(setup), **NOT_BOUND)
            setup.commit()
        first, second = uuid.uuid4(), uuid.uuid4()
        with eng.connect() as one, eng.connect() as two:
            values = live_row(Ctx(one, counter=1000), **NOT_BOUND, customer_id=root.customer_id)
            one.execute(QUOTES.insert().values(**{**values, "id": first, "parent_quote_id": root.id, "version": 2}))
            two.exec_driver_sql("SET lock_timeout = '5s'")
            values = live_row(Ctx(two, counter=2000), **NOT_BOUND, customer_id=root.customer_id)
            with pytest.raises(sa.exc.IntegrityError) as refused:
                two.execute(QUOTES.insert().values(**{**values, "id": second, "parent_quote_id": first, "version": 3}))
            assert refused.value.orig.diag.constraint_name == "fk_quotes_parent_quote_id_customer_id_quotes"
            two.rollback()
            one.rollback()
        with eng.connect() as check:
            left = check.execute(sa.text("SELECT count(*) FROM quotes WHERE id IN (:a, :b)"), {"a": first, "b": second})
            assert left.scalar_one() == 0
    finally:
        eng.dispose()


# --- the revision on data from 006 -------------------------------------------------------------------


def _down_revision() -> str:
    down = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def _seed(url: URL, scripts: dict[str, str]) -> None:
    """The volume generator at small scale on a database below 008, for the tables quotes need (the
    rate seed and the later steps insist on head)."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            steps, _missing = volume.plan(conn)
            gen = volume.Generator(conn, SMALL, 7, AS_OF, Console(quiet=True), scripts=scripts)
            gen.prepare()
            gen.run([s for s in steps if s.table in QUOTE_WORLD])
    finally:
        eng.dispose()


def test_the_revision_refuses_006_data_until_remediated(server_url: URL) -> None:
    with migrations.temporary_database(server_url, "wb_q008", revision=_down_revision()) as url:
        _seed(url, {"quotes": SEED_006_QUOTES})
        with pytest.raises(sa.exc.DBAPIError) as caught:
            migrations.upgrade(REVISION, url=url)
        message = caught.value.orig.diag.message_primary
        assert caught.value.orig.sqlstate == "23514"
        assert message.startswith("QUO-016: ") and "fk_quotes_binding_agrees_with_policy, e.g. " in message, message
        assert int(message.split(": ")[1].split(" ")[0]) > 0
        remediation = ScriptDirectory.from_config(migrations.alembic_config()).get_revision(REVISION).module.REMEDIATION_SQL
        eng = database.engine(url)
        try:
            with eng.begin() as conn:
                conn.exec_driver_sql(remediation)
            migrations.upgrade(REVISION, url=url)
            with eng.connect() as conn:
                kept = conn.execute(sa.text("SELECT count(*) FROM remediation.quote_binding_008")).scalar_one()
                audited = conn.execute(sa.text("SELECT count(*) FROM audit_logs WHERE action = 'quote.binding_remediated'")).scalar_one()
                assert kept == audited > 0
                assert migrations.current_revision(conn) == REVISION
        finally:
            eng.dispose()


def test_the_revision_just_passes_on_data_that_obeys_it(server_url: URL) -> None:
    with migrations.temporary_database(server_url, "wb_q008", revision=_down_revision()) as url:
        _seed(url, {"quotes": SEED_008_QUOTES})
        migrations.upgrade(REVISION, url=url)
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                assert migrations.current_revision(conn) == REVISION
                bound = conn.execute(sa.text("SELECT count(*) FROM quotes WHERE status = 'bound'")).scalar_one()
                assert bound > 0
        finally:
            eng.dispose()
