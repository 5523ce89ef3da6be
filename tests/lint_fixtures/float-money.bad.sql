-- expect: premiums.amount, premiums.discount_rate, premiums.fee, premiums.weights, premiums.monthly_price, premiums.balance
CREATE TABLE premiums (
    id uuid PRIMARY KEY,
    amount double precision NOT NULL,
    discount_rate numeric NOT NULL,
    fee real NOT NULL,
    weights double precision[] NOT NULL,
    monthly_price numeric(10,0) NOT NULL,
    balance money NOT NULL
);
