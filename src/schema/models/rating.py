"""Rating engine (revisions 003, 009): filed base rates, discount rules and the state law they obey.

Rates are regulated: each row cites the state filing it implements, by SERFF tracking number or
our internal id (RAT-009), applies from an effective date until an expiration date or until
superseded (RAT-001, RAT-008), and its periods never overlap another rate of the same state,
product and coverage (RAT-016): a mid-year revision is a new open-ended row that supersedes the
filed one from its effective date, never an edit of it.

Governance, who does what and what freezes when.

Who files: a rate analyst (an admin holding `rate_tables:write` through their role) inserts
  the new rate rows and submits each for approval in `admin_rate_approvals`, with a summary of what
  changed (ADM-023, ADM-025). One submission per rate may be pending (ADM-024).

Who approves: another admin (four eyes, ADM-020), active at the decision, holding
  `rate_tables:approve` through their role or its parents: the seeded `rate_approver` (under
  `rate_analyst`, so analysts never inherit the right) or `super_admin` (ADM-022). The decision is
  final (ADM-021).

What freezes when: from submission (pending) and for good once approved, a rate's pricing
  columns never change; its expiration date may only be brought forward and the regulator's
  examiner (approved_by) recorded once (RAT-015). A rejected draft is editable again. The one
  correction path is the table owner's `SET LOCAL app.historical_import = 'on'`.

What the law allows: `state_rating_rules` holds each state's rules with their citations
  (RAT-017): banned factors (credit in CA, HI and MA auto and MD home; gender in CA, HI, MA, MT, NC,
  PA and MI auto), the California Good Driver discount of at least 20%, New York's mandated PIP and
  uninsured motorist coverage, and minimum liability limits. Triggers refuse rates (RAT-018),
  discount rules (RAT-019) and priced quotes (RAT-020) that break a rule in force for their dates.
  Factor documents are objects of positive numbers with documented keys (RAT-021).

The application reads these tables; only the admin console's approval workflow changes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schema.models.base import (
    PRODUCT_TYPES,
    US_STATE_CODES,
    Base,
    created_at,
    in_values,
    state_check,
    updated_at,
    uuid_pk,
)
from schema.models.design import RATE_SEEDED, REPLICATED, REVISION_ROWS, design

# Coverages each line of business is rated for (RAT-002): the standard coverage parts, then the
# optional endorsements filings rate (revision 009). Sources: ISO personal auto (PP 00 01 and its
# endorsements, e.g. PP 03 35 loan/lease gap), ISO homeowners (HO 00 03, HO 04 61 scheduled
# personal property, HO 04 95 water back-up, HO 04 55 identity fraud, HO 04 77 ordinance or law).
AUTO_OPTIONAL = ("rental_reimbursement", "towing_and_labor", "uninsured_motorist_property_damage", "loan_lease_gap")
PROPERTY_OPTIONAL = ("scheduled_personal_property", "water_backup", "identity_fraud_expense")
COVERAGES_BY_PRODUCT: dict[str, tuple[str, ...]] = {
    "auto": (
        "bodily_injury",
        "property_damage",
        "collision",
        "comprehensive",
        "uninsured_motorist",
        "underinsured_motorist",
        "personal_injury_protection",
        "medical_payments",
        *AUTO_OPTIONAL,
    ),
    "home": (
        "dwelling",
        "other_structures",
        "personal_property",
        "loss_of_use",
        "liability",
        "medical_payments_to_others",
        *PROPERTY_OPTIONAL,
        "ordinance_or_law",
    ),
    "renters": ("personal_property", "loss_of_use", "liability", "medical_payments_to_others", *PROPERTY_OPTIONAL),
}
COVERAGE_TYPES: tuple[str, ...] = tuple(dict.fromkeys(c for cs in COVERAGES_BY_PRODUCT.values() for c in cs))

# RAT-009: the internal <state>-<line>-<year>-<sequence> (CA-AUTO-2026-001), or a SERFF tracking
# number: the filer's 4-letter SERFF company code, a dash and 9 digits (KNIC-127064322).
FILING_LINE_CODES: dict[str, str] = {"auto": "AUTO", "home": "HOME", "renters": "RENT"}
INTERNAL_FILING_ID = "[A-Z]{2}-(AUTO|HOME|RENT)-[0-9]{4}-[0-9]{3}"
SERFF_TRACKING_NUMBER = "[A-Z]{4}-[0-9]{9}"
FILING_ID_PATTERN = f"^({INTERNAL_FILING_ID}|{SERFF_TRACKING_NUMBER})$"

# RAT-021: factor documents are objects of positive numbers; keys are 3-digit ZIP prefixes for
# territories, lower snake case for the other factor tables (is_factor_table(), revision 009).
TERRITORY_FACTOR_KEY = "^[0-9]{3}$"
FACTOR_KEY = "^[a-z][a-z0-9_]*$"

DISCOUNT_TYPES: tuple[str, ...] = ("percentage", "fixed")
DISCOUNT_CODE_PATTERN = "^[A-Z][A-Z0-9_]{1,19}$"


def json_array_literal(values: tuple[str, ...]) -> str:
    """A JSON array of strings as a SQL jsonb literal, for containment CHECKs (``col <@ ...``)."""
    return "'[" + ", ".join(f'"{v}"' for v in values) + "]'::jsonb"


def coverage_fits_product_check() -> str:
    whens = " ".join(f"WHEN '{p}' THEN {in_values('coverage_type', cs)}" for p, cs in COVERAGES_BY_PRODUCT.items())
    return f"CASE product_type {whens} END"


def filing_id_matches_check() -> str:
    """An internal filing id names the rate's state and line; a SERFF tracking number carries neither."""
    whens = " ".join(f"WHEN '{p}' THEN '{code}'" for p, code in FILING_LINE_CODES.items())
    return (
        f"filing_id ~ '^{SERFF_TRACKING_NUMBER}$' OR "
        f"(substr(filing_id, 1, 2) = state AND substr(filing_id, 4, 4) = CASE product_type {whens} END)"
    )


