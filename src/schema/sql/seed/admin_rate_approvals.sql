-- admin_rate_approvals: rate changes submitted by one admin and decided by another (ADM-020);
-- the first three rows are one of each status, the rest mostly approved, recent ones pending.
INSERT INTO admin_rate_approvals (id, rate_table_id, submitted_by, submitted_at, approved_by, approved_at, rejected_by,
                                  rejected_at, rejection_reason, changes_summary, effective_date, status)
SELECT pg_temp.uid('admin_rate_approvals', g), rt.id,
       pg_temp.uid('admin_users', submitter),
       submitted,
       CASE WHEN status = 'approved' THEN pg_temp.uid('admin_users', decider) END,
       CASE WHEN status = 'approved' THEN submitted + make_interval(hours => pg_temp.between(pg_temp.u('ara.wait', g), 2, 120)::int) END,
       CASE WHEN status = 'rejected' THEN pg_temp.uid('admin_users', decider) END,
       CASE WHEN status = 'rejected' THEN submitted + make_interval(hours => pg_temp.between(pg_temp.u('ara.wait', g), 2, 120)::int) END,
       CASE WHEN status = 'rejected' THEN (ARRAY['Indication not supported by loss data.', 'Territory change exceeds the filed cap.',
                                                 'Missing actuarial memorandum.'])[1 + floor(3 * pg_temp.u('ara.why', g))::int] END,
       jsonb_build_object('field', 'base_rate', 'old', rt.base_rate,
                          'new', round(rt.base_rate * (0.95 + 0.12 * pg_temp.u('ara.change', g))::numeric, 6)),
       (submitted AT TIME ZONE 'UTC')::date + 30,
       status
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT pg_temp.event_time('ara.at', g) AS submitted,
                           pg_temp.between(pg_temp.u('ara.by', g), 1, :admins) AS submitter) AS s
CROSS JOIN LATERAL (SELECT submitter % :admins + 1 AS decider,
                           CASE WHEN g <= 3 THEN (ARRAY['pending', 'approved', 'rejected'])[g]
                                WHEN submitted > pg_temp.as_of() - interval '10 days' THEN 'pending'
                                ELSE pg_temp.pick(pg_temp.u('ara.status', g), ARRAY['approved', 'rejected', 'pending'], ARRAY[0, 75, 95]) END AS status) AS d
JOIN (SELECT id, base_rate, row_number() OVER (ORDER BY state, product_type, coverage_type, effective_date) AS k FROM rate_tables) AS rt
  ON rt.k = pg_temp.between(pg_temp.u('ara.rate', g), 1, (SELECT count(*) FROM rate_tables))
