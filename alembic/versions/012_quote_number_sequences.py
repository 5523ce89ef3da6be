"""Quote numbers from a sequence per year: no lock on the quote insert path that outlives the statement.

Business purpose: QUO-003 issues QUOT-YYYY-NNNNNN. Until now (revision 002) every number came from
one row of ``quote_number_counters`` per year, upserted and therefore row-locked by each quote
insert until its transaction committed: every quote insert of the country waited for the previous
one's commit (its WAL flush), so throughput was capped at about 1 / commit latency and fell as
connections were added (issue 21: 0.24x at 32 connections against one). The seed asks for the
format, not for gap-free numbers, and no US rule we found asks for gap-free quote numbers (a quote
is an offer, not a policy or an invoice; the NAIC market-conduct handbook and the state rate-filing
rules we read ask that quotes be retrievable and reproducible, which the unique number gives). So:

- Each year's numbers come from the sequence ``quote_number_seq_YYYY`` (AS integer, CACHE 1, no
  cycle): ``nextval`` holds the sequence's buffer lock for the call only, so concurrent inserts
  never wait for each other's commit. Gaps are allowed and documented (rule QUO-003, deviation
  DEV-QUO-15): a number is spent by an insert that rolls back or is refused by a later trigger or
  CHECK, since a sequence is not transactional.
- The 1,000,000th quote of a year is refused by name, as before, now with SQLSTATE 23514
  (check_violation, the constraint being the trigger ``trg_quotes_assign_quote_number``) instead of
  54000: a business refusal an application can tell from a bug. The sequence itself has no
  MAXVALUE of 999999: a refused attempt spends a value above it, so the refusal is the trigger's,
  by rule id, never nextval's anonymous "reached maximum value".
- Sequences are created ahead by the maintenance that already creates partitions ahead:
  ``run_partition_maintenance()`` (``schema partitions maintain``, cron) now also ensures this
  year's and next year's sequence (UTC), reported as ``create`` actions of ``quotes`` with rule
  QUO-003. A year nobody prepared (a historical import, a quote at 00:00 UTC on 1 January before
  the job ran) gets its sequence on demand from ``quote_number_sequence(year, issued_through)``,
  serialized per year by a transaction-scoped advisory lock: a second session waits for the
  first one's commit once per year, never again. The sequence starts after the highest number of
  that year already in ``quotes``.
- Imports of existing numbers are honoured as before (revision 002 honours a well-formed number
  of the quote's own year from any role that may insert quotes; the historical path
  ``app.historical_import`` is what lets an import keep its past created_at, QUO-021): the year's
  sequence is moved past the imported number with ``setval`` under the same per-year advisory
  lock, so numbers issued later never collide with it. An import of a number the sequence has
  already passed takes no lock. Issue also skips any number that already exists (one probe of
  ``uq_quotes_quote_number`` per insert), which covers the one race ``setval`` leaves (an import
  moving the sequence while another session takes the next value in the same microsecond); a
  number taken by an import still in flight is refused by ``uq_quotes_quote_number`` for one of
  the two, never issued twice.
- The number-issuing trigger function runs as its owner (SECURITY DEFINER, search_path pinned,
  EXECUTE revoked from PUBLIC; a trigger's function is not EXECUTE-checked when it fires): the
  sequences are granted to no role (SEC-002: only designed tables are granted), so the
  application cannot spend, rewind or read them directly.

``quote_number_counters`` is kept, read-only (profile "reference": SELECT for every group role,
no more INSERT/UPDATE for app_rw), and no longer written: it stays as the record of what the
counter had issued at the upgrade and as the table the downgrade writes back. It is not dropped
here because a drop cannot be undone by a downgrade once 012 has run for a while, and nothing
reads it on the insert path any more; a later revision, once 012 is released everywhere, drops it
with guard_data_loss.

Existing rows: no rule becomes stricter, so no row can break one; nothing is changed in quotes.
The upgrade creates one sequence per year that appears in ``quote_number_counters`` or in the
range of years of ``quotes.quote_number`` (plus this year and the next), each continuing after
the highest number issued: GREATEST(the counter's last_value, the highest quote_number of that
year in quotes), so no number is issued twice across the switch.

Lock safety: ``LOCK TABLE quotes IN EXCLUSIVE MODE`` (reads continue;
writers in flight finish first, within the migration's lock_timeout, and new quote inserts wait
for the revision's commit, a few milliseconds: one index probe per year, no scan) so that no number
is issued by the old counter between reading the highest number and switching the trigger;
inserts that waited run the new function (plpgsql re-reads a replaced function at its next call).
The counter table is not locked: the only writer of it that issues a number is that trigger,
which cannot run while quotes is locked (``schema rehearse`` flagged an EXCLUSIVE lock on it held
while its few rows were read). No table is rewritten, no constraint added. The downgrade takes the
same lock.

Downgrade (mirror order): for each year's sequence (and each year in the range of quotes), the
counter row becomes LEAST(999999, GREATEST(the sequence's last issued value, the highest
quote_number of that year, the counter's own value)), so the counter continues after every number
the sequences issued; then revision 002's trigger function and 004's maintenance come back, the
sequences and quote_number_sequence() are dropped, app_rw gets INSERT and UPDATE on the counter
again. Nothing is lost: a sequence's only content, its last value, is in the counter row.

Self-contained: imports only the standard library, sqlalchemy and alembic; function bodies,
grants and comments are constants below (CONTRIBUTING.md).

Revision ID: 012
Revises: 011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "012"
down_revision: str | None = "011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class Step(NamedTuple):
    """One reviewed statement of this revision and the one that undoes it."""

    upgrade: str
    downgrade: str


class Comment(NamedTuple):
    """A COMMENT ON statement's target and its text at 012 (``upgrade``) and at 011 (``downgrade``)."""

    target: str
    upgrade: str
    downgrade: str


