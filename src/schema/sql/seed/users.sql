-- users: the carrier's staff and service accounts. Row 1 is the self-service channel's system
-- account (it creates the online quotes); the rest are mostly agents, then underwriters, adjusters
-- and customer service; about 7% deactivated.
INSERT INTO users (id, email, password_hash, full_name, role, is_active, created_at, updated_at)
SELECT pg_temp.uid('users', g),
       CASE WHEN g = 1 THEN 'self-service@carrier.example'
            ELSE lower(fn || '.' || ln || g::text) || '@carrier.example' END,
       '$argon2id$v=19$m=65536,t=3,p=4$' || substr(md5('salt/' || g::text), 1, 22) || '$' || md5('hash/' || g::text),
       CASE WHEN g = 1 THEN 'Self-service channel' ELSE fn || ' ' || ln END,
       CASE WHEN g = 1 THEN 'system'
            ELSE pg_temp.pick(pg_temp.u('users.role', g),
                              ARRAY['agent', 'underwriter', 'claims_adjuster', 'customer_service', 'system'],
                              ARRAY[0, 48, 66, 82, 97]) END,
       g = 1 OR pg_temp.u('users.active', g) >= 0.07,
       created,
       created + make_interval(days => floor(60 * pg_temp.u('users.updated', g))::int)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT pg_temp.first_name('users.first', g) AS fn, pg_temp.last_name('users.last', g) AS ln,
                           pg_temp.as_of() - interval '30 months' + make_interval(days => floor(300 * pg_temp.u('users.created', g))::int) AS created) AS p
