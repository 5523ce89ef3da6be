-- expect: quotes.bound_at, quotes.notes
CREATE TABLE quotes (id uuid PRIMARY KEY, bound_at timestamptz, notes text, declined_at timestamptz);
COMMENT ON COLUMN quotes.bound_at IS 'When the quote was bound.';
-- notes has no comment at all: nothing says what NULL means
COMMENT ON COLUMN quotes.declined_at IS 'NULL unless the quote was declined; then when.';
