-- expect: state_factors, lookup, audit_logs
CREATE TABLE state_factors (state char(2) NOT NULL, factor numeric(6,4) NOT NULL);
-- a UNIQUE NOT NULL key is not a primary key
CREATE TABLE lookup (code text NOT NULL UNIQUE);
CREATE TABLE audit_logs (id uuid NOT NULL, occurred_at timestamptz NOT NULL) PARTITION BY RANGE (occurred_at);
