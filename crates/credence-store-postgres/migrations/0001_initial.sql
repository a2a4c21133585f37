-- credence PostgreSQL schema, version 1: the tables of SQLite schema version 5.
-- Text that is sorted or compared for order uses the "C" collation, so that orderings
-- are byte orderings, exactly as in SQLite, whatever the database's locale.

CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- acceptance (= commit) order
    id         TEXT COLLATE "C" NOT NULL UNIQUE,                 -- the event id: idempotency key
    type       TEXT NOT NULL,
    at         BIGINT NOT NULL,                                  -- epoch microseconds
    merchant   TEXT COLLATE "C" NOT NULL,
    customer   TEXT COLLATE "C",
    raw        TEXT NOT NULL,                                    -- the line as received
    ledger_idx BIGINT                                            -- log index of a logged event
);

CREATE TABLE ledger_leaves (
    idx   BIGINT PRIMARY KEY,  -- log index, from 0
    leaf  BYTEA NOT NULL,      -- leaf bytes (docs/ledger-format.md section 2)
    nodes BYTEA NOT NULL       -- interior hashes this entry completed, level 1 up
);

CREATE TABLE ledger_secrets (
    merchant TEXT COLLATE "C" NOT NULL,
    customer TEXT COLLATE "C" NOT NULL,
    secret   BYTEA NOT NULL,   -- 32 random bytes; salts = HMAC(secret, event id)
    PRIMARY KEY (merchant, customer)
);

CREATE TABLE ledger_tombstones (
    idx       BIGINT PRIMARY KEY, -- log index of the erased event
    tombstone BYTEA NOT NULL      -- docs/ledger-format.md section 4
);

CREATE TABLE ledger_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL            -- the signed checkpoint, verbatim
);

CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY,       -- 'origin', 'erasures'
    value TEXT NOT NULL
);

CREATE TABLE text_analysis (
    event_id TEXT COLLATE "C" PRIMARY KEY, -- the analysed event
    model    TEXT NOT NULL,                -- which analyser made it (a stale model is a miss)
    json     TEXT NOT NULL                 -- what it read, as the caller serialised it
);

CREATE TABLE alert_status (
    id     TEXT COLLATE "C" PRIMARY KEY, -- the alert id (derived from the data, stable)
    status TEXT NOT NULL,                -- acked | resolved (open is the absence of a row)
    at     BIGINT NOT NULL               -- when a person set it, epoch microseconds
);

CREATE TABLE api_keys (
    id         TEXT COLLATE "C" PRIMARY KEY, -- public identifier
    hash       TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the secret; the key is never stored
    scopes     TEXT NOT NULL,                -- space-separated, sorted
    merchant   TEXT,                         -- NULL = every merchant
    created_at BIGINT NOT NULL,              -- epoch microseconds
    revoked_at BIGINT
);
