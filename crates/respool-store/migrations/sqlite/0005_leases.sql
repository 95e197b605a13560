-- Reconciler leases: a replica claims a due pool for a while, so replicas
-- share the work. A lease covers one stage (the next_due_ms it was taken at).
ALTER TABLE pools ADD COLUMN lease_owner TEXT;
ALTER TABLE pools ADD COLUMN lease_until_ms INTEGER;
ALTER TABLE pools ADD COLUMN lease_due_ms INTEGER;
