//! The indicator system: one [`Indicators`] per merchant and period.

use std::collections::BTreeMap;

use credence_engine::promise::{self, Outcome, PromiseKind, PromiseTerms};
use credence_engine::{Engine, Stage, StageCounts};
use credence_events::SurveyMetric;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::data::{Dataset, MerchantFacts};
use crate::period::Period;

/// Parameters of the indicators (defaults as documented in `docs/indicators.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Prior weight C of `bayes_rating`, in reviews: the merchant's mean is pulled
    /// toward the all-merchant mean as if C reviews at that mean were added. Default 10.
    pub prior_weight: f64,
    /// A review at or below this rating is negative (`negative_review_reply_rate`).
    /// Default 2.
    pub negative_max_rating: u8,
    /// The reply window of a negative review. Default 48 h.
    pub reply_window: SignedDuration,
}

impl Options {
    /// The promise terms these options read negative reviews with.
    pub fn terms(&self) -> PromiseTerms {
        PromiseTerms {
            reply_max_rating: self.negative_max_rating,
            reply_window: self.reply_window,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prior_weight: 10.0,
            negative_max_rating: 2,
            reply_window: SignedDuration::from_hours(48),
        }
    }
}

/// The indicators of one merchant in one period. Field names are the stable JSON keys
/// (documented in `docs/indicators.md`); `None` (JSON `null`) where the denominator is
/// zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicators {
    /// Net Promoter Score on −100..100: 100 × (promoters 9–10 − detractors 0–6) / NPS
    /// responses.
    pub nps: Option<f64>,
    /// Percent (0–100) of CSAT responses scoring 4 or 5.
    pub csat: Option<f64>,
    /// Mean CES score (1–7, lower is easier).
    pub ces: Option<f64>,
    /// Survey responses of any metric.
    pub responses: u64,
    /// NPS responses.
    pub nps_responses: u64,
    /// CSAT responses.
    pub csat_responses: u64,
    /// CES responses.
    pub ces_responses: u64,
    /// First deliveries in the period of orders with `promised_by`, on or before it /
    /// those deliveries.
    pub on_time_rate: Option<f64>,
    /// Promises (delivery, refund, ticket first response, commitments) whose deadline
    /// falls in the period, kept / decided.
    pub promise_kept_rate: Option<f64>,
    /// Tickets whose first-response deadline falls in the period, answered by it /
    /// decided.
    pub first_response_sla_rate: Option<f64>,
    /// Complaints per 100 orders placed in the period.
    pub complaint_rate: Option<f64>,
    /// Orders placed in the period with a completed refund / orders placed.
    pub refund_rate: Option<f64>,
    /// Customers with ≥ 2 orders up to the period's end / customers with ≥ 1.
    pub repurchase_rate: Option<f64>,
    /// Customers active in the previous period who are active in this one / those
    /// active in the previous period.
    pub retention_rate: Option<f64>,
    /// Mean star rating of reviews in the period.
    pub avg_rating: Option<f64>,
    /// Reviews in the period.
    pub review_count: u64,
    /// Reviews in the period (the same number as `review_count`).
    pub reviews: u64,
    /// Orders placed in the period.
    pub orders: u64,
    /// (C·m + Σ ratings) / (C + reviews), m the all-merchant mean rating of the period.
    pub bayes_rating: Option<f64>,
    /// Negative reviews (≤ 2 stars) in the period answered within 48 h / decided.
    pub negative_review_reply_rate: Option<f64>,
    /// Mean trust (0–100) of relationships not `ended` at the period's end.
    pub trust_mean: Option<f64>,
    /// 10th percentile (nearest rank) of the same trust scores.
    pub trust_p10: Option<f64>,
    /// Relationships per stage at the period's end (`ended` included).
    pub stage_counts: StageCounts,
    /// Complaints in the period (numerator of `complaint_rate`).
    pub complaints: u64,
    /// Promises decided in the period (denominator of `promise_kept_rate`).
    pub promises: u64,
    /// Customers with any event in the period.
    pub active_customers: u64,
    /// Per aspect read in text (`delivery`, `product_quality`…): mentions in the
    /// period and how many were negative. Keys: every aspect mentioned anywhere in the
    /// data set, so all rows have the same keys; empty without text analysis.
    pub aspects: BTreeMap<String, AspectSentiment>,
}

