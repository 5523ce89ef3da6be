-- admin_rate_approvals: rate changes submitted by one admin and decided by another (ADM-020), by
-- the right roles: submitters are active holders of rate_tables:write (rate_analyst, rate_approver
-- through it, super_admin; ADM-023), deciders active holders of rate_tables:approve (rate_approver,
-- super_admin; ADM-022), found through the role tree as the trigger finds them.
-- Approval g is for rate row 1 + (g - 1) % n (n rate rows) in round (g - 1) / n; rounds follow
-- each other in time. Only a rate's last submission may be pending or approved (ADM-024, RAT-015:
-- an approved rate takes no new submission); earlier rounds were rejected and superseded. The
-- last three approvals are one of each status; the others of the last round are mostly approved,
-- recent ones pending.
INSERT INTO admin_rate_approvals (id, rate_table_id, submitted_by, submitted_at, approved_by, approved_at, rejected_by,
                                  rejected_at, rejection_reason, changes_summary, effective_date, status)
WITH RECURSIVE chain (role_id, ancestor) AS (
    SELECT id, id FROM admin_roles
    UNION ALL
    SELECT c.role_id, r.parent_role_id FROM chain AS c JOIN admin_roles AS r ON r.id = c.ancestor WHERE r.parent_role_id IS NOT NULL
), holders AS (
    SELECT DISTINCT u.id, p.action
    FROM admin_users AS u
    JOIN chain AS c ON c.role_id = u.role_id
    JOIN admin_role_permissions AS rp ON rp.role_id = c.ancestor
    JOIN admin_permissions AS p ON p.id = rp.permission_id AND p.resource = 'rate_tables' AND p.action IN ('write', 'approve')
    WHERE u.deactivated_at IS NULL
), ranked AS (
    SELECT id, action, row_number() OVER (PARTITION BY action ORDER BY id) AS k, count(*) OVER (PARTITION BY action) AS n
    FROM holders
), rates AS (
    SELECT id, base_rate, row_number() OVER (ORDER BY state, product_type, coverage_type, effective_date) AS k,
           count(*) OVER () AS n
    FROM rate_tables
)
SELECT pg_temp.uid('admin_rate_approvals', g), rt.id, submitter.id, submitted,
       CASE WHEN status = 'approved' THEN decider.id END,
       CASE WHEN status = 'approved' THEN decided END,
       CASE WHEN status = 'rejected' THEN decider.id END,
       CASE WHEN status = 'rejected' THEN decided END,
       CASE WHEN status = 'rejected' THEN CASE WHEN NOT last THEN 'Superseded by a later submission for the same rate.'
                                                ELSE (ARRAY['Indication not supported by loss data.', 'Territory change exceeds the filed cap.',
                                                            'Missing actuarial memorandum.'])[1 + floor(3 * pg_temp.u('ara.why', g))::int] END END,
       jsonb_build_object('field', 'base_rate', 'old', rt.base_rate,
                          'new', round(rt.base_rate * (0.95 + 0.12 * pg_temp.u('ara.change', g))::numeric, 6)),
       (submitted AT TIME ZONE 'UTC')::date + 30,
       status
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT count(*) AS n FROM rate_tables) AS total_rates
CROSS JOIN LATERAL (SELECT 1 + (g - 1) % total_rates.n AS rate_k, (g - 1) / total_rates.n AS round,
                           ceil(CAST(:total AS numeric) / total_rates.n)::bigint AS rounds,
                           g + total_rates.n > :total AS last) AS plan
CROSS JOIN LATERAL (SELECT pg_temp.as_of()
                           - make_interval(secs => (plan.rounds - plan.round - 0.9 * pg_temp.u('ara.at', g)) * 700 * 86400 / plan.rounds)
                           AS submitted) AS s
CROSS JOIN LATERAL (SELECT least(pg_temp.as_of() - interval '1 minute',
                                 submitted + make_interval(hours => pg_temp.between(pg_temp.u('ara.wait', g), 2, 120)::int)) AS decided,
                           CASE WHEN NOT plan.last THEN 'rejected'
                                WHEN g > :total - 3 THEN (ARRAY['pending', 'approved', 'rejected'])[CAST(:total - g + 1 AS int)]
                                WHEN submitted > pg_temp.as_of() - interval '10 days' THEN 'pending'
                                ELSE pg_temp.pick(pg_temp.u('ara.status', g), ARRAY['approved', 'rejected', 'pending'], ARRAY[0, 75, 95]) END AS status) AS d
JOIN rates AS rt ON rt.k = plan.rate_k
JOIN ranked AS submitter ON submitter.action = 'write'
 AND submitter.k = pg_temp.between(pg_temp.u('ara.by', g), 1, submitter.n)
JOIN ranked AS decider ON decider.action = 'approve'
 AND decider.k = CASE WHEN pg_temp.between(pg_temp.u('ara.decider', g), 1, decider.n) = (SELECT k FROM ranked AS me WHERE me.action = 'approve' AND me.id = submitter.id)
                      THEN pg_temp.between(pg_temp.u('ara.decider', g), 1, decider.n) % decider.n + 1
                      ELSE pg_temp.between(pg_temp.u('ara.decider', g), 1, decider.n) END
