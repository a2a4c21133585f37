//! The live state: what a store keeps so that a question about *now* costs what changed,
//! not the whole history. Pure like the rest of the engine: the store hands rows in
//! through [`LiveRows`] and writes back the [`LiveUpdate`] it gets.
//!
//! Three kinds of rows per merchant:
//!
//! - [`MerchantRow`]: the latest event time, the *watermark* (every evaluation point
//!   before it is final), site signals, evidence without a customer, and a `stale` flag;
//! - one [`Day`] per UTC day with evidence: the reputation series (see
//!   [`crate::series`]) — a materialised, mergeable sum that every base rate reads;
//! - one [`RelRow`] per relationship: its evidence in the engine's compact form, the
//!   promises it owns, and its stage history *closed* up to the watermark; plus an index
//!   from promise subject to owner and one from a relationship's next evaluation point
//!   (a deadline, the end of a year of silence) to the relationship.
//!
//! What is materialised and what is computed at read time: the series and the closed
//! stage histories are materialised at ingest; a score, the stage at the evaluation
//! time, and the points between the watermark and it are computed when read, from one
//! row per relationship and the series (the base rate moves with every event of the
//! merchant, so a stored score would be stale at once). Points are closed when the
//! watermark passes them: a relationship whose next point (a deadline, a year of
//! silence) falls before a new watermark is brought up to date by that batch even if
//! none of its events is in it.
//!
//! Order. Events are applied in time order per batch. An event older than the
//! watermark would change closed points of any relationship (through the base rate), so
//! it is not applied: the merchant is marked `stale` and the writer rebuilds it from the
//! event log by [`apply`]ing all its events to empty rows — the same fold, so the result
//! equals a replay whatever the arrival order.

use std::collections::{BTreeMap, BTreeSet};

use credence_events::{Event, EventBody};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::eval::{Ctx, Weights, dimensions, history_out, item_delta, promise_deltas};
use crate::promise::{self, PromiseKind};
use crate::report::{MerchantReport, Stage, StageCounts, TrustReport};
use crate::rules::Rules;
use crate::series::{Day, Delta, SeriesView, day_of};
use crate::store::{Item, Merchant, NO, RelEvidence};
use crate::{Engine, TextSignal};

/// The merchant-level row of the live state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MerchantRow {
    /// The latest event time applied: the default evaluation time.
    pub latest: Option<Timestamp>,
    /// Every relationship's evaluation points before this time (ms) are closed.
    pub watermark: i64,
    /// An event older than the watermark arrived: the rows wait for a rebuild.
    pub stale: bool,
    /// Site signals: (time, event id, a0).
    pub signals: Vec<(i64, String, f64)>,
    /// Evidence without a customer (public commitment results): (time, code,
    /// parameter, event id).
    pub items: Vec<(i64, u8, u8, String)>,
    /// Events applied (custom `x-` types included).
    pub events: u64,
}

/// One relationship's row of the live state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelRow {
    /// Its evidence, promises and quotes.
    pub evidence: RelEvidence,
    /// Stage changes at the evaluation points before `closed` (final).
    pub history: Vec<(Stage, i64)>,
    /// Every evaluation point before this time (ms) is in `history`.
    pub closed: i64,
    /// Its next evaluation point at or after `closed` (the due index), if any.
    pub next_point: Option<i64>,
}

impl RelRow {
    /// The row of a relationship not seen before: nothing closed yet.
    fn fresh() -> RelRow {
        RelRow {
            closed: i64::MIN,
            ..RelRow::default()
        }
    }
}

/// Where [`apply`] and the readers get rows (the store implements it).
pub trait LiveRows {
    /// The store's error.
    type Error;
    /// The row of a relationship.
    fn rel(&mut self, customer: &str) -> Result<Option<RelRow>, Self::Error>;
    /// The customer owning a promise subject.
    fn owner(&mut self, kind: PromiseKind, subject: &str) -> Result<Option<String>, Self::Error>;
    /// Customers whose next evaluation point is before `t` (ms).
    fn due_before(&mut self, t: i64) -> Result<Vec<String>, Self::Error>;
    /// `(day, total)` of every day of the series.
    fn day_totals(&mut self) -> Result<Vec<(i64, [f64; 8])>, Self::Error>;
    /// One day of the series.
    fn day(&mut self, day: i64) -> Result<Option<Day>, Self::Error>;
}

