"""Quote coverage validation: a priced quote's coverage selections are a coverage a policy accepts.

Business purpose: at bind a quote's ``coverage_selections`` becomes the policy's coverage, and a
policy's coverage document is judged by ``validate_policy_data`` (revision 001, COR-013: a
non-empty ``coverages`` array of objects, each with a non-blank string ``type`` and numeric
``limit`` and ``deductible`` of at least zero). Until now a quote's selections were only required
to be a non-empty object once priced (QUO-018, revision 008): a quote could be offered, and bound,
on ``{"coverages": [{"type": "collision", "limit": "25000"}]}``, a price for coverage that no
policy could carry, and the state rules of revision 009 (RAT-020) read limits from it as numbers.
Issue 23 asks that the selections be "validated like a policy's coverage, since it becomes one at
bind":

- QUO-022: ``validate_coverage_selections(jsonb)`` judges a selections document with the policy's
  own validator: it must be a JSON object, and ``validate_policy_data`` must accept its
  ``coverages`` inside a fixed envelope (a state and a one-day term the validator accepts), so the
  verdict is the coverages' alone and the rules cannot drift apart (one validator, not a copy).
  The quote's state and effective date are its columns, checked by their own constraints; its
  expiration is set at bind by the product's term (COR-020). Other keys of the document are
  allowed, as in a policy's. A self-test of known documents runs right after the function is
  created (like revision 001's for validate_policy_data); a misjudgement aborts the revision.
- The trigger ``trg_quotes_coverage_selections_valid`` (AFTER INSERT OR UPDATE OF status,
  coverage_selections) refuses a quoted or bound quote whose selections it rejects, with SQLSTATE
  23514, the rule id, the trigger name and the first coverage at fault in the message. It runs
  after the CHECKs, so a NULL, non-object or empty document is still refused by name by
  ck_quotes_risk_data_when_priced, ck_quotes_coverage_selections_is_object and
  ck_quotes_coverage_selections_not_empty_when_priced; and before trg_quotes_state_rules (AFTER
  triggers fire in name order), so a malformed coverage is named as such before any state rule
  reads it. Drafts, quotes being calculated, expired and declined ones are not judged: only a
  priced quote can be accepted and bound.

Existing rows: nothing is changed. With the trigger in place, a query counts the quoted and bound
quotes whose selections ``validate_coverage_selections`` rejects; if there are any, the revision
refuses to run (SQLSTATE 23514), naming the rule, the trigger, the count and up to five quote ids,
and rolls back whole. The volume generator (``src/schema/sql/seed/quotes.sql``, and its 006 and
008 versions frozen under tests/) has always written selections of this shape, so generated data
passes; hand-entered or imported data may not.

Remediation (reviewed; an operator runs ``REMEDIATION_SQL`` below by hand in one transaction,
after ``SET LOCAL app.user_id = '<the operator's users.id>'`` (SEC-020: the audit rows and
quotes.updated_by name who acted; without it the audit trail refuses), never this revision):

- each violating quote's old status, selections and updated_by are kept in
  ``remediation.quote_coverage_013``, and one ``audit_logs`` row per quote records the change
  (action ``quote.coverage_remediated``);
- a bound quote takes its policy's coverages (``{"coverages": <policy coverage_data -> coverages>}``):
  the policy is the contract of record (declarations page, billed premium) and its document passed
  validate_policy_data. If those coverages break the quote's state rules (RAT-020, e.g. the
  policy's document lacks the split limits), the UPDATE is refused naming the rule and the quote,
  and nothing is changed: that quote needs an underwriter's decision;
- a quoted (open) offer is withdrawn: it becomes ``expired`` (quoted -> expired is in
  quote_status_transitions), so the price once shown stays on record; the agent re-offers it as a
  requote (a new version) with selections a policy accepts.

Lock safety: CREATE TRIGGER takes a SHARE ROW EXCLUSIVE lock on quotes, held to the end of the
revision's transaction: reads continue, writes wait. The preflight runs after it, so every row is
judged either by the count (rows that existed) or by the trigger (rows written since): one
sequential read of quotes while writes wait. Measured by ``schema rehearse`` at medium scale
(104,382 quotes, 2 cores): writes waited 1.0 s; the hold grows with the table (about 10 us a
quote here), so on a large quotes table run it like 007-010, in a low-write window with
``PGOPTIONS='-c lock_timeout=5s'`` (docs/reports/rehearsals/013.md, operator note). Counting first,
without the lock, would let a row written between the count and the trigger escape both. No
constraint is added, so nothing scans quotes under ACCESS EXCLUSIVE, and no table is rewritten.
The functions take no lock on any table.

Self-contained: imports only the standard library and alembic; the function bodies, the trigger,
the preflight and the remediation are constants below (CONTRIBUTING.md). It calls
validate_policy_data, which revision 001 created and nothing after it replaces.

Revision ID: 013
Revises: 012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from alembic import op

revision: str = "013"
down_revision: str | None = "012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE_ID = "QUO-022"


class Function(NamedTuple):
    """A function this revision creates; ``signature`` is how DROP FUNCTION names it."""

    signature: str
    ddl: str


class Trigger(NamedTuple):
    """A trigger on quotes: ``definition`` is everything between CREATE TRIGGER <name> and EXECUTE."""

    name: str
    definition: str
    function: str
    comment: str


class Preflight(NamedTuple):
    """The existing rows that break the rule, found before the revision commits."""

    rule_id: str
    enforced_by: str
    violators: str  # SELECT q.id FROM quotes q ...: the violating quotes


# A state and a term validate_policy_data accepts, so that its verdict is the coverages' alone.
ENVELOPE = '{"state": "DC", "effective_date": "2000-01-01", "expiration_date": "2000-01-02"}'

VALIDATE_COVERAGE_SELECTIONS_FUNCTION = f"""
CREATE FUNCTION validate_coverage_selections(selections jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
DECLARE
    -- A state and a term validate_policy_data accepts, so that its verdict is the coverages' alone:
    -- a quote's state and effective date are its columns (their own CHECKs), its expiration is set
    -- at bind by the product's term (COR-020).
    envelope CONSTANT jsonb := '{ENVELOPE}';
BEGIN
    -- QUO-022: returns false, never raises, like validate_policy_data (COR-013).
    IF jsonb_typeof(selections) <> 'object' THEN
        RETURN false;
    END IF;
    -- A missing coverages key gives a JSON null, which validate_policy_data refuses.
    RETURN validate_policy_data(envelope || jsonb_build_object('coverages', selections -> 'coverages'));
END
$function$;
COMMENT ON FUNCTION validate_coverage_selections(jsonb) IS
    'QUO-022: true when a quote''s coverage_selections is a JSON object whose coverages validate_policy_data accepts as a '
    'policy''s (COR-013: a non-empty array of objects, each with a non-blank string type and numeric limit and deductible '
    '>= 0); other keys are allowed. Returns false, never raises. NULL gives NULL (STRICT). Revision 013 runs a self-test '
    'of known documents right after creating it.';
"""

# QUO-022: the validator validated (as revision 001 does for validate_policy_data). Known documents
# and the verdict each must get; one misjudgement raises and the whole revision rolls back.
VALIDATE_COVERAGE_SELECTIONS_SELF_TEST = """
DO $self_test$
DECLARE
    good CONSTANT jsonb := '{"coverages": [
        {"type": "bodily_injury", "limit": 30000, "per_accident_limit": 60000, "deductible": 0},
        {"type": "collision", "limit": 35000.50, "deductible": 500}]}';
    probe record;
    verdict boolean;
