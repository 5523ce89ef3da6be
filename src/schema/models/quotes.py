"""Quote system (revision 002): quotes and the per-year counter behind their numbers.

A quote is priced risk data on its way to becoming a policy. The seed's SQL let a quote exist
without a customer, defaulted its version silently and indexed quote_number twice; here every
nullable column says what NULL means, lifecycle statuses gate which columns must be filled
(QUO-004, QUO-005, QUO-008, QUO-009), and the database, not the application, issues quote numbers
(QUO-003) so they stay unique under any number of concurrent writers: since revision 012 from a
sequence per year (quote_number_seq_YYYY, gaps allowed), so that concurrent inserts never wait for
each other's commit; quote_number_counters is the read-only record of the counter it replaced.

Revision 008 adds the rules across rows: the lifecycle is the table quote_status_transitions,
checked by a trigger (QUO-013..QUO-015); a bound quote agrees with its policy through a composite
foreign key, the policy premium being the quoted total for the term (QUO-016); version chains are
acyclic and within one line, checked at commit (QUO-017); a priced quote is complete (QUO-018..
QUO-020); created_at is the database's, historical rows arrive through app.historical_import
(QUO-021).
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
    Base,
    created_at,
    in_values,
    state_check,
    updated_at,
    uuid_pk,
    zip_check,
)
from schema.models.design import GENERATED, REPLICATED, REVISION_ROWS, Distributed, LeftEmpty, design

QUOTE_STATUSES: tuple[str, ...] = ("draft", "calculating", "quoted", "expired", "bound", "declined")
# Statuses in which the rating engine has produced a price the customer may accept.
PRICED_STATUSES: tuple[str, ...] = ("quoted", "bound")
# Statuses of a quote that can still be worked on or accepted (and so may expire).
OPEN_STATUSES: tuple[str, ...] = ("draft", "calculating", "quoted")

QUOTE_NUMBER_PATTERN = "^QUOT-[0-9]{4}-[0-9]{6}$"
# The column default: a template, never a valid number (the format CHECK refuses it), that
# trg_quotes_assign_quote_number replaces with the next number of the quote's year.
QUOTE_NUMBER_TEMPLATE = "QUOT-YYYY-NNNNNN"
QUOTE_NUMBERS_PER_YEAR = 999_999


# QUO-016: the columns a bound quote shares with its policy, and the policy's matching key.
BINDING_COLUMNS: tuple[str, ...] = (
    "converted_to_policy_id",
    "customer_id",
    "product_type",
    "state",
    "effective_date",
    "total_premium",
)
POLICY_BINDING_KEY: tuple[str, ...] = ("id", "customer_id", "product_type", "state", "effective_date", "premium_amount")
# from_status of the transitions a quote is created with (QUO-001, QUO-013).
CREATION = "new"
LIFECYCLE_FROM: tuple[str, ...] = (CREATION, *QUOTE_STATUSES)


def _priced(condition: str) -> str:
    """CHECK text: ``condition`` must hold once the quote is priced (quoted or bound)."""
    return f"NOT ({in_values('status', PRICED_STATUSES)}) OR ({condition})"


def _jsonb(comment: str) -> Mapped:
    """A nullable JSONB column: every one of quotes' says in ``comment`` what NULL means."""
    return mapped_column(JSONB, nullable=True, comment=comment)


def _money(what: str) -> Mapped:
    """A price the rating engine fills: NULL until priced (QUO-004)."""
    return mapped_column(sa.Numeric(10, 2), nullable=True, comment=f"{what}; NULL until priced, required once quoted or bound (QUO-004).")


class QuoteNumberCounter(Base):
    __tablename__ = "quote_number_counters"
    # Design: Read-only since revision 012 (numbers come from a sequence per year, granted to no role): the record
    # of what it had issued.
    __table_args__ = (
        sa.CheckConstraint("year BETWEEN 1 AND 9999", name="year_four_digits"),
        sa.CheckConstraint(f"last_value BETWEEN 0 AND {QUOTE_NUMBERS_PER_YEAR}", name="last_value_six_digits"),
        # Revision 012: numbers come from the sequences quote_number_seq_YYYY; this table is read-only.
        {
            "info": design(
                "reference",
                REPLICATED,
                LeftEmpty(
                    "QUO-003: since revision 012 quote numbers come from a sequence per year; the table keeps what the counter had "
                    "issued before 012 (read-only) and is written again only by 012's downgrade"
                ),
            ),
            "comment": "QUO-003: the last quote number the per-year counter had issued when revision 012 moved numbering to the "
            "sequences quote_number_seq_YYYY; no longer written (read-only for every role), kept for the downgrade to 011.",
        },
    )

    year: Mapped[int] = mapped_column(
        sa.Integer,
        primary_key=True,
        autoincrement=False,
        comment="Calendar year (UTC) of the quotes' created_at; the YYYY of QUOT-YYYY-NNNNNN.",
    )
    last_value: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        comment="Highest NNNNNN issued (or imported) for the year; QUO-003: at most 999999, then inserts are refused.",
    )


