//! The PostgreSQL store: every storage trait of `credence-store` ([`EventStore`],
//! [`LedgerStore`] with its tree, [`TextCache`], [`AlertStatusStore`], [`KeyStore`],
//! [`LiveStore`]) on a PostgreSQL database, with the semantics of the SQLite store: the
//! same leaves and log byte for byte, the same duplicate and conflict classification
//! ([`credence_store::classify_existing`]), the same `scan` order (time, then id in byte
//! order), the same live-state key order (bytes). It never depends on trust logic, the
//! engine or the CLI.
//!
//! # Layout
//!
//! - this file: [`PostgresStore`], connecting, the connection helpers, [`EventStore`];
//! - `migrate`: the versioned schema (`migrations/NNNN_*.sql`), applied on connect;
//! - `tree`: the transparency log's rows (`ledger_leaves`) as a hash store;
//! - `ledger`: [`LedgerStore`] (secrets, checkpoints, erasure);
//! - `live`: [`LiveStore`], the live state's rows (table `live`), read and written
//!   inside the ingest transaction by [`LiveStore::insert_batch_live`]'s hook;
//! - `other`: [`TextCache`], [`AlertStatusStore`], [`KeyStore`].
//!
//! # Concurrency
//!
//! Several processes may write to one database at once. Every write that touches the
//! log ([`EventStore::insert_batch`], [`LedgerStore::erase_customer`], tree appends)
//! or the live state ([`LiveStore::insert_batch_live`], [`LiveStore::live_transaction`])
//! runs in one transaction that first takes a transaction-scoped advisory lock
//! (`pg_advisory_xact_lock`, keyed by the store's schema), so writers take turns: the
//! log is appended in one order, and `events.seq` (a `BIGINT` identity) grows in commit
//! order — a transaction that commits later always has larger sequence numbers, which
//! is what [`EventStore::scan_since`] relies on. Readers take no lock; a scan reads one
//! snapshot (`REPEATABLE READ`) on a connection of its own, in chunks, so a visitor may
//! call the store again.
//!
//! # Ingest
//!
//! A batch costs a handful of round trips whatever its size: one query finds which of
//! its ids are stored already (for [`credence_store::classify_existing`]), one reads
//! the ledger secrets it needs and one inserts the new ones (array parameters through
//! `unnest`), the new events go in with `COPY … FROM STDIN (FORMAT binary)` in batch
//! order, and the log's rows with one more `unnest` insert.
//!
//! # Blocking
//!
//! The client is `postgres`, the synchronous wrapper of `tokio-postgres`: each call
//! blocks the thread. It runs its own small runtime, so **connecting or calling the
//! store on a thread that is running a tokio runtime panics**; async callers (the
//! server) use `tokio::task::spawn_blocking`. Dropping it there is safe: the
//! connections are then closed on a thread of their own. TLS is not supported yet (connections use `NoTls`):
//! connect over a local socket, `127.0.0.1`, or a trusted network.
//!
//! Timestamps are `BIGINT` epoch microseconds, as in SQLite. Errors are
//! [`StoreError::Backend`] holding a [`PostgresError`] that names the operation.

mod ledger;
mod live;
mod migrate;
mod other;
mod tree;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use credence_events::Event;
use credence_ledger::Hash;
#[cfg(doc)]
use credence_store::{AlertStatusStore, KeyStore, LedgerStore, LiveStore, TextCache};
use credence_store::{
    DanglingReference, EventStore, Filter, LiveHook, NewEvent, Outcome, Stats, StoreError,
    StoredEvent, classify_existing,
};
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Statement};

pub use migrate::SCHEMA_VERSION;

/// A PostgreSQL failure, with the store operation that met it. Its message carries the
/// driver's whole cause chain (the server's message, a refused connection, …), because
/// [`StoreError::Backend`] shows only this error's message.
#[derive(Debug, thiserror::Error)]
#[error("PostgreSQL, {op}: {}", chain(source))]
pub struct PostgresError {
    /// What the store was doing (`insert_batch: inserting events`, `connect`, …).
    pub op: &'static str,
    /// The driver's error.
    #[source]
    pub source: postgres::Error,
}

