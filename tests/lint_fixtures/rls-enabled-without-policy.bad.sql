-- expect: customers, documents
CREATE TABLE customers (id uuid PRIMARY KEY, agent_name text NOT NULL);
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE TABLE documents (id uuid PRIMARY KEY);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
