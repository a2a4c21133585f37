//! The configuration of the model: the evidence table (one row per reason code), decay,
//! prior weights, dimension weights and the lifecycle-stage thresholds.
//!
//! Everything here is `serde`-deserializable with defaults for every field, so a TOML
//! `--config` file only has to name what it changes:
//!
//! ```toml
//! half_life_days = 90
//! [evidence.delivery_late]
//! dimension = "integrity"
//! r = 0.0
//! s = 2.0
//! [stages]
//! committed_min_score = 80
//! ```

use serde::{Deserialize, Serialize};

/// One of the four evidence dimensions of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Competence: the product works, problems get solved.
    Ability,
    /// Honesty and reliability: promises are kept.
    Integrity,
    /// Care for the customer: responsiveness, recovery gestures.
    Benevolence,
    /// The emotional bond: ratings, satisfaction, advocacy.
    Affect,
}

impl Dimension {
    /// All dimensions, in output order.
    pub const ALL: [Dimension; 4] = [
        Dimension::Ability,
        Dimension::Integrity,
        Dimension::Benevolence,
        Dimension::Affect,
    ];

    /// Position in [`Dimension::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The wire name (`ability`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Ability => "ability",
            Dimension::Integrity => "integrity",
            Dimension::Benevolence => "benevolence",
            Dimension::Affect => "affect",
        }
    }
}

/// One row of the evidence table: which dimension an item goes to and its positive
/// (`r`) and negative (`s`) weight. For scaled reasons (`review`, `survey_*`,
/// `complaint_*`) `r` and `s` multiply the normalised score; see [`ReasonCode`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRule {
    /// The dimension the evidence speaks to.
    pub dimension: Dimension,
    /// Positive weight (≥ 0).
    pub r: f64,
    /// Negative weight (≥ 0).
    pub s: f64,
}