/// Sentiment and volume of one aspect in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct AspectSentiment {
    /// Texts (events) of the period that mention the aspect.
    pub mentions: u64,
    /// Of which negative about it.
    pub negative: u64,
    /// `negative / mentions`; `None` without mentions.
    pub negative_share: Option<f64>,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Counts kept / decided promises.
#[derive(Default)]
struct Tally {
    kept: u64,
    total: u64,
}

impl Tally {
    /// A promise with this deadline, resolved (or not) at `res` — `Some(true)` kept,
    /// `Some(false)` broken, `None` unresolved — is counted if its deadline lies in the
    /// period and it is decided as of `as_of`.
    fn promise(
        &mut self,
        p: &Period,
        deadline: Timestamp,
        outcome: Option<bool>,
        as_of: Timestamp,
    ) {
        if !p.contains(deadline) {
            return;
        }
        match outcome {
            Some(kept) => {
                self.total += 1;
                self.kept += u64::from(kept);
            }
            // Unresolved and past its deadline: broken. Not yet due: pending.
            None if deadline <= as_of => self.total += 1,
            None => {}
        }
    }
    fn rate(&self) -> Option<f64> {
        ratio(self.kept, self.total)
    }
}

/// Counts of customers whose sorted times have at least `k` entries before `end`.
fn count_with(times: &[Vec<Timestamp>], k: usize, end: Timestamp) -> u64 {
    times
        .iter()
        .filter(|v| v.len() >= k && v[k - 1] < end)
        .count() as u64
}

fn any_in(v: &[Timestamp], start: Timestamp, end: Timestamp) -> bool {
    let i = v.partition_point(|&t| t < start);
    i < v.len() && v[i] < end
}

/// The evaluation time of a period's trust fields: the last instant of the period, or
/// the merchant's latest event if the period ends after it.
pub fn trust_time(p: &Period, as_of: Timestamp) -> Timestamp {
    let last = p
        .end
        .checked_sub(SignedDuration::from_nanos(1))
        .unwrap_or(p.end);
    last.min(as_of)
}

/// Nearest-rank percentile `q` (0–1) of sorted values.
pub fn percentile_nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// The trust fields of one period from the engine: (mean, p10, stage counts, sorted
/// scores of relationships not ended). One engine evaluation per call.
pub fn trust_fields(
    engine: &Engine,
    merchant: &str,
    at: Timestamp,
) -> (Option<f64>, Option<f64>, StageCounts, Vec<f64>) {
    let mut counts = StageCounts::default();
    let mut scores = Vec::new();
    for (_, stage, score) in engine.stages(merchant, at) {
        match stage {
            Stage::Initial => counts.initial += 1,
            Stage::Developing => counts.developing += 1,
            Stage::Committed => counts.committed += 1,
            Stage::AtRisk => counts.at_risk += 1,
            Stage::Ended => counts.ended += 1,
        }
        if stage != Stage::Ended {
            scores.push(score);
        }
    }
    scores.sort_unstable_by(f64::total_cmp);
    let mean = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    let p10 = percentile_nearest_rank(&scores, 0.10);
    (mean, p10, counts, scores)
}

/// The indicators of `merchant` for each period, in order. `engine` must hold the
/// merchant's events (it is evaluated once per period, at [`trust_time`]). A merchant
/// with no events gets zero counts and nulls.
pub fn indicators(
    data: &Dataset,
    engine: &Engine,
    merchant: &str,
    periods: &[Period],
    opts: &Options,
) -> Vec<Indicators> {
    let empty = MerchantFacts::default();
    let f = data.get(merchant).unwrap_or(&empty);
    periods
        .iter()
        .map(|p| {
            let mut ind = period_indicators(data, f, p, opts);
            if let Some(as_of) = f.latest {
                let at = trust_time(p, as_of);
                let (mean, p10, counts, _) = trust_fields(engine, merchant, at);
                ind.trust_mean = mean;
                ind.trust_p10 = p10;
                ind.stage_counts = counts;
            }
            ind
        })
        .collect()
}

