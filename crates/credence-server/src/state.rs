//! [`AppState`]: what every handler shares — the configuration, the store connections
//! (one *writer*, a small pool of *readers*, one *quick* connection for the follower,
//! key lookups and the health check), the live engines with their per-merchant
//! *generation*, and the cache of API keys.
//!
//! Store calls are blocking (SQLite, the synchronous PostgreSQL client), so
//! [`AppState::read`] and [`AppState::write`] run them on tokio's blocking pool. Reads
//! and writes use different connections: a slow report on a reader never holds up an
//! ingest on the writer (SQLite in WAL mode lets readers and the writer run together).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use credence_app::{DbLocation, Evaluator};
use credence_store::Store;
use tokio::sync::Semaphore;

use super::auth::Principal;
use super::error::ApiError;
use super::live::Live;

/// Reader connections to open: two, so one slow read (a report) leaves one free.
pub const READERS: usize = 2;

/// How long a successful key lookup is trusted without asking the store again: a
/// revoked key stops working within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// The server's configuration (from `credence serve`'s flags). The evidence rules and
/// whether text counts are the [`Evaluator`]'s.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where the store is: the ledger's key file lives beside it by default.
    pub db: DbLocation,
    /// The ledger's signing key file (`None`: `<db>.ledger.key`, as `credence ledger`).
    pub key_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes (`--max-body`); larger is a 413.
    pub max_body: usize,
}

/// The store connections a server works with, opened by the caller on one store.
pub struct Stores {
    /// The one connection that writes (ingest, checkpoints, alert statuses).
    pub writer: Box<dyn Store>,
    /// Connections for handlers' reads ([`READERS`] is a good number; at least one).
    pub readers: Vec<Box<dyn Store>>,
    /// A connection of its own for the follower, key lookups and the health check.
    pub quick: Box<dyn Store>,
}

