"""Quote lifecycle invariants: a declared state machine, binding that agrees with its policy,
acyclic version chains, priced means complete, and facts the server owns.

Business purpose: every quote row was already well-formed on its own (revision 002), but rows
could be wrong together: a quote bound to another customer's policy, a bound quote re-opened, an
expired offer bound, a version chain looping back on itself, a "priced" auto quote without a
driver. A carrier's underwriting file and a market-conduct examiner rely on these facts, so the
database now states them:

- QUO-013/QUO-014/QUO-015: the lifecycle is the reference table ``quote_status_transitions``
  (allowed (from, to) pairs, each with its rule id), checked by trigger
  ``trg_quotes_status_transition`` on INSERT and on every status change. A quote is created in
  draft or calculating; bound, declined and expired are terminal; a quote is bound only while its
  offer is open (``now() <= expires_at``).
- QUO-016: a bound quote's policy has the quote's customer, line of business, state and
  effective date, and its premium is the quoted total for the term (``premium_amount =
  total_premium``): the composite foreign key ``fk_quotes_binding_agrees_with_policy`` to the new
  unique index ``ix_policies_binding_key (id, customer_id, product_type, state, effective_date,
  premium_amount)`` of policies.
- QUO-017: version chains are acyclic and stay within one line of business: the deferred
  constraint trigger ``trg_quotes_version_chain`` walks the parent chain at commit (so a cycle
  written by one multi-row INSERT is seen whole); product_type is fixed at creation.
- QUO-018/QUO-019/QUO-020: priced means complete (CHECKs): an auto quote that is quoted or bound
  has at least one driver and a described vehicle, every priced quote non-empty coverage
  selections, premiums above zero and a monthly installment no larger than the term premium; a
  declined quote carries at least one reason.
- QUO-021: created_at and the first status are the database's: a caller-supplied created_at is
  refused (trigger ``trg_quotes_server_owned``). The one path for historical rows (imports, the
  volume generator) is ``SET LOCAL app.historical_import = 'on'``, honoured only for a role that
  is (a member of) the owner of quotes; any other role setting it is refused.

What it does to existing rows: nothing is changed. Before each rule is added, a query counts the
existing rows that break it; if there are any, the revision refuses to run (SQLSTATE 23514),
naming the rule, the count and up to five quote ids. History is not judged by the state machine
(past transitions were never recorded) nor by QUO-015 (the moment of binding was not recorded);
both apply from now on. The CHECKs and the foreign key are added NOT VALID, then VALIDATEd (no
long ACCESS EXCLUSIVE lock); the UNIQUE target on policies is built in the revision's transaction
(a SHARE lock on policies while the index builds: reads continue, new binds wait; CONCURRENTLY
cannot run inside the one transaction alembic gives each revision).

Remediation (reviewed; an operator runs it by hand, never this revision): the 006-era volume
generator bound quotes whose effective date and total premium disagree with their policy. The
policy is the contract the customer holds (declarations page, billed premium), so the reviewed
remediation, ``REMEDIATION_SQL`` below, copies each disagreeing bound quote's old values into
``remediation.quote_binding_008`` (kept, for the audit), writes one ``audit_logs`` row per quote
(action ``quote.binding_remediated``), and aligns the quote to its policy (effective_date,
total_premium, monthly_premium pro rata). A bound quote whose policy belongs to another customer,
line or state is not fixed by it: that needs an underwriter's decision, row by row.

Revision ID: 008
Revises: 006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from alembic import context, op

revision: str = "008"
down_revision: str | None = "007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class Transition(NamedTuple):
    """One allowed status change of a quote; from_status 'new' is the quote's creation."""

    from_status: str
    to_status: str
    rule_id: str
    description: str


class Preflight(NamedTuple):
    """The existing rows that break a rule, found before the rule is added."""

    rule_id: str
    constraint: str
    violators: str  # SELECT q.id FROM ... : the violating quotes


class Check(NamedTuple):
    """A CHECK on quotes, added NOT VALID then validated."""

    name: str
    rule_id: str
    sqltext: str
    comment: str


class Function(NamedTuple):
    signature: str  # as DROP FUNCTION names it
    ddl: str


class Trigger(NamedTuple):
    name: str
    definition: str  # everything after CREATE [CONSTRAINT] TRIGGER <name>
    function: str
    comment: str


