"""Core tables: users, customers, policies, claims, and the claim and policy lifecycles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from itertools import permutations
from typing import Any

import sqlalchemy as sa

from schema.models import metadata
from schema.models.core import CLAIM_STATUSES, POLICY_STATUSES
from schema.samples import ARGON2ID_HASH, CheckViolation, Ctx, TriggerAct

# COR-024: the documented path for rows that keep their own created_at and status.
HISTORICAL_IMPORT = "SET LOCAL app.historical_import = 'on'"
LONG_AGO = dt.datetime(2019, 4, 1, 12, 0, tzinfo=dt.UTC)


def user(ctx: Ctx, n: int) -> dict[str, Any]:
    return {"email": f"user{n}@carrier.example", "password_hash": ARGON2ID_HASH, "full_name": f"User {n}", "role": "agent"}


def customer(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "customer_number": f"CUST-{n:06d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{n}",
        "email": f"customer{n}@mail.example",
        "phone": None,
        "date_of_birth": dt.date(1980, 5, 17),
        "address_line1": "1 Main St",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
    }


# A payload validate_policy_data accepts (COR-013) and that agrees with the sample's columns
# (COR-019); violations change one thing in a copy of it.
POLICY_COVERAGE_DATA: dict[str, Any] = {
    "state": "TX",
    "effective_date": "2026-01-01",
    "expiration_date": "2026-07-01",
    "coverages": [{"type": "bodily_injury", "limit": 30000, "deductible": 0}],
}


def policy(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "policy_number": f"POL-2026-{n:06d}",
        "customer_id": ctx.insert("customers").id,
        "product_type": "auto",
        "state": "TX",
        "status": "active",
        "effective_date": dt.date(2026, 1, 1),
        "expiration_date": dt.date(2026, 7, 1),
        "premium_amount": Decimal("812.40"),
        "coverage_data": POLICY_COVERAGE_DATA,
        "cancelled_at": None,
    }


def claim(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "claim_number": f"CLM-2026-{n:06d}",
        "policy_id": ctx.insert("policies").id,
        "status": "submitted",
        "loss_date": dt.date(2026, 3, 2),
        "reported_at": dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC),
        "description": "Rear-ended at a stop light.",
        "claimed_amount": Decimal("2400.00"),
        "approved_amount": None,
    }


def _unseeded_transitions(statuses: tuple[str, ...], seeded: set[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    """(from, to) pairs revision 007 did not seed, so a sample row never collides with its rows."""
    pairs = [*permutations(statuses, 2), *((None, s) for s in statuses)]
    return [p for p in pairs if p not in seeded]


# The seeded lifecycles (revision 007), mirrored here only to pick sample pairs outside them.
SEEDED_CLAIM_TRANSITIONS = {
    (None, "submitted"),
    ("submitted", "under_review"),
    ("submitted", "denied"),
    ("submitted", "closed"),
    ("under_review", "approved"),
    ("under_review", "denied"),
    ("under_review", "closed"),
    ("approved", "paid"),
    ("approved", "closed"),
    ("paid", "closed"),
    ("denied", "under_review"),
    ("denied", "closed"),
    ("closed", "under_review"),
}
SEEDED_POLICY_TRANSITIONS = {
    (None, "pending"),
    (None, "active"),
    ("pending", "active"),
    ("pending", "cancelled"),
    ("active", "cancelled"),
    ("active", "expired"),
    ("cancelled", "active"),
}
CLAIM_SAMPLE_PAIRS = _unseeded_transitions(CLAIM_STATUSES, SEEDED_CLAIM_TRANSITIONS)
POLICY_SAMPLE_PAIRS = _unseeded_transitions(POLICY_STATUSES, SEEDED_POLICY_TRANSITIONS)


def claim_status_transition(ctx: Ctx, n: int) -> dict[str, Any]:
    from_status, to_status = CLAIM_SAMPLE_PAIRS[n % len(CLAIM_SAMPLE_PAIRS)]
    return {"from_status": from_status, "to_status": to_status, "rule_id": "COR-017", "description": f"Sample move {n}."}


def policy_status_transition(ctx: Ctx, n: int) -> dict[str, Any]:
    from_status, to_status = POLICY_SAMPLE_PAIRS[n % len(POLICY_SAMPLE_PAIRS)]
    return {"from_status": from_status, "to_status": to_status, "rule_id": "COR-018", "description": f"Sample move {n}."}


SAMPLES = {
    "users": user,
    "customers": customer,
    "policies": policy,
    "claims": claim,
    "claim_status_transitions": claim_status_transition,
    "policy_status_transitions": policy_status_transition,
}


def historical(ctx: Ctx, values: dict[str, Any]) -> dict[str, Any]:
    """Insert through the owner's historical path (COR-024): a row born in a later status."""
    ctx.conn.exec_driver_sql(HISTORICAL_IMPORT)
    return values


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
    CheckViolation("ck_policies_cancelled_at_iff_cancelled", "policies", {"cancelled_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}),
    CheckViolation("ck_policies_policy_number_format", "policies", {"policy_number": "POL-26-1"}),
    CheckViolation("ck_policies_coverage_data_is_object", "policies", {"coverage_data": ["not", "an", "object"]}),
    CheckViolation("ck_policies_coverage_data_valid", "policies", {"coverage_data": {**POLICY_COVERAGE_DATA, "coverages": []}}),
    CheckViolation(
        "ck_policies_state_matches_coverage",
        "policies",
        {"coverage_data": {**POLICY_COVERAGE_DATA, "state": "CA"}},
        why="COR-019: the document names another state than the policy",
    ),
    CheckViolation(
        "ck_policies_term_dates_match_coverage",
        "policies",
        {"coverage_data": {**POLICY_COVERAGE_DATA, "expiration_date": "2026-08-01"}},
        why="COR-019: the document names other dates than the policy",
    ),
    CheckViolation(
        "ck_policies_term_length_per_product",
        "policies",
        {"expiration_date": dt.date(2031, 1, 1), "coverage_data": {**POLICY_COVERAGE_DATA, "expiration_date": "2031-01-01"}},
        why="COR-020: a five-year auto term",
    ),
    CheckViolation("ck_claims_status_allowed", "claims", {"status": "reopened"}),
    CheckViolation("ck_claims_claimed_amount_non_negative", "claims", {"claimed_amount": Decimal("-5.00")}),
    CheckViolation("ck_claims_approved_amount_non_negative", "claims", {"approved_amount": Decimal("-5.00")}),
    CheckViolation("ck_claims_approved_amount_when_approved", "claims", {"status": "paid"}, prepare=historical),
    CheckViolation("ck_claims_claim_number_format", "claims", {"claim_number": "CLAIM-1"}),
    CheckViolation(
        "ck_claims_claimed_amount_when_reviewed",
        "claims",
        {"status": "under_review", "claimed_amount": None},
        prepare=historical,
        why="COR-016: the adjuster sets the amount when the claim goes under review",
    ),
    *(
        violation
        for table, pairs in (("claim_status_transitions", CLAIM_SAMPLE_PAIRS), ("policy_status_transitions", POLICY_SAMPLE_PAIRS))
        for violation in (
            CheckViolation(f"ck_{table}_from_status_allowed", table, {"from_status": "reopened", "to_status": pairs[0][1]}),
            CheckViolation(f"ck_{table}_to_status_allowed", table, {"to_status": "reopened"}),
            CheckViolation(f"ck_{table}_changes_status", table, {"from_status": pairs[0][1], "to_status": pairs[0][1]}),
            CheckViolation(f"ck_{table}_rule_id_format", table, {"rule_id": "COR17"}),
        )
    ),
]


# --- refusing triggers ---------------------------------------------------------------------------


def _insert(ctx: Ctx, table: str, **overrides: Any) -> sa.Row[Any]:
    return ctx.insert(table, **overrides)


def _update(ctx: Ctx, table: str, row_id: object, **values: Any) -> None:
    t = metadata.tables[table]
    ctx.conn.execute(t.update().where(t.c.id == row_id).values(**values))


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _cancel_before_the_claim(ctx: Ctx) -> None:
    loss = _insert(ctx, "claims")
    _update(ctx, "policies", loss.policy_id, status="cancelled", cancelled_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))


