-- Reviewed remediation of revision 009 (rating governance), rule RAT-020: "priced quotes obey
-- their state's rules". Revision 009 is released and frozen, so its remediation lives here, beside
-- the revisions (alembic/remediation/<revision>_<rule>.sql), not in a REMEDIATION_SQL constant.
--
-- When: revision 009 refused with "RAT-020: revision 009 refused: N existing row(s) break the rule
-- "priced quotes obey their state's rules"". The database is then at 008 (the guard below refuses
-- any other revision). Run it by hand as the owner of the tables, after reading it, then upgrade
-- again:  psql -v ON_ERROR_STOP=1 -f alembic/remediation/009_rat_020.sql  &&  alembic upgrade head
-- It is one transaction (BEGIN ... COMMIT): it either does all of the below or nothing.
--
-- Which rows: the quotes 009's pre-flight query counts, status quoted or bound, whose state has a
-- rule in state_rating_rules that the quote breaks on its effective_date (a banned factor in
-- rating_factors, a mandated coverage missing from coverage_selections, liability below the state
-- minimum). Before 009 runs that table and state_rule_breach_of_quote() do not exist, so this file
-- carries the test itself: pg_temp copies of the rules 009 seeds that judge a quote (every kind but
-- minimum_discount, which judges discount rules) and of the function, text for text but for their
-- names; both are gone when the session ends. In the 006-era data they are New York auto quotes
-- priced without personal injury protection (NY-AUTO-PIP-UM, N.Y. Ins. Law §5103): no-fault
-- coverage a NY auto policy must carry.
--
-- What it does, and why that is the honest business action:
-- * An offer still quoted (not bound) is withdrawn: an offer the law forbids binding must not stay
--   open for the customer to accept. Its status becomes expired (QUO-013 allows quoted -> expired)
--   and its offer period ends now (expires_at brought forward to now(), never extended; an offer
--   whose expires_at already passed keeps it). It is not declined: a decline is the carrier
--   refusing the risk and owes the customer an adverse-action notice with reasons, which would be
--   untrue here; the customer can be re-quoted with the mandated coverage (a requote, version + 1).
-- * A bound quote is terminal (QUO-013: bound never changes status) and its coverage cannot be
--   rewritten to what was not priced, so it is moved aside: the whole row is copied to
--   remediation_009.quotes_moved_aside, then deleted from quotes. The requotes under it (the
--   006-era generator re-quoted bound quotes; those requotes are unbound offers) go with it, whole:
--   a requote keeps its parent (version > 1 has a parent, revision 002), so the version chain moves
--   as one, never re-rooted. A bound requote under it would be a contract of its own: the file then
--   refuses, naming them, for an underwriter's decision, and changes nothing. The policy a moved
--   quote produced is the contract the customer holds and is not touched; it is listed in
--   remediation_009.policies_for_compliance_review (a compliance officer endorses the mandated
--   coverage or corrects the record, from the policy file). Links that the delete cuts are kept
--   first: analytics events naming a moved quote (their quote_id becomes NULL by the foreign key's
--   ON DELETE SET NULL) in remediation_009.analytics_event_quote_links.
-- * Nothing is deleted without its copy and its audit record, and nothing else changes.
--
-- Audit: one audit_logs row per quote, resource_type quotes, resource_id the quote's id, action
-- quote.offer_withdrawn_rat_020 (a withdrawn offer), quote.moved_aside_rat_020 (a moved quote that
-- broke the rule: with the withdrawn offers, as many as 009 refused) or
-- quote.moved_aside_with_chain_rat_020 (a requote moved with the chain it belongs to);
-- remediation_009.quotes_breaking_state_rules lists every quote 009's test finds, with the breach,
-- the status and expires_at it had and the action taken. At 008 audit_logs takes rows without an
-- acting identity (revision 010 adds that rule for new rows), as the remediations of 007 and 008.
BEGIN;

DO $guard$
DECLARE
    at text := (SELECT version_num FROM alembic_version);
