"""Core rules (COR-): the conventions every table follows and the core tables' own rules."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "COR-001",
        "Every policy belongs to exactly one customer; a customer with policies cannot be deleted.",
        "seed: 'NEVER create tables without explicit foreign key constraints' (policies.customer_id example)",
        ("policies.customer_id", "fk_policies_customer_id_customers"),
    ),
    Rule(
        "COR-002",
        "updated_at is the time of the row's last change, set by the database on every UPDATE.",
        "our decision: a DEFAULT only fills updated_at once (DESIGN.md conventions)",
        ("set_updated_at()", "trg_users_set_updated_at", "trg_policies_set_updated_at"),
    ),
    Rule(
        "COR-003",
        "State columns hold one of the 50 USPS state codes or DC.",
        "regulation: insurance is regulated per state; a carrier files per jurisdiction",
        ("ck_customers_state_is_us_state", "ck_policies_state_is_us_state"),
    ),
    Rule(
        "COR-004",
        "ZIP codes are five digits, optionally followed by a dash and four digits (ZIP+4).",
        "USPS addressing standard; territory rating keys on the ZIP",
        ("ck_customers_zip_code_format",),
    ),
    Rule(
        "COR-005",
        "E-mail addresses are stored lower-case so that uniqueness is case-insensitive.",
        "our decision: two accounts differing only in case are one person",
        ("ck_users_email_lowercase", "ck_customers_email_lowercase"),
    ),
    Rule(
        "COR-006",
        "A user account is active from creation until an administrator deactivates it.",
        "our decision: accounts are provisioned by administrators, so creation means approval",
        ("users.is_active",),
    ),
    Rule(
        "COR-007",
        "A policy's expiration date is after its effective date.",
        "seed: 'expiration_date after effective_date' domain checks",
        ("ck_policies_expiration_after_effective",),
    ),
    Rule(
        "COR-008",
        "cancelled_at is set exactly when a policy's status is cancelled.",
        "our decision: a cancellation without a date (or a date without a cancellation) is a silent fallback",
        ("ck_policies_cancelled_at_iff_cancelled",),
    ),
    Rule(
        "COR-009",
        "A claim that is approved or paid carries the approved amount.",
        "claims practice: payment needs an approved figure",
        ("ck_claims_approved_amount_when_approved",),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-001",
        "users, customers, policies, claims",
        "001_initial_schema.py assumed to exist (src/pd_prime_demo/models/)",
        "written here as revision 001 to the same conventions as 002-006",
        "the codebase the seed was written for does not exist here; later revisions need real targets for their foreign keys",
    ),
)
