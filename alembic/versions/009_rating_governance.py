"""Rating governance and state regulation as data: filed rates stay filed, the law is a table.

Business purpose: rates are what the carrier files with each state's regulator; pricing with a rate
nobody approved, or with a factor a state forbids, is a market-conduct violation. This revision
makes the database refuse both:

- RAT-015: once a rate is submitted for approval (pending) or approved, its pricing columns are
  frozen (trg_rate_tables_filed_rate_frozen); expiration_date may only be brought forward (a
  withdrawal or a supersession), approved_by (the regulator's examiner) only filled once. A change
  is a new rate row with its own approval; an approved rate takes no new submission. The one
  correction path is the table owner's: ``SET LOCAL app.historical_import = 'on'`` (refused for
  any other role, rate_owner_correction_allowed()).
- RAT-016: rate periods of one (state, product_type, coverage_type) never overlap. A row with an
  expiration_date (a closed period) contains no other row's effective_date and starts inside no
  other closed period. An open-ended row (expiration_date NULL) is superseded, never edited: by
  RAT-001 the rate in force on a day is the latest-effective unexpired row, so a later open-ended
  row (a mid-year revision) replaces it from its effective_date on, and a later closed row
  overrides it for that period only. A mid-year revision is one INSERT. Enforced by the
  constraint trigger trg_rate_tables_no_overlapping_periods, serialized per key by
  pg_advisory_xact_lock (the embedded server has no btree_gist for an EXCLUDE constraint).
- ADM-022..ADM-025: an approval is decided by an admin active at the decision who holds
  rate_tables:approve through their role or its parents; it is submitted by an active holder of
  rate_tables:write; at most one pending approval per rate row (partial unique index); the change
  is summarized (changes_summary not empty).
- RAT-017..RAT-020: state_rating_rules, a reference table of state regulation with citations and
  effective dates (credit and gender bans, the California Good Driver discount, mandated
  coverages, minimum liability limits), seeded here for CA, TX, NY and the states whose bans are
  well known. Rate tables, discount rules and priced quotes are checked against it by triggers
  that read the table, so a new state is rows. The breach functions pass a self-test of known
  good and bad rows before anything uses them (like validate_policy_data in revision 001).
- RAT-002 / RAT-009: the coverage vocabulary gains the usual optional auto and home coverages;
  filing ids accept SERFF tracking numbers (4 capital letters, dash, 9 digits) besides the
  internal format. RAT-021: factor documents are JSON objects of positive numbers whose keys have
  the documented shape (is_factor_table()). RAT-010: a percentage discount is below 100.

What it does to existing rows: nothing is rewritten or deleted. Before each new rule it counts the
rows that break it and refuses to run (naming the rule, the count and up to five ids) when there
are any. Remediation an operator reviews and runs by hand, then re-runs the upgrade:

- RAT-016 overlapping periods: close the earlier row where the later one starts, e.g.
  ``UPDATE rate_tables a SET expiration_date = b.effective_date FROM rate_tables b WHERE <key equal>
  AND b.effective_date > a.effective_date AND b.effective_date < a.expiration_date;``
- ADM-022 / ADM-023 decisions or submissions by admins without the right: the decision stands as
  history, but it was not authorized; grant the permission that was in force at the time
  (``INSERT INTO admin_role_permissions ...``) if it really was, or, if not, record the finding and
  re-submit the rate for a proper decision. A decided approval cannot be edited or deleted
  (ADM-021, owner included): after exporting it to the compliance file, the owner removes it in one
  transaction, ``ALTER TABLE admin_rate_approvals DISABLE TRIGGER trg_admin_rate_approvals_decision_final;
  DELETE FROM admin_rate_approvals WHERE id = ...; ALTER TABLE admin_rate_approvals ENABLE TRIGGER
  trg_admin_rate_approvals_decision_final;``.
- ADM-024 several pending approvals for one rate: reject all but the latest
  (``UPDATE admin_rate_approvals SET status = 'rejected', rejected_by = <approver>, rejected_at = now(),
  rejection_reason = 'Superseded by a later submission.' WHERE ...``).
- ADM-025 empty changes_summary: ``UPDATE admin_rate_approvals SET changes_summary = jsonb_build_object(
  'note', 'summary not recorded before revision 009') WHERE changes_summary = '{}' AND status = 'pending';``
  decided ones are fixed by the owner (ADM-021).
- RAT-010 100 % discounts: ``UPDATE discount_rules SET discount_value = 99.99 ...`` after the filing
  is checked, or end the rule (expiration_date).
- RAT-021 factor documents: fix the offending key or value in the document, as filed.
- RAT-018..RAT-020 state-rule breaches: remove the banned factor from the rate (a new rate row if
  it is frozen), raise the discount to the state minimum, add the mandated coverage to the quote or
  move it back to draft.

Revision ID: 009
Revises: 006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from alembic import context, op

revision: str = "009"
down_revision: str | None = "008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# --- typed records --------------------------------------------------------------------------------


class Check(NamedTuple):
    """A CHECK constraint this revision adds (NOT VALID, then VALIDATE)."""

    table: str
    name: str
    definition: str
    comment: str


class ReplacedCheck(NamedTuple):
    """A CHECK of revision 003 this revision redefines (under ``new_name`` when its meaning changes);
    ``old`` is restored under ``name`` by downgrade."""

    table: str
    name: str
    new: str
    old: str
    comment: str
    new_name: str = ""

    @property
    def current_name(self) -> str:
        return self.new_name or self.name


class Precheck(NamedTuple):
    """Existing rows that break ``rule``: a query returning their ids (as text)."""

    rule: str
    what: str
    violators: str


class Trigger(NamedTuple):
    """A trigger, its full CREATE TRIGGER statement and its comment."""

    name: str
    table: str
    create: str
    comment: str


class StateRule(NamedTuple):
    """A row of state_rating_rules seeded by this revision."""

    rule_id: str
    state: str
    product_type: str
    kind: str
    parameters: str  # JSON text
    citation: str
    effective_from: str
    effective_to: str | None


class ColumnComment(NamedTuple):
    """A column comment of revision 003 this revision restates; ``old`` is restored by downgrade."""

    table: str
    column: str
    new: str
    old: str


class Grant(NamedTuple):
    role: str
    privileges: str  # table privileges, or "SELECT" for column-wise SELECT on every column


# --- vocabularies (RAT-002, RAT-009) --------------------------------------------------------------

AUTO_COVERAGES = (
    "'bodily_injury', 'property_damage', 'collision', 'comprehensive', 'uninsured_motorist', "
    "'underinsured_motorist', 'personal_injury_protection', 'medical_payments'"
)
# Optional auto coverages real filings rate (ISO personal auto endorsements): transportation
# expenses / rental reimbursement, towing and labor (roadside), uninsured motorist property damage,
# auto loan/lease gap (ISO PP 03 35).
AUTO_OPTIONAL = "'rental_reimbursement', 'towing_and_labor', 'uninsured_motorist_property_damage', 'loan_lease_gap'"
RENTERS_COVERAGES = "'personal_property', 'loss_of_use', 'liability', 'medical_payments_to_others'"
# Optional home/renters endorsements (ISO HO 04 61 scheduled personal property, HO 04 95 water
# back-up and sump discharge, HO 04 55 identity fraud expense; HO 04 77 ordinance or law: home only).
PROPERTY_OPTIONAL = "'scheduled_personal_property', 'water_backup', 'identity_fraud_expense'"
HOME_COVERAGES = f"'dwelling', 'other_structures', {RENTERS_COVERAGES}"
HOME_OPTIONAL = f"{PROPERTY_OPTIONAL}, 'ordinance_or_law'"

OLD_COVERAGE_ALLOWED = f"coverage_type IN ({AUTO_COVERAGES}, 'dwelling', 'other_structures', {RENTERS_COVERAGES})"
NEW_COVERAGE_ALLOWED = (
    f"coverage_type IN ({AUTO_COVERAGES}, {AUTO_OPTIONAL}, 'dwelling', 'other_structures', {RENTERS_COVERAGES}, "
    f"{HOME_OPTIONAL})"
)
OLD_COVERAGE_FITS = (
    f"CASE product_type WHEN 'auto' THEN coverage_type IN ({AUTO_COVERAGES}) "
    f"WHEN 'home' THEN coverage_type IN ({HOME_COVERAGES}) "
    f"WHEN 'renters' THEN coverage_type IN ({RENTERS_COVERAGES}) END"
)
NEW_COVERAGE_FITS = (
    f"CASE product_type WHEN 'auto' THEN coverage_type IN ({AUTO_COVERAGES}, {AUTO_OPTIONAL}) "
    f"WHEN 'home' THEN coverage_type IN ({HOME_COVERAGES}, {HOME_OPTIONAL}) "
    f"WHEN 'renters' THEN coverage_type IN ({RENTERS_COVERAGES}, {PROPERTY_OPTIONAL}) END"
)
INTERNAL_FILING = "[A-Z]{2}-(AUTO|HOME|RENT)-[0-9]{4}-[0-9]{3}"
# SERFF tracking number: the filer's 4-letter SERFF company code, a dash, 9 digits (KNIC-127064322).
SERFF_FILING = "[A-Z]{4}-[0-9]{9}"
OLD_FILING_FORMAT = f"filing_id ~ '^{INTERNAL_FILING}$'"
NEW_FILING_FORMAT = f"filing_id ~ '^({INTERNAL_FILING}|{SERFF_FILING})$'"
OLD_FILING_MATCHES = (
    "substr(filing_id, 1, 2) = state AND substr(filing_id, 4, 4) = "
    "CASE product_type WHEN 'auto' THEN 'AUTO' WHEN 'home' THEN 'HOME' WHEN 'renters' THEN 'RENT' END"
)
NEW_FILING_MATCHES = f"filing_id ~ '^{SERFF_FILING}$' OR ({OLD_FILING_MATCHES})"

REPLACED_CHECKS: tuple[ReplacedCheck, ...] = (
    ReplacedCheck(
        "rate_tables", "ck_rate_tables_coverage_type_allowed", NEW_COVERAGE_ALLOWED, OLD_COVERAGE_ALLOWED,
        "RAT-002: the coverages filings rate, standard parts and the usual optional endorsements.",
    ),
    ReplacedCheck(
        "rate_tables", "ck_rate_tables_product_offers_coverage", NEW_COVERAGE_FITS, OLD_COVERAGE_FITS,
        "RAT-002: a rate's coverage is one its product offers (optional endorsements included).",
    ),
    ReplacedCheck(
        "rate_tables", "ck_rate_tables_filing_id_format", NEW_FILING_FORMAT, OLD_FILING_FORMAT,
        "RAT-009: a SERFF tracking number (AAAA-123456789) or the internal <state>-<AUTO|HOME|RENT>-<year>-<nnn>.",
    ),
    ReplacedCheck(
        "rate_tables", "ck_rate_tables_filing_id_matches_state_product", NEW_FILING_MATCHES, OLD_FILING_MATCHES,
        "RAT-009: an internal filing id names the rate's state and line; a SERFF number carries neither.",
    ),
    ReplacedCheck(
        "discount_rules", "ck_discount_rules_percentage_at_most_100",
        "discount_type <> 'percentage' OR discount_value < 100",
        "discount_type <> 'percentage' OR discount_value <= 100",
        "RAT-010: a percentage discount is below 100 (a 100 % discount gives the coverage away).",
        new_name="ck_discount_rules_percentage_below_100",
    ),
)

COLUMN_COMMENTS: tuple[ColumnComment, ...] = (
    ColumnComment(
        "rate_tables", "filing_id",
        "RAT-009: the state rate filing this row implements: its SERFF tracking number (AAAA-123456789) or "
        "<state>-<AUTO|HOME|RENT>-<year>-<nnn>, e.g. CA-AUTO-2026-001.",
        "RAT-009: the state rate filing this row implements, <state>-<AUTO|HOME|RENT>-<year>-<nnn>, e.g. CA-AUTO-2026-001.",
    ),
    ColumnComment(
        "discount_rules", "discount_value",
        "RAT-010: percent (0 < v < 100) or USD amount (> 0), per discount_type.",
        "RAT-010: percent (0 < v <= 100) or USD amount (> 0), per discount_type.",
    ),
)

# --- factor documents (RAT-021) ---------------------------------------------------------------------

IS_FACTOR_TABLE_FUNCTION = """
CREATE FUNCTION is_factor_table(doc jsonb, key_pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT jsonb_typeof(doc) = 'object'
       AND NOT EXISTS (
           SELECT 1 FROM jsonb_each(doc) AS e (key, value)
           WHERE jsonb_typeof(e.value) <> 'number' OR e.value::numeric <= 0 OR e.key !~ key_pattern)
$$;
COMMENT ON FUNCTION is_factor_table(jsonb, text) IS
    'RAT-021: true when a factor document is a JSON object whose values are positive numbers and whose keys match '
    'key_pattern. Reads no table (IMMUTABLE), so CHECK constraints may call it; NULL gives NULL (STRICT).';
"""
TERRITORY_KEY = "^[0-9]{3}$"
FACTOR_KEY = "^[a-z][a-z0-9_]*$"
NEW_CHECKS: tuple[Check, ...] = (
    Check("rate_tables", "ck_rate_tables_territory_factors_typed", f"is_factor_table(territory_factors, '{TERRITORY_KEY}')",
          "RAT-021: territory factors map 3-digit ZIP prefixes to positive multipliers."),
    Check("rate_tables", "ck_rate_tables_vehicle_factors_typed", f"is_factor_table(vehicle_factors, '{FACTOR_KEY}')",
          "RAT-021: vehicle factors map lower snake-case bands to positive multipliers."),
    Check("rate_tables", "ck_rate_tables_driver_factors_typed", f"is_factor_table(driver_factors, '{FACTOR_KEY}')",
          "RAT-021: driver factors map lower snake-case bands to positive multipliers."),
    Check("rate_tables", "ck_rate_tables_credit_factors_typed", f"is_factor_table(credit_factors, '{FACTOR_KEY}')",
          "RAT-021: credit factors map lower snake-case tiers to positive multipliers."),
    Check("admin_rate_approvals", "ck_admin_rate_approvals_changes_summary_not_empty", "changes_summary <> '{}'::jsonb",
          "ADM-025: an approval says what changed; an empty summary gives the approver nothing to review."),
)

PENDING_INDEX = "uq_admin_rate_approvals_pending_rate_table_id"
PENDING_INDEX_COMMENT = (
    "ADM-024: at most one pending approval per rate row (partial unique index); also the pattern: "
    "the pending submission of a rate (rate_table_id = ? AND status = 'pending')."
)

# --- functions ----------------------------------------------------------------------------------------

OWNER_CORRECTION_FUNCTION = """
CREATE FUNCTION rate_owner_correction_allowed(target regclass) RETURNS boolean
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    -- RAT-015: the one documented correction path of frozen rows. The session says
    -- SET LOCAL app.historical_import = 'on', and only the owner of the table is believed.
    IF coalesce(current_setting('app.historical_import', true), '') <> 'on' THEN
        RETURN false;
    END IF;
    IF pg_has_role(current_user, (SELECT c.relowner FROM pg_class AS c WHERE c.oid = target), 'USAGE') THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'RAT-015: app.historical_import = on is honoured only for the owner of %; role % is not (trg_rate_tables_filed_rate_frozen)',
        target, current_user
        USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_rate_tables_filed_rate_frozen';
END
$$;
COMMENT ON FUNCTION rate_owner_correction_allowed(regclass) IS
    'RAT-015: true when the session set app.historical_import = on and current_user owns the table (the owner-only '
    'correction path of frozen rates); raises for any other role that sets it; false otherwise.';
"""

ADMIN_HOLDS_PERMISSION_FUNCTION = """
CREATE FUNCTION admin_holds_permission(admin_id uuid, wanted_resource text, wanted_action text, at_time timestamptz)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    held_role uuid;
    active boolean;
BEGIN
    -- ADM-022/ADM-023: the admin row is share-locked, so a concurrent deactivation waits for
    -- the decision (or the decision sees the deactivation).
    SELECT u.role_id, (u.deactivated_at IS NULL OR u.deactivated_at > at_time)
      INTO held_role, active
      FROM admin_users AS u WHERE u.id = admin_id FOR SHARE;
    IF NOT FOUND OR NOT active THEN
        RETURN false;
    END IF;
    RETURN EXISTS (
        WITH RECURSIVE chain (id, depth) AS (
            SELECT held_role, 1
            UNION ALL
            SELECT r.parent_role_id, c.depth + 1
            FROM admin_roles AS r JOIN chain AS c ON r.id = c.id
            WHERE r.parent_role_id IS NOT NULL AND c.depth < 10
        )
        SELECT 1
        FROM chain
        JOIN admin_role_permissions AS rp ON rp.role_id = chain.id
        JOIN admin_permissions AS p ON p.id = rp.permission_id
        WHERE p.resource = wanted_resource AND p.action = wanted_action);
END
$$;
COMMENT ON FUNCTION admin_holds_permission(uuid, text, text, timestamptz) IS
    'ADM-022/ADM-023: true when the admin exists, was not deactivated at at_time, and holds (resource, action) through '
    'their role or one of its parents (ADM-001, ADM-002). Share-locks the admin row.';
"""

FILED_RATE_FROZEN_FUNCTION = """
CREATE FUNCTION check_filed_rate_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    submitted text;
BEGIN
    SELECT a.status INTO submitted
    FROM admin_rate_approvals AS a
    WHERE a.rate_table_id = OLD.id AND a.status IN ('pending', 'approved')
    ORDER BY a.status = 'approved' DESC
    LIMIT 1;
    IF submitted IS NULL OR rate_owner_correction_allowed('rate_tables'::regclass) THEN
        RETURN NEW;
    END IF;
    IF (NEW.state, NEW.product_type, NEW.coverage_type, NEW.base_rate, NEW.min_premium, NEW.max_premium,
        NEW.territory_factors, NEW.vehicle_factors, NEW.driver_factors, NEW.credit_factors, NEW.effective_date, NEW.filing_id)
       IS DISTINCT FROM
       (OLD.state, OLD.product_type, OLD.coverage_type, OLD.base_rate, OLD.min_premium, OLD.max_premium,
        OLD.territory_factors, OLD.vehicle_factors, OLD.driver_factors, OLD.credit_factors, OLD.effective_date, OLD.filing_id) THEN
        RAISE EXCEPTION 'RAT-015: rate % is % for approval and its pricing columns are frozen (trg_rate_tables_filed_rate_frozen)',
            OLD.id, submitted
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_rate_tables_filed_rate_frozen',
                  HINT = 'File the change as a new rate row with its own approval.';
    END IF;
    IF OLD.expiration_date IS NOT NULL AND (NEW.expiration_date IS NULL OR NEW.expiration_date > OLD.expiration_date) THEN
        RAISE EXCEPTION 'RAT-015: rate % is % for approval: its expiration_date % may only be brought forward (trg_rate_tables_filed_rate_frozen)',
            OLD.id, submitted, OLD.expiration_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_rate_tables_filed_rate_frozen';
    END IF;
    IF OLD.approved_by IS NOT NULL AND NEW.approved_by IS DISTINCT FROM OLD.approved_by THEN
        RAISE EXCEPTION 'RAT-015: rate % records the regulator''s approval by %; it cannot change (trg_rate_tables_filed_rate_frozen)',
            OLD.id, OLD.approved_by
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_rate_tables_filed_rate_frozen';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_filed_rate_frozen() IS
    'RAT-015: BEFORE UPDATE trigger function of rate_tables: once a rate has a pending or approved approval, its pricing '
    'columns never change, expiration_date only moves earlier, approved_by is set once; the owner with '
    'app.historical_import = on may correct (rate_owner_correction_allowed).';
"""

NO_OVERLAP_FUNCTION = """
CREATE FUNCTION check_rate_period_overlap() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    clash record;
BEGIN
    -- RAT-016: one writer per (state, product, coverage) at a time; the query below runs after
    -- the lock, so (READ COMMITTED) it sees every row committed by the writer that held it.
    PERFORM pg_advisory_xact_lock(hashtext('rate_tables'), hashtext(NEW.state || '/' || NEW.product_type || '/' || NEW.coverage_type));
    SELECT r.id, r.effective_date, r.expiration_date INTO clash
    FROM rate_tables AS r
    WHERE r.state = NEW.state AND r.product_type = NEW.product_type AND r.coverage_type = NEW.coverage_type
      AND r.id <> NEW.id
      AND ((NEW.expiration_date IS NOT NULL AND r.effective_date > NEW.effective_date AND r.effective_date < NEW.expiration_date)
        OR (r.expiration_date IS NOT NULL AND NEW.effective_date > r.effective_date AND NEW.effective_date < r.expiration_date))
    ORDER BY r.effective_date
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'RAT-016: rate % (% %/%, from % to %) overlaps rate % (from % to %) (trg_rate_tables_no_overlapping_periods)',
            NEW.id, NEW.state, NEW.product_type, NEW.coverage_type, NEW.effective_date, coalesce(NEW.expiration_date::text, 'open'),
            clash.id, clash.effective_date, coalesce(clash.expiration_date::text, 'open')
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'trg_rate_tables_no_overlapping_periods',
                  HINT = 'An open-ended rate is superseded by the next one; a closed rate must end on or before the next effective_date.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_rate_period_overlap() IS
    'RAT-016: constraint trigger function: refuses a rate whose closed period contains the start of another rate of the '
    'same state, product and coverage, or that starts inside another''s closed period. Serialized per key by '
    'pg_advisory_xact_lock(hashtext(''rate_tables''), hashtext(state/product/coverage)).';
"""

APPROVAL_AUTHORITY_FUNCTION = """
CREATE FUNCTION check_rate_approval_authority() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    decider uuid;
    decided_at timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The rate row is share-locked: its pricing cannot change while it is being submitted (RAT-015).
        PERFORM 1 FROM rate_tables WHERE id = NEW.rate_table_id FOR SHARE;
        IF NOT admin_holds_permission(NEW.submitted_by, 'rate_tables', 'write', NEW.submitted_at) THEN
            RAISE EXCEPTION 'ADM-023: rate approval % submitted by admin %, who is not an active holder of rate_tables:write (trg_admin_rate_approvals_authority)',
                NEW.id, NEW.submitted_by
                USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_admin_rate_approvals_authority';
        END IF;
        IF EXISTS (SELECT 1 FROM admin_rate_approvals AS a
                   WHERE a.rate_table_id = NEW.rate_table_id AND a.status = 'approved' AND a.id <> NEW.id
                     AND a.approved_at <= NEW.submitted_at) THEN
            RAISE EXCEPTION 'RAT-015: rate % is already approved; a change is a new rate row with its own approval (trg_admin_rate_approvals_authority)',
                NEW.rate_table_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_admin_rate_approvals_authority';
        END IF;
    END IF;
    IF NEW.status IN ('approved', 'rejected') AND (TG_OP = 'INSERT' OR OLD.status = 'pending') THEN
        decider := coalesce(NEW.approved_by, NEW.rejected_by);
        decided_at := coalesce(NEW.approved_at, NEW.rejected_at);
        IF NOT admin_holds_permission(decider, 'rate_tables', 'approve', decided_at) THEN
            RAISE EXCEPTION 'ADM-022: rate approval % % by admin %, who is not an active holder of rate_tables:approve through their role (trg_admin_rate_approvals_authority)',
                NEW.id, NEW.status, decider
                USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_admin_rate_approvals_authority';
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_rate_approval_authority() IS
    'ADM-022/ADM-023/RAT-015: constraint trigger function of admin_rate_approvals: the submitter is an active holder of '
    'rate_tables:write, the decider an active holder of rate_tables:approve (role or parents), and an approved rate takes '
    'no new submission.';
"""

# --- state regulation as data (RAT-017..RAT-020) ---------------------------------------------------------

US_STATES = (
    "'AK', 'AL', 'AR', 'AZ', 'CA', 'CO', 'CT', 'DC', 'DE', 'FL', 'GA', 'HI', 'IA', 'ID', 'IL', "
    "'IN', 'KS', 'KY', 'LA', 'MA', 'MD', 'ME', 'MI', 'MN', 'MO', 'MS', 'MT', 'NC', 'ND', 'NE', "
    "'NH', 'NJ', 'NM', 'NV', 'NY', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', "
    "'VA', 'VT', 'WA', 'WI', 'WV', 'WY'"
)
STATE_RULE_KINDS = "'banned_factor', 'minimum_discount', 'mandatory_coverage', 'minimum_liability_limits'"
STATE_RULE_ID = "^[A-Z]{2}-(AUTO|HOME|RENT)-[A-Z0-9]+(-[A-Z0-9]+)*$"
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

STATE_RULES_TABLE = f"""
CREATE TABLE state_rating_rules (
    rule_id varchar(40) NOT NULL,
    state varchar(2) NOT NULL,
    product_type varchar(20) NOT NULL,
    kind varchar(30) NOT NULL,
    parameters jsonb NOT NULL,
    citation text NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    CONSTRAINT pk_state_rating_rules PRIMARY KEY (rule_id),
    CONSTRAINT ck_state_rating_rules_rule_id_format CHECK (rule_id ~ '{STATE_RULE_ID}'),
    CONSTRAINT ck_state_rating_rules_rule_id_names_state CHECK (substr(rule_id, 1, 2) = state),
    CONSTRAINT ck_state_rating_rules_state_is_us_state CHECK (state IN ({US_STATES})),
    CONSTRAINT ck_state_rating_rules_product_type_allowed CHECK (product_type IN ('auto', 'home', 'renters')),
    CONSTRAINT ck_state_rating_rules_kind_allowed CHECK (kind IN ({STATE_RULE_KINDS})),
    CONSTRAINT ck_state_rating_rules_parameters_is_object CHECK (jsonb_typeof(parameters) = 'object'),
    CONSTRAINT ck_state_rating_rules_parameters_match_kind CHECK ({PARAMETERS_MATCH_KIND}),
    CONSTRAINT ck_state_rating_rules_citation_not_blank CHECK (btrim(citation) <> ''),
    CONSTRAINT ck_state_rating_rules_effective_to_after_from CHECK (effective_to > effective_from)
);
CREATE INDEX ix_state_rating_rules_state_product_type_kind ON state_rating_rules (state, product_type, kind);
"""
STATE_RULES_COMMENTS: dict[str, str] = {
    "": "RAT-017: state insurance regulation the rating engine obeys, as data: one row per rule of a state and product, "
        "with its parameters, the statute or regulation it comes from and when it applies. Triggers on rate_tables, "
        "discount_rules and quotes read it (RAT-018..RAT-020): a new state is rows, not code.",
    "rule_id": "RAT-017: stable id of the state rule, <state>-<AUTO|HOME|RENT>-<words>, e.g. CA-AUTO-NO-CREDIT; named in refusals.",
    "state": "COR-003: USPS code of the state whose law this is.",
    "product_type": "Line of business the rule governs: auto, home or renters.",
    "kind": "RAT-017: banned_factor, minimum_discount, mandatory_coverage or minimum_liability_limits; says how parameters reads.",
    "parameters": "RAT-017: what the rule requires, by kind (ck_state_rating_rules_parameters_match_kind): banned_factor "
                  "{factor, key_pattern, rate_column?}; minimum_discount {discount_code, minimum_percent}; "
                  "mandatory_coverage {coverages: [...]}; minimum_liability_limits {bodily_injury_per_person, "
                  "bodily_injury_per_accident, property_damage} in USD.",
    "citation": "RAT-017: the statute or regulation the rule implements, as a compliance reviewer cites it.",
    "effective_from": "RAT-017: first day the rule applies (rates, discounts by their period; quotes by effective_date).",
    "effective_to": "RAT-017: first day the rule no longer applies (after effective_from); NULL: in force until repealed.",
    "created_at": "When the row was inserted (technical default: transaction time).",
    "updated_at": "When the row last changed; COR-002: maintained by trigger set_updated_at on every UPDATE.",
}
STATE_RULES_INDEX_COMMENTS: dict[str, str] = {
    "pk_state_rating_rules": "pattern: a state rule by its id (refusal messages, compliance review)",
    "ix_state_rating_rules_state_product_type_kind": (
        "pattern: the rules of one kind for a state and product (state = ? AND product_type = ? AND kind = ?), "
        "read by every state-rule trigger (RAT-018..RAT-020)"
    ),
}
STATE_RULES_GRANTS: tuple[Grant, ...] = (
    Grant("admin_rw", "INSERT, UPDATE"),
    Grant("admin_rw", "SELECT"),
    Grant("app_rw", "SELECT"),
    Grant("app_ro", "SELECT"),
    Grant("auditor", "SELECT"),
)
STATE_RULES_COLUMNS = ", ".join(c for c in STATE_RULES_COMMENTS if c)

CREDIT_KEYS = '"^(credit|insurance_score)"'
GENDER_KEYS = '"^(gender|sex|male|female)(_|$)"'
CREDIT_BAN = '{"factor": "credit", "rate_column": "credit_factors", "key_pattern": ' + CREDIT_KEYS + "}"
GENDER_BAN = '{"factor": "gender", "key_pattern": ' + GENDER_KEYS + "}"

STATE_RULES: tuple[StateRule, ...] = (
    StateRule("CA-AUTO-NO-CREDIT", "CA", "auto", "banned_factor", CREDIT_BAN,
              "Cal. Ins. Code §1861.02(a) (Proposition 103); 10 CCR §2632.5 (the permitted optional factors exclude credit)",
              "1989-11-08", None),
    StateRule("HI-AUTO-NO-CREDIT", "HI", "auto", "banned_factor", CREDIT_BAN,
              "Haw. Rev. Stat. §431:10C-207 (credit history not a motor vehicle rating factor)", "1998-01-01", None),
    StateRule("MA-AUTO-NO-CREDIT", "MA", "auto", "banned_factor", CREDIT_BAN,
              "211 CMR 79.00 (managed competition rating: credit information not permitted)", "2008-04-01", None),
    StateRule("MD-HOME-NO-CREDIT", "MD", "home", "banned_factor", CREDIT_BAN,
              "Md. Code, Ins. §27-501(e-1) (no credit history in homeowners rating)", "2003-01-01", None),
    StateRule("CA-AUTO-NO-GENDER", "CA", "auto", "banned_factor", GENDER_BAN,
              "10 CCR §2632.5 as amended 2019 (gender removed from the permitted rating factors); Cal. Ins. Code §1861.02",
              "2019-01-01", None),
    StateRule("HI-AUTO-NO-GENDER", "HI", "auto", "banned_factor", GENDER_BAN,
              "Haw. Rev. Stat. §431:10C-207 (sex not a motor vehicle rating factor)", "1998-01-01", None),
    StateRule("MA-AUTO-NO-GENDER", "MA", "auto", "banned_factor", GENDER_BAN,
              "Mass. Gen. Laws ch. 175E §4 (sex not a motor vehicle rating classification)", "1977-01-01", None),
    StateRule("MT-AUTO-NO-GENDER", "MT", "auto", "banned_factor", GENDER_BAN,
              "Mont. Code Ann. §49-2-309 (no discrimination by sex in insurance rates)", "1985-10-01", None),
    StateRule("NC-AUTO-NO-GENDER", "NC", "auto", "banned_factor", GENDER_BAN,
              "N.C. Gen. Stat. §58-36-65 and the Rate Bureau's classification plan (sex not a classification)",
              "1977-01-01", None),
    StateRule("PA-AUTO-NO-GENDER", "PA", "auto", "banned_factor", GENDER_BAN,
              "Hartford Accident & Indemnity Co. v. Insurance Commissioner, 482 A.2d 542 (Pa. 1984); 40 P.S. §1184",
              "1984-10-02", None),
    StateRule("MI-AUTO-NO-GENDER", "MI", "auto", "banned_factor", GENDER_BAN,
              "Mich. Comp. Laws §500.2111f (2019 no-fault reform: sex not a rating factor)", "2020-07-01", None),
    StateRule("CA-AUTO-GOOD-DRIVER-20", "CA", "auto", "minimum_discount",
              '{"discount_code": "GOOD_DRIVER", "minimum_percent": 20}',
              "Cal. Ins. Code §1861.02(b)(2) and §1861.025 (Good Driver Discount of at least 20%)", "1989-11-08", None),
    StateRule("NY-AUTO-PIP-UM", "NY", "auto", "mandatory_coverage",
              '{"coverages": ["personal_injury_protection", "uninsured_motorist"]}',
              "N.Y. Ins. Law §5103 (mandatory personal injury protection, no-fault) and §3420(f)(1) (uninsured motorist)",
              "1974-02-01", None),
    StateRule("CA-AUTO-MIN-LIABILITY", "CA", "auto", "minimum_liability_limits",
              '{"bodily_injury_per_person": 15000, "bodily_injury_per_accident": 30000, "property_damage": 5000}',
              "Cal. Veh. Code §16056 (15/30/5 before SB 1107)", "1967-01-01", "2025-01-01"),
    StateRule("CA-AUTO-MIN-LIABILITY-2025", "CA", "auto", "minimum_liability_limits",
              '{"bodily_injury_per_person": 30000, "bodily_injury_per_accident": 60000, "property_damage": 15000}',
              "Cal. Veh. Code §16056 as amended by SB 1107 (2022), 30/60/15 from 2025-01-01", "2025-01-01", None),
    StateRule("TX-AUTO-MIN-LIABILITY", "TX", "auto", "minimum_liability_limits",
              '{"bodily_injury_per_person": 30000, "bodily_injury_per_accident": 60000, "property_damage": 25000}',
              "Tex. Transp. Code §601.072 (30/60/25)", "2011-01-01", None),
    StateRule("NY-AUTO-MIN-LIABILITY", "NY", "auto", "minimum_liability_limits",
              '{"bodily_injury_per_person": 25000, "bodily_injury_per_accident": 50000, "property_damage": 10000}',
              "N.Y. Veh. & Traf. Law §311(4); 11 NYCRR 60-1.1 (25/50/10)", "1974-02-01", None),
)


def _literal(text: str) -> str:
    """A SQL string literal (comments and citations contain apostrophes)."""
    return "'" + text.replace("'", "''") + "'"


def _state_rule_values() -> str:
    rows = [
        "(" + ", ".join([
            _literal(r.rule_id), _literal(r.state), _literal(r.product_type), _literal(r.kind),
            _literal(r.parameters) + "::jsonb", _literal(r.citation), _literal(r.effective_from) + "::date",
            "NULL::date" if r.effective_to is None else _literal(r.effective_to) + "::date",
        ]) + ")"
        for r in STATE_RULES
    ]
    return ",\n    ".join(rows)


BREACH_OF_RATE_FUNCTION = """
CREATE FUNCTION state_rule_breach_of_rate(r rate_tables) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    rule state_rating_rules;
    doc jsonb;
    hit text;
BEGIN
    -- RAT-018: the banned factors of the rate's state and product, for rules whose period meets the rate's.
    FOR rule IN
        SELECT * FROM state_rating_rules AS s
        WHERE s.state = r.state AND s.product_type = r.product_type AND s.kind = 'banned_factor'
          AND s.effective_from < coalesce(r.expiration_date, 'infinity'::date)
          AND coalesce(s.effective_to, 'infinity'::date) > r.effective_date
        ORDER BY s.rule_id
    LOOP
        IF rule.parameters ? 'rate_column'
           AND coalesce(jsonb_typeof(to_jsonb(r) -> (rule.parameters ->> 'rate_column')), 'null') <> 'null' THEN
            RETURN format('%s: %s is a banned rating factor, %s must be NULL (%s)',
                          rule.rule_id, rule.parameters ->> 'factor', rule.parameters ->> 'rate_column', rule.citation);
        END IF;
        FOREACH doc IN ARRAY ARRAY[r.territory_factors, r.vehicle_factors, r.driver_factors, r.credit_factors] LOOP
            IF jsonb_typeof(doc) = 'object' THEN
                SELECT k INTO hit FROM jsonb_object_keys(doc) AS k WHERE k ~* (rule.parameters ->> 'key_pattern') ORDER BY k LIMIT 1;
                IF hit IS NOT NULL THEN
                    RETURN format('%s: factor key %s rates by %s, a banned rating factor (%s)',
                                  rule.rule_id, hit, rule.parameters ->> 'factor', rule.citation);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION state_rule_breach_of_rate(rate_tables) IS
    'RAT-018: the first state rule (banned_factor) a rate breaks, as ''<rule_id>: why (citation)'', or NULL. Reads state_rating_rules.';
"""

BREACH_OF_DISCOUNT_FUNCTION = """
CREATE FUNCTION state_rule_breach_of_discount(d discount_rules) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    rule state_rating_rules;
BEGIN
    -- RAT-019: a discount a state mandates keeps at least the state's percentage where it is filed.
    FOR rule IN
        SELECT * FROM state_rating_rules AS s
        WHERE s.kind = 'minimum_discount' AND s.parameters ->> 'discount_code' = d.code
          AND d.states ? s.state AND d.product_types ? s.product_type
          AND s.effective_from < coalesce(d.expiration_date, 'infinity'::date)
          AND coalesce(s.effective_to, 'infinity'::date) > d.effective_date
        ORDER BY s.rule_id
    LOOP
        IF d.discount_type <> 'percentage' OR d.discount_value < (rule.parameters ->> 'minimum_percent')::numeric THEN
            RETURN format('%s: discount %s must be at least %s%% off in %s (%s)',
                          rule.rule_id, d.code, rule.parameters ->> 'minimum_percent', rule.state, rule.citation);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION state_rule_breach_of_discount(discount_rules) IS
    'RAT-019: the first state rule (minimum_discount) a discount rule breaks, as ''<rule_id>: why (citation)'', or NULL.';
"""

BREACH_OF_QUOTE_FUNCTION = """
CREATE FUNCTION state_rule_breach_of_quote(q quotes) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    rule state_rating_rules;
    hit text;
    coverage text;
    bi jsonb;
    pd jsonb;
BEGIN
    -- RAT-020: only a priced quote (QUO-004: quoted or bound) carries a price the customer may accept.
    IF q.status NOT IN ('quoted', 'bound') THEN
        RETURN NULL;
    END IF;
    FOR rule IN
        SELECT * FROM state_rating_rules AS s
        WHERE s.state = q.state AND s.product_type = q.product_type
          AND s.effective_from <= q.effective_date AND coalesce(s.effective_to, 'infinity'::date) > q.effective_date
        ORDER BY s.rule_id
    LOOP
        IF rule.kind = 'banned_factor' AND jsonb_typeof(q.rating_factors) = 'object' THEN
            SELECT k INTO hit FROM jsonb_object_keys(q.rating_factors) AS k
            WHERE k ~* (rule.parameters ->> 'key_pattern') ORDER BY k LIMIT 1;
            IF hit IS NOT NULL THEN
                RETURN format('%s: rating factor %s rates by %s, a banned rating factor (%s)',
                              rule.rule_id, hit, rule.parameters ->> 'factor', rule.citation);
            END IF;
        ELSIF rule.kind = 'mandatory_coverage' THEN
            FOR coverage IN SELECT jsonb_array_elements_text(rule.parameters -> 'coverages') LOOP
                IF NOT coalesce(q.coverage_selections -> 'coverages' @> jsonb_build_array(jsonb_build_object('type', coverage)), false) THEN
                    RETURN format('%s: a priced %s %s quote must carry %s (%s)',
                                  rule.rule_id, q.state, q.product_type, coverage, rule.citation);
                END IF;
            END LOOP;
        ELSIF rule.kind = 'minimum_liability_limits' THEN
            SELECT e INTO bi FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(q.coverage_selections -> 'coverages') = 'array' THEN q.coverage_selections -> 'coverages' ELSE '[]' END) AS e
            WHERE e ->> 'type' = 'bodily_injury' LIMIT 1;
            SELECT e INTO pd FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(q.coverage_selections -> 'coverages') = 'array' THEN q.coverage_selections -> 'coverages' ELSE '[]' END) AS e
            WHERE e ->> 'type' = 'property_damage' LIMIT 1;
            IF jsonb_typeof(bi -> 'limit') IS DISTINCT FROM 'number'
               OR jsonb_typeof(bi -> 'per_accident_limit') IS DISTINCT FROM 'number'
               OR jsonb_typeof(pd -> 'limit') IS DISTINCT FROM 'number'
               OR (bi ->> 'limit')::numeric < (rule.parameters ->> 'bodily_injury_per_person')::numeric
               OR (bi ->> 'per_accident_limit')::numeric < (rule.parameters ->> 'bodily_injury_per_accident')::numeric
               OR (pd ->> 'limit')::numeric < (rule.parameters ->> 'property_damage')::numeric THEN
                RETURN format('%s: liability below the state minimum %s/%s/%s (bodily injury limit and per_accident_limit, property damage limit) (%s)',
                              rule.rule_id, rule.parameters ->> 'bodily_injury_per_person', rule.parameters ->> 'bodily_injury_per_accident',
                              rule.parameters ->> 'property_damage', rule.citation);
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION state_rule_breach_of_quote(quotes) IS
    'RAT-020: the first state rule a priced quote breaks (banned factor in rating_factors, mandated coverage missing, '
    'liability below the state minimum), for rules in force on its effective_date, as ''<rule_id>: why (citation)'', or NULL.';
