CREATE FUNCTION is_valid_coverage(data jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT jsonb_typeof(data) = 'object' AND data ? 'limits' $$;
CREATE TABLE policies (
    id uuid PRIMARY KEY,
    coverage_data jsonb NOT NULL CONSTRAINT ck_policies_coverage_data_valid CHECK (is_valid_coverage(coverage_data)),
    tags jsonb NOT NULL CONSTRAINT ck_policies_tags_is_array CHECK (jsonb_typeof(tags) = 'array'),
    raw_payload json NOT NULL CONSTRAINT ck_policies_raw_payload_is_object CHECK (json_typeof(raw_payload) = 'object')
);
