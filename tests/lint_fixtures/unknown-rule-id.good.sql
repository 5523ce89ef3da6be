CREATE TABLE policies (id uuid PRIMARY KEY, status text NOT NULL);
COMMENT ON TABLE policies IS 'Bound contracts; each belongs to one customer (COR-001), see also DEV-001.';
-- strings that look like ids but are not rule ids: a deviation id, too few digits, an ISO number
COMMENT ON COLUMN policies.status IS 'Lifecycle (DEV-QUO-01, COR-1, ISO-8601).';
