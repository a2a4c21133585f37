-- credence PostgreSQL schema, version 2: the live state (credence_engine::live), as in
-- SQLite schema version 6: rows (table, merchant, key) -> opaque bytes, maintained in
-- the ingest transaction. Merchant and key use the "C" collation, so that a scan lists
-- keys in byte order, exactly as in SQLite, whatever the database's locale.

CREATE TABLE live (
    tbl      BIGINT NOT NULL,           -- the kind of row (credence_store::LiveTable::code)
    merchant TEXT COLLATE "C" NOT NULL,
    key      TEXT COLLATE "C" NOT NULL,
    pos      BIGINT,                    -- order for due look-ups (next evaluation point)
    value    BYTEA NOT NULL,
    PRIMARY KEY (tbl, merchant, key)
);

CREATE INDEX live_pos ON live (tbl, merchant, pos) WHERE pos IS NOT NULL;