"""


def _refusal_function(name: str, table: str, breach: str, trigger: str, rule: str, locks: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    breach text;
BEGIN
{locks}
    breach := {breach}(NEW);
    IF breach IS NOT NULL THEN
        RAISE EXCEPTION '{rule}: % of % refused by state rule % ({trigger})', TG_OP, NEW.id, breach
            USING ERRCODE = 'check_violation', CONSTRAINT = '{trigger}',
                  HINT = 'The state rules are the rows of state_rating_rules; the citation names the law.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION {name}() IS
    '{rule}: constraint trigger function of {table}: refuses a row {breach}() finds in breach of a state rule.';
"""


# Rule changes and the rows they judge are serialized per (state, product): the rate and discount
# triggers take the shared lock, a rule change the exclusive one, so neither misses the other.
RATE_LOCK = (
    "    PERFORM pg_advisory_xact_lock_shared(hashtext('state_rating_rules'), hashtext(NEW.state || '/' || NEW.product_type));"
)
DISCOUNT_LOCK = """    PERFORM pg_advisory_xact_lock_shared(hashtext('state_rating_rules'), hashtext(s || '/' || p))
    FROM jsonb_array_elements_text(NEW.states) AS s, jsonb_array_elements_text(NEW.product_types) AS p
    ORDER BY s, p;"""