class Quote(Base):
    __tablename__ = "quotes"
    # Design: 002 quotes: written by the quoting service.
    __table_args__ = (
        sa.CheckConstraint(in_values("status", QUOTE_STATUSES), name="status_allowed"),
        sa.CheckConstraint(in_values("product_type", PRODUCT_TYPES), name="product_type_allowed"),
        state_check(),
        zip_check(),
        sa.CheckConstraint(f"quote_number ~ '{QUOTE_NUMBER_PATTERN}'", name="quote_number_format"),
        sa.CheckConstraint(
            # CASE, not AND: only a number that has a year is cast (the format CHECK refuses the rest).
            "CASE WHEN quote_number ~ '^QUOT-[0-9]{4}-' "
            "THEN substr(quote_number, 6, 4)::integer = EXTRACT(year FROM created_at AT TIME ZONE 'UTC') END",
            name="quote_number_year_is_created_year",
        ),
        sa.CheckConstraint("base_premium >= 0 AND total_premium >= 0 AND monthly_premium >= 0", name="premiums_non_negative"),
        sa.CheckConstraint(
            _priced("base_premium IS NOT NULL AND total_premium IS NOT NULL AND monthly_premium IS NOT NULL"),
            name="premiums_when_priced",
        ),
        sa.CheckConstraint(
            _priced("rating_factors IS NOT NULL AND discounts_applied IS NOT NULL AND surcharges_applied IS NOT NULL"),
            name="rating_result_when_priced",
        ),
        sa.CheckConstraint(
            _priced(
                "coverage_selections IS NOT NULL AND CASE product_type "
                "WHEN 'auto' THEN vehicle_info IS NOT NULL AND drivers IS NOT NULL "
                "ELSE property_info IS NOT NULL END"
            ),
            name="risk_data_when_priced",
        ),
        sa.CheckConstraint("vehicle_info IS NULL OR product_type = 'auto'", name="vehicle_info_only_auto"),
        sa.CheckConstraint("drivers IS NULL OR product_type = 'auto'", name="drivers_only_auto"),
        sa.CheckConstraint("property_info IS NULL OR product_type IN ('home', 'renters')", name="property_info_only_property"),
        sa.CheckConstraint("jsonb_typeof(vehicle_info) = 'object'", name="vehicle_info_is_object"),
        sa.CheckConstraint("jsonb_typeof(property_info) = 'object'", name="property_info_is_object"),
        sa.CheckConstraint("jsonb_typeof(drivers) = 'array'", name="drivers_is_array"),
        sa.CheckConstraint("jsonb_typeof(coverage_selections) = 'object'", name="coverage_selections_is_object"),
        sa.CheckConstraint("jsonb_typeof(discounts_applied) = 'array'", name="discounts_applied_is_array"),
        sa.CheckConstraint("jsonb_typeof(surcharges_applied) = 'array'", name="surcharges_applied_is_array"),
        sa.CheckConstraint("jsonb_typeof(rating_factors) = 'object'", name="rating_factors_is_object"),
        sa.CheckConstraint("jsonb_typeof(ai_risk_factors) = 'object'", name="ai_risk_factors_is_object"),
        sa.CheckConstraint("jsonb_typeof(declined_reasons) = 'array'", name="declined_reasons_is_array"),
        sa.CheckConstraint("ai_risk_score BETWEEN 0 AND 1", name="ai_risk_score_range"),
        sa.CheckConstraint("conversion_probability BETWEEN 0 AND 1", name="conversion_probability_range"),
        sa.CheckConstraint("ai_risk_factors IS NULL OR ai_risk_score IS NOT NULL", name="ai_risk_factors_need_score"),
        sa.CheckConstraint("(status = 'declined') = (declined_reasons IS NOT NULL)", name="declined_reasons_iff_declined"),
        sa.CheckConstraint("(status = 'bound') = (converted_to_policy_id IS NOT NULL)", name="converted_to_policy_id_iff_bound"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("parent_quote_id IS NOT NULL OR version = 1", name="root_is_version_1"),
        sa.CheckConstraint("parent_quote_id <> id", name="parent_is_not_self"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
        # Revision 008: priced means complete (QUO-018..QUO-020); CASE keeps a wrong JSON type for
        # the *_is_array CHECKs to refuse by name instead of an error from jsonb_array_length.
        sa.CheckConstraint(
            _priced(
                "product_type <> 'auto' OR (vehicle_info <> '{}'::jsonb AND "
                "CASE WHEN jsonb_typeof(drivers) = 'array' THEN jsonb_array_length(drivers) >= 1 END)"
            ),
            name="auto_risk_complete_when_priced",
        ),
        sa.CheckConstraint(_priced("coverage_selections <> '{}'::jsonb"), name="coverage_selections_not_empty_when_priced"),
        sa.CheckConstraint(_priced("base_premium > 0 AND total_premium > 0 AND monthly_premium > 0"), name="premiums_positive_when_priced"),
        sa.CheckConstraint("monthly_premium <= total_premium", name="monthly_within_total"),
        sa.CheckConstraint(
            "CASE WHEN jsonb_typeof(declined_reasons) = 'array' THEN jsonb_array_length(declined_reasons) >= 1 END",
            name="declined_reasons_not_empty",
        ),
        # The composite FK comes before the customer FK on purpose: see src/schema/samples/quotes.py.
        sa.ForeignKeyConstraint(["parent_quote_id", "customer_id"], ["quotes.id", "quotes.customer_id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["converted_to_policy_id"], ["policies.id"], ondelete="RESTRICT"),
        # QUO-016 (revision 008): the bound policy agrees with the quote. Created after the simple FK,
        # so a policy that does not exist is reported by fk_quotes_converted_to_policy_id_policies.
        sa.ForeignKeyConstraint(
            list(BINDING_COLUMNS),
            [f"policies.{c}" for c in POLICY_BINDING_KEY],
            ondelete="RESTRICT",
            name="fk_quotes_binding_agrees_with_policy",
            comment="QUO-016: a bound quote's policy has its customer, line, state and effective date, and "
            "premium_amount = total_premium (the quoted total for the term); RESTRICT, a policy bound "
            "from a quote is never deleted.",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="RESTRICT"),
        sa.UniqueConstraint("quote_number"),
        sa.UniqueConstraint("converted_to_policy_id"),
        sa.Index("ix_quotes_id_customer_id", "id", "customer_id", unique=True),
        sa.Index("ix_quotes_customer_id_status", "customer_id", "status"),
        sa.Index("ix_quotes_parent_quote_id_customer_id", "parent_quote_id", "customer_id"),
        sa.Index("ix_quotes_state_product_type", "state", "product_type"),
        sa.Index("ix_quotes_expires_at", "expires_at", postgresql_where=sa.text(in_values("status", OPEN_STATUSES))),
        sa.Index("ix_quotes_created_by", "created_by"),
        sa.Index("ix_quotes_updated_by", "updated_by"),
        {
            "info": design("operational", Distributed("customer_id", "co-located with its customer (quote service, portal)"), GENERATED),
            "comment": "Quotes: priced (or being priced) risk offered to a customer, versioned, until bound, "
            "declined or expired. QUO-001..QUO-012.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    quote_number: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        server_default=sa.text(f"'{QUOTE_NUMBER_TEMPLATE}'::character varying"),
        comment="QUO-003: business key QUOT-YYYY-NNNNNN. Leave it out: the default template 'QUOT-YYYY-NNNNNN' "
        "is replaced by trigger trg_quotes_assign_quote_number with the next number of the year of "
        "created_at (UTC); the format CHECK refuses the template itself.",
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="QUO-012: the customer the quote is for; RESTRICT, a customer with quotes cannot be deleted.",
    )
    status: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        server_default=sa.text("'draft'::character varying"),
        comment="QUO-001: every quote starts in draft (underwriting workflow); QUO-002: lifecycle "
        "draft -> calculating -> quoted -> bound | expired | declined.",
    )
    product_type: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Line of business quoted: auto, home or renters.")
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: USPS code of the state whose rates and rules apply.")
    zip_code: Mapped[str] = mapped_column(
        sa.String(10), nullable=False, comment="COR-004: ZIP or ZIP+4 of the garaging or property address (territory rating)."
    )
    effective_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="Requested first day of coverage.")
    base_premium: Mapped[Decimal | None] = _money("Premium before discounts and surcharges, USD")
    total_premium: Mapped[Decimal | None] = _money("Premium for the term after discounts and surcharges, USD")
    monthly_premium: Mapped[Decimal | None] = _money("Monthly installment, USD")
    vehicle_info: Mapped[dict | None] = _jsonb(
        "Vehicle(s) of an auto quote (JSON object); NULL for home/renters, or while an auto draft has none yet (QUO-009)."
    )
    property_info: Mapped[dict | None] = _jsonb(
        "Insured property of a home/renters quote (JSON object); NULL for auto, or while a draft has none yet (QUO-009)."
    )
    drivers: Mapped[list | None] = _jsonb(
        "Drivers of an auto quote (JSON array); NULL for home/renters, or while an auto draft has none yet (QUO-009)."
    )
    coverage_selections: Mapped[dict | None] = _jsonb(
        "Chosen coverages with limits and deductibles (JSON object); NULL until the customer chooses, required once priced (QUO-009)."
    )
    discounts_applied: Mapped[list | None] = _jsonb(
        "Discounts the rating engine applied (JSON array, empty when none); NULL until priced (QUO-004)."
    )
    surcharges_applied: Mapped[list | None] = _jsonb(
        "Surcharges the rating engine applied (JSON array, empty when none); NULL until priced (QUO-004)."
    )
    rating_factors: Mapped[dict | None] = _jsonb("Factors the rating engine used, by name (JSON object); NULL until priced (QUO-004).")
    ai_risk_score: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(3, 2),
        nullable=True,
        comment="QUO-007: model risk score in [0, 1]; NULL until the risk model has scored the quote.",
    )
    ai_risk_factors: Mapped[dict | None] = _jsonb(
        "QUO-007: contribution of each factor to ai_risk_score (JSON object); NULL when unscored or the model gave none."
    )
    conversion_probability: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(3, 2),
        nullable=True,
        comment="QUO-007: predicted probability in [0, 1] that the quote binds; NULL until the model has scored it.",
    )
    version: Mapped[int] = mapped_column(
        sa.Integer,
        nullable=False,
        server_default=sa.text("1"),
        comment="QUO-006: a quote without a parent is version 1 (the default); a requote is its parent's version + 1 "
        "(checked by trigger trg_quotes_check_version); fixed at creation.",
    )
    parent_quote_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="QUO-006: the quote this one re-prices, of the same customer (composite FK); NULL for an original quote (version 1).",
    )
    expires_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=False,
        comment="QUO-010: when the offer lapses (after created_at); set by the application from the state's quote validity period.",
    )
    converted_to_policy_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        nullable=True,
        comment="QUO-005: the policy this quote was bound as; NULL unless status is bound. One policy comes from one quote.",
    )
    declined_reasons: Mapped[list | None] = _jsonb(
        "QUO-008: why the carrier declined (JSON array, for the adverse-action notice); NULL unless status is declined."
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
    created_by: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="QUO-011: user (agent, or the self-service channel's system account) who created the quote; RESTRICT.",
    )
    updated_by: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        nullable=False,
        comment="QUO-011: user who last changed the quote (the creator until the first change); RESTRICT.",
    )


