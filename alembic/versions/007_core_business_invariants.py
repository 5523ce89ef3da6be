"""Core business invariants across rows: claims inside their policy's term, lifecycles as data,
documents that agree with their columns, customers as they are, server-owned creation times.

Business purpose: every row of customers, policies and claims was already well-formed on its
own, yet together they could say what no carrier's book may say: a loss before the policy
incepted, after it was cancelled or in the future (COR-014, COR-015); a claim that went from paid
back to submitted (COR-017) or a policy from expired to active (COR-018); a policy whose coverage
document names another state or other dates than its own columns (COR-019), or a five-year auto
term (COR-020); a customer born in the future (COR-022); a created_at the caller wrote years in
the past (COR-023). And it refused what a carrier must store: a first notice of loss before any
amount is known (COR-016: claimed_amount is NULL until an adjuster sets it), household members
sharing an e-mail and agency-written customers with none (COR-021). The one path for historical
rows (imports, the volume generator) is the session setting app.historical_import, honoured only
for the owner of the table (COR-024).

What it does to existing rows: nothing is changed or deleted. Before each new rule, a query finds
the rows that already break it; if there are any, the revision refuses to run (SQLSTATE 23514),
naming the rule id, the count and up to five sample ids, and changes nothing. An operator then
runs the reviewed remediation in REMEDIATION_SQL (the constant below: claims outside their term
are moved aside to remediation_007.claims_outside_term with an audit_logs record each; coverage
documents are aligned to the policy's columns, the old document kept in
remediation_007.policy_coverage_before, with an audit record; customers with an implausible date of
birth and policies with a non-standard term are listed in remediation_007 tables for a person to
correct from the source documents, since no query knows the true value), then upgrades again.
New CHECKs are added NOT VALID and then validated (SHARE UPDATE EXCLUSIVE, no rewrite); dropping
NOT NULL and the e-mail UNIQUE are catalog-only. ix_customers_email is built in the revision's
transaction (SHARE lock on customers for the build, about a second per million rows):
CONCURRENTLY would have to commit half the revision before the refusal checks could roll it back.

Downgrade: refused while rows use what 007 allows and 006 cannot hold (claims without an amount,
customers without or sharing an e-mail); with -x allow-data-loss=true, DOWNGRADE_DATA_LOSS_SQL
deletes those claims and gives those customers a <customer_number>@no-email.invalid address.

The claim and policy status transitions are rows of claim_status_transitions and
policy_status_transitions, seeded here (data, not code): a new transition is an INSERT.

Revision ID: 007
Revises: 006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import context, op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIM_STATUSES = ("submitted", "under_review", "approved", "denied", "paid", "closed")
POLICY_STATUSES = ("pending", "active", "cancelled", "expired")
ROLES_READING_REFERENCE = ("app_rw", "app_ro", "auditor", "admin_rw")

# --- the reviewed remediation (run by hand, never by this revision) ---------------------------------

REMEDIATION_SQL = """
-- Reviewed remediation for revision 007 (core business invariants). Run by hand as the owner of
-- the tables, in one transaction, after reading what each block does; then: alembic upgrade head.
BEGIN;
CREATE SCHEMA IF NOT EXISTS remediation_007;

-- COR-014, COR-015: claims whose loss date is outside the policy's term (before inception, on or
-- after expiration, after the cancellation day) or in the future are moved aside for an adjuster
-- to re-file against the right policy or correct the loss date; each move leaves an audit record.
CREATE TABLE IF NOT EXISTS remediation_007.claims_outside_term (
    LIKE claims,
    moved_at timestamptz NOT NULL DEFAULT now(),
    rule_id text NOT NULL
);
WITH outside AS (
    SELECT c.*, CASE WHEN c.loss_date > (now() AT TIME ZONE 'UTC')::date THEN 'COR-015' ELSE 'COR-014' END AS rule_id
    FROM claims c JOIN policies p ON p.id = c.policy_id
    WHERE c.loss_date > (now() AT TIME ZONE 'UTC')::date
       OR c.loss_date < p.effective_date OR c.loss_date >= p.expiration_date
       OR (p.cancelled_at IS NOT NULL AND c.loss_date > (p.cancelled_at AT TIME ZONE 'UTC')::date)
), kept AS (
    INSERT INTO remediation_007.claims_outside_term
    SELECT o.id, o.claim_number, o.policy_id, o.status, o.loss_date, o.reported_at, o.description,
           o.claimed_amount, o.approved_amount, o.created_at, o.updated_at, now(), o.rule_id
    FROM outside o
    RETURNING id, rule_id
), audited AS (
    INSERT INTO audit_logs (action, resource_type, resource_id)
    SELECT 'claim.moved_aside_' || lower(replace(rule_id, '-', '_')), 'claims', id FROM kept
    RETURNING resource_id
)
DELETE FROM claims WHERE id IN (SELECT resource_id FROM audited);

