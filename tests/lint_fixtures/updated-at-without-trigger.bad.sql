-- expect: quotes, claims, notes
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE quotes (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
-- AFTER UPDATE cannot change the row being written
CREATE TABLE claims (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER trg_claims_set_updated_at AFTER UPDATE ON claims FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- a BEFORE UPDATE trigger that calls something else
CREATE TABLE notes (id uuid PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TRIGGER trg_notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch();
