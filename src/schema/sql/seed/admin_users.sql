-- admin_users: admin 1 is the bootstrap super admin (created_by NULL, ADM-008), admin 2 a second
-- super admin it created; the others were created by an earlier admin, hold a role by weight,
-- mostly with 2FA (ADM-006); 10% deactivated (ADM-010), a few locked after failed logins.
INSERT INTO admin_users (id, email, password_hash, role_id, is_super_admin, two_factor_enabled, two_factor_secret_encrypted,
                         last_login_at, last_login_ip, failed_login_attempts, locked_until, created_at, updated_at,
                         created_by, deactivated_at)
SELECT pg_temp.uid('admin_users', g),
       lower(pg_temp.first_name('admin.first', g) || '.' || pg_temp.last_name('admin.last', g)) || g::text || '@admin.carrier.example',
       '$argon2id$v=19$m=65536,t=3,p=4$' || substr(md5('asalt/' || g::text), 1, 22) || '$' || md5('ahash/' || g::text),
       pg_temp.uid('admin_roles', CASE WHEN g <= 2 THEN 1
                                       ELSE pg_temp.between(pg_temp.u('admin.role', g), 2, 6) END),
       g <= 2,
       two_fa, CASE WHEN two_fa THEN 'v1:kms-seed:' || encode(sha256(('a2fa/' || g::text)::bytea), 'base64') END,
       CASE WHEN logged_in THEN pg_temp.as_of() - make_interval(hours => pg_temp.between(pg_temp.u('admin.login', g), 1, 2000)::int) END,
       CASE WHEN logged_in THEN pg_temp.client_ip('admin.ip', g) END,
       failed,
       CASE WHEN failed >= 5 THEN pg_temp.as_of() + interval '15 minutes' END,
       created, created + interval '1 day',
       CASE WHEN g > 1 THEN pg_temp.uid('admin_users', CASE WHEN g <= 3 THEN 1 ELSE pg_temp.between(pg_temp.u('admin.creator', g), 1, g - 1) END) END,
       CASE WHEN g > 2 AND pg_temp.u('admin.deactivated', g) < 0.1 THEN created + interval '200 days' END
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
CROSS JOIN LATERAL (SELECT g <= 2 OR pg_temp.u('admin.2fa', g) < 0.85 AS two_fa,
                           pg_temp.u('admin.never', g) >= 0.08 AS logged_in,
                           (ARRAY[0, 0, 0, 0, 1, 2, 5])[1 + floor(7 * pg_temp.u('admin.failed', g))::int] AS failed,
                           pg_temp.as_of() - make_interval(days => 760 - g::int) AS created) AS a
ORDER BY g
