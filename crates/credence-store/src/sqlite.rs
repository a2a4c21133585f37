//! The default store: one SQLite file, no server.
//!
//! WAL journal with `synchronous = NORMAL`: a committed batch survives the process
//! being killed (the WAL is on disk before `COMMIT` returns); only a power cut can lose
//! the last batches. Timestamps are integer epoch microseconds.
//!
//! # The transparency log's tables (schema version 2)
//!
//! - `ledger_leaves(idx, leaf, nodes)`: one row per log entry: the leaf bytes and the
//!   interior tree hashes completed by appending it (32 bytes × the number of trailing
//!   1-bits of `idx`, i.e. one hash per entry on average). Level-0 hashes are not stored:
//!   they are `SHA-256(0x00 ‖ leaf)`. A stored hash at level `L ≥ 1`, index `k` lives in
//!   row `(k+1)·2^L − 1` at offset `32·(L−1)` of `nodes`.
//! - `events.ledger_idx`: the log index of a logged event (NULL for other types).
//! - `ledger_secrets(merchant, customer, secret)`: 32 random bytes per relationship,
//!   created with its first logged event, deleted by erasure.
//! - `ledger_tombstones(idx, tombstone)`, `ledger_checkpoints(size, note)`,
//!   `ledger_meta(key, value)` (the origin).
//!
//! # The text-analysis cache (schema version 3)
//!
//! `text_analysis(event_id, model, json)`: what a text analyser read in an event's text
//! ([`crate::TextCache`]), filled lazily by the first evaluation that needs it, never by
//! ingest; erasure deletes the rows of the erased events.

use std::collections::HashMap;
use std::path::Path;

use credence_ledger::{
    Hash, HashReader, LedgerError, StoredHashes, Tombstone, TreeStore, compute_append, leaf_hash,
    split_stored_hash_index, stored_hash_count,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::ledger::{Erasure, LOGGED_TYPES, LedgerRecord, LedgerStore, anonymize, event_leaf};
use crate::{
    DanglingReference, EventStore, Filter, NewEvent, Outcome, Stats, StoreError, StoredEvent,
    TextCache, classify_existing,
};
use credence_events::{Event, EventBody, Subject};

/// Newest schema this build writes; see [`MIGRATIONS`].
const SCHEMA_VERSION: i64 = 6;

/// Schema migrations, applied in order; entry `i` takes the store to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE events (
        seq      INTEGER PRIMARY KEY,   -- acceptance order
        id       TEXT NOT NULL UNIQUE,  -- the event id: idempotency key
        type     TEXT NOT NULL,
        at       INTEGER NOT NULL,      -- epoch microseconds
        merchant TEXT NOT NULL,
        customer TEXT,
        raw      TEXT NOT NULL          -- the line as received
    );
",
    "
    ALTER TABLE events ADD COLUMN ledger_idx INTEGER; -- log index of a logged event
    CREATE TABLE ledger_leaves (
        idx   INTEGER PRIMARY KEY,  -- log index, from 0
        leaf  BLOB NOT NULL,        -- leaf bytes (docs/ledger-format.md section 2)
        nodes BLOB NOT NULL         -- interior hashes this entry completed, level 1 up
    );
    CREATE TABLE ledger_secrets (
        merchant TEXT NOT NULL,
        customer TEXT NOT NULL,
        secret   BLOB NOT NULL,     -- 32 random bytes; salts = HMAC(secret, event id)
        PRIMARY KEY (merchant, customer)
    ) WITHOUT ROWID;
    CREATE TABLE ledger_tombstones (
        idx       INTEGER PRIMARY KEY, -- log index of the erased event
        tombstone BLOB NOT NULL        -- docs/ledger-format.md section 4
    );
    CREATE TABLE ledger_checkpoints (
        size INTEGER PRIMARY KEY,
        note TEXT NOT NULL             -- the signed checkpoint, verbatim
    );
    CREATE TABLE ledger_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE text_analysis (
        event_id TEXT PRIMARY KEY,  -- the analysed event
        model    TEXT NOT NULL,     -- which analyser made it (a stale model is a miss)
        json     TEXT NOT NULL      -- what it read, as the caller serialised it
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE alert_status (
        id     TEXT PRIMARY KEY,    -- the alert id (derived from the data, stable)
        status TEXT NOT NULL,       -- acked | resolved (open is the absence of a row)
        at     INTEGER NOT NULL     -- when a person set it, epoch microseconds
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,     -- public identifier
        hash       TEXT NOT NULL UNIQUE, -- hex SHA-256 of the secret; the key is never stored
        scopes     TEXT NOT NULL,        -- space-separated, sorted
        merchant   TEXT,                 -- NULL = every merchant
        created_at INTEGER NOT NULL,     -- epoch microseconds
        revoked_at INTEGER
    );
",
    "
    -- The live state (credence_engine::live): rows maintained in the ingest transaction.
    CREATE TABLE live (
        tbl      INTEGER NOT NULL,  -- the kind of row (credence_store::LiveTable)
        merchant TEXT NOT NULL,
        key      TEXT NOT NULL,
        pos      INTEGER,           -- order for due look-ups (next evaluation point)
        value    BLOB NOT NULL,
        PRIMARY KEY (tbl, merchant, key)
    );
    CREATE INDEX live_pos ON live (tbl, merchant, pos) WHERE pos IS NOT NULL;
",
];
// No secondary index on purpose: an index on (merchant, at) made ingest 2.5 times
// slower (random inserts); reads by merchant are full scans, which the engine's
// rebuild does anyway. See the README's performance section.

