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
    Rule(
        "COR-014",
        "A claim's loss date falls within its policy's term: on or after the effective date, before the expiration date "
        "(coverage ends at the start of the expiration day, as the standard policy period runs to 12:01 a.m. of it), and not "
        "after the calendar day (UTC) of the cancellation of a cancelled policy. Changing a policy's dates or cancelling it "
        "is refused when it would leave one of its claims outside the term. Both checks are constraint triggers; the claim's "
        "locks its policy FOR SHARE, so a concurrent change of the policy's dates waits for it and then sees it.",
        "issue 23: 'a claim whose loss date falls before the policy incepted'; insurance practice: a policy covers losses "
        "occurring during the policy period",
        (
            "trg_claims_loss_within_policy_term",
            "check_claim_within_policy_term()",
            "trg_policies_term_covers_claims",
            "check_policy_term_covers_claims()",
        ),
    ),
    Rule(
        "COR-015",
        "A claim's loss date is not in the future (compared with today's UTC date, which is never earlier than the local "
        "date of any US state).",
        "issue 23: 'a claim whose loss date falls ... in the future'; a first notice of loss reports a loss that happened",
        ("trg_claims_loss_within_policy_term",),
    ),
    Rule(
        "COR-016",
        "claimed_amount is NULL at first notice of loss while the amount is not known; it is required once the claim is "
        "under review, approved or paid (the adjuster sets it when taking the claim). A claim denied or withdrawn at intake "
        "may close without one.",
        "issue 23: 'first notice of loss before any amount is known'; claims practice: FNOL records the loss, the "
        "adjuster establishes the amount",
        ("claims.claimed_amount", "ck_claims_claimed_amount_when_reviewed"),
    ),
    Rule(
        "COR-017",
        "The claim lifecycle is the table claim_status_transitions: a claim is created submitted, and changes status only "
        "along a listed (from, to) pair; a denied or closed claim may be reopened to under_review. Historical rows loaded "
        "through COR-024 keep the status they had.",
        "issue 23: 'the same [state machine] for policy and claim statuses'; DESIGN.md: state machines are data",
        ("claim_status_transitions", "trg_claims_status_transition", "check_core_status_transition()"),
    ),
    Rule(
        "COR-018",
        "The policy lifecycle is the table policy_status_transitions: a policy is created pending (bound before its "
        "effective date) or active, becomes active, cancelled or expired along listed pairs; expired is final, a "
        "cancelled policy may be reinstated. Historical rows loaded through COR-024 keep the status they had.",
        "issue 23: 'the same for policy and claim statuses where they have a lifecycle'",
        ("policy_status_transitions", "trg_policies_status_transition", "check_core_status_transition()"),
    ),
    Rule(
        "COR-019",
        "A policy's coverage document repeats its state, effective date and expiration date (validate_policy_data "
        "requires them, COR-013); they must equal the columns. The columns are the contract of record (printed on the "
        "declarations page); the document carries no product, so there is nothing else to agree on.",
        "issue 23: 'documents agree with columns'; our decision: keep the duplicate (the document travels to rating and "
        "printing as one payload) and make disagreement impossible",
        ("ck_policies_state_matches_coverage", "ck_policies_term_dates_match_coverage"),
    ),
    Rule(
        "COR-020",
        "The term of a policy depends on its product: auto is written for 6 or 12 months, home and renters for 12 months "
        "(expiration date = effective date + the term, month-end dates rolling back as PostgreSQL's date arithmetic does).",
        "US personal-lines practice as filed with the ISO personal auto (6- and 12-month policy periods) and homeowners "
        "(annual policy period) programs; issue 23: 'a five-year auto term'",
        ("ck_policies_term_length_per_product",),
    ),
    Rule(
        "COR-021",
        "Customers as they are: a customer may have no e-mail (NULL: agency-written business with no e-mail on file), and "
        "members of one household may share one; the business key is customer_number. ix_customers_email serves the "
        "lookup of the customers of an e-mail address.",
        "issue 23: 'two customers of one household sharing an e-mail address, and a customer with no e-mail'",
        ("customers.email", "ix_customers_email", "uq_customers_customer_number"),
    ),
    Rule(
        "COR-022",
        "A customer's date of birth is in the past and gives an age of 16 to 120 when it is written: 16 is the youngest "
        "licensed driver a personal-lines carrier writes (graduated licensing in most states; contracting with a minor is "
        "an underwriting decision, not a storage rule), 120 the oldest plausible living person. The fixed floor "
        "ck_customers_date_of_birth_plausible stays.",
        "issue 23: 'a customer born in the future'; our decision for the range",
        ("trg_customers_date_of_birth_plausible", "check_customer_date_of_birth()"),
    ),
    Rule(
        "COR-023",
        "created_at of customers, policies and claims is set by the database (the transaction time of the INSERT); a "
        "caller's value is refused, not silently replaced.",
        "issue 23: 'server-owned facts ... created_at written by the caller years in the past'",
        (
            "trg_customers_created_at_server_owned",
            "trg_policies_created_at_server_owned",
            "trg_claims_created_at_server_owned",
            "check_created_at_server_owned()",
        ),
    ),
    Rule(
        "COR-024",
        "Historical rows (imports, the volume generator) keep their own created_at and status only through one path: "
        "SET LOCAL app.historical_import = 'on', honoured for a role that owns the table written (pg_has_role USAGE on "
        "the owner); any other role with the setting on is refused (insufficient_privilege), and a value other than "
        "on/off is an error. Loss dates, terms, documents and dates of birth are checked for historical rows too.",
        "issue 23: 'one explicit, documented and tested path for historical rows ... not a silent bypass'",
        ("core_historical_import()",),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-COR-04",
        "customers, claims",
        "(revision 001, our stand-in for the seed's assumed core) customers.email NOT NULL UNIQUE, claims.claimed_amount NOT NULL",
        "revision 007 relaxes them: e-mail optional and shared (COR-021), claimed amount NULL until known (COR-016)",
        "001 is released history (fix forward); it refused data a carrier must store",
    ),
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
        'validate_policy_data returns data->>\'state\' IS NOT NULL; its self-test checks {"state": "CA"} is accepted',
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
