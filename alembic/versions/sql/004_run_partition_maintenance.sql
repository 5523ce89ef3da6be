-- run_partition_maintenance(): maintain_partitions() for every table registered in partition_policies.
-- Created by revision 004 exactly as written here; changing it needs a new revision (and a new file).
-- The policy rows carry the rule ids (SEC-014 for audit logs; each later table brings its own) that
-- justify each table's look-ahead and retention, so the job and its reasons live in one place.
CREATE FUNCTION run_partition_maintenance(p_dry_run boolean DEFAULT false)
RETURNS TABLE (parent_table text, action text, partition_name text, detail text)
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_policy record;
    v_parent regclass;
BEGIN
    FOR v_policy IN
        SELECT pp.parent_table AS name, pp.months_ahead, pp.retention_months, pp.rule_id
        FROM partition_policies pp ORDER BY pp.parent_table
    LOOP
        v_parent := to_regclass(quote_ident(v_policy.name));
        IF v_parent IS NULL THEN
            RAISE EXCEPTION 'run_partition_maintenance: partition_policies names %, which is not a table on the search_path',
                v_policy.name USING ERRCODE = 'undefined_table';
        END IF;
        RETURN QUERY
            SELECT v_policy.name::text, m.action, m.partition_name, m.detail || format(' [%s]', v_policy.rule_id)
            FROM maintain_partitions(v_parent, v_policy.months_ahead, v_policy.retention_months, p_dry_run) AS m;
    END LOOP;
END
$fn$;

COMMENT ON FUNCTION run_partition_maintenance(boolean) IS
    'SEC-014, SEC-016: runs maintain_partitions() for each row of partition_policies (look-ahead and retention per table, '
    'with the rule id that sets them). Called by `schema partitions maintain [--dry-run]`; safe to run repeatedly and concurrently.';
