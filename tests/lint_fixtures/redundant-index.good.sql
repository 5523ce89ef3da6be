CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL CONSTRAINT uq_users_email UNIQUE,
    tenant text NOT NULL,
    name text NOT NULL,
    active boolean NOT NULL
);
CREATE INDEX ix_users_tenant_name ON users (tenant, name);
-- a UNIQUE index enforces something even when its keys are a prefix of another index's
CREATE INDEX ix_users_email_tenant ON users (email, tenant);
-- a different predicate, an operator class, an expression and another method serve other queries
CREATE INDEX ix_users_name ON users (name);
CREATE INDEX ix_users_name_active ON users (name) WHERE active;
CREATE INDEX ix_users_email_pattern ON users (email text_pattern_ops);
CREATE INDEX ix_users_lower_email ON users (lower(email));
CREATE INDEX ix_users_id_brin ON users USING brin (id);