TABLES = ("quote_status_transitions",)
STATUSES = "'draft', 'calculating', 'quoted', 'expired', 'bound', 'declined'"
PRICED = "status IN ('quoted', 'bound')"

TRANSITIONS: tuple[Transition, ...] = (
    Transition("new", "draft", "QUO-001", "A quote is created as a draft (underwriting workflow)."),
    Transition("new", "calculating", "QUO-013", "A quote submitted complete is created straight into rating."),
    Transition("draft", "calculating", "QUO-013", "The draft is submitted to the rating engine."),
    Transition("draft", "declined", "QUO-013", "Underwriting knock-out before rating (e.g. ineligible risk)."),
    Transition("draft", "expired", "QUO-013", "The draft was abandoned until its offer period ended."),
    Transition("calculating", "quoted", "QUO-013", "The rating engine priced the quote."),
    Transition("calculating", "draft", "QUO-013", "Rating needs more information: back to the customer."),
    Transition("calculating", "declined", "QUO-013", "Rating found the risk outside guidelines."),
    Transition("calculating", "expired", "QUO-013", "Rating did not finish before the offer period ended."),
    Transition("quoted", "bound", "QUO-015", "The customer accepted the offer while it was open; a policy was issued."),
    Transition("quoted", "expired", "QUO-013", "The offer lapsed at expires_at."),
    Transition("quoted", "declined", "QUO-013", "Underwriting review after pricing declined the risk."),
)

HISTORICAL_IMPORT_FUNCTION = """
CREATE FUNCTION quote_historical_import() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    setting text := current_setting('app.historical_import', true);
    owner name;
BEGIN
    IF setting IS NULL OR setting IN ('', 'off') THEN
        RETURN false;
    END IF;
    IF setting <> 'on' THEN
        RAISE EXCEPTION 'QUO-021: app.historical_import must be ''on'' or ''off'', got ''%'' (function quote_historical_import)', setting
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT pg_get_userbyid(c.relowner) INTO owner FROM pg_class c WHERE c.oid = 'quotes'::regclass;
    IF NOT pg_has_role(current_user, owner, 'USAGE') THEN
        RAISE EXCEPTION 'QUO-021: app.historical_import is reserved to the owner of quotes (%); role % may not import history (function quote_historical_import)', owner, current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION quote_historical_import() IS
    'QUO-021: true when the session declared SET LOCAL app.historical_import = ''on'' and current_user is (a member of) the owner of quotes; refuses any other role, and any other value.';
"""

STATUS_TRANSITION_FUNCTION = """
CREATE FUNCTION check_quote_status_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz;
BEGIN
    -- Values outside the lifecycle are ck_quotes_status_allowed's to refuse (NULL: NOT NULL's).
    IF NEW.status IS NULL OR NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.to_status = NEW.status) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF quote_historical_import() THEN
            -- QUO-021: an imported quote keeps its recorded status; one imported as bound was
            -- bound at its last change (updated_at), which must be within its offer period.
            moment := NEW.updated_at;
        ELSIF NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.from_status = 'new' AND t.to_status = NEW.status) THEN
            RAISE EXCEPTION 'QUO-013: a quote is created as draft or calculating, not % (quote_status_transitions, trigger trg_quotes_status_transition)', NEW.status
                USING ERRCODE = 'check_violation';
        ELSE
            RETURN NEW;
        END IF;
    ELSE
        IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
            RETURN NEW;  -- status written unchanged (an UPDATE of other columns naming it): no transition
        END IF;
        IF NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
            IF NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.from_status = OLD.status) THEN
                RAISE EXCEPTION 'QUO-014: quote % is %, a terminal status: % -> % is not allowed (quote_status_transitions, trigger trg_quotes_status_transition)', OLD.quote_number, OLD.status, OLD.status, NEW.status
                    USING ERRCODE = 'check_violation';
            END IF;
            RAISE EXCEPTION 'QUO-013: quote % may not go from % to % (quote_status_transitions, trigger trg_quotes_status_transition)', OLD.quote_number, OLD.status, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        moment := statement_timestamp();
    END IF;
    IF NEW.status = 'bound' AND moment > NEW.expires_at THEN
        RAISE EXCEPTION 'QUO-015: quote % cannot be bound at %: its offer expired at % (trigger trg_quotes_status_transition)', NEW.quote_number, moment, NEW.expires_at
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_quote_status_transition() IS
    'QUO-013/QUO-014/QUO-015: trigger function on quotes: the first status and every status change must be a row of quote_status_transitions; binding only while the offer is open.';
"""

