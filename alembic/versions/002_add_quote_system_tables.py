"""Quote system tables: quotes, and the per-year counter that issues quote numbers.

Business purpose: a quote is the priced offer a customer may bind into a policy. The seed's
SQL is the start; fixed here (deviations DEV-QUO-*): a quote always has a customer (RESTRICT),
its status starts in draft by rule QUO-001, priced quotes carry their premiums and rating result
(QUO-004), a bound quote names its policy (QUO-005), versions chain to a parent of the same
customer through a composite foreign key (QUO-006), and quote numbers QUOT-YYYY-NNNNNN are
issued by the database from a row-locked per-year counter (QUO-003), so they are unique under
any concurrency and the 1,000,000th quote of a year is refused by name instead of malformed.

Revision ID: 002
Revises: 001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.revision_ops import Grant, grant, guard_data_loss

revision: str = "002"
down_revision: str | None = "001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each kind of table this revision creates grants to each group role (SEC-002), as decided
# when the revision was released: today's policy lives in schema.privileges and may move on.
SECRET_SUFFIXES = ("_hash", "_encrypted")  # never granted: SELECT goes column by column on the rest
GRANT_PROFILES: dict[str, tuple[Grant, ...]] = {
    # business data the application changes
    "operational": (Grant("app_rw", ("SELECT", "INSERT", "UPDATE")), Grant("app_ro", ("SELECT",)), Grant("auditor", ("SELECT",)), Grant("admin_rw", ("SELECT",))),
}

# COR-002: updated_at kept true by set_updated_at() (created by 001) on every UPDATE.
UPDATED_AT_TRIGGER = "CREATE TRIGGER trg_{table}_set_updated_at BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
DROP_UPDATED_AT_TRIGGER = "DROP TRIGGER trg_{table}_set_updated_at ON {table}"

TABLES = ("quote_number_counters", "quotes")

US_STATES = (
    "'AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID', 'IL', "
    "'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS', 'MT', 'NC', 'ND', 'NE', "
    "'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', "
    "'VA', 'VT', 'WA', 'WI', 'WV', 'WY'"
)
NOT_PRICED = "NOT (status IN ('quoted', 'bound'))"

ASSIGN_QUOTE_NUMBER_FUNCTION = """
CREATE FUNCTION assign_quote_number() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    quote_year integer;
    issued integer;
BEGIN
    -- A NULL created_at is refused by its own NOT NULL constraint, checked after this trigger.
    IF NEW.created_at IS NULL THEN
        RETURN NEW;
    END IF;
    quote_year := EXTRACT(year FROM NEW.created_at AT TIME ZONE 'UTC')::integer;
    IF NEW.quote_number = 'QUOT-YYYY-NNNNNN' THEN
        -- QUO-003: the upsert row-locks the year's counter until commit: concurrent inserts of the
        -- same year queue here, each gets the next value, none can get a value twice.
        INSERT INTO quote_number_counters AS c (year, last_value) VALUES (quote_year, 1)
        ON CONFLICT (year) DO UPDATE SET last_value = c.last_value + 1 WHERE c.last_value < 999999
        RETURNING c.last_value INTO issued;
        IF issued IS NULL THEN
            RAISE EXCEPTION 'QUO-003: quote numbers of year % are exhausted: QUOT-YYYY-NNNNNN allows 999999 quotes a year', quote_year
                USING ERRCODE = 'program_limit_exceeded',
                      HINT = 'Six digits a year is the published format (rule QUO-003); widening it is a schema change.';
        END IF;
        NEW.quote_number := 'QUOT-' || lpad(quote_year::text, 4, '0') || '-' || lpad(issued::text, 6, '0');
    ELSIF NEW.quote_number ~ '^QUOT-[0-9]{4}-[0-9]{6}$' THEN
        -- A number supplied by an import: move its year's counter to it (never back) so that
        -- numbers issued later cannot collide with it.
        IF substr(NEW.quote_number, 6, 4)::integer = quote_year THEN
            INSERT INTO quote_number_counters AS c (year, last_value)
            VALUES (quote_year, substr(NEW.quote_number, 11, 6)::integer)
            ON CONFLICT (year) DO UPDATE SET last_value = GREATEST(c.last_value, EXCLUDED.last_value);
        END IF;
    END IF;
    -- Anything else (malformed, or of another year) is left to the CHECKs, which refuse it by name.
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION assign_quote_number() IS
    'QUO-003: BEFORE INSERT trigger function on quotes: replaces the template QUOT-YYYY-NNNNNN with the next number of the year (UTC) of created_at, from quote_number_counters; refuses the 1,000,000th quote of a year.';
