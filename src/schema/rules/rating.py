"""Rating rules (RAT-) and where revision 003 departs from the seed's rating SQL."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "RAT-001",
        "One rate per state, product, coverage and effective date; the rate in force on a day is the one with the "
        "latest effective_date on or before it whose expiration_date (if any) is after it. Closed periods never "
        "overlap (RAT-016), so this only decides how an open-ended rate is superseded.",
        "seed: UNIQUE(state, product_type, coverage_type, effective_date)",
        ("uq_rate_tables_state_product_type_coverage_type_effective_date",),
    ),
    Rule(
        "RAT-002",
        "A rate's coverage is one its product offers: auto (bodily injury, property damage, collision, comprehensive, "
        "uninsured/underinsured motorist, PIP, medical payments; optional rental reimbursement, towing and labor, "
        "uninsured motorist property damage, loan/lease gap), home (dwelling, other structures, personal property, "
        "loss of use, liability, medical payments to others; optional scheduled personal property, water back-up, "
        "identity fraud expense, ordinance or law), renters (the home coverages but dwelling, other structures and "
        "ordinance or law).",
        "our decision: standard personal-lines coverage parts (ISO PP 00 01, HO 00 03, HO 00 04) and the optional "
        "endorsements filings rate (ISO PP 03 35 loan/lease gap; HO 04 61, HO 04 95, HO 04 55, HO 04 77); revision 009",
        ("ck_rate_tables_coverage_type_allowed", "ck_rate_tables_product_offers_coverage"),
    ),
    Rule(
        "RAT-003",
        "Base rates are positive (premium per 1,000 USD of limit, six decimals); the minimum premium is not negative "
        "and not above the maximum, which may be absent (no cap).",
        "seed: base_rate DECIMAL(8,6), min_premium/max_premium; issue 4 (min_premium <= max_premium)",
        ("ck_rate_tables_base_rate_positive", "ck_rate_tables_min_premium_non_negative", "ck_rate_tables_min_premium_at_most_max"),
    ),
    Rule(
        "RAT-004",
        "Driver age and years licensed are auto rating factors: an auto rate carries driver factors, other products none; "
        "the customer's date of birth gives the age.",
        "seed: driver_factors 'Age/experience multipliers'",
        ("rate_tables.driver_factors", "ck_rate_tables_driver_factors_iff_auto", "customers.date_of_birth"),
    ),
    Rule(
        "RAT-005",
        "Vehicle factors (make, model, year) exist exactly on auto rates.",
        "seed: vehicle_factors 'Make/model/year multipliers'",
        ("rate_tables.vehicle_factors", "ck_rate_tables_vehicle_factors_iff_auto"),
    ),
    Rule(
        "RAT-006",
        "Every rate is territorial: territory factors by ZIP prefix of the state, an empty object meaning a flat state rate.",
        "seed: territory_factors 'ZIP-based multipliers'; issue 6 (territory factors by ZIP prefix)",
        ("rate_tables.territory_factors", "ck_rate_tables_territory_factors_is_object"),
    ),
    Rule(
        "RAT-007",
        "California forbids credit-based insurance scores in private passenger auto rating: a CA auto rate has no credit factors.",
        "regulation: Cal. Ins. Code 1861.02 (Proposition 103) and 10 CCR 2632.5, whose optional rating factors exclude credit",
        ("ck_rate_tables_no_credit_in_california_auto", "rate_tables.credit_factors"),
    ),
    Rule(
        "RAT-008",
        "Rates and discounts apply from an effective date; an expiration date, when set, is after it; NULL expiration "
        "means open-ended (in force until superseded).",
        "seed: effective_date NOT NULL, expiration_date; issue 4 (expiration_date after effective_date)",
        ("ck_rate_tables_expiration_after_effective", "ck_discount_rules_expiration_after_effective"),
    ),
    Rule(
        "RAT-009",
        "Every rate cites the state filing it implements: its SERFF tracking number (the filer's 4-letter SERFF "
        "company code, a dash, 9 digits, e.g. KNIC-127064322) or the internal <state>-<AUTO|HOME|RENT>-<year>-<nnn> "
        "(e.g. CA-AUTO-2026-001), whose state and line are then the rate's own.",
        "regulation: personal-lines rates are filed with each state's department of insurance, most through NAIC SERFF "
        "(tracking numbers as public filing records show them, e.g. KNIC-127064322); our internal format; revision 009",
        (
            "rate_tables.filing_id",
            "ck_rate_tables_filing_id_format",
            "ck_rate_tables_filing_id_matches_state_product",
            "ix_rate_tables_filing_id",
        ),
    ),
    Rule(
        "RAT-010",
        "A discount is a positive percentage below 100 (a 100 % discount gives the coverage away) or a positive fixed "
        "USD amount; only a percentage discount may have a cap, which is positive.",
        "seed: discount_type CHECK, discount_value, max_discount_amount; issue 17 (a 100 % discount was accepted)",
        (
            "ck_discount_rules_discount_type_allowed",
            "ck_discount_rules_discount_value_positive",
            "ck_discount_rules_percentage_below_100",
            "ck_discount_rules_max_discount_amount_positive",
            "ck_discount_rules_max_discount_amount_only_percentage",
        ),
    ),
    Rule(
        "RAT-011",
        "Discounts stack with others unless filed as exclusive.",
        "seed: stackable BOOLEAN DEFAULT true",
        ("discount_rules.stackable",),
    ),
    Rule(
        "RAT-012",
        "Discounts apply in ascending priority (a positive number); 100 is the standard tier.",
        "seed: priority INTEGER DEFAULT 100",
        ("discount_rules.priority", "ck_discount_rules_priority_positive"),
    ),
    Rule(
        "RAT-013",
        "A discount applies to a non-empty list of known product types and a non-empty list of US states.",
        "seed: product_types/states JSONB 'Array of applicable ...'",
        (
            "ck_discount_rules_product_types_is_array",
            "ck_discount_rules_product_types_not_empty",
            "ck_discount_rules_product_types_known",
            "ck_discount_rules_states_is_array",
            "ck_discount_rules_states_not_empty",
            "ck_discount_rules_states_known",
        ),
    ),
    Rule(
        "RAT-014",
        "Discount codes are unique, upper-case business keys (letters, digits, underscores), as quotes cite them.",
        "seed: code VARCHAR(20) UNIQUE NOT NULL",
        ("uq_discount_rules_code", "ck_discount_rules_code_format"),
    ),
    # --- revision 009: rating governance and state regulation as data ---------------------------
    Rule(
        "RAT-015",
        "Filed rates stay filed: from the moment a rate is submitted for approval (pending) and for good once approved, "
        "its pricing columns (state, product, coverage, base rate, minimum and maximum premium, the four factor "
        "documents, effective date, filing id) never change; its expiration_date may only be brought forward (a "
        "withdrawal) and approved_by (the regulator's examiner) only filled once. A change is a new rate row with its own "
        "approval: an approved rate takes no new submission. A rejected or never-submitted draft stays editable. The "
        "one correction path is the table owner's, SET LOCAL app.historical_import = 'on', refused for any other role.",
        "issue 17 (an approved, filed rate was edited in place); market-conduct rules: a carrier uses only the rates it filed",
        (
            "trg_rate_tables_filed_rate_frozen",
            "check_filed_rate_frozen()",
            "rate_owner_correction_allowed()",
            "trg_admin_rate_approvals_authority",
        ),
    ),
    Rule(
        "RAT-016",
        "Rate periods of one state, product and coverage never overlap: a closed period (expiration_date set) contains "
        "no other rate's effective_date and starts inside no other closed period. An open-ended rate is superseded, not "
        "edited: a later open-ended rate (a mid-year revision) replaces it from its effective_date on, a later closed "
        "rate overrides it for that period only (RAT-001). Serialized per key by an advisory lock, so of two concurrent "
        "writers of overlapping periods exactly one commits (under READ COMMITTED, the services' isolation level: the check runs after the lock, on a fresh snapshot).",
        "issue 17 (two overlapping closed periods were accepted); DEV-RAT-08 (no btree_gist on the embedded server)",
        ("trg_rate_tables_no_overlapping_periods", "check_rate_period_overlap()"),
    ),
    Rule(
        "RAT-017",
        "State regulation is data: state_rating_rules holds, per state and product, the banned rating factors, mandated "
        "discounts, mandated coverages and minimum liability limits, each with the statute or regulation it cites and "
        "the dates it applies. Seeded for CA, TX, NY and the states whose bans are well known (credit in auto: CA, HI, MA; "
        "credit in home: MD; gender in auto: CA, HI, MA, MT, NC, PA, MI). A rule is not added while filed rates or "
        "discounts break it. The breach functions pass a self-test when revision 009 installs them.",
        "issue 17; regulation as cited in each row",
        ("state_rating_rules", "trg_state_rating_rules_filings_comply", "check_state_rule_against_filings()"),
    ),
    Rule(
        "RAT-018",
        "A rate uses no factor its state bans for its product during the rate's period: the banned factor's document is "
        "NULL (credit_factors) and no key of the territory, vehicle, driver or credit factors names it.",
        "regulation: state_rating_rules (banned_factor); supersedes the single-state CHECK of RAT-007 in general",
        ("trg_rate_tables_state_rules", "check_rate_state_rules()", "state_rule_breach_of_rate()"),
    ),
    Rule(
        "RAT-019",
        "A discount a state mandates (the California Good Driver discount) is a percentage of at least the state's "
        "minimum wherever it is filed for that state and product.",
        "regulation: state_rating_rules (minimum_discount); Cal. Ins. Code 1861.02(b)(2), 1861.025",
        ("trg_discount_rules_state_rules", "check_discount_state_rules()", "state_rule_breach_of_discount()"),
    ),
    Rule(
        "RAT-020",
        "A priced quote (quoted or bound) obeys the state rules in force on its effective date: its rating_factors name "
        "no banned factor (a credit tier in California auto), it carries every mandated coverage (New York auto: PIP and "
        "uninsured motorist) and its liability limits reach the state minimum (bodily injury limit and "
        "per_accident_limit, property damage limit) in coverage_selections' coverages array, the policy payload's shape.",
        "regulation: state_rating_rules (banned_factor, mandatory_coverage, minimum_liability_limits); issue 17",
        ("trg_quotes_state_rules", "check_quote_state_rules()", "state_rule_breach_of_quote()"),
    ),
    Rule(
        "RAT-021",
        "Factor documents are typed: territory, vehicle, driver and credit factors are JSON objects whose values are "
        "positive numbers; territory keys are 3-digit ZIP prefixes, the others lower snake case (age_16_20, tier_1).",
        "issue 17 (negative and non-numeric territory factors were accepted); our documented key shapes",
        (
            "is_factor_table()",
            "ck_rate_tables_territory_factors_typed",
            "ck_rate_tables_vehicle_factors_typed",
            "ck_rate_tables_driver_factors_typed",
            "ck_rate_tables_credit_factors_typed",
        ),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-RAT-01",
        "rate_tables",
        "state, product_type, coverage_type VARCHAR without CHECK",
        "named CHECKs: state (COR-003), product type, coverage type, and coverage fits product (RAT-002)",
        "an unchecked enum lets a typo become a rate nobody ever finds",
    ),
    Deviation(
        "DEV-RAT-02",
        "rate_tables",
        "base_rate DECIMAL(8,6) NOT NULL (no CHECK); min_premium, max_premium DECIMAL(10,2) nullable",
        "base_rate > 0; min_premium NOT NULL >= 0 (0.00 = no minimum); max_premium NULL = no cap; min <= max (RAT-003)",
        "a zero or negative rate, or a minimum above the maximum, prices every quote wrongly and silently",
    ),
    Deviation(
        "DEV-RAT-03",
        "rate_tables",
        "territory/vehicle/driver/credit_factors JSONB, all nullable, unchecked",
        "jsonb_typeof = 'object' on each; territory_factors NOT NULL (RAT-006); vehicle and driver factors present "
        "exactly on auto rates (RAT-004, RAT-005); credit_factors NULL = credit not used",
        "a NULL factor table had no stated meaning: 'no factor' and 'forgot to load' looked the same",
    ),
    Deviation(
        "DEV-RAT-04",
        "rate_tables",
        "credit_factors allowed for every state",
        "CHECK ck_rate_tables_no_credit_in_california_auto (RAT-007)",
        "California law forbids credit-based insurance scores in auto rating",
    ),
    Deviation(
        "DEV-RAT-05",
        "rate_tables",
        "filing_id VARCHAR(50) (nullable, free text); approved_by VARCHAR(100)",
        "filing_id NOT NULL in the format <state>-<AUTO|HOME|RENT>-<year>-<nnn> matching the row (RAT-009), indexed; "
        "approved_by kept as text, NULL until the state approves",
        "a rate in production must be traceable to its filing; approved_by names a regulator's examiner, who is no user of ours",
    ),
    Deviation(
        "DEV-RAT-06",
        "rate_tables",
        "expiration_date DATE (no CHECK, meaning of NULL unstated)",
        "CHECK expiration_date > effective_date; NULL documented as open-ended (RAT-008)",
        "an empty or inverted period is a rate that never applies",
    ),
    Deviation(
        "DEV-RAT-07",
        "rate_tables, discount_rules",
        "created_at/updated_at DEFAULT CURRENT_TIMESTAMP, nullable; discount_rules without updated_at",
        "NOT NULL; updated_at on both tables, kept by trigger (COR-002)",
        "discount rules are edited through the admin approval workflow, which needs to know when a rule last changed",
    ),
    Deviation(
        "DEV-RAT-08",
        "rate_tables",
        "(no exclusion of overlapping effective periods)",
        "revision 003: none, RAT-001 decides; revision 009: constraint trigger trg_rate_tables_no_overlapping_periods "
        "serialized by pg_advisory_xact_lock (RAT-016), no EXCLUDE USING gist",
        "an EXCLUDE over (state, product, coverage) with daterange needs btree_gist, which the embedded server lacks "
        "and a managed server may not allow; revisions use no extension",
    ),
    Deviation(
        "DEV-RAT-09",
        "discount_rules",
        "description TEXT (nullable)",
        "NOT NULL",
        "a filed discount always states what it rewards; the handbook and the quote show it",
    ),
    Deviation(
        "DEV-RAT-10",
        "discount_rules",
        "stackable BOOLEAN DEFAULT true; priority INTEGER DEFAULT 100 (nullable, no rule)",
        "NOT NULL, defaults citing RAT-011 and RAT-012, priority > 0",
        "the seed's defaults are kept but given the business rule that justifies them",
    ),
    Deviation(
        "DEV-RAT-11",
        "discount_rules",
        "discount_value DECIMAL(10,2) NOT NULL; product_types, states, eligibility_rules JSONB unchecked",
        "discount_value > 0, percentage <= 100, cap only on percentages (RAT-010); arrays non-empty of known values "
        "(RAT-013); eligibility_rules a JSON object; code format (RAT-014)",
        "issue 4's domain checks: a 150% discount or a discount for state 'XX' must be refused",
    ),
    Deviation(
        "DEV-RAT-12",
        "state_rating_rules",
        "(no table: one CHECK for California credit in auto, RAT-007)",
        "a reference table of state rules with citations and effective dates, read by triggers (RAT-017..RAT-020)",
        "a CHECK per state and law is code that changes with every legislature; rules as rows are reviewed by compliance "
        "and cited in every refusal",
    ),
)
