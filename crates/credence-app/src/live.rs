//! The live state in the store (`credence_engine::live`): brought up to date by every
//! writer before it returns (ingest also every 200,000 events), read by every question
//! about now — one row per relationship at most, never the merchant's events. Its rows
//! and the sequence number of the last event applied change together in one
//! transaction, so the state is always exactly the fold of the events up to that
//! number, and a killed writer leaves events that the next writer or reader applies.
//!
//! The state records the rules it was built with and applies them to every later
//! batch, whoever writes; a reader asking with other rules (`--config`) or without text
//! (`--no-text`) takes the replay path instead ([`Live::reader`] answers `None`). A store
//! that has events from before the live state existed (an older credence, or events
//! inserted without the state, as the server's HTTP ingest does) is brought up to date by
//! [`Live::prepare`]: built from the event log once, then caught up from the last
//! applied sequence number. A merchant that received an event older than its watermark
//! is marked stale by the engine and rebuilt from its events by [`Live::prepare`].

use std::collections::BTreeMap;

use credence_engine::promise::PromiseKind;
use credence_engine::{
    Day, Engine, LiveReader, LiveRows, LiveUpdate, MerchantRow, RelRow, Rules, TextSignal,
};
use credence_events::Event;
use credence_store::{Filter, LiveRead, LiveTable, LiveWrite, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::evaluate::{EvalError, Evaluator, Scan, Sink};
use crate::text_evidence::{Deferred, TextError, WithText};

/// Meta key of the rules the live state was built with (JSON).
const META_RULES: &str = "rules";
/// Meta key of the highest event sequence number applied.
const META_APPLIED: &str = "applied_seq";
/// Meta key prefix of a merchant waiting for a rebuild (`stale:<merchant>`).
const META_STALE: &str = "stale:";
/// Meta key of the rows' format: a state in another format is rebuilt from the events.
const META_FORMAT: &str = "format";
/// The format of the rows this build writes (bump when a row type changes shape).
const FORMAT: &str = "1";

/// Why the live state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Loading events for a rebuild failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The text step failed.
    #[error(transparent)]
    Text(#[from] TextError),
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_allocvec(v).map_err(|e| StoreError::Backend(Box::new(e)))
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Backend(Box::new(e)))
}

fn kind_key(kind: PromiseKind, subject: &str) -> String {
    format!("{}:{subject}", kind as u8)
}

/// The engine's [`LiveRows`] over a store's live rows of one merchant.
struct Rows<'a> {
    read: &'a dyn LiveRead,
    merchant: &'a str,
}

impl LiveRows for Rows<'_> {
    type Error = StoreError;

    fn rel(&mut self, customer: &str) -> Result<Option<RelRow>, StoreError> {
        self.read
            .live_get(LiveTable::Relationship, self.merchant, customer)?
            .map(|b| decode(&b))
            .transpose()
    }

    fn owner(&mut self, kind: PromiseKind, subject: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .read
            .live_get(LiveTable::Owner, self.merchant, &kind_key(kind, subject))?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn due_before(&mut self, t: i64) -> Result<Vec<String>, StoreError> {
        self.read
            .live_before(LiveTable::Relationship, self.merchant, t)
    }

    fn day_totals(&mut self) -> Result<Vec<(i64, [f64; 8])>, StoreError> {
        let mut out = Vec::new();
        self.read
            .live_scan(LiveTable::DayTotal, self.merchant, &mut |k, v| {
                let day: i64 = k
                    .parse()
                    .map_err(|_| StoreError::Backend(format!("bad day key `{k}`").into()))?;
                out.push((day, decode(v)?));
                Ok(())
            })?;
        Ok(out)
    }

    fn day(&mut self, day: i64) -> Result<Option<Day>, StoreError> {
        self.read
            .live_get(LiveTable::Day, self.merchant, &day_key(day))?
            .map(|b| decode(&b))
            .transpose()
    }
}

