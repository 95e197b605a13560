-- A project's pools side by side: the table is keyed by project and creation
-- order (WITHOUT ROWID: the rows live in that key's B-tree), so a list reads
-- a run of neighbouring pages, however many other projects share the file.
-- New files use 16 KiB pages (set when the file is created), which hold a
-- pool's row whole; older files keep their page size.
CREATE TABLE pools_by_project (
    project_id     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    workspace_id   TEXT    NOT NULL,
    phase          TEXT    NOT NULL,
    parent         TEXT,
    created_ms     INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    next_due_ms    INTEGER,
    labels         TEXT    NOT NULL,
    doc            TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    lease_owner    TEXT,
    lease_until_ms INTEGER,
    lease_due_ms   INTEGER,
    PRIMARY KEY (project_id, created_ms, name)
) WITHOUT ROWID;
INSERT INTO pools_by_project
    SELECT project_id, name, workspace_id, phase, parent, created_ms, version, next_due_ms,
           labels, doc, state, lease_owner, lease_until_ms, lease_due_ms
    FROM pools;
DROP TABLE pools;
ALTER TABLE pools_by_project RENAME TO pools;
-- Names are unique per project; reads and writes of one pool go through here.
CREATE UNIQUE INDEX pools_by_name ON pools (project_id, name);
CREATE INDEX pools_due ON pools (next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX pools_project_due ON pools (project_id, next_due_ms) WHERE next_due_ms IS NOT NULL;
