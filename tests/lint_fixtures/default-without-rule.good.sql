CREATE TABLE quotes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    serial_number bigserial NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'draft',
    premium numeric(12,2) NOT NULL,
    -- a generated column's expression is not a default
    premium_with_tax numeric(12,2) GENERATED ALWAYS AS (premium * 1.05) STORED,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN quotes.status IS 'COR-006: stands in for a registered rule that says quotes start in draft.';
