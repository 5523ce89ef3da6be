-- Full definitions of the schema's own functions (CREATE OR REPLACE FUNCTION ... as PostgreSQL
-- deparses it), for the committed whole-schema dump: a change of a body shows as a diff there.
SELECT p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_functiondef(p.oid) AS definition
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
WHERE n.nspname = ANY(:schemas)
  AND p.prokind IN ('f', 'p')
  AND d.objid IS NULL
ORDER BY p.proname, arguments