/// Day keys sort as numbers: a sign and 20 digits.
fn day_key(day: i64) -> String {
    if day < 0 {
        format!("-{:020}", i128::from(day) + i128::from(i64::MAX) + 1)
    } else {
        format!("{day:020}")
    }
}

fn write_update(tx: &mut dyn LiveWrite, merchant: &str, u: &LiveUpdate) -> Result<(), StoreError> {
    tx.live_put(
        LiveTable::Merchant,
        merchant,
        "",
        None,
        &encode(&u.merchant)?,
    )?;
    let stale_key = format!("{META_STALE}{merchant}");
    if u.merchant.stale {
        tx.live_put(LiveTable::Meta, "", &stale_key, None, b"1")?;
    } else {
        tx.live_delete(LiveTable::Meta, "", &stale_key)?;
    }
    for r in &u.rels {
        tx.live_put(
            LiveTable::Relationship,
            merchant,
            &r.evidence.customer,
            r.next_point,
            &encode(r)?,
        )?;
    }
    for (kind, subject, owner) in &u.owners {
        tx.live_put(
            LiveTable::Owner,
            merchant,
            &kind_key(*kind, subject),
            None,
            owner.as_bytes(),
        )?;
    }
    for (d, day) in &u.days {
        let key = day_key(*d);
        if day.deltas.is_empty() {
            tx.live_delete(LiveTable::Day, merchant, &key)?;
            tx.live_delete(LiveTable::DayTotal, merchant, &key)?;
        } else {
            tx.live_put(LiveTable::Day, merchant, &key, None, &encode(day)?)?;
            tx.live_put(
                LiveTable::DayTotal,
                merchant,
                &key,
                None,
                &encode(&day.total)?,
            )?;
        }
    }
    Ok(())
}

fn merchant_row(read: &dyn LiveRead, merchant: &str) -> Result<Option<MerchantRow>, StoreError> {
    read.live_get(LiveTable::Merchant, merchant, "")?
        .map(|b| decode(&b))
        .transpose()
}

fn meta_i64(read: &dyn LiveRead, key: &str) -> Result<Option<i64>, StoreError> {
    Ok(read
        .live_get(LiveTable::Meta, "", key)?
        .and_then(|b| String::from_utf8_lossy(&b).parse().ok()))
}

/// Whether a store's live state can answer, and how far behind it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LiveStatus {
    /// The live state has been built (else every question replays the events).
    pub built: bool,
    /// Events stored but not yet applied (their text is analysed and they are applied
    /// by the next writer or reader that prepares the state).
    pub text_pending: u64,
    /// Merchants waiting for a rebuild after an event older than their watermark.
    pub stale: Vec<String>,
}

/// The live state's service: applies batches, prepares a store, opens readers.
#[derive(Debug, Clone)]
pub struct Live {
    evaluator: Evaluator,
}

/// What [`Live::prepare`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Prepared {
    /// Built from the whole event log (first use of a store).
    pub built: bool,
    /// Events applied after others had stored them.
    pub caught_up: u64,
    /// Merchants rebuilt after a late event.
    pub rebuilt: Vec<String>,
    /// Seconds spent.
    pub seconds: f64,
}

impl Live {
    /// The service for an evaluator: its rules and text setting are those a new live
    /// state is built with (an existing one keeps its own).
    pub fn new(evaluator: Evaluator) -> Live {
        Live { evaluator }
    }

    /// The service with the default rules and text evidence: what a store's live state
    /// is built with unless `credence rebuild --config` says otherwise.
    pub fn standard() -> Result<Live, LiveError> {
        Ok(Live::new(
            Evaluator::new(Rules::default(), true).map_err(EvalError::from)?,
        ))
    }

    /// The rules and text setting the store's live state was built with, if built.
    fn built_rules(read: &dyn LiveRead) -> Result<Option<Rules>, StoreError> {
        if read.live_get(LiveTable::Meta, "", META_FORMAT)?.as_deref() != Some(FORMAT.as_bytes()) {
            // Never built, or by a build whose rows this one cannot read.
            return Ok(None);
        }
        read.live_get(LiveTable::Meta, "", META_RULES)?
            .map(|b| serde_json::from_slice(&b).map_err(|e| StoreError::Backend(Box::new(e))))
            .transpose()
    }