macro_rules! evidence_table {
    ($( $(#[$doc:meta])* $field:ident / $variant:ident = ($dim:ident, $r:expr, $s:expr) ),+ $(,)?) => {
        /// Why an evidence item exists: one code per row of the evidence table. The wire
        /// name (`delivery_late`, …) is the `reason` of the JSON output and the key of
        /// the row in a `--config` file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ReasonCode { $( $(#[$doc])* $variant ),+ }

        impl ReasonCode {
            /// Every reason code, in table order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(ReasonCode::$variant => stringify!($field)),+ }
            }
        }

        /// The evidence table: every event type of events v1 maps to rows of it (see
        /// `docs/trust-model.md`). The `Default` is DESIGN.md's table, in one place.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct EvidenceTable { $( $(#[$doc])* pub $field: EvidenceRule ),+ }

        impl Default for EvidenceTable {
            fn default() -> Self {
                Self { $( $field: EvidenceRule { dimension: Dimension::$dim, r: $r, s: $s } ),+ }
            }
        }

        impl EvidenceTable {
            /// The row of a reason code.
            pub fn rule(&self, code: ReasonCode) -> EvidenceRule {
                match code { $(ReasonCode::$variant => self.$field),+ }
            }
        }
    };
}

// THE evidence table. Columns: config key / code = (dimension, r, s).
evidence_table! {
    /// A delivery arrived on or before the order's `promised_by`.
    delivery_kept / DeliveryKept = (Integrity, 1.0, 0.0),
    /// A delivery arrived after `promised_by` (item dated at the deadline).
    delivery_late / DeliveryLate = (Integrity, 0.0, 1.0),
    /// No delivery yet and `promised_by` has passed at evaluation time.
    delivery_overdue / DeliveryOverdue = (Integrity, 0.0, 1.0),
    /// A delivery arrived in condition `ok`.
    product_ok / ProductOk = (Ability, 0.5, 0.0),
    /// A delivery arrived `damaged`, `wrong_item` or `missing`.
    product_defect / ProductDefect = (Ability, 0.0, 1.0),
    /// A ticket's first reply came within `sla_minutes`.
    ticket_responsive / TicketResponsive = (Benevolence, 1.0, 0.0),
    /// A ticket's first reply came after the SLA (item dated at the deadline).
    ticket_reply_late / TicketReplyLate = (Benevolence, 0.0, 1.0),
    /// No reply by the SLA at evaluation time.
    ticket_reply_overdue / TicketReplyOverdue = (Benevolence, 0.0, 1.0),
    /// A ticket was resolved.
    ticket_solved / TicketSolved = (Ability, 1.0, 0.0),
    /// A ticket was reopened or closed unresolved.
    ticket_unsolved / TicketUnsolved = (Ability, 0.0, 1.0),
    /// A refund was completed (by `promised_by` if one was given).
    refund_honoured / RefundHonoured = (Integrity, 1.0, 0.0),
    /// A refund was completed after its `promised_by` (item dated at the deadline).
    refund_late / RefundLate = (Integrity, 0.0, 1.0),
    /// A promised refund is not completed by `promised_by` at evaluation time.
    refund_overdue / RefundOverdue = (Integrity, 0.0, 1.0),
    /// A refund was rejected.
    refund_rejected / RefundRejected = (Integrity, 0.0, 1.0),
    /// Complaint about quality; `r` and `s` are multiplied by the severity (1–3).
    complaint_quality / ComplaintQuality = (Ability, 0.0, 1.0),
    /// Complaint about delivery (× severity).
    complaint_delivery / ComplaintDelivery = (Integrity, 0.0, 1.0),
    /// Complaint about price (× severity).
    complaint_price / ComplaintPrice = (Integrity, 0.0, 1.0),
    /// Complaint about service (× severity).
    complaint_service / ComplaintService = (Benevolence, 0.0, 1.0),
    /// Complaint about policy (× severity).
    complaint_policy / ComplaintPolicy = (Integrity, 0.0, 1.0),
    /// Complaint about privacy (× severity).
    complaint_privacy / ComplaintPrivacy = (Affect, 0.0, 1.0),
    /// Complaint about anything else (× severity).
    complaint_other / ComplaintOther = (Affect, 0.0, 1.0),
    /// A review of k stars: `r·(k−1)/4`, `s·(5−k)/4`.
    review / Review = (Affect, 1.0, 1.0),
    /// The merchant answered a review of ≤ 2 stars within the reply window.
    review_answered / ReviewAnswered = (Benevolence, 1.0, 0.0),
    /// The merchant answered a review of ≤ 2 stars after the window (dated at the deadline).
    review_reply_late / ReviewReplyLate = (Benevolence, 0.0, 1.0),
    /// A review of ≤ 2 stars is unanswered past the window at evaluation time.
    review_unanswered / ReviewUnanswered = (Benevolence, 0.0, 1.0),
    /// NPS answer n (0–10): `r·n/10`, `s·(1−n/10)`.
    survey_nps / SurveyNps = (Affect, 1.0, 1.0),
    /// CSAT answer k (1–5): `r·(k−1)/4`, `s·(5−k)/4`.
    survey_csat / SurveyCsat = (Affect, 1.0, 1.0),
    /// CES answer k (1–7, lower is easier): `r·(7−k)/6`, `s·(k−1)/6`.
    survey_ces / SurveyCes = (Ability, 1.0, 1.0),
    /// A commitment was kept.
    commitment_kept / CommitmentKept = (Integrity, 1.0, 0.0),
    /// A commitment was broken.
    commitment_broken / CommitmentBroken = (Integrity, 0.0, 1.0),
    /// A compensation (recovery gesture) of any kind.
    compensation / Compensation = (Benevolence, 1.0, 0.0),
    /// The customer referred someone (advocacy).
    referral / Referral = (Affect, 1.0, 0.0),
    /// Text sentiment of an unrated text (complaint, ticket message): P(positive) = p
    /// gives `r·p`, `s·(1−p)` (p in steps of 1/15). Never for a rated review or a scored
    /// survey (the rating already speaks).
    text_sentiment / TextSentiment = (Affect, 0.5, 0.5),
    /// A text praises (`r`) or criticises (`s`) an aspect on ability (product quality,
    /// assurance).
    text_ability / TextAbility = (Ability, 0.5, 0.5),
    /// A text praises or criticises an aspect on integrity (delivery, reliability,
    /// privacy).
    text_integrity / TextIntegrity = (Integrity, 0.5, 0.5),
    /// A text praises or criticises an aspect on benevolence (responsiveness, empathy).
    text_benevolence / TextBenevolence = (Benevolence, 0.5, 0.5),
    /// A text praises or criticises an aspect on affect (price/value, tangibles).
    text_affect / TextAffect = (Affect, 0.5, 0.5),
}

impl ReasonCode {
    /// The `(r, s)` multipliers of a scaled reason for its parameter (rating, score,
    /// severity); `(1, 1)` for unscaled reasons.
    pub(crate) fn scale(self, param: u8) -> (f64, f64) {
        let p = f64::from(param);
        match self {
            ReasonCode::Review | ReasonCode::SurveyCsat => ((p - 1.0) / 4.0, (5.0 - p) / 4.0),
            ReasonCode::SurveyNps => (p / 10.0, 1.0 - p / 10.0),
            ReasonCode::SurveyCes => ((7.0 - p) / 6.0, (p - 1.0) / 6.0),
            ReasonCode::ComplaintQuality
            | ReasonCode::ComplaintDelivery
            | ReasonCode::ComplaintPrice
            | ReasonCode::ComplaintService
            | ReasonCode::ComplaintPolicy
            | ReasonCode::ComplaintPrivacy
            | ReasonCode::ComplaintOther => (p, p),
            ReasonCode::TextSentiment => (p / 15.0, 1.0 - p / 15.0),
            ReasonCode::TextAbility
            | ReasonCode::TextIntegrity
            | ReasonCode::TextBenevolence
            | ReasonCode::TextAffect => {
                if param == 0 {
                    (0.0, 1.0)
                } else {
                    (1.0, 0.0)
                }
            }
            _ => (1.0, 1.0),
        }
    }
}

/// Weights of the dimensions in the overall score T (they should sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DimensionWeights {
    /// Weight of ability (default 0.25).
    pub ability: f64,
    /// Weight of integrity (default 0.35).
    pub integrity: f64,
    /// Weight of benevolence (default 0.20).
    pub benevolence: f64,
    /// Weight of affect (default 0.20).
    pub affect: f64,
}