RATE_STATE_RULES_FUNCTION = _refusal_function(
    "check_rate_state_rules", "rate_tables", "state_rule_breach_of_rate", "trg_rate_tables_state_rules", "RAT-018", RATE_LOCK
)
DISCOUNT_STATE_RULES_FUNCTION = _refusal_function(
    "check_discount_state_rules", "discount_rules", "state_rule_breach_of_discount", "trg_discount_rules_state_rules",
    "RAT-019", DISCOUNT_LOCK,
)
QUOTE_STATE_RULES_FUNCTION = _refusal_function(
    "check_quote_state_rules", "quotes", "state_rule_breach_of_quote", "trg_quotes_state_rules", "RAT-020", ""
)

RULE_CHANGE_FUNCTION = """
CREATE FUNCTION check_state_rule_against_filings() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    offender text;
BEGIN
    -- RAT-017: a rule is not added (or changed) while filed rates or discounts break it; priced
    -- quotes are history priced under the rules then in force and are not re-judged.
    PERFORM pg_advisory_xact_lock(hashtext('state_rating_rules'), hashtext(NEW.state || '/' || NEW.product_type));
    SELECT r.id::text || ' ' || state_rule_breach_of_rate(r) INTO offender
    FROM rate_tables AS r
    WHERE r.state = NEW.state AND r.product_type = NEW.product_type AND state_rule_breach_of_rate(r) IS NOT NULL
    ORDER BY r.id LIMIT 1;
    IF offender IS NULL THEN
        SELECT d.id::text || ' ' || state_rule_breach_of_discount(d) INTO offender
        FROM discount_rules AS d
        WHERE d.states ? NEW.state AND d.product_types ? NEW.product_type AND state_rule_breach_of_discount(d) IS NOT NULL
        ORDER BY d.id LIMIT 1;
    END IF;
    IF offender IS NOT NULL THEN
        RAISE EXCEPTION 'RAT-017: state rule % would be broken by existing filed row % (trg_state_rating_rules_filings_comply)',
            NEW.rule_id, offender
            USING ERRCODE = 'check_violation', CONSTRAINT = 'trg_state_rating_rules_filings_comply',
                  HINT = 'File compliant rates or discounts first (new rate rows), then add the rule.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_state_rule_against_filings() IS
    'RAT-017: constraint trigger function of state_rating_rules: refuses a rule that existing rates or discount rules break.';
"""

