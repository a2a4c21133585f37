//! The live engines: one [`Engine`] per merchant, loaded from the store at start and
//! kept current by the *follower* ([`super::AppState::catch_up`]), which applies the
//! events accepted since the last sequence number it saw (`EventStore::scan_since`) —
//! whether this server or another process (`credence ingest`) stored them.
//!
//! Every merchant has a *generation* that grows each time its events change; answers
//! computed from the engine (the JSON of a relationship, of the merchant, the sorted
//! customer list) are cached with the generation they were computed at, so a repeated
//! lookup is a map read and a change invalidates by itself.
//!
//! Locks are short: the map of merchants is read-locked to find one; a merchant's
//! engine is write-locked only while a batch of new events is added.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use anyhow::Result;
use axum::body::Bytes;
use credence_app::{Evaluator, Scan};
use credence_engine::{Engine, Stage, TextSignal};
use credence_events::Event;
use credence_store::Store;
use jiff::Timestamp;

/// Events read from the store, with their text signals, ready for the engines.
pub struct Batch {
    events: Vec<(Event, Option<TextSignal>)>,
    last_seq: i64,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}
fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// All live engines. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    inner: Arc<LiveInner>,
}

struct LiveInner {
    /// Loads at start and after an erasure (with a progress bar on a terminal, if it
    /// was made so)…
    evaluator: Evaluator,
    /// …and follows the store, without one.
    follower: Evaluator,
    merchants: RwLock<HashMap<String, Arc<LiveMerchant>>>,
    last_seq: AtomicI64,
    /// The store's erasure count when the engines were loaded ([`Live::reload`]).
    erasures: AtomicU64,
    follow: tokio::sync::Mutex<()>,
}

impl Live {
    /// Loads every stored event into one engine per merchant.
    pub fn load(store: &dyn Store, evaluator: Evaluator) -> Result<Live> {
        // Read before the scan: an erasure during it shows as a change, and reloads.
        let erasures = store.erasures()?;
        let mut engines: HashMap<String, Engine> = HashMap::new();
        let mut failed = None;
        let mut sink = |ev: Event, sig: Option<TextSignal>| {
            if !engines.contains_key(&ev.merchant) {
                match evaluator.engine() {
                    Ok(e) => {
                        engines.insert(ev.merchant.clone(), e);
                    }
                    Err(e) => {
                        failed = Some(e);
                        return;
                    }
                }
            }
            if let Some(engine) = engines.get_mut(&ev.merchant) {
                engine.add_with_text(&ev, sig.as_ref());
            }
        };
        let last = evaluator.replay(store, Scan::Since(0), &mut sink)?.last_seq;
        if let Some(e) = failed {
            return Err(e.into());
        }
        let merchants = engines
            .into_iter()
            .map(|(name, mut engine)| {
                engine.shrink_to_fit();
                tracing::info!(merchant = %name, events = engine.len(), "loaded");
                (name.clone(), Arc::new(LiveMerchant::new(name, engine)))
            })
            .collect();
        let live = Live {
            inner: Arc::new(LiveInner {
                follower: evaluator.clone().with_progress(false),
                evaluator,
                merchants: RwLock::new(merchants),
                last_seq: AtomicI64::new(last),
                erasures: AtomicU64::new(erasures),
                follow: tokio::sync::Mutex::new(()),
            }),
        };
        live.publish_gauges();
        Ok(live)
    }

    /// Reads the events accepted after `after` (acceptance order), analysing (or reading
    /// from the cache) the text of those that carry some: the evaluator's loading
    /// sequence, for [`Live::apply`].
    pub fn read_since(&self, store: &dyn Store, after: i64) -> Result<Batch> {
        let mut events = Vec::new();
        let last_seq = self
            .inner
            .follower
            .replay(store, Scan::Since(after), &mut |ev, sig| {
                events.push((ev, sig))
            })?
            .last_seq;
        Ok(Batch { events, last_seq })
    }

    /// The evaluator the engines are loaded with.
    pub fn evaluator(&self) -> &Evaluator {
        &self.inner.evaluator
    }

    /// The last sequence number applied.
    pub fn last_seq(&self) -> i64 {
        self.inner.last_seq.load(Ordering::Acquire)
    }

    /// The store's erasure count the engines reflect.
    pub fn erasures(&self) -> u64 {
        self.inner.erasures.load(Ordering::Acquire)
    }

