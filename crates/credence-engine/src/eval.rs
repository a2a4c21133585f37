//! Folding at an evaluation time: decayed Beta sums, opinions, base rates, stages,
//! reasons.
//!
//! Numerical note. Decay is `2^(−(t − at)/h)`. A relationship is folded with the epoch
//! set to the evaluation time `t` itself, so every weight lies in (0, 1] and nothing
//! can overflow however long the history. The merchant's reputation, needed at many
//! times (stage history, "30 days earlier"), is a prefix sum over a time-sorted list of
//! deltas referenced to the epoch `at` (the evaluation time of the call): each delta is
//! `r·2^((item_at − at)/h) ≤ r`, and the value at `t ≤ at` is the prefix times
//! `2^((at − t)/h)`. Referencing to the *latest* time of the call (rather than a fixed
//! calendar epoch) keeps the stored terms ≤ 1, so there is no overflow; underflow only
//! hits items ~1000 half-lives (≈ 500 years) old, whose weight is 0 anyway.

use crate::promise::PromiseKind;
use crate::report::{DimensionReport, Dimensions, Reason, Stage, StageChange};
use crate::rules::{Dimension, ReasonCode, Rules};
use crate::series::Delta;
use crate::store::{CODE_CHURN, CODE_PLAIN, Merchant, NEVER, NO, Promise};
use crate::text::{Details, sentences};

const DAY_MS: f64 = 86_400_000.0;

/// `(dimension, r, s)` for every (reason code, parameter), precomputed from the rules.
#[derive(Debug, Clone)]
pub(crate) struct Weights {
    table: Vec<[(u8, f64, f64); 16]>,
}

impl Weights {
    pub(crate) fn new(rules: &Rules) -> Weights {
        let table = ReasonCode::ALL
            .iter()
            .map(|&code| {
                let rule = rules.evidence.rule(code);
                let mut row = [(0u8, 0.0, 0.0); 16];
                for (param, slot) in row.iter_mut().enumerate() {
                    let (sr, ss) = code.scale(param as u8);
                    *slot = (
                        rule.dimension.index() as u8,
                        (rule.r * sr).max(0.0),
                        (rule.s * ss).max(0.0),
                    );
                }
                row
            })
            .collect();
        Weights { table }
    }

    #[inline]
    pub(crate) fn get(&self, code: u8, param: u8) -> (usize, f64, f64) {
        let (d, r, s) = self.table[code as usize][(param & 0xf) as usize];
        (d as usize, r, s)
    }
}

fn code_of(c: u8) -> ReasonCode {
    ReasonCode::ALL[c as usize]
}

/// One evidence item as seen at an evaluation time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    pub code: u8,
    pub param: u8,
    pub event: u32,
    pub at: i64,
    /// The promise it comes from, or `NO` for an immediate item.
    pub promise: u32,
}

