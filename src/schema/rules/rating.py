"""Rating rules (RAT-) and where revision 003 departs from the seed's rating SQL."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "RAT-001",
        "One rate per state, product, coverage and effective date; the rate in force on a day is the one with the "
        "latest effective_date on or before it whose expiration_date (if any) is after it. Overlapping periods are "
        "resolved by this rule, not refused (an EXCLUDE constraint would need the btree_gist extension).",
        "seed: UNIQUE(state, product_type, coverage_type, effective_date)",
        ("uq_rate_tables_state_product_type_coverage_type_effective_date",),
    ),
    Rule(
        "RAT-002",
        "A rate's coverage is one its product offers: auto (bodily injury, property damage, collision, comprehensive, "
        "uninsured/underinsured motorist, PIP, medical payments), home (dwelling, other structures, personal property, "
        "loss of use, liability, medical payments to others), renters (the home coverages but dwelling and other structures).",
        "our decision: standard personal-lines coverage parts (ISO PP 00 01, HO 00 03, HO 00 04)",
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
        "California forbids credit-based insurance scores in private passenger auto rating: a CA auto rate has no "
        "credit factors.",
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
        "Every rate cites the state filing it implements, as <state>-<AUTO|HOME|RENT>-<year>-<nnn> (e.g. CA-AUTO-2026-001), "
        "whose state and line are the rate's own.",
        "regulation: personal-lines rates are filed with each state's department of insurance; our format",
        ("rate_tables.filing_id", "ck_rate_tables_filing_id_format", "ck_rate_tables_filing_id_matches_state_product",
         "ix_rate_tables_filing_id"),
    ),
    Rule(
        "RAT-010",
        "A discount is a positive percentage (at most 100) or a positive fixed USD amount; only a percentage discount may "
        "have a cap, which is positive.",
        "seed: discount_type CHECK, discount_value, max_discount_amount",
        ("ck_discount_rules_discount_type_allowed", "ck_discount_rules_discount_value_positive",
         "ck_discount_rules_percentage_at_most_100", "ck_discount_rules_max_discount_amount_positive",
         "ck_discount_rules_max_discount_amount_only_percentage"),
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
        ("ck_discount_rules_product_types_is_array", "ck_discount_rules_product_types_not_empty",
         "ck_discount_rules_product_types_known", "ck_discount_rules_states_is_array",
         "ck_discount_rules_states_not_empty", "ck_discount_rules_states_known"),
    ),
    Rule(
        "RAT-014",
        "Discount codes are unique, upper-case business keys (letters, digits, underscores), as quotes cite them.",
        "seed: code VARCHAR(20) UNIQUE NOT NULL",
        ("uq_discount_rules_code", "ck_discount_rules_code_format"),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-RAT-01", "rate_tables", "state, product_type, coverage_type VARCHAR without CHECK",
        "named CHECKs: state (COR-003), product type, coverage type, and coverage fits product (RAT-002)",
        "an unchecked enum lets a typo become a rate nobody ever finds",
    ),
    Deviation(
        "DEV-RAT-02", "rate_tables", "base_rate DECIMAL(8,6) NOT NULL (no CHECK); min_premium, max_premium DECIMAL(10,2) nullable",
        "base_rate > 0; min_premium NOT NULL >= 0 (0.00 = no minimum); max_premium NULL = no cap; min <= max (RAT-003)",
        "a zero or negative rate, or a minimum above the maximum, prices every quote wrongly and silently",
    ),
    Deviation(
        "DEV-RAT-03", "rate_tables", "territory/vehicle/driver/credit_factors JSONB, all nullable, unchecked",
        "jsonb_typeof = 'object' on each; territory_factors NOT NULL (RAT-006); vehicle and driver factors present "
        "exactly on auto rates (RAT-004, RAT-005); credit_factors NULL = credit not used",
        "a NULL factor table had no stated meaning: 'no factor' and 'forgot to load' looked the same",
    ),
    Deviation(
        "DEV-RAT-04", "rate_tables", "credit_factors allowed for every state",
        "CHECK ck_rate_tables_no_credit_in_california_auto (RAT-007)",
        "California law forbids credit-based insurance scores in auto rating",
    ),
    Deviation(
        "DEV-RAT-05", "rate_tables", "filing_id VARCHAR(50) (nullable, free text); approved_by VARCHAR(100)",
        "filing_id NOT NULL in the format <state>-<AUTO|HOME|RENT>-<year>-<nnn> matching the row (RAT-009), indexed; "
        "approved_by kept as text, NULL until the state approves",
        "a rate in production must be traceable to its filing; approved_by names a regulator's examiner, who is no user of ours",
    ),
    Deviation(
        "DEV-RAT-06", "rate_tables", "expiration_date DATE (no CHECK, meaning of NULL unstated)",
        "CHECK expiration_date > effective_date; NULL documented as open-ended (RAT-008)",
        "an empty or inverted period is a rate that never applies",
    ),
    Deviation(
        "DEV-RAT-07", "rate_tables, discount_rules", "created_at/updated_at DEFAULT CURRENT_TIMESTAMP, nullable; discount_rules without updated_at",
        "NOT NULL; updated_at on both tables, kept by trigger (COR-002)",
        "discount rules are edited through the admin approval workflow, which needs to know when a rule last changed",
    ),
    Deviation(
        "DEV-RAT-08", "rate_tables", "(no exclusion of overlapping effective periods)",
        "none either: RAT-001 defines which row is in force; no EXCLUDE USING gist",
        "an EXCLUDE over (state, product, coverage) with daterange needs btree_gist, which the embedded server lacks "
        "and a managed server may not allow; revisions use no extension",
    ),
    Deviation(
        "DEV-RAT-09", "discount_rules", "description TEXT (nullable)",
        "NOT NULL",
        "a filed discount always states what it rewards; the handbook and the quote show it",
    ),
    Deviation(
        "DEV-RAT-10", "discount_rules", "stackable BOOLEAN DEFAULT true; priority INTEGER DEFAULT 100 (nullable, no rule)",
        "NOT NULL, defaults citing RAT-011 and RAT-012, priority > 0",
        "the seed's defaults are kept but given the business rule that justifies them",
    ),
    Deviation(
        "DEV-RAT-11", "discount_rules", "discount_value DECIMAL(10,2) NOT NULL; product_types, states, eligibility_rules JSONB unchecked",
        "discount_value > 0, percentage <= 100, cap only on percentages (RAT-010); arrays non-empty of known values "
        "(RAT-013); eligibility_rules a JSON object; code format (RAT-014)",
        "issue 4's domain checks: a 150% discount or a discount for state 'XX' must be refused",
    ),
)