# COR-013 style: the breach functions are trusted only after they judge known rows right against
# the rules seeded above. One misjudgement raises and the whole revision rolls back.
STATE_RULES_SELF_TEST = """
DO $self_test$
DECLARE
    ca_auto CONSTANT jsonb := '{"id": "00000000-0000-4000-8000-000000000001", "state": "CA", "product_type": "auto",
        "coverage_type": "collision", "base_rate": 20, "min_premium": 0, "territory_factors": {"900": 1.2},
        "vehicle_factors": {"sedan": 1.0}, "driver_factors": {"age_25_64": 1.0}, "credit_factors": null,
        "effective_date": "2026-01-01", "expiration_date": null, "filing_id": "CA-AUTO-2026-001"}';
    good_driver CONSTANT jsonb := '{"id": "00000000-0000-4000-8000-000000000002", "code": "GOOD_DRIVER",
        "product_types": ["auto"], "states": ["CA"], "discount_type": "percentage", "discount_value": 20,
        "effective_date": "2026-01-01", "expiration_date": null}';
    ny_quote CONSTANT jsonb := '{"id": "00000000-0000-4000-8000-000000000003", "status": "quoted", "state": "NY",
        "product_type": "auto", "effective_date": "2026-03-01", "rating_factors": {"territory": 1.1, "credit_tier": 2},
        "coverage_selections": {"coverages": [
            {"type": "bodily_injury", "limit": 25000, "per_accident_limit": 50000, "deductible": 0},
            {"type": "property_damage", "limit": 10000, "deductible": 0},
            {"type": "personal_injury_protection", "limit": 50000, "deductible": 0},
            {"type": "uninsured_motorist", "limit": 25000, "deductible": 0}]}}';
    probe record;
    verdict text;
BEGIN
    FOR probe IN
        SELECT * FROM (VALUES
            ('a CA auto rate without credit or gender', 'rate', ca_auto, NULL),
            ('a CA auto rate with credit factors', 'rate', ca_auto || '{"credit_factors": {"tier_1": 0.9}}', 'CA-AUTO-NO-CREDIT'),
            ('a CA auto rate with a gender driver factor', 'rate', ca_auto || '{"driver_factors": {"gender_female": 0.95}}', 'CA-AUTO-NO-GENDER'),
            ('a CA auto rate with a credit territory key', 'rate', ca_auto || '{"vehicle_factors": {"credit_band_a": 0.9}}', 'CA-AUTO-NO-CREDIT'),
            ('a CA auto rate that ended before the gender ban', 'rate',
             ca_auto || '{"driver_factors": {"gender_female": 0.95}, "effective_date": "2017-01-01", "expiration_date": "2018-01-01"}', NULL),
            ('a TX auto rate with credit factors', 'rate', ca_auto || '{"state": "TX", "credit_factors": {"tier_1": 0.9}}', NULL),
            ('an MD home rate with credit factors', 'rate',
             ca_auto || '{"state": "MD", "product_type": "home", "credit_factors": {"tier_1": 0.9}}', 'MD-HOME-NO-CREDIT'),
            ('an MD auto rate with credit factors', 'rate', ca_auto || '{"state": "MD", "credit_factors": {"tier_1": 0.9}}', NULL),
            ('a MA auto rate with a sex factor', 'rate', ca_auto || '{"state": "MA", "driver_factors": {"sex_m": 1.1}}', 'MA-AUTO-NO-GENDER'),
            ('the CA Good Driver discount at 20%', 'discount', good_driver, NULL),
            ('the CA Good Driver discount at 15%', 'discount', good_driver || '{"discount_value": 15}', 'CA-AUTO-GOOD-DRIVER-20'),
            ('a fixed CA Good Driver discount', 'discount', good_driver || '{"discount_type": "fixed"}', 'CA-AUTO-GOOD-DRIVER-20'),
            ('a 15% GOOD_DRIVER discount filed in TX only', 'discount', good_driver || '{"discount_value": 15, "states": ["TX"]}', NULL),
            ('a NY auto quote with PIP, UM and the minimum limits', 'quote', ny_quote, NULL),
            ('a NY auto quote without PIP', 'quote',
             ny_quote || jsonb_build_object('coverage_selections', jsonb_build_object('coverages', (ny_quote #> '{coverage_selections,coverages}') - 2)),
             'NY-AUTO-PIP-UM'),
            ('a NY draft without PIP', 'quote', ny_quote || '{"status": "draft", "coverage_selections": {"coverages": []}}', NULL),
            ('a NY auto quote below 25/50/10', 'quote',
             jsonb_set(ny_quote, '{coverage_selections,coverages,1,limit}', '5000'), 'NY-AUTO-MIN-LIABILITY'),
            ('a NY auto quote without a per-accident limit', 'quote',
             ny_quote #- '{coverage_selections,coverages,0,per_accident_limit}', 'NY-AUTO-MIN-LIABILITY'),
            ('a CA auto quote with a credit tier', 'quote',
             jsonb_set(ny_quote, '{state}', '"CA"') || '{"effective_date": "2026-03-01"}'
             || jsonb_build_object('coverage_selections', jsonb_build_object('coverages', jsonb_build_array(
                    '{"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0}'::jsonb,
                    '{"type": "property_damage", "limit": 15000, "deductible": 0}'::jsonb))),
             'CA-AUTO-NO-CREDIT'),
            ('a CA 2024 auto quote at 15/30/5', 'quote',
             jsonb_set(ny_quote, '{state}', '"CA"') || '{"effective_date": "2024-06-01", "rating_factors": {"territory": 1.0}}'
             || jsonb_build_object('coverage_selections', jsonb_build_object('coverages', jsonb_build_array(
                    '{"type": "bodily_injury", "limit": 15000, "per_accident_limit": 30000, "deductible": 0}'::jsonb,
                    '{"type": "property_damage", "limit": 5000, "deductible": 0}'::jsonb))),
             NULL),
            ('a CA 2026 auto quote at 15/30/5', 'quote',
             jsonb_set(ny_quote, '{state}', '"CA"') || '{"effective_date": "2026-06-01", "rating_factors": {"territory": 1.0}}'
             || jsonb_build_object('coverage_selections', jsonb_build_object('coverages', jsonb_build_array(
                    '{"type": "bodily_injury", "limit": 15000, "per_accident_limit": 30000, "deductible": 0}'::jsonb,
                    '{"type": "property_damage", "limit": 5000, "deductible": 0}'::jsonb))),
             'CA-AUTO-MIN-LIABILITY-2025')
        ) AS cases (label, kind, document, expected)
    LOOP
        verdict := CASE probe.kind
            WHEN 'rate' THEN state_rule_breach_of_rate(jsonb_populate_record(NULL::rate_tables, probe.document))
            WHEN 'discount' THEN state_rule_breach_of_discount(jsonb_populate_record(NULL::discount_rules, probe.document))
            ELSE state_rule_breach_of_quote(jsonb_populate_record(NULL::quotes, probe.document)) END;
        IF split_part(verdict, ':', 1) IS DISTINCT FROM probe.expected THEN
            RAISE EXCEPTION 'state rule self-test failed (RAT-017): % should be judged %, the functions said %',
                probe.label, coalesce(probe.expected, 'compliant'), coalesce(verdict, 'compliant')
                USING HINT = 'Fix the breach functions or the seeded rules in revision 009; the migration was rolled back.';
        END IF;
    END LOOP;
END
$self_test$
"""

