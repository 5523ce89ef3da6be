-- Who may do what to which object: every privilege granted to a role other than the object's
-- owner, on relations (tables, partitioned tables, views, sequences), on single columns, on
-- functions and on schemas, in every schema that is not PostgreSQL's own (the partitions schema
-- too: a grant on a partition would bypass its parent). A NULL ACL means the built-in defaults
-- (acldefault), which is how PUBLIC gets EXECUTE on functions and USAGE on schema public:
-- reading the raw ACL alone would hide exactly those. PUBLIC is grantee 0.
WITH app_namespaces AS (
    SELECT oid, nspname, nspowner
    FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema')
      AND nspname NOT LIKE 'pg\_toast%'
      AND nspname NOT LIKE 'pg\_temp\_%'
), grants AS (
    SELECT n.nspname AS schema_name, c.relname::text AS object_name,
           CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS object_kind,
           NULL::text AS column_name, a.grantee, a.privilege_type, a.is_grantable, c.relowner AS owner
    FROM pg_class c
    JOIN app_namespaces n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    UNION ALL
    SELECT n.nspname, c.relname::text, 'table', att.attname::text, a.grantee, a.privilege_type, a.is_grantable, c.relowner
    FROM pg_attribute att
    JOIN pg_class c ON c.oid = att.attrelid
    JOIN app_namespaces n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(att.attacl) a
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND att.attnum > 0
      AND NOT att.attisdropped
    UNION ALL
    SELECT n.nspname, format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid)),
           'function', NULL, a.grantee, a.privilege_type, a.is_grantable, p.proowner
    FROM pg_proc p
    JOIN app_namespaces n ON n.oid = p.pronamespace
    CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT n.nspname, n.nspname::text, 'schema', NULL, a.grantee, a.privilege_type, a.is_grantable, n.nspowner
    FROM app_namespaces n
    CROSS JOIN LATERAL aclexplode(coalesce((SELECT nspacl FROM pg_namespace WHERE oid = n.oid), acldefault('n', n.nspowner))) a
)
SELECT g.schema_name AS "schema",
       g.object_name,
       g.object_kind,
       g.column_name AS "column",
       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END AS grantee,
       g.privilege_type AS privilege,
       g.is_grantable AS grantable,
       pg_get_userbyid(g.owner) AS owner
FROM grants g
WHERE g.grantee <> g.owner
ORDER BY g.schema_name, g.object_kind, g.object_name, g.column_name NULLS FIRST, grantee, privilege