/// An [`EventStore`] and [`LedgerStore`] in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    /// Ledger secrets read or created by committed batches, so that ingest does not
    /// query them per event. Cleared by erasure.
    secrets: HashMap<(String, String), [u8; 32]>,
    /// The store's erasure count when `secrets` was filled: another process's erasure
    /// bumps it, and the cache is dropped before the next batch.
    secrets_epoch: i64,
}

/// Bound on [`SqliteStore::secrets`]; past it the cache starts again empty.
const SECRET_CACHE_MAX: usize = 1 << 20;

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::init(Connection::open(path)?)
    }

    /// A store in memory, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -65536)?; // 64 MiB: keeps the id index hot
        let mut store = SqliteStore {
            conn,
            secrets: HashMap::new(),
            secrets_epoch: 0,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql)?;
            if i + 1 == 2 {
                backfill_ledger(&tx)?;
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The path of the database file (`None` in memory).
    pub fn path(&self) -> Option<&str> {
        self.conn.path()
    }

    /// Inserts a batch in one transaction, calling `hook` (the live state) with the
    /// accepted events before it commits.
    fn insert_with(
        &mut self,
        batch: &[NewEvent],
        hook: Option<crate::LiveHook<'_>>,
    ) -> Result<Vec<Outcome>, StoreError> {
        // Immediate: the log size read below must not change before this batch commits.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut new_secrets = HashMap::new();
        let size = ledger_size(&tx)?;
        let epoch = erasure_epoch(&tx)?;
        if epoch != self.secrets_epoch {
            self.secrets.clear();
            self.secrets_epoch = epoch;
        }
        let mut leaves: Vec<Vec<u8>> = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (id, type, at, merchant, customer, raw, ledger_idx)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            )?;
            let mut existing = tx.prepare_cached("SELECT raw FROM events WHERE id = ?1")?;
            for new in batch {
                let e = &new.event;
                let logged = crate::ledger::is_logged(e);
                let index = logged.then(|| (size + leaves.len() as u64) as i64);
                let inserted = insert.execute(params![
                    e.id,
                    e.event_type(),
                    e.at.as_microsecond(),
                    e.merchant,
                    e.customer,
                    new.raw,
                    index
                ])?;
                if inserted == 1 {
                    outcomes.push(Outcome::Accepted);
                    if let Some(leaf) = leaf_bytes(&tx, &self.secrets, &mut new_secrets, e)? {
                        leaves.push(leaf);
                    }
                } else {
                    let stored: String = existing.query_row([&e.id], |r| r.get(0))?;
                    outcomes.push(classify_existing(&stored, &new.raw));
                }
            }
        }
        append_leaves(&tx, size, &leaves)?;
        if let Some(hook) = hook {
            let accepted: Vec<&NewEvent> = batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| **o == Outcome::Accepted)
                .map(|(n, _)| n)
                .collect();
            hook(&accepted, &mut LiveTx(&tx))?;
        }
        tx.commit()?;
        if self.secrets.len() + new_secrets.len() > SECRET_CACHE_MAX {
            self.secrets.clear();
        }
        self.secrets.extend(new_secrets);
        Ok(outcomes)
    }
}

/// Live rows through a connection or a transaction in progress.
struct LiveTx<'c>(&'c Connection);

impl crate::LiveRead for LiveTx<'_> {
    fn live_get(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut q = self.0.prepare_cached(
            "SELECT value FROM live WHERE tbl = ?1 AND merchant = ?2 AND key = ?3",
        )?;
        Ok(
            q.query_row(params![table.code(), merchant, key], |r| r.get(0))
                .optional()?,
        )
    }

    fn live_scan(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        visit: crate::live::LiveVisit<'_>,
    ) -> Result<(), StoreError> {
        let mut q = self.0.prepare_cached(
            "SELECT key, value FROM live WHERE tbl = ?1 AND merchant = ?2 ORDER BY key",
        )?;
        let mut rows = q.query(params![table.code(), merchant])?;
        while let Some(row) = rows.next()? {
            let key = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let value = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            visit(key, value)?;
        }
        Ok(())
    }

    fn live_before(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        pos: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut q = self.0.prepare_cached(
            "SELECT key FROM live WHERE tbl = ?1 AND merchant = ?2 AND pos < ?3 ORDER BY key",
        )?;
        let keys = q
            .query_map(params![table.code(), merchant, pos], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(keys)
    }
}

