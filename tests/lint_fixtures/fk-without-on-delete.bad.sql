-- expect: fk_policies_customer_id_customers, fk_policies_agent_id_users
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE users (id uuid PRIMARY KEY);
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL CONSTRAINT fk_policies_customer_id_customers REFERENCES customers (id),
    -- written out, NO ACTION still decides nothing: the catalog cannot tell it from the default
    agent_id uuid NOT NULL CONSTRAINT fk_policies_agent_id_users REFERENCES users (id) ON DELETE NO ACTION
);
