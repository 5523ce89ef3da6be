CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE TABLE quotes (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER trg_quotes_set_updated_at BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TABLE claims (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER trg_claims_set_updated_at BEFORE INSERT OR UPDATE ON claims FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- a partitioned parent's trigger is cloned onto its partitions
CREATE TABLE events (id uuid NOT NULL, at timestamptz NOT NULL, updated_at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TRIGGER trg_events_set_updated_at BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- no updated_at, no trigger needed
CREATE TABLE rates (id uuid PRIMARY KEY);
