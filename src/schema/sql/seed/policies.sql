-- policies: one per bound original quote (the policy that quote became), numbered by the quote it
-- came from, effective 1-21 days after the quote, a year (auto: six months) long; status follows
-- the calendar: pending before the effective date, expired after the term, otherwise active or
-- (8%) cancelled part-way.
INSERT INTO policies (id, policy_number, customer_id, product_type, state, status, effective_date, expiration_date,
                      premium_amount, coverage_data, cancelled_at, created_at, updated_at)
SELECT pg_temp.uid('policies', g),
       'POL-' || to_char(eff, 'YYYY') || '-' || lpad(g::text, 6, '0'),
       pg_temp.uid('customers', qp.customer_k),
       qp.product_type, pg_temp.state_code(s), policy_status, eff, exp,
       round(qp.base_premium * 0.93, 2),
       jsonb_build_object('state', pg_temp.state_code(s), 'effective_date', to_char(eff, 'YYYY-MM-DD'),
                          'expiration_date', to_char(exp, 'YYYY-MM-DD'),
                          'coverages', pg_temp.coverages(qp.product_type, g)),
       CASE WHEN policy_status = 'cancelled' THEN cancel_at END,
       qp.created_at + interval '2 hours',
       CASE WHEN policy_status = 'cancelled' THEN cancel_at ELSE qp.created_at + interval '2 hours' END
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL pg_temp.quote_plan(g) AS qp
CROSS JOIN LATERAL (SELECT pg_temp.state_index(qp.customer_k) AS s,
                           (qp.created_at AT TIME ZONE 'UTC')::date + pg_temp.between(pg_temp.u('policies.lead', g), 1, 21)::int AS eff OFFSET 0) AS e
CROSS JOIN LATERAL (SELECT CASE WHEN qp.product_type = 'auto' THEN (eff + interval '6 months')::date
                                ELSE (eff + interval '1 year')::date END AS exp OFFSET 0) AS x
CROSS JOIN LATERAL (SELECT CASE WHEN eff::timestamptz > pg_temp.as_of() THEN 'pending'
                                WHEN exp::timestamptz <= pg_temp.as_of() THEN 'expired'
                                WHEN pg_temp.u('policies.cancelled', g) < 0.08 THEN 'cancelled'
                                ELSE 'active' END AS policy_status,
                           least(pg_temp.as_of() - interval '1 hour',
                                 eff::timestamptz + (exp - eff) * pg_temp.u('policies.cancel_at', g) * interval '1 day') AS cancel_at OFFSET 0) AS st
WHERE qp.status = 'bound'