    /// After an erasure: the merchants whose events were rewritten are rebuilt from
    /// them, so the erased customer's quoted text and ids leave the live state too.
    pub fn after_erasure(
        &self,
        store: &mut dyn Store,
        merchants: &[String],
    ) -> Result<(), LiveError> {
        if Self::built_rules(store)?.is_none() {
            return Ok(());
        }
        for m in merchants {
            self.rebuild(store, Some(m))?;
        }
        Ok(())
    }

    /// How the store's live state stands.
    pub fn status(store: &dyn Store) -> Result<LiveStatus, LiveError> {
        let built = Self::built_rules(store)?.is_some();
        let applied = meta_i64(store, META_APPLIED)?.unwrap_or(0);
        let mut pending = 0u64;
        store.scan_since(applied, &mut |_| {
            pending += 1;
            Ok(())
        })?;
        let mut stale = Vec::new();
        store.live_scan(LiveTable::Meta, "", &mut |k, _| {
            if let Some(m) = k.strip_prefix(META_STALE) {
                stale.push(m.to_string());
            }
            Ok(())
        })?;
        Ok(LiveStatus {
            built,
            text_pending: if built { pending } else { 0 },
            stale,
        })
    }

    /// Brings the live state up to date: built from the event log if it never was (with
    /// this service's rules), events stored without it applied in order, stale merchants
    /// rebuilt. Cheap when there is nothing to do.
    pub fn prepare(&self, store: &mut dyn Store) -> Result<Prepared, LiveError> {
        let started = std::time::Instant::now();
        let mut done = Prepared::default();
        if Self::built_rules(store)?.is_none() {
            self.rebuild(store, None)?;
            done.built = true;
        } else {
            done.caught_up = self.catch_up(store)?;
        }
        done.rebuilt = self.repair_stale(store)?;
        done.seconds = started.elapsed().as_secs_f64();
        Ok(done)
    }

    /// Applies `events`, which this process has just stored, from memory instead of
    /// reading them back — when they are exactly the events stored since the last one
    /// applied; otherwise (another writer's events in between) it catches up from the
    /// store. Then rebuilds stale merchants, as [`Live::prepare`] does.
    pub fn apply_stored(
        &self,
        store: &mut dyn Store,
        events: Vec<Event>,
    ) -> Result<Prepared, LiveError> {
        let started = std::time::Instant::now();
        let Some(rules) = Self::built_rules(store)? else {
            return self.prepare(store);
        };
        let applied = meta_i64(store, META_APPLIED)?.unwrap_or(0);
        let mut max = 0;
        store.live_transaction(&mut |tx| {
            max = tx.max_seq()?;
            Ok(())
        })?;
        if events.is_empty() || max - applied != events.len() as i64 {
            return self.prepare(store);
        }
        let mut deferred = Deferred::new(true);
        let mut ready: Vec<WithText> = events
            .into_iter()
            .filter_map(|e| deferred.offer(e))
            .map(|e| (e, None))
            .collect();
        ready.extend(deferred.resolve(&*store, false)?.0);
        let mut done = Prepared {
            caught_up: commit_applied(store, rules, &ready, max)?,
            ..Prepared::default()
        };
        done.rebuilt = self.repair_stale(store)?;
        done.seconds = started.elapsed().as_secs_f64();
        Ok(done)
    }

    /// Rebuilds every merchant marked stale (an event older than its watermark arrived).
    fn repair_stale(&self, store: &mut dyn Store) -> Result<Vec<String>, LiveError> {
        let stale = Self::status(store)?.stale;
        for m in &stale {
            self.rebuild(store, Some(m))?;
        }
        Ok(stale)
    }