class QuoteStatusTransition(Base):
    __tablename__ = "quote_status_transitions"
    # Design: 008: the lifecycle is reference data a revision changes; the application only reads it (its triggers
    # do, as the inserting role), nobody may allow bound -> quoted at run time.
    __table_args__ = (
        sa.CheckConstraint(in_values("from_status", LIFECYCLE_FROM), name="from_status_allowed"),
        sa.CheckConstraint(in_values("to_status", QUOTE_STATUSES), name="to_status_allowed"),
        sa.CheckConstraint("from_status <> to_status", name="changes_status"),
        sa.CheckConstraint("rule_id ~ '^QUO-[0-9]{3}$'", name="rule_id_format"),
        {
            "info": design("reference", REPLICATED, REVISION_ROWS),
            "comment": "QUO-013: the quote lifecycle as data: each row is an allowed status change; a status with "
            "no row leaving it is terminal (QUO-014).",
        },
    )

    from_status: Mapped[str] = mapped_column(
        sa.String(20),
        primary_key=True,
        comment="Status before the change; 'new' means the quote is being created (the statuses it may start in, QUO-001).",
    )
    to_status: Mapped[str] = mapped_column(sa.String(20), primary_key=True, comment="Status after the change.")
    rule_id: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="Business rule (QUO-) that allows this change.")
    description: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="What happened in the business when a quote makes this change."
    )
