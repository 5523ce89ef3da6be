-- admin_activity_logs: what admins did over 24 months (business hours): reads, setting changes,
-- user management, rate decisions, exports; 92% succeed, the rest fail or are refused (ADM-013).
INSERT INTO admin_activity_logs (id, admin_user_id, action, resource_type, resource_id, old_values, new_values,
                                 ip_address, user_agent, request_id, status, error_message, created_at)
SELECT pg_temp.uid('admin_activity_logs', g),
       pg_temp.uid('admin_users', pg_temp.between(pg_temp.u('aal.admin', g), 1, :admins)),
       action, resource,
       CASE WHEN action NOT LIKE '%.export' THEN pg_temp.uid(resource, g) END,
       CASE WHEN action LIKE '%.update' THEN jsonb_build_object('value', pg_temp.between(pg_temp.u('aal.old', g), 1, 100)) END,
       CASE WHEN action LIKE '%.update' AND status = 'success' THEN jsonb_build_object('value', pg_temp.between(pg_temp.u('aal.new', g), 1, 100)) END,
       CASE WHEN http THEN pg_temp.client_ip('aal.ip', g) END,
       CASE WHEN http THEN pg_temp.user_agent('aal.ua', g) END,
       CASE WHEN http THEN pg_temp.uid('requests', g) END,
       status,
       CASE status WHEN 'failed' THEN 'validation failed: value out of range'
                   WHEN 'unauthorized' THEN 'permission denied: role lacks ' || resource || ' write' END,
       pg_temp.event_time('aal.at', g)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT pg_temp.between(pg_temp.u('aal.kind', g), 1, 8)::int AS kind,
                           pg_temp.u('aal.http', g) >= 0.05 AS http,
                           pg_temp.pick(pg_temp.u('aal.status', g), ARRAY['success', 'failed', 'unauthorized'], ARRAY[0, 92, 97]) AS status OFFSET 0) AS k
CROSS JOIN LATERAL (SELECT (ARRAY['dashboard.view', 'setting.update', 'admin_user.update', 'rate.approve', 'rate.reject',
                                  'quote.view', 'report.export', 'discount.update'])[kind] AS action,
                           (ARRAY['admin_dashboards', 'system_settings', 'admin_users', 'admin_rate_approvals',
                                  'admin_rate_approvals', 'quotes', 'reports', 'discount_rules'])[kind] AS resource OFFSET 0) AS a