    /// Applies the events stored after the last applied one, in order, with the rules
    /// the state was built with.
    fn catch_up(&self, store: &mut dyn Store) -> Result<u64, LiveError> {
        let Some(rules) = Self::built_rules(store)? else {
            return Ok(0);
        };
        let applied = meta_i64(store, META_APPLIED)?.unwrap_or(0);
        let evaluator = Evaluator::new(rules.clone(), true).map_err(EvalError::from)?;
        let mut events: Vec<WithText> = Vec::new();
        let mut sink = |e: Event, s: Option<TextSignal>| events.push((e, s));
        let replayed = evaluator.replay(&*store, Scan::Since(applied), &mut sink)?;
        if events.is_empty() {
            return Ok(0);
        }
        commit_applied(store, rules, &events, replayed.last_seq)
    }

    /// Rebuilds the live state from the event log: every merchant (`None`, with this
    /// service's rules, replacing what was there) or one (with the rules in force).
    pub fn rebuild(&self, store: &mut dyn Store, merchant: Option<&str>) -> Result<(), LiveError> {
        let rules = match merchant {
            Some(_) => Self::built_rules(store)?.unwrap_or_else(|| self.evaluator.rules().clone()),
            None => self.evaluator.rules().clone(),
        };
        let evaluator = Evaluator::new(rules.clone(), true)
            .map_err(EvalError::from)?
            .with_progress(false);
        let engine = Engine::new(rules.clone()).map_err(EvalError::from)?;
        let merchants = match merchant {
            Some(m) => vec![m.to_string()],
            None => store.merchants()?,
        };
        // Events stored after this point stay pending and are caught up later.
        let mut last_seq = 0i64;
        store.live_transaction(&mut |tx| {
            last_seq = tx.max_seq()?;
            Ok(())
        })?;
        let mut per_merchant: Vec<(String, Vec<WithText>)> = Vec::new();
        for m in &merchants {
            let filter = Filter {
                merchant: Some(m.clone()),
                ..Filter::default()
            };
            // (A rebuild of one merchant reads its events up to now: later ones were
            // never applied, being newer than the last applied sequence number.)
            let mut events: Vec<(Event, Option<TextSignal>)> = Vec::new();
            struct Collect<'a>(&'a mut Vec<(Event, Option<TextSignal>)>);
            impl Sink for Collect<'_> {
                fn add(&mut self, ev: Event, signal: Option<TextSignal>) {
                    self.0.push((ev, signal));
                }
            }
            evaluator.replay(&*store, Scan::Filter(&filter), &mut Collect(&mut events))?;
            per_merchant.push((m.clone(), events));
        }
        let rules_json =
            serde_json::to_vec(&rules).map_err(|e| StoreError::Backend(Box::new(e)))?;
        store.live_transaction(&mut |tx| {
            tx.live_clear(merchant)?;
            for (m, events) in &per_merchant {
                let refs: Vec<(&Event, Option<&TextSignal>)> =
                    events.iter().map(|(e, s)| (e, s.as_ref())).collect();
                let mut mem = MemRows;
                let update = credence_engine::live_apply(&engine, None, &refs, &mut mem)
                    .unwrap_or_else(|never: std::convert::Infallible| match never {});
                write_update(tx, m, &update)?;
            }
            if merchant.is_none() {
                tx.live_put(LiveTable::Meta, "", META_FORMAT, None, FORMAT.as_bytes())?;
                tx.live_put(LiveTable::Meta, "", META_RULES, None, &rules_json)?;
                tx.live_put(
                    LiveTable::Meta,
                    "",
                    META_APPLIED,
                    None,
                    last_seq.to_string().as_bytes(),
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// A reader of one merchant's live state at `at` (default: its latest event), or
    /// `None` when the question must replay the events instead: no live state, other
    /// rules or no text asked for, the merchant unknown or stale, or `at` before the
    /// live state's watermark (a question about the past). Call [`Live::prepare`] first
    /// to answer from an up-to-date state.
    pub fn reader<'s>(
        &self,
        store: &'s dyn Store,
        merchant: &'s str,
        at: Option<jiff::Timestamp>,
    ) -> Result<Option<MerchantLive<'s>>, LiveError> {
        let Some(rules) = Self::built_rules(store)? else {
            return Ok(None);
        };
        if !self.evaluator.text() || &rules != self.evaluator.rules() {
            return Ok(None);
        }
        let Some(head) = merchant_row(store, merchant)? else {
            return Ok(None);
        };
        let Some(latest) = head.latest else {
            return Ok(None);
        };
        let at = at.unwrap_or(latest);
        if head.stale || at.as_millisecond() < head.watermark {
            return Ok(None);
        }
        let mut rows = Rows {
            read: store,
            merchant,
        };
        let totals = rows.day_totals()?;
        let engine = Engine::new(rules).map_err(EvalError::from)?;
        Ok(Some(MerchantLive {
            reader: LiveReader::new(engine, head, totals),
            store,
            merchant,
            at,
        }))
    }
}

/// Applies `events` (with their text) in one transaction that also records `last_seq`
/// as the last event applied; returns how many were applied.
fn commit_applied(
    store: &mut dyn Store,
    rules: Rules,
    events: &[WithText],
    last_seq: i64,
) -> Result<u64, LiveError> {
    let engine = Engine::new(rules).map_err(EvalError::from)?;
    store.live_transaction(&mut |tx| {
        let refs: Vec<(&Event, Option<&TextSignal>)> =
            events.iter().map(|(e, s)| (e, s.as_ref())).collect();
        apply_events(&engine, &refs, tx)?;
        tx.live_put(
            LiveTable::Meta,
            "",
            META_APPLIED,
            None,
            last_seq.to_string().as_bytes(),
        )
    })?;
    Ok(events.len() as u64)
}

/// Applies events (any merchants, any order) to the live rows in `tx`.
fn apply_events(
    engine: &Engine,
    events: &[(&Event, Option<&TextSignal>)],
    tx: &mut dyn LiveWrite,
) -> Result<(), StoreError> {
    let mut by_merchant: BTreeMap<&str, Vec<(&Event, Option<&TextSignal>)>> = BTreeMap::new();
    for &(e, s) in events {
        by_merchant
            .entry(e.merchant.as_str())
            .or_default()
            .push((e, s));
    }
    for (m, evs) in by_merchant {
        let head = merchant_row(tx, m)?;
        let update = {
            let mut rows = Rows {
                read: tx,
                merchant: m,
            };
            credence_engine::live_apply(engine, head, &evs, &mut rows)?
        };
        write_update(tx, m, &update)?;
    }
    Ok(())
}

/// One merchant's live state, open for reading.
pub struct MerchantLive<'s> {
    reader: LiveReader,
    store: &'s dyn Store,
    merchant: &'s str,
    /// The evaluation time asked for (default: the latest event).
    pub at: jiff::Timestamp,
}

