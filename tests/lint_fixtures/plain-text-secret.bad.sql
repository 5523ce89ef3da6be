-- expect: users.password, users.mfa_secret, users.api_key, users.reset_token, users.private_key, customers.ssn, payments.card_number
CREATE TABLE users (
    id uuid PRIMARY KEY,
    password text NOT NULL,
    mfa_secret varchar(64),
    api_key text,
    reset_token bytea,
    private_key text
);
CREATE TABLE customers (id uuid PRIMARY KEY, ssn char(11));
CREATE TABLE payments (id uuid PRIMARY KEY, card_number varchar(19));