/// The driver error and its causes, joined with `: ` (the driver's own message for a
/// server error is only `db error`).
fn chain(e: &postgres::Error) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Wraps a driver error into a [`StoreError::Backend`] naming `op`.
fn pg(op: &'static str) -> impl FnOnce(postgres::Error) -> StoreError {
    move |source| StoreError::Backend(Box::new(PostgresError { op, source }))
}

/// A store in one PostgreSQL database (in the schema first in the connection's
/// `search_path`, `public` by default).
pub struct PostgresStore {
    /// The main connection, for writes and point reads. In a `RefCell` because the
    /// traits read through `&self` and the driver needs `&mut`; never borrowed while a
    /// caller's visitor runs.
    /// `None` only while the store is being dropped (see its `Drop`).
    conn: RefCell<Option<Conn>>,
    /// How to open more connections (for scans).
    config: postgres::Config,
    /// Idle scan connections, reused.
    readers: RefCell<Vec<Client>>,
    /// Ledger secrets read or created by committed batches, so that ingest does not
    /// query them again. Cleared when another process has erased a customer.
    secrets: HashMap<(String, String), [u8; 32]>,
    /// The store's erasure count when `secrets` was filled.
    secrets_epoch: i64,
}

/// A connection with its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// Bound on [`PostgresStore::secrets`]; past it the cache starts again empty.
const SECRET_CACHE_MAX: usize = 1 << 20;
/// Idle scan connections kept.
const MAX_IDLE_READERS: usize = 4;
/// Rows fetched per round trip by a scan.
const SCAN_CHUNK: i32 = 5_000;

/// Advisory lock classes (first key of `pg_advisory_xact_lock(int, int)`; the second
/// is the hash of the schema name, so stores in different schemas do not wait for
/// each other).
const LOCK_MIGRATE: i32 = 0x4372_6401;
/// Taken by every write to the events or the log.
const LOCK_WRITE: i32 = 0x4372_6402;

/// Takes the transaction-scoped advisory lock `class` for this store's schema.
fn lock(c: &mut impl GenericClient, class: i32) -> Result<(), postgres::Error> {
    c.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))",
        &[&class],
    )?;
    Ok(())
}

/// The prepared statement for `sql` on `c`, prepared once per connection.
fn prepared(
    statements: &mut HashMap<&'static str, Statement>,
    c: &mut impl GenericClient,
    sql: &'static str,
) -> Result<Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(sql)?;
    statements.insert(sql, s.clone());
    Ok(s)
}

impl Conn {
    /// Runs a query with a cached statement.
    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let s = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.query(&s, params)
    }

    /// Runs a query returning at most one row, with a cached statement.
    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, postgres::Error> {
        let s = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.query_opt(&s, params)
    }

    /// Runs a statement with a cached statement; returns the rows affected.
    fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let s = prepared(&mut self.statements, &mut self.client, sql)?;
        self.client.execute(&s, params)
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`,
    /// `postgresql://…`, or `host=… dbname=…`; `?options=-csearch_path%3Dschema` picks a
    /// schema) and brings its schema up to date (see the crate docs on migrations).
    ///
    /// Fails with [`StoreError::SchemaTooNew`] if the database was migrated by a newer
    /// credence. No TLS: `sslmode=require` is refused by the driver.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let config: postgres::Config = url.parse().map_err(pg("parsing the connection URL"))?;
        let mut client = config.connect(NoTls).map_err(pg("connect"))?;
        migrate::migrate(&mut client)?;
        Ok(PostgresStore {
            conn: RefCell::new(Some(Conn {
                client,
                statements: HashMap::new(),
            })),
            config,
            readers: RefCell::new(Vec::new()),
            secrets: HashMap::new(),
            secrets_epoch: 0,
        })
    }

    /// Runs `f` on the main connection. Errors (not panics) if the connection is
    /// already in use, which would be a bug of this crate.
    fn with<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut Conn) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut conn = main_conn(&self.conn, op)?;
        f(&mut conn).map_err(pg(op))
    }

    /// Streams the rows of `sql` to `visit`, in chunks, inside one read-only snapshot on
    /// a scan connection; the main connection stays free for the visitor.
    fn stream(
        &self,
        op: &'static str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        visit: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let popped = self.readers.try_borrow_mut().ok().and_then(|mut r| r.pop());
        let mut client = match popped {
            Some(c) => c,
            None => self.config.connect(NoTls).map_err(pg("connect (scan)"))?,
        };
        let result = (|| {
            let mut tx = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(pg(op))?;
            let portal = tx.bind(sql, params).map_err(pg(op))?;
            loop {
                let rows = tx.query_portal(&portal, SCAN_CHUNK).map_err(pg(op))?;
                for row in &rows {
                    visit(row)?;
                }
                if rows.len() < SCAN_CHUNK as usize {
                    break;
                }
            }
            tx.commit().map_err(pg(op))
        })();
        if !client.is_closed()
            && let Ok(mut idle) = self.readers.try_borrow_mut()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(client);
        }
        result
    }
}

