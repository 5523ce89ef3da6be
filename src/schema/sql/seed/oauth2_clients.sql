-- oauth2_clients: agency systems and partners; browser flows (authorization_code with redirect URIs)
-- or machine-to-machine (client_credentials, no redirect); rate limits by partner tier; 10%
-- revoked, a third with a fixed expiry.
INSERT INTO oauth2_clients (id, client_id, client_secret_hash, client_name, redirect_uris, allowed_grant_types,
                            allowed_scopes, rate_limit_per_minute, rate_limit_per_hour, active, expires_at,
                            created_at, updated_at)
SELECT pg_temp.uid('oauth2_clients', g),
       'partner-' || lpad(g::text, 5, '0'),
       '$argon2id$v=19$m=65536,t=3,p=4$' || substr(md5('csalt/' || g::text), 1, 22) || '$' || md5('chash/' || g::text),
       (ARRAY['Agency', 'Comparative Rater', 'Dealer Portal', 'Claims Vendor', 'Telematics'])[1 + floor(5 * pg_temp.u('oauth.kind', g))::int] || ' ' || g::text,
       CASE WHEN browser THEN jsonb_build_array('https://partner' || g::text || '.example/oauth/callback') ELSE '[]'::jsonb END,
       CASE WHEN browser THEN '["authorization_code", "refresh_token"]'::jsonb ELSE '["client_credentials"]'::jsonb END,
       CASE WHEN browser THEN '["quotes:read", "quotes:write", "policies:read"]'::jsonb ELSE '["quotes:read", "rates:read"]'::jsonb END,
       per_minute, per_minute * 20,
       pg_temp.u('oauth.active', g) >= 0.1,
       CASE WHEN pg_temp.u('oauth.expiry', g) < 0.33 THEN created + interval '2 years' END,
       created, created + make_interval(days => pg_temp.between(pg_temp.u('oauth.updated', g), 0, 200)::int)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT pg_temp.u('oauth.browser', g) < 0.6 AS browser,
                           (ARRAY[60, 60, 120, 300, 600])[1 + floor(5 * pg_temp.u('oauth.tier', g))::int] AS per_minute,
                           pg_temp.as_of() - make_interval(days => pg_temp.between(pg_temp.u('oauth.created', g), 30, 900)::int) AS created) AS p
