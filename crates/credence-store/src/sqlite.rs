//! The default store: one SQLite file, no server.
//!
//! WAL journal with `synchronous = NORMAL`: a committed batch survives the process
//! being killed (the WAL is on disk before `COMMIT` returns); only a power cut can lose
//! the last batches. Timestamps are integer epoch microseconds.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::{
    DanglingReference, EventStore, Filter, NewEvent, Outcome, Stats, StoreError, StoredEvent,
    classify_existing,
};
use credence_events::{Event, EventBody, Subject};

/// Newest schema this build writes; see [`MIGRATIONS`].
const SCHEMA_VERSION: i64 = 1;

/// Schema migrations, applied in order; entry `i` takes the store to version `i + 1`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE events (
        seq      INTEGER PRIMARY KEY,   -- acceptance order
        id       TEXT NOT NULL UNIQUE,  -- the event id: idempotency key
        type     TEXT NOT NULL,
        at       INTEGER NOT NULL,      -- epoch microseconds
        merchant TEXT NOT NULL,
        customer TEXT,
        raw      TEXT NOT NULL          -- the line as received
    );
"];
// No secondary index on purpose: an index on (merchant, at) made ingest 2.5 times
// slower (random inserts); reads by merchant are full scans, which the engine's
// rebuild does anyway. See the README's performance section.

/// An [`EventStore`] in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
}

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
        let mut store = SqliteStore { conn };
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
        let tx = self.conn.transaction()?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
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
        let tx = self.conn.transaction()?;
        let mut outcomes = Vec::with_capacity(batch.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (id, type, at, merchant, customer, raw)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
            )?;
            let mut existing = tx.prepare_cached("SELECT raw FROM events WHERE id = ?1")?;
            for new in batch {
                let e = &new.event;
                let inserted = insert.execute(params![
                    e.id,
                    e.event_type(),
                    e.at.as_microsecond(),
                    e.merchant,
                    e.customer,
                    new.raw
                ])?;
                if inserted == 1 {
                    outcomes.push(Outcome::Accepted);
                } else {
                    let stored: String = existing.query_row([&e.id], |r| r.get(0))?;
                    outcomes.push(classify_existing(&stored, &new.raw));
                }
            }
        }
        tx.commit()?;
        Ok(outcomes)
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
        let mut defined: HashSet<(String, &'static str, String)> = HashSet::new();
        let mut references: Vec<DanglingReference> = Vec::new();
        self.scan(&Filter::default(), &mut |stored| {
            let e = &stored.event;
            if let Some((kind, id)) = defines(e) {
                defined.insert((e.merchant.clone(), kind, id.to_string()));
            }
            if let Some(s) = refers_to(e) {
                references.push(DanglingReference {
                    event: e.id.clone(),
                    merchant: e.merchant.clone(),
                    kind: s.kind().to_string(),
                    target: s.id().to_string(),
                });
            }
            Ok(())
        })?;
        references.retain(|r| {
            !defined.contains(&(r.merchant.clone(), kind_name(&r.kind), r.target.clone()))
        });
        Ok(references)
    }
}

fn kind_name(kind: &str) -> &'static str {
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