/// What [`apply`] changed: rows to write (a [`Day`] with no deltas is deleted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveUpdate {
    /// The merchant row.
    pub merchant: MerchantRow,
    /// Relationship rows to write (the due index follows their `next_point`).
    pub rels: Vec<RelRow>,
    /// Promise subject → owner, to write.
    pub owners: Vec<(PromiseKind, String, String)>,
    /// Days to write or (empty) delete.
    pub days: Vec<(i64, Day)>,
}

fn half_life_ms(rules: &Rules) -> f64 {
    rules.half_life_days * 86_400_000.0
}

/// Applies one batch of a merchant's events (with their text signals) to its live
/// state. `merchant` is the current merchant row (`None` for a new merchant); `rows`
/// reads the rest. Events older than the watermark mark the merchant stale instead
/// (see the module docs); a stale merchant only counts events until it is rebuilt.
pub fn apply<R: LiveRows>(
    engine_rules: &Engine,
    merchant: Option<MerchantRow>,
    events: &[(&Event, Option<&TextSignal>)],
    rows: &mut R,
) -> Result<LiveUpdate, R::Error> {
    let rules = engine_rules.rules();
    let h = half_life_ms(rules);
    let mut head = merchant.unwrap_or_else(|| MerchantRow {
        watermark: i64::MIN,
        ..MerchantRow::default()
    });
    for (e, _) in events {
        head.events += 1;
        if head.latest.is_none_or(|l| e.at > l) {
            head.latest = Some(e.at);
        }
    }
    let late = events
        .iter()
        .any(|(e, _)| !matches!(e.body, EventBody::Custom { .. }) && ms(e.at) < head.watermark);
    if head.stale || late {
        head.stale = true;
        return Ok(LiveUpdate {
            merchant: head,
            ..LiveUpdate::default()
        });
    }
    let mut sorted: Vec<&(&Event, Option<&TextSignal>)> = events.iter().collect();
    sorted.sort_by(|a, b| (a.0.at, a.0.id.as_str()).cmp(&(b.0.at, b.0.id.as_str())));
    let new_w = head
        .latest
        .map_or(head.watermark, |l| head.watermark.max(ms(l)));

    // The relationships this batch touches: its customers, the owners of the promises it
    // links to, and those with a point due before the new watermark.
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let terms = promise::PromiseTerms::from_rules(rules);
    for (e, _) in &sorted {
        if let Some(c) = &e.customer {
            wanted.insert(c.clone());
        }
        for l in promise::links(e, &terms) {
            if let Some(owner) = rows.owner(l.kind, l.subject)? {
                wanted.insert(owner);
            }
        }
    }
    wanted.extend(rows.due_before(new_w)?);
    let mut m = Merchant::default();
    let mut loaded: BTreeMap<String, RelRow> = BTreeMap::new();
    for c in &wanted {
        if let Some(row) = rows.rel(c)? {
            m.import_rel(&row.evidence);
            loaded.insert(c.clone(), row);
        }
    }
    for (t, code, param, id) in &head.items {
        let e = m.push_event_id(id);
        m.items.push(Item::new(*t, *code, *param, e));
    }

    // Add the events, collecting the series deltas they cause.
    let w = engine_rules.weights();
    let derived = engine_rules.derived();
    let mut changes: Vec<Change> = Vec::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut linked: BTreeSet<u32> = BTreeSet::new();
    for (e, text) in &sorted {
        // (A refund can define and resolve one promise: count each record once.)
        let promises: BTreeSet<u32> = promise::links(e, &terms)
            .filter_map(|l| m.promise_index(l.kind, l.subject))
            .collect();
        let mut before = Vec::new();
        for &p in &promises {
            promise_deltas(w, m.promise_at(p), p, &mut before);
        }
        let rel = e.customer.as_deref().map(|c| {
            touched.insert(c.to_string());
            m.rel_index(c)
        });
        let items_before = rel.flatten().map_or(0, |r| m.rel_items(r).len());
        let shared_before = m.items.len();
        let signals_before = m.signals.len();
        m.add(e, *text, derived);
        // Promise records the event created or changed.
        let mut after = Vec::new();
        let promises_after: BTreeSet<u32> = promise::links(e, &terms)
            .filter_map(|l| m.promise_index(l.kind, l.subject))
            .collect();
        for &p in &promises_after {
            promise_deltas(w, m.promise_at(p), p, &mut after);
            if let Some(owner) = m.promise_owner_name(p) {
                touched.insert(owner.to_string());
            }
            linked.insert(p);
        }
        changes.extend(before.into_iter().map(Change::Remove));
        changes.extend(after.into_iter().map(Change::Add));
        if let Some(c) = e.customer.as_deref()
            && let Some(r) = m.rel_index(c)
        {
            let from = if rel.flatten() == Some(r) {
                items_before
            } else {
                0
            };
            changes.extend(
                m.rel_items(r)[from..]
                    .iter()
                    .filter_map(|it| item_delta(w, it))
                    .map(Change::Add),
            );
        }
        for it in &m.items[shared_before..] {
            changes.extend(item_delta(w, it).map(Change::Add));
            head.items.push((
                it.at(),
                it.code(),
                it.param(),
                m.event_id(it.event).to_string(),
            ));
        }
        for &(t, ev, a0) in &m.signals[signals_before..] {
            head.signals.push((t, m.event_id(ev).to_string(), a0));
        }
    }

    // The series: withdraw and add, per day, each day re-sorted and re-totalled once.
    let mut per_day: BTreeMap<i64, Vec<Change>> = BTreeMap::new();
    for c in cancel(changes) {
        let (Change::Add(d) | Change::Remove(d)) = c;
        per_day.entry(day_of(d.time)).or_default().push(c);
    }
    let mut days: BTreeMap<i64, Day> = BTreeMap::new();
    for (day, list) in per_day {
        let mut entry = rows.day(day)?.unwrap_or_default();
        let mut added = Vec::new();
        for c in list {
            match c {
                Change::Add(d) => added.push(d),
                Change::Remove(d) => {
                    // Every removal withdraws a delta stored before (same bits); should
                    // one be missing, adding its negation keeps the sums right.
                    if let Some(i) = entry.deltas.iter().position(|x| x.same(&d)) {
                        entry.deltas.remove(i);
                    } else {
                        added.push(d.negated());
                    }
                }
            }
        }
        entry.extend(day, added, h);
        days.insert(day, entry);
    }

    // Close every touched or due relationship's points before the new watermark.
    // (A customer new in this batch has no row yet: nothing of it is closed.)
    for c in touched {
        if m.rel_index(&c).is_some() {
            loaded.entry(c).or_insert_with(RelRow::fresh);
        }
    }
    let totals = merged_totals(rows.day_totals()?, &days);
    let ctx = Ctx::new(rules, w, &m, "");
    let mut need: BTreeSet<i64> = BTreeSet::new();
    let mut plan: Vec<(String, u32, Vec<i64>)> = Vec::new();
    for (c, row) in &loaded {
        let Some(r) = m.rel_index(c) else { continue };
        let points = ctx.points(r, row.closed, new_w.saturating_sub(1));
        for &t in &points {
            need_days(&mut need, t, rules);
        }
        plan.push((c.clone(), r, points));
    }
    let view = series_view(rules, &totals, &days, &need, &head.signals, rows)?;
    let index = m.export_index();
    let mut out_rels = Vec::with_capacity(plan.len());
    let mut scratch = Vec::new();
    for (c, r, points) in plan {
        let mut history = loaded.remove(&c).map(|old| old.history).unwrap_or_default();
        ctx.extend_history(&view, r, &points, &mut history, &mut scratch);
        let next_point = ctx.points(r, new_w, i64::MAX).first().copied();
        out_rels.push(RelRow {
            evidence: m.export_rel(r, &index),
            history,
            closed: new_w,
            next_point,
        });
    }
    let mut owners = Vec::new();
    for p in linked {
        if let Some(owner) = m.promise_owner_name(p) {
            let (kind, subject) = index.subject(&m, p);
            owners.push((kind, subject.to_string(), owner.to_string()));
        }
    }
    head.watermark = new_w;
    Ok(LiveUpdate {
        merchant: head,
        rels: out_rels,
        owners,
        days: days.into_iter().collect(),
    })
}

