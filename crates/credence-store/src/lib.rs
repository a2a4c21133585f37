//! Event storage: the [`EventStore`] trait, its SQLite implementation ([`SqliteStore`]),
//! and a conformance suite ([`conformance`], behind the `testing` feature) that every
//! implementation must pass.
//!
//! The store owns durability and idempotency: an event is stored once per `id`; the same
//! `id` again with the same content (equal canonical JSON, see
//! [`credence_events::canonical_json`]) is a [`Outcome::Duplicate`], with different
//! content a [`Outcome::Conflict`]. A batch is committed atomically, so a killed process
//! leaves either all of a batch or none of it. The original line is kept verbatim, with
//! its unknown fields. The store knows nothing of trust: the engine reads events back
//! through [`EventStore::scan`].
//!
//! The store also keeps the transparency log ([`ledger`], the [`LedgerStore`] trait):
//! every accepted `commitment`, `commitment_result` and `review` is appended as a leaf in
//! the same transaction as its event, so the log and the events never disagree after a
//! crash. The ledger's formats and tree come from `credence-ledger`.

pub mod ledger;
pub mod live;
mod sqlite;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

pub use ledger::{AuditReport, Erasure, LedgerRecord, LedgerStore, Problem, audit};
pub use live::{LiveHook, LiveRead, LiveStore, LiveTable, LiveVisit, LiveWrite};
pub use sqlite::SqliteStore;

/// Everything a credence store does, as one trait object: the CLI and the server hold a
/// `Box<dyn Store>` and do not care which backend is behind it.
pub trait Store: LedgerStore + TextCache + AlertStatusStore + KeyStore + LiveStore + Send {}

impl<T: LedgerStore + TextCache + AlertStatusStore + KeyStore + LiveStore + Send> Store for T {}

use credence_events::Event;

/// Errors of a store backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The SQLite database failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored line no longer parses (the store was edited by hand, or is corrupt).
    #[error("stored event `{id}` is unreadable: {reason}")]
    Corrupt {
        /// The event id.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An event cannot be put into the transparency log.
    #[error("event `{event}` cannot be logged: {reason}")]
    Ledger {
        /// The event id.
        event: String,
        /// Why.
        reason: String,
    },
    /// The transparency log's tree failed (a stored hash is missing, a batch does not fit).
    #[error("transparency log: {0}")]
    Tree(#[from] credence_ledger::LedgerError),
    /// Another backend failed (PostgreSQL: connection lost, a query refused).
    #[error("{0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// The database was written by a newer credence.
    #[error(
        "the store has schema version {found}; this credence understands up to {supported}: upgrade credence"
    )]
    SchemaTooNew {
        /// Version found in the store.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
}

/// One validated event ready to be stored: the parsed event and its original line.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The parsed event.
    pub event: Event,
    /// The line as received (JSON), kept verbatim with any unknown fields.
    pub raw: String,
}

impl NewEvent {
    /// Parses a line into a storable event.
    pub fn parse(raw: impl Into<String>) -> Result<Self, credence_events::Rejection> {
        let raw = raw.into();
        let event = credence_events::parse_event(&raw)?;
        Ok(NewEvent { event, raw })
    }
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now.
    Accepted,
    /// Already stored with the same content: nothing changed.
    Duplicate,
    /// Already stored with different content: rejected; the stored line is kept.
    Conflict {
        /// The line stored under that id.
        existing: String,
    },
}

/// An event read back from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Acceptance order, 1-based; the only place where arrival order shows.
    pub seq: i64,
    /// The parsed event.
    pub event: Event,
    /// The line as received.
    pub raw: String,
}

/// Which events [`EventStore::scan`] returns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this merchant's events.
    pub merchant: Option<String>,
    /// Only this customer's events.
    pub customer: Option<String>,
    /// Only events at or before this time.
    pub up_to: Option<jiff::Timestamp>,
}

/// A reference to an order, ticket, review or commitment that no stored event defines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DanglingReference {
    /// The event holding the reference.
    pub event: String,
    /// The merchant.
    pub merchant: String,
    /// `order`, `ticket`, `review` or `commitment`.
    pub kind: String,
    /// The id referred to.
    pub target: String,
}

/// Counts of what a store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Events stored.
    pub events: u64,
    /// Distinct merchants.
    pub merchants: u64,
    /// Distinct (merchant, customer) relationships.
    pub relationships: u64,
}

/// Durable, idempotent storage of events. Implementations: [`SqliteStore`]; every
/// implementation runs [`conformance`].
pub trait EventStore {
    /// Stores a batch atomically (all or nothing) and says what happened to each event,
    /// in order. Events repeated within the batch are handled as if sent one by one.
    fn insert_batch(&mut self, batch: &[NewEvent]) -> Result<Vec<Outcome>, StoreError>;