/// The main connection, borrowed. Errors (not panics) if it is already in use, which
/// would be a bug of this crate, or closed.
fn main_conn<'a>(
    cell: &'a RefCell<Option<Conn>>,
    op: &'static str,
) -> Result<std::cell::RefMut<'a, Conn>, StoreError> {
    let borrowed = cell.try_borrow_mut().map_err(|_| {
        StoreError::Backend(format!("PostgreSQL, {op}: the connection is busy").into())
    })?;
    std::cell::RefMut::filter_map(borrowed, Option::as_mut).map_err(|_| closed(op))
}

/// The error of a store whose connection is gone.
fn closed(op: &'static str) -> StoreError {
    StoreError::Backend(format!("PostgreSQL, {op}: the store is closed").into())
}

/// Closing a connection blocks on the driver's own runtime, which panics on a thread
/// that drives async tasks (say the server drops its state when it stops): there, the
/// connections are closed on a plain thread instead.
impl Drop for PostgresStore {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return; // an ordinary thread: the fields close themselves
        }
        let conn = self.conn.get_mut().take();
        let readers = std::mem::take(self.readers.get_mut());
        let _ = std::thread::spawn(move || drop((conn, readers))).join();
    }
}

/// A column of a row, as a store error when it has an unexpected type.
fn col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a Row,
    i: usize,
    op: &'static str,
) -> Result<T, StoreError> {
    row.try_get(i).map_err(pg(op))
}

fn parse_stored(seq: i64, id: &str, raw: String) -> Result<StoredEvent, StoreError> {
    let event = credence_events::parse_event(&raw).map_err(|r| StoreError::Corrupt {
        id: id.to_string(),
        reason: r.message,
    })?;
    Ok(StoredEvent { seq, event, raw })
}

/// A `(seq, id, raw)` row as a stored event.
fn stored_row(row: &Row, op: &'static str) -> Result<StoredEvent, StoreError> {
    let id: &str = col(row, 1, op)?;
    parse_stored(col(row, 0, op)?, id, col(row, 2, op)?)
}

/// Number of leaves in the log, read inside the caller's transaction.
fn ledger_size(c: &mut impl GenericClient) -> Result<u64, postgres::Error> {
    let n: i64 = c
        .query_one(
            "SELECT coalesce(max(idx) + 1, 0)::bigint FROM ledger_leaves",
            &[],
        )?
        .try_get(0)?;
    Ok(n as u64)
}

/// How many erasures the store has seen (`ledger_meta` key `erasures`).
fn erasure_epoch(c: &mut impl GenericClient) -> Result<i64, postgres::Error> {
    let v: Option<String> = c
        .query_opt("SELECT value FROM ledger_meta WHERE key = 'erasures'", &[])?
        .map(|r| r.try_get(0))
        .transpose()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// A stored secret as 32 bytes.
fn secret_bytes(merchant: &str, customer: &str, v: &[u8]) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(v).map_err(|_| StoreError::Corrupt {
        id: format!("secret of {merchant}/{customer}"),
        reason: "not 32 bytes".into(),
    })
}

