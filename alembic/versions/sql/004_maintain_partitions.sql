-- maintain_partitions(): the pg_partman run_maintenance job for one monthly RANGE-partitioned table.
-- Created by revision 004 exactly as written here; changing it needs a new revision (and a new file).
--
-- * creates the monthly partitions from the current month (UTC) through p_months_ahead months ahead;
-- * moves rows sitting in the DEFAULT partition into the month partition that covers them
--   (PostgreSQL refuses to create a partition whose range has rows in DEFAULT): the DEFAULT is
--   detached, the months are created, the rows are moved with DELETE ... RETURNING through the
--   parent, and the (now empty) DEFAULT is attached again, all in the caller's transaction, so a
--   failure leaves everything as it was and nothing is lost;
-- * detaches (never drops) partitions whose whole range is older than p_retention_months, keeping
--   them as archive tables next to the DEFAULT, with the parent's triggers re-created on them (the
--   append-only trigger of audit_logs keeps protecting an archive);
-- * is idempotent (a second run finds nothing to do) and serializes concurrent runs on the same
--   parent with a transaction-level advisory lock;
-- * builds every identifier with format('%I') and every value with format('%L').
-- Monthly partitions go in the schema of the parent's DEFAULT partition (required: no row is ever
-- refused), named <parent>_pYYYYMM. With p_dry_run it changes nothing and returns what it would do.
CREATE FUNCTION maintain_partitions(
    p_parent regclass,
    p_months_ahead integer,
    p_retention_months integer,
    p_dry_run boolean DEFAULT false
) RETURNS TABLE (action text, partition_name text, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    bound_pattern CONSTANT text := 'FROM \(''([^'']*)''\) TO \(''([^'']*)''\)';
    v_this_month   date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    v_cutoff       date;
    v_parent_nsp   text;
    v_parent_rel   text;
    v_parent       text;
    v_key          text;
    v_default_oid  oid;
    v_child_nsp    text;
    v_default      text;
    v_columns      text;
    v_default_months date[];
    v_moving       boolean;
    v_plan         record;
    v_old          record;
    v_trigger      record;
    v_name         text;
    v_child        text;
    v_target       text;
    v_lower        timestamptz;
    v_upper        timestamptz;
    v_count        bigint;
    v_planned_old  text[] := '{}';
    v_prefix       text;
    v_on           text;
    v_rest         text;
    v_pos          integer;
BEGIN
    IF p_parent IS NULL OR p_months_ahead IS NULL OR p_retention_months IS NULL THEN
        RAISE EXCEPTION 'maintain_partitions: parent, months ahead and retention are required (got %, %, %)',
            p_parent, p_months_ahead, p_retention_months USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_months_ahead < 0 OR p_retention_months < 1 THEN
        RAISE EXCEPTION 'maintain_partitions: months ahead must be >= 0 and retention >= 1 month (got %, %)',
            p_months_ahead, p_retention_months USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_cutoff := (v_this_month - make_interval(months => p_retention_months))::date;

    -- One maintainer per parent at a time; the second waits, then finds the work done.
    PERFORM pg_advisory_xact_lock(hashtextextended('maintain_partitions:' || p_parent::oid::text, 0));

    SELECT n.nspname, c.relname INTO v_parent_nsp, v_parent_rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = p_parent AND c.relkind = 'p';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % is not a partitioned table', p_parent USING ERRCODE = 'wrong_object_type';
    END IF;
    v_parent := format('%I.%I', v_parent_nsp, v_parent_rel);

    SELECT a.attname, pt.partdefid INTO v_key, v_default_oid
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = p_parent AND pt.partstrat = 'r' AND pt.partnatts = 1
      AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'maintain_partitions: % must be PARTITION BY RANGE on one timestamptz column', v_parent
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF v_default_oid = 0 THEN
        RAISE EXCEPTION 'maintain_partitions: % has no DEFAULT partition', v_parent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'No row may ever be refused: CREATE TABLE <schema>.<parent>_default PARTITION OF <parent> DEFAULT first.';
    END IF;
    IF octet_length(v_parent_rel) + 8 > 63 THEN
        RAISE EXCEPTION 'maintain_partitions: monthly partition names of % would exceed 63 bytes and be truncated', v_parent
            USING ERRCODE = 'name_too_long';
    END IF;

    SELECT n.nspname, c.relname INTO v_child_nsp, v_default
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_default_oid;

    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_attribute a
    WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    EXECUTE format(
        'SELECT coalesce(array_agg(DISTINCT date_trunc(''month'', %I AT TIME ZONE ''UTC'')::date), ''{}'') FROM %I.%I',
        v_key, v_child_nsp, v_default)
    INTO v_default_months;
    v_moving := cardinality(v_default_months) > 0;

    IF v_moving AND NOT p_dry_run THEN
        -- Detaching takes ACCESS EXCLUSIVE on the parent until commit: no insert can slip into the
        -- gap, and the detached DEFAULT loses its cloned triggers, so the move is not an UPDATE or
        -- DELETE of the table's history (the rows are re-inserted through the parent).
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %I.%I', v_parent, v_child_nsp, v_default);
    END IF;

    FOR v_plan IN
        WITH attached AS (
            SELECT m[1]::timestamptz AS lower_bound, m[2]::timestamptz AS upper_bound
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
            WHERE i.inhparent = p_parent
        ), wanted AS (
            SELECT g::date AS month, false AS has_default_rows
            FROM generate_series(v_this_month::timestamp,
                                 (v_this_month + make_interval(months => p_months_ahead))::timestamp,
                                 interval '1 month') AS g
            UNION ALL
            SELECT d, true FROM unnest(v_default_months) AS d
        )
        SELECT w.month, bool_or(w.has_default_rows) AS has_default_rows
        FROM wanted w
        WHERE NOT EXISTS (
            SELECT 1 FROM attached a
            WHERE a.lower_bound <= (w.month::timestamp AT TIME ZONE 'UTC')
              AND (w.month::timestamp AT TIME ZONE 'UTC') < a.upper_bound)
        GROUP BY w.month
        ORDER BY w.month
    LOOP
        v_name := v_parent_rel || '_p' || to_char(v_plan.month, 'YYYYMM');
        v_child := format('%I.%I', v_child_nsp, v_name);
        v_lower := v_plan.month::timestamp AT TIME ZONE 'UTC';
        v_upper := (v_plan.month + interval '1 month') AT TIME ZONE 'UTC';
        v_target := v_parent;
        IF to_regclass(v_child) IS NOT NULL THEN
            -- Only an archive (a partition detached by retention) can hold this name while its
            -- month is uncovered. Late rows of an archived month join their archive.
            IF NOT (v_plan.has_default_rows AND v_plan.month < v_cutoff) THEN
                RAISE EXCEPTION 'maintain_partitions: cannot create partition % of %: a table of that name exists', v_child, v_parent
                    USING ERRCODE = 'duplicate_table',
                          HINT = 'Is it an archive inside the retention window? Re-attach it with ALTER TABLE ... ATTACH PARTITION.';
            END IF;
            v_target := v_child;
        ELSE
            action := 'create';
            partition_name := v_child;
            detail := format('FOR VALUES FROM (%L) TO (%L)', v_lower, v_upper);
            IF NOT p_dry_run THEN
                EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', v_child, v_parent, v_lower, v_upper);
                EXECUTE format('COMMENT ON TABLE %s IS %L', v_child,
                    format('Monthly partition of %s for %s (UTC), created by maintain_partitions().', v_parent, to_char(v_plan.month, 'YYYY-MM')));
            ELSIF v_plan.month < v_cutoff THEN
                v_planned_old := v_planned_old || v_child;
            END IF;
            RETURN NEXT;
        END IF;

        IF v_plan.has_default_rows THEN
            IF p_dry_run THEN
                EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I >= %L AND %I < %L',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper) INTO v_count;
            ELSE
                EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= %L AND %I < %L RETURNING %s) '
                               'INSERT INTO %s (%s) SELECT %s FROM moved',
                               v_child_nsp, v_default, v_key, v_lower, v_key, v_upper, v_columns,
                               v_target, v_columns, v_columns);
                GET DIAGNOSTICS v_count = ROW_COUNT;
            END IF;
            action := 'move';
            partition_name := v_child;
            detail := format('%s row(s) from %I.%I', v_count, v_child_nsp, v_default);
            RETURN NEXT;
        END IF;
    END LOOP;

    IF v_moving AND NOT p_dry_run THEN
        -- Attaching checks that no row left in the DEFAULT belongs to another partition; after the
        -- move only rows no monthly partition covers can remain (none, for a NOT NULL key).
        EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I DEFAULT', v_parent, v_child_nsp, v_default);
    END IF;

    -- Retention: detach, never drop, partitions whose whole month is older than the cutoff.
    FOR v_old IN
        SELECT format('%I.%I', n.nspname, c.relname) AS qualified, m[2]::timestamptz AS upper_bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), bound_pattern) AS m
        WHERE i.inhparent = p_parent
          AND m[2]::timestamptz <= (v_cutoff::timestamp AT TIME ZONE 'UTC')
        UNION ALL
        SELECT planned, NULL FROM unnest(v_planned_old) AS planned
        ORDER BY 1
    LOOP
        action := 'detach';
        partition_name := v_old.qualified;
        detail := format('older than the retention of %s month(s) (cutoff %s); kept as an archive, not dropped',
                         p_retention_months, v_cutoff);
        IF NOT p_dry_run THEN
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_parent, v_old.qualified);
            EXECUTE format('COMMENT ON TABLE %s IS %L', v_old.qualified,
                format('Archive of %s: detached by maintain_partitions() on %s, older than the retention of %s month(s); kept, not dropped.',
                       v_parent, current_date, p_retention_months));
            -- Detaching drops the cloned triggers; re-create the parent's on the archive.
            FOR v_trigger IN
                SELECT t.tgname, pg_get_triggerdef(t.oid) AS def
                FROM pg_trigger t WHERE t.tgrelid = p_parent AND NOT t.tgisinternal ORDER BY t.tgname
            LOOP
                v_prefix := 'CREATE TRIGGER ' || quote_ident(v_trigger.tgname) || ' ';
                v_on := ' ON ' || v_parent || ' ';
                v_rest := substr(v_trigger.def, length(v_prefix) + 1);
                v_pos := position(v_on IN v_rest);
                IF left(v_trigger.def, length(v_prefix)) <> v_prefix OR v_pos = 0 THEN
                    RAISE EXCEPTION 'maintain_partitions: cannot copy trigger % of % onto archive %: unexpected definition %',
                        v_trigger.tgname, v_parent, v_old.qualified, v_trigger.def;
                END IF;
                EXECUTE v_prefix || left(v_rest, v_pos - 1) || ' ON ' || v_old.qualified || ' '
                        || substr(v_rest, v_pos + length(v_on));
            END LOOP;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;

COMMENT ON FUNCTION maintain_partitions(regclass, integer, integer, boolean) IS
    'SEC-016: creates monthly partitions months ahead, moves DEFAULT rows into the partition that covers them, '
    'detaches (never drops) partitions older than the retention; idempotent, concurrent-safe (advisory lock), identifiers via format(%I). '
    'Returns one row per action; with dry_run it only reports.';
