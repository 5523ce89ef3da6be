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
    Rule(
        "COR-010",
        "The US business calendar knows the observed federal holidays of every year from 1900 to 2200 and refuses "
        "any other year with an error. A holiday on a Saturday is observed the Friday before (since 1966), on a Sunday "
        "the Monday after (since 1953); an observed day belongs to the year it falls in (New Year's Day 2022 is "
        "observed on 2021-12-31). It agrees with the holidays package (US, observed) on every day it covers.",
        "seed: 'US business calendar integration' (time-based gaps); 5 U.S.C. 6103 and E.O. 11582 for the observance rules",
        ("us_federal_holidays()",),
    ),
    Rule(
        "COR-011",
        "A US business day is a Monday to Friday that is not an observed federal holiday (COR-010).",
        "seed: 'Account for US federal holidays and weekends'",
        ("is_us_business_day()",),
    ),
    Rule(
        "COR-012",
        "The next business day is the first US business day strictly after the given date; a policy approved on a day "
        "becomes effective on that day's next business day, never on the approval day itself.",
        "seed: 'next US business day for policy effectiveness'; our decision: strictly after, as in 'next'",
        ("next_business_day()",),
    ),
    Rule(
        "COR-013",
        "A policy's coverage payload names its state (a USPS code), its effective and expiration dates (ISO dates, "
        "expiration after effective) and at least one coverage, each with a type and a numeric limit and deductible "
        "of at least zero. The validator that judges it proves itself on known good and bad documents every time its "
        "migration runs, and the migration aborts if it misjudges one.",
        "seed: meta-gap 'Migration that adds validation but doesn't validate the validator' (validate_policy_data)",
        ("validate_policy_data()", "ck_policies_coverage_data_valid", "policies.coverage_data"),
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
    Deviation(
        "DEV-COR-02",
        "policies",
        "validate_policy_data returns data->>'state' IS NOT NULL; its self-test checks {\"state\": \"CA\"} is accepted",
        "a validator of state, dates and coverages used by ck_policies_coverage_data_valid, and a self-test of 30+ known "
        "documents that must be refused or accepted (the seed's own test document is among the refused ones)",
        "a validator that accepts any object with a state lets every malformed coverage through, and a self-test with "
        "only a good document cannot tell a validator from 'RETURN true'",
    ),
    Deviation(
        "DEV-COR-03",
        "(functions)",
        "next_business_day(input_date) RETURNS calculate_next_us_business_day(input_date), a function that does not exist",
        "us_federal_holidays(year), is_us_business_day(date) and next_business_day(date), computed from the holiday rules "
        "with no table to keep filled, strictly-after semantics documented",
        "a calendar table goes stale silently when nobody loads next year; rules cannot",
    ),
)