impl crate::LiveWrite for LiveTx<'_> {
    fn live_put(
        &mut self,
        table: crate::LiveTable,
        merchant: &str,
        key: &str,
        pos: Option<i64>,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let mut q = self.0.prepare_cached(
            "INSERT INTO live (tbl, merchant, key, pos, value) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tbl, merchant, key) DO UPDATE SET pos = excluded.pos, value = excluded.value",
        )?;
        q.execute(params![table.code(), merchant, key, pos, value])?;
        Ok(())
    }

    fn live_delete(
        &mut self,
        table: crate::LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        let mut q = self
            .0
            .prepare_cached("DELETE FROM live WHERE tbl = ?1 AND merchant = ?2 AND key = ?3")?;
        q.execute(params![table.code(), merchant, key])?;
        Ok(())
    }

    fn live_clear(&mut self, merchant: Option<&str>) -> Result<(), StoreError> {
        match merchant {
            Some(m) => self
                .0
                .execute("DELETE FROM live WHERE merchant = ?1", [m])?,
            None => self.0.execute("DELETE FROM live", [])?,
        };
        Ok(())
    }

    fn max_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .0
            .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?)
    }
}

impl crate::LiveRead for SqliteStore {
    fn live_get(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        LiveTx(&self.conn).live_get(table, merchant, key)
    }

    fn live_scan(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        visit: crate::live::LiveVisit<'_>,
    ) -> Result<(), StoreError> {
        LiveTx(&self.conn).live_scan(table, merchant, visit)
    }

    fn live_before(
        &self,
        table: crate::LiveTable,
        merchant: &str,
        pos: i64,
    ) -> Result<Vec<String>, StoreError> {
        LiveTx(&self.conn).live_before(table, merchant, pos)
    }
}

impl crate::LiveStore for SqliteStore {
    fn insert_batch_live(
        &mut self,
        batch: &[NewEvent],
        hook: crate::LiveHook<'_>,
    ) -> Result<Vec<Outcome>, StoreError> {
        self.insert_with(batch, Some(hook))
    }

    fn live_transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::LiveWrite) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut LiveTx(&tx))?;
        tx.commit()?;
        Ok(())
    }
}

/// Version 1 → 2: appends the events already stored, in acceptance order, to the new log.
fn backfill_ledger(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, id, raw FROM events WHERE type IN ('commitment','commitment_result','review') ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut secrets = HashMap::new();
    let mut new_secrets = HashMap::new();
    let mut leaves = Vec::new();
    let mut seqs = Vec::new();
    while let Some(row) = rows.next()? {
        let id: String = row.get(1)?;
        let stored = parse_stored(row.get(0)?, &id, row.get(2)?)?;
        if let Some(leaf) = leaf_bytes(conn, &secrets, &mut new_secrets, &stored.event)? {
            leaves.push(leaf);
            seqs.push(stored.seq);
        }
        if leaves.len() >= 10_000 {
            flush_backfill(conn, &mut leaves, &mut seqs)?;
            secrets.extend(new_secrets.drain());
        }
    }
    flush_backfill(conn, &mut leaves, &mut seqs)
}

fn flush_backfill(
    conn: &Connection,
    leaves: &mut Vec<Vec<u8>>,
    seqs: &mut Vec<i64>,
) -> Result<(), StoreError> {
    let size = ledger_size(conn)?;
    append_leaves(conn, size, leaves)?;
    let mut set = conn.prepare_cached("UPDATE events SET ledger_idx = ?1 WHERE seq = ?2")?;
    for (i, seq) in seqs.iter().enumerate() {
        set.execute(params![(size + i as u64) as i64, seq])?;
    }
    leaves.clear();
    seqs.clear();
    Ok(())
}