BEGIN
    FOR probe IN
        SELECT * FROM (VALUES
            ('the generator''s shape', good, true),
            ('other keys next to coverages', good || '{"package": "standard"}', true),
            ('zero limit and deductible', '{"coverages": [{"type": "rental", "limit": 0, "deductible": 0}]}'::jsonb, true),
            ('the document names a state of its own (not judged: the column is the quote''s state)',
             good || '{"state": "XX"}', true),
            ('an array, not an object', '[]'::jsonb, false),
            ('JSON null', 'null'::jsonb, false),
            ('an empty object', '{}'::jsonb, false),
            ('coverages keyed by type (a legacy shape)', '{"collision": {"limit": 35000, "deductible": 500}}'::jsonb, false),
            ('coverages empty', '{"coverages": []}'::jsonb, false),
            ('coverages null', '{"coverages": null}'::jsonb, false),
            ('coverages an object', '{"coverages": {"type": "collision", "limit": 1, "deductible": 0}}'::jsonb, false),
            ('a coverage that is not an object', '{"coverages": ["collision"]}'::jsonb, false),
            ('coverage type missing', '{"coverages": [{"limit": 1000, "deductible": 0}]}'::jsonb, false),
            ('coverage type blank', '{"coverages": [{"type": " ", "limit": 1000, "deductible": 0}]}'::jsonb, false),
            ('limit as a string', '{"coverages": [{"type": "collision", "limit": "1000", "deductible": 0}]}'::jsonb, false),
            ('limit negative', '{"coverages": [{"type": "collision", "limit": -1, "deductible": 0}]}'::jsonb, false),
            ('deductible missing', '{"coverages": [{"type": "collision", "limit": 1000}]}'::jsonb, false),
            ('deductible null', '{"coverages": [{"type": "collision", "limit": 1000, "deductible": null}]}'::jsonb, false),
            ('one bad coverage among good ones',
             jsonb_insert(good, '{coverages, 0}', '{"type": "towing", "limit": -5, "deductible": 0}'), false)
        ) AS cases (label, document, expected)
    LOOP
        verdict := validate_coverage_selections(probe.document);
        IF verdict IS DISTINCT FROM probe.expected THEN
            RAISE EXCEPTION 'validate_coverage_selections self-test failed (QUO-022): % should be judged %, the validator said %',
                probe.label,
                CASE WHEN probe.expected THEN 'valid' ELSE 'invalid' END,
                CASE WHEN verdict THEN 'valid' WHEN NOT verdict THEN 'invalid' ELSE 'NULL' END
                USING HINT = 'Fix validate_coverage_selections in revision 013; the migration was rolled back and created nothing.';
        END IF;
    END LOOP;
    IF validate_coverage_selections(NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'validate_coverage_selections self-test failed (QUO-022): NULL should give NULL (STRICT)';
    END IF;
END
$self_test$
"""

CHECK_COVERAGE_SELECTIONS_FUNCTION = """
CREATE FUNCTION check_quote_coverage_selections() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    coverage jsonb;
    n integer := 0;
    problem text;
BEGIN
    -- QUO-022: only a priced quote can be accepted, and its selections become the policy's coverage.
    -- NULL selections are ck_quotes_risk_data_when_priced's to refuse (the CHECKs run first).
    IF NEW.status NOT IN ('quoted', 'bound') OR validate_coverage_selections(NEW.coverage_selections) IS NOT FALSE THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(NEW.coverage_selections -> 'coverages') = 'array' AND jsonb_array_length(NEW.coverage_selections -> 'coverages') > 0 THEN
        -- Name the first coverage the validator rejects on its own.
        FOR coverage IN SELECT jsonb_array_elements(NEW.coverage_selections -> 'coverages') LOOP
            n := n + 1;
            IF NOT validate_coverage_selections(jsonb_build_object('coverages', jsonb_build_array(coverage))) THEN
                problem := format('coverage %s (%s) needs a non-blank string type and numeric limit and deductible of at least 0', n, coverage);
                EXIT;
            END IF;
        END LOOP;
    END IF;
    RAISE EXCEPTION 'QUO-022: quote % is % but its coverage_selections is not a coverage a policy accepts (validate_policy_data, COR-013): % (trigger %)',
        NEW.quote_number, NEW.status,
        coalesce(problem, 'coverage_selections must be an object whose coverages is a non-empty array of coverages'), TG_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = 'coverage_selections',
              HINT = 'Each coverage is {"type": "<coverage>", "limit": <number >= 0>, "deductible": <number >= 0>}, as in a policy''s coverage_data.';
END
$$;
COMMENT ON FUNCTION check_quote_coverage_selections() IS
    'QUO-022: trigger function on quotes: a quoted or bound quote''s coverage_selections must be accepted by validate_coverage_selections (a policy''s coverage, COR-013); names the first coverage at fault.';
"""

FUNCTIONS: tuple[Function, ...] = (
    Function("validate_coverage_selections(jsonb)", VALIDATE_COVERAGE_SELECTIONS_FUNCTION),
    Function("check_quote_coverage_selections()", CHECK_COVERAGE_SELECTIONS_FUNCTION),
)

TRIGGER = Trigger(
    "trg_quotes_coverage_selections_valid",
    "AFTER INSERT OR UPDATE OF status, coverage_selections ON quotes FOR EACH ROW",
    "check_quote_coverage_selections",
    "QUO-022: a quoted or bound quote's coverage_selections is a coverage a policy accepts (validate_policy_data, COR-013).",
)

VIOLATORS = """
SELECT q.id FROM quotes q
WHERE q.status IN ('quoted', 'bound') AND NOT validate_coverage_selections(q.coverage_selections)
"""

PREFLIGHT = Preflight(RULE_ID, TRIGGER.name, VIOLATORS)

PREFLIGHT_BODY = """
DECLARE
    n bigint;
    sample text;
BEGIN
    SELECT count(*), string_agg(id::text, ', ') FILTER (WHERE rn <= 5)
    INTO n, sample
    FROM (SELECT v.id, row_number() OVER (ORDER BY v.id) AS rn FROM ({violators}) AS v) AS numbered;
    IF n > 0 THEN
        RAISE EXCEPTION '{rule_id}: % existing quote(s) break {enforced_by}, e.g. %', n, sample
            USING ERRCODE = 'check_violation',
                  HINT = 'Revision 013 changes no data: review the rows, run the reviewed remediation in the revision''s docstring (REMEDIATION_SQL), then upgrade again.';
    END IF;
END
"""

# The reviewed remediation (see the docstring); run by an operator after
# SET LOCAL app.user_id = '<the operator's users.id>', in one transaction, never by upgrade(). A
# refused upgrade rolled validate_coverage_selections back, so the remediation spells out its
# judgement on validate_policy_data (revision 001) with the same envelope: it finds exactly the
# rows the preflight counts.
REMEDIATION_SQL = f"""
CREATE SCHEMA IF NOT EXISTS remediation;
CREATE TABLE remediation.quote_coverage_013 AS
SELECT q.id AS quote_id, q.status AS old_status, q.coverage_selections AS old_coverage_selections,
       q.updated_by AS old_updated_by,
       CASE q.status WHEN 'bound' THEN 'bound' ELSE 'expired' END AS new_status,
       CASE q.status WHEN 'bound' THEN jsonb_build_object('coverages', p.coverage_data -> 'coverages')
                     ELSE q.coverage_selections END AS new_coverage_selections,
       CASE q.status WHEN 'bound' THEN 'coverage taken from the policy (contract of record)'
                     ELSE 'open offer withdrawn (expired); re-offer as a requote' END AS remedy,
       now() AS remediated_at
FROM quotes q
LEFT JOIN policies p ON p.id = q.converted_to_policy_id
WHERE q.status IN ('quoted', 'bound') AND q.coverage_selections IS NOT NULL
  AND (jsonb_typeof(q.coverage_selections) <> 'object'
       OR NOT validate_policy_data('{ENVELOPE}'::jsonb || jsonb_build_object('coverages', q.coverage_selections -> 'coverages')));
COMMENT ON TABLE remediation.quote_coverage_013 IS
    'QUO-022: priced quotes whose coverage_selections no policy accepts, remediated before revision 013, with the values they had.';
INSERT INTO audit_logs (user_id, action, resource_type, resource_id)
SELECT nullif(current_setting('app.user_id', true), '')::uuid, 'quote.coverage_remediated', 'quotes', r.quote_id
FROM remediation.quote_coverage_013 r;
UPDATE quotes q
SET status = r.new_status, coverage_selections = r.new_coverage_selections,
    updated_by = nullif(current_setting('app.user_id', true), '')::uuid
FROM remediation.quote_coverage_013 r
WHERE q.id = r.quote_id;
"""


def _literal(text: str) -> str:
    """A SQL string literal (comments contain apostrophes)."""
    return "'" + text.replace("'", "''") + "'"


def _do(body: str) -> None:
    """Run ``body`` as a DO block (offline SQL too), dollar-quoted with a tag the body cannot close."""
    tag, n = "$pre$", 0
    while tag in body:
        n += 1
        tag = f"$pre{n}$"
    op.execute(f"DO {tag}{body}{tag}")


def refuse_violators(preflight: Preflight) -> None:
    """Refuse to add the rule while existing rows break it: name the rule, the count and samples."""
    _do(PREFLIGHT_BODY.format(violators=preflight.violators.strip(), rule_id=preflight.rule_id, enforced_by=preflight.enforced_by))


def upgrade() -> None:
    for function in FUNCTIONS:
        op.execute(function.ddl)
    op.execute(VALIDATE_COVERAGE_SELECTIONS_SELF_TEST)
    # The trigger first: from here on writes to quotes wait (SHARE ROW EXCLUSIVE), so the count
    # below sees every row the trigger will never judge.
    op.execute(f"CREATE TRIGGER {TRIGGER.name} {TRIGGER.definition} EXECUTE FUNCTION {TRIGGER.function}()")
    op.execute(f"COMMENT ON TRIGGER {TRIGGER.name} ON quotes IS {_literal(TRIGGER.comment)}")
    refuse_violators(PREFLIGHT)


def downgrade() -> None:
    op.execute(f"DROP TRIGGER {TRIGGER.name} ON quotes")
    for function in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {function.signature}")
