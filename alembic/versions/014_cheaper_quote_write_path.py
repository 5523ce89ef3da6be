"""Cheaper quote write path: the quote triggers that judge only priced quotes or requotes are not queued for a draft.

Business purpose: issue 21 asks that the project's quote insert run at >= 90% of the physical
baseline (the same INSERT with a client-supplied number and no trigger) at 1, 8, 32 and 64
connections. A draft first version (the quote service's INSERT when a customer starts a quote)
fired seven user triggers at 013. Profiled on 2,000 draft inserts (track_functions = all, one
connection, scratch database at small scale; microseconds per call): assign_quote_number 58
(QUO-003, the number itself), check_quote_status_transition 39 (QUO-013, two lookups of
quote_status_transitions and quote_historical_import()), check_quote_version_chain 20 (QUO-017,
a deferred event re-reading the row at commit), check_quote_state_rules 11 (RAT-020),
check_quote_coverage_selections 10 (QUO-022), check_quote_version 7 (QUO-006),
check_quote_server_owned 7 (QUO-021): about 150 us of a 1.3 ms insert-and-commit. Three of them
return at their first line for a draft first version, so this revision stops queueing them for
it, with a trigger WHEN clause that is exactly that first line, and gives the status check one
lookup instead of two. No rule changes, nothing is refused or accepted that was not before:

- ``trg_quotes_coverage_selections_valid`` (QUO-022) gets ``WHEN (NEW.status IN ('quoted',
  'bound'))``: check_quote_coverage_selections returns at once for any other status.
- ``trg_quotes_state_rules`` (RAT-020) gets the same WHEN: state_rule_breach_of_quote returns NULL
  for any other status. An AFTER trigger's WHEN is evaluated when the event would be queued, on
  the same NEW row the function reads when it fires (also when SET CONSTRAINTS defers it), so the
  verdict is the function's.
- ``trg_quotes_version_chain`` (QUO-017/QUO-006, deferred to commit) gets ``WHEN
  (NEW.parent_quote_id IS NOT NULL)``: check_quote_version_chain re-reads the row at commit and
  returns when its parent_quote_id is NULL. parent_quote_id is fixed at insert (any UPDATE naming
  it is refused by trg_quotes_check_version, QUO-006, before the row changes), so a row inserted
  without a parent still has none at commit. An original quote is never part of a cycle (a cycle
  needs a parent at every member), and every requote is still queued and judged at commit.
- ``check_quote_status_transition()`` (QUO-013/QUO-014/QUO-015) looks up ('new', status) first
  on INSERT, which answers the common case in one lookup of quote_status_transitions instead of
  two; the other branches return, raise and call quote_historical_import() in exactly the cases
  they did (a status outside the lifecycle is still left to ck_quotes_status_allowed, a historical
  import still keeps its status, the UPDATE path is unchanged). Messages, SQLSTATEs and trigger
  names are unchanged.

Not changed, and why: trg_quotes_assign_quote_number is the number (QUO-003) and runs for every
insert; its race probe against imported numbers stays. trg_quotes_check_version and
trg_quotes_server_owned fire on INSERT OR UPDATE and must refuse every UPDATE naming their columns,
and an INSERT trigger's WHEN cannot read OLD: skipping them for a draft would need each split in
two (a new trigger name for the refusals tests and applications map), for about 7 us each.

Existing rows: nothing is changed, and no rule is added or widened, so no existing row can newly
break one: there is no preflight. The WHEN clauses and the new function body accept and refuse
exactly the rows 013 did (the quote refusal tests run unchanged against 014).

Lock safety: no table is scanned or rewritten; every statement is a catalog change.
``CREATE OR REPLACE TRIGGER`` (trg_quotes_coverage_selections_valid) and ``CREATE CONSTRAINT
TRIGGER`` take SHARE ROW EXCLUSIVE on quotes (reads go on, writes wait). PostgreSQL has no CREATE
OR REPLACE for a constraint trigger, and ``DROP TRIGGER`` takes ACCESS EXCLUSIVE on quotes (reads
wait too): the two constraint triggers are dropped and re-created in the revision's one
transaction, so the lock is held to its commit, milliseconds of catalog work, but it queues behind
any open transaction that touched quotes and everything queues behind it. Run it with
``PGOPTIONS='-c lock_timeout=5s'`` and retry on timeout. ``CREATE OR REPLACE FUNCTION`` takes no
table lock; a session picks up the new body at its next call.

Self-contained: imports only the standard library and alembic; the trigger definitions of 013 and
014 and both function bodies are constants below (CONTRIBUTING.md). Downgrade restores 013's
triggers, comments and function body exactly, in mirror order.

Revision ID: 014
Revises: 013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from alembic import op

revision: str = "014"
down_revision: str | None = "013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class TriggerChange(NamedTuple):
    """A trigger on quotes as 013 left it and as 014 defines it.

    ``constraint``: a constraint trigger, which PostgreSQL cannot CREATE OR REPLACE (dropped and
    re-created); ``timing``: everything between the name and ``FOR EACH ROW``; ``when``: the
    condition 014 adds.
    """

    name: str
    constraint: bool
    timing: str
    when: str
    function: str
    comment: str  # the same in 013 and 014: the rule is unchanged


class FunctionBody(NamedTuple):
    """A plpgsql trigger function whose body 014 replaces (signature, comment and grants stay)."""

    signature: str
    body_013: str
    body_014: str


PRICED = "NEW.status IN ('quoted', 'bound')"  # QUO-004: a priced quote
REQUOTE = "NEW.parent_quote_id IS NOT NULL"  # QUO-006: a later version of a quote

# In name order, as AFTER triggers fire: coverage first (QUO-022 names a malformed coverage before
# a state rule reads it, revision 013).
TRIGGERS: tuple[TriggerChange, ...] = (
    TriggerChange(
        "trg_quotes_coverage_selections_valid",
        False,
        "AFTER INSERT OR UPDATE OF status, coverage_selections ON quotes",
        PRICED,
        "check_quote_coverage_selections",
        "QUO-022: a quoted or bound quote's coverage_selections is a coverage a policy accepts (validate_policy_data, COR-013).",
    ),
    TriggerChange(
        "trg_quotes_state_rules",
        True,
        "AFTER INSERT OR UPDATE OF status, state, product_type, effective_date, rating_factors, coverage_selections ON quotes "
        "DEFERRABLE INITIALLY IMMEDIATE",
        PRICED,
        "check_quote_state_rules",
        "RAT-020: refuses a priced quote that breaks its state's rules (banned factor, mandated coverage, minimum limits).",
    ),
    TriggerChange(
        "trg_quotes_version_chain",
        True,
        "AFTER INSERT OR UPDATE OF parent_quote_id, version, product_type ON quotes DEFERRABLE INITIALLY DEFERRED",
        REQUOTE,
        "check_quote_version_chain",
        "QUO-017: at commit, version chains are acyclic, within one line of business, parent version + 1 (QUO-006).",
    ),
)

STATUS_TRANSITION_BODY_013 = """
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
"""

STATUS_TRANSITION_BODY_014 = """
DECLARE
    moment timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- The common case first, in one lookup: a first status the lifecycle allows ('new' -> status).
        IF EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.from_status = 'new' AND t.to_status = NEW.status) THEN
            IF NOT quote_historical_import() THEN
                RETURN NEW;
            END IF;
            -- QUO-021: an imported quote keeps its recorded status; one imported as bound was
            -- bound at its last change (updated_at), which must be within its offer period.
            moment := NEW.updated_at;
        -- Values outside the lifecycle are ck_quotes_status_allowed's to refuse (NULL: NOT NULL's).
        ELSIF NEW.status IS NULL OR NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.to_status = NEW.status) THEN
            RETURN NEW;
        ELSIF quote_historical_import() THEN
            moment := NEW.updated_at;  -- QUO-021: as above, for a status a live insert may not start in
        ELSE
            RAISE EXCEPTION 'QUO-013: a quote is created as draft or calculating, not % (quote_status_transitions, trigger trg_quotes_status_transition)', NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        -- Values outside the lifecycle are ck_quotes_status_allowed's to refuse (NULL: NOT NULL's).
        IF NEW.status IS NULL OR NOT EXISTS (SELECT 1 FROM quote_status_transitions t WHERE t.to_status = NEW.status) THEN
            RETURN NEW;
        END IF;
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
"""

STATUS_TRANSITION = FunctionBody("check_quote_status_transition()", STATUS_TRANSITION_BODY_013, STATUS_TRANSITION_BODY_014)


def _literal(text: str) -> str:
    """A SQL string literal (comments contain apostrophes)."""
    return "'" + text.replace("'", "''") + "'"


def _replace_function(function: FunctionBody, body: str) -> None:
    """CREATE OR REPLACE keeps the function's comment, owner and grants; only the body changes."""
    op.execute(f"CREATE OR REPLACE FUNCTION {function.signature} RETURNS trigger LANGUAGE plpgsql AS $function${body}$function$")


