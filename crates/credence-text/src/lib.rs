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

impl Analyzer {
    /// Analyse every line of `input` (one text per line, `\r\n` or `\n`) and write one
    /// line per input line, in order, to `output`: the JSON of [`Analysis`] when `json`,
    /// else the human form of its `Display`. Returns the number of lines. This is the
    /// body of `credence text [--json] [FILE]`; a broken pipe comes back as the
    /// `io::Error` (`ErrorKind::BrokenPipe`) for the caller to treat as a normal end.
    pub fn analyze_lines<R: std::io::BufRead, W: std::io::Write>(
        &self,
        input: R,
        mut output: W,
        json: bool,
    ) -> std::io::Result<usize> {
        let mut n = 0;
        for line in input.lines() {
            let line = line?;
            let a = self.analyze(line.strip_suffix('\r').unwrap_or(&line));
            if json {
                serde_json::to_writer(&mut output, &a)?;
                output.write_all(b"\n")?;
            } else {
                writeln!(output, "{a}")?;
            }
            n += 1;
        }
        output.flush()?;
        Ok(n)
    }
}

impl Analysis {
    /// The text a mention's polarity was read from (its clause, extended over the
    /// aspect-less clauses after it): the snippet to quote in a reason.
    pub fn snippet(&self, mention: &AspectMention) -> &str {
        char_slice(&self.text, mention.clause)
    }

    /// The keyword of a mention, as written in the text.
    pub fn keyword(&self, mention: &AspectMention) -> &str {
        char_slice(&self.text, mention.span)
    }
}

fn char_slice(text: &str, [start, end]: [usize; 2]) -> &str {
    let mut idx = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let b0 = idx.nth(start).unwrap_or(text.len());
    let b1 = if end > start {
        idx.nth(end - start - 1).unwrap_or(text.len())
    } else {
        b0
    };
    &text[b0..b1]
}

/// Human form: `positive 0.53 zh    product_quality+ delivery-  | text`.
impl std::fmt::Display for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = if self.sentiment.is_positive() {
            "positive"
        } else {
            "negative"
        };
        write!(
            f,
            "{label} {:.2} {:<5}",
            self.sentiment.score,
            self.lang.as_str()
        )?;
        for m in &self.aspects {
            let sign = if m.polarity == Polarity::Positive {
                '+'
            } else {
                '-'
            };
            write!(f, " {}{sign}", m.aspect.as_str())?;
        }
        write!(f, "  | {}", self.text)
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
    fn snippets_and_keywords_are_char_ranges() {
        let a = analyze("茶叶不错，但是晚到了一天");
        assert_eq!(a.keyword(&a.aspects[0]), "茶叶");
        assert_eq!(a.snippet(&a.aspects[0]), "茶叶不错");
        assert_eq!(a.keyword(&a.aspects[1]), "晚到");
        assert_eq!(a.snippet(&a.aspects[1]), "晚到了一天");
        assert_eq!(char_slice("abc", [1, 1]), "");
        assert_eq!(char_slice("abc", [1, 3]), "bc");
    }

    #[test]
    fn analyze_lines_keeps_order_and_count() {
        let analyzer = shared();
        let input = "茶叶不错，但是晚到了一天\r\n\nThe tea was great\n";
        let mut out = Vec::new();
        let n = analyzer
            .analyze_lines(input.as_bytes(), &mut out, true)
            .unwrap_or(0);
        assert_eq!(n, 3);
        let text = String::from_utf8(out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with(r#"{"text":"茶叶不错，但是晚到了一天","lang":"zh""#));
        assert!(lines[1].starts_with(r#"{"text":"","lang":"en""#));
        let mut human = Vec::new();
        analyzer
            .analyze_lines("茶叶不错，但是晚到了一天".as_bytes(), &mut human, false)
            .unwrap_or(0);
        let human = String::from_utf8(human).unwrap_or_default();
        assert!(
            human.contains("zh") && human.contains("product_quality+ delivery-"),
            "{human}"
        );
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
