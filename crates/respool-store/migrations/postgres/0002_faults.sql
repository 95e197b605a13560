-- Fault rules of the admin API. A pool copies the faults that match its
-- labels into its own state; this table is where new pools find them.
CREATE TABLE faults (
    id             TEXT    PRIMARY KEY,
    label_selector TEXT    NOT NULL,
    effect         TEXT    NOT NULL,
    count          BIGINT,
    created_ms     BIGINT NOT NULL
);