# Constants first, in the order upgrade() uses them.
# Only quotes: the counter's one writer that issues numbers is the trigger, which cannot run while
# quotes is locked; a direct write to the counter issues no number (and 012 revokes it).
LOCK = "LOCK TABLE quotes IN EXCLUSIVE MODE"

# QUO-003: one advisory lock class for the per-year slow path of quote_number_sequence() (create a
# year's sequence, or move it past an imported number); the second key is the year. Distinct from
# alembic/env.py's migration lock, which is a single bigint key.
QUOTE_NUMBER_LOCK_CLASS = 21003

QUOTE_NUMBER_SEQUENCE_FUNCTION = f"""
CREATE FUNCTION quote_number_sequence(p_year integer, p_issued_through integer) RETURNS regclass
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    v_year text;
    v_seq regclass;
    v_issued bigint;
    v_highest text;
BEGIN
    IF p_year IS NULL OR p_year NOT BETWEEN 1 AND 9999 OR p_issued_through IS NULL OR p_issued_through NOT BETWEEN 0 AND 999999 THEN
        RAISE EXCEPTION 'QUO-003: quote numbers are QUOT-YYYY-NNNNNN: year % or number % is out of range (function quote_number_sequence)', p_year, p_issued_through
            USING ERRCODE = 'check_violation';
    END IF;
    v_year := lpad(p_year::text, 4, '0');
    v_seq := to_regclass('public.quote_number_seq_' || v_year);
    IF v_seq IS NOT NULL THEN
        SELECT coalesce(pg_sequence_last_value(v_seq), s.seqstart - 1) INTO v_issued FROM pg_sequence s WHERE s.seqrelid = v_seq;
        IF v_issued >= p_issued_through THEN
            RETURN v_seq;  -- the common case: nothing to create, nothing to move, no lock
        END IF;
    END IF;
    -- QUO-003: create the year's sequence, or move it past an imported number: one session at a
    -- time per year (until its commit: a new sequence is visible to others only then).
    PERFORM pg_advisory_xact_lock({QUOTE_NUMBER_LOCK_CLASS}, p_year);
    SELECT max(q.quote_number) INTO v_highest FROM public.quotes q
    WHERE q.quote_number BETWEEN 'QUOT-' || v_year || '-000000' AND 'QUOT-' || v_year || '-999999';
    v_issued := GREATEST(p_issued_through, coalesce(substr(v_highest, 11, 6)::integer, 0));
    v_seq := to_regclass('public.quote_number_seq_' || v_year);
    IF v_seq IS NULL THEN
        -- IF NOT EXISTS: the session that held the lock before us may have created it.
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS public.%I AS integer MINVALUE 1 START WITH %s CACHE 1 NO CYCLE',
                       'quote_number_seq_' || v_year, v_issued + 1);
        EXECUTE format('COMMENT ON SEQUENCE public.%I IS %L', 'quote_number_seq_' || v_year,
                       'QUO-003: issues NNNNNN of QUOT-' || v_year || '-NNNNNN (trigger trg_quotes_assign_quote_number); gaps allowed; values above 999999 are refused attempts.');
        v_seq := to_regclass('public.quote_number_seq_' || v_year);
    END IF;
    IF (SELECT coalesce(pg_sequence_last_value(v_seq), s.seqstart - 1) FROM pg_sequence s WHERE s.seqrelid = v_seq) < v_issued THEN
        PERFORM setval(v_seq, v_issued);
    END IF;
    RETURN v_seq;
END
$$;
COMMENT ON FUNCTION quote_number_sequence(integer, integer) IS
    'QUO-003: the sequence quote_number_seq_YYYY of year p_year, created if missing (starting after the highest number of that year in quotes) and moved so that it never issues a number <= p_issued_through (an imported number); the slow path is serialized per year by an advisory lock. Runs as its owner; no role is granted EXECUTE.';
REVOKE EXECUTE ON FUNCTION quote_number_sequence(integer, integer) FROM PUBLIC;
"""

