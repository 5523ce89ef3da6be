CREATE TABLE oauth2_clients (
    id uuid PRIMARY KEY,
    client_secret_hash text NOT NULL CONSTRAINT ck_oauth2_clients_client_secret_hash_format CHECK (client_secret_hash ~ '^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}|\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}|\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,}|\$pbkdf2-sha(256|512)\$(i=)?[0-9]+(,l=[0-9]+)?\$[A-Za-z0-9+/.]{11,}\$[A-Za-z0-9+/.]{22,})$')
);
CREATE TABLE admin_users (
    id uuid PRIMARY KEY,
    two_factor_secret_encrypted text CONSTRAINT ck_admin_users_two_factor_secret_encrypted_envelope
        CHECK (two_factor_secret_encrypted ~ '^v1:[a-z0-9][a-z0-9-]{0,62}:([A-Za-z0-9+/]{4}){10,}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$'),
    recovery_codes_encrypted jsonb CONSTRAINT ck_admin_users_recovery_codes_encrypted_envelope
        CHECK (NOT jsonb_path_exists(recovery_codes_encrypted, '$[*] ? (@.type() != "string" || !(@ like_regex "^v1:[a-z0-9][a-z0-9-]{0,62}:([A-Za-z0-9+/]{4}){10,}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"))')),
    -- names that merely contain the suffix words are not secrets
    hash_algorithm varchar(20)
);