/// How many erasures the store has seen (`ledger_meta` key `erasures`).
fn erasure_epoch(conn: &Connection) -> Result<i64, StoreError> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM ledger_meta WHERE key = 'erasures'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn ledger_size(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT coalesce(max(idx) + 1, 0) FROM ledger_leaves",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// The leaf bytes of a logged event, creating the customer's secret (in `new_secrets`,
/// written to `conn`) on their first logged event. `None` for events not logged.
fn leaf_bytes(
    conn: &Connection,
    cache: &HashMap<(String, String), [u8; 32]>,
    new_secrets: &mut HashMap<(String, String), [u8; 32]>,
    event: &Event,
) -> Result<Option<Vec<u8>>, StoreError> {
    if !crate::ledger::is_logged(event) {
        return Ok(None);
    }
    let secret = match &event.customer {
        None => None,
        Some(c) => {
            let key = (event.merchant.clone(), c.clone());
            match cache.get(&key).or_else(|| new_secrets.get(&key)) {
                Some(s) => Some(*s),
                None => {
                    let s = match read_secret(conn, &event.merchant, c)? {
                        Some(s) => s,
                        None => {
                            let s: [u8; 32] = rand::random();
                            conn.prepare_cached(
                                "INSERT INTO ledger_secrets (merchant, customer, secret) VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![event.merchant, c, &s[..]])?;
                            s
                        }
                    };
                    new_secrets.insert(key, s);
                    Some(s)
                }
            }
        }
    };
    let Some((leaf, _)) = event_leaf(event, secret.as_ref().map(|s| &s[..]))? else {
        return Ok(None);
    };
    leaf.encode().map(Some).map_err(|e| StoreError::Ledger {
        event: event.id.clone(),
        reason: e.to_string(),
    })
}

fn read_secret(
    conn: &Connection,
    merchant: &str,
    customer: &str,
) -> Result<Option<[u8; 32]>, StoreError> {
    let v: Option<Vec<u8>> = conn
        .prepare_cached("SELECT secret FROM ledger_secrets WHERE merchant = ?1 AND customer = ?2")?
        .query_row(params![merchant, customer], |r| r.get(0))
        .optional()?;
    v.map(|v| {
        <[u8; 32]>::try_from(&v[..]).map_err(|_| StoreError::Corrupt {
            id: format!("secret of {merchant}/{customer}"),
            reason: "not 32 bytes".into(),
        })
    })
    .transpose()
}

/// Appends leaves (bytes) after `old_size` and writes their rows; the caller holds the
/// transaction.
fn append_leaves(conn: &Connection, old_size: u64, leaves: &[Vec<u8>]) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    let batch = compute_append(&Reader(conn), old_size, &hashes)?;
    let refs: Vec<&[u8]> = leaves.iter().map(|l| &l[..]).collect();
    write_rows(conn, &batch, &refs)
}

/// Writes the rows of one append batch: leaf `old_size + i` with the interior hashes it
/// completed.
fn write_rows(conn: &Connection, batch: &StoredHashes, leaves: &[&[u8]]) -> Result<(), StoreError> {
    let bad = |m: String| StoreError::Tree(LedgerError::Store(m.into()));
    if batch.new_size - batch.old_size != leaves.len() as u64
        || stored_hash_count(batch.new_size) - batch.start_index != batch.hashes.len() as u64
    {
        return Err(bad("the append batch does not fit its leaves".into()));
    }
    let mut insert =
        conn.prepare_cached("INSERT INTO ledger_leaves (idx, leaf, nodes) VALUES (?1, ?2, ?3)")?;
    let mut at = 0usize;
    let mut nodes = Vec::with_capacity(64 * 32);
    for (i, leaf) in leaves.iter().enumerate() {
        let n = batch.old_size + i as u64;
        let count = 1 + n.trailing_ones() as usize;
        let Some(hs) = batch.hashes.get(at..at + count) else {
            return Err(bad("the append batch is short".into()));
        };
        at += count;
        nodes.clear();
        for h in &hs[1..] {
            nodes.extend_from_slice(h.as_bytes());
        }
        insert.execute(params![n as i64, leaf, &nodes[..]])?;
    }
    Ok(())
}

/// Reads stored hashes from the `ledger_leaves` rows (see the module docs).
struct Reader<'a>(&'a Connection);

impl HashReader for Reader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        let missing = |i: u64| LedgerError::Store(format!("no stored hash at index {i}").into());
        let mut leaf = self
            .0
            .prepare_cached("SELECT leaf FROM ledger_leaves WHERE idx = ?1")
            .map_err(LedgerError::store)?;
        let mut nodes = self
            .0
            .prepare_cached("SELECT nodes FROM ledger_leaves WHERE idx = ?1")
            .map_err(LedgerError::store)?;
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes {
            let (level, k) = split_stored_hash_index(i);
            if level == 0 {
                let Ok(k) = i64::try_from(k) else {
                    return Err(missing(i));
                };
                let bytes: Option<Vec<u8>> = leaf
                    .query_row([k], |r| r.get(0))
                    .optional()
                    .map_err(LedgerError::store)?;
                out.push(leaf_hash(&bytes.ok_or_else(|| missing(i))?));
                continue;
            }
            let row = k
                .checked_add(1)
                .filter(|k1| k1.leading_zeros() > u32::from(level))
                .and_then(|k1| i64::try_from((k1 << level) - 1).ok())
                .ok_or_else(|| missing(i))?;
            let bytes: Option<Vec<u8>> = nodes
                .query_row([row], |r| r.get(0))
                .optional()
                .map_err(LedgerError::store)?;
            let off = 32 * (usize::from(level) - 1);
            let h = bytes
                .as_ref()
                .and_then(|b| b.get(off..off + 32))
                .ok_or_else(|| missing(i))?;
            out.push(Hash::try_from(h)?);
        }
        Ok(out)
    }
}