SERVER_OWNED_FUNCTION = """
CREATE FUNCTION check_quote_server_owned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The column default is the transaction time; anything else came from the caller.
        IF NEW.created_at IS NOT NULL AND NEW.created_at IS DISTINCT FROM now() AND NOT quote_historical_import() THEN
            RAISE EXCEPTION 'QUO-021: created_at is set by the database; leave it out (got %, trigger trg_quotes_server_owned)', NEW.created_at
                USING ERRCODE = 'check_violation',
                      HINT = 'Historical rows are loaded by the owner with SET LOCAL app.historical_import = ''on''.';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'QUO-021: created_at of quote % never changes (trigger trg_quotes_server_owned)', OLD.quote_number
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.product_type IS DISTINCT FROM OLD.product_type THEN
        RAISE EXCEPTION 'QUO-017: the line of business of quote % is fixed at creation: requote instead (trigger trg_quotes_server_owned)', OLD.quote_number
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION check_quote_server_owned() IS
    'QUO-021/QUO-017: trigger function on quotes: created_at is the database''s (outside the historical import path) and never changes; product_type never changes.';
"""

VERSION_CHAIN_FUNCTION = """
CREATE FUNCTION check_quote_version_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    me record;
    parent record;
    loops boolean;
BEGIN
    -- Deferred: the row as it is at commit (it may have been deleted since).
    SELECT q.id, q.quote_number, q.parent_quote_id, q.version, q.product_type INTO me FROM quotes q WHERE q.id = NEW.id;
    IF NOT FOUND OR me.parent_quote_id IS NULL THEN
        RETURN NULL;
    END IF;
    WITH RECURSIVE up(id, parent_quote_id) AS (
        SELECT q.id, q.parent_quote_id FROM quotes q WHERE q.id = me.parent_quote_id
        UNION ALL
        SELECT q.id, q.parent_quote_id FROM quotes q JOIN up ON q.id = up.parent_quote_id
    ) CYCLE id SET is_cycle USING path
    SELECT EXISTS (SELECT 1 FROM up WHERE up.id = me.id) INTO loops;
    IF loops THEN
        RAISE EXCEPTION 'QUO-017: quote % is its own ancestor: version chains are acyclic (trigger trg_quotes_version_chain)', me.quote_number
            USING ERRCODE = 'check_violation';
    END IF;
    -- KEY SHARE: the parent cannot be deleted before this transaction ends; its version and
    -- product_type never change (trg_quotes_check_version, trg_quotes_server_owned).
    SELECT q.version, q.product_type, q.quote_number INTO parent FROM quotes q WHERE q.id = me.parent_quote_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RETURN NULL;  -- fk_quotes_parent_quote_id_customer_id_quotes refuses it by name
    END IF;
    IF parent.product_type <> me.product_type THEN
        RAISE EXCEPTION 'QUO-017: requote % is %, its parent % is %: a version chain stays within one line of business (trigger trg_quotes_version_chain)', me.quote_number, me.product_type, parent.quote_number, parent.product_type
            USING ERRCODE = 'check_violation';
    END IF;
    IF me.version <> parent.version + 1 THEN
        RAISE EXCEPTION 'QUO-006: requote % is version %, its parent % is version %: expected % (trigger trg_quotes_version_chain)', me.quote_number, me.version, parent.quote_number, parent.version, parent.version + 1
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION check_quote_version_chain() IS
    'QUO-017/QUO-006: deferred constraint trigger function on quotes: at commit, a requote is not its own ancestor, has its parent''s line of business and is its parent''s version + 1.';
"""

FUNCTIONS: tuple[Function, ...] = (
    Function("quote_historical_import()", HISTORICAL_IMPORT_FUNCTION),
    Function("check_quote_status_transition()", STATUS_TRANSITION_FUNCTION),
    Function("check_quote_server_owned()", SERVER_OWNED_FUNCTION),
    Function("check_quote_version_chain()", VERSION_CHAIN_FUNCTION),
)

