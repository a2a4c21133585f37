//! The live state's rows (table `live`, migration 2): [`LiveRead`] on the store and on
//! a write transaction in progress, [`LiveWrite`] on that transaction, and
//! [`LiveStore::live_transaction`]. [`LiveStore::insert_batch_live`] is the ingest of
//! `lib.rs` with a hook.
//!
//! Keys and merchants are `TEXT COLLATE "C"`, so a scan lists keys in byte order, as
//! the SQLite store does. Values are opaque bytes (`BYTEA`).

use std::cell::RefCell;
use std::collections::HashMap;

use credence_store::{
    LiveRead, LiveStore, LiveTable, LiveVisit, LiveWrite, NewEvent, Outcome, StoreError,
};
use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

use crate::{LOCK_WRITE, PostgresStore, SCAN_CHUNK, col, lock, main_conn, pg, prepared};

/// One row's value.
const GET: &str = "SELECT value FROM live WHERE tbl = $1 AND merchant = $2 AND key = $3";
/// A merchant's rows of one table, in key (byte) order.
const SCAN: &str = "SELECT key, value FROM live WHERE tbl = $1 AND merchant = $2 ORDER BY key";
/// Keys of the rows positioned before a bound (served by the partial index `live_pos`).
const BEFORE: &str =
    "SELECT key FROM live WHERE tbl = $1 AND merchant = $2 AND pos < $3 ORDER BY key";
/// Inserts or replaces a row.
const PUT: &str = "INSERT INTO live (tbl, merchant, key, pos, value) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tbl, merchant, key) DO UPDATE SET pos = excluded.pos, value = excluded.value";
/// Deletes a row.
const DELETE: &str = "DELETE FROM live WHERE tbl = $1 AND merchant = $2 AND key = $3";

/// Refuses a merchant or key holding U+0000, which PostgreSQL text cannot hold. Checked
/// before anything is sent: a server error would abort the caller's transaction.
fn check_text(op: &'static str, merchant: &str, key: &str) -> Result<(), StoreError> {
    if merchant.contains('\0') || key.contains('\0') {
        return Err(StoreError::Backend(
            format!(
                "PostgreSQL, {op}: live row `{}`/`{}` has a U+0000 character in its merchant \
                 or key, which PostgreSQL text cannot hold",
                merchant.escape_debug(),
                key.escape_debug()
            )
            .into(),
        ));
    }
    Ok(())
}

/// The keys of `live_before`'s rows.
fn keys(rows: &[Row], op: &'static str) -> Result<Vec<String>, StoreError> {
    rows.iter().map(|r| col(r, 0, op)).collect()
}

/// Live rows through a write transaction in progress (the ingest's, or
/// [`LiveStore::live_transaction`]'s), with the connection's prepared statements. The
/// reads take `&self` and the driver needs `&mut`, hence the `RefCell`; it is never
/// borrowed while a caller's visitor runs.
pub(crate) struct LiveTx<'a, 't> {
    inner: RefCell<TxInner<'a, 't>>,
}

/// What [`LiveTx`] borrows.
struct TxInner<'a, 't> {
    tx: &'a mut Transaction<'t>,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl<'a, 't> LiveTx<'a, 't> {
    /// The live rows of `tx`, preparing statements into `statements` (the connection's).
    pub(crate) fn new(
        tx: &'a mut Transaction<'t>,
        statements: &'a mut HashMap<&'static str, Statement>,
    ) -> Self {
        LiveTx {
            inner: RefCell::new(TxInner { tx, statements }),
        }
    }

    /// Runs `f` on the transaction. Errors (not panics) if it is already in use, which
    /// would be a bug of this crate.
    fn with<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut TxInner<'a, 't>) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut inner = self.inner.try_borrow_mut().map_err(|_| {
            StoreError::Backend(format!("PostgreSQL, {op}: the transaction is busy").into())
        })?;
        f(&mut inner).map_err(pg(op))
    }
}

impl TxInner<'_, '_> {
    /// Runs a query with a cached statement.
    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let s = prepared(self.statements, self.tx, sql)?;
        self.tx.query(&s, params)
    }

    /// Runs a statement with a cached statement.
    fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let s = prepared(self.statements, self.tx, sql)?;
        self.tx.execute(&s, params)
    }
}

impl LiveRead for LiveTx<'_, '_> {
    fn live_get(
        &self,
        table: LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        const OP: &str = "live_get";
        check_text(OP, merchant, key)?;
        let rows = self.with(OP, |t| t.query(GET, &[&table.code(), &merchant, &key]))?;
        rows.first().map(|r| col(r, 0, OP)).transpose()
    }