/// Everything one evaluation call shares: rules, the merchant, and indexes built once.
pub(crate) struct Ctx<'a> {
    pub rules: &'a Rules,
    pub w: &'a Weights,
    pub m: &'a Merchant,
    pub name: &'a str,
    pub h_ms: f64,
    /// Promises per owning relationship (CSR: `owned[own_start[r]..own_start[r+1]]`).
    own_start: Vec<u32>,
    owned: Vec<u32>,
    /// Subject id of each promise.
    keys: Vec<&'a str>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(rules: &'a Rules, w: &'a Weights, m: &'a Merchant, name: &'a str) -> Self {
        let n = m.rels.len();
        let mut own_start = vec![0u32; n + 1];
        for p in &m.promises {
            let o = p.owner();
            if o != NO {
                own_start[o as usize + 1] += 1;
            }
        }
        for i in 0..n {
            own_start[i + 1] += own_start[i];
        }
        let mut fill = own_start.clone();
        let mut owned = vec![0u32; own_start[n] as usize];
        for (i, p) in m.promises.iter().enumerate() {
            let o = p.owner();
            if o != NO {
                owned[fill[o as usize] as usize] = i as u32;
                fill[o as usize] += 1;
            }
        }
        let mut keys = vec![""; m.promises.len()];
        for map in &m.subjects {
            for (k, p) in map.iter() {
                keys[p as usize] = k;
            }
        }
        Ctx {
            rules,
            w,
            m,
            name,
            h_ms: rules.half_life_days * DAY_MS,
            own_start,
            owned,
            keys,
        }
    }

    fn owned(&self, rel: u32) -> &[u32] {
        let r = rel as usize;
        &self.owned[self.own_start[r] as usize..self.own_start[r + 1] as usize]
    }

    #[inline]
    fn decay(&self, t: i64, at: i64) -> f64 {
        (-((t - at) as f64) / self.h_ms).exp2()
    }

    /// Visits every evidence item of relationship `rel` at time `t` (immediate items
    /// with `at ≤ t` and what each owned promise yields at `t`), and every activity
    /// marker through `activity(at, code)`.
    fn visit(&self, rel: u32, t: i64, mut activity: impl FnMut(i64, u8), mut f: impl FnMut(Seen)) {
        for it in &self.m.rels[rel as usize].items {
            let at = it.at();
            if at > t {
                continue;
            }
            let code = it.code();
            activity(at, code);
            if code < CODE_PLAIN {
                f(Seen {
                    code,
                    param: it.param(),
                    event: it.event,
                    at,
                    promise: NO,
                });
            }
        }
        for &p in self.owned(rel) {
            if let Some(seen) = promise_seen(&self.m.promises[p as usize], p, t) {
                f(seen);
            }
        }
    }

    /// Visits every evidence item of the merchant at `t` (all relationships, all
    /// promises, items without a customer).
    fn visit_all(&self, t: i64, mut f: impl FnMut(Seen)) {
        for rel in &self.m.rels {
            for it in &rel.items {
                let at = it.at();
                if at <= t && it.code() < CODE_PLAIN {
                    f(Seen {
                        code: it.code(),
                        param: it.param(),
                        event: it.event,
                        at,
                        promise: NO,
                    });
                }
            }
        }
        for it in &self.m.items {
            let at = it.at();
            if at <= t && it.code() < CODE_PLAIN {
                f(Seen {
                    code: it.code(),
                    param: it.param(),
                    event: it.event,
                    at,
                    promise: NO,
                });
            }
        }
        for (i, p) in self.m.promises.iter().enumerate() {
            if let Some(seen) = promise_seen(p, i as u32, t) {
                f(seen);
            }
        }
    }

    /// The promise an event takes part in (for the subject id of its sentence): first
    /// among the promises `rel` owns, else among all of the merchant's.
    fn subject_of(&self, event: u32, rel: u32) -> u32 {
        let is = |p: &u32| {
            let pr = &self.m.promises[*p as usize];
            pr.def_event == event || pr.res_event == event
        };
        if let Some(&p) = self.m.ticket_of.get(&event) {
            return p;
        }
        if rel != NO
            && let Some(&p) = self.owned(rel).iter().find(|p| is(p))
        {
            return p;
        }
        (0..self.m.promises.len() as u32).find(is).unwrap_or(NO)
    }

    /// The reason sentences of an item seen at `t`.
    fn sentences(&self, s: &Seen, t: i64, rel: u32) -> (String, String) {
        let code = code_of(s.code);
        let p = if s.promise != NO {
            s.promise
        } else if matches!(
            code,
            ReasonCode::ProductOk
                | ReasonCode::ProductDefect
                | ReasonCode::TicketSolved
                | ReasonCode::TicketUnsolved
        ) {
            // Immediate items that name an order or a ticket.
            self.subject_of(s.event, rel)
        } else {
            NO
        };
        let mut d = Details {
            param: s.param,
            note: self.m.notes.get(&(s.event, s.code)),
            event: Some(self.m.event_id(s.event)),
            ..Details::default()
        };
        if p != NO {
            let pr = &self.m.promises[p as usize];
            d.subject = Some(self.keys[p as usize]);
            let (deadline, def_at, res_at) = (pr.deadline(), pr.def_at(), pr.res_at());
            if deadline != NEVER && def_at != NEVER {
                d.window_ms = Some(deadline - def_at);
            }
            if pr.kind() == PromiseKind::ReviewReply {
                d.rating = Some(pr.def_param());
            }
            if s.promise != NO && deadline != NEVER {
                let until = if res_at <= t { res_at } else { t };
                d.delay_ms = Some(until - deadline);
            }
        }
        sentences(code, d)
    }
}

