-- admin_role_permissions: what each role of admin_roles.sql holds (ADM-002); roles :lo..:hi.
INSERT INTO admin_role_permissions (role_id, permission_id, created_at)
SELECT r.id, p.id, r.created_at
FROM admin_roles AS r
JOIN admin_permissions AS p ON CASE r.name
    WHEN 'super_admin' THEN true
    WHEN 'operations_manager' THEN p.resource IN ('quotes', 'policies', 'claims', 'customers', 'dashboards', 'reports') AND p.action IN ('read', 'write')
    WHEN 'rate_approver' THEN p.resource IN ('rate_tables', 'discount_rules') AND p.action = 'approve'  -- read/write from rate_analyst
    WHEN 'rate_analyst' THEN p.resource IN ('rate_tables', 'discount_rules', 'reports') AND p.action IN ('read', 'write')
    WHEN 'support_agent' THEN p.resource IN ('quotes', 'policies', 'claims', 'customers') AND p.action = 'read'
    WHEN 'compliance_auditor' THEN p.action = 'read'
    ELSE false END
WHERE r.id IN (SELECT pg_temp.uid('admin_roles', g) FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g)
