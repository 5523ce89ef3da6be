"""Rating engine tables: rate_tables and discount_rules.

Business purpose: the filed rates and discounts the quoting service prices with. Fixed from the
seed's SQL (deviations DEV-RAT-*): each rate cites its state filing in one stated format
(RAT-009), its coverage belongs to its product (RAT-002), premiums bounds are ordered (RAT-003),
effective ranges are well formed with NULL meaning open-ended (RAT-008), factor tables are typed
JSON and present exactly where the product uses them (RAT-004..RAT-006), and a CHECK refuses
credit-based insurance scores in California auto rating (RAT-007). Discount rules get checked
values, applicability lists and their defaults' rule ids (RAT-010..RAT-014), and updated_at.
No EXCLUDE constraint against overlapping rate periods: it needs btree_gist, an extension the
supported servers may lack (the embedded one has none); RAT-001 resolves overlaps instead.

Revision ID: 003
Revises: 002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.revision_ops import Grant, grant, guard_data_loss

revision: str = "003"
down_revision: str | None = "002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each kind of table this revision creates grants to each group role (SEC-002), as decided
# when the revision was released: today's policy lives in schema.privileges and may move on.
SECRET_SUFFIXES = ("_hash", "_encrypted")  # never granted: SELECT goes column by column on the rest
GRANT_PROFILES: dict[str, tuple[Grant, ...]] = {
    # admin tables: the admin console writes, the application and auditors read
    "admin": (Grant("admin_rw", ("SELECT", "INSERT", "UPDATE")), Grant("app_rw", ("SELECT",)), Grant("app_ro", ("SELECT",)), Grant("auditor", ("SELECT",))),
}

# COR-002: updated_at kept true by set_updated_at() (created by 001) on every UPDATE.
UPDATED_AT_TRIGGER = "CREATE TRIGGER trg_{table}_set_updated_at BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
DROP_UPDATED_AT_TRIGGER = "DROP TRIGGER trg_{table}_set_updated_at ON {table}"

TABLES = ("rate_tables", "discount_rules")

US_STATES = (
    "'AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID', 'IL', "
    "'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS', 'MT', 'NC', 'ND', 'NE', "
    "'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', "
    "'VA', 'VT', 'WA', 'WI', 'WV', 'WY'"
)
US_STATES_JSON = "'[" + US_STATES.replace("'", '"') + "]'::jsonb"

AUTO_COVERAGES = (
    "'bodily_injury', 'property_damage', 'collision', 'comprehensive', 'uninsured_motorist', "
    "'underinsured_motorist', 'personal_injury_protection', 'medical_payments'"
)
RENTERS_COVERAGES = "'personal_property', 'loss_of_use', 'liability', 'medical_payments_to_others'"
HOME_COVERAGES = f"'dwelling', 'other_structures', {RENTERS_COVERAGES}"
COVERAGE_FITS_PRODUCT = (
    f"CASE product_type WHEN 'auto' THEN coverage_type IN ({AUTO_COVERAGES}) "
    f"WHEN 'home' THEN coverage_type IN ({HOME_COVERAGES}) "
    f"WHEN 'renters' THEN coverage_type IN ({RENTERS_COVERAGES}) END"
)
FILING_ID_MATCHES = (
    "substr(filing_id, 1, 2) = state AND substr(filing_id, 4, 4) = "
    "CASE product_type WHEN 'auto' THEN 'AUTO' WHEN 'home' THEN 'HOME' WHEN 'renters' THEN 'RENT' END"
)

CONSTRAINT_COMMENTS = {
    ("rate_tables", "ck_rate_tables_no_credit_in_california_auto"): (
        "RAT-007: California forbids credit-based insurance scores in private passenger auto rating "
        "(Cal. Ins. Code 1861.02, Proposition 103; 10 CCR 2632.5 lists the only optional factors): "
        "a CA auto rate has no credit_factors."
    ),
    ("rate_tables", "uq_rate_tables_state_product_type_coverage_type_effective_date"): (
        "RAT-001: one rate per state, product and coverage per effective date; the rate in force on a day "
        "is the one with the latest effective_date on or before it, unless expired."
    ),
}

# Every index names the query it serves (COMMENT ON INDEX), PK/UNIQUE ones included.
INDEX_PATTERNS = {
    "pk_rate_tables": "pattern: a rate row by id (FK from admin_rate_approvals, admin console)",
    "uq_rate_tables_state_product_type_coverage_type_effective_date": (
        "pattern: the rate in force for a state, product and coverage on a date "
        "(= ?, = ?, = ?, effective_date <= ? ORDER BY effective_date DESC LIMIT 1) (RAT-001)"
    ),
    "ix_rate_tables_filing_id": "pattern: every rate row of one state filing (filing review, approval workflow) (RAT-009)",
    "pk_discount_rules": "pattern: a discount rule by id (admin console)",
    "uq_discount_rules_code": "pattern: a discount rule by its code, as quotes record it in discounts_applied (RAT-014)",
}

CREATED_AT = "When the row was inserted (technical default: transaction time)."
UPDATED_AT = "When the row last changed; COR-002: maintained by trigger set_updated_at on every UPDATE."


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=CREATED_AT),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=UPDATED_AT),
    ]


def _jsonb(name: str, nullable: bool, comment: str) -> sa.Column:
    return sa.Column(name, postgresql.JSONB(astext_type=sa.Text()), nullable=nullable, comment=comment)


def _checks(table: str, checks: dict[str, str]) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(text, name=op.f(f"ck_{table}_{name}")) for name, text in checks.items()]


def _literal(text: str) -> str:
    """A SQL string literal (comments contain apostrophes)."""
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    rate_tables = op.create_table(
        "rate_tables",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment="Technical surrogate key, generated by the database."),
        sa.Column("state", sa.String(2), nullable=False, comment="COR-003: USPS code of the state the rate is filed in."),
        sa.Column("product_type", sa.String(20), nullable=False, comment="Line of business rated: auto, home or renters."),
        sa.Column("coverage_type", sa.String(50), nullable=False, comment="RAT-002: coverage rated, one its product offers (ck_rate_tables_product_offers_coverage)."),
        sa.Column("base_rate", sa.Numeric(8, 6), nullable=False, comment="RAT-003: premium per 1,000 USD of coverage limit before factors; positive, six decimals as filed."),
        sa.Column("min_premium", sa.Numeric(10, 2), nullable=False, comment="RAT-003: minimum premium for the coverage, USD; 0.00 when the filing sets no minimum."),
        sa.Column("max_premium", sa.Numeric(10, 2), nullable=True, comment="RAT-003: maximum premium for the coverage, USD, at least min_premium; NULL when the filing sets no cap."),
        _jsonb("territory_factors", False, "RAT-006: multiplier by ZIP prefix of the state (JSON object, e.g. {\"900\": 1.25}); {} rates the state flat."),
        _jsonb("vehicle_factors", True, "RAT-005: multipliers by vehicle make/model/year band (JSON object); NULL exactly when the product is not auto."),
        _jsonb("driver_factors", True, "RAT-004: multipliers by driver age and years licensed (JSON object); NULL exactly when the product is not auto."),
        _jsonb(
            "credit_factors", True,
            "Multipliers by credit-based insurance score tier (JSON object); NULL when the rate does not use credit, "
            "which RAT-007 requires for California auto.",
        ),
        sa.Column("effective_date", sa.Date(), nullable=False, comment="RAT-008: first day the rate applies to new and renewal business."),
        sa.Column("expiration_date", sa.Date(), nullable=True, comment="RAT-008: first day the rate no longer applies (after effective_date); NULL: open-ended, in force until superseded."),
        sa.Column("filing_id", sa.String(50), nullable=False, comment="RAT-009: the state rate filing this row implements, <state>-<AUTO|HOME|RENT>-<year>-<nnn>, e.g. CA-AUTO-2026-001."),
        sa.Column(
            "approved_by", sa.String(100), nullable=True,
            comment="Regulator's examiner who approved the filing, as on the approval letter; NULL while the state has not "
                    "approved it (use-and-file and file-and-use states let a filed rate apply first).",
        ),
        *_timestamps(),
        *_checks("rate_tables", {
            "state_is_us_state": f"state IN ({US_STATES})",
            "product_type_allowed": "product_type IN ('auto', 'home', 'renters')",
            "coverage_type_allowed": f"coverage_type IN ({AUTO_COVERAGES}, 'dwelling', 'other_structures', {RENTERS_COVERAGES})",
            "product_offers_coverage": COVERAGE_FITS_PRODUCT,
            "base_rate_positive": "base_rate > 0",
            "min_premium_non_negative": "min_premium >= 0",
            "min_premium_at_most_max": "min_premium <= max_premium",
            "territory_factors_is_object": "jsonb_typeof(territory_factors) = 'object'",
            "vehicle_factors_is_object": "jsonb_typeof(vehicle_factors) = 'object'",
            "driver_factors_is_object": "jsonb_typeof(driver_factors) = 'object'",
            "credit_factors_is_object": "jsonb_typeof(credit_factors) = 'object'",
            "vehicle_factors_iff_auto": "(product_type = 'auto') = (vehicle_factors IS NOT NULL)",
            "driver_factors_iff_auto": "(product_type = 'auto') = (driver_factors IS NOT NULL)",
            "no_credit_in_california_auto": "NOT (state = 'CA' AND product_type = 'auto' AND credit_factors IS NOT NULL)",
            "expiration_after_effective": "expiration_date > effective_date",
            "filing_id_format": "filing_id ~ '^[A-Z]{2}-(AUTO|HOME|RENT)-[0-9]{4}-[0-9]{3}$'",
            "filing_id_matches_state_product": FILING_ID_MATCHES,
        }),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_tables")),
        sa.UniqueConstraint(
            "state", "product_type", "coverage_type", "effective_date",
            name=op.f("uq_rate_tables_state_product_type_coverage_type_effective_date"),
        ),
        comment="Filed base rates per state, product and coverage, with their rating factors, from an "
                "effective date (RAT-001..RAT-009). Changed only through the admin approval workflow.",
    )
    op.create_index(op.f("ix_rate_tables_filing_id"), "rate_tables", ["filing_id"])

    discount_rules = op.create_table(
        "discount_rules",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment="Technical surrogate key, generated by the database."),
        sa.Column("code", sa.String(20), nullable=False, comment="RAT-014: stable business key, upper-case, e.g. GOOD_DRIVER."),
        sa.Column("name", sa.String(100), nullable=False, comment="Name shown on the quote and the declarations page."),
        sa.Column("description", sa.Text(), nullable=False, comment="What the discount rewards and how eligibility is judged, as filed."),
        _jsonb("product_types", False, "RAT-013: products the discount applies to (non-empty JSON array of product types)."),
        _jsonb("states", False, "RAT-013: states the discount is filed in (non-empty JSON array of USPS codes)."),
        sa.Column("discount_type", sa.String(20), nullable=False, comment="RAT-010: percentage of premium, or fixed USD amount."),
        sa.Column("discount_value", sa.Numeric(10, 2), nullable=False, comment="RAT-010: percent (0 < v <= 100) or USD amount (> 0), per discount_type."),
        sa.Column("max_discount_amount", sa.Numeric(10, 2), nullable=True, comment="RAT-010: cap in USD on a percentage discount; NULL: uncapped (always NULL for fixed discounts)."),
        _jsonb("eligibility_rules", False, "Conditions a quote must meet, by criterion (JSON object); {} means every quote is eligible."),
        sa.Column("stackable", sa.Boolean(), server_default=sa.text("true"), nullable=False, comment="RAT-011: discounts combine with others unless filed as exclusive (false)."),
        sa.Column("priority", sa.Integer(), server_default=sa.text("100"), nullable=False, comment="RAT-012: application order, lowest first; 100 is the standard tier."),
        sa.Column("effective_date", sa.Date(), nullable=False, comment="RAT-008: first day the discount applies."),
        sa.Column("expiration_date", sa.Date(), nullable=True, comment="RAT-008: first day the discount no longer applies (after effective_date); NULL: open-ended."),
        *_timestamps(),
        *_checks("discount_rules", {
            "code_format": "code ~ '^[A-Z][A-Z0-9_]{1,19}$'",
            "discount_type_allowed": "discount_type IN ('percentage', 'fixed')",
            "discount_value_positive": "discount_value > 0",
            "percentage_at_most_100": "discount_type <> 'percentage' OR discount_value <= 100",
            "max_discount_amount_positive": "max_discount_amount > 0",
            "max_discount_amount_only_percentage": "max_discount_amount IS NULL OR discount_type = 'percentage'",
            "product_types_is_array": "jsonb_typeof(product_types) = 'array'",
            "product_types_not_empty": "product_types <> '[]'::jsonb",
            "product_types_known": "product_types <@ '[\"auto\", \"home\", \"renters\"]'::jsonb",
            "states_is_array": "jsonb_typeof(states) = 'array'",
            "states_not_empty": "states <> '[]'::jsonb",
            "states_known": f"states <@ {US_STATES_JSON}",
            "eligibility_rules_is_object": "jsonb_typeof(eligibility_rules) = 'object'",
            "priority_positive": "priority > 0",
            "expiration_after_effective": "expiration_date > effective_date",
        }),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_discount_rules_code")),
        comment="Discounts the rating engine may apply, where, to which products, how much, in which order "
                "and whether they stack (RAT-010..RAT-014).",
    )

    for (table, constraint), comment in CONSTRAINT_COMMENTS.items():
        op.execute(f"COMMENT ON CONSTRAINT {constraint} ON {table} IS {_literal(comment)}")
    for name, pattern in INDEX_PATTERNS.items():
        op.execute(f"COMMENT ON INDEX {name} IS {_literal(pattern)}")
    for table in TABLES:
        op.execute(UPDATED_AT_TRIGGER.format(table=table))
    grant(rate_tables, GRANT_PROFILES["admin"], SECRET_SUFFIXES)
    grant(discount_rules, GRANT_PROFILES["admin"], SECRET_SUFFIXES)


def downgrade() -> None:
    guard_data_loss(*TABLES)
    for table in reversed(TABLES):
        op.execute(DROP_UPDATED_AT_TRIGGER.format(table=table))
    op.drop_table("discount_rules")
    op.drop_index(op.f("ix_rate_tables_filing_id"), table_name="rate_tables")
    op.drop_table("rate_tables")
