//! A merchant's reputation over time as a mergeable series of *deltas*, bucketed by UTC
//! day — the part of the live state that every relationship's base rate reads.
//!
//! Every evidence item of the merchant contributes one delta at the time it starts to
//! count (an immediate item at its event; a promise's items at its transitions, with a
//! negative delta when one item replaces another: overdue → late). The decayed sums at
//! any time `t` are then `Σ r·2^((item_at − t)/h)` over the deltas with `time ≤ t`,
//! exactly what [`crate::Engine`] computes by replay, whatever order the deltas arrived
//! in. A promise not yet resolved contributes its *overdue* delta dated at its
//! deadline, which counts only once `t` passes it; when the resolution arrives the
//! promise's deltas are replaced as a whole.
//!
//! Numerically each day keeps its deltas (for sums inside the day) and their total
//! referenced to the day's start (`Σ r·2^((item_at − start)/h)`, every factor ≤ 2^(1/h
//! day)); a prefix over days rescales day by day with factors ≤ 1, so nothing overflows
//! over the whole timestamp range and nothing depends on a global epoch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::eval::RepSource;

const DAY_MS: i64 = 86_400_000;

/// One change of a merchant's decayed evidence sums.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// When it starts to count (ms since the Unix epoch).
    pub time: i64,
    /// The time its evidence is dated at (decay runs from here; ≤ `time`).
    pub item_at: i64,
    /// Dimension index (0 ability, 1 integrity, 2 benevolence, 3 affect).
    pub dim: u8,
    /// Positive weight (negative: an item is withdrawn).
    pub r: f64,
    /// Negative weight (negative: an item is withdrawn).
    pub s: f64,
}

impl Delta {
    /// The same change undone.
    pub fn negated(self) -> Delta {
        Delta {
            r: -self.r,
            s: -self.s,
            ..self
        }
    }

    /// The same delta to the bit (what a withdrawal must match).
    pub(crate) fn same(&self, other: &Delta) -> bool {
        self.time == other.time
            && self.item_at == other.item_at
            && self.dim == other.dim
            && self.r.to_bits() == other.r.to_bits()
            && self.s.to_bits() == other.s.to_bits()
    }
}

/// The UTC day (days since 1970-01-01, floored) of a time in ms.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY_MS)
}

/// One UTC day of a series: its deltas, sorted by time, and their total referenced to
/// the day's start. This is what the store keeps per (merchant, day).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// The deltas of the day, sorted by `time` (ties in arrival order).
    pub deltas: Vec<Delta>,
    /// `Σ r` and `Σ s` per dimension (R ability…affect, then S), each referenced to the
    /// day's start.
    pub total: [f64; 8],
}

impl Day {
    fn refresh(&mut self, day: i64, h_ms: f64) {
        let start = day * DAY_MS;
        let mut total = [0.0; 8];
        for d in &self.deltas {
            let w = ((d.item_at - start) as f64 / h_ms).exp2();
            total[d.dim as usize] += d.r * w;
            total[4 + d.dim as usize] += d.s * w;
        }
        self.total = total;
    }

    /// Adds deltas of this day (`day` = [`day_of`] their time) and re-totals it once.
    pub fn extend(&mut self, day: i64, deltas: Vec<Delta>, h_ms: f64) {
        self.deltas.extend(deltas);
        // Stable: ties keep arrival order, as `add` does.
        self.deltas.sort_by_key(|d| d.time);
        self.refresh(day, h_ms);
    }

    /// Adds a delta of this day (`day` = [`day_of`] its time).
    pub fn add(&mut self, day: i64, delta: Delta, h_ms: f64) {
        let i = self.deltas.partition_point(|d| d.time <= delta.time);
        self.deltas.insert(i, delta);
        self.refresh(day, h_ms);
    }

    /// Removes one delta equal to `delta`; `false` if none was there.
    pub fn remove(&mut self, day: i64, delta: &Delta, h_ms: f64) -> bool {
        let Some(i) = self.deltas.iter().position(|d| d.same(delta)) else {
            return false;
        };
        self.deltas.remove(i);
        self.refresh(day, h_ms);
        true
    }
}

/// A merchant's whole series in memory (the writer's and the tests' form; the store
/// keeps it as [`Day`] rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Days with deltas.
    pub days: BTreeMap<i64, Day>,
}

