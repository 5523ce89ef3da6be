CREATE TABLE quotes (id uuid PRIMARY KEY);
COMMENT ON TABLE quotes IS 'Price offers for a policy, from draft to bound or expired.';
CREATE TABLE events (id uuid NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
COMMENT ON TABLE events IS 'Analytics events, one row per event, partitioned by month.';
-- a partition is documented by its parent and not linted on its own
CREATE TABLE events_default PARTITION OF events DEFAULT;