TRIGGERS: tuple[Trigger, ...] = (
    Trigger(
        "trg_quotes_status_transition",
        "BEFORE INSERT OR UPDATE OF status ON quotes FOR EACH ROW",
        "check_quote_status_transition",
        "QUO-013/QUO-014/QUO-015: first status and status changes follow quote_status_transitions; no binding after expires_at.",
    ),
    Trigger(
        "trg_quotes_server_owned",
        "BEFORE INSERT OR UPDATE OF created_at, product_type ON quotes FOR EACH ROW",
        "check_quote_server_owned",
        "QUO-021: created_at is set by the database (historical import aside) and fixed; QUO-017: product_type is fixed.",
    ),
    Trigger(
        "trg_quotes_version_chain",
        "AFTER INSERT OR UPDATE OF parent_quote_id, version, product_type ON quotes "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW",
        "check_quote_version_chain",
        "QUO-017: at commit, version chains are acyclic, within one line of business, parent version + 1 (QUO-006).",
    ),
)

CHECKS: tuple[Check, ...] = (
    Check(
        "ck_quotes_auto_risk_complete_when_priced", "QUO-018",
        f"NOT ({PRICED}) OR product_type <> 'auto' OR "
        "(vehicle_info <> '{}'::jsonb AND CASE WHEN jsonb_typeof(drivers) = 'array' THEN jsonb_array_length(drivers) >= 1 END)",
        "QUO-018: a quoted or bound auto quote has at least one driver and a described vehicle.",
    ),
    Check(
        "ck_quotes_coverage_selections_not_empty_when_priced", "QUO-018",
        f"NOT ({PRICED}) OR coverage_selections <> '{{}}'::jsonb",
        "QUO-018: a quoted or bound quote has chosen coverages (it becomes the policy's coverage at bind).",
    ),
    Check(
        "ck_quotes_premiums_positive_when_priced", "QUO-019",
        f"NOT ({PRICED}) OR (base_premium > 0 AND total_premium > 0 AND monthly_premium > 0)",
        "QUO-019: a price offered or bound is above zero.",
    ),
    Check(
        "ck_quotes_monthly_within_total", "QUO-019",
        "monthly_premium <= total_premium",
        "QUO-019: a monthly installment never exceeds the premium for the whole term.",
    ),
    Check(
        "ck_quotes_declined_reasons_not_empty", "QUO-020",
        "CASE WHEN jsonb_typeof(declined_reasons) = 'array' THEN jsonb_array_length(declined_reasons) >= 1 END",
        "QUO-020: a decline states at least one reason (adverse-action notice).",
    ),
)

BINDING_FK = "fk_quotes_binding_agrees_with_policy"
BINDING_COLUMNS = ("converted_to_policy_id", "customer_id", "product_type", "state", "effective_date", "total_premium")
POLICY_KEY = "ix_policies_binding_key"
POLICY_KEY_COLUMNS = ("id", "customer_id", "product_type", "state", "effective_date", "premium_amount")

BINDING_VIOLATORS = """
SELECT q.id FROM quotes q JOIN policies p ON p.id = q.converted_to_policy_id
WHERE (q.customer_id, q.product_type, q.state, q.effective_date, q.total_premium)
      IS DISTINCT FROM (p.customer_id, p.product_type, p.state, p.effective_date, p.premium_amount)
"""

CHAIN_VIOLATORS = """
SELECT q.id FROM quotes q JOIN quotes p ON p.id = q.parent_quote_id
WHERE p.product_type <> q.product_type OR q.version <> p.version + 1
"""

PREFLIGHTS: tuple[Preflight, ...] = (
    Preflight("QUO-016", BINDING_FK, BINDING_VIOLATORS),
    Preflight("QUO-017", "trg_quotes_version_chain", CHAIN_VIOLATORS),
    *(Preflight(c.rule_id, c.name, f"SELECT q.id FROM quotes q WHERE NOT ({c.sqltext})") for c in CHECKS),
)

PREFLIGHT_BODY = """
DECLARE
    n bigint;
    sample text;
BEGIN
    SELECT count(*), string_agg(id::text, ', ') FILTER (WHERE rn <= 5)
    INTO n, sample
    FROM (SELECT v.id, row_number() OVER (ORDER BY v.id) AS rn FROM ({violators}) AS v) AS numbered;
    IF n > 0 THEN
        RAISE EXCEPTION '{rule_id}: % existing quote(s) break {constraint}, e.g. %', n, sample
            USING ERRCODE = 'check_violation',
                  HINT = 'Revision 008 changes no data: review the rows, run the reviewed remediation in the revision''s docstring (REMEDIATION_SQL), then upgrade again.';
    END IF;
END
"""