    /// Replaces every engine with a fresh load of the store: an erasure rewrites stored
    /// events in place, which `scan_since` cannot see, and an erased customer must not
    /// stay visible. Generations keep growing, so no cached answer survives. Call it
    /// under the follow lock (`Live::follow_lock`).
    pub fn reload(&self, store: &dyn Store) -> Result<()> {
        let fresh = Live::load(store, self.inner.evaluator.clone())?;
        let loaded = std::mem::take(&mut *write(&fresh.inner.merchants));
        let mut merchants = write(&self.inner.merchants);
        for (name, m) in &loaded {
            let before = merchants.get(name).map_or(0, |old| old.generation());
            m.generation.store(before + 1, Ordering::Release);
        }
        *merchants = loaded;
        drop(merchants);
        self.inner
            .last_seq
            .store(fresh.last_seq(), Ordering::Release);
        self.inner
            .erasures
            .store(fresh.erasures(), Ordering::Release);
        tracing::info!("reloaded the engines after an erasure");
        self.publish_gauges();
        Ok(())
    }

    /// Serialises catch-ups (the follower's and the POST's).
    pub(crate) async fn follow_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.follow.lock().await
    }

    /// Adds a batch to the engines and bumps the generation of each merchant touched.
    pub fn apply(&self, batch: Batch) {
        if batch.events.is_empty() {
            self.inner
                .last_seq
                .fetch_max(batch.last_seq, Ordering::AcqRel);
            return;
        }
        let mut by_merchant: HashMap<String, Vec<(Event, Option<TextSignal>)>> = HashMap::new();
        for (ev, sig) in batch.events {
            by_merchant
                .entry(ev.merchant.clone())
                .or_default()
                .push((ev, sig));
        }
        for (name, events) in by_merchant {
            let m = match self.merchant(&name) {
                Some(m) => m,
                None => {
                    let engine = match self.inner.evaluator.engine() {
                        Ok(e) => e,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot create an engine");
                            continue;
                        }
                    };
                    write(&self.inner.merchants)
                        .entry(name.clone())
                        .or_insert_with(|| Arc::new(LiveMerchant::new(name.clone(), engine)))
                        .clone()
                }
            };
            let mut engine = write(&m.engine);
            for (ev, sig) in &events {
                engine.add_with_text(ev, sig.as_ref());
            }
            m.generation.fetch_add(1, Ordering::AcqRel);
            drop(engine);
            tracing::debug!(merchant = %name, events = events.len(), "applied");
        }
        self.inner
            .last_seq
            .fetch_max(batch.last_seq, Ordering::AcqRel);
        self.publish_gauges();
    }

    fn publish_gauges(&self) {
        let merchants = read(&self.inner.merchants);
        let relationships: u64 = merchants
            .values()
            .map(|m| read(&m.engine).memory().relationships)
            .sum();
        metrics::gauge!("credence_relationships").set(relationships as f64);
        metrics::gauge!("credence_merchants").set(merchants.len() as f64);
        metrics::gauge!("credence_last_seq").set(self.last_seq() as f64);
    }

    /// Recomputes the cached answers (every relationship, the merchant report) of each
    /// merchant whose cache is older than its generation, several merchants at once.
    /// Blocking: seconds on a large store. Run at start and by the follower after a
    /// change, so that lookups are map reads; a lookup that comes first computes its
    /// one relationship itself.
    pub fn warm(&self) -> Result<()> {
        let stale: Vec<Arc<LiveMerchant>> = read(&self.inner.merchants)
            .values()
            .filter(|m| !m.is_warm())
            .cloned()
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(stale.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| -> Result<()> {
                        while let Some(m) = stale.get(next.fetch_add(1, Ordering::Relaxed)) {
                            m.snapshot(None)?;
                            m.report_json(None)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a warming thread panicked")))
            })
        })
    }

    /// One merchant, if it has events.
    pub fn merchant(&self, name: &str) -> Option<Arc<LiveMerchant>> {
        read(&self.inner.merchants).get(name).cloned()
    }

    /// The merchants with events, sorted.
    pub fn merchants(&self) -> Vec<String> {
        let mut v: Vec<String> = read(&self.inner.merchants).keys().cloned().collect();
        v.sort_unstable();
        v
    }

    /// The merchant's generation (0: no events).
    pub fn generation(&self, merchant: &str) -> u64 {
        self.merchant(merchant)
            .map_or(0, |m| m.generation.load(Ordering::Acquire))
    }
}

/// One row of a merchant's customer list: what sorting and filtering need.
#[derive(Debug, Clone)]
pub struct Row {
    /// The customer.
    pub customer: String,
    /// Trust, full precision (sorting uses it, as the CLI).
    pub score: f64,
    /// Uncertainty, full precision.
    pub uncertainty: f64,
    /// The stage.
    pub stage: Option<Stage>,
    /// The rounded report as JSON (the CLI's `--json` line).
    pub json: Bytes,
}

