-- admin_dashboards: the console's dashboards, each opened with a read permission (ADM-018).
INSERT INTO admin_dashboards (id, name, slug, layout, widgets, refresh_interval, required_permission_id, created_at, updated_at)
SELECT pg_temp.uid('admin_dashboards', g), name, slug,
       jsonb_build_object('columns', 12, 'row_height', 80),
       (SELECT jsonb_agg(jsonb_build_object('type', w, 'position', i)) FROM unnest(widgets) WITH ORDINALITY AS x (w, i)),
       refresh, p.id, pg_temp.as_of() - make_interval(days => 500 - 20 * g::int), pg_temp.as_of() - make_interval(days => 90 - 5 * g::int)
FROM (VALUES
    (1, 'Quote Funnel', 'quote-funnel', ARRAY['funnel', 'conversion_rate', 'quotes_by_state'], 30, 'quotes'),
    (2, 'Policies in Force', 'policies-in-force', ARRAY['count', 'premium_by_product'], 300, 'policies'),
    (3, 'Claims Queue', 'claims-queue', ARRAY['open_claims', 'aging', 'severity'], 60, 'claims'),
    (4, 'Rate Approvals', 'rate-approvals', ARRAY['pending_approvals', 'decisions'], 120, 'rate_tables'),
    (5, 'Security Overview', 'security-overview', ARRAY['failed_logins', 'risk_scores', 'mfa_coverage'], 60, 'audit_logs'),
    (6, 'Live Connections', 'live-connections', ARRAY['open_sockets', 'channels'], 5, 'dashboards'),
    (7, 'Executive Summary', 'executive-summary', ARRAY['written_premium', 'loss_ratio', 'growth'], 3600, 'reports'),
    (8, 'Customer Service', 'customer-service', ARRAY['recent_customers', 'open_quotes'], 60, 'customers')
) AS d (g, name, slug, widgets, refresh, resource)
JOIN admin_permissions AS p ON p.resource = d.resource AND p.action = 'read'
WHERE g BETWEEN :lo AND :hi