# The reviewed remediation of the 006-era data (see the docstring); run by an operator, never by
# upgrade(). It fixes only effective date and premium disagreements, keeping the old values.
REMEDIATION_SQL = """
CREATE SCHEMA IF NOT EXISTS remediation;
CREATE TABLE remediation.quote_binding_008 AS
SELECT q.id AS quote_id, q.converted_to_policy_id AS policy_id,
       q.effective_date AS old_effective_date, q.total_premium AS old_total_premium,
       q.monthly_premium AS old_monthly_premium,
       p.effective_date AS new_effective_date, p.premium_amount AS new_total_premium,
       round(q.monthly_premium * p.premium_amount / q.total_premium, 2) AS new_monthly_premium,
       now() AS remediated_at
FROM quotes q JOIN policies p ON p.id = q.converted_to_policy_id
WHERE (q.customer_id, q.product_type, q.state) = (p.customer_id, p.product_type, p.state)
  AND (q.effective_date, q.total_premium) IS DISTINCT FROM (p.effective_date, p.premium_amount)
  AND q.total_premium > 0;
COMMENT ON TABLE remediation.quote_binding_008 IS
    'QUO-016: bound quotes aligned to their policy before revision 008, with the values they had.';
INSERT INTO audit_logs (action, resource_type, resource_id)
SELECT 'quote.binding_remediated', 'quotes', r.quote_id FROM remediation.quote_binding_008 r;
UPDATE quotes q
SET effective_date = r.new_effective_date, total_premium = r.new_total_premium,
    monthly_premium = r.new_monthly_premium
FROM remediation.quote_binding_008 r
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
    """Refuse to add a rule while existing rows break it: name the rule, the count and samples."""
    _do(PREFLIGHT_BODY.format(violators=preflight.violators.strip(), rule_id=preflight.rule_id,
                              constraint=preflight.constraint))


def data_loss_allowed() -> bool:
    """True only when the operator said ``alembic -x allow-data-loss=true downgrade ...``."""
    value = context.get_x_argument(as_dictionary=True).get("allow-data-loss", "false")
    if value not in {"true", "false"}:
        raise ValueError(f"-x allow-data-loss must be 'true' or 'false', got {value!r}")
    return value == "true"


GUARD_BODY = """
DECLARE
    t text;
    has_rows boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY[{names}]::text[] LOOP
        IF to_regclass(quote_ident(t)) IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has_rows;
            IF has_rows THEN
                RAISE EXCEPTION 'downgrade refused: table % holds rows and would be dropped', t
                    USING HINT = 'Back the data up, then run: alembic -x allow-data-loss=true downgrade <revision>',
                          ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
        END IF;
    END LOOP;
END
"""


def guard_data_loss(*tables: str) -> None:
    """Refuse a downgrade that would drop rows the revision did not write, unless allowed."""
    if data_loss_allowed():
        return
    _do(GUARD_BODY.format(names=", ".join(_literal(t) for t in tables)))


def _seeded_pairs() -> str:
    return ", ".join(f"({_literal(t.from_status)}, {_literal(t.to_status)})" for t in TRANSITIONS)


def upgrade() -> None:
    # First the existing rows: any that break a rule below stop the revision before it changes anything.
    for preflight in PREFLIGHTS:
        refuse_violators(preflight)
    # The UNIQUE target of the binding FK. Built in this revision's transaction (SHARE lock on
    # policies for the build: reads go on, binds wait): CONCURRENTLY cannot run inside the one
    # transaction per revision that alembic/env.py, --reset and pytest-alembic give every revision.
    # It is trivially unique (id is the key) and changes no row.
    # A unique index, not a constraint (like ix_quotes_id_customer_id of revision 002): never
    # violated on its own, since id is the primary key.
    op.execute(f"CREATE UNIQUE INDEX {POLICY_KEY} ON policies ({', '.join(POLICY_KEY_COLUMNS)})")
    op.execute(f"COMMENT ON INDEX {POLICY_KEY} IS "
               + _literal("pattern: target of fk_quotes_binding_agrees_with_policy: the policy a bound quote names, with the facts it must agree with (QUO-016); never violated on its own, id is the PK"))

    op.execute(f"""