impl PostgresStore {
    /// The secrets of the logged, accepted events' relationships: from the cache, from
    /// the database (one query), or new (one insert). Runs inside the write transaction.
    fn batch_secrets<'e>(
        &self,
        tx: &mut postgres::Transaction<'_>,
        events: impl Iterator<Item = &'e Event>,
    ) -> Result<HashMap<(String, String), [u8; 32]>, StoreError> {
        let mut wanted: HashSet<(&str, &str)> = HashSet::new();
        for e in events {
            if let Some(c) = &e.customer
                && credence_store::ledger::is_logged(e)
                && !self.secrets.contains_key(&(e.merchant.clone(), c.clone()))
            {
                wanted.insert((&e.merchant, c));
            }
        }
        let mut out = HashMap::with_capacity(wanted.len());
        if wanted.is_empty() {
            return Ok(out);
        }
        let (ms, cs): (Vec<&str>, Vec<&str>) = wanted.iter().copied().unzip();
        const OP: &str = "insert_batch: reading ledger secrets";
        let rows = tx
            .query(
                "SELECT s.merchant, s.customer, s.secret FROM ledger_secrets s
                 JOIN unnest($1::text[], $2::text[]) AS w(merchant, customer)
                   ON s.merchant = w.merchant AND s.customer = w.customer",
                &[&ms, &cs],
            )
            .map_err(pg(OP))?;
        for row in &rows {
            let m: String = col(row, 0, OP)?;
            let c: String = col(row, 1, OP)?;
            let s = secret_bytes(&m, &c, col(row, 2, OP)?)?;
            out.insert((m, c), s);
        }
        let mut new_m = Vec::new();
        let mut new_c = Vec::new();
        let mut new_s: Vec<Vec<u8>> = Vec::new();
        for (m, c) in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                out.entry((m.to_string(), c.to_string()))
            {
                let s: [u8; 32] = rand::random();
                new_m.push(m);
                new_c.push(c);
                new_s.push(s.to_vec());
                slot.insert(s);
            }
        }
        if !new_m.is_empty() {
            tx.execute(
                "INSERT INTO ledger_secrets (merchant, customer, secret)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])",
                &[&new_m, &new_c, &new_s],
            )
            .map_err(pg("insert_batch: storing new ledger secrets"))?;
        }
        Ok(out)
    }
}

/// True if a column value of the event would hold U+0000 (the raw line keeps it
/// escaped as `\u0000`, which is fine).
fn has_nul(e: &Event) -> bool {
    [
        Some(e.id.as_str()),
        Some(e.merchant.as_str()),
        e.customer.as_deref(),
        Some(e.event_type()),
    ]
    .into_iter()
    .flatten()
    .any(|s| s.contains('\0'))
}

/// Writes the accepted events with `COPY … FROM STDIN (FORMAT binary)`, in batch order,
/// so their `seq` follows the batch. The caller holds the write lock and has checked
/// that none of the ids is stored.
fn copy_events(
    tx: &mut postgres::Transaction<'_>,
    rows: &[(&NewEvent, Option<i64>)],
) -> Result<(), StoreError> {
    use postgres::types::Type;
    const OP: &str = "insert_batch: copying events";
    let sink = tx
        .copy_in("COPY events (id, type, at, merchant, customer, raw, ledger_idx) FROM STDIN (FORMAT binary)")
        .map_err(pg(OP))?;
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
    ];
    let mut w = postgres::binary_copy::BinaryCopyInWriter::new(sink, &types);
    for (new, index) in rows {
        let e = &new.event;
        w.write(&[
            &e.id,
            &e.event_type(),
            &e.at.as_microsecond(),
            &e.merchant,
            &e.customer,
            &new.raw,
            index,
        ])
        .map_err(pg(OP))?;
    }
    w.finish().map_err(pg(OP))?;
    Ok(())
}

