-- expect: ix_users_email, ix_users_tenant, ix_users_id, ix_users_name_b
CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CONSTRAINT uq_users_email UNIQUE,
    tenant text NOT NULL,
    name text NOT NULL
);
CREATE INDEX ix_users_email ON users (email);
CREATE INDEX ix_users_tenant_name ON users (tenant, name);
CREATE INDEX ix_users_tenant ON users (tenant);
CREATE INDEX ix_users_id ON users (id);
CREATE INDEX ix_users_name_a ON users (name);
CREATE INDEX ix_users_name_b ON users (name);