fn promise_seen(p: &Promise, idx: u32, t: i64) -> Option<Seen> {
    let (code, at, event) = p.evidence(t)?;
    Some(Seen {
        code: code as u8,
        param: if p.kind() == PromiseKind::ReviewReply {
            p.def_param()
        } else {
            0
        },
        event,
        at,
        promise: idx,
    })
}

/// A relationship folded at one time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fold {
    pub r: [f64; 4],
    pub s: [f64; 4],
    pub evidence_events: usize,
    pub any: bool,
    pub first_at: i64,
    pub last_at: i64,
    pub churn_at: i64,
    pub last_negative_at: i64,
    pub last_advocacy_at: i64,
}

/// Opinions at one time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Opinion {
    pub fold: Fold,
    pub a: [f64; 4],
    pub b: [f64; 4],
    pub d: [f64; 4],
    pub u: [f64; 4],
    pub p: [f64; 4],
    pub has: [bool; 4],
    /// Overall T, 0–1.
    pub t: f64,
    pub uncertainty: f64,
    pub cognitive: f64,
    pub affective: f64,
}

/// The merchant's reputation over time, for one evaluation call.
pub(crate) struct Reputation {
    at: i64,
    h_ms: f64,
    /// Distinct times at which the reputation changes, ascending…
    times: Vec<i64>,
    /// …and the cumulative (R per dimension, S per dimension) up to each, referenced to
    /// `at`. One binary search over 8-byte times answers all four dimensions.
    cum: Vec<[f64; 8]>,
    /// Site signals sorted by (time, event id): (time, a0).
    signals: Vec<(i64, f64)>,
    neutral: f64,
}

/// Where an evaluation reads the merchant's reputation sums and base rate a0 at a time:
/// the reputation built by replaying the merchant, or the live state's
/// [`crate::SeriesView`].
pub trait RepSource {
    /// Decayed (R, S) per dimension of all of the merchant's evidence at `t` (ms).
    fn sums(&self, t: i64) -> ([f64; 4], [f64; 4]);
    /// a0 from the latest site signals at or before `t` (ms).
    fn a0(&self, t: i64) -> f64;
}

/// The series delta of an immediate item (`None` for an item without weight).
pub(crate) fn item_delta(w: &Weights, it: &crate::store::Item) -> Option<Delta> {
    if it.code() >= CODE_PLAIN {
        return None;
    }
    let (d, r, s) = w.get(it.code(), it.param());
    (r + s > 0.0).then_some(Delta {
        time: it.at(),
        item_at: it.at(),
        dim: d as u8,
        r,
        s,
    })
}

/// The series deltas of a promise: at each transition, the item it stops yielding
/// (negative) and the one it starts yielding.
pub(crate) fn promise_deltas(w: &Weights, p: &Promise, idx: u32, out: &mut Vec<Delta>) {
    let mut push = |time: i64, s: &Seen, sign: f64| {
        let (d, r, sn) = w.get(s.code, s.param);
        if r + sn > 0.0 {
            out.push(Delta {
                time,
                item_at: s.at,
                dim: d as u8,
                r: r * sign,
                s: sn * sign,
            });
        }
    };
    let mut times = p.transitions();
    times.sort_unstable();
    let mut prev: Option<Seen> = None;
    let mut last_time = i64::MIN;
    for &tau in &times {
        if tau == NEVER || tau == last_time {
            continue;
        }
        last_time = tau;
        let cur = promise_seen(p, idx, tau);
        let same = match (&prev, &cur) {
            (Some(a), Some(b)) => a.code == b.code && a.at == b.at && a.event == b.event,
            (None, None) => true,
            _ => false,
        };
        if !same {
            if let Some(a) = &prev {
                push(tau, a, -1.0);
            }
            if let Some(b) = &cur {
                push(tau, b, 1.0);
            }
            prev = cur;
        }
    }
}

