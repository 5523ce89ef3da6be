-- quotes of one version (:version). Version 1: originals, drawn by pg_temp.quote_plan (shared with
-- policies.sql: a bound original carries the id of the policy made from it). Version v > 1: a
-- requote of a random quote of version v - 1 (same customer, product and address), 1-10 days
-- later, never bound (the generated policies come from originals).
-- Statuses follow the clock: a quote younger than its 30-day validity is draft, calculating,
-- quoted, bound or declined; an older one is expired, bound or declined. What the row holds follows
-- the status (QUO-004/005/008/009): drafts may lack risk data, priced quotes carry premiums and
-- the rating result, declined ones their reasons. quote_number is left to the database (QUO-003).
-- A bound original agrees with the policy made from it (QUO-016): its effective date, and its
-- total premium is the policy's premium for the term; the monthly installment is the total over
-- the term's months (auto 6, home and renters 12). These are historical rows: the generator
-- declares app.historical_import (QUO-021) for this statement, so created_at and the recorded
-- status are kept; bound ones were bound (updated_at) well inside their 30-day offer (QUO-015).
-- Priced quotes obey their state's rules (state_rating_rules, RAT-020): see the join "law" below.
INSERT INTO quotes (id, customer_id, status, product_type, state, zip_code, effective_date,
                    base_premium, total_premium, monthly_premium, vehicle_info, property_info, drivers,
                    coverage_selections, discounts_applied, surcharges_applied, rating_factors,
                    ai_risk_score, ai_risk_factors, conversion_probability, version, parent_quote_id,
                    expires_at, converted_to_policy_id, declined_reasons, created_at, updated_at, created_by, updated_by)
SELECT id, customer_id, status, product_type, pg_temp.state_code(s), pg_temp.customer_zip(customer_k, s), effective_date,
       CASE WHEN priced THEN base_premium END,
       CASE WHEN priced THEN total_premium END,
       CASE WHEN priced THEN round(total_premium / CASE product_type WHEN 'auto' THEN 6 ELSE 12 END, 2) END,
       CASE WHEN product_type = 'auto' AND has_risk THEN
           jsonb_build_object('year', pg_temp.between(pg_temp.u(salt || '.vy', g), 2008, 2025),
                              'make', (ARRAY['Toyota', 'Honda', 'Ford', 'Chevrolet', 'Tesla', 'Nissan', 'Subaru', 'Hyundai'])[1 + floor(8 * pg_temp.u(salt || '.mk', g))::int],
                              'use', (ARRAY['commute', 'pleasure', 'business'])[1 + floor(3 * pg_temp.u(salt || '.use', g))::int],
                              'annual_miles', pg_temp.between(pg_temp.u(salt || '.mi', g), 4, 20) * 1000) END,
       CASE WHEN product_type <> 'auto' AND has_risk THEN
           jsonb_build_object('year_built', pg_temp.between(pg_temp.u(salt || '.yb', g), 1925, 2024),
                              'construction', (ARRAY['frame', 'masonry', 'superior'])[1 + floor(3 * pg_temp.u(salt || '.cn', g))::int],
                              'square_feet', pg_temp.between(pg_temp.u(salt || '.sf', g), 6, 40) * 100,
                              'protection_class', pg_temp.between(pg_temp.u(salt || '.pc', g), 1, 10)) END,
       CASE WHEN product_type = 'auto' AND has_risk THEN
           jsonb_build_array(jsonb_build_object('age', pg_temp.between(pg_temp.u(salt || '.age', g), 17, 82),
                                                'years_licensed', pg_temp.between(pg_temp.u(salt || '.lic', g), 0, 40),
                                                'violations', floor(-ln(1 - pg_temp.u(salt || '.vio', g)) * 0.4)::int)) END,
       CASE WHEN has_risk THEN jsonb_build_object('coverages', coverages || law.mandated) END,
       CASE WHEN rated THEN CASE WHEN pg_temp.u(salt || '.disc', g) < 0.55
                                 THEN jsonb_build_array(jsonb_build_object('code', (ARRAY['MULTI_POLICY', 'PAPERLESS', 'PAID_IN_FULL', 'HOME_OWNER'])[1 + floor(4 * pg_temp.u(salt || '.dc', g))::int], 'percent', 5))
                                 ELSE '[]'::jsonb END END,
       CASE WHEN rated THEN CASE WHEN pg_temp.u(salt || '.sur', g) < 0.15
                                 THEN jsonb_build_array(jsonb_build_object('code', 'AT_FAULT_ACCIDENT', 'percent', 20))
                                 ELSE '[]'::jsonb END END,
       CASE WHEN rated THEN jsonb_build_object('territory', round((0.8 + 0.5 * pg_temp.u(salt || '.tf', g))::numeric, 3),
                                               'state', pg_temp.state_factor(s))
                            || CASE WHEN law.credit_banned THEN '{}'::jsonb
                                    ELSE jsonb_build_object('credit_tier', pg_temp.between(pg_temp.u(salt || '.tier', g), 1, 5)) END END,
       CASE WHEN scored THEN risk END,
       CASE WHEN scored AND pg_temp.u(salt || '.why', g) < 0.8
            THEN jsonb_build_object('prior_claims', round((risk * 0.4)::numeric, 2), 'territory', round((risk * 0.35)::numeric, 2),
                                    'credit_proxy', round((risk * 0.25)::numeric, 2)) END,
       CASE WHEN scored THEN round((0.05 + 0.6 * pg_temp.u(salt || '.conv', g))::numeric, 2) END,
       :version, parent_id,
       created_at + interval '30 days',
       CASE WHEN status = 'bound' THEN pg_temp.uid('policies', g) END,
       CASE WHEN status = 'declined'
            THEN jsonb_build_array((ARRAY['prior_losses_exceed_guidelines', 'vehicle_not_eligible', 'coastal_wind_moratorium',
                                          'incomplete_underwriting_information', 'driver_license_suspended'])[1 + floor(5 * pg_temp.u(salt || '.decl', g))::int]) END,
       created_at,
       created_at + CASE WHEN status IN ('draft', 'calculating') THEN interval '0' ELSE make_interval(mins => pg_temp.between(pg_temp.u(salt || '.upd', g), 1, 2880)::int) END,
       creator, CASE WHEN pg_temp.u(salt || '.ub', g) < 0.8 THEN creator ELSE pg_temp.user_id(salt || '.ub2', g) END
