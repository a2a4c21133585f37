//! Service recovery: failures linked to what followed, and trust before and after.

use std::collections::BTreeMap;

use credence_engine::Engine;
use credence_engine::promise::{self, Outcome, PromiseKind};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::data::{Dataset, RecoveryAction};
use crate::period::Period;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// A delivery promise passed without delivery (at the deadline).
    LateDelivery,
    /// A refund rejected (at the rejection) or not completed by its promised time (at
    /// the deadline).
    RefundBroken,
    /// A ticket's first-response SLA passed without a response (at the deadline).
    SlaBreach,
    /// A commitment to this customer reported broken, or past its due date without a
    /// result.
    CommitmentBroken,
    /// A complaint.
    Complaint,
    /// A review at or below the negative threshold (2 stars).
    BadReview,
}

impl FailureKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::LateDelivery => "late_delivery",
            FailureKind::RefundBroken => "refund_broken",
            FailureKind::SlaBreach => "sla_breach",
            FailureKind::CommitmentBroken => "commitment_broken",
            FailureKind::Complaint => "complaint",
            FailureKind::BadReview => "bad_review",
        }
    }
}

/// Parameters of the recovery analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveryOptions {
    /// How long after the latest failure of an episode a recovery action still counts
    /// (and a new failure still joins the episode). Default 30 days.
    pub window: SignedDuration,
    /// Ratings at or below this are failures. Default 2.
    pub negative_max_rating: u8,
    /// At most this many recovered episodes per merchant get the three trust evaluations (each
    /// evaluation rebuilds the merchant's reputation); beyond it an evenly spaced,
    /// deterministic sample in time order is evaluated. Counts and times always cover
    /// every episode. Default 100 (each evaluation costs a few milliseconds on a
    /// merchant with 10⁵ evidence items); `usize::MAX` evaluates all.
    pub max_evaluated: usize,
}

impl Default for RecoveryOptions {
    fn default() -> Self {
        RecoveryOptions {
            window: SignedDuration::from_hours(30 * 24),
            negative_max_rating: 2,
            max_evaluated: 100,
        }
    }
}

/// One failure episode of one customer: consecutive failures until a recovery action
/// (or until the window passes without one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    /// The customer.
    pub customer: String,
    /// The failures, in time order.
    pub failures: Vec<(Timestamp, FailureKind)>,
    /// The first failure's time.
    pub start: Timestamp,
    /// The recovery action that closed the episode, if any.
    pub recovery: Option<(Timestamp, RecoveryAction)>,
    /// Trust (0–100) just before the first failure (1 ms earlier; the trust a new
    /// customer starts with if the customer had no earlier event). `None` if not
    /// evaluated (sampling).
    pub trust_before: Option<f64>,
    /// Trust at the last failure of the episode (all its failures counted).
    pub trust_after_failure: Option<f64>,
    /// Trust at the recovery action (its evidence counted). `None` without recovery.
    pub trust_after_recovery: Option<f64>,
}

/// Recovery figures of one merchant over a set of episodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RecoverySummary {
    /// Failure events.
    pub failures: u64,
    /// Failure episodes.
    pub episodes: u64,
    /// Episodes closed by a recovery action within the window.
    pub recovered: u64,
    /// `recovered / episodes`.
    pub recovery_rate: Option<f64>,
    /// Recovered episodes whose trust was evaluated.
    pub evaluated: u64,
    /// Evaluated recovered episodes with trust after recovery ≥ trust before.
    pub restored: u64,
    /// `restored / evaluated`.
    pub restored_rate: Option<f64>,
    /// Evaluated recovered episodes with trust after recovery > trust before (the
    /// recovery paradox).
    pub exceeded: u64,
    /// `exceeded / evaluated`.
    pub exceeded_rate: Option<f64>,
    /// Median hours from the first failure to the recovery action.
    pub median_hours_to_recovery: Option<f64>,
    /// Mean trust before the failure, over evaluated recovered episodes.
    pub mean_trust_before: Option<f64>,
    /// Mean trust just after the failures, same episodes.
    pub mean_trust_after_failure: Option<f64>,
    /// Mean trust after recovery, same episodes.
    pub mean_trust_after_recovery: Option<f64>,
    /// Failure events per kind.
    pub failures_by_kind: BTreeMap<&'static str, u64>,
    /// Recovery actions per kind.
    pub recoveries_by_action: BTreeMap<&'static str, u64>,
}