impl Default for DimensionWeights {
    fn default() -> Self {
        DimensionWeights {
            ability: 0.25,
            integrity: 0.35,
            benevolence: 0.20,
            affect: 0.20,
        }
    }
}

impl DimensionWeights {
    /// The weights in [`Dimension::ALL`] order.
    pub fn as_array(&self) -> [f64; 4] {
        [self.ability, self.integrity, self.benevolence, self.affect]
    }
}

/// Lifecycle-stage thresholds (DESIGN.md "Stages"); first match wins:
/// `ended`, `initial`, `at_risk`, `committed`, `developing`. The `*_hold_*` and
/// `at_risk_recover_score` fields add hysteresis so a stage does not flap at a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageRules {
    /// `ended` after this many days without any event (default 365).
    pub ended_inactivity_days: f64,
    /// `initial` while fewer evidence-bearing events than this (default 3).
    pub initial_min_evidence_events: u32,
    /// `at_risk` when T fell at least this many points… (default 10)
    pub at_risk_drop_points: f64,
    /// …against this many days earlier; also the window for recent negative evidence
    /// (default 30).
    pub at_risk_window_days: f64,
    /// `at_risk` when T is below this with negative evidence in the window (default 45).
    pub at_risk_low_score: f64,
    /// `committed` needs T ≥ this (default 75)…
    pub committed_min_score: f64,
    /// …overall uncertainty ≤ this (default 0.35)…
    pub committed_max_uncertainty: f64,
    /// …tenure ≥ this many days (default 90)…
    pub committed_min_tenure_days: f64,
    /// …and advocacy within this many days (default 365).
    pub advocacy_window_days: f64,
    /// An NPS answer at least this counts as advocacy (default 9).
    pub advocacy_min_nps: u8,
    /// Hysteresis (an extension of DESIGN.md): a `committed` relationship stays
    /// committed while T ≥ `committed_min_score` minus this (default 5)…
    pub committed_hold_points: f64,
    /// …and U ≤ `committed_max_uncertainty` plus this (default 0.05).
    pub committed_hold_uncertainty: f64,
    /// Hysteresis: an `at_risk` relationship stays at risk until T is back to at least
    /// this (default 60); 0 turns it off.
    pub at_risk_recover_score: f64,
}

