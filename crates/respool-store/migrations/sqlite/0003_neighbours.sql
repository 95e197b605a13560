-- The pool's neighbours. A network is one row like a pool: the object as
-- stored (doc; its phase is derived from ready_ms on the virtual clock), and
-- the columns lists order and filter on.
CREATE TABLE networks (
    project_id TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    ready_ms   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    labels     TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (project_id, name)
);
CREATE INDEX networks_by_time ON networks (project_id, created_ms, name);

-- Workspaces; the default one ("0") is stored when a project first reads it.
-- Names are unique within a project.
CREATE TABLE workspaces (
    project_id TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX workspaces_by_name ON workspaces (project_id, name);
