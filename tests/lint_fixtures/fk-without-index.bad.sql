-- expect: fk_claims_policy_id_policies, fk_lines_quote_id_version_quotes, fk_notes_claim_id_claims
CREATE TABLE policies (id uuid PRIMARY KEY);
CREATE TABLE claims (
    id uuid PRIMARY KEY,
    policy_id uuid NOT NULL,
    status text NOT NULL,
    CONSTRAINT fk_claims_policy_id_policies FOREIGN KEY (policy_id) REFERENCES policies (id) ON DELETE RESTRICT
);
-- the FK column is not the leading column: this index does not serve the FK's lookups
CREATE INDEX ix_claims_status_policy_id ON claims (status, policy_id);

-- a composite FK with only one of its columns indexed
CREATE TABLE quotes (id uuid, version int, PRIMARY KEY (id, version));
CREATE TABLE lines (
    id uuid PRIMARY KEY,
    quote_id uuid NOT NULL,
    version int NOT NULL,
    CONSTRAINT fk_lines_quote_id_version_quotes FOREIGN KEY (quote_id, version) REFERENCES quotes (id, version) ON DELETE CASCADE
);
CREATE INDEX ix_lines_quote_id ON lines (quote_id);

-- a partial index that leaves out rows which do reference the parent
CREATE TABLE notes (
    id uuid PRIMARY KEY,
    claim_id uuid NOT NULL,
    is_open boolean NOT NULL,
    CONSTRAINT fk_notes_claim_id_claims FOREIGN KEY (claim_id) REFERENCES claims (id) ON DELETE CASCADE
);
CREATE INDEX ix_notes_claim_id_open ON notes (claim_id) WHERE is_open;
