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

USER_ROLES: tuple[str, ...] = ("agent", "underwriter", "claims_adjuster", "customer_service", "system")
POLICY_STATUSES: tuple[str, ...] = ("pending", "active", "cancelled", "expired")
CLAIM_STATUSES: tuple[str, ...] = ("submitted", "under_review", "approved", "denied", "paid", "closed")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(in_values("role", USER_ROLES), name="role_allowed"),
        sa.CheckConstraint(secret_formats.hash_check("password_hash"), name="password_hash_format"),  # SEC-025, revision 010
        sa.UniqueConstraint("email"),
        {"comment": "Staff and service accounts of the carrier's platform (not policyholders; see customers)."},
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
        sa.UniqueConstraint("email"),
        {"comment": "Policyholders and prospects: the people quotes and policies are written for."},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    customer_number: Mapped[str] = mapped_column(
        sa.String(20), nullable=False, comment="Business key shown to the customer, e.g. CUST-000123."
    )
    first_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Legal first name.")
    last_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="Legal last name.")
    email: Mapped[str] = mapped_column(
        sa.String(255), nullable=False, comment="Contact e-mail, lower-case (COR-005); unique per customer."
    )
    phone: Mapped[str | None] = mapped_column(
        sa.String(20), nullable=True, comment="Contact phone in E.164; NULL when the customer gave none (e-mail is the required channel)."
    )
    date_of_birth: Mapped[dt.date] = mapped_column(
        sa.Date, nullable=False, comment="Date of birth: age is a rating factor (RAT-004) and proves majority to contract."
    )
    address_line1: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="Street address of the residence.")
    city: Mapped[str] = mapped_column(sa.String(100), nullable=False, comment="City of the residence.")
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: USPS state code of the residence.")
    zip_code: Mapped[str] = mapped_column(sa.String(10), nullable=False, comment="COR-004: ZIP or ZIP+4 of the residence.")
    created_at: Mapped[dt.datetime] = created_at()
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
        sa.UniqueConstraint("policy_number"),
        sa.Index("ix_policies_customer_id", "customer_id"),
        {"comment": "Bound insurance contracts. A legal record: never deleted while claims or quotes refer to it."},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    policy_number: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Business key POL-YYYY-NNNNNN printed on the declarations page.")
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("customers.id", ondelete="RESTRICT"),
        nullable=False,
        comment="COR-001: every policy has a policyholder; RESTRICT, a customer with policies cannot be deleted.",
    )
    product_type: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Line of business: auto, home or renters.")
    state: Mapped[str] = mapped_column(sa.String(2), nullable=False, comment="COR-003: state whose regulator governs the policy.")
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Lifecycle status; set explicitly at bind (no default: a policy is never silently active).")
    effective_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="First day of coverage (a calendar date in the policy's state).")
    expiration_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="Day coverage ends; COR-007: after effective_date.")
    premium_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False, comment="Written premium for the term in USD, penny precision.")
    coverage_data: Mapped[dict] = mapped_column(
        JSONB, nullable=False, comment="Coverages with limits and deductibles, as bound; COR-013: a payload validate_policy_data accepts."
    )
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), nullable=True, comment="NULL unless status is cancelled; then when the cancellation took effect (COR-008)."
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", CLAIM_STATUSES), name="status_allowed"),
        sa.CheckConstraint("claimed_amount >= 0", name="claimed_amount_non_negative"),
        sa.CheckConstraint("approved_amount >= 0", name="approved_amount_non_negative"),
        sa.CheckConstraint(
            "(status IN ('approved', 'paid')) <= (approved_amount IS NOT NULL)", name="approved_amount_when_approved"
        ),
        sa.CheckConstraint("claim_number ~ '^CLM-[0-9]{4}-[0-9]{6}$'", name="claim_number_format"),
        sa.UniqueConstraint("claim_number"),
        sa.Index("ix_claims_policy_id", "policy_id"),
        {"comment": "First notices of loss and their settlement, against one policy."},
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    claim_number: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Business key CLM-YYYY-NNNNNN given to the claimant.")
    policy_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("policies.id", ondelete="RESTRICT"),
        nullable=False,
        comment="Policy the loss is claimed under; RESTRICT, claims are legal records that outlive nothing they cite.",
    )
    status: Mapped[str] = mapped_column(sa.String(20), nullable=False, comment="Claim workflow status; set explicitly at first notice of loss.")
    loss_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, comment="Calendar date the loss occurred.")
    reported_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, comment="When the loss was reported to the carrier.")
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, comment="Claimant's account of the loss.")
    claimed_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False, comment="Amount claimed in USD.")
    approved_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(12, 2), nullable=True, comment="NULL until an adjuster approves an amount; required once approved or paid (COR-009)."
    )
    created_at: Mapped[dt.datetime] = created_at()
    updated_at: Mapped[dt.datetime] = updated_at()
