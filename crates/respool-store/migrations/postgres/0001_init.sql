-- One row per pool: the object as served (doc), the lifecycle state beside
-- it, and the columns that lists filter and order on.
CREATE TABLE pools (
    project_id   TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    workspace_id TEXT   NOT NULL,
    phase        TEXT   NOT NULL,
    parent       TEXT,
    created_ms   BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    next_due_ms  BIGINT,
    labels       TEXT   NOT NULL,
    doc          TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    PRIMARY KEY (project_id, name)
);
CREATE INDEX pools_by_workspace ON pools (project_id, workspace_id, created_ms, name);
CREATE INDEX pools_due ON pools (next_due_ms) WHERE next_due_ms IS NOT NULL;
CREATE INDEX pools_project_due ON pools (project_id, next_due_ms) WHERE next_due_ms IS NOT NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE credentials (
    access_key     TEXT PRIMARY KEY,
    secret_key     TEXT   NOT NULL,
    domain_id      TEXT   NOT NULL,
    project_ids    TEXT   NOT NULL,
    security_token TEXT,
    expires_ms     BIGINT,
    created_ms     BIGINT NOT NULL
);

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT   NOT NULL,
    domain_id     TEXT   NOT NULL,
    project_ids   TEXT   NOT NULL,
    created_ms    BIGINT NOT NULL
);