fn parse_stored(seq: i64, id: &str, raw: String) -> Result<StoredEvent, StoreError> {
    let event = credence_events::parse_event(&raw).map_err(|r| StoreError::Corrupt {
        id: id.to_string(),
        reason: r.message,
    })?;
    Ok(StoredEvent { seq, event, raw })
}

impl EventStore for SqliteStore {
    fn insert_batch(&mut self, batch: &[NewEvent]) -> Result<Vec<Outcome>, StoreError> {
        self.insert_with(batch, None)
    }

    fn scan(
        &self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut sql = String::from("SELECT seq, id, raw FROM events WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(m) = &filter.merchant {
            sql.push_str(" AND merchant = ?");
            args.push(m.clone().into());
        }
        if let Some(c) = &filter.customer {
            sql.push_str(" AND customer = ?");
            args.push(c.clone().into());
        }
        if let Some(t) = filter.up_to {
            sql.push_str(" AND at <= ?");
            args.push(t.as_microsecond().into());
        }
        sql.push_str(" ORDER BY at, id");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(1)?;
            visit(parse_stored(row.get(0)?, &id, row.get(2)?)?)?;
        }
        Ok(())
    }

    fn scan_since(
        &self,
        after_seq: i64,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, id, raw FROM events WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([after_seq])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(1)?;
            visit(parse_stored(row.get(0)?, &id, row.get(2)?)?)?;
        }
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row("SELECT seq, raw FROM events WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(seq, raw)| parse_stored(seq, id, raw)).transpose()
    }

    fn merchants(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT merchant FROM events ORDER BY merchant")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(Stats {
            events: count("SELECT count(*) FROM events")?,
            merchants: count("SELECT count(DISTINCT merchant) FROM events")?,
            relationships: count(
                "SELECT count(*) FROM (SELECT DISTINCT merchant, customer FROM events WHERE customer IS NOT NULL)",
            )?,
        })
    }

    fn dangling_references(&self) -> Result<Vec<DanglingReference>, StoreError> {
        crate::find_dangling_references(self)
    }
}

pub(crate) fn kind_name(kind: &str) -> &'static str {
    match kind {
        "order" => "order",
        "ticket" => "ticket",
        "review" => "review",
        _ => "commitment",
    }
}

/// The order, ticket, review or commitment an event brings into existence.
pub(crate) fn defines(e: &Event) -> Option<(&'static str, &str)> {
    match &e.body {
        EventBody::Order { order, .. } => Some(("order", order)),
        EventBody::Ticket { ticket, .. } => Some(("ticket", ticket)),
        EventBody::Review { .. } => Some(("review", &e.id)),
        EventBody::Commitment { commitment, .. } => Some(("commitment", commitment)),
        _ => None,
    }
}

/// The thing an event points at that another event must define.
pub(crate) fn refers_to(e: &Event) -> Option<Subject<'_>> {
    match &e.body {
        EventBody::Order { .. } | EventBody::Ticket { .. } | EventBody::Commitment { .. } => None,
        _ => e.subject(),
    }
}

impl HashReader for SqliteStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LedgerError> {
        Reader(&self.conn).read_hashes(indexes)
    }
}

/// The tree as a [`TreeStore`], for `credence_ledger::append` and the ledger's conformance
/// suite. Leaves appended this way have no event; ingest appends through
/// [`EventStore::insert_batch`].
impl TreeStore for SqliteStore {
    fn tree_size(&self) -> u64 {
        ledger_size(&self.conn).unwrap_or(0)
    }

    fn write_hashes(&mut self, _: &StoredHashes) -> Result<(), LedgerError> {
        Err(LedgerError::Store(
            "the SQLite store keeps leaf bytes instead of leaf hashes: append leaves with write_leaves"
                .into(),
        ))
    }

    fn write_leaves(&mut self, batch: &StoredHashes, leaves: &[&[u8]]) -> Result<(), LedgerError> {
        let to_ledger = |e: StoreError| match e {
            StoreError::Tree(e) => e,
            e => LedgerError::store(e),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(LedgerError::store)?;
        let size = ledger_size(&tx).map_err(to_ledger)?;
        if batch.old_size != size || batch.start_index != stored_hash_count(size) {
            return Err(LedgerError::Store(
                format!(
                    "batch for size {} does not follow the store (size {size})",
                    batch.old_size
                )
                .into(),
            ));
        }
        write_rows(&tx, batch, leaves).map_err(to_ledger)?;
        tx.commit().map_err(LedgerError::store)
    }
}

impl LedgerStore for SqliteStore {
    fn ledger_origin(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM ledger_meta WHERE key = 'origin'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn init_ledger_origin(&mut self, origin: &str) -> Result<String, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO ledger_meta (key, value) VALUES ('origin', ?1) ON CONFLICT (key) DO NOTHING",
            [origin],
        )?;
        let v: String = tx.query_row(
            "SELECT value FROM ledger_meta WHERE key = 'origin'",
            [],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(v)
    }

