CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    quoted_at timestamptz NOT NULL,
    bound_at timestamptz,
    notes text
);
COMMENT ON COLUMN quotes.quoted_at IS 'When the price was offered.';
COMMENT ON COLUMN quotes.bound_at IS 'NULL until the quote is bound; then when.';
COMMENT ON COLUMN quotes.notes IS 'Underwriter notes; null when the underwriter wrote none.';
