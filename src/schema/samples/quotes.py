"""Quote system tables: quotes, quote_number_counters (read-only since revision 012; its CHECKs stay).

The quote sample is a bound, fully priced auto quote: every FK column is then filled, so the
derived foreign-key test can point each one at nothing without first tripping a status CHECK
(a draft would refuse a converted_to_policy_id before the FK is ever checked).

One ordering the derived tests rely on: the composite FK fk_quotes_parent_quote_id_customer_id_quotes
is created before fk_quotes_customer_id_customers (revision 002), so when both are violated by the
derived orphan row (random parent and random customer) PostgreSQL, which fires RI triggers in name
order (RI_ConstraintTrigger_c_<oid>), reports the composite one.

Revision 008: a quote is created draft or calculating, with the database's created_at (QUO-013,
QUO-021); the bound sample is therefore an *imported* quote: the sample declares the one
historical path, ``app.historical_import = 'on'`` (the tests run as the owner), for the rest of
the test's transaction. Its policy agrees with it (QUO-016): the quote copies the policy sample's
state, effective date and premium. Trigger refusals (TRIGGER_VIOLATIONS) switch the path off
again where the trigger under test is the live one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from schema.samples import CheckViolation, Ctx, TriggerViolation

HOME_PROPERTY = {"construction": "frame", "year_built": 1998, "square_feet": 1850}
SELF = uuid.UUID("00000000-0000-4000-8000-000000000001")


def quote(ctx: Ctx, n: int) -> dict[str, Any]:
    customer = ctx.insert("customers")
    user = ctx.insert("users")
    policy = ctx.insert("policies", customer_id=customer.id, product_type="auto")
    ctx.conn.execute(sa.text("SELECT set_config('app.historical_import', 'on', true)"))
    return {
        "customer_id": customer.id,
        "status": "bound",
        "product_type": "auto",
        "state": policy.state,
        "zip_code": "78701",
        "effective_date": policy.effective_date,
        "base_premium": Decimal("900.00"),
        "total_premium": policy.premium_amount,
        "monthly_premium": Decimal("135.40"),
        "vehicle_info": {"vin": f"1HGCM82633A{n:06d}", "year": 2019, "make": "Honda", "model": "Accord"},
        "property_info": sa.null(),
        "drivers": [{"name": "Ada Lovelace", "license_state": "TX", "years_licensed": 12}],
        # The policy payload's coverage shape (COR-013), which the state rules read (RAT-020): Texas
        # minimum liability is 30/60/25.
        "coverage_selections": {
            "coverages": [
                {"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0},
                {"type": "property_damage", "limit": 25000, "deductible": 0},
                {"type": "collision", "limit": 35000, "deductible": 500},
            ]
        },
        "discounts_applied": [{"code": "MULTI_POLICY", "amount": "87.60"}],
        "surcharges_applied": [],
        "rating_factors": {"territory": "1.05", "driver_age": "0.95"},
        "ai_risk_score": Decimal("0.35"),
        "ai_risk_factors": {"prior_claims": 0.1},
        "conversion_probability": Decimal("0.62"),
        "version": 1,
        "parent_quote_id": None,
        "expires_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        "converted_to_policy_id": policy.id,
        "declined_reasons": sa.null(),
        "created_by": user.id,
        "updated_by": user.id,
    }


def quote_number_counter(ctx: Ctx, n: int) -> dict[str, Any]:
    # Years far from any quote's created_at, so the samples never meet the counters quotes use.
    return {"year": 1000 + n, "last_value": n}


def _orphan_parent(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    """A parent that does not exist: the version trigger leaves it to the FK, so CHECKs speak first."""
    return {**values, "parent_quote_id": uuid.uuid4()}


# Status changes that revision 008 does not allow: valid rows of quote_status_transitions that do
# not collide with the seeded lifecycle (a sample row only lives inside its test's transaction).
UNSEEDED_TRANSITIONS = (
    ("declined", "draft"),
    ("expired", "quoted"),
    ("bound", "calculating"),
    ("draft", "quoted"),
    ("quoted", "draft"),
    ("expired", "draft"),
    ("declined", "quoted"),
    ("bound", "expired"),
)


def quote_status_transition(ctx: Ctx, n: int) -> dict[str, Any]:
    from_status, to_status = UNSEEDED_TRANSITIONS[n % len(UNSEEDED_TRANSITIONS)]
    return {
        "from_status": from_status,
        "to_status": to_status,
        "rule_id": "QUO-013",
        "description": "A sample transition, rolled back with its test.",
    }


SAMPLES = {"quotes": quote, "quote_number_counters": quote_number_counter, "quote_status_transitions": quote_status_transition}

NOT_BOUND: dict[str, Any] = {"status": "draft", "converted_to_policy_id": None}
AS_HOME = {"product_type": "home", "vehicle_info": sa.null(), "drivers": sa.null(), "property_info": HOME_PROPERTY}

CHECK_VIOLATIONS = [
    CheckViolation("ck_quotes_status_allowed", "quotes", {**NOT_BOUND, "status": "pending"}),
    CheckViolation(
        "ck_quotes_product_type_allowed", "quotes", {**NOT_BOUND, "product_type": "boat", "vehicle_info": sa.null(), "drivers": sa.null()}
    ),
    CheckViolation("ck_quotes_state_is_us_state", "quotes", {"state": "XX"}),
    CheckViolation("ck_quotes_zip_code_format", "quotes", {"zip_code": "7870"}),
    CheckViolation("ck_quotes_quote_number_format", "quotes", {"quote_number": "Q-2026-1"}),
    CheckViolation("ck_quotes_quote_number_year_is_created_year", "quotes", {"quote_number": "QUOT-1999-000001"}),
    CheckViolation(
        "ck_quotes_premiums_non_negative",
        "quotes",
        {"base_premium": Decimal("-1.00")},
        why="the base premium: a negative total would first break ck_quotes_monthly_within_total",
    ),
    CheckViolation("ck_quotes_premiums_when_priced", "quotes", {"base_premium": None}),
    CheckViolation("ck_quotes_rating_result_when_priced", "quotes", {"rating_factors": sa.null()}),
    CheckViolation("ck_quotes_risk_data_when_priced", "quotes", {"coverage_selections": sa.null()}),
    CheckViolation("ck_quotes_vehicle_info_only_auto", "quotes", {**AS_HOME, "vehicle_info": {"vin": "X"}}),
    CheckViolation("ck_quotes_drivers_only_auto", "quotes", {**AS_HOME, "drivers": []}),
    CheckViolation("ck_quotes_property_info_only_property", "quotes", {"property_info": HOME_PROPERTY}),
    CheckViolation("ck_quotes_vehicle_info_is_object", "quotes", {"vehicle_info": ["not", "an", "object"]}),
    CheckViolation("ck_quotes_property_info_is_object", "quotes", {**AS_HOME, "property_info": ["frame"]}),
    CheckViolation("ck_quotes_drivers_is_array", "quotes", {"drivers": {"name": "Ada"}}),
    CheckViolation("ck_quotes_coverage_selections_is_object", "quotes", {"coverage_selections": ["collision"]}),
    CheckViolation("ck_quotes_discounts_applied_is_array", "quotes", {"discounts_applied": {"code": "X"}}),
    CheckViolation("ck_quotes_surcharges_applied_is_array", "quotes", {"surcharges_applied": {"code": "X"}}),
    CheckViolation("ck_quotes_rating_factors_is_object", "quotes", {"rating_factors": [1.05]}),
    CheckViolation("ck_quotes_ai_risk_factors_is_object", "quotes", {"ai_risk_factors": [0.1]}),
    CheckViolation(
        "ck_quotes_declined_reasons_is_array", "quotes", {**NOT_BOUND, "status": "declined", "declined_reasons": {"reason": "prior losses"}}
    ),
    CheckViolation("ck_quotes_ai_risk_score_range", "quotes", {"ai_risk_score": Decimal("1.50")}),
    CheckViolation("ck_quotes_conversion_probability_range", "quotes", {"conversion_probability": Decimal("-0.10")}),
    CheckViolation("ck_quotes_ai_risk_factors_need_score", "quotes", {"ai_risk_score": None}),
    CheckViolation("ck_quotes_declined_reasons_iff_declined", "quotes", {"declined_reasons": ["prior losses"]}),
    CheckViolation("ck_quotes_converted_to_policy_id_iff_bound", "quotes", {"converted_to_policy_id": None}),
    CheckViolation(
        "ck_quotes_version_positive",
        "quotes",
        {"version": 0},
        prepare=_orphan_parent,
        why="with a parent, so that ck_quotes_root_is_version_1 holds",
    ),
    CheckViolation("ck_quotes_root_is_version_1", "quotes", {"version": 2}),
    CheckViolation("ck_quotes_parent_is_not_self", "quotes", {"id": SELF, "parent_quote_id": SELF, "version": 2}),
    CheckViolation(
        "ck_quotes_expires_after_created",
        "quotes",
        {**NOT_BOUND, "expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
        why="a draft: a bound quote past its expiry is refused first by trg_quotes_status_transition (QUO-015)",
    ),
    # Revision 008: priced means complete (QUO-018..QUO-020).
    CheckViolation("ck_quotes_auto_risk_complete_when_priced", "quotes", {"drivers": []}),
    CheckViolation("ck_quotes_coverage_selections_not_empty_when_priced", "quotes", {"coverage_selections": {}}),
    CheckViolation("ck_quotes_premiums_positive_when_priced", "quotes", {"base_premium": Decimal("0.00")}),
    CheckViolation("ck_quotes_monthly_within_total", "quotes", {"monthly_premium": Decimal("900.00")}),
    CheckViolation("ck_quotes_declined_reasons_not_empty", "quotes", {**NOT_BOUND, "status": "declined", "declined_reasons": []}),
    CheckViolation("ck_quote_status_transitions_from_status_allowed", "quote_status_transitions", {"from_status": "pending"}),
    CheckViolation("ck_quote_status_transitions_to_status_allowed", "quote_status_transitions", {"to_status": "new"}),
    CheckViolation(
        "ck_quote_status_transitions_changes_status", "quote_status_transitions", {"from_status": "draft", "to_status": "draft"}
    ),
    CheckViolation("ck_quote_status_transitions_rule_id_format", "quote_status_transitions", {"rule_id": "COR-001"}),
    CheckViolation("ck_quote_number_counters_year_four_digits", "quote_number_counters", {"year": 10000}),
    CheckViolation("ck_quote_number_counters_last_value_six_digits", "quote_number_counters", {"last_value": 1_000_000}),
]

# Composite FKs whose non-key columns cannot be pointed at "nothing" with a random uuid.
FK_VIOLATIONS = [
    CheckViolation(
        "fk_quotes_binding_agrees_with_policy",
        "quotes",
        {"total_premium": Decimal("812.41")},
        why="the policy exists but its premium differs from the quoted total (QUO-016)",
    ),
]

LIVE = {"app.historical_import": "off"}


# A year far from today: its sequence is created inside the test's transaction and vanishes with
# its rollback (sequence values are not transactional; a sequence created in the transaction is).
EXHAUSTED_YEAR = dt.datetime(2090, 3, 1, tzinfo=dt.UTC)


def _exhaust_a_year(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    """A draft of 2090 after the import of QUOT-2090-999999, the last number of that year."""
    times: dict[str, Any] = {"created_at": EXHAUSTED_YEAR, "expires_at": EXHAUSTED_YEAR + dt.timedelta(days=30)}
    ctx.insert("quotes", customer_id=values["customer_id"], quote_number="QUOT-2090-999999", **NOT_BOUND, **times)
    return {**values, **NOT_BOUND, **times}


def _parent(ctx: Ctx, values: dict[str, Any], **parent: Any) -> dict[str, Any]:
    """A requote (version 2) of a fresh original quote of the same customer."""
    original = ctx.insert("quotes", customer_id=values["customer_id"], **NOT_BOUND, **parent)
    return {**values, **NOT_BOUND, "parent_quote_id": original.id, "version": 2}


TRIGGER_VIOLATIONS = [
    TriggerViolation(
        "trg_quotes_assign_quote_number",
        "quotes",
        "QUO-003",
        prepare=_exhaust_a_year,
        why="the 1,000,000th quote of a year (revision 012: 23514 naming the trigger; 002 said 54000)",
    ),
    TriggerViolation(
        "trg_quotes_check_version",
        "quotes",
        "QUO-006",
        prepare=lambda ctx, values: {**_parent(ctx, values), "version": 3},
        names_trigger=False,
        why="revision 002 (frozen) names the rule only",
        sqlstate="23000",
    ),
    TriggerViolation("trg_quotes_status_transition", "quotes", "QUO-013", settings=LIVE),
    TriggerViolation(
        "trg_quotes_server_owned",
        "quotes",
        "QUO-021",
        settings=LIVE,
        overrides={**NOT_BOUND, "created_at": dt.datetime(2019, 5, 1, tzinfo=dt.UTC)},
    ),
    TriggerViolation(
        "trg_quotes_version_chain", "quotes", "QUO-017", deferred=True, prepare=lambda ctx, values: _parent(ctx, values, **AS_HOME)
    ),
    # Revision 013: a bound quote whose collision limit is a string: no policy's coverage accepts it
    # (validate_policy_data, COR-013). The Texas liability coverages stay valid, so RAT-020 has nothing to say.
    TriggerViolation(
        "trg_quotes_coverage_selections_valid",
        "quotes",
        "QUO-022",
        overrides={
            "coverage_selections": {
                "coverages": [
                    {"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0},
                    {"type": "property_damage", "limit": 25000, "deductible": 0},
                    {"type": "collision", "limit": "35000", "deductible": 500},
                ]
            }
        },
    ),
    # Revision 009: a priced California auto quote rated on a credit tier (CA-AUTO-NO-CREDIT).
    TriggerViolation(
        "trg_quotes_state_rules",
        "quotes",
        "RAT-020",
        overrides={**NOT_BOUND, "status": "quoted", "state": "CA", "rating_factors": {"territory": "1.05", "credit_tier": 2}},
    ),
]
