//! The pure trust engine of credence: events and an evaluation time in, trust out.
//!
//! This crate owns trust model v1 (DESIGN.md, documented as implemented in
//! `docs/trust-model.md`): the evidence table ([`Rules`]), decayed Beta evidence per
//! dimension, subjective-logic opinions, the leave-one-out base rate from the merchant's
//! reputation and site signals, lifecycle stages with their history, and reasons with
//! English and Chinese sentences.
//!
//! It must never do I/O: no files, no network, no clock, no environment. Callers (the
//! store, the CLI, the server) feed it [`credence_events::Event`]s and choose the
//! evaluation time. It depends only on `credence-events`, `serde`, `jiff` and
//! `thiserror`.
//!
//! # Layout
//!
//! - `rules` — [`Rules`]: the one evidence table ([`EvidenceTable`], a row per
//!   [`ReasonCode`]), decay, priors, weights, stage thresholds; `serde` with defaults so a
//!   TOML file can override any part.
//! - [`promise`] — the one rule for promises: which event defines one, which resolves
//!   it, when it is due and what it amounts to at a time (the indicators and the alert
//!   streams call it too).
//! - `store` — the compact representation: per merchant, a 12-byte item per event and
//!   relationship, plus one record per linked promise (order delivery, ticket SLA,
//!   refund, low-review reply window). Adding an event is O(1) and order-independent.
//! - `intern` — an arena-backed string → index map for customer, order, ticket and
//!   review ids (no allocation per id, one probe per lookup).
//! - `eval` — folding at an evaluation time: decayed sums, opinions, base rates, stages,
//!   stage history, reasons.
//! - `report` — the output types ([`TrustReport`], [`MerchantReport`]) whose JSON is
//!   the CLI's `--json` shape.
//! - `text` — reason sentences in English and Chinese.
//!
//! # Example
//!
//! ```
//! use credence_engine::{Engine, Rules, Stage};
//! let lines = [
//!     r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1","promised_by":"2026-03-03T18:00:00+08:00"}"#,
//!     r#"{"id":"e2","type":"delivery","at":"2026-03-04T08:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#,
//! ];
//! let mut engine = Engine::new(Rules::default()).unwrap();
//! for l in lines {
//!     engine.add(&credence_events::parse_event(l).unwrap());
//! }
//! let at = engine.latest_event_time("m-tea").unwrap();
//! let report = engine.relationship("m-tea", "c-001", at).unwrap();
//! assert_eq!(report.stage, Some(Stage::Initial));
//! let late = report.reasons.iter().find(|r| r.reason.as_str() == "delivery_late").unwrap();
//! assert_eq!(late.text_en, "Delivery of order o-1 arrived 14 h after the promised time");
//! assert!(late.impact < 0.0);
//! ```

mod eval;
mod intern;
pub mod live;
pub mod promise;
mod report;
mod rules;
pub mod series;
mod store;
mod text;

use jiff::Timestamp;

pub use live::{
    ListScan, LiveReader, LiveRows, LiveUpdate, MerchantRow, MerchantScan, RelRow,
    apply as live_apply,
};
pub use report::{
    DimensionReport, Dimensions, MerchantReport, Reason, Stage, StageChange, StageCounts,
    TrustReport,
};
pub use rules::{
    Dimension, DimensionWeights, EvidenceRule, EvidenceTable, ReasonCode, Rules, RulesError,
    StageRules,
};
pub use series::{Day, Delta, Series, SeriesView};
pub use store::{PromiseRecord, RelEvidence};

use credence_events::Event;
pub use eval::RepSource;
use eval::{Ctx, Reputation, Weights, dimensions, history_out};
use promise::{PromiseKind, PromiseTerms};
use serde::{Deserialize, Serialize};
use store::{FxMap, Item, Merchant, Promise, Rel, RulesDerived};

/// The trust engine: holds the evidence of every merchant and evaluates it at any time.
///
/// Add events in any order (results do not depend on it); the engine does not
/// de-duplicate event ids — the store does (events v1 idempotency), so add each event
/// once. Evaluation never mutates the engine.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Rules,
    derived: RulesDerived,
    weights: Weights,
    index: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    merchants: Vec<Merchant>,
    last: u32,
    events: u64,
}

