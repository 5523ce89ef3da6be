-- expect: quotes.id, quotes.status
CREATE TABLE quotes (id uuid PRIMARY KEY, status text NOT NULL, premium numeric(12,2) NOT NULL);
COMMENT ON COLUMN quotes.status IS '';
COMMENT ON COLUMN quotes.premium IS 'Offered premium in USD.';