/// A change to the series.
#[derive(Debug, Clone, Copy)]
enum Change {
    Add(Delta),
    Remove(Delta),
}

/// Drops a removal of a delta added earlier in the same batch, with that addition.
fn cancel(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for c in changes {
        if let Change::Remove(d) = &c
            && let Some(i) = out
                .iter()
                .rposition(|x| matches!(x, Change::Add(a) if a.same(d)))
        {
            out.remove(i);
            continue;
        }
        out.push(c);
    }
    out
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// Days whose deltas a stage evaluation at `t` reads: its own and that of the
/// at-risk window's start.
fn need_days(need: &mut BTreeSet<i64>, t: i64, rules: &Rules) {
    need.insert(day_of(t));
    let window = (rules.stages.at_risk_window_days * 86_400_000.0) as i64;
    need.insert(day_of(t.saturating_sub(window)));
}

fn merged_totals(
    stored: Vec<(i64, [f64; 8])>,
    changed: &BTreeMap<i64, Day>,
) -> Vec<(i64, [f64; 8])> {
    let mut all: BTreeMap<i64, [f64; 8]> = stored.into_iter().collect();
    for (d, day) in changed {
        if day.deltas.is_empty() {
            all.remove(d);
        } else {
            all.insert(*d, day.total);
        }
    }
    all.into_iter().collect()
}

fn series_view<R: LiveRows>(
    rules: &Rules,
    totals: &[(i64, [f64; 8])],
    changed: &BTreeMap<i64, Day>,
    need: &BTreeSet<i64>,
    signals: &[(i64, String, f64)],
    rows: &mut R,
) -> Result<SeriesView, R::Error> {
    let mut deltas: BTreeMap<i64, Vec<Delta>> = BTreeMap::new();
    for &d in need {
        if let Some(day) = changed.get(&d) {
            deltas.insert(d, day.deltas.clone());
        } else if let Some(day) = rows.day(d)? {
            deltas.insert(d, day.deltas);
        }
    }
    Ok(SeriesView::from_totals(
        half_life_ms(rules),
        totals,
        deltas,
        signals,
        rules.base_rate_neutral,
    ))
}

/// Reads the live state of one merchant: trust of relationships and the merchant's
/// reputation at an evaluation time, from rows, never from events.
pub struct LiveReader {
    engine: Engine,
    head: MerchantRow,
    totals: Vec<(i64, [f64; 8])>,
}

impl LiveReader {
    /// A reader over a merchant row and its series totals (`LiveRows::day_totals`),
    /// evaluating with `engine`'s rules (those the live state was built with).
    pub fn new(engine: Engine, head: MerchantRow, totals: Vec<(i64, [f64; 8])>) -> Self {
        LiveReader {
            engine,
            head,
            totals,
        }
    }

    /// The merchant row.
    pub fn merchant_row(&self) -> &MerchantRow {
        &self.head
    }

    /// The trust a brand-new customer would start with at `at` (0–100), as
    /// [`Engine::initial_trust`] reports it.
    pub fn initial_trust<R: LiveRows>(&self, at: Timestamp, rows: &mut R) -> Result<f64, R::Error> {
        let mut need = BTreeSet::new();
        need_days(&mut need, ms(at), self.engine.rules());
        let view = self.view(&need, rows)?;
        Ok(crate::initial_trust_from(
            self.engine.rules(),
            &view,
            ms(at),
        ))
    }

    fn view<R: LiveRows>(
        &self,
        need: &BTreeSet<i64>,
        rows: &mut R,
    ) -> Result<SeriesView, R::Error> {
        series_view(
            self.engine.rules(),
            &self.totals,
            &BTreeMap::new(),
            need,
            &self.head.signals,
            rows,
        )
    }

    /// The series view for evaluations at `points`: `loaded` when it covers their days
    /// (a list loads the days every row looks at once), else one loaded for them.
    fn view_for<'v, R: LiveRows>(
        &self,
        loaded: Option<(&BTreeSet<i64>, &'v SeriesView)>,
        points: &[i64],
        rows: &mut R,
    ) -> Result<std::borrow::Cow<'v, SeriesView>, R::Error> {
        if let Some((need, view)) = loaded
            && points.iter().all(|&p| need.contains(&day_of(p)))
        {
            return Ok(std::borrow::Cow::Borrowed(view));
        }
        let mut need = loaded.map(|l| l.0.clone()).unwrap_or_default();
        for &p in points {
            need_days(&mut need, p, self.engine.rules());
        }
        Ok(std::borrow::Cow::Owned(self.view(&need, rows)?))
    }

    fn open_points(ctx: &Ctx<'_>, row: &RelRow, r: u32, at: i64) -> Vec<i64> {
        let mut points = ctx.points(r, row.closed, at);
        points.push(at);
        points.dedup();
        points
    }

    /// Trust of one relationship at `at` (at or after the watermark; earlier times take
    /// the replay path), as [`Engine::relationship`] reports it. `None` when the row has
    /// no event at or before `at`.
    pub fn relationship<R: LiveRows>(
        &self,
        merchant: &str,
        row: &RelRow,
        at: Timestamp,
        rows: &mut R,
    ) -> Result<Option<TrustReport>, R::Error> {
        self.relationship_in(merchant, row, at, None, rows)
    }

    /// [`LiveReader::relationship`] with a view of the series already loaded for the
    /// days a list looks at (reloaded only for a row whose points fall elsewhere).
    fn relationship_in<R: LiveRows>(
        &self,
        merchant: &str,
        row: &RelRow,
        at: Timestamp,
        loaded: Option<(&BTreeSet<i64>, &SeriesView)>,
        rows: &mut R,
    ) -> Result<Option<TrustReport>, R::Error> {
        let mut m = Merchant::default();
        let r = m.import_rel(&row.evidence);
        let t = ms(at);
        let rules = self.engine.rules();
        let ctx = Ctx::new(rules, self.engine.weights(), &m, merchant);
        if !ctx.exists_at(r, t) {
            return Ok(None);
        }
        let points = Self::open_points(&ctx, row, r, t);
        let view = self.view_for(loaded, &points, rows)?;
        let mut history = row.history.clone();
        let mut scratch = Vec::new();
        ctx.extend_history(&*view, r, &points, &mut history, &mut scratch);
        let o = ctx.opinion(&*view, r, t, &mut scratch);
        Ok(Some(TrustReport {
            merchant: merchant.to_string(),
            customer: Some(row.evidence.customer.clone()),
            at,
            score: o.t * 100.0,
            uncertainty: o.uncertainty,
            cognitive: o.cognitive * 100.0,
            affective: o.affective * 100.0,
            stage: Some(history.last().map_or(Stage::Initial, |h| h.0)),
            dimensions: dimensions(&o),
            reasons: ctx.reasons(&o, r, t),
            stage_history: history_out(history),
        }))
    }

    /// A list of relationships at `at`, one row at a time: the series is loaded once
    /// for the days every row looks at ([`ListScan::report`]).
    pub fn list_scan<R: LiveRows>(
        &self,
        merchant: &str,
        at: Timestamp,
        rows: &mut R,
    ) -> Result<ListScan<'_>, R::Error> {
        let rules = self.engine.rules();
        let mut need = BTreeSet::new();
        need_days(&mut need, ms(at), rules);
        need_days(&mut need, self.head.watermark, rules);
        let view = self.view(&need, rows)?;
        Ok(ListScan {
            reader: self,
            merchant: merchant.to_string(),
            at,
            need,
            view,
        })
    }

    /// The merchant's reputation at `at` with its customers per stage, as
    /// [`Engine::merchant`] reports it; `rels` are all its relationship rows.
    pub fn merchant<R: LiveRows>(
        &self,
        merchant: &str,
        rels: &[RelRow],
        at: Timestamp,
        rows: &mut R,
    ) -> Result<MerchantReport, R::Error> {
        let mut scan = self.merchant_scan(merchant, at, rows)?;
        for row in rels {
            scan.add(row, rows)?;
        }
        Ok(scan.finish())
    }

    /// [`LiveReader::merchant`] one row at a time, so a caller streaming rows from the
    /// store never holds them all: [`MerchantScan::add`] every relationship row, then
    /// [`MerchantScan::finish`].
    pub fn merchant_scan<R: LiveRows>(
        &self,
        merchant: &str,
        at: Timestamp,
        rows: &mut R,
    ) -> Result<MerchantScan<'_>, R::Error> {
        let t = ms(at);
        let rules = self.engine.rules();
        let mut need = BTreeSet::new();
        need_days(&mut need, t, rules);
        need_days(&mut need, self.head.watermark, rules);
        let view = self.view(&need, rows)?;
        let empty = Merchant::default();
        let o = Ctx::new(rules, self.engine.weights(), &empty, merchant).merchant_opinion(&view, t);
        // The merchant's reasons are its items of largest |impact| on its reputation:
        // each row's own best, merged in the replay's order (|impact|, event id, code).
        let mut shared = Merchant::default();
        for (time, code, param, id) in &self.head.items {
            let e = shared.push_event_id(id);
            shared.items.push(Item::new(*time, *code, *param, e));
        }
        let reasons =
            Ctx::new(rules, self.engine.weights(), &shared, merchant).merchant_reasons(&o, t);
        Ok(MerchantScan {
            reader: self,
            merchant: merchant.to_string(),
            at,
            need,
            view,
            o,
            counts: StageCounts::default(),
            reasons,
            scratch: Vec::new(),
        })
    }
}