    /// Calls `visit` for every stored event matching `filter`, ordered by time then id
    /// (so that results never depend on acceptance order). Stops at the first error.
    fn scan(
        &self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Calls `visit` for every event accepted after `after_seq` (see
    /// [`StoredEvent::seq`]), in acceptance order: how a long-running reader (the server)
    /// picks up what other processes stored. Sequence numbers grow in commit order.
    fn scan_since(
        &self,
        after_seq: i64,
        visit: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// One event by id.
    fn get(&self, id: &str) -> Result<Option<StoredEvent>, StoreError>;

    /// The merchants that have events, sorted.
    fn merchants(&self) -> Result<Vec<String>, StoreError>;

    /// How much the store holds.
    fn stats(&self) -> Result<Stats, StoreError>;

    /// References to orders, tickets, reviews or commitments not (yet) defined by any
    /// stored event of the same merchant.
    fn dangling_references(&self) -> Result<Vec<DanglingReference>, StoreError>;
}

/// The statuses people set on alerts. Alerts themselves are computed from the events
/// (deterministically), so only what a person decided is stored: `acked` or `resolved`
/// by alert id; an alert without a stored status is `open`.
pub trait AlertStatusStore {
    /// Sets (or replaces) the status of an alert.
    fn set_alert_status(
        &mut self,
        id: &str,
        status: &str,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError>;

    /// Every stored status, by alert id.
    fn alert_statuses(&self) -> Result<std::collections::HashMap<String, String>, StoreError>;
}

/// A cache of text analyses by event id, so that text is analysed off the ingest path,
/// once: the first evaluation that needs an event's text analyses it and stores the
/// result; later ones read it. The store does not interpret the JSON. An entry made by
/// another `model` is a miss (a new analyser re-reads the text). Erasing a customer
/// drops the entries of their events (they quote the customer's words).
pub trait TextCache {
    /// Calls `visit(id, json)` for each of `ids` with an analysis by `model`.
    fn get_text_analyses(
        &self,
        model: &str,
        ids: &[&str],
        visit: &mut dyn FnMut(&str, &str),
    ) -> Result<(), StoreError>;

    /// Stores analyses `(event id, json)` by `model` (atomically), replacing any entry of
    /// the same event. A cache write: it takes `&self`, like a read, so that an
    /// evaluation holding the store shared can fill it.
    fn put_text_analyses(&self, model: &str, entries: &[(&str, String)]) -> Result<(), StoreError>;
}

/// An API key as stored: never the key itself, only the SHA-256 of its secret part (the
/// key is random, so a fast hash is enough; see the server's `auth` module).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKeyRecord {
    /// Public identifier (`key_…`), shown in lists and used to revoke.
    pub id: String,
    /// Lower-case hex SHA-256 of the key's secret.
    #[serde(skip)]
    pub hash: String,
    /// `ingest`, `read` and/or `admin`, sorted.
    pub scopes: Vec<String>,
    /// The one merchant the key may see; `None` = every merchant.
    pub merchant: Option<String>,
    /// When it was created.
    pub created_at: jiff::Timestamp,
    /// When it was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<jiff::Timestamp>,
}

/// Storage of API keys (hashed).
pub trait KeyStore {
    /// Stores a new key. Its `id` and `hash` must be new.
    fn add_api_key(&mut self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    /// Every key, revoked ones included, oldest first.
    fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// The key whose secret hashes to `hash`, revoked or not.
    fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Revokes a key; `false` if there is no key with this id. Revoking twice keeps the
    /// first time.
    fn revoke_api_key(&mut self, id: &str, at: jiff::Timestamp) -> Result<bool, StoreError>;
}

/// Decides whether `new` is the same event as the `existing` line with the same id.
/// Shared by every backend, so they agree on what a duplicate is.
pub fn classify_existing(existing: &str, new: &str) -> Outcome {
    if existing == new {
        return Outcome::Duplicate;
    }
    match (
        credence_events::canonical_json(existing),
        credence_events::canonical_json(new),
    ) {
        (Some(a), Some(b)) if a == b => Outcome::Duplicate,
        _ => Outcome::Conflict {
            existing: existing.to_string(),
        },
    }
}

/// The references no stored event of the same merchant defines, found with one
/// [`EventStore::scan`]: the [`EventStore::dangling_references`] of every backend, so that
/// they agree.
pub fn find_dangling_references<S: EventStore + ?Sized>(
    store: &S,
) -> Result<Vec<DanglingReference>, StoreError> {
    let mut defined: std::collections::HashSet<(String, &'static str, String)> =
        std::collections::HashSet::new();
    let mut references: Vec<DanglingReference> = Vec::new();
    store.scan(&Filter::default(), &mut |stored| {
        let e = &stored.event;
        if let Some((kind, id)) = sqlite::defines(e) {
            defined.insert((e.merchant.clone(), kind, id.to_string()));
        }
        if let Some(s) = sqlite::refers_to(e) {
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
        !defined.contains(&(
            r.merchant.clone(),
            sqlite::kind_name(&r.kind),
            r.target.clone(),
        ))
    });
    Ok(references)
}