fn action_name(a: RecoveryAction) -> &'static str {
    match a {
        RecoveryAction::Reply => "reply",
        RecoveryAction::Resolution => "resolution",
        RecoveryAction::Compensation => "compensation",
    }
}

/// The failures of each customer of `merchant` (index = customer), as of the
/// merchant's latest event, sorted.
fn failures(
    data: &Dataset,
    merchant: &str,
    opts: &RecoveryOptions,
) -> Vec<Vec<(Timestamp, FailureKind)>> {
    let Some(f) = data.get(merchant) else {
        return Vec::new();
    };
    let as_of = f.latest.unwrap_or(Timestamp::MIN);
    let mut out = vec![Vec::new(); f.customer_names.len()];
    let mut push = |c: u32, t: Timestamp, k: FailureKind| out[c as usize].push((t, k));
    // A broken promise is a failure at its deadline (overdue or late), a rejected
    // refund at the rejection.
    let mut broken = |fact: &crate::data::PromiseFact,
                      kind: PromiseKind,
                      failure: FailureKind,
                      fallback: Option<u32>| {
        let res = fact.res.as_ref().map(|(t, _, b)| (*t, *b));
        let def = fact.def.as_ref().map(|(t, _, (d, _))| (*t, *d));
        let Some(c) = fact.customer().or(fallback) else {
            return;
        };
        match promise::standing(kind, def, res, Timestamp::MAX) {
            Some((Outcome::Broken, t, _)) => push(c, t, failure),
            Some((Outcome::Late | Outcome::Overdue, deadline, _)) if deadline <= as_of => {
                push(c, deadline, failure)
            }
            _ => {}
        }
    };
    for o in f.orders.values() {
        let placed_by = o.placed.as_ref().map(|p| p.2);
        broken(
            &o.delivery,
            PromiseKind::Delivery,
            FailureKind::LateDelivery,
            None,
        );
        broken(
            &o.refund,
            PromiseKind::Refund,
            FailureKind::RefundBroken,
            placed_by,
        );
    }
    for t in f.tickets.values() {
        broken(
            &t.response,
            PromiseKind::Ticket,
            FailureKind::SlaBreach,
            None,
        );
    }
    for cm in f.commitments.values() {
        let made_for = cm.made.as_ref().and_then(|m| m.2.1);
        match &cm.result {
            Some((t, _, (false, rc))) => {
                if let Some(c) = made_for.or(*rc) {
                    push(c, *t, FailureKind::CommitmentBroken);
                }
            }
            Some(_) => {}
            None => {
                if let (Some(c), Some(d)) = (made_for, cm.made.as_ref().and_then(|m| m.2.0))
                    && d <= as_of
                {
                    push(c, d, FailureKind::CommitmentBroken);
                }
            }
        }
    }
    for &(t, c) in &f.complaints {
        push(c, t, FailureKind::Complaint);
    }
    for r in f.reviews.values() {
        if let Some((t, rating, c)) = r.review
            && rating <= opts.negative_max_rating
        {
            push(c, t, FailureKind::BadReview);
        }
    }
    for v in &mut out {
        v.sort_unstable();
    }
    out
}

/// The failure episodes of `merchant`, without trust (see [`evaluate_trust`]), sorted by
/// start time then customer.
///
/// A customer's failures are taken in time order. An episode opens at a failure; later
/// failures join it while they come no later than `window` after the previous one and
/// before a recovery action; the first recovery action (reply, resolution,
/// compensation) at or after the opening failure and within `window` of the latest
/// failure closes it.
pub fn recovery_episodes(data: &Dataset, merchant: &str, opts: &RecoveryOptions) -> Vec<Episode> {
    let Some(f) = data.get(merchant) else {
        return Vec::new();
    };
    let all = failures(data, merchant, opts);
    let mut out = Vec::new();
    for (c, fails) in all.iter().enumerate() {
        let actions = &f.actions[c];
        let mut i = 0;
        let mut j = 0;
        while i < fails.len() {
            let start = fails[i].0;
            let mut ep = vec![fails[i]];
            let mut last = start;
            i += 1;
            while j < actions.len() && actions[j].0 < start {
                j += 1;
            }
            let horizon = |t: Timestamp| t.checked_add(opts.window).unwrap_or(Timestamp::MAX);
            loop {
                let next_action = actions.get(j).filter(|a| a.0 <= horizon(last));
                let next_fail = fails.get(i).filter(|x| x.0 <= horizon(last));
                match (next_fail, next_action) {
                    (Some(x), a) if a.is_none_or(|a| x.0 <= a.0) => {
                        ep.push(*x);
                        last = x.0;
                        i += 1;
                    }
                    _ => break,
                }
            }
            let recovery = actions.get(j).filter(|a| a.0 <= horizon(last)).copied();
            if recovery.is_some() {
                j += 1;
            }
            out.push(Episode {
                customer: f.customer_names[c].to_string(),
                failures: ep,
                start,
                recovery,
                trust_before: None,
                trust_after_failure: None,
                trust_after_recovery: None,
            });
        }
    }
    out.sort_by(|a, b| (a.start, &a.customer).cmp(&(b.start, &b.customer)));
    out
}

