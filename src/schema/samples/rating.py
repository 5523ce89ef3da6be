"""Rating engine tables: rate_tables, discount_rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from schema.samples import CheckViolation, Ctx


def rate_table(ctx: Ctx, n: int) -> dict[str, Any]:
    # A Texas auto collision rate; the effective date varies with n (the UNIQUE key). Each sample
    # is open-ended, so a later one supersedes the earlier (RAT-016) and none overlaps.
    return {
        "state": "TX",
        "product_type": "auto",
        "coverage_type": "collision",
        "base_rate": Decimal("42.125000"),
        "min_premium": Decimal("150.00"),
        "max_premium": Decimal("4000.00"),
        "territory_factors": {"770": 1.18, "787": 1.02},
        "vehicle_factors": {"sedan": 1.0, "sports": 1.4},
        "driver_factors": {"age_16_20": 1.9, "age_21_24": 1.35, "age_25_64": 1.0},
        "credit_factors": {"tier_a": 0.85, "tier_c": 1.2},
        "effective_date": dt.date(2020, 1, 1) + dt.timedelta(days=n),
        "expiration_date": None,
        "filing_id": "TX-AUTO-2026-001",
        "approved_by": None,
    }


def discount_rule(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "code": f"MULTI_POLICY_{n}",
        "name": "Multi-policy",
        "description": "Home and auto with us.",
        "product_types": ["auto", "home"],
        "states": ["TX", "NY"],
        "discount_type": "percentage",
        "discount_value": Decimal("10.00"),
        "max_discount_amount": Decimal("250.00"),
        "eligibility_rules": {"requires_products": ["auto", "home"]},
        "effective_date": dt.date(2026, 1, 1),
        "expiration_date": None,
    }


def state_rating_rule(ctx: Ctx, n: int) -> dict[str, Any]:
    # A rule of a state and product no other sample is rated in (WY home), so it judges nothing.
    return {
        "rule_id": f"WY-HOME-SAMPLE-{n}",
        "state": "WY",
        "product_type": "home",
        "kind": "banned_factor",
        "parameters": {"factor": "credit", "rate_column": "credit_factors", "key_pattern": "^credit"},
        "citation": "Wyo. Stat. (illustrative sample)",
        "effective_from": dt.date(2026, 1, 1),
        "effective_to": None,
    }


SAMPLES = {"rate_tables": rate_table, "discount_rules": discount_rule, "state_rating_rules": state_rating_rule}

HOME_RATE = {
    "product_type": "home",
    "coverage_type": "dwelling",
    "filing_id": "TX-HOME-2026-001",
    "vehicle_factors": sa.null(),
    "driver_factors": sa.null(),
}
FIXED = {"discount_type": "fixed", "max_discount_amount": None}

CHECK_VIOLATIONS = [
    CheckViolation("ck_rate_tables_state_is_us_state", "rate_tables", {"state": "XX", "filing_id": "XX-AUTO-2026-001"}),
    CheckViolation(
        "ck_rate_tables_product_type_allowed",
        "rate_tables",
        {"product_type": "boat", "vehicle_factors": sa.null(), "driver_factors": sa.null()},
    ),
    CheckViolation("ck_rate_tables_coverage_type_allowed", "rate_tables", {"coverage_type": "flood"}),
    CheckViolation("ck_rate_tables_product_offers_coverage", "rate_tables", {"coverage_type": "dwelling"}),
    CheckViolation("ck_rate_tables_base_rate_positive", "rate_tables", {"base_rate": Decimal("0")}),
    CheckViolation("ck_rate_tables_min_premium_non_negative", "rate_tables", {"min_premium": Decimal("-1.00")}),
    CheckViolation("ck_rate_tables_min_premium_at_most_max", "rate_tables", {"max_premium": Decimal("100.00")}),
    CheckViolation("ck_rate_tables_territory_factors_is_object", "rate_tables", {"territory_factors": [1.18]}),
    CheckViolation("ck_rate_tables_vehicle_factors_is_object", "rate_tables", {"vehicle_factors": [1.4]}),
    CheckViolation("ck_rate_tables_driver_factors_is_object", "rate_tables", {"driver_factors": [1.9]}),
    CheckViolation("ck_rate_tables_credit_factors_is_object", "rate_tables", {"credit_factors": [0.85]}),
    CheckViolation("ck_rate_tables_vehicle_factors_iff_auto", "rate_tables", {**HOME_RATE, "vehicle_factors": {"sedan": 1.0}}),
    CheckViolation("ck_rate_tables_driver_factors_iff_auto", "rate_tables", {"driver_factors": sa.null()}),
    CheckViolation(
        "ck_rate_tables_no_credit_in_california_auto",
        "rate_tables",
        {"state": "CA", "filing_id": "CA-AUTO-2026-001"},
        why="issue 6 acceptance: CA auto with credit factors",
    ),
    CheckViolation("ck_rate_tables_expiration_after_effective", "rate_tables", {"expiration_date": dt.date(2019, 1, 1)}),
    CheckViolation("ck_rate_tables_filing_id_format", "rate_tables", {"filing_id": "SERFF-12345"}),
    CheckViolation(
        "ck_rate_tables_territory_factors_typed",
        "rate_tables",
        {"territory_factors": {"770": -1.18}},
        why="issue 17: a negative territory factor",
    ),
    CheckViolation("ck_rate_tables_vehicle_factors_typed", "rate_tables", {"vehicle_factors": {"sedan": "1.0"}}),
    CheckViolation("ck_rate_tables_driver_factors_typed", "rate_tables", {"driver_factors": {"Age 16-20": 1.9}}),
    CheckViolation("ck_rate_tables_credit_factors_typed", "rate_tables", {"credit_factors": {"tier_a": 0}}),
    CheckViolation("ck_rate_tables_filing_id_matches_state_product", "rate_tables", {"filing_id": "NY-AUTO-2026-001"}),
    CheckViolation("ck_discount_rules_code_format", "discount_rules", {"code": "multi policy"}),
    CheckViolation("ck_discount_rules_discount_type_allowed", "discount_rules", {"discount_type": "bogo", "max_discount_amount": None}),
    CheckViolation("ck_discount_rules_discount_value_positive", "discount_rules", {"discount_value": Decimal("0")}),
    CheckViolation(
        "ck_discount_rules_percentage_below_100", "discount_rules", {"discount_value": Decimal("100.00")}, why="issue 17: a 100 % discount"
    ),
    CheckViolation("ck_discount_rules_max_discount_amount_positive", "discount_rules", {"max_discount_amount": Decimal("0")}),
    CheckViolation(
        "ck_discount_rules_max_discount_amount_only_percentage", "discount_rules", {**FIXED, "max_discount_amount": Decimal("50.00")}
    ),
    CheckViolation("ck_discount_rules_product_types_is_array", "discount_rules", {"product_types": "auto"}),
    CheckViolation("ck_discount_rules_product_types_not_empty", "discount_rules", {"product_types": []}),
    CheckViolation("ck_discount_rules_product_types_known", "discount_rules", {"product_types": ["auto", "boat"]}),
    CheckViolation("ck_discount_rules_states_is_array", "discount_rules", {"states": "TX"}),
    CheckViolation("ck_discount_rules_states_not_empty", "discount_rules", {"states": []}),
    CheckViolation("ck_discount_rules_states_known", "discount_rules", {"states": ["TX", "PR"]}),
    CheckViolation("ck_discount_rules_eligibility_rules_is_object", "discount_rules", {"eligibility_rules": []}),
    CheckViolation("ck_discount_rules_priority_positive", "discount_rules", {"priority": 0}),
    CheckViolation("ck_discount_rules_expiration_after_effective", "discount_rules", {"expiration_date": dt.date(2025, 12, 31)}),
    CheckViolation("ck_state_rating_rules_rule_id_format", "state_rating_rules", {"rule_id": "wy-home-sample"}),
    CheckViolation("ck_state_rating_rules_rule_id_names_state", "state_rating_rules", {"rule_id": "MT-HOME-SAMPLE"}),
    CheckViolation("ck_state_rating_rules_state_is_us_state", "state_rating_rules", {"rule_id": "PR-HOME-SAMPLE", "state": "PR"}),
    CheckViolation("ck_state_rating_rules_product_type_allowed", "state_rating_rules", {"product_type": "boat"}),
    CheckViolation("ck_state_rating_rules_kind_allowed", "state_rating_rules", {"kind": "advice"}),
    CheckViolation("ck_state_rating_rules_parameters_is_object", "state_rating_rules", {"parameters": ["credit"]}),
    CheckViolation("ck_state_rating_rules_parameters_match_kind", "state_rating_rules", {"kind": "minimum_discount"}),
    CheckViolation("ck_state_rating_rules_citation_not_blank", "state_rating_rules", {"citation": "  "}),
    CheckViolation("ck_state_rating_rules_effective_to_after_from", "state_rating_rules", {"effective_to": dt.date(2025, 1, 1)}),
]