/// A list of relationships being read ([`LiveReader::list_scan`]).
pub struct ListScan<'r> {
    reader: &'r LiveReader,
    merchant: String,
    at: Timestamp,
    need: BTreeSet<i64>,
    view: SeriesView,
}

impl ListScan<'_> {
    /// One row's report, as [`LiveReader::relationship`] gives it.
    pub fn report<R: LiveRows>(
        &self,
        row: &RelRow,
        rows: &mut R,
    ) -> Result<Option<TrustReport>, R::Error> {
        self.reader.relationship_in(
            &self.merchant,
            row,
            self.at,
            Some((&self.need, &self.view)),
            rows,
        )
    }
}

/// A merchant's report being assembled from its relationship rows
/// ([`LiveReader::merchant_scan`]).
pub struct MerchantScan<'r> {
    reader: &'r LiveReader,
    merchant: String,
    at: Timestamp,
    need: BTreeSet<i64>,
    view: SeriesView,
    o: crate::eval::Opinion,
    counts: StageCounts,
    reasons: Vec<crate::Reason>,
    scratch: Vec<u32>,
}

impl MerchantScan<'_> {
    /// Adds one relationship row: its stage to the counts, its best items to the
    /// reasons.
    pub fn add<R: LiveRows>(&mut self, row: &RelRow, rows: &mut R) -> Result<(), R::Error> {
        let t = ms(self.at);
        let engine = &self.reader.engine;
        let rules = engine.rules();
        let mut m = Merchant::default();
        let r = m.import_rel(&row.evidence);
        let ctx = Ctx::new(rules, engine.weights(), &m, &self.merchant);
        if ctx.exists_at(r, t) {
            let points = LiveReader::open_points(&ctx, row, r, t);
            let view = self
                .reader
                .view_for(Some((&self.need, &self.view)), &points, rows)?;
            let mut history = row.history.clone();
            ctx.extend_history(&*view, r, &points, &mut history, &mut self.scratch);
            self.counts
                .add(history.last().map_or(Stage::Initial, |h| h.0));
        }
        let mut best = ctx.merchant_reasons(&self.o, t);
        self.reasons.append(&mut best);
        if self.reasons.len() > 4 * rules.max_reasons.max(1) {
            self.trim();
        }
        Ok(())
    }

    fn trim(&mut self) {
        let code = |r: &crate::Reason| {
            crate::ReasonCode::ALL
                .iter()
                .position(|&c| c == r.reason)
                .unwrap_or(usize::MAX)
        };
        self.reasons.sort_by(|a, b| {
            b.impact
                .abs()
                .total_cmp(&a.impact.abs())
                .then_with(|| a.event.cmp(&b.event))
                .then_with(|| code(a).cmp(&code(b)))
        });
        self.reasons
            .truncate(self.reader.engine.rules().max_reasons);
    }

    /// The report.
    pub fn finish(mut self) -> MerchantReport {
        self.trim();
        let o = &self.o;
        MerchantReport {
            report: TrustReport {
                merchant: self.merchant.clone(),
                customer: None,
                at: self.at,
                score: o.t * 100.0,
                uncertainty: o.uncertainty,
                cognitive: o.cognitive * 100.0,
                affective: o.affective * 100.0,
                stage: None,
                dimensions: dimensions(o),
                reasons: std::mem::take(&mut self.reasons),
                stage_history: Vec::new(),
            },
            stages: self.counts,
        }
    }
}

impl Engine {
    /// The evidence weights (for the live state).
    pub(crate) fn weights(&self) -> &Weights {
        &self.weights
    }

    pub(crate) fn derived(&self) -> &crate::store::RulesDerived {
        &self.derived
    }
}

impl Merchant {
    pub(crate) fn rel_items(&self, rel: u32) -> &[Item] {
        &self.rels[rel as usize].items
    }

    pub(crate) fn promise_index(&self, kind: PromiseKind, subject: &str) -> Option<u32> {
        self.subjects[kind as usize].get(subject)
    }

    pub(crate) fn promise_at(&self, p: u32) -> &crate::store::Promise {
        &self.promises[p as usize]
    }

    pub(crate) fn promise_owner_name(&self, p: u32) -> Option<&str> {
        let o = self.promises[p as usize].owner();
        (o != NO).then(|| self.customers.key_of(o as usize))
    }
}