FROM (
    SELECT g, salt, id, customer_id, customer_k, s, product_type, created_at, status, parent_id, base_premium,
           pg_temp.coverages(product_type, g) AS coverages,  -- read twice below: computed once
           coalesce(policy_premium, round(base_premium * (0.85 + 0.25 * pg_temp.u(salt || '.adj', g))::numeric, 2)) AS total_premium,
           coalesce(policy_effective,
                    (created_at AT TIME ZONE 'UTC')::date + pg_temp.between(pg_temp.u(salt || '.eff', g), 3, 45)::int) AS effective_date,
           status IN ('quoted', 'bound', 'expired') AS priced,
           status IN ('quoted', 'bound', 'expired') AS rated,
           status NOT IN ('draft') OR pg_temp.u(salt || '.dr', g) < 0.5 AS has_risk,
           status <> 'draft' AND pg_temp.u(salt || '.sc', g) < 0.85 AS scored,
           round(least(0.99, greatest(0.01, 0.3 + 0.15 * pg_temp.normal(salt || '.risk', g)))::numeric, 2) AS risk,
           CASE WHEN pg_temp.u(salt || '.online', g) < 0.35 THEN pg_temp.uid('users', 1) ELSE pg_temp.user_id(salt || '.cb', g) END AS creator
    FROM (
        SELECT g, 'quotes.v' || :version AS salt,
               pg_temp.uid('quotes.v' || :version, g) AS id,
               CASE WHEN :version = 1 THEN pg_temp.uid('customers', qp.customer_k) ELSE parent.customer_id END AS customer_id,
               pc.k AS customer_k, pg_temp.state_index(pc.k) AS s,
               CASE WHEN :version = 1 THEN qp.product_type ELSE parent.product_type END AS product_type,
               c.created_at,
               CASE WHEN :version = 1 THEN qp.status
                    WHEN c.created_at > pg_temp.as_of() - interval '30 days'
                    THEN pg_temp.pick(pg_temp.u('quotes.v' || :version || '.status', g), ARRAY['draft', 'calculating', 'quoted', 'declined'], ARRAY[0, 15, 25, 90])
                    ELSE pg_temp.pick(pg_temp.u('quotes.v' || :version || '.status', g), ARRAY['expired', 'declined'], ARRAY[0, 88]) END AS status,
               parent.id AS parent_id,
               pol.effective_date AS policy_effective, pol.premium_amount AS policy_premium,
               CASE WHEN :version = 1 THEN qp.base_premium
                    ELSE round(coalesce(parent.base_premium, qp.base_premium) * (0.9 + 0.15 * pg_temp.u('quotes.v' || :version || '.re', g))::numeric, 2) END AS base_premium
        FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
        CROSS JOIN LATERAL pg_temp.quote_plan(CASE WHEN :version = 1 THEN g ELSE -g END) AS qp
        LEFT JOIN policies AS pol ON :version = 1 AND qp.status = 'bound' AND pol.id = pg_temp.uid('policies', g)
        LEFT JOIN quotes AS parent
               ON :version > 1
              AND parent.id = pg_temp.uid('quotes.v' || (:version - 1), pg_temp.between(pg_temp.u('quotes.v' || :version || '.parent', g), 1, :parents))
        CROSS JOIN LATERAL (SELECT CASE WHEN :version = 1 THEN qp.customer_k
                                        ELSE substr(c2.customer_number, 6)::bigint END AS k
                            FROM (SELECT NULL) AS one
                            LEFT JOIN customers AS c2 ON :version > 1 AND c2.id = parent.customer_id) AS pc
        CROSS JOIN LATERAL (SELECT CASE WHEN :version = 1 THEN qp.created_at
                                        ELSE least(pg_temp.as_of() - interval '1 minute',
                                                   parent.created_at + make_interval(hours => pg_temp.between(pg_temp.u('quotes.v' || :version || '.gap', g), 20, 240)::int)) END AS created_at) AS c
        OFFSET 0  -- computed once a row (see _session.sql: OFFSET 0)
    ) AS plan
    OFFSET 0
) AS q
-- The state's law, read from state_rating_rules as the triggers read it (RAT-020): no credit tier
-- where the state bans credit for the product; every mandated coverage the generated set lacks.
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM state_rating_rules AS r
                   WHERE r.state = pg_temp.state_code(q.s) AND r.product_type = q.product_type AND r.kind = 'banned_factor'
                     AND 'credit_tier' ~* (r.parameters ->> 'key_pattern')) AS credit_banned,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('type', c.coverage, 'limit', 50000, 'deductible', 0) ORDER BY c.coverage), '[]'::jsonb)
            FROM state_rating_rules AS r
            CROSS JOIN LATERAL jsonb_array_elements_text(r.parameters -> 'coverages') AS c (coverage)
            WHERE r.state = pg_temp.state_code(q.s) AND r.product_type = q.product_type AND r.kind = 'mandatory_coverage'
              AND NOT q.coverages @> jsonb_build_array(jsonb_build_object('type', c.coverage))) AS mandated
) AS law
ORDER BY created_at
