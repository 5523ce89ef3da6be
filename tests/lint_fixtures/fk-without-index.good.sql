CREATE TABLE policies (id uuid PRIMARY KEY);
-- served by a composite index whose leading column is the FK's
CREATE TABLE claims (id uuid PRIMARY KEY, policy_id uuid NOT NULL REFERENCES policies ON DELETE RESTRICT, status text NOT NULL);
CREATE INDEX ix_claims_policy_id_status ON claims (policy_id, status);

-- served by the primary key, whose leading columns are the FK's in another order
CREATE TABLE quotes (id uuid, version int, PRIMARY KEY (id, version));
CREATE TABLE lines (
    quote_id uuid NOT NULL,
    version int NOT NULL,
    line_no int NOT NULL,
    PRIMARY KEY (version, quote_id, line_no),
    FOREIGN KEY (quote_id, version) REFERENCES quotes (id, version) ON DELETE CASCADE
);

-- served by a partial index that only skips rows whose key is NULL (they reference nothing)
CREATE TABLE notes (id uuid PRIMARY KEY, claim_id uuid REFERENCES claims ON DELETE SET NULL);
CREATE INDEX ix_notes_claim_id ON notes (claim_id) WHERE claim_id IS NOT NULL;
