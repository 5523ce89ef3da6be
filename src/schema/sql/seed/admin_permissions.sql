-- admin_permissions: every (resource, action) the console checks (12 resources x 4 actions).
INSERT INTO admin_permissions (id, resource, action, description, created_at)
SELECT pg_temp.uid('admin_permissions', g), resource, action,
       initcap(action) || ' ' || replace(resource, '_', ' ') || ' in the admin console.',
       pg_temp.as_of() - interval '800 days'
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT (ARRAY['quotes', 'policies', 'claims', 'customers', 'rate_tables', 'discount_rules', 'system_settings',
                                  'admin_users', 'admin_roles', 'dashboards', 'audit_logs', 'reports'])[1 + ((g - 1) / 4)::int] AS resource,
                           (ARRAY['read', 'write', 'delete', 'approve'])[1 + ((g - 1) % 4)::int] AS action) AS p