impl PostgresStore {
    /// Inserts a batch in one transaction holding the write lock, calling `hook` (the
    /// live state) with the accepted events before it commits. With a hook, the
    /// transaction runs even when nothing is accepted, so the hook is always called.
    fn insert_with(
        &mut self,
        batch: &[NewEvent],
        hook: Option<LiveHook<'_>>,
    ) -> Result<Vec<Outcome>, StoreError> {
        if batch.is_empty() && hook.is_none() {
            return Ok(Vec::new());
        }
        if let Some(bad) = batch.iter().find(|n| has_nul(&n.event)) {
            return Err(StoreError::Backend(
                format!(
                    "PostgreSQL, insert_batch: event `{}` has a U+0000 character in its id, \
                     type, merchant or customer, which PostgreSQL text cannot hold",
                    bad.event.id.escape_debug()
                )
                .into(),
            ));
        }
        let mut conn = main_conn(&self.conn, "insert_batch")?;
        let Conn { client, statements } = &mut *conn;
        let mut tx = client.transaction().map_err(pg("insert_batch: begin"))?;
        lock(&mut tx, LOCK_WRITE).map_err(pg("insert_batch: taking the write lock"))?;
        let size = ledger_size(&mut tx).map_err(pg("insert_batch: reading the log size"))?;
        let epoch = erasure_epoch(&mut tx).map_err(pg("insert_batch: reading ledger_meta"))?;

        // The first occurrence of each id in the batch, and the ids already stored.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(batch.len());
        let mut ids: Vec<&str> = Vec::with_capacity(batch.len());
        for (i, new) in batch.iter().enumerate() {
            first.entry(new.event.id.as_str()).or_insert_with(|| {
                ids.push(&new.event.id);
                i
            });
        }
        const FIND: &str = "insert_batch: finding stored ids";
        let rows = tx
            .query("SELECT id, raw FROM events WHERE id = ANY($1)", &[&ids])
            .map_err(pg(FIND))?;
        let mut existing: HashMap<String, String> = HashMap::with_capacity(rows.len());
        for row in &rows {
            existing.insert(col(row, 0, FIND)?, col(row, 1, FIND)?);
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut accepted: Vec<&NewEvent> = Vec::new();
        for (i, new) in batch.iter().enumerate() {
            let id = new.event.id.as_str();
            if let Some(stored) = existing.get(id) {
                outcomes.push(classify_existing(stored, &new.raw));
            } else if first.get(id) == Some(&i) {
                outcomes.push(Outcome::Accepted);
                accepted.push(new);
            } else {
                let earlier = first.get(id).and_then(|&j| batch.get(j));
                let earlier = earlier.map_or("", |e| e.raw.as_str());
                outcomes.push(classify_existing(earlier, &new.raw));
            }
        }
        if epoch != self.secrets_epoch {
            self.secrets.clear();
            self.secrets_epoch = epoch;
        }
        let mut new_secrets = HashMap::new();
        if !accepted.is_empty() {
            new_secrets = self.write_accepted(&mut tx, &accepted, size)?;
        }
        if let Some(hook) = hook {
            hook(&accepted, &mut live::LiveTx::new(&mut tx, statements))?;
        }
        tx.commit().map_err(pg("insert_batch: commit"))?;
        drop(conn);
        if self.secrets.len() + new_secrets.len() > SECRET_CACHE_MAX {
            self.secrets.clear();
        }
        self.secrets.extend(new_secrets);
        Ok(outcomes)
    }

    /// Writes the accepted events (none stored yet) and the log's rows for the logged
    /// ones, in batch order, inside the caller's write transaction; returns the ledger
    /// secrets created or read, for the cache once the transaction commits.
    fn write_accepted(
        &self,
        tx: &mut postgres::Transaction<'_>,
        accepted: &[&NewEvent],
        size: u64,
    ) -> Result<HashMap<(String, String), [u8; 32]>, StoreError> {
        // Leaves of the accepted logged events, in batch order.
        let new_secrets = self.batch_secrets(tx, accepted.iter().map(|n| &n.event))?;
        let mut leaves: Vec<Vec<u8>> = Vec::new();
        let mut rows: Vec<(&NewEvent, Option<i64>)> = Vec::with_capacity(accepted.len());
        for new in accepted {
            let e = &new.event;
            let mut index = None;
            if credence_store::ledger::is_logged(e) {
                let secret = match &e.customer {
                    None => None,
                    Some(c) => {
                        let key = (e.merchant.clone(), c.clone());
                        self.secrets.get(&key).or_else(|| new_secrets.get(&key))
                    }
                };
                if let Some((leaf, _)) =
                    credence_store::ledger::event_leaf(e, secret.map(|s| &s[..]))?
                {
                    let bytes = leaf.encode().map_err(|err| StoreError::Ledger {
                        event: e.id.clone(),
                        reason: err.to_string(),
                    })?;
                    index = Some((size + leaves.len() as u64) as i64);
                    leaves.push(bytes);
                }
            }
            rows.push((new, index));
        }
        copy_events(tx, &rows)?;
        tree::append_leaves(tx, size, &leaves)?;
        Ok(new_secrets)
    }
}

impl EventStore for PostgresStore {
    fn insert_batch(&mut self, batch: &[NewEvent]) -> Result<Vec<Outcome>, StoreError> {
        self.insert_with(batch, None)
    }

