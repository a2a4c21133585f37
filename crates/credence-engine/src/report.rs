//! Output types. Their JSON (via `serde`) is the stable shape of `credence trust --json`
//! and `credence merchant --json`.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::rules::{Dimension, ReasonCode};

/// A lifecycle stage of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// First contact: fewer than 3 evidence-bearing events (接纳, accept).
    Initial,
    /// Growing (认同, approve).
    Developing,
    /// Relied upon: high trust, low uncertainty, tenure and advocacy (信赖, rely).
    Committed,
    /// Trust fell or recent negative evidence on a low score.
    AtRisk,
    /// Churned, or silent for a year.
    Ended,
}

impl Stage {
    /// All stages, in lifecycle order.
    pub const ALL: [Stage; 5] = [
        Stage::Initial,
        Stage::Developing,
        Stage::Committed,
        Stage::AtRisk,
        Stage::Ended,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initial => "initial",
            Stage::Developing => "developing",
            Stage::Committed => "committed",
            Stage::AtRisk => "at_risk",
            Stage::Ended => "ended",
        }
    }
}

/// The opinion on one dimension.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DimensionReport {
    /// Expected trust P = b + a·u, on 0–100.
    pub score: f64,
    /// Belief b, 0–1.
    pub belief: f64,
    /// Disbelief d, 0–1.
    pub disbelief: f64,
    /// Uncertainty u, 0–1.
    pub uncertainty: f64,
    /// Base rate a, 0–1 (leave-one-out merchant reputation; a0 for a merchant).
    pub base_rate: f64,
}

/// The four dimensions, by name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Ability.
    pub ability: DimensionReport,
    /// Integrity.
    pub integrity: DimensionReport,
    /// Benevolence.
    pub benevolence: DimensionReport,
    /// Affect.
    pub affect: DimensionReport,
}

impl Dimensions {
    /// The report of one dimension.
    pub fn get(&self, d: Dimension) -> &DimensionReport {
        match d {
            Dimension::Ability => &self.ability,
            Dimension::Integrity => &self.integrity,
            Dimension::Benevolence => &self.benevolence,
            Dimension::Affect => &self.affect,
        }
    }
}

/// One evidence item that moved the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The id of the event the item comes from.
    pub event: String,
    /// The reason code (row of the evidence table).
    pub reason: ReasonCode,
    /// The dimension it speaks to.
    pub dimension: Dimension,
    /// Signed impact in points of `score`: score minus score without this item.
    pub impact: f64,
    /// A sentence in English.
    pub text_en: String,
    /// The same sentence in Chinese.
    pub text_zh: String,
}

/// A stage and when the relationship entered it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageChange {
    /// The stage.
    pub stage: Stage,
    /// The evaluation point (an event or a deadline) at which it was entered.
    pub since: Timestamp,
}

/// Trust of one relationship (or, inside [`MerchantReport`], of a merchant) at an
/// evaluation time. Values are full precision; see [`TrustReport::rounded`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustReport {
    /// The merchant.
    pub merchant: String,
    /// The customer; `None` (JSON null) for a merchant's reputation.
    pub customer: Option<String>,
    /// The evaluation time.
    pub at: Timestamp,
    /// Overall trust T on 0–100.
    pub score: f64,
    /// Overall uncertainty U, 0–1: weighted mean of u over dimensions with evidence
    /// (1 when no dimension has evidence).
    pub uncertainty: f64,
    /// Cognitive trust (integrity + ability) on 0–100.
    pub cognitive: f64,
    /// Affective trust (benevolence + affect) on 0–100.
    pub affective: f64,
    /// Lifecycle stage; `None` for a merchant.
    pub stage: Option<Stage>,
    /// The opinion per dimension.
    pub dimensions: Dimensions,
    /// The evidence items that moved the score most, largest |impact| first.
    pub reasons: Vec<Reason>,
    /// Stage changes up to `at`, oldest first; the last entry is `stage`.
    pub stage_history: Vec<StageChange>,
}

/// Customers of a merchant per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageCounts {
    /// In `initial`.
    pub initial: usize,
    /// In `developing`.
    pub developing: usize,
    /// In `committed`.
    pub committed: usize,
    /// In `at_risk`.
    pub at_risk: usize,
    /// In `ended`.
    pub ended: usize,
}

impl StageCounts {
    pub(crate) fn add(&mut self, s: Stage) {
        match s {
            Stage::Initial => self.initial += 1,
            Stage::Developing => self.developing += 1,
            Stage::Committed => self.committed += 1,
            Stage::AtRisk => self.at_risk += 1,
            Stage::Ended => self.ended += 1,
        }
    }
}

/// A merchant's reputation: the trust report shape (customer null, no stage) plus the
/// number of its customers in each stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MerchantReport {
    /// The reputation.
    #[serde(flatten)]
    pub report: TrustReport,
    /// Customers per stage at `at`.
    pub stages: StageCounts,
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl DimensionReport {
    fn rounded(&self) -> DimensionReport {
        DimensionReport {
            score: r2(self.score),
            belief: r4(self.belief),
            disbelief: r4(self.disbelief),
            uncertainty: r4(self.uncertainty),
            base_rate: r4(self.base_rate),
        }
    }
}

impl TrustReport {
    /// The report rounded for display: points (`score`, `cognitive`, `affective`,
    /// dimension scores, `impact`) to 2 decimals, 0–1 values to 4 decimals.
    pub fn rounded(&self) -> TrustReport {
        let d = &self.dimensions;
        TrustReport {
            score: r2(self.score),
            uncertainty: r4(self.uncertainty),
            cognitive: r2(self.cognitive),
            affective: r2(self.affective),
            dimensions: Dimensions {
                ability: d.ability.rounded(),
                integrity: d.integrity.rounded(),
                benevolence: d.benevolence.rounded(),
                affect: d.affect.rounded(),
            },
            reasons: self
                .reasons
                .iter()
                .map(|r| Reason {
                    impact: r2(r.impact),
                    ..r.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

impl MerchantReport {
    /// See [`TrustReport::rounded`].
    pub fn rounded(&self) -> MerchantReport {
        MerchantReport {
            report: self.report.rounded(),
            stages: self.stages,
        }
    }
}
