-- system_settings: the platform's configuration, sensitive (hidden by ADM-015, some encrypted)
-- and not; values typed as data_type says (ADM-009); some written by an admin, others by a
-- migration or seed (last_modified_by NULL).
INSERT INTO system_settings (id, category, key, value, data_type, validation_rules, is_sensitive, encrypted,
                             last_modified_by, last_modified_at)
SELECT pg_temp.uid('system_settings', g), category, key, value, data_type, rules, sensitive, encrypted,
       CASE WHEN g % 3 <> 0 THEN pg_temp.uid('admin_users', pg_temp.between(pg_temp.u('settings.by', g), 1, 2)) END,
       pg_temp.as_of() - make_interval(days => pg_temp.between(pg_temp.u('settings.at', g), 1, 400)::int)
FROM (VALUES
    (1, 'quotes', 'validity_days', '30'::jsonb, 'number', '{"min": 1, "max": 60}'::jsonb, false, false),
    (2, 'quotes', 'max_versions', '10'::jsonb, 'number', '{"min": 1, "max": 50}'::jsonb, false, false),
    (3, 'quotes', 'self_service_enabled', 'true'::jsonb, 'boolean', NULL, false, false),
    (4, 'rating', 'engine_version', '"2026.1"'::jsonb, 'string', '{"pattern": "^[0-9]{4}[.][0-9]+$"}'::jsonb, false, false),
    (5, 'rating', 'states_live', '["CA", "TX", "NY"]'::jsonb, 'json', NULL, false, false),
    (6, 'rating', 'ai_risk_model_threshold', '0.72'::jsonb, 'number', '{"min": 0, "max": 1}'::jsonb, true, false),
    (7, 'security', 'session_timeout_minutes', '30'::jsonb, 'number', '{"min": 5, "max": 480}'::jsonb, false, false),
    (8, 'security', 'mfa_required_for_admins', 'true'::jsonb, 'boolean', NULL, false, false),
    (9, 'security', 'password_min_length', '14'::jsonb, 'number', '{"min": 12}'::jsonb, false, false),
    (10, 'security', 'ip_allowlist', '["203.0.113.0/24", "198.51.100.0/24"]'::jsonb, 'json', NULL, true, false),
    (11, 'integrations', 'payment_gateway.api_key', '"kms:v1:cGF5bWVudC1nYXRld2F5LWtleQ=="'::jsonb, 'string', NULL, true, true),
    (12, 'integrations', 'mvr_vendor.api_key', '"kms:v1:bXZyLXZlbmRvci1rZXk="'::jsonb, 'string', NULL, true, true),
    (13, 'integrations', 'credit_vendor.config', '"kms:v1:eyJ1cmwiOiAiaHR0cHM6Ly9jcmVkaXQuZXhhbXBsZSJ9"'::jsonb, 'json', NULL, true, true),
    (14, 'integrations', 'webhook.signing_secret', '"kms:v1:d2ViaG9vay1zZWNyZXQ="'::jsonb, 'string', NULL, true, true),
    (15, 'notifications', 'support_email', '"support@carrier.example"'::jsonb, 'string', NULL, false, false),
    (16, 'notifications', 'sms_enabled', 'false'::jsonb, 'boolean', NULL, false, false),
    (17, 'analytics', 'retention_months', '25'::jsonb, 'number', '{"min": 13}'::jsonb, false, false),
    (18, 'analytics', 'dashboard.default_refresh_seconds', '60'::jsonb, 'number', '{"min": 5, "max": 3600}'::jsonb, false, false),
    (19, 'claims', 'auto_approve_limit_usd', '2500'::jsonb, 'number', '{"min": 0}'::jsonb, true, false),
    (20, 'claims', 'fraud_rules', '{"velocity_window_days": 30, "max_claims": 3}'::jsonb, 'json', NULL, true, false)
) AS s (g, category, key, value, data_type, rules, sensitive, encrypted)
WHERE g BETWEEN :lo AND :hi