BEGIN
    IF at IS DISTINCT FROM '008' THEN
        RAISE EXCEPTION 'remediation 009_rat_020 is for a database at revision 008 (refused by 009), this one is at %', at
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$guard$;

-- The rule test of revision 009, carried here (see the header).
CREATE TEMPORARY TABLE state_rating_rules_009 (
    rule_id varchar(40) PRIMARY KEY,
    state varchar(2) NOT NULL,
    product_type varchar(20) NOT NULL,
    kind varchar(30) NOT NULL,
    parameters jsonb NOT NULL,
    citation text NOT NULL,
    effective_from date NOT NULL,
    effective_to date  -- NULL: in force until repealed (as in 009)
) ON COMMIT DROP;
INSERT INTO pg_temp.state_rating_rules_009 (rule_id, state, product_type, kind, parameters, citation, effective_from, effective_to) VALUES
    ('CA-AUTO-NO-CREDIT', 'CA', 'auto', 'banned_factor', '{"factor": "credit", "rate_column": "credit_factors", "key_pattern": "^(credit|insurance_score)"}'::jsonb, 'Cal. Ins. Code §1861.02(a) (Proposition 103); 10 CCR §2632.5 (the permitted optional factors exclude credit)', '1989-11-08'::date, NULL::date),
    ('HI-AUTO-NO-CREDIT', 'HI', 'auto', 'banned_factor', '{"factor": "credit", "rate_column": "credit_factors", "key_pattern": "^(credit|insurance_score)"}'::jsonb, 'Haw. Rev. Stat. §431:10C-207 (credit history not a motor vehicle rating factor)', '1998-01-01'::date, NULL::date),
    ('MA-AUTO-NO-CREDIT', 'MA', 'auto', 'banned_factor', '{"factor": "credit", "rate_column": "credit_factors", "key_pattern": "^(credit|insurance_score)"}'::jsonb, '211 CMR 79.00 (managed competition rating: credit information not permitted)', '2008-04-01'::date, NULL::date),
    ('MD-HOME-NO-CREDIT', 'MD', 'home', 'banned_factor', '{"factor": "credit", "rate_column": "credit_factors", "key_pattern": "^(credit|insurance_score)"}'::jsonb, 'Md. Code, Ins. §27-501(e-1) (no credit history in homeowners rating)', '2003-01-01'::date, NULL::date),
    ('CA-AUTO-NO-GENDER', 'CA', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, '10 CCR §2632.5 as amended 2019 (gender removed from the permitted rating factors); Cal. Ins. Code §1861.02', '2019-01-01'::date, NULL::date),
    ('HI-AUTO-NO-GENDER', 'HI', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'Haw. Rev. Stat. §431:10C-207 (sex not a motor vehicle rating factor)', '1998-01-01'::date, NULL::date),
    ('MA-AUTO-NO-GENDER', 'MA', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'Mass. Gen. Laws ch. 175E §4 (sex not a motor vehicle rating classification)', '1977-01-01'::date, NULL::date),
    ('MT-AUTO-NO-GENDER', 'MT', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'Mont. Code Ann. §49-2-309 (no discrimination by sex in insurance rates)', '1985-10-01'::date, NULL::date),
    ('NC-AUTO-NO-GENDER', 'NC', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'N.C. Gen. Stat. §58-36-65 and the Rate Bureau''s classification plan (sex not a classification)', '1977-01-01'::date, NULL::date),
    ('PA-AUTO-NO-GENDER', 'PA', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'Hartford Accident & Indemnity Co. v. Insurance Commissioner, 482 A.2d 542 (Pa. 1984); 40 P.S. §1184', '1984-10-02'::date, NULL::date),
    ('MI-AUTO-NO-GENDER', 'MI', 'auto', 'banned_factor', '{"factor": "gender", "key_pattern": "^(gender|sex|male|female)(_|$)"}'::jsonb, 'Mich. Comp. Laws §500.2111f (2019 no-fault reform: sex not a rating factor)', '2020-07-01'::date, NULL::date),
    ('NY-AUTO-PIP-UM', 'NY', 'auto', 'mandatory_coverage', '{"coverages": ["personal_injury_protection", "uninsured_motorist"]}'::jsonb, 'N.Y. Ins. Law §5103 (mandatory personal injury protection, no-fault) and §3420(f)(1) (uninsured motorist)', '1974-02-01'::date, NULL::date),
    ('CA-AUTO-MIN-LIABILITY', 'CA', 'auto', 'minimum_liability_limits', '{"bodily_injury_per_person": 15000, "bodily_injury_per_accident": 30000, "property_damage": 5000}'::jsonb, 'Cal. Veh. Code §16056 (15/30/5 before SB 1107)', '1967-01-01'::date, '2025-01-01'::date),
    ('CA-AUTO-MIN-LIABILITY-2025', 'CA', 'auto', 'minimum_liability_limits', '{"bodily_injury_per_person": 30000, "bodily_injury_per_accident": 60000, "property_damage": 15000}'::jsonb, 'Cal. Veh. Code §16056 as amended by SB 1107 (2022), 30/60/15 from 2025-01-01', '2025-01-01'::date, NULL::date),
    ('TX-AUTO-MIN-LIABILITY', 'TX', 'auto', 'minimum_liability_limits', '{"bodily_injury_per_person": 30000, "bodily_injury_per_accident": 60000, "property_damage": 25000}'::jsonb, 'Tex. Transp. Code §601.072 (30/60/25)', '2011-01-01'::date, NULL::date),
    ('NY-AUTO-MIN-LIABILITY', 'NY', 'auto', 'minimum_liability_limits', '{"bodily_injury_per_person": 25000, "bodily_injury_per_accident": 50000, "property_damage": 10000}'::jsonb, 'N.Y. Veh. & Traf. Law §311(4); 11 NYCRR 60-1.1 (25/50/10)', '1974-02-01'::date, NULL::date);