# --- prechecks: existing rows that break a new rule ---------------------------------------------------

OVERLAP_VIOLATORS = """
SELECT a.id::text FROM rate_tables AS a JOIN rate_tables AS b
  ON a.state = b.state AND a.product_type = b.product_type AND a.coverage_type = b.coverage_type AND a.id <> b.id
WHERE a.expiration_date IS NOT NULL AND b.effective_date > a.effective_date AND b.effective_date < a.expiration_date
"""
CHECK_PRECHECKS: tuple[Precheck, ...] = (
    Precheck("RAT-021", "territory factors are an object of positive numbers keyed by 3-digit ZIP prefixes",
             f"SELECT id::text FROM rate_tables WHERE NOT is_factor_table(territory_factors, '{TERRITORY_KEY}')"),
    Precheck("RAT-021", "vehicle, driver and credit factors are objects of positive numbers with snake-case keys",
             f"SELECT id::text FROM rate_tables WHERE NOT is_factor_table(vehicle_factors, '{FACTOR_KEY}') "
             f"OR NOT is_factor_table(driver_factors, '{FACTOR_KEY}') OR NOT is_factor_table(credit_factors, '{FACTOR_KEY}')"),
    Precheck("RAT-010", "a percentage discount is below 100",
             "SELECT id::text FROM discount_rules WHERE discount_type = 'percentage' AND discount_value >= 100"),
    Precheck("ADM-025", "an approval has a non-empty changes_summary",
             "SELECT id::text FROM admin_rate_approvals WHERE changes_summary = '{}'::jsonb"),
    Precheck("ADM-024", "at most one pending approval per rate row",
             "SELECT id::text FROM admin_rate_approvals WHERE status = 'pending' AND rate_table_id IN "
             "(SELECT rate_table_id FROM admin_rate_approvals WHERE status = 'pending' GROUP BY rate_table_id HAVING count(*) > 1)"),
    Precheck("RAT-016", "rate periods of one state, product and coverage do not overlap", OVERLAP_VIOLATORS),
    Precheck("ADM-022", "approvals and rejections are decided by an active holder of rate_tables:approve",
             "SELECT id::text FROM admin_rate_approvals WHERE status <> 'pending' AND NOT admin_holds_permission("
             "coalesce(approved_by, rejected_by), 'rate_tables', 'approve', coalesce(approved_at, rejected_at))"),
    Precheck("ADM-023", "approvals are submitted by an active holder of rate_tables:write",
             "SELECT id::text FROM admin_rate_approvals WHERE NOT admin_holds_permission(submitted_by, 'rate_tables', 'write', submitted_at)"),
    Precheck("RAT-015", "an approved rate takes no later submission",
             "SELECT a.id::text FROM admin_rate_approvals AS a JOIN admin_rate_approvals AS b "
             "ON b.rate_table_id = a.rate_table_id AND b.status = 'approved' AND b.id <> a.id AND b.approved_at <= a.submitted_at"),
)
STATE_RULE_PRECHECKS: tuple[Precheck, ...] = (
    Precheck("RAT-018", "rates use no factor their state bans",
             "SELECT r.id::text FROM rate_tables AS r WHERE state_rule_breach_of_rate(r) IS NOT NULL"),
    Precheck("RAT-019", "discounts a state mandates keep the state's minimum",
             "SELECT d.id::text FROM discount_rules AS d WHERE state_rule_breach_of_discount(d) IS NOT NULL"),
    Precheck("RAT-020", "priced quotes obey their state's rules",
             "SELECT q.id::text FROM quotes AS q WHERE q.status IN ('quoted', 'bound') "
             "AND (q.state, q.product_type) IN (SELECT state, product_type FROM state_rating_rules) "
             "AND state_rule_breach_of_quote(q) IS NOT NULL"),
)


