-- expect: quotes.bound_at, quotes.expires_at
CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    bound_at timestamp NOT NULL,
    expires_at timestamp(3) without time zone NOT NULL
);