CREATE TABLE quote_status_transitions (
    from_status varchar(20) NOT NULL,
    to_status varchar(20) NOT NULL,
    rule_id varchar(7) NOT NULL,
    description text NOT NULL,
    CONSTRAINT pk_quote_status_transitions PRIMARY KEY (from_status, to_status),
    CONSTRAINT ck_quote_status_transitions_from_status_allowed CHECK (from_status IN ('new', {STATUSES})),
    CONSTRAINT ck_quote_status_transitions_to_status_allowed CHECK (to_status IN ({STATUSES})),
    CONSTRAINT ck_quote_status_transitions_changes_status CHECK (from_status <> to_status),
    CONSTRAINT ck_quote_status_transitions_rule_id_format CHECK (rule_id ~ '^QUO-[0-9]{{3}}$')
)""")
    comments = {
        "TABLE quote_status_transitions": "QUO-013: the quote lifecycle as data: each row is an allowed status change; a status with no row leaving it is terminal (QUO-014).",
        "COLUMN quote_status_transitions.from_status": "Status before the change; 'new' means the quote is being created (the statuses it may start in, QUO-001).",
        "COLUMN quote_status_transitions.to_status": "Status after the change.",
        "COLUMN quote_status_transitions.rule_id": "Business rule (QUO-) that allows this change.",
        "COLUMN quote_status_transitions.description": "What happened in the business when a quote makes this change.",
        "INDEX pk_quote_status_transitions": "pattern: is (from, to) allowed? (trg_quotes_status_transition, every quote insert and status change)",
    }
    for target, comment in comments.items():
        op.execute(f"COMMENT ON {target} IS {_literal(comment)}")
    rows = ",\n".join(
        f"    ({_literal(t.from_status)}, {_literal(t.to_status)}, {_literal(t.rule_id)}, {_literal(t.description)})"
        for t in TRANSITIONS
    )
    op.execute(f"INSERT INTO quote_status_transitions (from_status, to_status, rule_id, description) VALUES\n{rows}")
    # Reference data: everyone reads it, nobody but the owner (a revision) changes the lifecycle.
    for role in ("app_rw", "app_ro", "auditor", "admin_rw"):
        op.execute(f"GRANT SELECT (from_status, to_status, rule_id, description) ON quote_status_transitions TO {role}")

    for function in FUNCTIONS:
        op.execute(function.ddl)
    for trigger in TRIGGERS:
        kind = "CONSTRAINT TRIGGER" if "DEFERRABLE" in trigger.definition else "TRIGGER"
        op.execute(f"CREATE {kind} {trigger.name} {trigger.definition} EXECUTE FUNCTION {trigger.function}()")
        op.execute(f"COMMENT ON TRIGGER {trigger.name} ON quotes IS {_literal(trigger.comment)}")

    for check in CHECKS:
        op.execute(f"ALTER TABLE quotes ADD CONSTRAINT {check.name} CHECK ({check.sqltext}) NOT VALID")
        op.execute(f"ALTER TABLE quotes VALIDATE CONSTRAINT {check.name}")
        op.execute(f"COMMENT ON CONSTRAINT {check.name} ON quotes IS {_literal(check.comment)}")
    op.execute(
        f"ALTER TABLE quotes ADD CONSTRAINT {BINDING_FK} FOREIGN KEY ({', '.join(BINDING_COLUMNS)}) "
        f"REFERENCES policies ({', '.join(POLICY_KEY_COLUMNS)}) ON DELETE RESTRICT NOT VALID"
    )
    op.execute(f"ALTER TABLE quotes VALIDATE CONSTRAINT {BINDING_FK}")
    op.execute(f"COMMENT ON CONSTRAINT {BINDING_FK} ON quotes IS " + _literal(
        "QUO-016: a bound quote's policy has its customer, line, state and effective date, and premium_amount = total_premium "
        "(the quoted total for the term); RESTRICT, a policy bound from a quote is never deleted."))


def downgrade() -> None:
    op.execute(f"DELETE FROM quote_status_transitions WHERE (from_status, to_status) IN ({_seeded_pairs()})")
    guard_data_loss(*TABLES)
    op.execute(f"ALTER TABLE quotes DROP CONSTRAINT {BINDING_FK}")
    for check in reversed(CHECKS):
        op.execute(f"ALTER TABLE quotes DROP CONSTRAINT {check.name}")
    for trigger in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {trigger.name} ON quotes")
    for function in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {function.signature}")
    op.drop_table("quote_status_transitions")
    op.execute(f"DROP INDEX {POLICY_KEY}")