    fn erasures(&self) -> Result<u64, StoreError> {
        Ok(erasure_epoch(&self.conn)?.max(0) as u64)
    }

    fn ledger_size(&self) -> Result<u64, StoreError> {
        ledger_size(&self.conn)
    }

    fn ledger_leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .prepare_cached("SELECT leaf FROM ledger_leaves WHERE idx = ?1")?
            .query_row([index], |r| r.get(0))
            .optional()?)
    }

    fn ledger_index(&self, event_id: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.event_ledger_index(event_id)?.flatten())
    }

    fn event_ledger_index(&self, event_id: &str) -> Result<Option<Option<u64>>, StoreError> {
        let v: Option<Option<i64>> = self
            .conn
            .prepare_cached("SELECT ledger_idx FROM events WHERE id = ?1")?
            .query_row([event_id], |r| r.get(0))
            .optional()?;
        Ok(v.map(|i| i.map(|i| i as u64)))
    }

    fn event_raw(&self, event_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT raw FROM events WHERE id = ?1")?
            .query_row([event_id], |r| r.get(0))
            .optional()?)
    }

    fn customer_secret(
        &self,
        merchant: &str,
        customer: &str,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        read_secret(&self.conn, merchant, customer)
    }

    fn add_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO ledger_checkpoints (size, note) VALUES (?1, ?2) ON CONFLICT (size) DO NOTHING",
            params![size as i64, note],
        )?;
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT size, note FROM ledger_checkpoints ORDER BY size")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn scan_ledger(
        &self,
        visit: &mut dyn FnMut(LedgerRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.idx, l.leaf, t.tombstone FROM ledger_leaves l
             LEFT JOIN ledger_tombstones t ON t.idx = l.idx ORDER BY l.idx",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            visit(LedgerRecord {
                index: row.get::<_, i64>(0)? as u64,
                leaf: row.get(1)?,
                tombstone: row.get(2)?,
            })?;
        }
        Ok(())
    }

    fn scan_logged_events(
        &self,
        visit: &mut crate::ledger::LoggedEventVisitor<'_>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, type, ledger_idx FROM events WHERE type IN (?1, ?2, ?3) ORDER BY seq",
        )?;
        let mut rows = stmt.query(LOGGED_TYPES)?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let ty: String = row.get(1)?;
            let idx: Option<i64> = row.get(2)?;
            visit(&id, &ty, idx.map(|i| i as u64))?;
        }
        Ok(())
    }

    fn erase_customer(
        &mut self,
        customer: &str,
        merchant: Option<&str>,
    ) -> Result<Erasure, StoreError> {
        // Overwrite freed pages so the old lines do not linger in the file.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut erasure = Erasure {
            customer: customer.to_string(),
            ..Erasure::default()
        };
        let merchants: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT DISTINCT merchant FROM events WHERE customer = ?1 AND (?2 IS NULL OR merchant = ?2)
                 UNION SELECT merchant FROM ledger_secrets WHERE customer = ?1 AND (?2 IS NULL OR merchant = ?2)
                 ORDER BY 1",
            )?;
            let rows = stmt.query_map(params![customer, merchant], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for m in merchants {
            let pseudonym = format!(
                "erased-{}",
                Hash(rand::random()).to_hex().get(..32).unwrap_or_default()
            );
            let mut rows: Vec<(i64, String, String, Option<i64>)> = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT seq, id, raw, ledger_idx FROM events
                     WHERE merchant = ?1 AND (customer = ?2 OR type = 'referral') ORDER BY seq",
                )?;
                let mut q = stmt.query(params![m, customer])?;
                while let Some(r) = q.next()? {
                    rows.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
                }
            }
            for (seq, id, raw, idx) in rows {
                let stored = parse_stored(seq, &id, raw)?;
                let anon = anonymize(&stored.event, customer, &pseudonym);
                if anon == stored.event && stored.event.customer.as_deref() != Some(customer) {
                    continue; // a referral of someone else
                }
                tx.execute(
                    "UPDATE events SET customer = ?1, raw = ?2 WHERE seq = ?3",
                    params![anon.customer, anon.to_json().to_string(), seq],
                )?;
                erasure.events += 1;
                // The cached text analysis quotes the customer's words.
                tx.execute("DELETE FROM text_analysis WHERE event_id = ?1", [&id])?;
                if let Some(idx) = idx {
                    let leaf: Option<Vec<u8>> = tx
                        .query_row(
                            "SELECT leaf FROM ledger_leaves WHERE idx = ?1",
                            [idx],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let Some(leaf) = leaf else {
                        return Err(StoreError::Ledger {
                            event: id,
                            reason: format!(
                                "log entry {idx} is missing: run credence ledger audit"
                            ),
                        });
                    };
                    let t = Tombstone::for_leaf(&leaf).and_then(|t| t.encode())?;
                    erasure.tombstones += tx.execute(
                        "INSERT INTO ledger_tombstones (idx, tombstone) VALUES (?1, ?2) ON CONFLICT (idx) DO NOTHING",
                        params![idx, t],
                    )? as u64;
                }
            }
            erasure.secrets += tx.execute(
                "DELETE FROM ledger_secrets WHERE merchant = ?1 AND customer = ?2",
                params![m, customer],
            )? as u64;
            erasure.merchants.push((m, pseudonym));
        }
        let epoch = erasure_epoch(&tx)? + 1;
        tx.execute(
            "INSERT INTO ledger_meta (key, value) VALUES ('erasures', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [epoch.to_string()],
        )?;
        tx.commit()?;
        self.secrets.clear();
        // Move the rewritten pages out of the WAL into the main file, and empty the WAL.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(erasure)
    }
}

