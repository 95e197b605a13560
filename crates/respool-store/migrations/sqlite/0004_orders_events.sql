-- Orders and events of pools. Each is written in the same transaction as the
-- pool change that made it, and outlives the pool: a deleted pool's orders
-- and events stay listable. The id orders rows written at the same instant;
-- an event's uid (its metadata.name) makes writing it again a no-op.
CREATE TABLE orders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    resource_name TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    workspace_id  TEXT    NOT NULL,
    phase         TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    doc           TEXT    NOT NULL,
    items         TEXT    NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX orders_by_time ON orders (project_id, created_ms, id);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT    NOT NULL,
    resource   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    uid        TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    event_type TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    UNIQUE (project_id, uid)
);
CREATE INDEX events_by_resource ON events (project_id, resource, name, created_ms, id);