impl MerchantLive<'_> {
    /// The trust a brand-new customer starts with at `at` (0–100).
    pub fn initial_trust(&self, at: jiff::Timestamp) -> Result<f64, LiveError> {
        Ok(self.reader.initial_trust(at, &mut self.rows())?)
    }

    /// The merchant row (latest event time, watermark).
    pub fn row(&self) -> &MerchantRow {
        self.reader.merchant_row()
    }

    /// The time of the merchant's latest event: the default evaluation time.
    pub fn latest(&self) -> Option<jiff::Timestamp> {
        self.row().latest
    }

    fn rows(&self) -> Rows<'_> {
        Rows {
            read: self.store,
            merchant: self.merchant,
        }
    }

    /// One relationship's trust at `at` (`None`: no such customer, or no event by `at`).
    pub fn relationship(
        &self,
        customer: &str,
        at: jiff::Timestamp,
    ) -> Result<Option<credence_engine::TrustReport>, LiveError> {
        let mut rows = self.rows();
        let Some(row) = rows.rel(customer)? else {
            return Ok(None);
        };
        Ok(self
            .reader
            .relationship(self.merchant, &row, at, &mut rows)?)
    }

    /// Trust of every customer with an event at or before `at`, by customer id (rows
    /// streamed from the store, never all held).
    pub fn customers(
        &self,
        at: jiff::Timestamp,
        f: &mut dyn FnMut(credence_engine::TrustReport),
    ) -> Result<(), LiveError> {
        let mut rows = self.rows();
        let list = self.reader.list_scan(self.merchant, at, &mut rows)?;
        self.store
            .live_scan(LiveTable::Relationship, self.merchant, &mut |_, v| {
                let row: RelRow = decode(v)?;
                if let Some(r) = list.report(&row, &mut rows)? {
                    f(r);
                }
                Ok(())
            })?;
        Ok(())
    }

    /// The merchant's reputation and customers per stage at `at` (rows streamed).
    pub fn merchant(
        &self,
        at: jiff::Timestamp,
    ) -> Result<credence_engine::MerchantReport, LiveError> {
        let mut rows = self.rows();
        let mut scan = self.reader.merchant_scan(self.merchant, at, &mut rows)?;
        let mut more = self.rows();
        self.store
            .live_scan(LiveTable::Relationship, self.merchant, &mut |_, v| {
                let row: RelRow = decode(v)?;
                scan.add(&row, &mut more)
            })?;
        Ok(scan.finish())
    }
}

