-- admin_roles: the console's fixed role tree (ADM-001: at most 5 levels, parents inserted first).
-- Rights flow down to children: rate_approver is the child of rate_analyst (it may also prepare
-- changes), never the reverse, so analysts do not inherit the right to approve (ADM-022).
INSERT INTO admin_roles (id, name, description, parent_role_id, created_at, updated_at)
SELECT pg_temp.uid('admin_roles', g), name, description, CASE WHEN parent IS NOT NULL THEN pg_temp.uid('admin_roles', parent) END,
       pg_temp.as_of() - interval '800 days', pg_temp.as_of() - interval '400 days'
FROM (VALUES
    (1, 'super_admin', 'Full control of the console; held by very few, every action audited.', NULL),
    (2, 'operations_manager', 'Runs day-to-day operations: quotes, policies, claims, customers, reports.', NULL),
    (3, 'rate_analyst', 'Prepares and submits rate table and discount changes (rate_tables:write, ADM-023); decides none.', 2),
    (4, 'rate_approver', 'Approves or rejects rate changes others submitted (rate_tables:approve, ADM-022; four eyes, ADM-020); inherits the analyst''s rights.', 3),
    (5, 'support_agent', 'Reads customer records to help on the phone.', 2),
    (6, 'compliance_auditor', 'Reads everything that is not a secret, for SOC 2 and regulatory reviews.', NULL)
) AS r (g, name, description, parent)
WHERE g BETWEEN :lo AND :hi
ORDER BY g