def _precheck_sql(check: Precheck) -> str:
    what = check.what.replace("'", "''")
    return f"""
DO $precheck$
DECLARE
    n bigint;
    sample text;
BEGIN
    SELECT count(*), string_agg(v.id, ', ' ORDER BY v.id) FILTER (WHERE v.rank <= 5) INTO n, sample
    FROM (SELECT found.id, row_number() OVER (ORDER BY found.id) AS rank FROM ({check.violators}) AS found (id)) AS v;
    IF n > 0 THEN
        RAISE EXCEPTION '{check.rule}: revision 009 refused: % existing row(s) break the rule "{what}", e.g. %', n, sample
            USING ERRCODE = 'check_violation',
                  HINT = 'Remediate as the docstring of revision 009 says ({check.rule}), then run the upgrade again.';
    END IF;
END
$precheck$"""


# --- triggers ---------------------------------------------------------------------------------------------

TRIGGERS: tuple[Trigger, ...] = (
    Trigger("trg_rate_tables_filed_rate_frozen", "rate_tables",
            "CREATE TRIGGER trg_rate_tables_filed_rate_frozen BEFORE UPDATE ON rate_tables "
            "FOR EACH ROW EXECUTE FUNCTION check_filed_rate_frozen()",
            "RAT-015: a rate submitted or approved keeps its pricing columns; owner correction via app.historical_import."),
    Trigger("trg_rate_tables_no_overlapping_periods", "rate_tables",
            "CREATE CONSTRAINT TRIGGER trg_rate_tables_no_overlapping_periods AFTER INSERT OR UPDATE OF state, product_type, "
            "coverage_type, effective_date, expiration_date ON rate_tables DEFERRABLE INITIALLY IMMEDIATE "
            "FOR EACH ROW EXECUTE FUNCTION check_rate_period_overlap()",
            "RAT-016: refuses overlapping rate periods per state, product and coverage (advisory-lock serialized)."),
    Trigger("trg_rate_tables_state_rules", "rate_tables",
            "CREATE CONSTRAINT TRIGGER trg_rate_tables_state_rules AFTER INSERT OR UPDATE ON rate_tables "
            "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_rate_state_rules()",
            "RAT-018: refuses a rate that uses a factor its state bans (state_rating_rules)."),
    Trigger("trg_discount_rules_state_rules", "discount_rules",
            "CREATE CONSTRAINT TRIGGER trg_discount_rules_state_rules AFTER INSERT OR UPDATE ON discount_rules "
            "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_discount_state_rules()",
            "RAT-019: refuses a discount rule below a state's mandated minimum (state_rating_rules)."),
    Trigger("trg_quotes_state_rules", "quotes",
            "CREATE CONSTRAINT TRIGGER trg_quotes_state_rules AFTER INSERT OR UPDATE OF status, state, product_type, "
            "effective_date, rating_factors, coverage_selections ON quotes DEFERRABLE INITIALLY IMMEDIATE "
            "FOR EACH ROW EXECUTE FUNCTION check_quote_state_rules()",
            "RAT-020: refuses a priced quote that breaks its state's rules (banned factor, mandated coverage, minimum limits)."),
    Trigger("trg_admin_rate_approvals_authority", "admin_rate_approvals",
            "CREATE CONSTRAINT TRIGGER trg_admin_rate_approvals_authority AFTER INSERT OR UPDATE ON admin_rate_approvals "
            "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_rate_approval_authority()",
            "ADM-022/ADM-023/RAT-015: submitter holds rate_tables:write, decider rate_tables:approve, both active; "
            "an approved rate takes no new submission."),
    Trigger("trg_state_rating_rules_filings_comply", "state_rating_rules",
            "CREATE CONSTRAINT TRIGGER trg_state_rating_rules_filings_comply AFTER INSERT OR UPDATE ON state_rating_rules "
            "DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION check_state_rule_against_filings()",
            "RAT-017: refuses a state rule that existing rates or discount rules break."),
    Trigger("trg_state_rating_rules_set_updated_at", "state_rating_rules",
            "CREATE TRIGGER trg_state_rating_rules_set_updated_at BEFORE UPDATE ON state_rating_rules "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()",
            "COR-002: keeps updated_at true on every UPDATE."),
)

