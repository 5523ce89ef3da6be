CREATE TABLE product_types (code varchar(20) PRIMARY KEY);
CREATE TABLE quotes (
    id uuid PRIMARY KEY,
    status varchar(20) NOT NULL CONSTRAINT ck_quotes_status_allowed CHECK (status IN ('draft', 'quoted', 'bound')),
    -- a lookup table constrains the values as well as a CHECK
    product_type varchar(20) NOT NULL REFERENCES product_types ON DELETE RESTRICT,
    -- not text: an integer severity is not an enum-like string
    severity int NOT NULL,
    -- free text whose name merely contains "status"
    status_reason text NOT NULL
);
