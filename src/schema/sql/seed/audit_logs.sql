-- audit_logs: SOC 2 trail over 24 months (pg_temp.spread_time: bursty, business hours, in time order; rows 1-24
-- one per month so the partitions exist before the bulk arrives). Mostly API calls of staff
-- (quote, policy, claim, customer actions), logins and failed logins (some of unknown accounts,
-- user_id NULL), and scheduled jobs without an HTTP request.
INSERT INTO audit_logs (id, user_id, ip_address, user_agent, session_id, action, resource_type, resource_id,
                        request_method, request_path, request_body, response_status, response_time_ms,
                        risk_score, security_alerts, created_at)
SELECT pg_temp.uid('audit_logs', g),
       CASE WHEN kind = 'job' OR (kind = 'login' AND pg_temp.u('audit.unknown', g) < 0.1) THEN NULL ELSE pg_temp.user_id('audit.user', g) END,
       CASE WHEN kind <> 'job' THEN pg_temp.client_ip('audit.ip', g) END,
       CASE WHEN kind <> 'job' THEN pg_temp.user_agent('audit.ua', g) END,
       CASE WHEN kind = 'api' THEN pg_temp.uid('sessions', g / 40) END,
       action, resource, CASE WHEN kind = 'api' THEN pg_temp.uid(resource, g) END,
       method, path,
       CASE WHEN method IN ('POST', 'PUT', 'PATCH') THEN jsonb_build_object('fields', pg_temp.between(pg_temp.u('audit.fields', g), 1, 12), 'password', '[REDACTED]') END,
       CASE WHEN method IS NOT NULL THEN status END,
       CASE WHEN method IS NOT NULL THEN least(30000, round(pg_temp.lognormal('audit.ms', g, 85, 0.8)))::int END,
       CASE WHEN kind <> 'job' THEN risk END,
       CASE WHEN kind <> 'job' THEN CASE WHEN risk > 0.7 THEN '["unusual_location", "velocity"]'::jsonb ELSE '[]'::jsonb END END,
       ts.at
-- Rows in time order: sorted here, on (g, at) only, and every other column computed after.
FROM (SELECT g, pg_temp.spread_time('audit.at', g, CAST(:total AS bigint)) AS at
      FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g ORDER BY at) AS ts
CROSS JOIN LATERAL (SELECT pg_temp.pick(pg_temp.u('audit.kind', g), ARRAY['api', 'login', 'job'], ARRAY[0, 78, 97]) AS kind,
                           pg_temp.u('audit.op', g) AS op,
                           round(least(1, greatest(0, 0.12 + 0.15 * pg_temp.normal('audit.risk', g)))::numeric, 2) AS risk OFFSET 0) AS k
CROSS JOIN LATERAL (SELECT CASE kind WHEN 'job' THEN (ARRAY['rate_table.refresh', 'quote.expire_batch', 'report.export'])[1 + floor(3 * op)::int]
                                     WHEN 'login' THEN CASE WHEN op < 0.88 THEN 'user.login' ELSE 'user.login_failed' END
                                     ELSE (ARRAY['quote.create', 'quote.update', 'quote.read', 'policy.bind', 'policy.read',
                                                 'claim.submit', 'claim.update', 'customer.update'])[1 + floor(8 * op)::int] END AS action,
                           CASE kind WHEN 'job' THEN (ARRAY['rate_tables', 'quotes', 'reports'])[1 + floor(3 * op)::int]
                                     WHEN 'login' THEN 'users'
                                     ELSE (ARRAY['quotes', 'quotes', 'quotes', 'policies', 'policies', 'claims', 'claims', 'customers'])[1 + floor(8 * op)::int] END AS resource OFFSET 0) AS a
CROSS JOIN LATERAL (SELECT CASE WHEN kind = 'job' THEN NULL WHEN kind = 'login' THEN 'POST'
                                WHEN action LIKE '%.read' THEN 'GET' WHEN action LIKE '%.update' THEN 'PATCH' ELSE 'POST' END AS method,
                           CASE WHEN kind = 'job' THEN NULL WHEN kind = 'login' THEN '/api/v1/auth/login'
                                ELSE '/api/v1/' || resource || CASE WHEN action LIKE '%.create' OR action LIKE '%.submit' THEN '' ELSE '/{id}' END END AS path,
                           CASE WHEN action = 'user.login_failed' THEN 401
                                WHEN pg_temp.u('audit.err', g) < 0.02 THEN 500
                                WHEN pg_temp.u('audit.err', g) < 0.06 THEN 422
                                WHEN action LIKE '%.create' OR action LIKE '%.submit' THEN 201 ELSE 200 END AS status OFFSET 0) AS m