    fn live_scan(
        &self,
        table: LiveTable,
        merchant: &str,
        visit: LiveVisit<'_>,
    ) -> Result<(), StoreError> {
        const OP: &str = "live_scan";
        check_text(OP, merchant, "")?;
        // A portal read in chunks: the transaction is free while the visitor runs (it
        // may read through this transaction too), and memory stays bounded.
        let portal = self.with(OP, |t| {
            let s = prepared(t.statements, t.tx, SCAN)?;
            t.tx.bind(&s, &[&table.code(), &merchant])
        })?;
        loop {
            let rows = self.with(OP, |t| t.tx.query_portal(&portal, SCAN_CHUNK))?;
            for row in &rows {
                visit(col(row, 0, OP)?, col(row, 1, OP)?)?;
            }
            if rows.len() < SCAN_CHUNK as usize {
                return Ok(());
            }
        }
    }

    fn live_before(
        &self,
        table: LiveTable,
        merchant: &str,
        pos: i64,
    ) -> Result<Vec<String>, StoreError> {
        const OP: &str = "live_before";
        check_text(OP, merchant, "")?;
        let rows = self.with(OP, |t| t.query(BEFORE, &[&table.code(), &merchant, &pos]))?;
        keys(&rows, OP)
    }
}

impl LiveWrite for LiveTx<'_, '_> {
    fn live_put(
        &mut self,
        table: LiveTable,
        merchant: &str,
        key: &str,
        pos: Option<i64>,
        value: &[u8],
    ) -> Result<(), StoreError> {
        const OP: &str = "live_put";
        check_text(OP, merchant, key)?;
        self.with(OP, |t| {
            t.execute(PUT, &[&table.code(), &merchant, &key, &pos, &value])
        })?;
        Ok(())
    }

    fn live_delete(
        &mut self,
        table: LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        const OP: &str = "live_delete";
        check_text(OP, merchant, key)?;
        self.with(OP, |t| t.execute(DELETE, &[&table.code(), &merchant, &key]))?;
        Ok(())
    }

    fn live_clear(&mut self, merchant: Option<&str>) -> Result<(), StoreError> {
        const OP: &str = "live_clear";
        match merchant {
            Some(m) => {
                check_text(OP, m, "")?;
                self.with(OP, |t| {
                    t.tx.execute("DELETE FROM live WHERE merchant = $1", &[&m])
                })?
            }
            None => self.with(OP, |t| t.tx.execute("DELETE FROM live", &[]))?,
        };
        Ok(())
    }

    fn max_seq(&self) -> Result<i64, StoreError> {
        const OP: &str = "max_seq";
        let rows = self.with(OP, |t| {
            t.tx.query("SELECT coalesce(max(seq), 0)::bigint FROM events", &[])
        })?;
        match rows.first() {
            Some(r) => col(r, 0, OP),
            None => Ok(0),
        }
    }
}

impl LiveRead for PostgresStore {
    fn live_get(
        &self,
        table: LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        const OP: &str = "live_get";
        check_text(OP, merchant, key)?;
        let row = self.with(OP, |c| c.query_opt(GET, &[&table.code(), &merchant, &key]))?;
        row.map(|r| col(&r, 0, OP)).transpose()
    }

    /// Streams the rows from one snapshot on a scan connection, like
    /// [`credence_store::EventStore::scan`]: the visitor may call the store.
    fn live_scan(
        &self,
        table: LiveTable,
        merchant: &str,
        visit: LiveVisit<'_>,
    ) -> Result<(), StoreError> {
        const OP: &str = "live_scan";
        check_text(OP, merchant, "")?;
        self.stream(OP, SCAN, &[&table.code(), &merchant], &mut |row| {
            visit(col(row, 0, OP)?, col(row, 1, OP)?)
        })
    }

    fn live_before(
        &self,
        table: LiveTable,
        merchant: &str,
        pos: i64,
    ) -> Result<Vec<String>, StoreError> {
        const OP: &str = "live_before";
        check_text(OP, merchant, "")?;
        let rows = self.with(OP, |c| c.query(BEFORE, &[&table.code(), &merchant, &pos]))?;
        keys(&rows, OP)
    }
}

impl LiveStore for PostgresStore {
    /// [`credence_store::EventStore::insert_batch`] with the hook run inside its
    /// transaction, after the events and the log's rows are written and before the
    /// commit, holding the write lock. The hook is called even when nothing is accepted
    /// (with no events). If it fails, nothing of the batch lands.
    fn insert_batch_live(
        &mut self,
        batch: &[NewEvent],
        hook: credence_store::LiveHook<'_>,
    ) -> Result<Vec<Outcome>, StoreError> {
        self.insert_with(batch, Some(hook))
    }

    /// One transaction holding the write lock, so live writes take turns with ingest
    /// and erasure; committed if `f` succeeds, rolled back otherwise.
    fn live_transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn LiveWrite) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut conn = main_conn(&self.conn, "live_transaction")?;
        let crate::Conn { client, statements } = &mut *conn;
        let mut tx = client
            .transaction()
            .map_err(pg("live_transaction: begin"))?;
        lock(&mut tx, LOCK_WRITE).map_err(pg("live_transaction: taking the write lock"))?;
        f(&mut LiveTx::new(&mut tx, statements))?;
        tx.commit().map_err(pg("live_transaction: commit"))
    }
}