impl Reputation {
    pub(crate) fn build(ctx: &Ctx<'_>, at: i64) -> Reputation {
        let h = ctx.h_ms;
        let mut all: Vec<Delta> = Vec::new();
        for rel in &ctx.m.rels {
            all.extend(rel.items.iter().filter_map(|it| item_delta(ctx.w, it)));
        }
        all.extend(ctx.m.items.iter().filter_map(|it| item_delta(ctx.w, it)));
        for (i, p) in ctx.m.promises.iter().enumerate() {
            promise_deltas(ctx.w, p, i as u32, &mut all);
        }
        // Referenced to `at` (the latest time of the call): every weight ≤ 1.
        let mut deltas: Vec<(i64, u8, f64, f64)> = all
            .into_iter()
            .filter(|d| d.time <= at)
            .map(|d| {
                let w = ((d.item_at - at) as f64 / h).exp2();
                (d.time, d.dim, d.r * w, d.s * w)
            })
            .collect();
        deltas.sort_unstable_by_key(|e| e.0);
        let mut times: Vec<i64> = Vec::new();
        let mut cum: Vec<[f64; 8]> = Vec::new();
        let mut acc = [0.0f64; 8];
        for (i, &(t, d, r, sn)) in deltas.iter().enumerate() {
            acc[d as usize] += r;
            acc[4 + d as usize] += sn;
            if deltas.get(i + 1).is_none_or(|next| next.0 != t) {
                times.push(t);
                cum.push(acc);
            }
        }
        let mut sig: Vec<(i64, &str, f64)> = ctx
            .m
            .signals
            .iter()
            .filter(|s| s.0 <= at)
            .map(|&(t, e, a0)| (t, ctx.m.event_id(e), a0))
            .collect();
        sig.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        Reputation {
            at,
            h_ms: h,
            times,
            cum,
            signals: sig.into_iter().map(|(t, _, a0)| (t, a0)).collect(),
            neutral: ctx.rules.base_rate_neutral,
        }
    }
}

