//! Customer risk score: how likely a relationship is to be slipping away, with reasons.
//!
//! Each warning sign becomes a factor f ∈ [0, 1] with a weight w; the score is the
//! noisy-OR of the weighted factors:
//!
//! ```text
//! risk = 1 − Π (1 − w_i · f_i)
//! ```
//!
//! | code | factor f | weight w |
//! |---|---|---|
//! | `trust_decline` | min(1, max(0, T₋₃₀ − T) / 20) | 0.60 |
//! | `low_trust` | clamp((60 − T) / 30, 0, 1) | 0.50 |
//! | `negative_evidence` | 1 − exp(−(0.35·n + 0.10·impact)) | 0.50 |
//! | `unresolved_tickets` | 1 − exp(−(0.5·k + 𝟙(k > 0)·age/14)) | 0.50 |
//! | `engagement_drop` | clamp(1 − recent / expected, 0, 1) when expected ≥ 2 | 0.35 |
//! | `dormant` | 1 − P(alive) | 0.50 |
//!
//! Noisy-OR reads each sign as an independent way the relationship can fail: any one
//! strong sign raises the risk, several together raise it more, the score stays in
//! [0, 1), and — because every factor is monotone in its input and every
//! `1 − w·f` is in [0, 1] — more negative input never lowers the risk. Weights put a
//! 10-point trust drop (the engine's own `at_risk` rule) at 0.30 on its own.

use serde::{Deserialize, Serialize};

/// What the integrator computes for one relationship at an evaluation time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskInputs {
    /// Trust now (0–100, the engine's `score`).
    pub trust_now: f64,
    /// Trust 30 days earlier (a full evaluation then); `None` if the relationship is
    /// younger than that.
    pub trust_30d_ago: Option<f64>,
    /// Negative evidence items (s > r) in the last 30 days.
    pub negative_count_30d: u32,
    /// Their summed impact in points, as a positive number (Σ |impact| of those items).
    pub negative_impact_30d: f64,
    /// Tickets opened and not resolved or closed at the evaluation time.
    pub unresolved_tickets: u32,
    /// Age in days of the oldest of them (0 if none).
    pub oldest_unresolved_ticket_days: f64,
    /// The customer's events in the last 30 days.
    pub events_30d: u32,
    /// The customer's own rhythm: events per 30 days before that (e.g. over the
    /// previous 180 days, scaled to 30); `None` if there is no earlier history.
    pub expected_events_30d: Option<f64>,
    /// BG/NBD P(alive) for the customer (see [`crate::bgnbd::Params::p_alive`]);
    /// `None` if no fit is available.
    pub p_alive: Option<f64>,
}

/// A factor that raised the risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskReason {
    /// Stable code: `trust_decline`, `low_trust`, `negative_evidence`,
    /// `unresolved_tickets`, `engagement_drop`, `dormant`.
    pub code: String,
    /// The factor's contribution w·f (0–1).
    pub contribution: f64,
    /// A sentence in English.
    pub text_en: String,
    /// The same sentence in Chinese.
    pub text_zh: String,
}

/// A risk score with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskScore {
    /// Risk 0–1.
    pub score: f64,
    /// Factors contributing at least 0.05, largest first.
    pub reasons: Vec<RiskReason>,
}

/// Weights of the factors (see the module table).
pub const WEIGHTS: [(&str, f64); 6] = [
    ("trust_decline", 0.60),
    ("low_trust", 0.50),
    ("negative_evidence", 0.50),
    ("unresolved_tickets", 0.50),
    ("engagement_drop", 0.35),
    ("dormant", 0.50),
];

/// Reasons below this contribution are not listed.
pub const REASON_FLOOR: f64 = 0.05;

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// The factors f (same order as [`WEIGHTS`]).
pub fn factors(i: &RiskInputs) -> [f64; 6] {
    let decline = i
        .trust_30d_ago
        .map_or(0.0, |before| clamp01((before - i.trust_now) / 20.0));
    let low = clamp01((60.0 - i.trust_now) / 30.0);
    let neg = clamp01(
        1.0 - (-(0.35 * f64::from(i.negative_count_30d) + 0.10 * i.negative_impact_30d.max(0.0)))
            .exp(),
    );
    let age = if i.unresolved_tickets > 0 {
        i.oldest_unresolved_ticket_days.max(0.0) / 14.0
    } else {
        0.0
    };
    let tickets = clamp01(1.0 - (-(0.5 * f64::from(i.unresolved_tickets) + age)).exp());
    let engagement = match i.expected_events_30d {
        Some(e) if e >= 2.0 => clamp01(1.0 - f64::from(i.events_30d) / e),
        _ => 0.0,
    };
    let dormant = i.p_alive.map_or(0.0, |p| clamp01(1.0 - p));
    [decline, low, neg, tickets, engagement, dormant]
}

/// The risk score of one relationship. Pure; monotone in every negative input.
pub fn risk_score(i: &RiskInputs) -> RiskScore {
    let f = factors(i);
    let mut keep = 1.0;
    let mut reasons = Vec::new();
    for (k, (code, w)) in WEIGHTS.iter().enumerate() {
        let c = w * f[k];
        keep *= 1.0 - c;
        if c >= REASON_FLOOR {
            let (en, zh) = sentence(code, i);
            reasons.push(RiskReason {
                code: (*code).to_string(),
                contribution: c,
                text_en: en,
                text_zh: zh,
            });
        }
    }
    reasons.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then_with(|| a.code.cmp(&b.code))
    });
    RiskScore {
        score: 1.0 - keep,
        reasons,
    }
}