"""

CHECK_QUOTE_VERSION_FUNCTION = """
CREATE FUNCTION check_quote_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent_version integer;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'QUO-006: version and parent_quote_id of quote % are fixed at creation; insert a new version instead', OLD.quote_number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.parent_quote_id IS NULL THEN
        RETURN NEW;  -- an original quote: ck_quotes_root_is_version_1 applies
    END IF;
    SELECT q.version INTO parent_version
    FROM quotes q
    WHERE q.id = NEW.parent_quote_id AND q.customer_id = NEW.customer_id;
    -- No such parent of this customer: fk_quotes_parent_quote_id_customer_id_quotes refuses the row by name.
    IF FOUND AND NEW.version IS DISTINCT FROM parent_version + 1 THEN
        RAISE EXCEPTION 'QUO-006: a new version of a quote is its parent''s version + 1: expected %, got %', parent_version + 1, NEW.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_quote_version() IS
    'QUO-006: trigger function on quotes: a requote is its parent''s version + 1; version and parent_quote_id never change after insert.';
"""

TRIGGERS = {
    "trg_quotes_assign_quote_number": (
        "BEFORE INSERT",
        "assign_quote_number",
        "QUO-003: issues the quote number from quote_number_counters when the caller left the template default.",
    ),
    "trg_quotes_check_version": (
        "BEFORE INSERT OR UPDATE OF version, parent_quote_id",
        "check_quote_version",
        "QUO-006: a requote is its parent's version + 1; version and parent are fixed at creation.",
    ),
}

# Every index names the query it serves (COMMENT ON INDEX), PK/UNIQUE ones included.
INDEX_PATTERNS = {
    "pk_quote_number_counters": "pattern: the counter row of one year, locked by each quote insert (QUO-003)",
    "pk_quotes": "pattern: a quote by id (API, FKs from analytics_events and child versions)",
    "uq_quotes_quote_number": "pattern: a quote by the number the customer quotes on the phone (QUO-003)",
    "uq_quotes_converted_to_policy_id": "pattern: the quote a policy was bound from; FK index (QUO-005)",
    "ix_quotes_id_customer_id": "pattern: target of fk_quotes_parent_quote_id_customer_id_quotes (same-customer versions, QUO-006); never violated on its own, id is the PK",
    "ix_quotes_customer_id_status": "pattern: a customer's open quotes (customer_id = ? AND status IN ...); FK index for fk_quotes_customer_id_customers",
    "ix_quotes_parent_quote_id_customer_id": "pattern: the later versions of a quote; FK index for fk_quotes_parent_quote_id_customer_id_quotes",
    "ix_quotes_state_product_type": "pattern: quotes by state and line of business (rate monitoring, regulatory reports)",
    "ix_quotes_expires_at": "pattern: open quotes past expires_at, for the expiry job (partial: only draft, calculating, quoted)",
    "ix_quotes_created_by": "pattern: an agent's quotes (production report); FK index for fk_quotes_created_by_users",
    "ix_quotes_updated_by": "pattern: quotes a user last changed (audit); FK index for fk_quotes_updated_by_users",
}

INDEXES: tuple[tuple[str, list[str], dict], ...] = (
    ("ix_quotes_id_customer_id", ["id", "customer_id"], {"unique": True}),
    ("ix_quotes_customer_id_status", ["customer_id", "status"], {}),
    ("ix_quotes_parent_quote_id_customer_id", ["parent_quote_id", "customer_id"], {}),
    ("ix_quotes_state_product_type", ["state", "product_type"], {}),
    ("ix_quotes_expires_at", ["expires_at"], {"postgresql_where": sa.text("status IN ('draft', 'calculating', 'quoted')")}),
    ("ix_quotes_created_by", ["created_by"], {}),
    ("ix_quotes_updated_by", ["updated_by"], {}),
)

# (name, columns, referred table, referred columns), in creation order.
FOREIGN_KEYS: tuple[tuple[str, list[str], str, list[str]], ...] = (
    ("fk_quotes_parent_quote_id_customer_id_quotes", ["parent_quote_id", "customer_id"], "quotes", ["id", "customer_id"]),
    ("fk_quotes_customer_id_customers", ["customer_id"], "customers", ["id"]),
)

CREATED_AT = "When the row was inserted (technical default: transaction time)."
UPDATED_AT = "When the row last changed; COR-002: maintained by trigger set_updated_at on every UPDATE."


def _jsonb(name: str, comment: str) -> sa.Column:
    return sa.Column(name, postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment=comment)


def _money(name: str, what: str) -> sa.Column:
    return sa.Column(
        name, sa.Numeric(10, 2), nullable=True,
        comment=f"{what}; NULL until priced, required once quoted or bound (QUO-004).",
    )


def _literal(text: str) -> str:
    """A SQL string literal (comments contain apostrophes)."""
    return "'" + text.replace("'", "''") + "'"


def _check(sqltext: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sqltext, name=op.f(f"ck_quotes_{name}"))


def upgrade() -> None:
    counters = op.create_table(
        "quote_number_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False, comment="Calendar year (UTC) of the quotes' created_at; the YYYY of QUOT-YYYY-NNNNNN."),
        sa.Column("last_value", sa.Integer(), nullable=False, comment="Highest NNNNNN issued (or imported) for the year; QUO-003: at most 999999, then inserts are refused."),
        sa.CheckConstraint("year BETWEEN 1 AND 9999", name=op.f("ck_quote_number_counters_year_four_digits")),
        sa.CheckConstraint("last_value BETWEEN 0 AND 999999", name=op.f("ck_quote_number_counters_last_value_six_digits")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_quote_number_counters")),
        comment="QUO-003: the last quote number issued per calendar year (UTC); one row per year, "
                "row-locked by each quote insert so numbers are gap-free per committed order and never reused.",
    )

    quotes = op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False, comment="Technical surrogate key, generated by the database."),
        sa.Column(
            "quote_number", sa.String(20), server_default=sa.text("'QUOT-YYYY-NNNNNN'::character varying"), nullable=False,
            comment="QUO-003: business key QUOT-YYYY-NNNNNN. Leave it out: the default template 'QUOT-YYYY-NNNNNN' "
                    "is replaced by trigger trg_quotes_assign_quote_number with the next number of the year of "
                    "created_at (UTC); the format CHECK refuses the template itself.",
        ),
        sa.Column("customer_id", sa.Uuid(), nullable=False, comment="QUO-012: the customer the quote is for; RESTRICT, a customer with quotes cannot be deleted."),
        sa.Column(
            "status", sa.String(20), server_default=sa.text("'draft'::character varying"), nullable=False,
            comment="QUO-001: every quote starts in draft (underwriting workflow); QUO-002: lifecycle "
                    "draft -> calculating -> quoted -> bound | expired | declined.",
        ),
        sa.Column("product_type", sa.String(20), nullable=False, comment="Line of business quoted: auto, home or renters."),
        sa.Column("state", sa.String(2), nullable=False, comment="COR-003: USPS code of the state whose rates and rules apply."),
        sa.Column("zip_code", sa.String(10), nullable=False, comment="COR-004: ZIP or ZIP+4 of the garaging or property address (territory rating)."),
        sa.Column("effective_date", sa.Date(), nullable=False, comment="Requested first day of coverage."),
        _money("base_premium", "Premium before discounts and surcharges, USD"),
        _money("total_premium", "Premium for the term after discounts and surcharges, USD"),
        _money("monthly_premium", "Monthly installment, USD"),
        _jsonb("vehicle_info", "Vehicle(s) of an auto quote (JSON object); NULL for home/renters, or while an auto draft has none yet (QUO-009)."),
        _jsonb("property_info", "Insured property of a home/renters quote (JSON object); NULL for auto, or while a draft has none yet (QUO-009)."),
        _jsonb("drivers", "Drivers of an auto quote (JSON array); NULL for home/renters, or while an auto draft has none yet (QUO-009)."),
        _jsonb("coverage_selections", "Chosen coverages with limits and deductibles (JSON object); NULL until the customer chooses, required once priced (QUO-009)."),
        _jsonb("discounts_applied", "Discounts the rating engine applied (JSON array, empty when none); NULL until priced (QUO-004)."),
        _jsonb("surcharges_applied", "Surcharges the rating engine applied (JSON array, empty when none); NULL until priced (QUO-004)."),
        _jsonb("rating_factors", "Factors the rating engine used, by name (JSON object); NULL until priced (QUO-004)."),
        sa.Column("ai_risk_score", sa.Numeric(3, 2), nullable=True, comment="QUO-007: model risk score in [0, 1]; NULL until the risk model has scored the quote."),
        _jsonb("ai_risk_factors", "QUO-007: contribution of each factor to ai_risk_score (JSON object); NULL when unscored or the model gave none."),
        sa.Column("conversion_probability", sa.Numeric(3, 2), nullable=True, comment="QUO-007: predicted probability in [0, 1] that the quote binds; NULL until the model has scored it."),
        sa.Column(
            "version", sa.Integer(), server_default=sa.text("1"), nullable=False,
            comment="QUO-006: a quote without a parent is version 1 (the default); a requote is its parent's version + 1 "
                    "(checked by trigger trg_quotes_check_version); fixed at creation.",
        ),
        sa.Column("parent_quote_id", sa.Uuid(), nullable=True, comment="QUO-006: the quote this one re-prices, of the same customer (composite FK); NULL for an original quote (version 1)."),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, comment="QUO-010: when the offer lapses (after created_at); set by the application from the state's quote validity period."),
        sa.Column("converted_to_policy_id", sa.Uuid(), nullable=True, comment="QUO-005: the policy this quote was bound as; NULL unless status is bound. One policy comes from one quote."),
        _jsonb("declined_reasons", "QUO-008: why the carrier declined (JSON array, for the adverse-action notice); NULL unless status is declined."),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=CREATED_AT),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False, comment=UPDATED_AT),
        sa.Column("created_by", sa.Uuid(), nullable=False, comment="QUO-011: user (agent, or the self-service channel's system account) who created the quote; RESTRICT."),
        sa.Column("updated_by", sa.Uuid(), nullable=False, comment="QUO-011: user who last changed the quote (the creator until the first change); RESTRICT."),
        _check("status IN ('draft', 'calculating', 'quoted', 'expired', 'bound', 'declined')", "status_allowed"),
        _check("product_type IN ('auto', 'home', 'renters')", "product_type_allowed"),
        _check(f"state IN ({US_STATES})", "state_is_us_state"),
        _check("zip_code ~ '^[0-9]{5}(-[0-9]{4})?$'", "zip_code_format"),
        _check("quote_number ~ '^QUOT-[0-9]{4}-[0-9]{6}$'", "quote_number_format"),
        _check(
            "CASE WHEN quote_number ~ '^QUOT-[0-9]{4}-' "
            "THEN substr(quote_number, 6, 4)::integer = EXTRACT(year FROM created_at AT TIME ZONE 'UTC') END",
            "quote_number_year_is_created_year",
        ),
        _check("base_premium >= 0 AND total_premium >= 0 AND monthly_premium >= 0", "premiums_non_negative"),
        _check(
            f"{NOT_PRICED} OR (base_premium IS NOT NULL AND total_premium IS NOT NULL AND monthly_premium IS NOT NULL)",
            "premiums_when_priced",
        ),
        _check(
            f"{NOT_PRICED} OR (rating_factors IS NOT NULL AND discounts_applied IS NOT NULL AND surcharges_applied IS NOT NULL)",
            "rating_result_when_priced",
        ),
        _check(
            f"{NOT_PRICED} OR (coverage_selections IS NOT NULL AND CASE product_type "
            "WHEN 'auto' THEN vehicle_info IS NOT NULL AND drivers IS NOT NULL "
            "ELSE property_info IS NOT NULL END)",
            "risk_data_when_priced",
        ),
        _check("vehicle_info IS NULL OR product_type = 'auto'", "vehicle_info_only_auto"),
        _check("drivers IS NULL OR product_type = 'auto'", "drivers_only_auto"),
        _check("property_info IS NULL OR product_type IN ('home', 'renters')", "property_info_only_property"),
        _check("jsonb_typeof(vehicle_info) = 'object'", "vehicle_info_is_object"),
        _check("jsonb_typeof(property_info) = 'object'", "property_info_is_object"),
        _check("jsonb_typeof(drivers) = 'array'", "drivers_is_array"),
        _check("jsonb_typeof(coverage_selections) = 'object'", "coverage_selections_is_object"),
        _check("jsonb_typeof(discounts_applied) = 'array'", "discounts_applied_is_array"),
        _check("jsonb_typeof(surcharges_applied) = 'array'", "surcharges_applied_is_array"),
        _check("jsonb_typeof(rating_factors) = 'object'", "rating_factors_is_object"),
        _check("jsonb_typeof(ai_risk_factors) = 'object'", "ai_risk_factors_is_object"),
        _check("jsonb_typeof(declined_reasons) = 'array'", "declined_reasons_is_array"),
        _check("ai_risk_score BETWEEN 0 AND 1", "ai_risk_score_range"),
        _check("conversion_probability BETWEEN 0 AND 1", "conversion_probability_range"),
        _check("ai_risk_factors IS NULL OR ai_risk_score IS NOT NULL", "ai_risk_factors_need_score"),
        _check("(status = 'declined') = (declined_reasons IS NOT NULL)", "declined_reasons_iff_declined"),
        _check("(status = 'bound') = (converted_to_policy_id IS NOT NULL)", "converted_to_policy_id_iff_bound"),
        _check("version >= 1", "version_positive"),
        _check("parent_quote_id IS NOT NULL OR version = 1", "root_is_version_1"),
        _check("parent_quote_id <> id", "parent_is_not_self"),
        _check("expires_at > created_at", "expires_after_created"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.ForeignKeyConstraint(["converted_to_policy_id"], ["policies.id"], name=op.f("fk_quotes_converted_to_policy_id_policies"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_quotes_created_by_users"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_quotes_updated_by_users"), ondelete="RESTRICT"),
        sa.UniqueConstraint("quote_number", name=op.f("uq_quotes_quote_number")),
        sa.UniqueConstraint("converted_to_policy_id", name=op.f("uq_quotes_converted_to_policy_id")),
        comment="Quotes: priced (or being priced) risk offered to a customer, versioned, until bound, "
                "declined or expired. QUO-001..QUO-012.",
    )
    for name, columns, options in INDEXES:
        op.create_index(op.f(name), "quotes", columns, **options)
    # Added after ix_quotes_id_customer_id, the unique index the composite FK references; the
    # composite FK is created first so that its RI trigger fires before the customer FK's (an
    # orphan row with neither parent nor customer then reports the composite one, see
    # tests/constraint_cases/quotes.py).
    for name, columns, referred, referred_columns in FOREIGN_KEYS:
        op.create_foreign_key(op.f(name), "quotes", referred, columns, referred_columns, ondelete="RESTRICT")
    for name, pattern in INDEX_PATTERNS.items():
        op.execute(f"COMMENT ON INDEX {name} IS {_literal(pattern)}")

    op.execute(ASSIGN_QUOTE_NUMBER_FUNCTION)
    op.execute(CHECK_QUOTE_VERSION_FUNCTION)
    for name, (timing, function, comment) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {timing} ON quotes FOR EACH ROW EXECUTE FUNCTION {function}()")
        op.execute(f"COMMENT ON TRIGGER {name} ON quotes IS {_literal(comment)}")
    op.execute(UPDATED_AT_TRIGGER.format(table="quotes"))

    grant(counters, GRANT_PROFILES["operational"], SECRET_SUFFIXES)
    grant(quotes, GRANT_PROFILES["operational"], SECRET_SUFFIXES)


def downgrade() -> None:
    guard_data_loss(*TABLES)
    op.execute(DROP_UPDATED_AT_TRIGGER.format(table="quotes"))
    for name, (_timing, function, _comment) in reversed(TRIGGERS.items()):
        op.execute(f"DROP TRIGGER {name} ON quotes")
        op.execute(f"DROP FUNCTION {function}()")
    for name, *_definition in reversed(FOREIGN_KEYS):
        op.drop_constraint(op.f(name), "quotes", type_="foreignkey")
    for name, _columns, _options in reversed(INDEXES):
        op.drop_index(op.f(name), table_name="quotes")
    op.drop_table("quotes")
    op.drop_table("quote_number_counters")
