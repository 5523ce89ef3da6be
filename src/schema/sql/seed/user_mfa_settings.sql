-- user_mfa_settings: 85% of staff have enrolled; TOTP is the common factor, security keys and
-- SMS backups less so; a factor is only enabled with its secret or credential (SEC-012), and
-- recovery codes exist once any factor is on. Secrets are stand-in ciphertext in the v1 envelope ("v1:<key id>:<base64>", SEC-026).
INSERT INTO user_mfa_settings (user_id, totp_secret_encrypted, totp_enabled, webauthn_credentials, webauthn_enabled,
                               sms_phone_encrypted, sms_enabled, recovery_codes_encrypted, created_at, updated_at)
SELECT pg_temp.uid('users', g),
       CASE WHEN totp THEN 'v1:kms-seed:' || encode(sha256(('totp/' || g::text)::bytea), 'base64') END,
       totp,
       CASE WHEN webauthn THEN jsonb_build_array(jsonb_build_object('credential_id', 'cred-' || substr(md5('cred/' || g::text), 1, 16),
                                                                    'public_key', 'pQECAyYgASFY' || substr(md5('pk/' || g::text), 1, 20),
                                                                    'sign_count', pg_temp.between(pg_temp.u('mfa.signs', g), 0, 900))) END,
       webauthn,
       CASE WHEN sms THEN 'v1:kms-seed:' || encode(sha256(('sms/' || g::text)::bytea), 'base64') END,
       sms,
       CASE WHEN totp OR webauthn OR sms
            THEN jsonb_build_array('v1:kms-seed:' || encode(sha256(('rc1/' || g::text)::bytea), 'base64'), 'v1:kms-seed:' || encode(sha256(('rc2/' || g::text)::bytea), 'base64'), 'v1:kms-seed:' || encode(sha256(('rc3/' || g::text)::bytea), 'base64')) END,
       u.created_at, u.created_at + make_interval(days => pg_temp.between(pg_temp.u('mfa.updated', g), 0, 30)::int)
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
JOIN users AS u ON u.id = pg_temp.uid('users', g)
CROSS JOIN LATERAL (SELECT pg_temp.u('mfa.totp', g) < 0.7 AS totp, pg_temp.u('mfa.webauthn', g) < 0.2 AS webauthn,
                           pg_temp.u('mfa.sms', g) < 0.15 AS sms) AS f
WHERE pg_temp.u('mfa.enrolled', g) < 0.85