impl Default for StageRules {
    fn default() -> Self {
        StageRules {
            ended_inactivity_days: 365.0,
            initial_min_evidence_events: 3,
            at_risk_drop_points: 10.0,
            at_risk_window_days: 30.0,
            at_risk_low_score: 45.0,
            committed_min_score: 75.0,
            committed_max_uncertainty: 0.35,
            committed_min_tenure_days: 90.0,
            advocacy_window_days: 365.0,
            advocacy_min_nps: 9,
            committed_hold_points: 5.0,
            committed_hold_uncertainty: 0.05,
            at_risk_recover_score: 60.0,
        }
    }
}

/// The whole model configuration. `Rules::default()` is DESIGN.md's trust model v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Half-life of evidence in days (default 180).
    pub half_life_days: f64,
    /// Prior weight W of a relationship's opinion (default 2).
    pub prior_weight: f64,
    /// Prior weight W0 of a merchant's reputation (default 10).
    pub reputation_prior_weight: f64,
    /// Base rate a0 of a merchant with no site signals (default 0.5).
    pub base_rate_neutral: f64,
    /// a0 moves by this times (present − absent)/8 (default 0.2).
    pub base_rate_signal_span: f64,
    /// Dimension weights of the overall score.
    pub weights: DimensionWeights,
    /// Hours a merchant has to answer a low review (default 48).
    pub review_reply_window_hours: f64,
    /// Reviews with at most this many stars expect an answer (default 2).
    pub review_reply_max_rating: u8,
    /// How many reasons a report lists (default 5).
    pub max_reasons: usize,
    /// Lifecycle-stage thresholds.
    pub stages: StageRules,
    /// The evidence table.
    pub evidence: EvidenceTable,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            half_life_days: 180.0,
            prior_weight: 2.0,
            reputation_prior_weight: 10.0,
            base_rate_neutral: 0.5,
            base_rate_signal_span: 0.2,
            weights: DimensionWeights::default(),
            review_reply_window_hours: 48.0,
            review_reply_max_rating: 2,
            max_reasons: 5,
            stages: StageRules::default(),
            evidence: EvidenceTable::default(),
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// A number is out of its range.
    #[error("`{field}` must be {expected}, got {got}")]
    OutOfRange {
        /// The field (dotted path).
        field: String,
        /// What is allowed.
        expected: &'static str,
        /// What was given.
        got: f64,
    },
}

impl Rules {
    /// Checks ranges: positive half-life and prior weights, non-negative evidence
    /// weights and dimension weights with a positive sum.
    pub fn validate(&self) -> Result<(), RulesError> {
        let pos = |field: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(RulesError::OutOfRange {
                    field: field.to_string(),
                    expected: "a positive number",
                    got: v,
                })
            }
        };
        let nonneg = |field: String, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(RulesError::OutOfRange {
                    field,
                    expected: "a number ≥ 0",
                    got: v,
                })
            }
        };
        pos("half_life_days", self.half_life_days)?;
        pos("prior_weight", self.prior_weight)?;
        pos("reputation_prior_weight", self.reputation_prior_weight)?;
        pos("review_reply_window_hours", self.review_reply_window_hours)?;
        let w = self.weights.as_array();
        for (d, v) in Dimension::ALL.iter().zip(w) {
            nonneg(format!("weights.{}", d.as_str()), v)?;
        }
        pos("weights (sum)", w.iter().sum())?;
        for &code in ReasonCode::ALL {
            let rule = self.evidence.rule(code);
            nonneg(format!("evidence.{}.r", code.as_str()), rule.r)?;
            nonneg(format!("evidence.{}.s", code.as_str()), rule.s)?;
        }
        Ok(())
    }
}
