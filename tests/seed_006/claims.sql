-- claims: against policies in force before as_of (seed_policies, built after policies load),
-- loss during the term, reported 0-14 days later; severity log-normal by line; status by age:
-- recent claims are open, older ones settled (approved, paid, closed) or denied.
INSERT INTO claims (id, claim_number, policy_id, status, loss_date, reported_at, description,
                    claimed_amount, approved_amount, created_at, updated_at)
SELECT pg_temp.uid('claims', g),
       'CLM-' || to_char(reported AT TIME ZONE 'UTC', 'YYYY') || '-' || lpad(g::text, 6, '0'),
       p.id, status, loss, reported,
       (ARRAY['Rear-ended at a stop light.', 'Hail damage to roof and vehicle.', 'Water leak from a burst pipe.',
              'Theft of personal property from the residence.', 'Collision with a deer on a rural road.',
              'Kitchen fire contained to the stove area.', 'Windshield cracked by road debris.',
              'Side-swiped while parked overnight.', 'Wind damage to fence and siding.'])[1 + floor(9 * pg_temp.u('claims.what', g))::int],
       claimed,
       CASE WHEN status IN ('approved', 'paid', 'closed') THEN round(claimed * (0.6 + 0.4 * pg_temp.u('claims.approved', g))::numeric, 2) END,
       reported, reported + make_interval(days => CASE WHEN status IN ('submitted') THEN 0 ELSE pg_temp.between(pg_temp.u('claims.work', g), 1, 40)::int END)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
JOIN seed_policies AS p ON p.k = pg_temp.between(pg_temp.u('claims.policy', g), 1, :policies)
CROSS JOIN LATERAL (SELECT p.effective_date + floor((least(p.expiration_date, (pg_temp.as_of() AT TIME ZONE 'UTC')::date - 2) - p.effective_date)
                                                    * pg_temp.u('claims.loss', g))::int AS loss) AS l
CROSS JOIN LATERAL (SELECT least(pg_temp.as_of() - interval '1 hour',
                                 (loss + pg_temp.between(pg_temp.u('claims.lag', g), 0, 14)::int)::timestamp AT TIME ZONE 'America/Chicago'
                                 + make_interval(hours => pg_temp.between(pg_temp.u('claims.hour', g), 8, 19)::int)) AS reported,
                           pg_temp.lognormal('claims.amount', g, CASE p.product_type WHEN 'auto' THEN 3800 WHEN 'home' THEN 9500 ELSE 2200 END, 0.9) AS claimed) AS r
CROSS JOIN LATERAL (SELECT CASE WHEN reported > pg_temp.as_of() - interval '21 days'
                                THEN pg_temp.pick(pg_temp.u('claims.status', g), ARRAY['submitted', 'under_review', 'approved'], ARRAY[0, 45, 85])
                                ELSE pg_temp.pick(pg_temp.u('claims.status', g), ARRAY['under_review', 'approved', 'denied', 'paid', 'closed'], ARRAY[0, 6, 16, 30, 75]) END AS status) AS st