ASSIGN_QUOTE_NUMBER_FUNCTION = """
CREATE OR REPLACE FUNCTION assign_quote_number() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_year integer;
    v_seq regclass;
    v_issued bigint;
    v_number text;
BEGIN
    -- A NULL created_at is refused by its own NOT NULL constraint, checked after this trigger.
    IF NEW.created_at IS NULL THEN
        RETURN NEW;
    END IF;
    v_year := EXTRACT(year FROM NEW.created_at AT TIME ZONE 'UTC')::integer;
    IF v_year NOT BETWEEN 1 AND 9999 THEN
        RETURN NEW;  -- no four-digit year: ck_quotes_quote_number_format refuses the template (or the number) by name
    END IF;
    IF NEW.quote_number = 'QUOT-YYYY-NNNNNN' THEN
        -- QUO-003: the year's sequence; nextval locks nothing beyond the call.
        v_seq := to_regclass('public.quote_number_seq_' || lpad(v_year::text, 4, '0'));
        IF v_seq IS NULL THEN
            v_seq := public.quote_number_sequence(v_year, 0);
        END IF;
        LOOP
            v_issued := nextval(v_seq);
            IF v_issued > 999999 THEN
                RAISE EXCEPTION 'QUO-003: quote numbers of year % are exhausted: QUOT-YYYY-NNNNNN allows 999999 quotes a year (trigger %)', v_year, TG_NAME
                    USING ERRCODE = 'check_violation', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME,
                          HINT = 'Six digits a year is the published format (rule QUO-003); widening it is a schema change.';
            END IF;
            v_number := 'QUOT-' || lpad(v_year::text, 4, '0') || '-' || lpad(v_issued::text, 6, '0');
            -- An imported number is never issued again (the import moved the sequence past it;
            -- this probe covers an import that raced the sequence).
            EXIT WHEN NOT EXISTS (SELECT FROM public.quotes q WHERE q.quote_number = v_number);
        END LOOP;
        NEW.quote_number := v_number;
    ELSIF NEW.quote_number ~ '^QUOT-[0-9]{4}-[0-9]{6}$' AND substr(NEW.quote_number, 6, 4)::integer = v_year THEN
        -- A number supplied by an import: move its year's sequence past it (never back).
        PERFORM public.quote_number_sequence(v_year, substr(NEW.quote_number, 11, 6)::integer);
    END IF;
    -- Anything else (malformed, or of another year) is left to the CHECKs, which refuse it by name.
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION assign_quote_number() IS
    'QUO-003: BEFORE INSERT trigger function on quotes: replaces the template QUOT-YYYY-NNNNNN with the next value of the sequence quote_number_seq_YYYY of the year (UTC) of created_at (gaps allowed), moves that sequence past an imported number, refuses the 1,000,000th quote of a year. Runs as its owner: no role is granted the sequences.';
REVOKE EXECUTE ON FUNCTION assign_quote_number() FROM PUBLIC;
"""

# Revision 002's function, restored by the downgrade exactly as 002 created it.
COUNTER_ASSIGN_QUOTE_NUMBER_FUNCTION = """
CREATE OR REPLACE FUNCTION assign_quote_number() RETURNS trigger
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
GRANT EXECUTE ON FUNCTION assign_quote_number() TO PUBLIC;
"""

