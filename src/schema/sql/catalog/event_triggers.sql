-- Event triggers of the database (DDL audit): name, event, tags filter, function, enabled state.
SELECT e.evtname AS name,
       e.evtevent AS event,
       coalesce(e.evttags, '{}')::text[] AS tags,
       p.proname AS function_name,
       e.evtenabled AS enabled,
       obj_description(e.oid, 'pg_event_trigger') AS comment
FROM pg_event_trigger e
JOIN pg_proc p ON p.oid = e.evtfoid
ORDER BY e.evtname
