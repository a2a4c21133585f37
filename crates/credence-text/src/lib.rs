//! credence-text: review, complaint, ticket and survey-comment text analysis in Chinese
//! and English — language, sentiment and aspects.
//!
//! This crate owns reading text. It is pure: no network, no clock, no global I/O. The
//! sentiment model is either the one shipped in `model/` (embedded with
//! `include_bytes!`, see [`Model::embedded`]) or loaded from a path the caller gives
//! ([`Model::from_dir`]). It must never depend on the engine, the store or the CLI; they
//! depend on it.
//!
//! # Layout
//!
//! * [`lang`] — `zh` / `en` / `mixed` by script proportions;
//! * [`features`] — hashed n-gram and VADER features, shared by training and inference;
//! * [`vader`] — the VADER valence rules over its MIT lexicon (English dense features);
//! * [`model`] — the two logistic models (Chinese, English), calibration, file format;
//! * [`aspects`] — jieba segmentation, clauses, aspect lexicons, per-mention polarity;
//! * [`train`] and [`data`] — training (used by the `credence-train-text` binary) and
//!   parsers for the labelled data sets; [`metrics`] — accuracy, macro-F1, calibration.
//!
//! # Use
//!
//! ```
//! let a = credence_text::analyze("茶叶不错，但是晚到了一天");
//! assert_eq!(a.lang, credence_text::Lang::Zh);
//! let json = serde_json::to_string(&a).unwrap();
//! assert!(json.starts_with("{\"text\":\"茶叶不错，但是晚到了一天\",\"lang\":\"zh\""));
//! ```

pub mod aspects;
pub mod data;
pub mod features;
pub mod lang;
pub mod metrics;
pub mod model;
pub mod train;
pub mod vader;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

pub use aspects::{Aspect, AspectExtractor, AspectMention, Polarity};
pub use lang::{Lang, detect};
pub use model::Model;

/// Errors loading a sentiment model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A model file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bytes do not start with the model magic `CRDTXT01`.
    #[error("not a credence-text model (bad magic)")]
    BadMagic,
    /// The file ends early.
    #[error("model file is truncated")]
    Truncated,
    /// The file is structurally wrong.
    #[error("malformed model: {0}")]
    Format(String),
    /// A line of the VADER lexicon is malformed (line 0: the lexicon is empty).
    #[error("malformed VADER lexicon at line {line}")]
    Lexicon {
        /// 1-based line number.
        line: usize,
    },
}

/// Sentiment polarity label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// P(positive) ≥ 0.5.
    Positive,
    /// P(positive) < 0.5.
    Negative,
}

/// Sentiment of a text: label and calibrated probability of being positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// `Positive` iff `score >= 0.5`.
    pub label: Label,
    /// Calibrated P(positive) in [0, 1] (serialised rounded to 4 decimals).
    #[serde(serialize_with = "round4")]
    pub score: f32,
}

fn round4<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*v) * 10_000.0).round() / 10_000.0)
}

impl Sentiment {
    /// From a probability of being positive.
    pub fn from_probability(p: f32) -> Self {
        let score = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let label = if score >= 0.5 {
            Label::Positive
        } else {
            Label::Negative
        };
        Sentiment { label, score }
    }

    /// Whether the label is positive.
    pub fn is_positive(&self) -> bool {
        self.label == Label::Positive
    }
}

/// The analysis of one text. The text is carried in the struct (owned) so the JSON
/// line is self-contained:
/// `{"text","lang","sentiment":{"label","score"},"aspects":[{"aspect","polarity","span"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The input text, unchanged.
    pub text: String,
    /// Detected language.
    pub lang: Lang,
    /// Whole-text sentiment.
    pub sentiment: Sentiment,
    /// Aspect mentions in text order.
    pub aspects: Vec<AspectMention>,
}

/// A model plus the aspect extractor: everything needed to analyse text. Build once
/// (jieba's dictionary takes a fraction of a second to load) and share; it is `Sync`.
#[derive(Debug)]
pub struct Analyzer {
    model: Model,
    extractor: AspectExtractor,
}

impl Analyzer {
    /// An analyzer over `model`.
    pub fn new(model: Model) -> Self {
        Analyzer {
            model,
            extractor: AspectExtractor::new(),
        }
    }

    /// An analyzer over the shipped, embedded model.
    pub fn embedded() -> Result<Self, ModelError> {
        Ok(Self::new(Model::embedded()?))
    }

    /// The sentiment model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Sentiment only (the fast path: no segmentation).
    pub fn sentiment(&self, text: &str) -> Sentiment {
        self.model.sentiment(text)
    }

    /// Language, sentiment and aspects of `text`.
    pub fn analyze(&self, text: &str) -> Analysis {
        Analysis {
            text: text.to_string(),
            lang: detect(text),
            sentiment: self.model.sentiment(text),
            aspects: self.extractor.extract(text, &self.model),
        }
    }
}

fn shared() -> &'static Analyzer {
    static SHARED: OnceLock<Analyzer> = OnceLock::new();
    SHARED.get_or_init(|| {
        // The embedded model is checked by the crate's tests; failing to parse it is a
        // build defect, not a runtime condition.
        #[allow(clippy::expect_used)]
        Analyzer::embedded().expect("the embedded credence-text model is valid")
    })
}

/// Analyse `text` with the shipped model (a process-wide [`Analyzer`], built on first
/// use). Use [`Analyzer`] directly to load another model.
pub fn analyze(text: &str) -> Analysis {
    shared().analyze(text)
}

/// Sentiment of `text` with the shipped model.
pub fn sentiment(text: &str) -> Sentiment {
    shared().sentiment(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aspects(a: &Analysis) -> Vec<(Aspect, Polarity)> {
        a.aspects.iter().map(|m| (m.aspect, m.polarity)).collect()
    }

    #[test]
    fn chinese_example_has_two_aspects_with_their_own_polarity() {
        let a = analyze("茶叶不错，但是晚到了一天");
        assert_eq!(
            aspects(&a),
            vec![
                (Aspect::ProductQuality, Polarity::Positive),
                (Aspect::Delivery, Polarity::Negative)
            ]
        );
        assert_eq!(a.aspects[0].span, [0, 2]);
        assert_eq!(a.aspects[1].span, [7, 9]);
    }

    #[test]
    fn english_example_has_two_aspects_with_their_own_polarity() {
        let a = analyze("The tea was great but it arrived two days late");
        assert_eq!(
            aspects(&a),
            vec![
                (Aspect::ProductQuality, Polarity::Positive),
                (Aspect::Delivery, Polarity::Negative)
            ]
        );
        assert_eq!(a.aspects[0].span, [4, 7]);
        assert_eq!(a.aspects[1].span, [25, 32]);
    }
}
