-- The attributes and memberships of the given roles: a privilege matrix read from ACLs is the
-- whole truth only if these roles inherit nothing, bypass nothing and cannot log in themselves.
SELECT r.rolname AS name,
       r.rolsuper AS is_superuser,
       r.rolbypassrls AS bypasses_rls,
       r.rolcanlogin AS can_login,
       r.rolcreaterole AS can_create_role,
       r.rolcreatedb AS can_create_db,
       coalesce(array_agg(g.rolname::text ORDER BY g.rolname) FILTER (WHERE g.rolname IS NOT NULL), '{}') AS member_of,
       shobj_description(r.oid, 'pg_authid') AS comment
FROM pg_roles r
LEFT JOIN pg_auth_members m ON m.member = r.oid
LEFT JOIN pg_roles g ON g.oid = m.roleid
WHERE r.rolname = ANY(:roles)
GROUP BY r.oid, r.rolname, r.rolsuper, r.rolbypassrls, r.rolcanlogin, r.rolcreaterole, r.rolcreatedb
ORDER BY r.rolname
