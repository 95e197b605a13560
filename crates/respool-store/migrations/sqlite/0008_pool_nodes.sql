-- A pool's nodes in rows of their own, apart from the pool's row: a change
-- writes only the nodes that changed, and a list of pools reads no nodes.
-- `seq` keeps the order nodes joined in (a later write's are larger).
-- Pools written before keep their nodes in `state` until their next write.
CREATE TABLE pool_nodes (
    project_id TEXT    NOT NULL,
    pool_name  TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (project_id, pool_name, name)
) WITHOUT ROWID;
-- Tells a pool from an earlier one of the same name, so a replica's copy of
-- an earlier pool's nodes is never taken for the new one's.
ALTER TABLE pools ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 0;
-- What a pool quota counts, read from the index alone (not the pools' rows).
CREATE INDEX pools_by_phase ON pools (project_id, workspace_id, phase);