-- COR-019: the policy's columns are the contract of record (the declarations page prints them);
-- a coverage document that disagrees is aligned to them, the old document kept.
CREATE TABLE IF NOT EXISTS remediation_007.policy_coverage_before (
    policy_id uuid NOT NULL,
    coverage_data jsonb NOT NULL,
    aligned_at timestamptz NOT NULL DEFAULT now()
);
WITH disagree AS (
    SELECT id, coverage_data FROM policies
    WHERE coverage_data ->> 'state' IS DISTINCT FROM state
       OR coverage_data ->> 'effective_date' IS DISTINCT FROM to_char(effective_date, 'YYYY-MM-DD')
       OR coverage_data ->> 'expiration_date' IS DISTINCT FROM to_char(expiration_date, 'YYYY-MM-DD')
), kept AS (
    INSERT INTO remediation_007.policy_coverage_before (policy_id, coverage_data)
    SELECT id, coverage_data FROM disagree
    RETURNING policy_id
), audited AS (
    INSERT INTO audit_logs (action, resource_type, resource_id)
    SELECT 'policy.coverage_aligned_cor_019', 'policies', policy_id FROM kept
    RETURNING resource_id
)
UPDATE policies p
SET coverage_data = p.coverage_data || jsonb_build_object(
        'state', p.state,
        'effective_date', to_char(p.effective_date, 'YYYY-MM-DD'),
        'expiration_date', to_char(p.expiration_date, 'YYYY-MM-DD'))
WHERE p.id IN (SELECT resource_id FROM audited);

-- COR-020 and COR-022 have no value a query could know: the rows are listed for a person to
-- correct from the application or the contract (UPDATE ... by id), then the upgrade is re-run.
CREATE TABLE IF NOT EXISTS remediation_007.policies_with_nonstandard_term AS
SELECT id, policy_number, product_type, effective_date, expiration_date FROM policies
WHERE NOT CASE product_type
    WHEN 'auto' THEN expiration_date IN ((effective_date + interval '6 months')::date, (effective_date + interval '12 months')::date)
    ELSE expiration_date = (effective_date + interval '12 months')::date END;
CREATE TABLE IF NOT EXISTS remediation_007.customers_to_verify AS
SELECT id, customer_number, date_of_birth FROM customers
WHERE date_of_birth > ((now() AT TIME ZONE 'UTC')::date - interval '16 years')::date
   OR date_of_birth <= ((now() AT TIME ZONE 'UTC')::date - interval '121 years')::date;
COMMIT;
"""

# --- rules checked against existing rows before they are added -------------------------------------


class ExistingRowsCheck(NamedTuple):
    """A rule about to be added, and the query that lists the ids of rows already breaking it."""

    rule_id: str
    enforced_by: str
    table: str
    violators: str


EXISTING_ROWS_CHECKS: tuple[ExistingRowsCheck, ...] = (
    ExistingRowsCheck(
        "COR-015", "trg_claims_loss_within_policy_term", "claims",
        "SELECT c.id FROM claims c WHERE c.loss_date > (now() AT TIME ZONE 'UTC')::date",
    ),
    ExistingRowsCheck(
        "COR-014", "trg_claims_loss_within_policy_term", "claims",
        "SELECT c.id FROM claims c JOIN policies p ON p.id = c.policy_id "
        "WHERE c.loss_date < p.effective_date OR c.loss_date >= p.expiration_date "
        "OR (p.cancelled_at IS NOT NULL AND c.loss_date > (p.cancelled_at AT TIME ZONE 'UTC')::date)",
    ),
    ExistingRowsCheck(
        "COR-019", "ck_policies_state_matches_coverage", "policies",
        "SELECT id FROM policies WHERE coverage_data ->> 'state' IS DISTINCT FROM state",
    ),
    ExistingRowsCheck(
        "COR-019", "ck_policies_term_dates_match_coverage", "policies",
        "SELECT id FROM policies "
        "WHERE coverage_data ->> 'effective_date' IS DISTINCT FROM to_char(effective_date, 'YYYY-MM-DD') "
        "OR coverage_data ->> 'expiration_date' IS DISTINCT FROM to_char(expiration_date, 'YYYY-MM-DD')",
    ),
    ExistingRowsCheck(
        "COR-020", "ck_policies_term_length_per_product", "policies",
        "SELECT id FROM policies WHERE NOT CASE product_type "
        "WHEN 'auto' THEN expiration_date IN ((effective_date + interval '6 months')::date, (effective_date + interval '12 months')::date) "
        "ELSE expiration_date = (effective_date + interval '12 months')::date END",
    ),
    ExistingRowsCheck(
        "COR-022", "trg_customers_date_of_birth_plausible", "customers",
        "SELECT id FROM customers "
        "WHERE date_of_birth > ((now() AT TIME ZONE 'UTC')::date - interval '16 years')::date "
        "OR date_of_birth <= ((now() AT TIME ZONE 'UTC')::date - interval '121 years')::date",
    ),
)

EXISTING_ROWS_CHECK_TEMPLATE = """
DO $existing$
DECLARE
    found bigint;
    sample text;