/// Everything but the trust fields.
fn period_indicators(data: &Dataset, f: &MerchantFacts, p: &Period, opts: &Options) -> Indicators {
    let as_of = f.latest.unwrap_or(Timestamp::MIN);

    // Surveys.
    let (mut nps_n, mut promoters, mut detractors) = (0u64, 0u64, 0u64);
    let (mut csat_n, mut csat_ok) = (0u64, 0u64);
    let (mut ces_n, mut ces_sum) = (0u64, 0u64);
    for &(t, metric, score) in &f.surveys {
        if !p.contains(t) {
            continue;
        }
        match metric {
            SurveyMetric::Nps => {
                nps_n += 1;
                promoters += u64::from(score >= 9);
                detractors += u64::from(score <= 6);
            }
            SurveyMetric::Csat => {
                csat_n += 1;
                csat_ok += u64::from(score >= 4);
            }
            SurveyMetric::Ces => {
                ces_n += 1;
                ces_sum += u64::from(score);
            }
        }
    }

    // Orders, deliveries, refunds.
    let (mut orders, mut refunded) = (0u64, 0u64);
    let (mut on_time, mut promised_deliveries) = (0u64, 0u64);
    let mut promises = Tally::default();
    for o in f.orders.values() {
        if let Some((placed_at, _, _)) = &o.placed
            && p.contains(*placed_at)
        {
            orders += 1;
            refunded += u64::from(o.refund_completed);
        }
        if let Some(deadline) = o.delivery.deadline() {
            let outcome = o.delivery.outcome(PromiseKind::Delivery);
            if let Some((d, _, _)) = &o.delivery.res
                && p.contains(*d)
            {
                promised_deliveries += 1;
                on_time += u64::from(outcome == Some(Outcome::Kept));
            }
            promises.promise(p, deadline, outcome.and_then(Outcome::resolved_kept), as_of);
        }
        if let Some(deadline) = o.refund.deadline() {
            let outcome = o.refund.outcome(PromiseKind::Refund);
            promises.promise(p, deadline, outcome.and_then(Outcome::resolved_kept), as_of);
        }
    }

    // Tickets.
    let mut sla = Tally::default();
    for t in f.tickets.values() {
        if let Some(deadline) = t.response.deadline() {
            let outcome = t
                .response
                .outcome(PromiseKind::Ticket)
                .and_then(Outcome::resolved_kept);
            sla.promise(p, deadline, outcome, as_of);
            promises.promise(p, deadline, outcome, as_of);
        }
    }

    // Commitments: by due date; without one, by the result's time.
    for c in f.commitments.values() {
        let due = c.made.as_ref().and_then(|m| m.2.0);
        let outcome = c.result.as_ref().map(|r| r.2.0);
        match (due, &c.result) {
            (Some(d), _) => promises.promise(p, d, outcome, as_of),
            (None, Some((t, _, _))) => promises.promise(p, *t, outcome, as_of),
            (None, None) => {}
        }
    }

    // Complaints.
    let complaints = f.complaints.iter().filter(|c| p.contains(c.0)).count() as u64;

    // Customers.
    let buyers = count_with(&f.order_times, 1, p.end);
    let repeat = count_with(&f.order_times, 2, p.end);
    let (mut prev_active, mut retained, mut active) = (0u64, 0u64, 0u64);
    for v in &f.activity {
        let now = any_in(v, p.start, p.end);
        active += u64::from(now);
        if any_in(v, p.previous_start, p.start) {
            prev_active += 1;
            retained += u64::from(now);
        }
    }

    // Reviews.
    let (mut n_reviews, mut rating_sum) = (0u64, 0u64);
    let (mut neg, mut neg_answered) = (0u64, 0u64);
    for r in f.reviews.values() {
        let Some((t, rating, _)) = r.review else {
            continue;
        };
        if !p.contains(t) {
            continue;
        }
        n_reviews += 1;
        rating_sum += u64::from(rating);
        if let Some(deadline) = promise::reply_deadline(t, rating, &opts.terms()) {
            let reply = r.reply.as_ref().map(|x| (x.0, false));
            let outcome = promise::standing(
                PromiseKind::ReviewReply,
                Some((t, deadline)),
                reply,
                Timestamp::MAX,
            )
            .and_then(|s| s.0.resolved_kept());
            match outcome {
                Some(kept) => {
                    neg += 1;
                    neg_answered += u64::from(kept);
                }
                None if deadline <= as_of => neg += 1,
                None => {}
            }
        }
    }
    let bayes_rating = (n_reviews > 0)
        .then(|| {
            let m = data.all_merchant_mean_rating(p.start, p.end)?;
            let c = opts.prior_weight;
            Some((c * m + rating_sum as f64) / (c + n_reviews as f64))
        })
        .flatten();

    Indicators {
        nps: ratio(promoters, nps_n)
            .map(|_| 100.0 * (promoters as f64 - detractors as f64) / nps_n as f64),
        csat: ratio(csat_ok, csat_n).map(|x| 100.0 * x),
        ces: ratio(ces_sum, ces_n),
        responses: nps_n + csat_n + ces_n,
        nps_responses: nps_n,
        csat_responses: csat_n,
        ces_responses: ces_n,
        on_time_rate: ratio(on_time, promised_deliveries),
        promise_kept_rate: promises.rate(),
        first_response_sla_rate: sla.rate(),
        complaint_rate: ratio(complaints, orders).map(|x| 100.0 * x),
        refund_rate: ratio(refunded, orders),
        repurchase_rate: ratio(repeat, buyers),
        retention_rate: ratio(retained, prev_active),
        avg_rating: ratio(rating_sum, n_reviews),
        review_count: n_reviews,
        reviews: n_reviews,
        orders,
        bayes_rating,
        negative_review_reply_rate: ratio(neg_answered, neg),
        trust_mean: None,
        trust_p10: None,
        stage_counts: StageCounts::default(),
        complaints,
        promises: promises.total,
        active_customers: active,
        aspects: aspect_sentiment(data, f, p),
    }
}