def _create_trigger(trigger: TriggerChange, when: str | None) -> None:
    """Define ``trigger`` with ``when`` (None: without a WHEN clause, as 013 had it)."""
    condition = f" WHEN ({when})" if when else ""
    tail = f"{trigger.timing} FOR EACH ROW{condition} EXECUTE FUNCTION {trigger.function}()"
    if trigger.constraint:
        # No CREATE OR REPLACE for constraint triggers: DROP (ACCESS EXCLUSIVE, see the docstring).
        op.execute(f"DROP TRIGGER {trigger.name} ON quotes")
        op.execute(f"CREATE CONSTRAINT TRIGGER {trigger.name} {tail}")
        op.execute(f"COMMENT ON TRIGGER {trigger.name} ON quotes IS {_literal(trigger.comment)}")
    else:
        op.execute(f"CREATE OR REPLACE TRIGGER {trigger.name} {tail}")  # keeps the comment


def upgrade() -> None:
    _replace_function(STATUS_TRANSITION, STATUS_TRANSITION.body_014)
    for trigger in TRIGGERS:
        _create_trigger(trigger, trigger.when)


def downgrade() -> None:
    for trigger in reversed(TRIGGERS):
        _create_trigger(trigger, None)
    _replace_function(STATUS_TRANSITION, STATUS_TRANSITION.body_013)
