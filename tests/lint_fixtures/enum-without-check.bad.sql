-- expect: quotes.status, quotes.product_type, quotes.channel_kind, quotes.priority
CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    status varchar(20) NOT NULL,
    product_type text NOT NULL,
    channel_kind char(3) NOT NULL,
    priority varchar NOT NULL,
    -- a CHECK on another column does not constrain status
    CONSTRAINT ck_quotes_id_present CHECK (id IS NOT NULL)
);