# Creation order; downgrade drops in reverse. Signatures for DROP FUNCTION.
EARLY_FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("is_factor_table(jsonb, text)", IS_FACTOR_TABLE_FUNCTION),
    ("rate_owner_correction_allowed(regclass)", OWNER_CORRECTION_FUNCTION),
    ("admin_holds_permission(uuid, text, text, timestamptz)", ADMIN_HOLDS_PERMISSION_FUNCTION),
)
LATE_FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("state_rule_breach_of_rate(rate_tables)", BREACH_OF_RATE_FUNCTION),
    ("state_rule_breach_of_discount(discount_rules)", BREACH_OF_DISCOUNT_FUNCTION),
    ("state_rule_breach_of_quote(quotes)", BREACH_OF_QUOTE_FUNCTION),
    ("check_filed_rate_frozen()", FILED_RATE_FROZEN_FUNCTION),
    ("check_rate_period_overlap()", NO_OVERLAP_FUNCTION),
    ("check_rate_approval_authority()", APPROVAL_AUTHORITY_FUNCTION),
    ("check_rate_state_rules()", RATE_STATE_RULES_FUNCTION),
    ("check_discount_state_rules()", DISCOUNT_STATE_RULES_FUNCTION),
    ("check_quote_state_rules()", QUOTE_STATE_RULES_FUNCTION),
    ("check_state_rule_against_filings()", RULE_CHANGE_FUNCTION),
)
NEW_TABLES = ("state_rating_rules",)

