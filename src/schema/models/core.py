"""Core domain (revision 001): users, customers, policies, claims.

The seed assumed these existed; every later revision references them, so they set the
conventions: NOT NULL unless the comment says what NULL means, RESTRICT on foreign keys to
legal records, money in NUMERIC(12,2), and status columns with named CHECKs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schema import secret_formats
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
from schema.models.design import GENERATED, REPLICATED, REVISION_ROWS, Design, Distributed, design

USER_ROLES: tuple[str, ...] = ("agent", "underwriter", "claims_adjuster", "customer_service", "system")
POLICY_STATUSES: tuple[str, ...] = ("pending", "active", "cancelled", "expired")
CLAIM_STATUSES: tuple[str, ...] = ("submitted", "under_review", "approved", "denied", "paid", "closed")

# COR-023: the three business tables whose created_at a trigger keeps server-owned (revision 007).
SERVER_OWNED_CREATED_AT_COMMENT = (
    "When the row was inserted (technical default: transaction time); COR-023: set by the database, "
    "a caller's value is refused (COR-024: the owner's historical import keeps its own)."
)

# COR-020: the term a product is written for. Personal auto is sold on six- and twelve-month
# terms, homeowners and renters on annual terms (the ISO personal auto and homeowners programs
# most US carriers file); a term of any other length is a data error, not a product.
TERM_LENGTH_PER_PRODUCT = (
    "CASE product_type "
    "WHEN 'auto' THEN expiration_date IN ((effective_date + '6 mons'::interval)::date, (effective_date + '1 year'::interval)::date) "
    "ELSE expiration_date = (effective_date + '1 year'::interval)::date END"
)


class User(Base):
    __tablename__ = "users"
    # Design: 001 core: the application writes business data; reporting, auditors and admins read it.
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(in_values("role", USER_ROLES), name="role_allowed"),
        sa.CheckConstraint(secret_formats.hash_check("password_hash"), name="password_hash_format"),  # SEC-025, revision 010
        sa.UniqueConstraint("email"),
        {
            "info": design("operational", REPLICATED, GENERATED),
            "comment": "Staff and service accounts of the carrier's platform (not policyholders; see customers).",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="Login e-mail, stored lower-case (COR-005) so uniqueness is case-blind."
    )
    password_hash: Mapped[str] = mapped_column(
        sa.Text, nullable=False, comment="Password hash (argon2/bcrypt); SEC-001: never the password itself."
    )
    full_name: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="Display name of the account holder.")
    role: Mapped[str] = mapped_column(sa.String(30), nullable=False, comment="Platform role; one of the values of ck_users_role_allowed.")
    is_active: Mapped[bool] = mapped_column(
        sa.Boolean,
        nullable=False,
        server_default=sa.text("true"),
        comment="COR-006: accounts are active from creation until an administrator deactivates them.",
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        state_check(),
        zip_check(),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("date_of_birth > DATE '1900-01-01'", name="date_of_birth_plausible"),
        sa.UniqueConstraint("customer_number"),
        # COR-021: household members share an e-mail, so it is a search key, not a business key.
        sa.Index("ix_customers_email", "email"),
        {
            "info": design("operational", Distributed("id", "the tenant: every customer-owned row follows it"), GENERATED),
            "comment": "Policyholders and prospects: the people quotes and policies are written for.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    customer_number: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="Business key shown to the customer, e.g. CUST-000123."
    )
    first_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Legal first name.")
    last_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Legal last name.")
    email: Mapped[str | None] = mapped_column(
        sa.String(255),
        nullable=True,
        comment="Contact e-mail, lower-case (COR-005); COR-021: NULL for agency-written business with no e-mail on file, "
        "and shared by members of one household (not unique).",
    )
    phone: Mapped[str | None] = mapped_column(
        sa.String(20), nullable=True, comment="Contact phone in E.164; NULL when the customer gave none (e-mail is the required channel)."
    )
    date_of_birth: Mapped[dt.date] = mapped_column(
        sa.Date,
        nullable=False,
        comment="Date of birth: age is a rating factor (RAT-004) and proves majority to contract; COR-022: in the past, age 16 to 120.",
    )
    address_line1: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="Street address of the residence.")
    city: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="City of the residence.")
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: USPS state code of the residence.")
    zip_code: Mapped[str] = mapped_column(sa.String(10), nullable=False, comment="COR-004: ZIP or ZIP+4 of the residence.")
    created_at: Mapped[dt.datetime] = created_at(SERVER_OWNED_CREATED_AT_COMMENT)
    updated_at: Mapped[dt.datetime] = updated_at()


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        state_check(),
        sa.CheckConstraint(in_values("product_type", PRODUCT_TYPES), name="product_type_allowed"),
        sa.CheckConstraint(in_values("status", POLICY_STATUSES), name="status_allowed"),
        sa.CheckConstraint("expiration_date > effective_date", name="expiration_after_effective"),
        sa.CheckConstraint("premium_amount >= 0", name="premium_amount_non_negative"),
        sa.CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_at_iff_cancelled"),
        sa.CheckConstraint("policy_number ~ '^POL-[0-9]{4}-[0-9]{6}$'", name="policy_number_format"),
        sa.CheckConstraint("jsonb_typeof(coverage_data) = 'object'", name="coverage_data_is_object"),
        # COR-013: the shape the seed's meta-gap asks for, judged by the self-tested database validator.
        # coverage_data_is_object stays beside it: PostgreSQL checks CHECKs in name order, so a
        # non-object is refused by the more precise name, and the type CHECK survives any validator change.
        sa.CheckConstraint("validate_policy_data(coverage_data)", name="coverage_data_valid"),
        # COR-019: the document repeats the columns; both must say the same. Named to sort after
        # coverage_data_valid and expiration_after_effective (PostgreSQL reports the first failing
        # CHECK in name order), so those keep naming the refusals they are about.
        sa.CheckConstraint("(coverage_data ->> 'state') = state", name="state_matches_coverage"),
        sa.CheckConstraint(
            "(coverage_data ->> 'effective_date') = to_char(effective_date, 'YYYY-MM-DD') "
            "AND (coverage_data ->> 'expiration_date') = to_char(expiration_date, 'YYYY-MM-DD')",
            name="term_dates_match_coverage",
        ),
        sa.CheckConstraint(TERM_LENGTH_PER_PRODUCT, name="term_length_per_product"),
        sa.UniqueConstraint("policy_number"),
        # QUO-016 (revision 008, quotes domain): target of fk_quotes_binding_agrees_with_policy.
        sa.Index(
            "ix_policies_binding_key",
            "id",
            "customer_id",
            "product_type",
            "state",
            "effective_date",
            "premium_amount",
            unique=True,
        ),
        sa.Index("ix_policies_customer_id", "customer_id"),
        {
            "info": design("operational", Distributed("customer_id", "co-located with its customer"), GENERATED),
            "comment": "Bound insurance contracts. A legal record: never deleted while claims or quotes refer to it.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    policy_number: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="Business key POL-YYYY-NNNNNN printed on the declarations page."
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("customers.id", ondelete="RESTRICT"),
        nullable=False,
        comment="COR-001: every policy has a policyholder; RESTRICT, a customer with policies cannot be deleted.",
    )
    product_type: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Line of business: auto, home or renters.")
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: state whose regulator governs the policy.")
    status: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        comment="Lifecycle status; set explicitly at bind (no default: a policy is never silently active); "
        "COR-018: starts pending or active and moves only as policy_status_transitions allows.",
    )
    effective_date: Mapped[dt.date] = mapped_column(
        sa.Date, nullable=False, comment="First day of coverage (a calendar date in the policy's state)."
    )
    expiration_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="Day coverage ends; COR-007: after effective_date.")
    premium_amount: Mapped[Decimal] = mapped_column(
        sa.Numeric(12, 2), nullable=False, comment="Written premium for the term in USD, penny precision."
    )
    coverage_data: Mapped[dict] = mapped_column(
        JSONB, nullable=False, comment="Coverages with limits and deductibles, as bound; COR-013: a payload validate_policy_data accepts."
    )
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True),
        nullable=True,
        comment="NULL unless status is cancelled; then when the cancellation took effect (COR-008).",
    )
    created_at: Mapped[dt.datetime] = created_at(SERVER_OWNED_CREATED_AT_COMMENT)
    updated_at: Mapped[dt.datetime] = updated_at()


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", CLAIM_STATUSES), name="status_allowed"),
        sa.CheckConstraint("claimed_amount >= 0", name="claimed_amount_non_negative"),
        sa.CheckConstraint("approved_amount >= 0", name="approved_amount_non_negative"),
        sa.CheckConstraint("(status IN ('approved', 'paid')) <= (approved_amount IS NOT NULL)", name="approved_amount_when_approved"),
        sa.CheckConstraint("claim_number ~ '^CLM-[0-9]{4}-[0-9]{6}$'", name="claim_number_format"),
        sa.CheckConstraint(
            "(status IN ('under_review', 'approved', 'paid')) <= (claimed_amount IS NOT NULL)", name="claimed_amount_when_reviewed"
        ),
        sa.UniqueConstraint("claim_number"),
        sa.Index("ix_claims_policy_id", "policy_id"),
        {
            "info": design("operational", Distributed("customer_id", "co-located with its policy's customer"), GENERATED),
            "comment": "First notices of loss and their settlement, against one policy.",
        },
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    claim_number: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Business key CLM-YYYY-NNNNNN given to the claimant.")
    policy_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("policies.id", ondelete="RESTRICT"),
        nullable=False,
        comment="Policy the loss is claimed under; RESTRICT, claims are legal records that outlive nothing they cite.",
    )
    status: Mapped[str] = mapped_column(
        sa.String(20),
        nullable=False,
        comment="Claim workflow status; COR-017: starts submitted and moves only as claim_status_transitions allows.",
    )
    loss_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="Calendar date the loss occurred.")
    reported_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, comment="When the loss was reported to the carrier."
    )
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, comment="Claimant's account of the loss.")
    claimed_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(12, 2),
        nullable=True,
        comment="Amount claimed in USD; COR-016: NULL at first notice of loss while the amount is not known, "
        "required from under_review on (the adjuster sets it).",
    )
    approved_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(12, 2), nullable=True, comment="NULL until an adjuster approves an amount; required once approved or paid (COR-009)."
    )
    created_at: Mapped[dt.datetime] = created_at(SERVER_OWNED_CREATED_AT_COMMENT)
    updated_at: Mapped[dt.datetime] = updated_at()


def _transitions_table_args(table: str, entity: str, statuses: tuple[str, ...], rule_id: str, info: dict[str, Design]) -> tuple:
    return (
        sa.CheckConstraint(in_values("from_status", statuses), name="from_status_allowed"),
        sa.CheckConstraint(in_values("to_status", statuses), name="to_status_allowed"),
        sa.CheckConstraint("from_status <> to_status", name="changes_status"),
        sa.CheckConstraint("rule_id ~ '^[A-Z]{3}-[0-9]{3}$'", name="rule_id_format"),
        sa.UniqueConstraint("from_status", "to_status", postgresql_nulls_not_distinct=True),
        {
            "info": info,
            "comment": f"{rule_id}: the allowed {entity} status changes, one row each (a lifecycle as data); "
            "trigger check_core_status_transition refuses any other.",
        },
    )


def _transition_id(rule_id: str) -> Mapped[int]:
    return mapped_column(
        sa.Integer,
        sa.Identity(always=False),
        primary_key=True,
        comment=f"Technical surrogate key: from_status is NULL for a starting status, so (from_status, to_status) "
        f"cannot be the primary key ({rule_id}).",
    )


def _from_status(entity: str, rule_id: str) -> Mapped[str | None]:
    return mapped_column(
        sa.String(20),
        nullable=True,
        comment=f"Status before the change; NULL: the status a new {entity} may start in ([*] in the state diagram, {rule_id}).",
    )


def _to_status() -> Mapped[str]:
    return mapped_column(sa.String(20), nullable=False, comment="Status after the change.")


def _rule_id() -> Mapped[str]:
    return mapped_column(sa.String(7), nullable=False, comment="Business rule the transition belongs to (the registry in schema.rules).")


def _description() -> Mapped[str]:
    return mapped_column(sa.Text, nullable=False, comment="When and why the change happens, for the handbook's state diagram.")


class ClaimStatusTransition(Base):
    """COR-017: the claim lifecycle; rows seeded by revision 007 (data, not code)."""

    __tablename__ = "claim_status_transitions"
    # Design: 007 core lifecycles: seeded and changed by revisions only; the triggers and the handbook read them.
    __table_args__ = _transitions_table_args(
        "claim_status_transitions", "claim", CLAIM_STATUSES, "COR-017", design("reference", REPLICATED, REVISION_ROWS)
    )

    id: Mapped[int] = _transition_id("COR-017")
    from_status: Mapped[str | None] = _from_status("claim", "COR-017")
    to_status: Mapped[str] = _to_status()
    rule_id: Mapped[str] = _rule_id()
    description: Mapped[str] = _description()


class PolicyStatusTransition(Base):
    """COR-018: the policy lifecycle; rows seeded by revision 007 (data, not code)."""

    __tablename__ = "policy_status_transitions"
    # Design: 007 core lifecycles: seeded and changed by revisions only; the triggers and the handbook read them.
    __table_args__ = _transitions_table_args(
        "policy_status_transitions", "policy", POLICY_STATUSES, "COR-018", design("reference", REPLICATED, REVISION_ROWS)
    )

    id: Mapped[int] = _transition_id("COR-018")
    from_status: Mapped[str | None] = _from_status("policy", "COR-018")
    to_status: Mapped[str] = _to_status()
    rule_id: Mapped[str] = _rule_id()
    description: Mapped[str] = _description()