/// What a text analyser read in one event's text (a review, complaint, ticket message
/// or survey comment): the engine's input for text evidence. The engine does no text
/// analysis itself (the CLI fills this from `credence-text`); see
/// [`Engine::add_with_text`] for the rules. Its JSON is the CLI's text-analysis cache
/// entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextSignal {
    /// Whole-text sentiment: P(positive), 0–1 (used in steps of 1/15).
    pub sentiment: f32,
    /// Aspect mentions, in text order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aspects: Vec<TextAspect>,
    /// A short excerpt of the text, quoted by the sentiment reason (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
}

/// One aspect mention of a [`TextSignal`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAspect {
    /// The aspect code (`delivery`, `product_quality`, …; see `docs/text.md`).
    pub aspect: String,
    /// The trust dimension it speaks to.
    pub dimension: Dimension,
    /// Praise (`true`) or criticism (`false`).
    pub positive: bool,
    /// The clause the polarity was read from, quoted in the reason.
    pub snippet: String,
}

/// A reference that has not (yet) met its target: a delivery, refund, ticket reply or
/// review reply whose order, ticket or review never arrived with a promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling {
    /// `order`, `ticket`, `refund` or `review`.
    pub kind: &'static str,
    /// The referenced id.
    pub id: String,
}

/// What the engine's state takes in memory (heap and inline, from capacities).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Events added (custom `x-` types included).
    pub events: u64,
    /// Relationships (merchant, customer).
    pub relationships: u64,
    /// Linked promise records.
    pub promises: u64,
    /// Bytes of engine state, excluding id strings: `evidence_bytes + index_bytes`.
    pub state_bytes: u64,
    /// Of which the evidence proper: items, promise records, relationship headers,
    /// site signals.
    pub evidence_bytes: u64,
    /// Of which the id indexes: interner slots, cached hashes and values, and the
    /// ticket-of-event table.
    pub index_bytes: u64,
    /// Bytes of ids: event ids, customer and subject keys (strings and their boxes).
    pub id_bytes: u64,
}

impl MemoryStats {
    /// `state_bytes / relationships`.
    pub fn state_bytes_per_relationship(&self) -> f64 {
        self.state_bytes as f64 / self.relationships.max(1) as f64
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::from_valid(Rules::default())
    }
}

fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

impl Engine {
    /// An empty engine with these rules (checked with [`Rules::validate`]).
    pub fn new(rules: Rules) -> Result<Engine, RulesError> {
        rules.validate()?;
        Ok(Engine::from_valid(rules))
    }

