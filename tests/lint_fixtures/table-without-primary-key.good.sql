CREATE TABLE state_factors (state char(2) PRIMARY KEY, factor numeric(6,4) NOT NULL);
CREATE TABLE rate_versions (state char(2) NOT NULL, version int NOT NULL, PRIMARY KEY (state, version));
CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at))
    PARTITION BY RANGE (occurred_at);