GUARD_DATA_LOSS = """
DO $guard$
BEGIN
    IF EXISTS (SELECT 1 FROM state_rating_rules) THEN
        RAISE EXCEPTION 'downgrade refused: table state_rating_rules holds rows beyond the ones revision 009 seeded'
            USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                  ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$"""


def guard_data_loss(*tables: str) -> None:
    """Refuse the downgrade when ``tables`` hold rows the revision did not seed, unless the operator
    said ``-x allow-data-loss=true`` (the same contract as the released revisions' guard)."""
    value = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false")
    if value not in {"true", "false"}:
        raise ValueError(f"-x allow-data-loss must be 'true' or 'false', got {value!r}")
    if value == "true":
        return
    assert tables == NEW_TABLES, tables
    op.execute(GUARD_DATA_LOSS)


def _seeded_rule_ids() -> str:
    return ", ".join(_literal(r.rule_id) for r in STATE_RULES)


# --- upgrade / downgrade ------------------------------------------------------------------------------------


def _create_state_rules_table() -> None:
    op.execute(STATE_RULES_TABLE)
    for column, comment in STATE_RULES_COMMENTS.items():
        target = "TABLE state_rating_rules" if not column else f"COLUMN state_rating_rules.{column}"
        op.execute(f"COMMENT ON {target} IS {_literal(comment)}")
    for index, comment in STATE_RULES_INDEX_COMMENTS.items():
        op.execute(f"COMMENT ON INDEX {index} IS {_literal(comment)}")
    for grant in STATE_RULES_GRANTS:
        if grant.privileges == "SELECT":
            op.execute(f"GRANT SELECT ({STATE_RULES_COLUMNS}) ON state_rating_rules TO {grant.role}")
        else:
            op.execute(f"GRANT {grant.privileges} ON state_rating_rules TO {grant.role}")
    op.execute(
        "INSERT INTO state_rating_rules (rule_id, state, product_type, kind, parameters, citation, effective_from, effective_to) "
        f"VALUES\n    {_state_rule_values()}"
    )


def upgrade() -> None:
    for _signature, function in EARLY_FUNCTIONS:
        op.execute(function)
    for check in CHECK_PRECHECKS:
        op.execute(_precheck_sql(check))

    for replaced in REPLACED_CHECKS:
        op.execute(f"ALTER TABLE {replaced.table} DROP CONSTRAINT {replaced.name}")
        op.execute(f"ALTER TABLE {replaced.table} ADD CONSTRAINT {replaced.current_name} CHECK ({replaced.new}) NOT VALID")
        op.execute(f"ALTER TABLE {replaced.table} VALIDATE CONSTRAINT {replaced.current_name}")
        op.execute(f"COMMENT ON CONSTRAINT {replaced.current_name} ON {replaced.table} IS {_literal(replaced.comment)}")
    for check in NEW_CHECKS:
        op.execute(f"ALTER TABLE {check.table} ADD CONSTRAINT {check.name} CHECK ({check.definition}) NOT VALID")
        op.execute(f"ALTER TABLE {check.table} VALIDATE CONSTRAINT {check.name}")
        op.execute(f"COMMENT ON CONSTRAINT {check.name} ON {check.table} IS {_literal(check.comment)}")
    for comment in COLUMN_COMMENTS:
        op.execute(f"COMMENT ON COLUMN {comment.table}.{comment.column} IS {_literal(comment.new)}")
    # admin_rate_approvals is staff-sized (hundreds of rows); a plain build holds its SHARE lock for milliseconds.
    op.execute(f"CREATE UNIQUE INDEX {PENDING_INDEX} ON admin_rate_approvals (rate_table_id) WHERE status = 'pending'")
    op.execute(f"COMMENT ON INDEX {PENDING_INDEX} IS {_literal(PENDING_INDEX_COMMENT)}")

    _create_state_rules_table()
    for _signature, function in LATE_FUNCTIONS:
        op.execute(function)
    op.execute(STATE_RULES_SELF_TEST)
    for check in STATE_RULE_PRECHECKS:
        op.execute(_precheck_sql(check))
    for trigger in TRIGGERS:
        op.execute(trigger.create)
        op.execute(f"COMMENT ON TRIGGER {trigger.name} ON {trigger.table} IS {_literal(trigger.comment)}")


def downgrade() -> None:
    # The rows this revision seeded are its own; anything else in the table is an operator's data.
    op.execute(f"DELETE FROM state_rating_rules WHERE rule_id IN ({_seeded_rule_ids()})")
    guard_data_loss(*NEW_TABLES)
    for trigger in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {trigger.name} ON {trigger.table}")
    for signature, _function in reversed(LATE_FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
    op.execute("DROP TABLE state_rating_rules")
    op.execute(f"DROP INDEX {PENDING_INDEX}")
    for check in reversed(NEW_CHECKS):
        op.execute(f"ALTER TABLE {check.table} DROP CONSTRAINT {check.name}")
    for replaced in reversed(REPLACED_CHECKS):
        op.execute(f"ALTER TABLE {replaced.table} DROP CONSTRAINT {replaced.current_name}")
        op.execute(f"ALTER TABLE {replaced.table} ADD CONSTRAINT {replaced.name} CHECK ({replaced.old}) NOT VALID")
        op.execute(f"ALTER TABLE {replaced.table} VALIDATE CONSTRAINT {replaced.name}")
    for comment in reversed(COLUMN_COMMENTS):
        op.execute(f"COMMENT ON COLUMN {comment.table}.{comment.column} IS {_literal(comment.old)}")
    for signature, _function in reversed(EARLY_FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