    fn scan(
        &self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let up_to = filter.up_to.map(|t| t.as_microsecond());
        self.stream(
            "scan",
            "SELECT seq, id, raw FROM events
             WHERE ($1::text IS NULL OR merchant = $1)
               AND ($2::text IS NULL OR customer = $2)
               AND ($3::bigint IS NULL OR at <= $3)
             ORDER BY at, id",
            &[&filter.merchant, &filter.customer, &up_to],
            &mut |row| visit(stored_row(row, "scan")?),
        )
    }

    fn scan_since(
        &self,
        after_seq: i64,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream(
            "scan_since",
            "SELECT seq, id, raw FROM events WHERE seq > $1 ORDER BY seq",
            &[&after_seq],
            &mut |row| visit(stored_row(row, "scan_since")?),
        )
    }

    fn get(&self, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        const OP: &str = "get";
        let row = self.with(OP, |c| {
            c.query_opt("SELECT seq, id, raw FROM events WHERE id = $1", &[&id])
        })?;
        row.map(|r| stored_row(&r, OP)).transpose()
    }

    fn merchants(&self) -> Result<Vec<String>, StoreError> {
        const OP: &str = "merchants";
        let rows = self.with(OP, |c| {
            c.query(
                "SELECT DISTINCT merchant FROM events ORDER BY merchant",
                &[],
            )
        })?;
        rows.iter().map(|r| col(r, 0, OP)).collect()
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        const OP: &str = "stats";
        let row = self.with(OP, |c| {
            c.client.query_one(
                "SELECT count(*),
                        count(DISTINCT merchant),
                        (SELECT count(*) FROM (SELECT DISTINCT merchant, customer FROM events
                                               WHERE customer IS NOT NULL) r)
                 FROM events",
                &[],
            )
        })?;
        let n = |i| col::<i64>(&row, i, OP).map(|v| v as u64);
        Ok(Stats {
            events: n(0)?,
            merchants: n(1)?,
            relationships: n(2)?,
        })
    }

    fn dangling_references(&self) -> Result<Vec<DanglingReference>, StoreError> {
        credence_store::find_dangling_references(self)
    }
}

impl credence_ledger::HashReader for PostgresStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, credence_ledger::LedgerError> {
        let mut conn =
            main_conn(&self.conn, "read_hashes").map_err(credence_ledger::LedgerError::store)?;
        tree::read_hashes(&mut conn.client, indexes)
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("PostgresStore")
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}