BEGIN
    -- {rule_id}: rows that already break the rule stop the revision before anything changes.
    SELECT count(*), string_agg(id::text, ', ' ORDER BY id) FILTER (WHERE rn <= 5)
    INTO found, sample
    FROM (SELECT v.id, row_number() OVER (ORDER BY v.id) AS rn FROM ({violators}) AS v) AS s;
    IF found > 0 THEN
        RAISE EXCEPTION '{rule_id}: % existing row(s) of {table} break {enforced_by}; revision 007 refused, nothing changed (e.g. %)',
            found, sample
            USING ERRCODE = 'check_violation', CONSTRAINT = '{enforced_by}',
                  HINT = 'Review and run REMEDIATION_SQL of alembic/versions/007_core_business_invariants.py by hand, then upgrade again.';
    END IF;
END
$existing$
"""

# --- functions ----------------------------------------------------------------------------------------

CORE_HISTORICAL_IMPORT_FUNCTION = """
CREATE FUNCTION core_historical_import(target regclass) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    setting text := coalesce(current_setting('app.historical_import', true), '');
BEGIN
    -- COR-024: the one documented path for historical rows: SET LOCAL app.historical_import = 'on',
    -- honoured only for a role that is (or is a member of) the owner of the table written.
    IF setting IN ('', 'off') THEN
        RETURN false;
    END IF;
    IF setting <> 'on' THEN
        RAISE EXCEPTION 'COR-024: app.historical_import must be on or off, got %', setting
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = target), 'USAGE') THEN
        RAISE EXCEPTION 'COR-024: app.historical_import is on, but % is not the owner of %: only the owner loads historical rows',
            current_user, target
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Unset app.historical_import; the application writes rows as they happen.';
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION core_historical_import(regclass) IS
    'COR-024: true when app.historical_import is on and the current role owns the table (historical rows may keep their own created_at and status); refuses the setting for any other role, false when unset or off.';
