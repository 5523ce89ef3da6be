-- The policies claims can be made against (in force at some point before as_of), numbered 1..n
-- in policy-number order so a claim draws one with an integer; cancelled_on is the UTC day of a
-- cancellation (COR-014: no loss after it).
CREATE TEMP TABLE seed_policies AS
SELECT row_number() OVER (ORDER BY policy_number) AS k, id, product_type, effective_date, expiration_date,
       (cancelled_at AT TIME ZONE 'UTC')::date AS cancelled_on
FROM policies
WHERE effective_date < (pg_temp.as_of() AT TIME ZONE 'UTC')::date - 2;
CREATE UNIQUE INDEX ON seed_policies (k);
ANALYZE seed_policies
