"""Core tables: users, customers, policies, claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.constraint_cases import ARGON2ID_HASH, CheckViolation, Ctx


def user(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"email": f"user{n}@carrier.example", "password_hash": ARGON2ID_HASH, "full_name": f"User {n}", "role": "agent"}


def customer(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "customer_number": f"CUST-{n:06d}", "first_name": "Ada", "last_name": f"Lovelace{n}",
        "email": f"customer{n}@mail.example", "phone": None, "date_of_birth": dt.date(1980, 5, 17),
        "address_line1": "1 Main St", "city": "Austin", "state": "TX", "zip_code": "78701",
    }


# A payload validate_policy_data accepts (COR-013); violations change one thing in a copy of it.
POLICY_COVERAGE_DATA: dict[str, Any] = {
    "state": "TX", "effective_date": "2026-01-01", "expiration_date": "2026-07-01",
    "coverages": [{"type": "bodily_injury", "limit": 30000, "deductible": 0}],
}


def policy(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "policy_number": f"POL-2026-{n:06d}", "customer_id": ctx.insert("customers").id,
        "product_type": "auto", "state": "TX", "status": "active",
        "effective_date": dt.date(2026, 1, 1), "expiration_date": dt.date(2026, 7, 1),
        "premium_amount": Decimal("812.40"),
        "coverage_data": POLICY_COVERAGE_DATA,
        "cancelled_at": None,
    }


def claim(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "claim_number": f"CLM-2026-{n:06d}", "policy_id": ctx.insert("policies").id, "status": "submitted",
        "loss_date": dt.date(2026, 3, 2), "reported_at": dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC),
        "description": "Rear-ended at a stop light.", "claimed_amount": Decimal("2400.00"), "approved_amount": None,
    }


SAMPLES = {"users": user, "customers": customer, "policies": policy, "claims": claim}

CHECK_VIOLATIONS = [
    CheckViolation("ck_users_email_lowercase", "users", {"email": "Mixed@Carrier.example"}),
    CheckViolation("ck_users_role_allowed", "users", {"role": "superuser"}),
    CheckViolation("ck_customers_state_is_us_state", "customers", {"state": "XX"}),
    CheckViolation("ck_customers_zip_code_format", "customers", {"zip_code": "7870"}),
    CheckViolation("ck_customers_email_lowercase", "customers", {"email": "Ada@Mail.example"}),
    CheckViolation("ck_customers_date_of_birth_plausible", "customers", {"date_of_birth": dt.date(1850, 1, 1)}),
    CheckViolation("ck_policies_state_is_us_state", "policies", {"state": "PR"}),
    CheckViolation("ck_policies_product_type_allowed", "policies", {"product_type": "boat"}),
    CheckViolation("ck_policies_status_allowed", "policies", {"status": "bound"}),
    CheckViolation("ck_policies_expiration_after_effective", "policies", {"expiration_date": dt.date(2025, 12, 31)}),
    CheckViolation("ck_policies_premium_amount_non_negative", "policies", {"premium_amount": Decimal("-1.00")}),
    CheckViolation("ck_policies_cancelled_at_iff_cancelled", "policies", {"status": "cancelled"}),
    CheckViolation("ck_policies_policy_number_format", "policies", {"policy_number": "POL-26-1"}),
    CheckViolation("ck_policies_coverage_data_is_object", "policies", {"coverage_data": ["not", "an", "object"]}),
    CheckViolation("ck_policies_coverage_data_valid", "policies", {"coverage_data": {**POLICY_COVERAGE_DATA, "coverages": []}}),
    CheckViolation("ck_claims_status_allowed", "claims", {"status": "reopened"}),
    CheckViolation("ck_claims_claimed_amount_non_negative", "claims", {"claimed_amount": Decimal("-5.00")}),
    CheckViolation("ck_claims_approved_amount_non_negative", "claims", {"status": "approved", "approved_amount": Decimal("-5.00")}),
    CheckViolation("ck_claims_approved_amount_when_approved", "claims", {"status": "paid"}),
    CheckViolation("ck_claims_claim_number_format", "claims", {"claim_number": "CLAIM-1"}),
]
