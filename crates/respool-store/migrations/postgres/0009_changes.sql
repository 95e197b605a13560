-- The change feed: every write of a pool takes the next number of its
-- project (`feed_heads.seq`, bumped in the write's transaction, so numbers
-- commit in order) and records what it changed, one row an object: the pool,
-- the nodes it added, changed or removed, the events it raised. Watchers on
-- any replica read the rows after the number they last saw. Rows at or below
-- `floor` were trimmed: a watch from there must start again from a list.
CREATE TABLE feed_heads (
    project_id TEXT    NOT NULL PRIMARY KEY,
    seq        BIGINT NOT NULL,
    floor      BIGINT NOT NULL
);
CREATE TABLE changes (
    project_id TEXT    NOT NULL,
    seq        BIGINT NOT NULL,
    ord        BIGINT NOT NULL,
    kind       TEXT    NOT NULL,
    pool_name  TEXT    NOT NULL,
    change     TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    PRIMARY KEY (project_id, seq, ord)
);
