-- expect: oauth2_clients.client_secret_hash, admin_users.password_hash, admin_users.two_factor_secret_encrypted, partners.api_key_hash
CREATE TABLE oauth2_clients (id uuid PRIMARY KEY, client_secret_hash text NOT NULL);
CREATE TABLE admin_users (
    id uuid PRIMARY KEY,
    -- a CHECK that is not the declared format does not count
    password_hash text NOT NULL CONSTRAINT ck_admin_users_password_hash_long CHECK (length(password_hash) > 20),
    two_factor_secret_encrypted text
);
-- a hash column checked against the envelope (the wrong format for it)
CREATE TABLE partners (
    id uuid PRIMARY KEY,
    api_key_hash text NOT NULL CONSTRAINT ck_partners_api_key_hash_envelope CHECK (api_key_hash ~ '^v1:[a-z0-9][a-z0-9-]{0,62}:([A-Za-z0-9+/]{4}){10,}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$')
);
