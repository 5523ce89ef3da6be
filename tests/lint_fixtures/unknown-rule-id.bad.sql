-- expect: policies, policies.status, ck_policies_status_allowed, ix_policies_status, check_policy()
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    status text NOT NULL CONSTRAINT ck_policies_status_allowed CHECK (status IN ('active', 'cancelled'))
);
CREATE INDEX ix_policies_status ON policies (status);
CREATE FUNCTION check_policy() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
COMMENT ON TABLE policies IS 'Bound contracts (COR-999).';
COMMENT ON COLUMN policies.status IS 'QUO-999: lifecycle.';
COMMENT ON CONSTRAINT ck_policies_status_allowed ON policies IS 'ADM-999';
COMMENT ON INDEX ix_policies_status IS 'Serves SEC-999 reports.';
COMMENT ON FUNCTION check_policy() IS 'RAT-999 self-test.';