fn trust(engine: &Engine, merchant: &str, customer: &str, at: Timestamp) -> f64 {
    engine
        .relationship(merchant, customer, at)
        .map(|r| r.score)
        .unwrap_or_else(|| engine.initial_trust(merchant, at))
}

/// Fills the trust fields of up to `max` recovered episodes (all if fewer; else an
/// evenly spaced sample in the given order). Returns how many were evaluated.
pub fn evaluate_trust(
    engine: &Engine,
    merchant: &str,
    episodes: &mut [Episode],
    max: usize,
) -> usize {
    let recovered: Vec<usize> = (0..episodes.len())
        .filter(|&k| episodes[k].recovery.is_some())
        .collect();
    let n = recovered.len();
    if n == 0 || max == 0 {
        return 0;
    }
    let pick: Vec<usize> = if n <= max {
        recovered
    } else {
        (0..max).map(|k| recovered[k * n / max]).collect()
    };
    let ms = SignedDuration::from_millis(1);
    for &k in &pick {
        let e = &mut episodes[k];
        let before = e.start.checked_sub(ms).unwrap_or(e.start);
        let last = e.failures.last().map_or(e.start, |f| f.0);
        e.trust_before = Some(trust(engine, merchant, &e.customer, before));
        e.trust_after_failure = Some(trust(engine, merchant, &e.customer, last));
        e.trust_after_recovery = e
            .recovery
            .map(|(t, _)| trust(engine, merchant, &e.customer, t));
    }
    pick.len()
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Summarises the episodes that start in `period` (all of them with `None`).
pub fn summarize(episodes: &[Episode], period: Option<&Period>) -> RecoverySummary {
    let mut s = RecoverySummary::default();
    let mut hours = Vec::new();
    let (mut before, mut after_f, mut after_r) = (Vec::new(), Vec::new(), Vec::new());
    for e in episodes {
        if period.is_some_and(|p| !p.contains(e.start)) {
            continue;
        }
        s.episodes += 1;
        s.failures += e.failures.len() as u64;
        for (_, k) in &e.failures {
            *s.failures_by_kind.entry(k.as_str()).or_default() += 1;
        }
        let Some((rt, action)) = e.recovery else {
            continue;
        };
        s.recovered += 1;
        *s.recoveries_by_action
            .entry(action_name(action))
            .or_default() += 1;
        hours.push(rt.duration_since(e.start).as_secs_f64() / 3600.0);
        if let (Some(b), Some(f), Some(r)) = (
            e.trust_before,
            e.trust_after_failure,
            e.trust_after_recovery,
        ) {
            s.evaluated += 1;
            // Equal as reported (0.01) counts as restored, not as exceeded.
            s.restored += u64::from(r >= b - 0.005);
            s.exceeded += u64::from(r >= b + 0.005);
            before.push(b);
            after_f.push(f);
            after_r.push(r);
        }
    }
    let rate = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
    s.recovery_rate = rate(s.recovered, s.episodes);
    s.restored_rate = rate(s.restored, s.evaluated);
    s.exceeded_rate = rate(s.exceeded, s.evaluated);
    s.median_hours_to_recovery = median(hours);
    s.mean_trust_before = mean(&before);
    s.mean_trust_after_failure = mean(&after_f);
    s.mean_trust_after_recovery = mean(&after_r);
    s
}

/// Episodes of `merchant` with trust evaluated (see [`RecoveryOptions::max_evaluated`])
/// and their summary over all of them.
pub fn recovery(
    data: &Dataset,
    engine: &Engine,
    merchant: &str,
    opts: &RecoveryOptions,
) -> (Vec<Episode>, RecoverySummary) {
    let mut eps = recovery_episodes(data, merchant, opts);
    evaluate_trust(engine, merchant, &mut eps, opts.max_evaluated);
    let s = summarize(&eps, None);
    (eps, s)
}
