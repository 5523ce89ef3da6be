CREATE TABLE customers (id uuid PRIMARY KEY, agent_name text NOT NULL);
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_own_agent ON customers USING (agent_name = current_user);
-- RLS off: no policy needed
CREATE TABLE documents (id uuid PRIMARY KEY);