/// Live rows in memory, for a rebuild (nothing stored yet).
struct MemRows;

impl LiveRows for MemRows {
    type Error = std::convert::Infallible;
    fn rel(&mut self, _: &str) -> Result<Option<RelRow>, Self::Error> {
        Ok(None)
    }
    fn owner(&mut self, _: PromiseKind, _: &str) -> Result<Option<String>, Self::Error> {
        Ok(None)
    }
    fn due_before(&mut self, _: i64) -> Result<Vec<String>, Self::Error> {
        Ok(Vec::new())
    }
    fn day_totals(&mut self) -> Result<Vec<(i64, [f64; 8])>, Self::Error> {
        Ok(Vec::new())
    }
    fn day(&mut self, _: i64) -> Result<Option<Day>, Self::Error> {
        Ok(None)
    }
}

/// One difference between the live state and a replay of the events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The merchant.
    pub merchant: String,
    /// The customer (`None`: the merchant's own figures).
    pub customer: Option<String>,
    /// What differs: `score`, `uncertainty`, `stage`, `stage_history`, `dimension:<name>`,
    /// `stages`, `missing` (a relationship one side does not have).
    pub field: String,
    /// The live state's value.
    pub live: serde_json::Value,
    /// The replay's value.
    pub replay: serde_json::Value,
}

/// What [`Live::verify`] found (`rebuild --verify --json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Verification {
    /// Relationships compared.
    pub relationships_checked: u64,
    /// Merchants compared.
    pub merchants_checked: u64,
    /// Every difference (scores beyond 1e-9 relative or 0.01 as reported; any stage,
    /// history or count).
    pub differences: Vec<Difference>,
    /// The largest absolute difference of any score (0–100 scale).
    pub max_score_diff: f64,
}

fn score_differs(a: f64, b: f64) -> bool {
    let rel = (a - b).abs() / a.abs().max(b.abs()).max(1.0);
    rel > 1e-9 || ((a * 100.0).round() != (b * 100.0).round())
}