/// Every customer of a merchant at one generation, in customer-id order.
#[derive(Debug)]
pub struct Snapshot {
    /// The generation it was computed at.
    pub generation: u64,
    /// The rows.
    pub rows: Vec<Row>,
}

/// One merchant's engine and the answers cached from it.
pub struct LiveMerchant {
    name: String,
    engine: RwLock<Engine>,
    generation: AtomicU64,
    /// customer → (generation, JSON of the rounded report at the latest event time).
    trust: RwLock<HashMap<String, (u64, Bytes)>>,
    report: Mutex<Option<(u64, Bytes)>>,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
}

impl LiveMerchant {
    fn new(name: String, engine: Engine) -> Self {
        LiveMerchant {
            name,
            engine: RwLock::new(engine),
            generation: AtomicU64::new(1),
            trust: RwLock::new(HashMap::new()),
            report: Mutex::new(None),
            snapshot: Mutex::new(None),
        }
    }

    /// Whether the cached answers are those of the current generation.
    pub fn is_warm(&self) -> bool {
        lock(&self.snapshot)
            .as_ref()
            .is_some_and(|s| s.generation == self.generation())
    }

    /// The merchant's generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The JSON of `credence trust -m M -c C --json` at `at` (default: the merchant's
    /// latest event); `None` when the customer has no event up to then. Answers at the
    /// latest event time are cached per generation.
    pub fn trust_json(&self, customer: &str, at: Option<Timestamp>) -> Result<Option<Bytes>> {
        if at.is_none() {
            let g = self.generation();
            if let Some((cg, json)) = read(&self.trust).get(customer)
                && *cg == g
            {
                return Ok(Some(json.clone()));
            }
        }
        let engine = read(&self.engine);
        let g = self.generation();
        let Some(t) = at.or_else(|| engine.latest_event_time(&self.name)) else {
            return Ok(None);
        };
        let Some(report) = engine.relationship(&self.name, customer, t) else {
            return Ok(None);
        };
        drop(engine);
        let json = Bytes::from(serde_json::to_vec(&report.rounded())?);
        if at.is_none() {
            write(&self.trust).insert(customer.to_string(), (g, json.clone()));
        }
        Ok(Some(json))
    }

    /// The JSON of `credence merchant M --json` at `at` (default: the latest event).
    pub fn report_json(&self, at: Option<Timestamp>) -> Result<Option<Bytes>> {
        if at.is_none() {
            let g = self.generation();
            if let Some((cg, json)) = &*lock(&self.report)
                && *cg == g
            {
                return Ok(Some(json.clone()));
            }
        }
        let engine = read(&self.engine);
        let g = self.generation();
        let Some(t) = at.or_else(|| engine.latest_event_time(&self.name)) else {
            return Ok(None);
        };
        let Some(report) = engine.merchant(&self.name, t) else {
            return Ok(None);
        };
        drop(engine);
        let json = Bytes::from(serde_json::to_vec(&report.rounded())?);
        if at.is_none() {
            *lock(&self.report) = Some((g, json.clone()));
        }
        Ok(Some(json))
    }

    /// Every customer at `at` (default: the latest event), in customer-id order. At the
    /// latest event time the snapshot is cached per generation and its JSON fills the
    /// relationship cache.
    pub fn snapshot(&self, at: Option<Timestamp>) -> Result<Arc<Snapshot>> {
        if at.is_none()
            && let Some(s) = &*lock(&self.snapshot)
            && s.generation == self.generation()
        {
            return Ok(s.clone());
        }
        let engine = read(&self.engine);
        let g = self.generation();
        let t = at
            .or_else(|| engine.latest_event_time(&self.name))
            .unwrap_or_default();
        let mut rows = Vec::new();
        let mut err = None;
        engine.for_each_customer(&self.name, t, |r| {
            // Sorting uses the full-precision values, as the CLI does.
            match serde_json::to_vec(&r.rounded()) {
                Ok(json) => rows.push(Row {
                    customer: r.customer.unwrap_or_default(),
                    score: r.score,
                    uncertainty: r.uncertainty,
                    stage: r.stage,
                    json: Bytes::from(json),
                }),
                Err(e) => err = Some(e),
            }
        });
        drop(engine);
        if let Some(e) = err {
            return Err(e.into());
        }
        let snap = Arc::new(Snapshot {
            generation: g,
            rows,
        });
        if at.is_none() {
            let mut cache = write(&self.trust);
            for row in &snap.rows {
                cache.insert(row.customer.clone(), (g, row.json.clone()));
            }
            drop(cache);
            *lock(&self.snapshot) = Some(snap.clone());
        }
        Ok(snap)
    }
}