# run_partition_maintenance() at 012: revision 004's loop over partition_policies, then the year
# sequences of quote numbers (QUO-003) for this year and the next.
MAINTENANCE_FUNCTION = """
CREATE OR REPLACE FUNCTION run_partition_maintenance(p_dry_run boolean DEFAULT false)
RETURNS TABLE (parent_table text, action text, partition_name text, detail text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_policy record;
    v_parent regclass;
    v_year integer;
BEGIN
    FOR v_policy IN
        SELECT pp.parent_table AS name, pp.months_ahead, pp.retention_months, pp.rule_id
        FROM partition_policies pp ORDER BY pp.parent_table
    LOOP
        v_parent := to_regclass(quote_ident(v_policy.name));
        IF v_parent IS NULL THEN
            RAISE EXCEPTION 'run_partition_maintenance: partition_policies names %, which is not a table on the search_path',
                v_policy.name USING ERRCODE = 'undefined_table';
        END IF;
        RETURN QUERY
            SELECT v_policy.name::text, m.action, m.partition_name, m.detail || format(' [%s]', v_policy.rule_id)
            FROM maintain_partitions(v_parent, v_policy.months_ahead, v_policy.retention_months, p_dry_run) AS m;
    END LOOP;
    -- QUO-003: quote numbers of this year and the next come from sequences created here, ahead,
    -- so that no quote insert waits for one to be created.
    FOR v_year IN SELECT EXTRACT(year FROM now() AT TIME ZONE 'UTC')::integer + ahead FROM generate_series(0, 1) AS ahead LOOP
        IF to_regclass('public.quote_number_seq_' || lpad(v_year::text, 4, '0')) IS NULL THEN
            IF NOT p_dry_run THEN
                PERFORM public.quote_number_sequence(v_year, 0);
            END IF;
            parent_table := 'quotes';
            action := 'create';
            partition_name := 'quote_number_seq_' || lpad(v_year::text, 4, '0');
            detail := format('sequence of the quote numbers of %s [QUO-003]', v_year);
            RETURN NEXT;
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION run_partition_maintenance(boolean) IS
    'SEC-014, SEC-016: runs maintain_partitions() for each row of partition_policies (look-ahead and retention per table, with the rule id that sets them); QUO-003: creates the quote number sequences of this year and the next. Called by `schema partitions maintain [--dry-run]`; safe to run repeatedly and concurrently.';
"""

# Revision 004's maintenance, restored by the downgrade exactly as 004's frozen SQL created it.
PARTITIONS_ONLY_MAINTENANCE_FUNCTION = """
CREATE OR REPLACE FUNCTION run_partition_maintenance(p_dry_run boolean DEFAULT false)
RETURNS TABLE (parent_table text, action text, partition_name text, detail text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_policy record;
    v_parent regclass;
BEGIN
    FOR v_policy IN
        SELECT pp.parent_table AS name, pp.months_ahead, pp.retention_months, pp.rule_id
        FROM partition_policies pp ORDER BY pp.parent_table
    LOOP
        v_parent := to_regclass(quote_ident(v_policy.name));
        IF v_parent IS NULL THEN
            RAISE EXCEPTION 'run_partition_maintenance: partition_policies names %, which is not a table on the search_path',
                v_policy.name USING ERRCODE = 'undefined_table';
        END IF;
        RETURN QUERY
            SELECT v_policy.name::text, m.action, m.partition_name, m.detail || format(' [%s]', v_policy.rule_id)
            FROM maintain_partitions(v_parent, v_policy.months_ahead, v_policy.retention_months, p_dry_run) AS m;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION run_partition_maintenance(boolean) IS
    'SEC-014, SEC-016: runs maintain_partitions() for each row of partition_policies (look-ahead and retention per table, '
    'with the rule id that sets them). Called by `schema partitions maintain [--dry-run]`; safe to run repeatedly and concurrently.';
"""

# The years that need a sequence at the upgrade: every year of a counter row, every year in the
# range of existing quote numbers (min/max are two probes of uq_quotes_quote_number), this year and
# the next. Each sequence continues after the counter's value and the year's highest number (the
# function takes the greater). One statement, so the offline SQL script does what the online run does.
CREATE_YEAR_SEQUENCES = """
SELECT y.year, quote_number_sequence(y.year, coalesce(c.last_value, 0)) AS sequence
FROM (
    SELECT year FROM quote_number_counters
    UNION
    SELECT generate_series(substr(r.lowest, 6, 4)::integer, substr(r.highest, 6, 4)::integer)
    FROM (SELECT min(quote_number) AS lowest, max(quote_number) AS highest FROM quotes) r
    UNION
    SELECT EXTRACT(year FROM now() AT TIME ZONE 'UTC')::integer + ahead FROM generate_series(0, 1) AS ahead
) y
LEFT JOIN quote_number_counters c ON c.year = y.year
WHERE y.year IS NOT NULL
ORDER BY y.year
"""

# The counter is read-only from 012 on (profile "reference"); the downgrade gives app_rw its writes back.
COUNTER_GRANT = Step(
    "REVOKE INSERT, UPDATE ON quote_number_counters FROM app_rw", "GRANT INSERT, UPDATE ON quote_number_counters TO app_rw"
)

