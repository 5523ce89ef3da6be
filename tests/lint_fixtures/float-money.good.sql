CREATE TABLE premiums (
    id uuid PRIMARY KEY,
    amount numeric(12,2) NOT NULL,
    discount_rate numeric(6,4) NOT NULL,
    territory_factor numeric(8,5) NOT NULL,
    -- integers and unscaled numerics that are neither money nor rates are not this rule's business
    premium_cents bigint NOT NULL,
    vehicle_count numeric NOT NULL
);