impl Series {
    /// Adds a delta.
    pub fn add(&mut self, delta: Delta, h_ms: f64) {
        let day = day_of(delta.time);
        self.days.entry(day).or_default().add(day, delta, h_ms);
    }

    /// Removes a delta added before; `false` if it is not there.
    pub fn remove(&mut self, delta: &Delta, h_ms: f64) -> bool {
        let day = day_of(delta.time);
        let Some(d) = self.days.get_mut(&day) else {
            return false;
        };
        let found = d.remove(day, delta, h_ms);
        if d.deltas.is_empty() {
            self.days.remove(&day);
        }
        found
    }
}

/// Decayed (R, S) per dimension.
type Sums = ([f64; 4], [f64; 4]);

/// A day as a [`SeriesView`] holds it: (day, cumulative sums of all earlier days
/// referenced to this day's start, this day's total, its deltas if loaded).
type ViewDay = (i64, [f64; 8], [f64; 8], Option<Vec<Delta>>);

/// The reputation sums of a series at any time, with a0 from the merchant's site
/// signals: what evaluations read instead of replaying the merchant's evidence.
#[derive(Debug, Clone)]
pub struct SeriesView {
    h_ms: f64,
    /// Per day with deltas, ascending.
    days: Vec<ViewDay>,
    /// Site signals sorted by (time, event id): (time, a0).
    signals: Vec<(i64, f64)>,
    neutral: f64,
    /// The last few answers: a list evaluates every relationship at the same times.
    memo: std::cell::RefCell<Vec<(i64, Sums)>>,
}

impl SeriesView {
    /// A view of whole days (any order; every day's deltas loaded), half-life `h_ms`,
    /// site signals `(time, event id, a0)` and the neutral base rate.
    pub fn new<'a>(
        h_ms: f64,
        days: impl IntoIterator<Item = (i64, &'a Day)>,
        signals: &[(i64, String, f64)],
        neutral: f64,
    ) -> SeriesView {
        let totals: Vec<(i64, [f64; 8])> = Vec::new();
        let mut deltas = BTreeMap::new();
        let mut t = totals;
        for (d, day) in days {
            t.push((d, day.total));
            deltas.insert(d, day.deltas.clone());
        }
        SeriesView::from_totals(h_ms, &t, deltas, signals, neutral)
    }

    /// A view from every day's total (`(day, total)`, any order) and the deltas of the
    /// days that evaluations look *inside*: a time `t` needs the deltas of its own day
    /// (every earlier day counts through its total).
    pub fn from_totals(
        h_ms: f64,
        totals: &[(i64, [f64; 8])],
        mut deltas: BTreeMap<i64, Vec<Delta>>,
        signals: &[(i64, String, f64)],
        neutral: f64,
    ) -> SeriesView {
        let mut sorted: Vec<(i64, [f64; 8])> = totals.to_vec();
        sorted.sort_unstable_by_key(|d| d.0);
        let mut out = Vec::with_capacity(sorted.len());
        let mut acc = [0.0f64; 8];
        let mut prev: Option<(i64, [f64; 8])> = None;
        for (day, total) in sorted {
            if let Some((pday, ptotal)) = prev {
                // Carry everything before `pday` plus `pday` itself to this day's start.
                let f = (((pday - day) * DAY_MS) as f64 / h_ms).exp2();
                for k in 0..8 {
                    acc[k] = (acc[k] + ptotal[k]) * f;
                }
            }
            out.push((day, acc, total, deltas.remove(&day)));
            prev = Some((day, total));
        }
        let mut sig: Vec<(i64, &str, f64)> = signals
            .iter()
            .map(|(t, id, a0)| (*t, id.as_str(), *a0))
            .collect();
        sig.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        SeriesView {
            h_ms,
            days: out,
            signals: sig.into_iter().map(|(t, _, a0)| (t, a0)).collect(),
            neutral,
            memo: std::cell::RefCell::new(Vec::new()),
        }
    }
}

impl RepSource for SeriesView {
    fn sums(&self, t: i64) -> ([f64; 4], [f64; 4]) {
        if let Some(&(_, v)) = self.memo.borrow().iter().find(|m| m.0 == t) {
            return v;
        }
        let v = self.compute(t);
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= 8 {
            memo.remove(0);
        }
        memo.push((t, v));
        v
    }

    fn a0(&self, t: i64) -> f64 {
        let i = self.signals.partition_point(|e| e.0 <= t);
        if i == 0 {
            self.neutral
        } else {
            self.signals[i - 1].1
        }
    }
}

