-- Indexes of partitions (in any schema) and the index of the partitioned table they are attached to:
-- errors raised inside a partition name the partition's index, readers want the parent's.
SELECT child.relname AS name,
       parent.relname AS parent_index
FROM pg_inherits inh
JOIN pg_class child ON child.oid = inh.inhrelid AND child.relkind = 'i'
JOIN pg_class parent ON parent.oid = inh.inhparent AND parent.relkind = 'I'
JOIN pg_namespace n ON n.oid = parent.relnamespace
WHERE n.nspname = :schema
ORDER BY child.relname
