//! Storage of the live state (`credence_engine::live`): rows the application layer
//! reads and writes, opaque bytes to the store. Each row is `(table, merchant, key)` →
//! value, with an optional position for ordered look-ups (a relationship's next
//! evaluation point, for the due index). Writes happen inside the transaction that
//! inserts the events they follow from ([`LiveStore::insert_batch_live`]), so a killed
//! process leaves events and live state consistent.

use crate::{NewEvent, Outcome, StoreError};

/// The kinds of live-state rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LiveTable {
    /// Store-wide values (key: name), merchant `""`.
    Meta,
    /// One per merchant (key `""`).
    Merchant,
    /// One per relationship (key: customer; position: its next evaluation point).
    Relationship,
    /// Promise subject → owning customer (key: kind and subject).
    Owner,
    /// One per day of the reputation series (key: the day number).
    Day,
    /// The total of one day of the series, read without its deltas (key: the day).
    DayTotal,
}

impl LiveTable {
    /// The stored code of the table.
    pub fn code(self) -> i64 {
        match self {
            LiveTable::Meta => 0,
            LiveTable::Merchant => 1,
            LiveTable::Relationship => 2,
            LiveTable::Owner => 3,
            LiveTable::Day => 4,
            LiveTable::DayTotal => 5,
        }
    }
}

/// What [`LiveRead::live_scan`] calls with each row: key and value.
pub type LiveVisit<'v> = &'v mut dyn FnMut(&str, &[u8]) -> Result<(), StoreError>;

/// Reads of live-state rows.
pub trait LiveRead {
    /// One row's value.
    fn live_get(
        &self,
        table: LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every row of a table for a merchant, in key order.
    fn live_scan(
        &self,
        table: LiveTable,
        merchant: &str,
        visit: LiveVisit<'_>,
    ) -> Result<(), StoreError>;
    /// Keys of the rows whose position is before `pos`.
    fn live_before(
        &self,
        table: LiveTable,
        merchant: &str,
        pos: i64,
    ) -> Result<Vec<String>, StoreError>;
}

/// Writes of live-state rows (inside a transaction).
pub trait LiveWrite: LiveRead {
    /// Inserts or replaces a row.
    fn live_put(
        &mut self,
        table: LiveTable,
        merchant: &str,
        key: &str,
        pos: Option<i64>,
        value: &[u8],
    ) -> Result<(), StoreError>;
    /// Deletes a row (nothing if absent).
    fn live_delete(
        &mut self,
        table: LiveTable,
        merchant: &str,
        key: &str,
    ) -> Result<(), StoreError>;
    /// Deletes every live row of a merchant (`None`: of every merchant, and the meta).
    fn live_clear(&mut self, merchant: Option<&str>) -> Result<(), StoreError>;
    /// The highest event sequence number stored (in this transaction).
    fn max_seq(&self) -> Result<i64, StoreError>;
}

/// What [`LiveStore::insert_batch_live`] calls inside its transaction: the events of
/// the batch that were accepted (new), and the transaction's live rows.
pub type LiveHook<'h> =
    &'h mut dyn FnMut(&[&NewEvent], &mut dyn LiveWrite) -> Result<(), StoreError>;

/// A store that keeps live state beside its events.
pub trait LiveStore: LiveRead {
    /// [`crate::EventStore::insert_batch`], calling `hook` with the accepted events
    /// before the transaction commits: events and live rows land together or not at all.
    fn insert_batch_live(
        &mut self,
        batch: &[NewEvent],
        hook: LiveHook<'_>,
    ) -> Result<Vec<Outcome>, StoreError>;
    /// Runs `f` in one write transaction (a rebuild of the live state).
    fn live_transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn LiveWrite) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}