impl RepSource for Reputation {
    /// Decayed (R, S) per dimension at `t ≤ at`.
    fn sums(&self, t: i64) -> ([f64; 4], [f64; 4]) {
        let scale = ((self.at - t) as f64 / self.h_ms).exp2();
        let mut r = [0.0; 4];
        let mut s = [0.0; 4];
        let i = self.times.partition_point(|&x| x <= t);
        if i > 0 {
            let c = &self.cum[i - 1];
            for d in 0..4 {
                r[d] = (c[d] * scale).max(0.0);
                s[d] = (c[4 + d] * scale).max(0.0);
            }
        }
        (r, s)
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

/// Overall T, U, cognitive and affective from per-dimension values.
fn composite(rules: &Rules, p: &[f64; 4], u: &[f64; 4], has: &[bool; 4]) -> (f64, f64, f64, f64) {
    let w = rules.weights.as_array();
    let wsum: f64 = w.iter().sum();
    let t = (0..4).map(|i| w[i] * p[i]).sum::<f64>() / wsum;
    let (mut un, mut ud) = (0.0, 0.0);
    for i in 0..4 {
        if has[i] {
            un += w[i] * u[i];
            ud += w[i];
        }
    }
    let uncertainty = if ud > 0.0 { un / ud } else { 1.0 };
    let (ab, ig, bn, af) = (0, 1, 2, 3);
    let cw = w[ig] + w[ab];
    let cognitive = if cw > 0.0 {
        (w[ig] * p[ig] + w[ab] * p[ab]) / cw
    } else {
        0.0
    };
    let aw = w[bn] + w[af];
    let affective = if aw > 0.0 {
        (w[bn] * p[bn] + w[af] * p[af]) / aw
    } else {
        0.0
    };
    (t, uncertainty, cognitive, affective)
}

impl Ctx<'_> {
    /// Folds relationship `rel` at `t`. `scratch` is reused between calls.
    pub(crate) fn fold(&self, rel: u32, t: i64, scratch: &mut Vec<u32>) -> Fold {
        let mut f = Fold {
            first_at: i64::MAX,
            last_at: i64::MIN,
            churn_at: i64::MIN,
            last_negative_at: i64::MIN,
            last_advocacy_at: i64::MIN,
            ..Fold::default()
        };
        scratch.clear();
        let min_nps = self.rules.stages.advocacy_min_nps;
        let mut first = i64::MAX;
        let mut last = i64::MIN;
        let mut churn = i64::MIN;
        let mut any = false;
        self.visit(
            rel,
            t,
            |at, code| {
                any = true;
                first = first.min(at);
                last = last.max(at);
                if code == CODE_CHURN {
                    churn = churn.max(at);
                }
            },
            |s| {
                let code = code_of(s.code);
                if code == ReasonCode::Referral
                    || (code == ReasonCode::SurveyNps && s.param >= min_nps)
                {
                    f.last_advocacy_at = f.last_advocacy_at.max(s.at);
                }
                let (d, r, sn) = self.w.get(s.code, s.param);
                if r + sn <= 0.0 {
                    return;
                }
                let w = self.decay(t, s.at);
                f.r[d] += r * w;
                f.s[d] += sn * w;
                scratch.push(s.event);
                if sn > r {
                    f.last_negative_at = f.last_negative_at.max(s.at);
                }
            },
        );
        f.any = any;
        f.first_at = first;
        f.last_at = last;
        f.churn_at = churn;
        scratch.sort_unstable();
        scratch.dedup();
        f.evidence_events = scratch.len();
        f
    }

    /// The opinion of relationship `rel` at `t`.
    pub(crate) fn opinion(
        &self,
        rep: &dyn RepSource,
        rel: u32,
        t: i64,
        scratch: &mut Vec<u32>,
    ) -> Opinion {
        let fold = self.fold(rel, t, scratch);
        let (rm, sm) = rep.sums(t);
        let a0 = rep.a0(t);
        let w0 = self.rules.reputation_prior_weight;
        let w = self.rules.prior_weight;
        let mut o = Opinion::default();
        for i in 0..4 {
            let ro = (rm[i] - fold.r[i]).max(0.0);
            let so = (sm[i] - fold.s[i]).max(0.0);
            o.a[i] = (ro + a0 * w0) / (ro + so + w0);
            let den = fold.r[i] + fold.s[i] + w;
            o.b[i] = fold.r[i] / den;
            o.d[i] = fold.s[i] / den;
            o.u[i] = w / den;
            o.p[i] = o.b[i] + o.a[i] * o.u[i];
            o.has[i] = fold.r[i] + fold.s[i] > 0.0;
        }
        let (tt, u, c, a) = composite(self.rules, &o.p, &o.u, &o.has);
        o.t = tt;
        o.uncertainty = u;
        o.cognitive = c;
        o.affective = a;
        o.fold = fold;
        o
    }

    /// The stage of relationship `rel` at `t` (DESIGN.md precedence), given the stage
    /// at the previous evaluation point (for hysteresis), with the opinion.
    pub(crate) fn stage(
        &self,
        rep: &dyn RepSource,
        rel: u32,
        t: i64,
        prev: Option<Stage>,
        scratch: &mut Vec<u32>,
    ) -> (Stage, Opinion) {
        let st = &self.rules.stages;
        let o = self.opinion(rep, rel, t, scratch);
        let f = &o.fold;
        let stage = if (f.churn_at != i64::MIN && f.churn_at >= f.last_at)
            || (t - f.last_at) as f64 >= st.ended_inactivity_days * DAY_MS
        {
            Stage::Ended
        } else if f.evidence_events < st.initial_min_evidence_events as usize {
            Stage::Initial
        } else {
            let window = (st.at_risk_window_days * DAY_MS) as i64;
            let low = o.t * 100.0 < st.at_risk_low_score && f.last_negative_at >= t - window;
            let fell = !low && {
                let before = self.opinion(rep, rel, t - window, scratch);
                (before.t - o.t) * 100.0 >= st.at_risk_drop_points
            };
            let still_at_risk =
                prev == Some(Stage::AtRisk) && o.t * 100.0 < st.at_risk_recover_score;
            let (min_score, max_u) = if prev == Some(Stage::Committed) {
                (
                    st.committed_min_score - st.committed_hold_points,
                    st.committed_max_uncertainty + st.committed_hold_uncertainty,
                )
            } else {
                (st.committed_min_score, st.committed_max_uncertainty)
            };
            if low || fell || still_at_risk {
                Stage::AtRisk
            } else if o.t * 100.0 >= min_score
                && o.uncertainty <= max_u
                && (t - f.first_at) as f64 >= st.committed_min_tenure_days * DAY_MS
                && f.last_advocacy_at != i64::MIN
                && (t - f.last_advocacy_at) as f64 <= st.advocacy_window_days * DAY_MS
            {
                Stage::Committed
            } else {
                Stage::Developing
            }
        };
        (stage, o)
    }

    /// The stage history of `rel` up to `at`: evaluated after each event, each promise
    /// transition (deadline), the end of each year of silence, and at `at` itself.
    pub(crate) fn history(
        &self,
        rep: &dyn RepSource,
        rel: u32,
        at: i64,
        scratch: &mut Vec<u32>,
    ) -> Vec<(Stage, i64)> {
        let mut out = Vec::new();
        let mut points = self.points(rel, i64::MIN, at);
        points.push(at);
        points.dedup();
        self.extend_history(rep, rel, &points, &mut out, scratch);
        out
    }

    /// The evaluation points of `rel` in `[from, until]`, ascending: the time of each
    /// of its events, each transition of a promise it owns, and the end of each year
    /// of silence (a gap of `ended_inactivity_days` without events, counted from the
    /// event before it), none before its first event. A point depends only on events
    /// at or before it, so the points before any time are final once every event
    /// before that time is known — what lets the live state close its history.
    pub(crate) fn points(&self, rel: u32, from: i64, until: i64) -> Vec<i64> {
        let items = &self.m.rels[rel as usize].items;
        let mut activity: Vec<i64> = items
            .iter()
            .map(|it| it.at())
            .filter(|&t| t <= until)
            .collect();
        activity.sort_unstable();
        activity.dedup();
        let Some(&first) = activity.first() else {
            return Vec::new();
        };
        let quiet = (self.rules.stages.ended_inactivity_days * DAY_MS) as i64;
        let mut points: Vec<i64> = activity.clone();
        for (i, &a) in activity.iter().enumerate() {
            let silence = a.saturating_add(quiet);
            let next = activity.get(i + 1).copied().unwrap_or(i64::MAX);
            if silence < next && silence <= until {
                points.push(silence);
            }
        }
        for &p in self.owned(rel) {
            for tau in self.m.promises[p as usize].transitions() {
                if tau != NEVER && tau <= until {
                    points.push(tau);
                }
            }
        }
        points.retain(|&t| t >= first.max(from));
        points.sort_unstable();
        points.dedup();
        points
    }

    /// Evaluates the stage at each of `points` (ascending, after the last point already
    /// in `history`) and appends the changes to `history`.
    pub(crate) fn extend_history(
        &self,
        rep: &dyn RepSource,
        rel: u32,
        points: &[i64],
        history: &mut Vec<(Stage, i64)>,
        scratch: &mut Vec<u32>,
    ) {
        for &t in points {
            let prev = history.last().map(|l| l.0);
            let (s, _) = self.stage(rep, rel, t, prev, scratch);
            if history.last().is_none_or(|l| l.0 != s) {
                history.push((s, t));
            }
        }
    }

    /// Reasons for relationship `rel` at `t`: items by |impact| on T, largest first.
    pub(crate) fn reasons(&self, o: &Opinion, rel: u32, t: i64) -> Vec<Reason> {
        let w = self.rules.weights.as_array();
        let wsum: f64 = w.iter().sum();
        let wp = self.rules.prior_weight;
        let mut found: Vec<(f64, Seen)> = Vec::new();
        self.visit(
            rel,
            t,
            |_, _| {},
            |s| {
                if let Some(impact) = self.impact(o, &s, t, wp, &w, wsum) {
                    found.push((impact, s));
                }
            },
        );
        self.top_reasons(found, t, rel)
    }

    /// An item's impact: T minus T without the item, in points (`None` for an item
    /// with no weight). `prior` is the prior weight of the opinion (W or W0).
    fn impact(
        &self,
        o: &Opinion,
        s: &Seen,
        t: i64,
        prior: f64,
        w: &[f64; 4],
        wsum: f64,
    ) -> Option<f64> {
        let (d, r, sn) = self.w.get(s.code, s.param);
        if r + sn <= 0.0 {
            return None;
        }
        let x = self.decay(t, s.at);
        let (rr, ss) = (
            (o.fold.r[d] - r * x).max(0.0),
            (o.fold.s[d] - sn * x).max(0.0),
        );
        let p_without = (rr + o.a[d] * prior) / (rr + ss + prior);
        Some(w[d] * (o.p[d] - p_without) / wsum * 100.0)
    }

    fn top_reasons(&self, mut found: Vec<(f64, Seen)>, t: i64, rel: u32) -> Vec<Reason> {
        found.sort_by(|a, b| {
            b.0.abs()
                .total_cmp(&a.0.abs())
                .then_with(|| self.m.event_id(a.1.event).cmp(self.m.event_id(b.1.event)))
                .then(a.1.code.cmp(&b.1.code))
        });
        found.truncate(self.rules.max_reasons);
        found
            .into_iter()
            .map(|(impact, s)| {
                let (text_en, text_zh) = self.sentences(&s, t, rel);
                let code = code_of(s.code);
                Reason {
                    event: self.m.event_id(s.event).to_string(),
                    reason: code,
                    dimension: self.rules.evidence.rule(code).dimension,
                    impact,
                    text_en,
                    text_zh,
                }
            })
            .collect()
    }

    /// The merchant's reputation at `at`: dimensions with W0 and base rate a0.
    pub(crate) fn merchant_opinion(&self, rep: &dyn RepSource, at: i64) -> Opinion {
        let (rm, sm) = rep.sums(at);
        let a0 = rep.a0(at);
        let w0 = self.rules.reputation_prior_weight;
        let mut o = Opinion::default();
        for i in 0..4 {
            let den = rm[i] + sm[i] + w0;
            o.a[i] = a0;
            o.b[i] = rm[i] / den;
            o.d[i] = sm[i] / den;
            o.u[i] = w0 / den;
            o.p[i] = o.b[i] + a0 * o.u[i];
            o.has[i] = rm[i] + sm[i] > 0.0;
        }
        o.fold.r = rm;
        o.fold.s = sm;
        let (tt, u, c, a) = composite(self.rules, &o.p, &o.u, &o.has);
        o.t = tt;
        o.uncertainty = u;
        o.cognitive = c;
        o.affective = a;
        o
    }

    /// Reasons for the merchant's reputation at `at`.
    pub(crate) fn merchant_reasons(&self, o: &Opinion, at: i64) -> Vec<Reason> {
        let w = self.rules.weights.as_array();
        let wsum: f64 = w.iter().sum();
        let w0 = self.rules.reputation_prior_weight;
        let mut found: Vec<(f64, Seen)> = Vec::new();
        self.visit_all(at, |s| {
            if let Some(impact) = self.impact(o, &s, at, w0, &w, wsum) {
                found.push((impact, s));
            }
        });
        self.top_reasons(found, at, NO)
    }

    /// Whether relationship `rel` has any event at or before `t`.
    pub(crate) fn exists_at(&self, rel: u32, t: i64) -> bool {
        self.m.rels[rel as usize]
            .items
            .iter()
            .any(|it| it.at() <= t)
    }
}

/// Per-dimension values of an opinion as report structs.
pub(crate) fn dimensions(o: &Opinion) -> Dimensions {
    let one = |i: usize| DimensionReport {
        score: o.p[i] * 100.0,
        belief: o.b[i],
        disbelief: o.d[i],
        uncertainty: o.u[i],
        base_rate: o.a[i],
    };
    Dimensions {
        ability: one(Dimension::Ability.index()),
        integrity: one(Dimension::Integrity.index()),
        benevolence: one(Dimension::Benevolence.index()),
        affect: one(Dimension::Affect.index()),
    }
}

pub(crate) fn history_out(h: Vec<(Stage, i64)>) -> Vec<StageChange> {
    h.into_iter()
        .map(|(stage, t)| StageChange {
            stage,
            since: jiff::Timestamp::from_millisecond(t).unwrap_or(jiff::Timestamp::MAX),
        })
        .collect()
}
