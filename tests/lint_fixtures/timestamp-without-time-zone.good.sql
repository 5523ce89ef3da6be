CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    bound_at timestamptz NOT NULL,
    expires_at timestamp(3) with time zone NOT NULL,
    effective_date date NOT NULL,
    -- a time of day (a cut-off) is not a point in time
    daily_cutoff time NOT NULL
);