COMMENTS: tuple[Comment, ...] = (
    Comment(
        "TABLE quote_number_counters",
        "QUO-003: the last quote number the per-year counter had issued when revision 012 moved numbering to the "
        "sequences quote_number_seq_YYYY; no longer written (read-only for every role), kept for the downgrade to 011.",
        "QUO-003: the last quote number issued per calendar year (UTC); one row per year, "
        "row-locked by each quote insert so numbers are gap-free per committed order and never reused.",
    ),
    Comment(
        "INDEX pk_quote_number_counters",
        "pattern: the counter row of one year (read by an operator; written only by the downgrade to 011) (QUO-003)",
        "pattern: the counter row of one year, locked by each quote insert (QUO-003)",
    ),
    Comment(
        "TRIGGER trg_quotes_assign_quote_number ON quotes",
        "QUO-003: issues the quote number from the year's sequence quote_number_seq_YYYY when the caller left the "
        "template default; moves it past an imported number.",
        "QUO-003: issues the quote number from quote_number_counters when the caller left the template default.",
    ),
)

# The downgrade: every year's sequence with the last value it issued (a sequence never called has
# issued up to its start - 1), and every year in the range of quotes; the counter row of each becomes
# LEAST(999999, GREATEST(issued, highest number of the year, the row's own value)).
YEAR_SEQUENCES = """
SELECT substr(c.relname, 18)::integer AS year, c.relname AS name,
       coalesce(pg_sequence_last_value(c.oid), s.seqstart - 1) AS issued
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relname ~ '^quote_number_seq_[0-9]{4}$'
"""
COUNTERS_FROM_SEQUENCES = f"""
INSERT INTO quote_number_counters AS c (year, last_value)
SELECT y.year, LEAST(999999, GREATEST(coalesce(sq.issued, 0), coalesce(substr(h.highest, 11, 6)::integer, 0)))
FROM (
    SELECT year FROM ({YEAR_SEQUENCES}) known
    UNION
    SELECT generate_series(substr(r.lowest, 6, 4)::integer, substr(r.highest, 6, 4)::integer)
    FROM (SELECT min(quote_number) AS lowest, max(quote_number) AS highest FROM quotes) r
) y
LEFT JOIN ({YEAR_SEQUENCES}) sq ON sq.year = y.year
CROSS JOIN LATERAL (
    SELECT max(q.quote_number) AS highest FROM quotes q
    WHERE q.quote_number BETWEEN 'QUOT-' || lpad(y.year::text, 4, '0') || '-000000'
                             AND 'QUOT-' || lpad(y.year::text, 4, '0') || '-999999'
) h
WHERE y.year IS NOT NULL AND GREATEST(coalesce(sq.issued, 0), coalesce(substr(h.highest, 11, 6)::integer, 0)) > 0
ON CONFLICT (year) DO UPDATE SET last_value = GREATEST(c.last_value, EXCLUDED.last_value)
"""
# A DO block (names known only to the server), so the offline script drops them too.
DROP_YEAR_SEQUENCES = f"""
DO $drop$
DECLARE
    v_sequence record;
BEGIN
    FOR v_sequence IN {YEAR_SEQUENCES} LOOP
        EXECUTE format('DROP SEQUENCE public.%I', v_sequence.name);
    END LOOP;
END
$drop$
"""
DROP_SEQUENCE_FUNCTION = "DROP FUNCTION quote_number_sequence(integer, integer)"


def _comment(target: str, text: str) -> str:
    """COMMENT ON ``target`` with ``text`` as a SQL literal (quotes doubled), online and offline alike."""
    return f"COMMENT ON {target} IS {sa.literal(text).compile(compile_kwargs={'literal_binds': True})}"


def upgrade() -> None:
    op.execute(LOCK)
    op.execute(QUOTE_NUMBER_SEQUENCE_FUNCTION)
    op.execute(CREATE_YEAR_SEQUENCES)
    op.execute(ASSIGN_QUOTE_NUMBER_FUNCTION)
    op.execute(MAINTENANCE_FUNCTION)
    op.execute(COUNTER_GRANT.upgrade)
    for comment in COMMENTS:
        op.execute(_comment(comment.target, comment.upgrade))


def downgrade() -> None:
    op.execute(LOCK)
    for comment in reversed(COMMENTS):
        op.execute(_comment(comment.target, comment.downgrade))
    op.execute(COUNTER_GRANT.downgrade)
    op.execute(PARTITIONS_ONLY_MAINTENANCE_FUNCTION)
    op.execute(COUNTER_ASSIGN_QUOTE_NUMBER_FUNCTION)
    op.execute(COUNTERS_FROM_SEQUENCES)
    op.execute(DROP_YEAR_SEQUENCES)
    op.execute(DROP_SEQUENCE_FUNCTION)