impl TextCache for SqliteStore {
    fn get_text_analyses(
        &self,
        model: &str,
        ids: &[&str],
        visit: &mut dyn FnMut(&str, &str),
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM text_analysis WHERE event_id = ?1 AND model = ?2")?;
        for id in ids {
            let json: Option<String> = stmt
                .query_row(params![id, model], |r| r.get(0))
                .optional()?;
            if let Some(json) = json {
                visit(id, &json);
            }
        }
        Ok(())
    }

    fn put_text_analyses(&self, model: &str, entries: &[(&str, String)]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO text_analysis (event_id, model, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (event_id) DO UPDATE SET model = excluded.model, json = excluded.json",
            )?;
            for (id, json) in entries {
                stmt.execute(params![id, model, json])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

impl crate::AlertStatusStore for SqliteStore {
    fn set_alert_status(
        &mut self,
        id: &str,
        status: &str,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO alert_status (id, status, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, at = excluded.at",
            params![id, status, at.as_microsecond()],
        )?;
        Ok(())
    }

    fn alert_statuses(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, status FROM alert_status")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl crate::KeyStore for SqliteStore {
    fn add_api_key(&mut self, key: &crate::ApiKeyRecord) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO api_keys (id, hash, scopes, merchant, created_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                key.id,
                key.hash,
                key.scopes.join(" "),
                key.merchant,
                key.created_at.as_microsecond(),
                key.revoked_at.map(|t| t.as_microsecond()),
            ],
        )?;
        Ok(())
    }

    fn api_keys(&self) -> Result<Vec<crate::ApiKeyRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, hash, scopes, merchant, created_at, revoked_at FROM api_keys
             ORDER BY created_at, id",
        )?;
        let rows = stmt.query_map([], api_key_row)?;
        rows.map(|r| r?).collect()
    }

    fn api_key_by_hash(&self, hash: &str) -> Result<Option<crate::ApiKeyRecord>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT id, hash, scopes, merchant, created_at, revoked_at FROM api_keys
                 WHERE hash = ?1",
            )?
            .query_row([hash], api_key_row)
            .optional()?
            .transpose()
    }

    fn revoke_api_key(&mut self, id: &str, at: jiff::Timestamp) -> Result<bool, StoreError> {
        let known = self.conn.execute(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            params![id, at.as_microsecond()],
        )?;
        Ok(known > 0)
    }
}