fn sentence(code: &str, i: &RiskInputs) -> (String, String) {
    match code {
        "trust_decline" => {
            let before = i.trust_30d_ago.unwrap_or(i.trust_now);
            let d = before - i.trust_now;
            (
                format!(
                    "Trust fell {d:.0} points in 30 days (from {before:.0} to {:.0}).",
                    i.trust_now
                ),
                format!(
                    "信任度30天内下降了{d:.0}分（从{before:.0}降至{:.0}）。",
                    i.trust_now
                ),
            )
        }
        "low_trust" => (
            format!("Trust is low: {:.0} out of 100.", i.trust_now),
            format!("信任度偏低：{:.0}分（满分100）。", i.trust_now),
        ),
        "negative_evidence" => (
            format!(
                "{} negative experiences in the last 30 days, costing {:.0} points of trust.",
                i.negative_count_30d, i.negative_impact_30d
            ),
            format!(
                "近30天有{}次负面经历，使信任度下降{:.0}分。",
                i.negative_count_30d, i.negative_impact_30d
            ),
        ),
        "unresolved_tickets" => (
            format!(
                "{} support tickets unresolved, the oldest open for {:.0} days.",
                i.unresolved_tickets, i.oldest_unresolved_ticket_days
            ),
            format!(
                "{}个客服工单尚未解决，最早的已等待{:.0}天。",
                i.unresolved_tickets, i.oldest_unresolved_ticket_days
            ),
        ),
        "engagement_drop" => {
            let e = i.expected_events_30d.unwrap_or(0.0);
            (
                format!(
                    "Engagement fell: {} interactions in 30 days against a usual {e:.1}.",
                    i.events_30d
                ),
                format!("互动减少：近30天{}次，平时约{e:.1}次。", i.events_30d),
            )
        }
        _ => {
            let p = i.p_alive.unwrap_or(1.0) * 100.0;
            (
                format!(
                    "Purchase rhythm has stopped: {p:.0}% chance the customer is still active."
                ),
                format!("购买节奏已中断：该客户仍活跃的概率仅为{p:.0}%。"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn calm() -> RiskInputs {
        RiskInputs {
            trust_now: 80.0,
            trust_30d_ago: Some(80.0),
            negative_count_30d: 0,
            negative_impact_30d: 0.0,
            unresolved_tickets: 0,
            oldest_unresolved_ticket_days: 0.0,
            events_30d: 4,
            expected_events_30d: Some(4.0),
            p_alive: Some(0.95),
        }
    }

    #[test]
    fn a_calm_customer_is_low_risk_and_a_slipping_one_high() {
        let r = risk_score(&calm());
        assert!(r.score < 0.05, "{r:?}");
        assert!(r.reasons.is_empty());
        let slipping = RiskInputs {
            trust_now: 48.0,
            trust_30d_ago: Some(70.0),
            negative_count_30d: 3,
            negative_impact_30d: 15.0,
            unresolved_tickets: 1,
            oldest_unresolved_ticket_days: 10.0,
            ..calm()
        };
        let r = risk_score(&slipping);
        assert!(r.score > 0.8, "{r:?}");
        assert_eq!(r.reasons[0].code, "trust_decline");
        assert!(r.reasons[0].text_zh.contains("22"));
    }

    #[test]
    fn ten_point_drop_alone_is_point_three() {
        let i = RiskInputs {
            trust_now: 70.0,
            trust_30d_ago: Some(80.0),
            ..calm()
        };
        let i = RiskInputs { p_alive: None, ..i };
        assert!((risk_score(&i).score - 0.30).abs() < 1e-12);
    }

    fn inputs() -> impl Strategy<Value = RiskInputs> {
        (
            (0.0..100.0f64, proptest::option::of(0.0..100.0f64)),
            (0u32..20, 0.0..60.0f64),
            (0u32..6, 0.0..60.0f64),
            (0u32..30, proptest::option::of(0.0..30.0f64)),
            proptest::option::of(0.0..=1.0f64),
        )
            .prop_map(|((t, t30), (nc, ni), (k, age), (ev, exp), pa)| RiskInputs {
                trust_now: t,
                trust_30d_ago: t30,
                negative_count_30d: nc,
                negative_impact_30d: ni,
                unresolved_tickets: k,
                oldest_unresolved_ticket_days: age,
                events_30d: ev,
                expected_events_30d: exp,
                p_alive: pa,
            })
    }

    proptest! {
        #[test]
        fn score_is_in_unit_interval(i in inputs()) {
            let r = risk_score(&i);
            prop_assert!((0.0..1.0).contains(&r.score));
        }

        #[test]
        fn more_negative_input_never_lowers_risk(i in inputs(), d in 0.0..40.0f64, k in 0u32..5) {
            let base = risk_score(&i).score;
            let worse = [
                RiskInputs { trust_now: (i.trust_now - d).max(0.0), ..i },
                RiskInputs { trust_30d_ago: i.trust_30d_ago.map(|t| t + d), ..i },
                RiskInputs { negative_count_30d: i.negative_count_30d + k, ..i },
                RiskInputs { negative_impact_30d: i.negative_impact_30d + d, ..i },
                RiskInputs { unresolved_tickets: i.unresolved_tickets + k, ..i },
                RiskInputs { oldest_unresolved_ticket_days: i.oldest_unresolved_ticket_days + d, ..i },
                RiskInputs { events_30d: i.events_30d.saturating_sub(k), ..i },
                RiskInputs { p_alive: i.p_alive.map(|p| (p - d / 40.0).max(0.0)), ..i },
            ];
            for w in worse {
                prop_assert!(risk_score(&w).score >= base - 1e-12, "{w:?} vs {i:?}");
            }
        }
    }
}