    fn from_valid(rules: Rules) -> Engine {
        let mut dims = [u8::MAX; 64];
        for (i, &code) in ReasonCode::ALL.iter().enumerate() {
            dims[i] = rules.evidence.rule(code).dimension.index() as u8;
        }
        let derived = RulesDerived {
            dims,
            base_rate_neutral: rules.base_rate_neutral,
            base_rate_signal_span: rules.base_rate_signal_span,
            terms: PromiseTerms::from_rules(&rules),
        };
        Engine {
            weights: Weights::new(&rules),
            rules,
            derived,
            index: FxMap::default(),
            names: Vec::new(),
            merchants: Vec::new(),
            last: u32::MAX,
            events: 0,
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Adds one event. Any order; events after an evaluation time are simply ignored by
    /// that evaluation. Custom `x-` types yield nothing.
    pub fn add(&mut self, event: &Event) {
        self.add_with_text(event, None);
    }

    /// Adds one event with what a text analyser read in its text (any order, like
    /// [`Engine::add`]; `None` is [`Engine::add`]). Text evidence never double counts
    /// (DESIGN.md): the event's own structured item (the row its type maps to: the
    /// rating of a review, the category of a complaint, …) keeps its dimension, and
    ///
    /// - the sentiment adds a `text_sentiment` item (`affect`) only for text without a
    ///   rating or score (complaints, ticket messages — not reviews, not surveys);
    /// - the aspects add one `text_<dimension>` item per dimension (the majority
    ///   polarity of the mentions on it; a tie goes to the last mention), except on the
    ///   dimension of the event's structured item and on the sentiment item's;
    ///
    /// so a text yields at most one item per dimension. Items are dated at the event.
    /// Promise outcomes (a late delivery, an unanswered low review) belong to the
    /// events that resolve or define them and do not suppress text items.
    pub fn add_with_text(&mut self, event: &Event, text: Option<&TextSignal>) {
        let m = self.merchant_index(&event.merchant);
        self.merchants[m as usize].add(event, text, &self.derived);
        self.events += 1;
    }

    /// Adds many events.
    pub fn extend<'a>(&mut self, events: impl IntoIterator<Item = &'a Event>) {
        for e in events {
            self.add(e);
        }
    }

    fn merchant_index(&mut self, name: &str) -> u32 {
        if self.last != u32::MAX && &*self.names[self.last as usize] == name {
            return self.last;
        }
        let m = match self.index.get(name) {
            Some(&m) => m,
            None => {
                let m = self.merchants.len() as u32;
                self.merchants.push(Merchant::default());
                self.names.push(name.into());
                self.index.insert(name.into(), m);
                m
            }
        };
        self.last = m;
        m
    }

    /// Merges another engine's state (built from a disjoint set of events, with the
    /// same rules) into this one. `a.merge(b)` evaluates like one engine fed both sets.
    pub fn merge(&mut self, other: Engine) {
        self.events += other.events;
        for (name, m) in other.names.into_iter().zip(other.merchants) {
            let i = self.merchant_index(&name);
            let target = &mut self.merchants[i as usize];
            if target.id_ends.is_empty() && target.latest.is_none() {
                *target = m;
            } else {
                target.merge(m);
            }
        }
    }

    /// Releases spare capacity of the state (call after a bulk load such as a rebuild;
    /// later `add`s grow it again as needed).
    pub fn shrink_to_fit(&mut self) {
        for m in &mut self.merchants {
            m.shrink_to_fit();
        }
    }

    /// Number of events added.
    pub fn len(&self) -> u64 {
        self.events
    }

    /// Whether no event was added.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// Merchants, sorted.
    pub fn merchants(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.names.iter().map(|n| &**n).collect();
        v.sort_unstable();
        v
    }

    fn get(&self, merchant: &str) -> Option<&Merchant> {
        self.index
            .get(merchant)
            .map(|&i| &self.merchants[i as usize])
    }

    /// The customers of a merchant, sorted.
    pub fn customers_of(&self, merchant: &str) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .get(merchant)
            .map(|m| m.customers.iter().map(|(k, _)| k).collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// The time of the merchant's latest event (the CLI's default evaluation time).
    pub fn latest_event_time(&self, merchant: &str) -> Option<Timestamp> {
        self.get(merchant).and_then(|m| m.latest)
    }

    /// Trust of one relationship at `at`, with reasons and stage history. `None` when
    /// the relationship has no event at or before `at`.
    pub fn relationship(
        &self,
        merchant: &str,
        customer: &str,
        at: Timestamp,
    ) -> Option<TrustReport> {
        let m = self.get(merchant)?;
        let rel = m.customers.get(customer)?;
        let ctx = Ctx::new(&self.rules, &self.weights, m, merchant);
        let t = to_ms(at);
        if !ctx.exists_at(rel, t) {
            return None;
        }
        let rep = Reputation::build(&ctx, t);
        let mut scratch = Vec::new();
        Some(report(&ctx, &rep, rel, customer, at, &mut scratch))
    }

    /// Trust of every customer of a merchant with an event at or before `at`, sorted by
    /// customer id (sort or filter by `score` / `stage` as needed).
    pub fn customers(&self, merchant: &str, at: Timestamp) -> Vec<TrustReport> {
        let mut out = Vec::new();
        self.for_each_customer(merchant, at, |r| out.push(r));
        out
    }

    /// Like [`Engine::customers`] but hands each report to `f` as it is made, in
    /// customer-id order, so a caller writing JSON Lines does not hold them all.
    pub fn for_each_customer(&self, merchant: &str, at: Timestamp, mut f: impl FnMut(TrustReport)) {
        let Some(m) = self.get(merchant) else {
            return;
        };
        let ctx = Ctx::new(&self.rules, &self.weights, m, merchant);
        let t = to_ms(at);
        let rep = Reputation::build(&ctx, t);
        let mut scratch = Vec::new();
        let mut custs: Vec<(&str, u32)> = m.customers.iter().collect();
        custs.sort_unstable();
        for (c, rel) in custs {
            if ctx.exists_at(rel, t) {
                f(report(&ctx, &rep, rel, c, at, &mut scratch));
            }
        }
    }

    /// The stage and score (0–100) of every customer with an event at or before `at`,
    /// sorted by customer id (cheaper than [`Engine::customers`]: no reasons, no
    /// sentences; the stage still walks the history, for hysteresis).
    pub fn stages(&self, merchant: &str, at: Timestamp) -> Vec<(&str, Stage, f64)> {
        let Some(m) = self.get(merchant) else {
            return Vec::new();
        };
        let ctx = Ctx::new(&self.rules, &self.weights, m, merchant);
        let t = to_ms(at);
        let rep = Reputation::build(&ctx, t);
        let mut scratch = Vec::new();
        let mut out: Vec<(&str, Stage, f64)> = m
            .customers
            .iter()
            .filter(|&(_, rel)| ctx.exists_at(rel, t))
            .map(|(c, rel)| {
                let (s, o, _) = stage_at(&ctx, &rep, rel, t, &mut scratch);
                (c, s, o.t * 100.0)
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// The merchant's reputation at `at` (all its evidence, W0 prior, a0 from its
    /// latest site signals) and its customers per stage. `None` for an unknown merchant.
    pub fn merchant(&self, merchant: &str, at: Timestamp) -> Option<MerchantReport> {
        let m = self.get(merchant)?;
        let ctx = Ctx::new(&self.rules, &self.weights, m, merchant);
        let t = to_ms(at);
        let rep = Reputation::build(&ctx, t);
        let o = ctx.merchant_opinion(&rep, t);
        let mut counts = StageCounts::default();
        let mut scratch = Vec::new();
        for rel in 0..m.rels.len() as u32 {
            if ctx.exists_at(rel, t) {
                counts.add(stage_at(&ctx, &rep, rel, t, &mut scratch).0);
            }
        }
        Some(MerchantReport {
            report: TrustReport {
                merchant: merchant.to_string(),
                customer: None,
                at,
                score: o.t * 100.0,
                uncertainty: o.uncertainty,
                cognitive: o.cognitive * 100.0,
                affective: o.affective * 100.0,
                stage: None,
                dimensions: dimensions(&o),
                reasons: ctx.merchant_reasons(&o, t),
                stage_history: Vec::new(),
            },
            stages: counts,
        })
    }

    /// The trust a brand-new customer of `merchant` would start with at `at` (0–100):
    /// T with no own evidence, i.e. the weighted base rates.
    pub fn initial_trust(&self, merchant: &str, at: Timestamp) -> f64 {
        let Some(m) = self.get(merchant) else {
            let w = self.rules.weights.as_array();
            return 100.0 * self.rules.base_rate_neutral * w.iter().sum::<f64>()
                / w.iter().sum::<f64>();
        };
        let ctx = Ctx::new(&self.rules, &self.weights, m, merchant);
        let t = to_ms(at);
        initial_trust_from(&self.rules, &Reputation::build(&ctx, t), t)
    }

    /// References still dangling for a merchant: resolving events whose defining event
    /// (the order with a promise, the opened ticket with an SLA, the low review) never
    /// arrived. Sorted by kind and id.
    pub fn dangling(&self, merchant: &str) -> Vec<Dangling> {
        let Some(m) = self.get(merchant) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for map in &m.subjects {
            for (k, p) in map.iter() {
                let pr: &Promise = &m.promises[p as usize];
                if pr.def_event == store::NO && pr.res_event != store::NO {
                    let kind = match pr.kind() {
                        PromiseKind::Delivery => "order",
                        PromiseKind::Ticket => "ticket",
                        PromiseKind::Refund => continue, // a refund needs no promise
                        PromiseKind::ReviewReply => "review",
                    };
                    out.push(Dangling {
                        kind,
                        id: k.to_string(),
                    });
                }
            }
        }
        out.sort_unstable_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        out
    }

    /// `size_of` of the three building blocks of the state: an evidence item (one per
    /// event of a relationship), a relationship header, a promise record.
    pub fn layout() -> (usize, usize, usize) {
        use std::mem::size_of;
        (size_of::<Item>(), size_of::<Rel>(), size_of::<Promise>())
    }

    /// Memory taken by the engine's state, computed from capacities.
    pub fn memory(&self) -> MemoryStats {
        use std::mem::size_of;
        // hashbrown: per bucket one value slot plus one control byte.
        fn table<K, V>(cap: usize) -> (u64, u64) {
            let buckets = if cap == 0 {
                0
            } else {
                (cap * 8 / 7).next_power_of_two()
            };
            (
                (buckets * (size_of::<V>() + 1)) as u64,
                (buckets * size_of::<K>()) as u64,
            )
        }
        let mut s = MemoryStats {
            events: self.events,
            ..MemoryStats::default()
        };
        for m in &self.merchants {
            s.relationships += m.rels.len() as u64;
            s.promises += m.promises.len() as u64;
            s.evidence_bytes += (size_of::<Merchant>()
                + m.rels.capacity() * size_of::<Rel>()
                + m.items.capacity() * size_of::<Item>()
                + m.signals.capacity() * size_of::<store::Signal>()
                + m.promises.capacity() * size_of::<Promise>())
                as u64;
            s.evidence_bytes += m
                .rels
                .iter()
                .map(|r| (r.items.capacity() * size_of::<Item>()) as u64)
                .sum::<u64>();
            let (v, k) = table::<u32, u32>(m.ticket_of.capacity());
            s.index_bytes += v + k;
            let (v, k) = table::<(u32, u8), store::Note>(m.notes.capacity());
            s.evidence_bytes += v
                + k
                + m.notes
                    .values()
                    .map(|n| (n.aspect.len() + n.snippet.len()) as u64)
                    .sum::<u64>();
            for map in std::iter::once(&m.customers).chain(&m.subjects) {
                s.index_bytes += map.index_bytes();
                s.id_bytes += map.key_bytes();
            }
            s.id_bytes += (m.ids.capacity() + m.id_ends.capacity() * size_of::<u32>()) as u64;
        }
        s.state_bytes = s.evidence_bytes + s.index_bytes;
        s
    }
}

/// T of a customer with no evidence of its own at `t` (0–100): the weighted base rates.
fn initial_trust_from(rules: &Rules, rep: &dyn RepSource, t: i64) -> f64 {
    let (rm, sm) = rep.sums(t);
    let a0 = rep.a0(t);
    let w0 = rules.reputation_prior_weight;
    let w = rules.weights.as_array();
    let total: f64 = (0..4)
        .map(|i| w[i] * (rm[i] + a0 * w0) / (rm[i] + sm[i] + w0))
        .sum();
    100.0 * total / w.iter().sum::<f64>()
}

/// The stage at `t` with hysteresis (the last entry of the stage history, whose last
/// evaluation point is `t` itself) and the opinion at `t`.
fn stage_at(
    ctx: &Ctx<'_>,
    rep: &dyn RepSource,
    rel: u32,
    t: i64,
    scratch: &mut Vec<u32>,
) -> (Stage, eval::Opinion, Vec<(Stage, i64)>) {
    let history = ctx.history(rep, rel, t, scratch);
    let stage = history.last().map_or(Stage::Initial, |h| h.0);
    (stage, ctx.opinion(rep, rel, t, scratch), history)
}

fn report(
    ctx: &Ctx<'_>,
    rep: &dyn RepSource,
    rel: u32,
    customer: &str,
    at: Timestamp,
    scratch: &mut Vec<u32>,
) -> TrustReport {
    let t = to_ms(at);
    let (stage, o, history) = stage_at(ctx, rep, rel, t, scratch);
    TrustReport {
        merchant: ctx.name.to_string(),
        customer: Some(customer.to_string()),
        at,
        score: o.t * 100.0,
        uncertainty: o.uncertainty,
        cognitive: o.cognitive * 100.0,
        affective: o.affective * 100.0,
        stage: Some(stage),
        dimensions: dimensions(&o),
        reasons: ctx.reasons(&o, rel, t),
        stage_history: history_out(history),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_compact() {
        // 12-byte items (time, code and parameter packed in 8 bytes + a u32 event index),
        // a 24-byte relationship header (one Vec), 36-byte promise records.
        assert_eq!(Engine::layout(), (12, 24, 36));
    }
}
