CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE users (id uuid PRIMARY KEY);
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    agent_id uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE TABLE policy_documents (
    id uuid PRIMARY KEY,
    policy_id uuid NOT NULL REFERENCES policies (id) ON DELETE CASCADE
);