-- state_rule_breach_of_quote() of revision 009, reading the copy above.
CREATE FUNCTION pg_temp.state_rule_breach_of_quote_009(q quotes) RETURNS text
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    rule record;
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
        SELECT * FROM pg_temp.state_rating_rules_009 AS s
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

CREATE SCHEMA IF NOT EXISTS remediation_009;
COMMENT ON SCHEMA remediation_009 IS
    'RAT-020: what the reviewed remediation alembic/remediation/009_rat_020.sql moved aside or changed before revision 009, kept for the audit.';

-- The quotes 009 refuses, and the version chains under the bound ones (requotes never bound in the
-- 006-era data; a bound requote would be a contract of its own, see the refusal below).
CREATE TEMPORARY TABLE breaking ON COMMIT DROP AS
SELECT q.id, q.status, q.expires_at, q.converted_to_policy_id, pg_temp.state_rule_breach_of_quote_009(q) AS breach
FROM quotes AS q
WHERE q.status IN ('quoted', 'bound') AND pg_temp.state_rule_breach_of_quote_009(q) IS NOT NULL;
CREATE TEMPORARY TABLE moving ON COMMIT DROP AS
WITH RECURSIVE chain (id, descends_from) AS (
    SELECT b.id, NULL::uuid FROM pg_temp.breaking AS b WHERE b.status = 'bound'
    UNION ALL
    -- QUO-017 (revision 008): version chains are acyclic, so this walk ends.
    SELECT q.id, coalesce(c.descends_from, c.id) FROM quotes AS q JOIN chain AS c ON q.parent_quote_id = c.id
)
SELECT id, descends_from FROM chain;

DO $chains$
DECLARE
    n bigint;
    sample text;
BEGIN
    SELECT count(*), string_agg(q.id::text || ' (under ' || m.descends_from::text || ')', ', ' ORDER BY q.id)
    INTO n, sample
    FROM pg_temp.moving AS m JOIN quotes AS q ON q.id = m.id
    WHERE m.descends_from IS NOT NULL AND q.status = 'bound';
    IF n > 0 THEN
        RAISE EXCEPTION 'RAT-020: remediation 009_rat_020 refused: % bound requote(s) descend from bound quotes it would move aside: %', n, sample
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Each is a contract of its own: an underwriter decides the chain. Nothing was changed.';
    END IF;
