-- sso_providers: the four identity products the schema knows, as a carrier would configure them:
-- the workforce IdP enabled with just-in-time creation limited to its domains, one pending review.
INSERT INTO sso_providers (id, provider_name, provider_type, client_id, client_secret_encrypted, issuer_url,
                           authorize_url, token_url, userinfo_url, enabled, auto_create_users, allowed_domains,
                           created_at, updated_at)
SELECT pg_temp.uid('sso_providers', g), name, ptype, client, 'v1:kms-seed:' || encode(sha256(('sso/' || g::text)::bytea), 'base64'),
       issuer, authz, token, info, enabled, auto_create, domains,
       pg_temp.as_of() - make_interval(days => 700 - 40 * g::int), pg_temp.as_of() - make_interval(days => 300 - 40 * g::int)
FROM (VALUES
    (1, 'Carrier Okta', 'okta', '0oa1carrier7x9', 'https://carrier.okta.example', NULL, NULL, NULL, true, true, '["carrier.example"]'::jsonb),
    (2, 'Google Workspace', 'google', '1046-carrier.apps.googleusercontent.example', 'https://accounts.google.example',
        'https://accounts.google.example/o/oauth2/v2/auth', 'https://oauth2.googleapis.example/token',
        'https://openidconnect.googleapis.example/v1/userinfo', true, false, '["carrier.example", "claims.carrier.example"]'::jsonb),
    (3, 'Agency Partners Entra ID', 'azure', 'c2a1f7de-agency', 'https://login.microsoftonline.example/agency/v2.0', NULL, NULL, NULL,
        true, false, '[]'::jsonb),
    (4, 'Auth0 Pilot', 'auth0', 'pilot-7Hc2', 'https://carrier-pilot.auth0.example', NULL, NULL, NULL, false, false, '[]'::jsonb)
) AS p (g, name, ptype, client, issuer, authz, token, info, enabled, auto_create, domains)
WHERE g BETWEEN :lo AND :hi
