-- expect: policies.coverage_data, policies.raw_payload, policies.tags
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    coverage_data jsonb NOT NULL,
    raw_payload json NOT NULL,
    tags jsonb NOT NULL,
    checked jsonb NOT NULL CONSTRAINT ck_policies_checked_is_object CHECK (jsonb_typeof(checked) = 'object'),
    -- a CHECK on the column that says nothing about its type
    CONSTRAINT ck_policies_tags_not_empty CHECK (tags <> '[]'::jsonb)
);