END
$chains$;

-- Every quote the rule test finds, with what it was and what is done to it.
CREATE TABLE remediation_009.quotes_breaking_state_rules AS
SELECT b.id AS quote_id, b.status AS status_before, b.expires_at AS expires_at_before,
       b.converted_to_policy_id AS policy_id, b.breach,
       CASE WHEN b.id IN (SELECT id FROM pg_temp.moving) THEN 'moved_aside' ELSE 'offer_withdrawn' END AS action,
       now() AS remediated_at
FROM pg_temp.breaking AS b;
ALTER TABLE remediation_009.quotes_breaking_state_rules ADD PRIMARY KEY (quote_id);
COMMENT ON TABLE remediation_009.quotes_breaking_state_rules IS
    'RAT-020: priced quotes that broke a state rule before revision 009 (breach as 009 words it), and the action taken.';

-- Offers withdrawn: quoted -> expired, the offer period ending now (or when it already ended).
WITH withdrawn AS (
    UPDATE quotes AS q
    SET status = 'expired', expires_at = least(q.expires_at, now())
    FROM remediation_009.quotes_breaking_state_rules AS r
    WHERE r.quote_id = q.id AND r.action = 'offer_withdrawn'
    RETURNING q.id
)
INSERT INTO audit_logs (action, resource_type, resource_id)
SELECT 'quote.offer_withdrawn_rat_020', 'quotes', id FROM withdrawn;

-- Bound quotes moved aside, whole and with their version chains, and the links their delete cuts.
CREATE TABLE remediation_009.quotes_moved_aside (LIKE quotes INCLUDING DEFAULTS);
ALTER TABLE remediation_009.quotes_moved_aside
    ADD COLUMN descends_from uuid,  -- NULL: the bound quote that broke the rule; else the one whose chain this requote is in
    ADD PRIMARY KEY (id);
COMMENT ON TABLE remediation_009.quotes_moved_aside IS
    'RAT-020: bound quotes that broke a state rule before revision 009, and the requotes under them, as they were; moved out of quotes.';
INSERT INTO remediation_009.quotes_moved_aside
SELECT q.*, m.descends_from FROM quotes AS q JOIN pg_temp.moving AS m ON m.id = q.id;

CREATE TABLE remediation_009.analytics_event_quote_links AS
SELECT e.id AS event_id, e.created_at AS event_created_at, e.quote_id
FROM analytics_events AS e JOIN remediation_009.quotes_moved_aside AS m ON m.id = e.quote_id;
COMMENT ON TABLE remediation_009.analytics_event_quote_links IS
    'RAT-020: analytics events that named a quote moved aside (their quote_id is NULL since, by ON DELETE SET NULL).';

-- The policies bound from them stand (the customer's contract); a compliance officer reviews each.
CREATE TABLE remediation_009.policies_for_compliance_review AS
SELECT r.policy_id, r.quote_id, r.breach, r.remediated_at AS listed_at
FROM remediation_009.quotes_breaking_state_rules AS r WHERE r.status_before = 'bound';
ALTER TABLE remediation_009.policies_for_compliance_review ADD PRIMARY KEY (policy_id);
COMMENT ON TABLE remediation_009.policies_for_compliance_review IS
    'RAT-020: policies bound from a quote that broke a state rule; a compliance officer endorses the mandated coverage or corrects the record.';

-- One DELETE for a chain and its root: the version-chain foreign key is satisfied at its end.
WITH moved AS (
    DELETE FROM quotes AS q
    USING remediation_009.quotes_moved_aside AS m
    WHERE m.id = q.id
    RETURNING q.id
)
INSERT INTO audit_logs (action, resource_type, resource_id)
SELECT CASE WHEN moved.id IN (SELECT id FROM pg_temp.breaking) THEN 'quote.moved_aside_rat_020'
            ELSE 'quote.moved_aside_with_chain_rat_020' END,
       'quotes', moved.id
FROM moved;

COMMIT;