/// The `aspects` field of a period.
fn aspect_sentiment(
    data: &Dataset,
    f: &MerchantFacts,
    p: &Period,
) -> BTreeMap<String, AspectSentiment> {
    let mut out: BTreeMap<String, AspectSentiment> = data
        .aspect_codes
        .iter()
        .map(|a| (a.clone(), AspectSentiment::default()))
        .collect();
    for (t, aspect, negative) in &f.aspect_mentions {
        if p.contains(*t)
            && let Some(s) = out.get_mut(&**aspect)
        {
            s.mentions += 1;
            s.negative += u64::from(*negative);
        }
    }
    for s in out.values_mut() {
        s.negative_share = ratio(s.negative, s.mentions);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        // n = 20: rank ⌈0.1 × 20⌉ = 2 → the 2nd smallest.
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile_nearest_rank(&v, 0.10), Some(2.0));
        // n = 4: rank ⌈0.4⌉ = 1; n = 11: rank ⌈1.1⌉ = 2.
        assert_eq!(
            percentile_nearest_rank(&[5.0, 6.0, 7.0, 8.0], 0.10),
            Some(5.0)
        );
        let w: Vec<f64> = (0..11).map(f64::from).collect();
        assert_eq!(percentile_nearest_rank(&w, 0.10), Some(1.0));
        assert_eq!(percentile_nearest_rank(&[], 0.10), None);
    }

    #[test]
    fn trust_time_is_the_last_instant_or_the_as_of_time() {
        let p = Period {
            start: "2026-03-01T00:00:00Z"
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            end: "2026-04-01T00:00:00Z"
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            previous_start: Timestamp::UNIX_EPOCH,
        };
        let late: Timestamp = "2026-05-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(
            trust_time(&p, late).to_string(),
            "2026-03-31T23:59:59.999999999Z"
        );
        let early: Timestamp = "2026-03-20T10:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(trust_time(&p, early), early);
    }
}
