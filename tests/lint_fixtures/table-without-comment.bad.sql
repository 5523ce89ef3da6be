-- expect: quotes, rates, events
CREATE TABLE quotes (id uuid PRIMARY KEY);
CREATE TABLE rates (id uuid PRIMARY KEY);
COMMENT ON TABLE rates IS '   ';
CREATE TABLE events (id uuid NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
