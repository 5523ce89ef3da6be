"""Rating governance (revision 009, issue 17): every example the issue found accepted is refused by
name with a SQLSTATE of class 23, and its valid twin is accepted. Filed rates freeze (RAT-015), rate
periods never overlap, even under two concurrent writers (RAT-016), approvals come from the right
roles (ADM-022..ADM-025), and the state rules are rows the triggers read (RAT-017..RAT-020)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, migrations, samples
from schema.models import metadata
from schema.samples import Ctx
from schema.samples.admin import rate_admin_id

REVISION = "009"
FROZEN = "trg_rate_tables_filed_rate_frozen"
NO_OVERLAP = "trg_rate_tables_no_overlapping_periods"
AUTHORITY = "trg_admin_rate_approvals_authority"
RATE_RULES = "trg_rate_tables_state_rules"
DISCOUNT_RULES = "trg_discount_rules_state_rules"
QUOTE_RULES = "trg_quotes_state_rules"
RULE_CHANGE = "trg_state_rating_rules_filings_comply"


def refused(conn: sa.Connection, statement, params: dict | None = None) -> psycopg.Error:
    """Run ``statement`` in a savepoint, expect a business refusal (SQLSTATE class 23), return it."""
    error = samples.refused(conn, statement, params)
    assert error.sqlstate and error.sqlstate.startswith("23"), f"{error.sqlstate}: {error}"
    return error


def assert_refused_by(error: psycopg.Error, name: str, rule: str) -> None:
    assert error.diag.constraint_name == name, str(error)
    assert rule in str(error) and name in str(error), str(error)


def insert(conn: sa.Connection, table: str, values: dict):
    t = metadata.tables[table]
    return conn.execute(t.insert().values(**values).returning(*t.c)).one()


def try_insert(conn: sa.Connection, table: str, values: dict) -> psycopg.Error:
    return refused(conn, metadata.tables[table].insert().values(**values))


def submit(ctx: Ctx, rate_id: uuid.UUID, **overrides) -> sa.Row:
    return ctx.insert("admin_rate_approvals", rate_table_id=rate_id, **overrides)


APPROVE = "UPDATE admin_rate_approvals SET status = 'approved', approved_by = :admin, approved_at = now() WHERE id = :id"
REJECT = (
    "UPDATE admin_rate_approvals SET status = 'rejected', rejected_by = :admin, rejected_at = now(), "
    "rejection_reason = 'Indication not supported.' WHERE id = :id"
)


def approved_rate(ctx: Ctx, **overrides) -> sa.Row:
    rate = ctx.insert("rate_tables", **overrides)
    approval = submit(ctx, rate.id)
    ctx.conn.execute(sa.text(APPROVE), {"admin": rate_admin_id(ctx, "approve"), "id": approval.id})
    return rate


# --- RAT-015: approved rates are immutable ------------------------------------------------------------


def test_an_approved_rate_cannot_be_edited_in_place(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = approved_rate(ctx)
    edit = "UPDATE rate_tables SET base_rate = base_rate * 1.1 WHERE id = :id"
    assert_refused_by(refused(head_conn, edit, {"id": rate.id}), FROZEN, "RAT-015")
    factors = "UPDATE rate_tables SET territory_factors = '{\"770\": 2.0}' WHERE id = :id"
    assert_refused_by(refused(head_conn, factors, {"id": rate.id}), FROZEN, "RAT-015")
    # Twin: a draft nobody submitted is still edited in place.
    draft = ctx.insert("rate_tables")
    assert head_conn.execute(sa.text(edit), {"id": draft.id}).rowcount == 1


def test_admin_rw_cannot_edit_an_approved_rate_either(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = approved_rate(ctx)
    head_conn.exec_driver_sql("SET LOCAL ROLE admin_rw")
    edit = "UPDATE rate_tables SET min_premium = 1 WHERE id = :id"
    assert_refused_by(refused(head_conn, edit, {"id": rate.id}), FROZEN, "RAT-015")
    head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    error = refused(head_conn, edit, {"id": rate.id})
    assert_refused_by(error, FROZEN, "RAT-015")
    assert "only for the owner" in str(error)


def test_the_owner_corrects_a_frozen_rate_through_the_historical_import_path(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = approved_rate(ctx)
    head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
    head_conn.execute(sa.text("UPDATE rate_tables SET base_rate = 43.000000 WHERE id = :id"), {"id": rate.id})
    assert head_conn.execute(sa.text("SELECT base_rate FROM rate_tables WHERE id = :id"), {"id": rate.id}).scalar() == Decimal("43.000000")


def test_a_pending_rate_is_frozen_and_a_rejected_one_editable_again(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = ctx.insert("rate_tables")
    approval = submit(ctx, rate.id)
    edit = "UPDATE rate_tables SET max_premium = 5000 WHERE id = :id"
    assert_refused_by(refused(head_conn, edit, {"id": rate.id}), FROZEN, "RAT-015")
    head_conn.execute(sa.text(REJECT), {"admin": rate_admin_id(ctx, "approve"), "id": approval.id})
    assert head_conn.execute(sa.text(edit), {"id": rate.id}).rowcount == 1


def test_an_approved_rate_may_only_end_earlier(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    # Comprehensive: the approval sample's own (collision) rate must not fall inside this closed period.
    rate = approved_rate(ctx, coverage_type="comprehensive", expiration_date=dt.date(2035, 1, 1))
    later = "UPDATE rate_tables SET expiration_date = '2036-01-01' WHERE id = :id"
    assert_refused_by(refused(head_conn, later, {"id": rate.id}), FROZEN, "RAT-015")
    reopen = "UPDATE rate_tables SET expiration_date = NULL WHERE id = :id"
    assert_refused_by(refused(head_conn, reopen, {"id": rate.id}), FROZEN, "RAT-015")
    earlier = "UPDATE rate_tables SET expiration_date = '2034-01-01', approved_by = 'TDI examiner' WHERE id = :id"
    assert head_conn.execute(sa.text(earlier), {"id": rate.id}).rowcount == 1
    again = "UPDATE rate_tables SET approved_by = 'another examiner' WHERE id = :id"
    assert_refused_by(refused(head_conn, again, {"id": rate.id}), FROZEN, "RAT-015")


def test_an_approved_rate_takes_no_new_submission(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = approved_rate(ctx)
    error = try_insert(head_conn, "admin_rate_approvals", ctx.row("admin_rate_approvals", rate_table_id=rate.id))
    assert_refused_by(error, AUTHORITY, "RAT-015")
    # Twin: the change is a new rate row (a mid-year revision) with its own submission.
    revision = ctx.insert("rate_tables", effective_date=rate.effective_date + dt.timedelta(days=181))
    submit(ctx, revision.id)


# --- RAT-016: rate periods never overlap ----------------------------------------------------------------


def _period(ctx: Ctx, start: dt.date, end: dt.date | None, **overrides) -> dict:
    return ctx.row("rate_tables", effective_date=start, expiration_date=end, **overrides)


def test_two_closed_periods_that_overlap_are_refused(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    insert(head_conn, "rate_tables", _period(ctx, dt.date(2040, 1, 1), dt.date(2041, 1, 1)))
    error = try_insert(head_conn, "rate_tables", _period(ctx, dt.date(2040, 7, 1), dt.date(2041, 7, 1)))
    assert_refused_by(error, NO_OVERLAP, "RAT-016")
    assert error.sqlstate == "23P01"
    # Starting before and ending inside: the earlier one contains the other's start.
    error = try_insert(head_conn, "rate_tables", _period(ctx, dt.date(2039, 7, 1), dt.date(2040, 7, 1)))
    assert_refused_by(error, NO_OVERLAP, "RAT-016")
    # Twin: the next period starts the day the first ends (expiration is the first day it no longer applies).
    insert(head_conn, "rate_tables", _period(ctx, dt.date(2041, 1, 1), dt.date(2042, 1, 1)))


def test_an_open_ended_rate_cannot_start_inside_a_closed_period(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    insert(head_conn, "rate_tables", _period(ctx, dt.date(2043, 1, 1), dt.date(2044, 1, 1)))
    error = try_insert(head_conn, "rate_tables", _period(ctx, dt.date(2043, 6, 1), None))
    assert_refused_by(error, NO_OVERLAP, "RAT-016")
    # Moving an existing row into the period is refused as well.
    other = insert(head_conn, "rate_tables", _period(ctx, dt.date(2045, 1, 1), None))
    error = refused(head_conn, "UPDATE rate_tables SET effective_date = '2043-03-01' WHERE id = :id", {"id": other.id})
    assert_refused_by(error, NO_OVERLAP, "RAT-016")


RATE_IN_FORCE = sa.text(
    """
    SELECT filing_id FROM rate_tables
    WHERE state = 'TX' AND product_type = 'auto' AND coverage_type = :coverage
      AND effective_date <= :day AND (expiration_date IS NULL OR expiration_date > :day)
    ORDER BY effective_date DESC LIMIT 1
    """
)


def test_a_mid_year_revision_supersedes_an_approved_open_ended_rate(head_conn: sa.Connection) -> None:
    """The filed rate is approved (frozen) and open-ended; the revision is one INSERT from July 1,
    with its own approval, and the rate in force switches on that day (RAT-001, RAT-016)."""
    ctx = Ctx(head_conn)
    coverage = "rental_reimbursement"  # an optional coverage (RAT-002), a key no other test uses
    january = approved_rate(ctx, coverage_type=coverage, effective_date=dt.date(2046, 1, 1), filing_id="ABCD-123456789")
    july = ctx.insert(
        "rate_tables",
        coverage_type=coverage,
        effective_date=dt.date(2046, 7, 1),
        filing_id="ABCD-123456790",
        base_rate=january.base_rate * Decimal("1.05"),
    )
    submit(ctx, july.id)
    in_force = [
        head_conn.execute(RATE_IN_FORCE, {"coverage": coverage, "day": day}).scalar()
        for day in (dt.date(2046, 3, 1), dt.date(2046, 6, 30), dt.date(2046, 7, 1), dt.date(2050, 1, 1))
    ]
    assert in_force == ["ABCD-123456789", "ABCD-123456789", "ABCD-123456790", "ABCD-123456790"]
    # The earlier row was not touched to make room.
    after = head_conn.execute(sa.text("SELECT expiration_date FROM rate_tables WHERE id = :id"), {"id": january.id}).scalar()
    assert after is None


def test_two_concurrent_sessions_inserting_overlapping_periods_exactly_one_commits(head_engine: sa.Engine) -> None:
    """Each insert alone is valid; together they overlap. The advisory lock makes the second wait
    for the first; once the first commits the second sees its row and is refused."""
    tag = secrets.randbelow(400)
    start = dt.date(2100 + tag, 1, 1)
    rates = metadata.tables["rate_tables"]

    def values(begin: dt.date, end: dt.date) -> dict:
        with head_engine.connect() as conn:
            return Ctx(conn).row("rate_tables", coverage_type="towing_and_labor", effective_date=begin, expiration_date=end)

    first_row = values(start, start.replace(year=start.year + 1))
    second_row = values(start.replace(month=6), start.replace(year=start.year + 1, month=6))
    try:
        with head_engine.connect() as first, head_engine.connect() as second, ThreadPoolExecutor(1) as pool:
            first.execute(rates.insert().values(**first_row))

            def insert_the_overlap() -> None:
                with second.begin():
                    second.execute(rates.insert().values(**second_row))

            pending = pool.submit(insert_the_overlap)
            time.sleep(0.5)
            assert not pending.done(), "the second insert must wait for the first writer of the key"
            first.commit()
            with pytest.raises(sa.exc.DBAPIError) as caught:
                pending.result(timeout=30)
        error = caught.value.orig
        assert error.sqlstate == "23P01" and error.diag.constraint_name == NO_OVERLAP, str(error)
        with head_engine.connect() as check:
            committed = check.execute(
                sa.text("SELECT count(*) FROM rate_tables WHERE coverage_type = 'towing_and_labor' AND effective_date IN (:a, :b)"),
                {"a": first_row["effective_date"], "b": second_row["effective_date"]},
            ).scalar()
        assert committed == 1
    finally:
        with head_engine.begin() as cleanup:
            cleanup.execute(
                sa.text("DELETE FROM rate_tables WHERE coverage_type = 'towing_and_labor' AND effective_date IN (:a, :b)"),
                {"a": first_row["effective_date"], "b": second_row["effective_date"]},
            )


# --- ADM-022..ADM-025: approval authority -----------------------------------------------------------------


def test_a_deactivated_approver_cannot_decide(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    approval = submit(ctx, ctx.insert("rate_tables").id)
    gone = rate_admin_id(ctx, "approve")
    head_conn.execute(sa.text("UPDATE admin_users SET deactivated_at = now() - interval '1 day' WHERE id = :id"), {"id": gone})
    assert_refused_by(refused(head_conn, APPROVE, {"admin": gone, "id": approval.id}), AUTHORITY, "ADM-022")
    head_conn.execute(sa.text(APPROVE), {"admin": rate_admin_id(ctx, "approve"), "id": approval.id})


def test_an_admin_without_the_approve_permission_cannot_decide(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    approval = submit(ctx, ctx.insert("rate_tables").id)
    analyst = rate_admin_id(ctx, "write", "read")
    assert_refused_by(refused(head_conn, APPROVE, {"admin": analyst, "id": approval.id}), AUTHORITY, "ADM-022")
    assert_refused_by(refused(head_conn, REJECT, {"admin": analyst, "id": approval.id}), AUTHORITY, "ADM-022")
    head_conn.execute(sa.text(REJECT), {"admin": rate_admin_id(ctx, "approve"), "id": approval.id})


def test_the_approve_right_is_inherited_from_parents_never_from_children(head_conn: sa.Connection) -> None:
    """rate_approver under rate_analyst (the seeded tree): the approver inherits the analyst's
    write; an analyst whose child role holds approve does not hold it."""
    ctx = Ctx(head_conn)
    approver_parent = rate_admin_id(ctx, "approve")
    parent_role = head_conn.execute(sa.text("SELECT role_id FROM admin_users WHERE id = :id"), {"id": approver_parent}).scalar()
    child_role = ctx.insert("admin_roles", parent_role_id=parent_role).id
    inheriting = ctx.insert("admin_users", role_id=child_role).id
    first = submit(ctx, ctx.insert("rate_tables").id)
    head_conn.execute(sa.text(APPROVE), {"admin": inheriting, "id": first.id})

    analyst_role = head_conn.execute(
        sa.text("SELECT role_id FROM admin_users WHERE id = :id"), {"id": rate_admin_id(ctx, "write")}
    ).scalar()
    approver_child_role = ctx.insert("admin_roles", parent_role_id=analyst_role).id
    links = metadata.tables["admin_role_permissions"]
    permission = head_conn.execute(
        sa.text("SELECT id FROM admin_permissions WHERE resource = 'rate_tables' AND action = 'approve'")
    ).scalar_one()
    head_conn.execute(links.insert().values(role_id=approver_child_role, permission_id=permission))
    plain_analyst = ctx.insert("admin_users", role_id=analyst_role).id
    second = submit(ctx, ctx.insert("rate_tables").id)
    assert_refused_by(refused(head_conn, APPROVE, {"admin": plain_analyst, "id": second.id}), AUTHORITY, "ADM-022")


def test_a_submission_needs_the_write_permission(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = ctx.insert("rate_tables")
    nobody = ctx.insert("admin_users").id  # a role without permissions
    error = try_insert(head_conn, "admin_rate_approvals", ctx.row("admin_rate_approvals", rate_table_id=rate.id, submitted_by=nobody))
    assert_refused_by(error, AUTHORITY, "ADM-023")
    submit(ctx, rate.id)


def test_one_pending_approval_per_rate(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rate = ctx.insert("rate_tables")
    first = submit(ctx, rate.id)
    error = try_insert(head_conn, "admin_rate_approvals", ctx.row("admin_rate_approvals", rate_table_id=rate.id))
    assert error.sqlstate == "23505" and error.diag.constraint_name == "uq_admin_rate_approvals_pending_rate_table_id"
    head_conn.execute(sa.text(REJECT), {"admin": rate_admin_id(ctx, "approve"), "id": first.id})
    submit(ctx, rate.id)  # twin: once the first is decided, a new submission is accepted


def test_an_approval_summarizes_what_changed(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    error = try_insert(head_conn, "admin_rate_approvals", ctx.row("admin_rate_approvals", changes_summary={}))
    assert error.diag.constraint_name == "ck_admin_rate_approvals_changes_summary_not_empty"
    ctx.insert("admin_rate_approvals", changes_summary={"base_rate": {"old": "1.000000", "new": "1.050000"}})


# --- RAT-017..RAT-020: state regulation as data --------------------------------------------------------------


def test_california_refuses_a_gender_factor_in_auto_rating(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    ca = {"state": "CA", "filing_id": "CA-AUTO-2026-001", "credit_factors": sa.null()}
    gendered = {"age_25_64": 1.0, "gender_female": 0.94}
    error = try_insert(head_conn, "rate_tables", ctx.row("rate_tables", **ca, driver_factors=gendered))
    assert_refused_by(error, RATE_RULES, "RAT-018")
    assert "CA-AUTO-NO-GENDER" in str(error) and "2632.5" in str(error)
    ctx.insert("rate_tables", **ca)  # twin: the same rate without the gender factor
    ctx.insert("rate_tables", driver_factors=gendered)  # Texas allows it


def test_maryland_refuses_credit_in_home_rating(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    md_home = {
        "state": "MD",
        "product_type": "home",
        "coverage_type": "dwelling",
        "filing_id": "MD-HOME-2026-001",
        "vehicle_factors": sa.null(),
        "driver_factors": sa.null(),
    }
    error = try_insert(head_conn, "rate_tables", ctx.row("rate_tables", **md_home))
    assert_refused_by(error, RATE_RULES, "RAT-018")
    assert "MD-HOME-NO-CREDIT" in str(error)
    ctx.insert("rate_tables", **md_home | {"credit_factors": sa.null()})
    ctx.insert("rate_tables", state="MD", filing_id="MD-AUTO-2026-001")  # credit is allowed in MD auto


def test_the_california_good_driver_discount_stays_at_least_20_percent(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    good_driver = {"code": "GOOD_DRIVER", "product_types": ["auto"], "states": ["CA"], "max_discount_amount": None}
    error = try_insert(head_conn, "discount_rules", ctx.row("discount_rules", **good_driver, discount_value=Decimal("15.00")))
    assert_refused_by(error, DISCOUNT_RULES, "RAT-019")
    assert "CA-AUTO-GOOD-DRIVER-20" in str(error) and "1861.025" in str(error)
    rule = ctx.insert("discount_rules", **good_driver, discount_value=Decimal("20.00"))
    cut = "UPDATE discount_rules SET discount_value = 19.99 WHERE id = :id"
    assert_refused_by(refused(head_conn, cut, {"id": rule.id}), DISCOUNT_RULES, "RAT-019")


def _quote(ctx: Ctx, state: str, coverages: list[dict], rating_factors: dict) -> dict:
    """A priced (quoted, not bound) auto quote in ``state``: a bound one must agree with its policy's
    state (QUO-016, revision 008), which is not what these tests are about."""
    return ctx.row(
        "quotes",
        state=state,
        status="quoted",
        converted_to_policy_id=None,
        coverage_selections={"coverages": coverages},
        rating_factors=rating_factors,
    )


BI = {"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0}
PD = {"type": "property_damage", "limit": 25000, "deductible": 0}
PIP = {"type": "personal_injury_protection", "limit": 50000, "deductible": 0}
UM = {"type": "uninsured_motorist", "limit": 50000, "deductible": 0}


def test_california_refuses_a_credit_tier_in_a_quotes_rating_factors(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    error = try_insert(head_conn, "quotes", _quote(ctx, "CA", [BI, PD], {"territory": 1.05, "credit_tier": 2}))
    assert_refused_by(error, QUOTE_RULES, "RAT-020")
    assert "CA-AUTO-NO-CREDIT" in str(error)
    ctx.insert("quotes", **_quote(ctx, "CA", [BI, PD], {"territory": 1.05}))
    ctx.insert("quotes", **_quote(ctx, "TX", [BI, PD], {"territory": 1.05, "credit_tier": 2}))


def test_new_york_auto_quotes_carry_pip_and_uninsured_motorist(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    for missing in ([BI, PD], [BI, PD, PIP], [BI, PD, UM]):
        error = try_insert(head_conn, "quotes", _quote(ctx, "NY", missing, {"territory": 1.2}))
        assert_refused_by(error, QUOTE_RULES, "RAT-020")
        assert "NY-AUTO-PIP-UM" in str(error) and "5103" in str(error)
    ctx.insert("quotes", **_quote(ctx, "NY", [BI, PD, PIP, UM], {"territory": 1.2}))
    # A draft is not priced yet: it may lack them until the rating engine prices it.
    draft = ctx.row(
        "quotes",
        state="NY",
        status="draft",
        converted_to_policy_id=None,
        base_premium=None,
        total_premium=None,
        monthly_premium=None,
        coverage_selections={"coverages": [BI, PD]},
    )
    row = insert(head_conn, "quotes", draft)
    # draft -> calculating -> quoted is the lifecycle (QUO-013, revision 008); pricing is the last step.
    head_conn.execute(sa.text("UPDATE quotes SET status = 'calculating' WHERE id = :id"), {"id": row.id})
    price = "UPDATE quotes SET status = 'quoted', base_premium = 900, total_premium = 812.40, monthly_premium = 135.40 WHERE id = :id"
    assert_refused_by(refused(head_conn, price, {"id": row.id}), QUOTE_RULES, "RAT-020")


def test_liability_below_the_state_minimum_is_refused(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    low_pd = dict(PD, limit=20000)
    error = try_insert(head_conn, "quotes", _quote(ctx, "TX", [BI, low_pd], {"territory": 1.0}))
    assert_refused_by(error, QUOTE_RULES, "RAT-020")
    assert "TX-AUTO-MIN-LIABILITY" in str(error)
    ctx.insert("quotes", **_quote(ctx, "TX", [BI, PD], {"territory": 1.0}))
    ca_2024 = dict(BI, limit=15000, per_accident_limit=30000), dict(PD, limit=5000)
    # California's 15/30/5 was the law until 2025 (effective dates are data) ...
    ctx.insert("quotes", **_quote(ctx, "CA", list(ca_2024), {"territory": 1.0}) | {"effective_date": dt.date(2024, 6, 1)})
    # ... and is refused from 2025-01-01 (30/60/15, SB 1107).
    error = try_insert(head_conn, "quotes", _quote(ctx, "CA", list(ca_2024), {"territory": 1.0}))
    assert "CA-AUTO-MIN-LIABILITY-2025" in str(error)


def test_a_new_state_is_rows(head_conn: sa.Connection) -> None:
    """Wyoming gets a gender ban by one INSERT; a rule that existing filings break is refused, one
    that starts after they end is accepted and judges every later rate."""
    ctx = Ctx(head_conn)
    wy = {"state": "WY", "filing_id": "WY-AUTO-2026-001"}
    ctx.insert("rate_tables", **wy, coverage_type="comprehensive", driver_factors={"sex_m": 1.1}, expiration_date=dt.date(2049, 1, 1))
    rules = metadata.tables["state_rating_rules"]
    ban = {
        "rule_id": "WY-AUTO-NO-GENDER",
        "state": "WY",
        "product_type": "auto",
        "kind": "banned_factor",
        "parameters": {"factor": "gender", "key_pattern": "^(gender|sex)(_|$)"},
        "citation": "Wyo. Stat. (illustrative)",
        "effective_from": dt.date(2026, 1, 1),
        "effective_to": None,
    }
    error = refused(head_conn, rules.insert().values(**ban))
    assert_refused_by(error, RULE_CHANGE, "RAT-017")
    head_conn.execute(rules.insert().values(**ban | {"rule_id": "WY-AUTO-NO-GENDER-2050", "effective_from": dt.date(2050, 1, 1)}))
    error = try_insert(
        head_conn, "rate_tables", ctx.row("rate_tables", **wy, effective_date=dt.date(2051, 1, 1), driver_factors={"gender_f": 0.9})
    )
    assert_refused_by(error, RATE_RULES, "RAT-018")
    assert "WY-AUTO-NO-GENDER-2050" in str(error)


# --- RAT-021, RAT-010, RAT-002, RAT-009: typed documents and real vocabularies ----------------------------------


@pytest.mark.parametrize(
    ("factors", "constraint"),
    [
        ({"territory_factors": {"770": -1.18}}, "ck_rate_tables_territory_factors_typed"),
        ({"territory_factors": {"770": "high"}}, "ck_rate_tables_territory_factors_typed"),
        ({"territory_factors": {"Houston": 1.2}}, "ck_rate_tables_territory_factors_typed"),
        ({"driver_factors": {"age_16_20": 0}}, "ck_rate_tables_driver_factors_typed"),
    ],
)
def test_factor_documents_are_positive_numbers_with_documented_keys(head_conn: sa.Connection, factors: dict, constraint: str) -> None:
    ctx = Ctx(head_conn)
    error = try_insert(head_conn, "rate_tables", ctx.row("rate_tables", **factors))
    assert error.diag.constraint_name == constraint
    ctx.insert("rate_tables", territory_factors={"770": 1.18, "787": 0.97})


def test_a_100_percent_discount_is_refused(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    error = try_insert(head_conn, "discount_rules", ctx.row("discount_rules", discount_value=Decimal("100.00")))
    assert error.diag.constraint_name == "ck_discount_rules_percentage_below_100"
    ctx.insert("discount_rules", discount_value=Decimal("99.99"))


@pytest.mark.parametrize("coverage", ["rental_reimbursement", "towing_and_labor", "uninsured_motorist_property_damage", "loan_lease_gap"])
def test_optional_auto_coverages_are_rated(head_conn: sa.Connection, coverage: str) -> None:
    Ctx(head_conn).insert("rate_tables", coverage_type=coverage)


@pytest.mark.parametrize("coverage", ["scheduled_personal_property", "water_backup", "ordinance_or_law", "loss_of_use"])
def test_optional_home_coverages_are_rated(head_conn: sa.Connection, coverage: str) -> None:
    Ctx(head_conn).insert(
        "rate_tables",
        product_type="home",
        coverage_type=coverage,
        filing_id="TX-HOME-2026-001",
        vehicle_factors=sa.null(),
        driver_factors=sa.null(),
    )


def test_a_serff_tracking_number_is_a_filing_id(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    ctx.insert("rate_tables", filing_id="KNIC-127064322")
    for bad in ("KNIC-12706432", "knic-127064322", "KN1C-127064322"):
        error = try_insert(head_conn, "rate_tables", ctx.row("rate_tables", filing_id=bad))
        assert error.diag.constraint_name == "ck_rate_tables_filing_id_format", bad


# --- the revision refuses to run on violating data -------------------------------------------------------------


def test_the_revision_refuses_to_run_over_overlapping_rates(scratch_database: URL) -> None:
    before = migrations.script_directory().get_revision(REVISION).down_revision
    migrations.upgrade(before, url=scratch_database)
    eng = database.engine(scratch_database)
    try:
        with eng.begin() as conn:
            ids = [
                conn.execute(
                    sa.text(
                        "INSERT INTO rate_tables (state, product_type, coverage_type, base_rate, min_premium, territory_factors, "
                        "vehicle_factors, driver_factors, effective_date, expiration_date, filing_id) VALUES "
                        "('TX', 'auto', 'collision', 20, 0, '{}', '{}', '{}', :start, :end, 'TX-AUTO-2026-001') RETURNING id"
                    ),
                    {"start": start, "end": end},
                ).scalar_one()
                for start, end in ((dt.date(2030, 1, 1), dt.date(2031, 1, 1)), (dt.date(2030, 6, 1), dt.date(2031, 6, 1)))
            ]
        with pytest.raises(Exception) as caught:
            migrations.upgrade(REVISION, url=scratch_database)
        message = str(caught.value)
        assert "RAT-016" in message and "1 existing row(s)" in message and str(ids[0]) in message, message
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT to_regclass('state_rating_rules')")).scalar() is None
    finally:
        eng.dispose()


# --- coverage: every refusing trigger of revision 009 is shown refusing above ----------------------------------

# Trigger -> the rule ids its refusals carry, each asserted by assert_refused_by in a test above.
REFUSING_TRIGGERS = {
    FROZEN: {"RAT-015"},
    NO_OVERLAP: {"RAT-016"},
    AUTHORITY: {"ADM-022", "ADM-023", "RAT-015"},
    RATE_RULES: {"RAT-018"},
    DISCOUNT_RULES: {"RAT-019"},
    QUOTE_RULES: {"RAT-020"},
    RULE_CHANGE: {"RAT-017"},
}


def test_every_governance_trigger_is_covered(head_catalog) -> None:
    """A trigger added to these tables whose comment cites a rating or approval rule must be listed
    here (and so tested); a listed one that no longer exists fails too."""
    tables = ("rate_tables", "discount_rules", "admin_rate_approvals", "state_rating_rules", "quotes")
    found = {
        t.name
        for t in head_catalog.triggers
        if t.table in tables and t.function_name.startswith("check_") and any(rule in (t.comment or "") for rule in ("RAT-", "ADM-02"))
    }
    assert found == set(REFUSING_TRIGGERS), found ^ set(REFUSING_TRIGGERS)
    source = Path(__file__).read_text(encoding="utf-8")
    for trigger, rules in REFUSING_TRIGGERS.items():
        constant = next(k for k, v in globals().items() if v == trigger and k.isupper())
        for rule in rules:
            assert f'{constant}, "{rule}")' in source, f"no test asserts {trigger} refusing with {rule}"


# --- the breach functions are validated by the revision's self-test ----------------------------------------------


def _self_test_sql() -> str:
    return migrations.script_directory().get_revision(REVISION).module.STATE_RULES_SELF_TEST


def test_the_state_rule_self_test_passes_at_head(head_conn: sa.Connection) -> None:
    head_conn.execute(sa.text(_self_test_sql()))


@pytest.mark.parametrize(
    "sabotage",
    [
        # A breach function that judges every rate compliant (the naive "return NULL").
        "CREATE OR REPLACE FUNCTION state_rule_breach_of_rate(r rate_tables) RETURNS text LANGUAGE sql STABLE AS $$ SELECT NULL::text $$",
        # The law itself missing a row: the self-test checks the seeded rules, not only the code.
        "DELETE FROM state_rating_rules WHERE rule_id = 'NY-AUTO-PIP-UM'",
    ],
)
def test_the_state_rule_self_test_catches_a_wrong_judge(head_conn: sa.Connection, sabotage: str) -> None:
    head_conn.execute(sa.text(sabotage))
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.DBAPIError) as caught:
        head_conn.execute(sa.text(_self_test_sql()))
    savepoint.rollback()
    assert "state rule self-test failed (RAT-017)" in str(caught.value.orig)