fn api_key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<crate::ApiKeyRecord, StoreError>> {
    let id: String = r.get(0)?;
    let scopes: String = r.get(2)?;
    let micros = |v: i64| {
        jiff::Timestamp::from_microsecond(v).map_err(|e| StoreError::Corrupt {
            id: id.clone(),
            reason: format!("API key time: {e}"),
        })
    };
    let created_at = micros(r.get(4)?);
    let revoked_at = r.get::<_, Option<i64>>(5)?.map(micros).transpose();
    Ok((|| {
        Ok(crate::ApiKeyRecord {
            hash: r.get(1).map_err(StoreError::from)?,
            scopes: scopes.split_whitespace().map(str::to_string).collect(),
            merchant: r.get(3).map_err(StoreError::from)?,
            created_at: created_at?,
            revoked_at: revoked_at?,
            id: id.clone(),
        })
    })())
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.conn.path())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_conformance_suite() {
        crate::conformance::run_all(&mut || SqliteStore::in_memory().expect("in-memory store"));
        crate::conformance::run_live(&mut || SqliteStore::in_memory().expect("in-memory store"));
    }

    #[test]
    fn passes_the_keys_and_alert_status_conformance_suite() {
        crate::conformance::run_keys_and_alert_statuses(&mut || {
            SqliteStore::in_memory().expect("in-memory store")
        });
    }

    #[test]
    fn passes_the_text_cache_conformance_suite() {
        crate::conformance::run_text_cache(&mut || {
            SqliteStore::in_memory().expect("in-memory store")
        });
    }

    /// Cached analyses quote the customer: erasure drops those of their events.
    #[test]
    fn erasure_drops_cached_text_analyses() {
        let mut s = SqliteStore::in_memory().unwrap();
        let line = |id: &str, c: &str| {
            NewEvent::parse(format!(
                r#"{{"id":"{id}","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"{c}","rating":2,"text":"太慢了"}}"#
            ))
            .unwrap()
        };
        s.insert_batch(&[line("e1", "c1"), line("e2", "c2")])
            .unwrap();
        s.put_text_analyses("m1", &[("e1", "{}".into()), ("e2", "{}".into())])
            .unwrap();
        crate::LedgerStore::erase_customer(&mut s, "c1", None).unwrap();
        let mut hits = Vec::new();
        s.get_text_analyses("m1", &["e1", "e2"], &mut |id, _| hits.push(id.to_string()))
            .unwrap();
        assert_eq!(hits, vec!["e2".to_string()]);
    }

    #[test]
    fn the_log_conforms_as_a_tree_store() {
        credence_ledger::testing::check_tree_store(|| {
            SqliteStore::in_memory().expect("in-memory store")
        })
        .expect("the SQLite tree store conforms");
    }

    #[test]
    fn passes_the_ledger_conformance_suite() {
        crate::conformance::run_ledger(&mut || SqliteStore::in_memory().expect("in-memory store"));
    }

    /// The ledger's share of the file stays within 150 bytes per entry (reviews with a
    /// customer and a text, 13-character event ids, as in the demo).
    #[test]
    fn stored_ledger_bytes_per_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(dir.path().join("c.db")).unwrap();
        let n = 20_000;
        for chunk in 0..n / 5_000 {
            let batch: Vec<NewEvent> = (chunk * 5_000..(chunk + 1) * 5_000)
                .map(|i| {
                    NewEvent::parse(format!(
                        r#"{{"id":"m-tea-{i:07}","type":"review","at":"2026-03-01T10:00:00Z","merchant":"m-tea","customer":"c-{i:06}","rating":4,"text":"good tea"}}"#
                    ))
                    .unwrap()
                })
                .collect();
            s.insert_batch(&batch).unwrap();
        }
        assert_eq!(s.ledger_size().unwrap(), n as u64);
        let bytes: i64 = s
            .conn
            .query_row(
                "SELECT sum(pgsize) FROM dbstat WHERE name = 'ledger_leaves'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let per_entry = bytes as f64 / n as f64;
        assert!(per_entry <= 150.0, "{per_entry:.1} bytes per entry");
    }

    /// An erasure by another process drops this process's cached secrets: the customer's
    /// next review gets a fresh, stored secret.
    #[test]
    fn an_erasure_elsewhere_invalidates_cached_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let review = |id: &str| {
            NewEvent::parse(format!(
                r#"{{"id":"{id}","type":"review","at":"2026-01-01T00:00:00Z","merchant":"m","customer":"c","rating":4}}"#
            ))
            .unwrap()
        };
        let mut ingest = SqliteStore::open(&path).unwrap();
        ingest.insert_batch(&[review("r1")]).unwrap();
        let mut eraser = SqliteStore::open(&path).unwrap();
        eraser.erase_customer("c", None).unwrap();
        ingest.insert_batch(&[review("r2")]).unwrap();
        assert!(ingest.customer_secret("m", "c").unwrap().is_some());
        let report = crate::audit(&ingest, &[]).unwrap();
        assert!(report.passed(), "{:?}", report.problems);
        assert_eq!((report.live, report.erased), (1, 1));
    }

    #[test]
    fn migrating_a_version_1_store_logs_its_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0]).unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
            let line = r#"{"id":"r1","type":"review","at":"2026-01-01T00:00:00Z","merchant":"m","customer":"c","rating":4}"#;
            c.execute(
                "INSERT INTO events (id, type, at, merchant, customer, raw) VALUES ('r1','review',0,'m','c',?1)",
                [line],
            )
            .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.ledger_size().unwrap(), 1);
        assert_eq!(s.ledger_index("r1").unwrap(), Some(0));
        let report = crate::audit(&s, &[]).unwrap();
        assert!(report.passed(), "{:?}", report.problems);
    }

    #[test]
    fn reopening_keeps_events_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let line = r#"{"id":"e1","type":"churn","at":"2026-01-01T00:00:00Z","merchant":"m","customer":"c"}"#;
        {
            let mut s = SqliteStore::open(&path).unwrap();
            s.insert_batch(&[NewEvent::parse(line).unwrap()]).unwrap();
        }
        let mut s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.stats().unwrap().events, 1);
        assert_eq!(
            s.insert_batch(&[NewEvent::parse(line).unwrap()]).unwrap(),
            vec![Outcome::Duplicate]
        );
    }

    #[test]
    fn refuses_a_store_from_a_newer_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("schema version 99"), "{err}");
    }
}
