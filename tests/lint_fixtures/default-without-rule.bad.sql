-- expect: quotes.status, quotes.premium, quotes.valid_from, quotes.details
CREATE TABLE quotes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status varchar(20) NOT NULL DEFAULT 'draft',
    premium numeric(12,2) NOT NULL DEFAULT 0,
    -- the clock on a business column is a business decision, unlike created_at
    valid_from timestamptz NOT NULL DEFAULT now(),
    details jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON COLUMN quotes.status IS 'Workflow status.';
