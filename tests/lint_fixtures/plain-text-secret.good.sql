CREATE TABLE users (
    id uuid PRIMARY KEY,
    password_hash text NOT NULL,
    mfa_secret_encrypted bytea,
    api_key_hash text,
    -- what the console shows of a key is not the key
    api_key_prefix varchar(8),
    -- names that merely contain a secret word
    token_type varchar(10),
    password_changed_at timestamptz,
    ssn_last4 char(4)
);