impl SeriesView {
    fn compute(&self, t: i64) -> ([f64; 4], [f64; 4]) {
        let mut r = [0.0; 4];
        let mut s = [0.0; 4];
        let day = day_of(t);
        let i = self.days.partition_point(|d| d.0 <= day);
        if i == 0 {
            return (r, s);
        }
        let (dday, cum, total, deltas) = &self.days[i - 1];
        let f = ((dday * DAY_MS - t) as f64 / self.h_ms).exp2();
        let mut acc = [0.0f64; 8];
        for k in 0..8 {
            acc[k] = cum[k] * f;
        }
        if *dday < day {
            // The whole day lies before `t`.
            for k in 0..8 {
                acc[k] += total[k] * f;
            }
        } else if let Some(deltas) = deltas {
            for d in deltas.iter().take_while(|d| d.time <= t) {
                let w = ((d.item_at - t) as f64 / self.h_ms).exp2();
                acc[d.dim as usize] += d.r * w;
                acc[4 + d.dim as usize] += d.s * w;
            }
        } else {
            debug_assert!(false, "series day {dday} read inside without its deltas");
        }
        for k in 0..4 {
            r[k] = acc[k].max(0.0);
            s[k] = acc[4 + k].max(0.0);
        }
        (r, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: f64 = 180.0 * 86_400_000.0;

    fn d(time: i64, item_at: i64, dim: u8, r: f64, s: f64) -> Delta {
        Delta {
            time,
            item_at,
            dim,
            r,
            s,
        }
    }

    fn direct(deltas: &[Delta], t: i64) -> [f64; 8] {
        let mut acc = [0.0; 8];
        for x in deltas.iter().filter(|x| x.time <= t) {
            let w = ((x.item_at - t) as f64 / H).exp2();
            acc[x.dim as usize] += x.r * w;
            acc[4 + x.dim as usize] += x.s * w;
        }
        acc
    }

    #[test]
    fn sums_match_the_direct_sum_inside_and_between_days_and_removal_is_exact() {
        let base = 1_767_225_600_000; // 2026-01-01
        let deltas = vec![
            d(base + 1000, base + 1000, 1, 1.0, 0.0),
            d(base + 5 * DAY_MS + 10, base + 5 * DAY_MS + 10, 0, 0.0, 1.0),
            d(base + 5 * DAY_MS + 20, base + 2 * DAY_MS, 1, 0.0, 1.0),
            d(base + 9 * DAY_MS, base + 9 * DAY_MS, 3, 0.75, 0.25),
        ];
        let mut s = Series::default();
        for x in deltas.iter().rev() {
            s.add(*x, H);
        }
        let extra = d(base + 5 * DAY_MS + 15, base + 5 * DAY_MS + 15, 2, 1.0, 0.0);
        s.add(extra, H);
        assert!(s.remove(&extra, H));
        assert!(!s.remove(&extra, H));
        let v = SeriesView::new(H, s.days.iter().map(|(k, v)| (*k, v)), &[], 0.5);
        for t in [
            base - 1,
            base + 1000,
            base + 5 * DAY_MS + 15,
            base + 5 * DAY_MS + 20,
            base + 7 * DAY_MS,
            base + 400 * DAY_MS,
        ] {
            let want = direct(&deltas, t);
            let (r, sn) = v.sums(t);
            for k in 0..4 {
                assert!(
                    (r[k] - want[k]).abs() <= 1e-12 * want[k].abs().max(1.0),
                    "r at {t}"
                );
                assert!((sn[k] - want[4 + k]).abs() <= 1e-12 * want[4 + k].abs().max(1.0));
            }
        }
    }

    #[test]
    fn nothing_overflows_across_the_timestamp_range() {
        // Years 0001 and 9999: a global epoch would need 2^±16000.
        let early = -62_135_596_800_000;
        let late = 253_402_214_400_000 - DAY_MS;
        let mut s = Series::default();
        s.add(d(early, early, 0, 1.0, 0.0), H);
        s.add(d(late, late, 0, 1.0, 0.0), H);
        let v = SeriesView::new(H, s.days.iter().map(|(k, v)| (*k, v)), &[], 0.5);
        let (r, _) = v.sums(late);
        assert!((r[0] - 1.0).abs() < 1e-12, "{}", r[0]);
        let (r, _) = v.sums(early + 1);
        assert!(r[0].is_finite() && r[0] <= 1.0);
    }
}