impl Live {
    /// Recomputes every merchant from its events and compares it with the live state:
    /// every relationship's score, uncertainty, dimensions, stage and stage history at
    /// the merchant's latest event, and the merchant's reputation and stage counts.
    /// Brings the state up to date first (pending events applied).
    pub fn verify(&self, store: &mut dyn Store) -> Result<Verification, LiveError> {
        self.prepare(store)?;
        let store: &dyn Store = store;
        let Some(rules) = Self::built_rules(store)? else {
            return Ok(Verification::default());
        };
        let evaluator = Evaluator::new(rules, true).map_err(EvalError::from)?;
        let checker = Live::new(evaluator.clone());
        let mut v = Verification::default();
        for m in store.merchants()? {
            let replay = match evaluator.load(store, &m, None) {
                Ok(r) => r,
                Err(EvalError::NoEvents { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(live) = checker.reader(store, &m, Some(replay.at))? else {
                v.differences.push(Difference {
                    merchant: m.clone(),
                    customer: None,
                    field: "missing".into(),
                    live: serde_json::Value::Null,
                    replay: serde_json::json!("merchant"),
                });
                continue;
            };
            let at = replay.at;
            v.merchants_checked += 1;
            let mut diff = |customer: Option<&str>,
                            field: &str,
                            live: serde_json::Value,
                            rep: serde_json::Value| {
                v.differences.push(Difference {
                    merchant: m.clone(),
                    customer: customer.map(str::to_string),
                    field: field.to_string(),
                    live,
                    replay: rep,
                });
            };
            let mut max_diff = 0.0f64;
            let mut live_reports: BTreeMap<String, credence_engine::TrustReport> = BTreeMap::new();
            live.customers(at, &mut |r| {
                live_reports.insert(r.customer.clone().unwrap_or_default(), r);
            })?;
            let mut checked = 0u64;
            for want in replay.engine.customers(&m, at) {
                checked += 1;
                let c = want.customer.clone().unwrap_or_default();
                let Some(got) = live_reports.remove(&c) else {
                    diff(
                        Some(&c),
                        "missing",
                        serde_json::Value::Null,
                        serde_json::json!("relationship"),
                    );
                    continue;
                };
                compare(&want, &got, &mut max_diff, &mut |f, l, r| {
                    diff(Some(&c), f, l, r)
                });
            }
            for c in live_reports.keys() {
                diff(
                    Some(c),
                    "missing",
                    serde_json::json!("relationship"),
                    serde_json::Value::Null,
                );
            }
            let want = replay
                .engine
                .merchant(&m, at)
                .ok_or_else(|| StoreError::Backend("merchant vanished".into()))?;
            let got = live.merchant(at)?;
            compare(&want.report, &got.report, &mut max_diff, &mut |f, l, r| {
                diff(None, f, l, r)
            });
            if want.stages != got.stages {
                diff(
                    None,
                    "stages",
                    serde_json::to_value(got.stages).unwrap_or_default(),
                    serde_json::to_value(want.stages).unwrap_or_default(),
                );
            }
            v.relationships_checked += checked;
            v.max_score_diff = v.max_score_diff.max(max_diff);
        }
        Ok(v)
    }
}

fn compare(
    want: &credence_engine::TrustReport,
    got: &credence_engine::TrustReport,
    max_diff: &mut f64,
    diff: &mut dyn FnMut(&str, serde_json::Value, serde_json::Value),
) {
    let mut num = |field: &str, l: f64, r: f64| {
        *max_diff = max_diff.max((l - r).abs());
        if score_differs(l, r) {
            diff(field, serde_json::json!(l), serde_json::json!(r));
        }
    };
    num("score", got.score, want.score);
    num("uncertainty", got.uncertainty, want.uncertainty);
    for d in credence_engine::Dimension::ALL {
        num(
            &format!("dimension:{}", d.as_str()),
            got.dimensions.get(d).score,
            want.dimensions.get(d).score,
        );
    }
    if got.stage != want.stage {
        diff(
            "stage",
            serde_json::to_value(got.stage).unwrap_or_default(),
            serde_json::to_value(want.stage).unwrap_or_default(),
        );
    }
    if got.stage_history != want.stage_history {
        diff(
            "stage_history",
            serde_json::to_value(&got.stage_history).unwrap_or_default(),
            serde_json::to_value(&want.stage_history).unwrap_or_default(),
        );
    }
}
