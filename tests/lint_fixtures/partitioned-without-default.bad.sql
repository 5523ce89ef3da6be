-- expect: audit_logs, events
CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL, PRIMARY KEY (id, occurred_at))
    PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_logs_2026_01 PARTITION OF audit_logs FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE events (id uuid NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