TRIGGER_ACTS = [
    *(
        TriggerAct(
            f"trg_{table}_created_at_server_owned",
            "COR-023",
            partial(_insert, table=table, created_at=LONG_AGO),
            why="created_at written by the caller years in the past",
        )
        for table in ("customers", "policies", "claims")
    ),
    TriggerAct(
        "trg_claims_status_transition",
        "COR-017",
        lambda ctx: _insert(ctx, "claims", status="approved", approved_amount=Decimal("100.00")),
        why="a claim inserted already approved",
    ),
    TriggerAct(
        "trg_policies_status_transition",
        "COR-018",
        lambda ctx: _insert(ctx, "policies", status="expired"),
        why="a policy inserted already expired",
    ),
    TriggerAct(
        "trg_claims_loss_within_policy_term",
        "COR-014",
        lambda ctx: _insert(ctx, "claims", loss_date=dt.date(2025, 12, 15)),
        why="a loss before the policy incepted",
    ),
    TriggerAct("trg_policies_term_covers_claims", "COR-014", _cancel_before_the_claim, why="a cancellation dated before a claim's loss"),
    TriggerAct(
        "trg_customers_date_of_birth_plausible",
        "COR-022",
        lambda ctx: _insert(ctx, "customers", date_of_birth=_today() + dt.timedelta(days=30)),
        why="a customer born in the future",
    ),
]