"""

CHECK_CREATED_AT_SERVER_OWNED_FUNCTION = """
CREATE FUNCTION check_created_at_server_owned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- COR-023: created_at is the time the database accepted the row (transaction time, the column
    -- default), never a value the caller chose; historical rows come through COR-024.
    IF core_historical_import(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF NEW.created_at IS DISTINCT FROM now() THEN
        RAISE EXCEPTION 'COR-023: %.created_at is set by the database, not by the caller (got %, transaction time %); refused by trigger %',
            TG_TABLE_NAME, NEW.created_at, now(), TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME,
                  HINT = 'Leave created_at out of the INSERT; historical imports use app.historical_import (COR-024).';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_created_at_server_owned() IS
    'COR-023: BEFORE INSERT trigger function refusing a created_at other than the transaction time, unless the owner loads historical rows (COR-024).';
"""

CHECK_CORE_STATUS_TRANSITION_FUNCTION = """
CREATE FUNCTION check_core_status_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rule_id CONSTANT text := TG_ARGV[0];
    old_status text;
    known boolean;
    allowed boolean;
BEGIN
    -- COR-017 (claims), COR-018 (policies): the status changes along a declared transition; the
    -- transitions are rows of <table>_status_transitions (from_status NULL: a new row's status).
    IF TG_OP = 'UPDATE' THEN
        IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
            RETURN NEW;
        END IF;
        old_status := OLD.status;
    END IF;
    IF core_historical_import(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'claims' THEN
        SELECT EXISTS (SELECT 1 FROM claim_status_transitions t WHERE NEW.status IN (t.from_status, t.to_status)),
               EXISTS (SELECT 1 FROM claim_status_transitions t
                       WHERE t.from_status IS NOT DISTINCT FROM old_status AND t.to_status = NEW.status)
        INTO known, allowed;
    ELSIF TG_TABLE_NAME = 'policies' THEN
        SELECT EXISTS (SELECT 1 FROM policy_status_transitions t WHERE NEW.status IN (t.from_status, t.to_status)),
               EXISTS (SELECT 1 FROM policy_status_transitions t
                       WHERE t.from_status IS NOT DISTINCT FROM old_status AND t.to_status = NEW.status)
        INTO known, allowed;
    ELSE
        RAISE EXCEPTION 'check_core_status_transition: no transition table for %', TG_TABLE_NAME
            USING ERRCODE = 'feature_not_supported';
    END IF;
    -- A status no transition mentions is left to ck_<table>_status_allowed, which names itself.
    IF known AND NOT allowed THEN
        RAISE EXCEPTION '%: % % cannot go from % to %; refused by trigger % (allowed moves: %_status_transitions)',
            rule_id, TG_TABLE_NAME, NEW.id, coalesce(old_status, '(new row)'), NEW.status, TG_NAME,
            CASE TG_TABLE_NAME WHEN 'claims' THEN 'claim' ELSE 'policy' END
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME,
                  HINT = 'Follow the lifecycle in the transitions table; a new row starts in a status listed with from_status NULL.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_core_status_transition() IS
    'COR-017, COR-018: BEFORE INSERT/UPDATE OF status trigger function refusing a claim or policy status change that claim_status_transitions / policy_status_transitions does not list; TG_ARGV[0] is the rule id. Historical rows (COR-024) keep their status.';
"""

CHECK_CLAIM_WITHIN_POLICY_TERM_FUNCTION = """
CREATE FUNCTION check_claim_within_policy_term() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    policy record;
BEGIN
    -- COR-015: a loss has happened; the UTC date is at or after every US state's local date.
    IF NEW.loss_date > (now() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'COR-015: claim % has loss date % in the future; refused by trigger %', NEW.claim_number, NEW.loss_date, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME;
    END IF;
    -- COR-014: FOR SHARE conflicts with any UPDATE of the policy, so a concurrent change of its
    -- dates waits for this claim (and its trigger trg_policies_term_covers_claims then sees it).
    SELECT p.policy_number, p.effective_date, p.expiration_date, p.cancelled_at INTO policy
    FROM policies p WHERE p.id = NEW.policy_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN NULL;  -- fk_claims_policy_id_policies names that refusal
    END IF;
    IF NEW.loss_date < policy.effective_date OR NEW.loss_date >= policy.expiration_date THEN
        RAISE EXCEPTION 'COR-014: claim % has loss date %, outside the term of policy % (% to %, expiration day not covered); refused by trigger %',
            NEW.claim_number, NEW.loss_date, policy.policy_number, policy.effective_date, policy.expiration_date, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME;
    END IF;
    IF policy.cancelled_at IS NOT NULL AND NEW.loss_date > (policy.cancelled_at AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'COR-014: claim % has loss date %, after policy % was cancelled (%); refused by trigger %',
            NEW.claim_number, NEW.loss_date, policy.policy_number, policy.cancelled_at, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_claim_within_policy_term() IS
    'COR-014, COR-015: constraint trigger function refusing a claim whose loss date is in the future or outside its policy''s term (before effective_date, on or after expiration_date, after the cancellation day); locks the policy FOR SHARE.';
"""

CHECK_POLICY_TERM_COVERS_CLAIMS_FUNCTION = """
CREATE FUNCTION check_policy_term_covers_claims() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    outside record;
BEGIN
    -- COR-014: moving a policy's dates (or cancelling it) must not leave a claim outside the term.
    -- Claims being written concurrently hold FOR SHARE on this policy row, so this UPDATE waited
    -- for them and the query below (a new snapshot) sees them.
    SELECT c.claim_number, c.loss_date INTO outside
    FROM claims c
    WHERE c.policy_id = NEW.id
      AND (c.loss_date < NEW.effective_date OR c.loss_date >= NEW.expiration_date
           OR (NEW.cancelled_at IS NOT NULL AND c.loss_date > (NEW.cancelled_at AT TIME ZONE 'UTC')::date))
    ORDER BY c.loss_date
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'COR-014: policy % cannot cover % to % (cancelled %): claim % has loss date % outside it; refused by trigger %',
            NEW.policy_number, NEW.effective_date, NEW.expiration_date, coalesce(NEW.cancelled_at::text, 'no'),
            outside.claim_number, outside.loss_date, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME,
                  HINT = 'Correct or re-file the claim first, or change the dates and the claim in one transaction (the trigger is deferrable).';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_policy_term_covers_claims() IS
    'COR-014: constraint trigger function refusing a change of a policy''s effective, expiration or cancellation date that would leave one of its claims outside the term.';
"""

CHECK_CUSTOMER_DATE_OF_BIRTH_FUNCTION = """
CREATE FUNCTION check_customer_date_of_birth() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    today CONSTANT date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
    -- COR-022: born in the past, 16 to 120 years old when the date of birth is written. A date the
    -- fixed floor already refuses is left to ck_customers_date_of_birth_plausible, which names itself.
    IF NEW.date_of_birth <= DATE '1900-01-01' THEN
        RETURN NEW;
    END IF;
    IF NEW.date_of_birth > today THEN
        RAISE EXCEPTION 'COR-022: customer % has date of birth % in the future; refused by trigger %', NEW.customer_number, NEW.date_of_birth, TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME;
    END IF;
    IF NEW.date_of_birth > (today - interval '16 years')::date OR NEW.date_of_birth <= (today - interval '121 years')::date THEN
        RAISE EXCEPTION 'COR-022: customer % born % would be % years old: a customer is 16 to 120; refused by trigger %',
            NEW.customer_number, NEW.date_of_birth, extract(year FROM age(today, NEW.date_of_birth)), TG_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_customer_date_of_birth() IS
    'COR-022: BEFORE INSERT/UPDATE OF date_of_birth trigger function refusing a date of birth in the future or an age outside 16..120.';
"""

FUNCTIONS: tuple[str, ...] = (
    CORE_HISTORICAL_IMPORT_FUNCTION,
    CHECK_CREATED_AT_SERVER_OWNED_FUNCTION,
    CHECK_CORE_STATUS_TRANSITION_FUNCTION,
    CHECK_CLAIM_WITHIN_POLICY_TERM_FUNCTION,
    CHECK_POLICY_TERM_COVERS_CLAIMS_FUNCTION,
    CHECK_CUSTOMER_DATE_OF_BIRTH_FUNCTION,
)
# Drop order (reverse of creation: the helper last).
FUNCTION_SIGNATURES: tuple[str, ...] = (
    "check_customer_date_of_birth()",
    "check_policy_term_covers_claims()",
    "check_claim_within_policy_term()",
    "check_core_status_transition()",
    "check_created_at_server_owned()",
    "core_historical_import(regclass)",
)

# --- triggers -----------------------------------------------------------------------------------------


class Trigger(NamedTuple):
    """A trigger: its name, table, full CREATE statement and comment."""

    name: str
    table: str
    create: str
    comment: str


TRIGGERS: tuple[Trigger, ...] = (
    *(
        Trigger(
            f"trg_{table}_created_at_server_owned", table,
            f"CREATE TRIGGER trg_{table}_created_at_server_owned BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION check_created_at_server_owned()",
            "COR-023: refuses a created_at written by the caller (COR-024: the owner's historical import keeps its own).",
        )
        for table in ("customers", "policies", "claims")
    ),
    Trigger(
        "trg_claims_status_transition", "claims",
        "CREATE TRIGGER trg_claims_status_transition BEFORE INSERT OR UPDATE OF status ON claims "
        "FOR EACH ROW EXECUTE FUNCTION check_core_status_transition('COR-017')",
        "COR-017: a claim starts and moves only as claim_status_transitions allows.",
    ),
    Trigger(
        "trg_policies_status_transition", "policies",
        "CREATE TRIGGER trg_policies_status_transition BEFORE INSERT OR UPDATE OF status ON policies "
        "FOR EACH ROW EXECUTE FUNCTION check_core_status_transition('COR-018')",
        "COR-018: a policy starts and moves only as policy_status_transitions allows.",
    ),
    Trigger(
        "trg_claims_loss_within_policy_term", "claims",
        "CREATE CONSTRAINT TRIGGER trg_claims_loss_within_policy_term AFTER INSERT OR UPDATE OF loss_date, policy_id ON claims "
        "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_claim_within_policy_term()",
        "COR-014, COR-015: the loss date is not in the future and falls in the policy's term (locks the policy FOR SHARE).",
    ),
    Trigger(
        "trg_policies_term_covers_claims", "policies",
        "CREATE CONSTRAINT TRIGGER trg_policies_term_covers_claims AFTER UPDATE OF effective_date, expiration_date, cancelled_at ON policies "
        "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_policy_term_covers_claims()",
        "COR-014: a change of the policy's dates leaves none of its claims outside the term.",
    ),
    Trigger(
        "trg_customers_date_of_birth_plausible", "customers",
        "CREATE TRIGGER trg_customers_date_of_birth_plausible BEFORE INSERT OR UPDATE OF date_of_birth ON customers "
        "FOR EACH ROW EXECUTE FUNCTION check_customer_date_of_birth()",
        "COR-022: the date of birth is in the past and gives an age of 16 to 120.",
    ),
)

# --- CHECK constraints on the rows themselves ------------------------------------------------------


class Check(NamedTuple):
    """A CHECK added NOT VALID, then validated."""

    table: str
    name: str
    condition: str
    comment: str


TERM_LENGTH = (
    "CASE product_type "
    "WHEN 'auto' THEN expiration_date IN ((effective_date + '6 mons'::interval)::date, (effective_date + '1 year'::interval)::date) "
    "ELSE expiration_date = (effective_date + '1 year'::interval)::date END"
)

CHECKS: tuple[Check, ...] = (
    # PostgreSQL tests CHECKs in name order and reports the first that fails: the names below sort
    # after the older CHECKs a bad row would also break, so each refusal keeps its most precise name.
    Check("claims", "ck_claims_claimed_amount_when_reviewed",
          "(status IN ('under_review', 'approved', 'paid')) <= (claimed_amount IS NOT NULL)",
          "COR-016: a claim under review, approved or paid carries the claimed amount (NULL only at first notice of loss)."),
    Check("policies", "ck_policies_state_matches_coverage", "(coverage_data ->> 'state') = state",
          "COR-019: the coverage document names the policy's own state."),
    Check("policies", "ck_policies_term_dates_match_coverage",
          "(coverage_data ->> 'effective_date') = to_char(effective_date, 'YYYY-MM-DD') "
          "AND (coverage_data ->> 'expiration_date') = to_char(expiration_date, 'YYYY-MM-DD')",
          "COR-019: the coverage document names the policy's own effective and expiration dates."),
    Check("policies", "ck_policies_term_length_per_product", TERM_LENGTH,
          "COR-020: auto is written for 6 or 12 months, home and renters for 12."),
)

# --- the lifecycle tables ---------------------------------------------------------------------------


class Transition(NamedTuple):
    """An allowed status change; from_status None is the status a new row starts in."""

    from_status: str | None
    to_status: str
    rule_id: str
    description: str


CLAIM_TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, "submitted", "COR-017", "First notice of loss: every claim is filed as submitted."),
    Transition("submitted", "under_review", "COR-017", "An adjuster takes the claim and sets the claimed amount (COR-016)."),
    Transition("submitted", "denied", "COR-017", "Denied at intake (no coverage for the loss)."),
    Transition("submitted", "closed", "COR-017", "Withdrawn by the claimant before review."),
    Transition("under_review", "approved", "COR-017", "The adjuster approves an amount (COR-009)."),
    Transition("under_review", "denied", "COR-017", "Denied after investigation."),
    Transition("under_review", "closed", "COR-017", "Closed without payment (withdrawn, or below the deductible)."),
    Transition("approved", "paid", "COR-017", "The approved amount is paid."),
    Transition("approved", "closed", "COR-017", "Settled without payment through the carrier (e.g. paid by a third party)."),
    Transition("paid", "closed", "COR-017", "File closed after payment."),
    Transition("denied", "under_review", "COR-017", "Reopened on appeal."),
    Transition("denied", "closed", "COR-017", "File closed after denial."),
    Transition("closed", "under_review", "COR-017", "Reopened: new facts or a supplemental claim."),
)

POLICY_TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, "pending", "COR-018", "Bound before its effective date."),
    Transition(None, "active", "COR-018", "Bound on or after its effective date."),
    Transition("pending", "active", "COR-018", "The effective date arrives."),
    Transition("pending", "cancelled", "COR-018", "Cancelled before inception (flat cancellation)."),
    Transition("active", "cancelled", "COR-018", "Cancelled mid-term (cancelled_at set, COR-008)."),
    Transition("active", "expired", "COR-018", "The term ends without renewal."),
    Transition("cancelled", "active", "COR-018", "Reinstated (cancelled_at cleared, COR-008)."),
)


class TransitionTable(NamedTuple):
    """One lifecycle table and what it lists."""

    name: str
    entity: str
    statuses: tuple[str, ...]
    rule_id: str
    transitions: tuple[Transition, ...]


TRANSITION_TABLES: tuple[TransitionTable, ...] = (
    TransitionTable("claim_status_transitions", "claim", CLAIM_STATUSES, "COR-017", CLAIM_TRANSITIONS),
    TransitionTable("policy_status_transitions", "policy", POLICY_STATUSES, "COR-018", POLICY_TRANSITIONS),
)


def _in_values(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _create_transition_table(t: TransitionTable) -> None:
    table = op.create_table(
        t.name,
        sa.Column("id", sa.Integer, sa.Identity(always=False), primary_key=True,
                  comment=f"Technical surrogate key: from_status is NULL for a starting status, so (from_status, to_status) cannot be the primary key ({t.rule_id})."),
        sa.Column("from_status", sa.String(20), nullable=True,
                  comment=f"Status before the change; NULL: the status a new {t.entity} may start in ([*] in the state diagram, {t.rule_id})."),
        sa.Column("to_status", sa.String(20), nullable=False, comment="Status after the change."),
        sa.Column("rule_id", sa.String(7), nullable=False, comment="Business rule the transition belongs to (the registry in schema.rules)."),
        sa.Column("description", sa.Text, nullable=False, comment="When and why the change happens, for the handbook's state diagram."),
        sa.CheckConstraint(_in_values("from_status", t.statuses), name=op.f(f"ck_{t.name}_from_status_allowed")),
        sa.CheckConstraint(_in_values("to_status", t.statuses), name=op.f(f"ck_{t.name}_to_status_allowed")),
        sa.CheckConstraint("from_status <> to_status", name=op.f(f"ck_{t.name}_changes_status")),
        sa.CheckConstraint("rule_id ~ '^[A-Z]{3}-[0-9]{3}$'", name=op.f(f"ck_{t.name}_rule_id_format")),
        sa.UniqueConstraint("from_status", "to_status", name=op.f(f"uq_{t.name}_from_status_to_status"),
                            postgresql_nulls_not_distinct=True),
        comment=f"{t.rule_id}: the allowed {t.entity} status changes, one row each (a lifecycle as data); "
                f"trigger check_core_status_transition refuses any other.",
    )
    op.bulk_insert(table, [tr._asdict() for tr in t.transitions])
    op.execute(f"COMMENT ON INDEX uq_{t.name}_from_status_to_status IS 'pattern: none (a dozen rows, read whole); "
               f"lists each allowed {t.entity} status change once ({t.rule_id})'")
    readable = "id, from_status, to_status, rule_id, description"
    for role in ROLES_READING_REFERENCE:
        op.execute(f"GRANT SELECT ({readable}) ON {t.name} TO {role}")


# --- column changes --------------------------------------------------------------------------------------

CUSTOMERS_EMAIL_COMMENT = (
    "Contact e-mail, lower-case (COR-005); COR-021: NULL for agency-written business with no e-mail on file, "
    "and shared by members of one household (not unique)."
)
CUSTOMERS_EMAIL_COMMENT_006 = "Contact e-mail, lower-case (COR-005); unique per customer."
CLAIMED_AMOUNT_COMMENT = (
    "Amount claimed in USD; COR-016: NULL at first notice of loss while the amount is not known, "
    "required from under_review on (the adjuster sets it)."
)
CLAIMED_AMOUNT_COMMENT_006 = "Amount claimed in USD."
DATE_OF_BIRTH_COMMENT = (
    "Date of birth: age is a rating factor (RAT-004) and proves majority to contract; "
    "COR-022: in the past, age 16 to 120."
)
DATE_OF_BIRTH_COMMENT_006 = "Date of birth: age is a rating factor (RAT-004) and proves majority to contract."
CREATED_AT_COMMENT = (
    "When the row was inserted (technical default: transaction time); COR-023: set by the database, "
    "a caller's value is refused (COR-024: the owner's historical import keeps its own)."
)
CREATED_AT_COMMENT_006 = "When the row was inserted (technical default: transaction time)."
STATUS_COMMENTS = {
    "claims": ("Claim workflow status; set explicitly at first notice of loss.",
               "Claim workflow status; COR-017: starts submitted and moves only as claim_status_transitions allows."),
    "policies": ("Lifecycle status; set explicitly at bind (no default: a policy is never silently active).",
                 "Lifecycle status; set explicitly at bind (no default: a policy is never silently active); "
                 "COR-018: starts pending or active and moves only as policy_status_transitions allows."),
}
CORE_TABLES = ("customers", "policies", "claims")
EMAIL_INDEX = "ix_customers_email"
EMAIL_INDEX_COMMENT = "pattern: the customers of an e-mail address (household lookup, duplicate check on sign-up; COR-021)"


TRANSITION_TABLE_NAMES = ("policy_status_transitions", "claim_status_transitions")

GUARD_TRANSITIONS_TEMPLATE = """
DO $guard$
BEGIN
    -- A transition added after 007 is data this downgrade would lose: refuse unless allowed.
    IF EXISTS (SELECT from_status, to_status FROM {table}
               EXCEPT SELECT * FROM (VALUES {seeded}) AS s(from_status, to_status)) THEN
        RAISE EXCEPTION 'downgrade refused: table {table} holds transitions revision 007 did not seed and would be dropped'
            USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$
"""


def _literal(value: str | None) -> str:
    return "NULL::varchar" if value is None else "'" + value.replace("'", "''") + "'::varchar"


def guard_data_loss(*tables: str) -> None:
    """Refuse dropping a lifecycle table that holds transitions this revision did not seed, unless
    the operator passed -x allow-data-loss=true (the rows 007 seeded are its own and go with it)."""
    if context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false") == "true":
        return
    seeded = {t.name: t.transitions for t in TRANSITION_TABLES}
    for table in tables:
        pairs = ", ".join(f"({_literal(tr.from_status)}, {_literal(tr.to_status)})" for tr in seeded[table])
        op.execute(GUARD_TRANSITIONS_TEMPLATE.format(table=table, seeded=pairs))


# Rows 006 cannot hold: a claim without an amount, a customer without an e-mail or sharing one.
DOWNGRADE_REFUSAL = """
DO $downgrade$
DECLARE
    claims_without_amount bigint := (SELECT count(*) FROM claims WHERE claimed_amount IS NULL);
    customers_without_email bigint := (SELECT count(*) FROM customers WHERE email IS NULL);
    customers_sharing_email bigint := (SELECT count(*) FROM customers c
                                       WHERE EXISTS (SELECT 1 FROM customers o WHERE o.email = c.email AND o.id <> c.id));
BEGIN
    IF claims_without_amount + customers_without_email + customers_sharing_email > 0 THEN
        RAISE EXCEPTION 'downgrade refused: revision 006 cannot hold % claim(s) without an amount (COR-016), % customer(s) without an e-mail and % sharing one (COR-021)',
            claims_without_amount, customers_without_email, customers_sharing_email
            USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision> (see DOWNGRADE_DATA_LOSS_SQL in revision 007)',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$downgrade$
"""
# With -x allow-data-loss=true the operator accepted losing what 006 cannot say: claims still
# without an amount are deleted, and a missing or shared e-mail (all but the lowest customer
# number of an address) becomes <customer_number>@no-email.invalid (RFC 2606: a domain that
# never resolves), so no message can reach a wrong person.
DOWNGRADE_DATA_LOSS_SQL = """
DELETE FROM claims WHERE claimed_amount IS NULL;
UPDATE customers c SET email = lower(c.customer_number) || '@no-email.invalid'
WHERE c.email IS NULL
   OR EXISTS (SELECT 1 FROM customers o WHERE o.email = c.email AND o.customer_number < c.customer_number)
"""


def _refuse_existing_violators() -> None:
    for check in EXISTING_ROWS_CHECKS:
        op.execute(EXISTING_ROWS_CHECK_TEMPLATE.format(**check._asdict()))


def upgrade() -> None:
    _refuse_existing_violators()

    # COR-021: customers as they are.
    op.create_index(EMAIL_INDEX, "customers", ["email"])
    op.execute(f"COMMENT ON INDEX {EMAIL_INDEX} IS '{EMAIL_INDEX_COMMENT}'")
    op.drop_constraint(op.f("uq_customers_email"), "customers", type_="unique")
    op.alter_column("customers", "email", nullable=True, comment=CUSTOMERS_EMAIL_COMMENT,
                    existing_type=sa.String(255), existing_comment=CUSTOMERS_EMAIL_COMMENT_006)
    op.alter_column("customers", "date_of_birth", comment=DATE_OF_BIRTH_COMMENT,
                    existing_type=sa.Date, existing_nullable=False, existing_comment=DATE_OF_BIRTH_COMMENT_006)
    # COR-016: first notice of loss before the amount is known.
    op.alter_column("claims", "claimed_amount", nullable=True, comment=CLAIMED_AMOUNT_COMMENT,
                    existing_type=sa.Numeric(12, 2), existing_comment=CLAIMED_AMOUNT_COMMENT_006)
    for table in CORE_TABLES:
        op.alter_column(table, "created_at", comment=CREATED_AT_COMMENT, existing_type=sa.DateTime(timezone=True),
                        existing_nullable=False, existing_comment=CREATED_AT_COMMENT_006)
    for table, (old, new) in STATUS_COMMENTS.items():
        op.alter_column(table, "status", comment=new, existing_type=sa.String(20), existing_nullable=False, existing_comment=old)

    for check in CHECKS:
        op.execute(f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.condition}) NOT VALID")
        op.execute(f"ALTER TABLE {check.table} VALIDATE CONSTRAINT {check.name}")
        op.execute(f"COMMENT ON CONSTRAINT {check.name} ON {check.table} IS '{check.comment.replace(chr(39), chr(39) * 2)}'")

    for t in TRANSITION_TABLES:
        _create_transition_table(t)

    for function in FUNCTIONS:
        op.execute(function)
    for trigger in TRIGGERS:
        op.execute(trigger.create)
        op.execute(f"COMMENT ON TRIGGER {trigger.name} ON {trigger.table} IS '{trigger.comment.replace(chr(39), chr(39) * 2)}'")


def downgrade() -> None:
    # The mirror of upgrade(). Refused while rows use what 007 allowed and 006 forbids (a claim
    # without an amount, a customer without or with a shared e-mail), unless data loss is allowed.
    guard_data_loss(*TRANSITION_TABLE_NAMES)
    if context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false") == "true":
        op.execute(DOWNGRADE_DATA_LOSS_SQL)
    else:
        op.execute(DOWNGRADE_REFUSAL)
    for trigger in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {trigger.name} ON {trigger.table}")
    for signature in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION {signature}")
    for name in TRANSITION_TABLE_NAMES:
        op.drop_table(name)
    for check in reversed(CHECKS):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT {check.name}")
    for table, (old, new) in STATUS_COMMENTS.items():
        op.alter_column(table, "status", comment=old, existing_type=sa.String(20), existing_nullable=False, existing_comment=new)
    for table in CORE_TABLES:
        op.alter_column(table, "created_at", comment=CREATED_AT_COMMENT_006, existing_type=sa.DateTime(timezone=True),
                        existing_nullable=False, existing_comment=CREATED_AT_COMMENT)
    op.alter_column("claims", "claimed_amount", nullable=False, comment=CLAIMED_AMOUNT_COMMENT_006,
                    existing_type=sa.Numeric(12, 2), existing_comment=CLAIMED_AMOUNT_COMMENT)
    op.alter_column("customers", "date_of_birth", comment=DATE_OF_BIRTH_COMMENT_006,
                    existing_type=sa.Date, existing_nullable=False, existing_comment=DATE_OF_BIRTH_COMMENT)
    op.alter_column("customers", "email", nullable=False, comment=CUSTOMERS_EMAIL_COMMENT_006,
                    existing_type=sa.String(255), existing_comment=CUSTOMERS_EMAIL_COMMENT)
    op.create_unique_constraint(op.f("uq_customers_email"), "customers", ["email"])
    op.drop_index(EMAIL_INDEX, table_name="customers")