def factor_table_check(column: str, key_pattern: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"is_factor_table({column}, '{key_pattern}')", name=f"{column}_typed")


def _factors(comment: str, nullable: bool = True) -> Mapped:
    """A JSONB factor table (name -> multiplier); ``comment`` says what NULL means when nullable."""
    return mapped_column(JSONB, nullable=nullable, comment=comment)


class RateTable(Base):
    __tablename__ = "rate_tables"
    # Design: 003 rating: the application reads rates; they change only through the admin console's approval
    # workflow (admin_rate_approvals), never by the quoting service.
    __table_args__ = (
        state_check(),
        sa.CheckConstraint(in_values("product_type", PRODUCT_TYPES), name="product_type_allowed"),
        sa.CheckConstraint(in_values("coverage_type", COVERAGE_TYPES), name="coverage_type_allowed"),
        sa.CheckConstraint(coverage_fits_product_check(), name="product_offers_coverage"),
        sa.CheckConstraint("base_rate > 0", name="base_rate_positive"),
        sa.CheckConstraint("min_premium >= 0", name="min_premium_non_negative"),
        sa.CheckConstraint("min_premium <= max_premium", name="min_premium_at_most_max"),
        sa.CheckConstraint("jsonb_typeof(territory_factors) = 'object'", name="territory_factors_is_object"),
        sa.CheckConstraint("jsonb_typeof(vehicle_factors) = 'object'", name="vehicle_factors_is_object"),
        sa.CheckConstraint("jsonb_typeof(driver_factors) = 'object'", name="driver_factors_is_object"),
        sa.CheckConstraint("jsonb_typeof(credit_factors) = 'object'", name="credit_factors_is_object"),
        factor_table_check("territory_factors", TERRITORY_FACTOR_KEY),
        factor_table_check("vehicle_factors", FACTOR_KEY),
        factor_table_check("driver_factors", FACTOR_KEY),
        factor_table_check("credit_factors", FACTOR_KEY),
        sa.CheckConstraint("(product_type = 'auto') = (vehicle_factors IS NOT NULL)", name="vehicle_factors_iff_auto"),
        sa.CheckConstraint("(product_type = 'auto') = (driver_factors IS NOT NULL)", name="driver_factors_iff_auto"),
        sa.CheckConstraint(
            "NOT (state = 'CA' AND product_type = 'auto' AND credit_factors IS NOT NULL)",
            name="no_credit_in_california_auto",
        ),
        sa.CheckConstraint("expiration_date > effective_date", name="expiration_after_effective"),
        sa.CheckConstraint(f"filing_id ~ '{FILING_ID_PATTERN}'", name="filing_id_format"),
        sa.CheckConstraint(filing_id_matches_check(), name="filing_id_matches_state_product"),
        sa.UniqueConstraint("state", "product_type", "coverage_type", "effective_date"),
        sa.Index("ix_rate_tables_filing_id", "filing_id"),
        {
            "info": design("admin", REPLICATED, RATE_SEEDED),
            "comment": "Filed base rates per state, product and coverage, with their rating factors, from an "
            "effective date (RAT-001..RAT-009). Changed only through the admin approval workflow.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: USPS code of the state the rate is filed in.")
    product_type: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Line of business rated: auto, home or renters.")
    coverage_type: Mapped[str] = mapped_column(
        sa.String(50), nullable=False, comment="RAT-002: coverage rated, one its product offers (ck_rate_tables_product_offers_coverage)."
    )
    base_rate: Mapped[Decimal] = mapped_column(
        sa.Numeric(8, 6),
        nullable=False,
        comment="RAT-003: premium per 1,000 USD of coverage limit before factors; positive, six decimals as filed.",
    )
    min_premium: Mapped[Decimal] = mapped_column(
        sa.Numeric(10, 2),
        nullable=False,
        comment="RAT-003: minimum premium for the coverage, USD; 0.00 when the filing sets no minimum.",
    )
    max_premium: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(10, 2),
        nullable=True,
        comment="RAT-003: maximum premium for the coverage, USD, at least min_premium; NULL when the filing sets no cap.",
    )
    territory_factors: Mapped[dict] = _factors(
        'RAT-006: multiplier by ZIP prefix of the state (JSON object, e.g. {"900": 1.25}); {} rates the state flat.',
        nullable=False,
    )
    vehicle_factors: Mapped[dict | None] = _factors(
        "RAT-005: multipliers by vehicle make/model/year band (JSON object); NULL exactly when the product is not auto."
    )
    driver_factors: Mapped[dict | None] = _factors(
        "RAT-004: multipliers by driver age and years licensed (JSON object); NULL exactly when the product is not auto."
    )
    credit_factors: Mapped[dict | None] = _factors(
        "Multipliers by credit-based insurance score tier (JSON object); NULL when the rate does not use credit, "
        "which RAT-007 requires for California auto."
    )
    effective_date: Mapped[dt.date] = mapped_column(
        sa.Date, nullable=False, comment="RAT-008: first day the rate applies to new and renewal business."
    )
    expiration_date: Mapped[dt.date | None] = mapped_column(
        sa.Date,
        nullable=True,
        comment="RAT-008: first day the rate no longer applies (after effective_date); NULL: open-ended, in force until superseded.",
    )
    filing_id: Mapped[str] = mapped_column(
        sa.String(50),
        nullable=False,
        comment="RAT-009: the state rate filing this row implements: its SERFF tracking number (AAAA-123456789) or "
        "<state>-<AUTO|HOME|RENT>-<year>-<nnn>, e.g. CA-AUTO-2026-001.",
    )
    approved_by: Mapped[str | None] = mapped_column(
        sa.String(100),
        nullable=True,
        comment="Regulator's examiner who approved the filing, as on the approval letter; NULL while the state has not "
        "approved it (use-and-file and file-and-use states let a filed rate apply first).",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class DiscountRule(Base):
    __tablename__ = "discount_rules"
    # Design: 003 rating: changed only through the admin console's approval workflow, never by the quoting service.
    __table_args__ = (
        sa.CheckConstraint(f"code ~ '{DISCOUNT_CODE_PATTERN}'", name="code_format"),
        sa.CheckConstraint(in_values("discount_type", DISCOUNT_TYPES), name="discount_type_allowed"),
        sa.CheckConstraint("discount_value > 0", name="discount_value_positive"),
        sa.CheckConstraint("discount_type <> 'percentage' OR discount_value < 100", name="percentage_below_100"),
        sa.CheckConstraint("max_discount_amount > 0", name="max_discount_amount_positive"),
        sa.CheckConstraint("max_discount_amount IS NULL OR discount_type = 'percentage'", name="max_discount_amount_only_percentage"),
        sa.CheckConstraint("jsonb_typeof(product_types) = 'array'", name="product_types_is_array"),
        sa.CheckConstraint("product_types <> '[]'::jsonb", name="product_types_not_empty"),
        sa.CheckConstraint(f"product_types <@ {json_array_literal(PRODUCT_TYPES)}", name="product_types_known"),
        sa.CheckConstraint("jsonb_typeof(states) = 'array'", name="states_is_array"),
        sa.CheckConstraint("states <> '[]'::jsonb", name="states_not_empty"),
        sa.CheckConstraint(f"states <@ {json_array_literal(US_STATE_CODES)}", name="states_known"),
        sa.CheckConstraint("jsonb_typeof(eligibility_rules) = 'object'", name="eligibility_rules_is_object"),
        sa.CheckConstraint("priority > 0", name="priority_positive"),
        sa.CheckConstraint("expiration_date > effective_date", name="expiration_after_effective"),
        sa.UniqueConstraint("code"),
        {
            "info": design("admin", REPLICATED, RATE_SEEDED),
            "comment": "Discounts the rating engine may apply, where, to which products, how much, in which order "
            "and whether they stack (RAT-010..RAT-014).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="RAT-014: stable business key, upper-case, e.g. GOOD_DRIVER.")
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Name shown on the quote and the declarations page.")
    description: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="What the discount rewards and how eligibility is judged, as filed."
    )
    product_types: Mapped[list] = mapped_column(
        JSONB, nullable=False, comment="RAT-013: products the discount applies to (non-empty JSON array of product types)."
    )
    states: Mapped[list] = mapped_column(
        JSONB, nullable=False, comment="RAT-013: states the discount is filed in (non-empty JSON array of USPS codes)."
    )
    discount_type: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="RAT-010: percentage of premium, or fixed USD amount."
    )
    discount_value: Mapped[Decimal] = mapped_column(
        sa.Numeric(10, 2), nullable=False, comment="RAT-010: percent (0 < v < 100) or USD amount (> 0), per discount_type."
    )
    max_discount_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(10, 2),
        nullable=True,
        comment="RAT-010: cap in USD on a percentage discount; NULL: uncapped (always NULL for fixed discounts).",
    )
    eligibility_rules: Mapped[dict] = mapped_column(
        JSONB, nullable=False, comment="Conditions a quote must meet, by criterion (JSON object); {} means every quote is eligible."
    )
    stackable: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="RAT-011: discounts combine with others unless filed as exclusive (false).",
    )
    priority: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("100"),
        comment="RAT-012: application order, lowest first; 100 is the standard tier.",
    )
    effective_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="RAT-008: first day the discount applies.")
    expiration_date: Mapped[dt.date | None] = mapped_column(
        sa.Date,
        nullable=True,
        comment="RAT-008: first day the discount no longer applies (after effective_date); NULL: open-ended.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


# RAT-017: the kinds of state rule and the parameters each reads (ck_state_rating_rules_parameters_match_kind).
STATE_RULE_KINDS: tuple[str, ...] = ("banned_factor", "minimum_discount", "mandatory_coverage", "minimum_liability_limits")
STATE_RULE_ID_PATTERN = "^[A-Z]{2}-(AUTO|HOME|RENT)-[A-Z0-9]+(-[A-Z0-9]+)*$"
# coalesce: a missing key makes jsonb_typeof NULL, and a NULL CHECK passes.
PARAMETERS_MATCH_KIND = (
    "coalesce(CASE kind "
    "WHEN 'banned_factor' THEN jsonb_typeof(parameters -> 'factor') = 'string' "
    "AND jsonb_typeof(parameters -> 'key_pattern') = 'string' "
    "AND coalesce(jsonb_typeof(parameters -> 'rate_column'), 'string') = 'string' "
    "WHEN 'minimum_discount' THEN jsonb_typeof(parameters -> 'discount_code') = 'string' "
    "AND jsonb_typeof(parameters -> 'minimum_percent') = 'number' "
    "WHEN 'mandatory_coverage' THEN jsonb_typeof(parameters -> 'coverages') = 'array' "
    "AND jsonb_array_length(parameters -> 'coverages') > 0 "
    "WHEN 'minimum_liability_limits' THEN jsonb_typeof(parameters -> 'bodily_injury_per_person') = 'number' "
    "AND jsonb_typeof(parameters -> 'bodily_injury_per_accident') = 'number' "
    "AND jsonb_typeof(parameters -> 'property_damage') = 'number' END, false)"
)


class StateRatingRule(Base):
    __tablename__ = "state_rating_rules"
    # Design: 009 rating governance: maintained by compliance in the admin console; the quoting service and auditors
    # read them (the state-rule triggers run as the writer).
    __table_args__ = (
        sa.CheckConstraint(f"rule_id ~ '{STATE_RULE_ID_PATTERN}'", name="rule_id_format"),
        sa.CheckConstraint("substr(rule_id, 1, 2) = state", name="rule_id_names_state"),
        state_check(),
        sa.CheckConstraint(in_values("product_type", PRODUCT_TYPES), name="product_type_allowed"),
        sa.CheckConstraint(in_values("kind", STATE_RULE_KINDS), name="kind_allowed"),
        sa.CheckConstraint("jsonb_typeof(parameters) = 'object'", name="parameters_is_object"),
        sa.CheckConstraint(PARAMETERS_MATCH_KIND, name="parameters_match_kind"),
        sa.CheckConstraint("btrim(citation) <> ''", name="citation_not_blank"),
        sa.CheckConstraint("effective_to > effective_from", name="effective_to_after_from"),
        sa.Index("ix_state_rating_rules_state_product_type_kind", "state", "product_type", "kind"),
        {
            "info": design("admin", REPLICATED, REVISION_ROWS),
            "comment": "RAT-017: state insurance regulation the rating engine obeys, as data: one row per rule of a state and "
            "product, with its parameters, the statute or regulation it comes from and when it applies. Triggers on "
            "rate_tables, discount_rules and quotes read it (RAT-018..RAT-020): a new state is rows, not code.",
        },
    )

    rule_id: Mapped[str] = mapped_column(
        sa.String(40),
        primary_key=True,
        comment="RAT-017: stable id of the state rule, <state>-<AUTO|HOME|RENT>-<words>, e.g. CA-AUTO-NO-CREDIT; named in refusals.",
    )
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: USPS code of the state whose law this is.")
    product_type: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="Line of business the rule governs: auto, home or renters."
    )
    kind: Mapped[str] = mapped_column(
        sa.String(30),
        nullable=False,
        comment="RAT-017: banned_factor, minimum_discount, mandatory_coverage or minimum_liability_limits; says how parameters reads.",
    )
    parameters: Mapped[dict] = mapped_column(
        JSONB,
        nullable=False,
        comment="RAT-017: what the rule requires, by kind (ck_state_rating_rules_parameters_match_kind): banned_factor "
        "{factor, key_pattern, rate_column?}; minimum_discount {discount_code, minimum_percent}; "
        "mandatory_coverage {coverages: [...]}; minimum_liability_limits {bodily_injury_per_person, "
        "bodily_injury_per_accident, property_damage} in USD.",
    )
    citation: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="RAT-017: the statute or regulation the rule implements, as a compliance reviewer cites it."
    )
    effective_from: Mapped[dt.date] = mapped_column(
        sa.Date,
        nullable=False,
        comment="RAT-017: first day the rule applies (rates, discounts by their period; quotes by effective_date).",
    )
    effective_to: Mapped[dt.date | None] = mapped_column(
        sa.Date,
        nullable=True,
        comment="RAT-017: first day the rule no longer applies (after effective_from); NULL: in force until repealed.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