/// Shared state of the server; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServeConfig,
    writer: Arc<Mutex<Box<dyn Store>>>,
    readers: Arc<Vec<Mutex<Box<dyn Store>>>>,
    reader_permits: Arc<Semaphore>,
    /// A connection of its own for short reads that must not queue behind reports:
    /// the follower, key lookups, the health check.
    quick: Arc<Mutex<Box<dyn Store>>>,
    live: Live,
    /// The report and alert caches (`insights`).
    insights: super::insights::Insights,
    /// The ledger's signing key (`ledger`).
    ledger: super::ledger::Ledger,
    /// hex SHA-256 of a key → (when looked up, who it is).
    keys: Mutex<HashMap<String, (Instant, Principal)>>,
    /// Wakes the follower early (after a POST's commit).
    follower: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// The state of a server over `stores`: loads every merchant's events into live
    /// engines with `evaluator` (its progress bar, if any, on stderr) and the ledger's
    /// signing key. Blocking: call it before serving.
    pub fn new(
        config: ServeConfig,
        stores: Stores,
        evaluator: Evaluator,
    ) -> anyhow::Result<AppState> {
        let Stores {
            mut writer,
            readers,
            quick,
        } = stores;
        anyhow::ensure!(
            !readers.is_empty(),
            "a server needs at least one reader connection"
        );
        let readers: Vec<_> = readers.into_iter().map(Mutex::new).collect();
        let reader_permits = Arc::new(Semaphore::new(readers.len()));
        let live = Live::load(&*writer, evaluator)?;
        let started = Instant::now();
        live.warm()?;
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "trust of every relationship cached"
        );
        let ledger = super::ledger::Ledger::open(&config, &mut *writer);
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                writer: Arc::new(Mutex::new(writer)),
                readers: Arc::new(readers),
                reader_permits,
                quick: Arc::new(Mutex::new(quick)),
                live,
                insights: super::insights::Insights::default(),
                ledger,
                keys: Mutex::new(HashMap::new()),
                follower: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }

    /// Runs `f` with a reader connection on the blocking pool (at most one per reader
    /// at once; others wait their turn). An error of `f` is a 500 (logged); return an
    /// `ApiError` from the caller for anything the client should see.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = self
            .inner
            .reader_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let readers = self.inner.readers.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // A permit guarantees a free connection; fall back to waiting on the first.
            let guard = readers
                .iter()
                .find_map(|m| m.try_lock().ok())
                .unwrap_or_else(|| lock(&readers[0]));
            f(&**guard)
        })
        .await;
        match joined {
            Ok(result) => result.map_err(ApiError::Internal),
            Err(e) => Err(ApiError::internal(anyhow::anyhow!(
                "a store read failed: {e}"
            ))),
        }
    }

    /// Runs `f` with the server's own connection for short reads (the follower, key
    /// lookups, the health check), so that they never wait behind a long report on the
    /// readers. Not for handlers.
    pub(crate) async fn read_quick<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let quick = self.inner.quick.clone();
        match tokio::task::spawn_blocking(move || f(&**lock(&quick))).await {
            Ok(result) => result.map_err(ApiError::Internal),
            Err(e) => Err(ApiError::internal(anyhow::anyhow!(
                "a store read failed: {e}"
            ))),
        }
    }

    /// Runs `f` with the one writer connection on the blocking pool (writes are
    /// serialised). An error of `f` is a 500 (logged).
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let writer = self.inner.writer.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut guard = lock(&writer);
            f(&mut **guard)
        })
        .await;
        match joined {
            Ok(result) => result.map_err(ApiError::Internal),
            Err(e) => Err(ApiError::internal(anyhow::anyhow!(
                "a store write failed: {e}"
            ))),
        }
    }

    /// A number that grows whenever `merchant`'s events change in the live engine (0
    /// for a merchant without events): a cache key for anything computed from them.
    pub fn generation(&self, merchant: &str) -> u64 {
        self.inner.live.generation(merchant)
    }

    /// The report and alert caches.
    pub fn insights(&self) -> &super::insights::Insights {
        &self.inner.insights
    }

    /// The transparency log's signing key.
    pub fn ledger(&self) -> &super::ledger::Ledger {
        &self.inner.ledger
    }

    /// The live engines (one per merchant, kept current by the follower).
    pub fn live(&self) -> &Live {
        &self.inner.live
    }

    /// Applies the events stored since the last call (by this or any other process) to
    /// the live engines, bumping the generation of each merchant they touch; after an
    /// erasure (which rewrites stored events in place) reloads every engine instead.
    /// Called by the follower every second and by `POST /v1/events?wait=true`.
    pub async fn catch_up(&self) -> Result<(), ApiError> {
        let live = self.inner.live.clone();
        let _turn = live.follow_lock().await;
        let after = live.last_seq();
        let known_erasures = live.erasures();
        let reloading = live.clone();
        let batch = self
            .read_quick(move |store| {
                if store.erasures()? != known_erasures {
                    reloading.reload(store)?;
                    return Ok(None);
                }
                reloading.read_since(store, after).map(Some)
            })
            .await?;
        if let Some(batch) = batch {
            live.apply(batch);
        }
        Ok(())
    }

    /// Wakes the follower now instead of at its next tick.
    pub fn nudge_follower(&self) {
        self.inner.follower.notify_one();
    }

    /// Resolves when [`AppState::nudge_follower`] was called (a missed call counts once).
    pub async fn follower_nudged(&self) {
        self.inner.follower.notified().await;
    }

    /// The cached principal of a key hash, if looked up less than [`KEY_CACHE_TTL`] ago.
    pub(crate) fn cached_key(&self, hash: &str) -> Option<Principal> {
        let keys = lock(&self.inner.keys);
        keys.get(hash)
            .filter(|(at, _)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(_, p)| p.clone())
    }

    /// Remembers a successful key lookup.
    pub(crate) fn cache_key(&self, hash: String, principal: Principal) {
        let mut keys = lock(&self.inner.keys);
        if keys.len() >= 10_000 {
            keys.retain(|_, (at, _)| at.elapsed() < KEY_CACHE_TTL);
        }
        keys.insert(hash, (Instant::now(), principal));
    }
}
