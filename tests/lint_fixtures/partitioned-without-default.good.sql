CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at))
    PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_logs_2026_01 PARTITION OF audit_logs FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;
-- hash partitioning cannot have a DEFAULT partition: its partitions cover every key
CREATE TABLE sessions (id uuid NOT NULL PRIMARY KEY) PARTITION BY HASH (id);
CREATE TABLE sessions_0 PARTITION OF sessions FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE sessions_1 PARTITION OF sessions FOR VALUES WITH (MODULUS 2, REMAINDER 1);
