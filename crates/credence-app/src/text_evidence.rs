//! Text evidence for everything that builds engines (through [`crate::Evaluator`]:
//! `trust`, `merchant`, `rebuild`, `report`, `alerts`, `demo` and the server's live
//! engines): the customer's words in reviews, complaints, ticket messages and
//! survey comments are analysed with `credence-text`, lazily — never at ingest — and the
//! result is cached in the store ([`TextCache`], table `text_analysis`), so the first
//! evaluation that needs a text analyses it and later ones read it.
//!
//! The engine stays free of `credence-text`: what it gets is a [`TextSignal`] (the cache
//! entry's JSON), made here from a [`credence_text::Analysis`].

use std::sync::OnceLock;
use std::time::Instant;

use credence_engine::{Dimension, TextAspect, TextSignal};
use credence_events::{Event, EventBody};
use credence_store::{StoreError, TextCache};
use credence_text::{Analysis, Analyzer, Polarity};
use serde::Serialize;

/// Why the text step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The shipped text model does not load.
    #[error("cannot load the text model")]
    Model(#[source] credence_text::ModelError),
    /// The store's text cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A cached or new analysis does not (de)serialise.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A worker thread panicked.
    #[error("a text-analysis thread failed")]
    ThreadFailed,
}

/// Version of the `Analysis → TextSignal` conversion: part of the cache's model id, so
/// changing it re-analyses.
const CONVERSION: &str = "textev1";

/// Longest quoted snippet and excerpt, in characters.
const QUOTE_CHARS: usize = 40;

/// The customer's words that are evidence: a review's or complaint's text, a survey
/// comment. Not a ticket's message: it describes the problem the customer wants solved
/// (it reads negative almost always), and the ticket's own outcome — answered within
/// its SLA, solved — is already the evidence; counting the message too made every
/// request for help lower trust (on the demo, at-risk customers of the electronics
/// store went from 93 to 677).
pub fn customer_text(ev: &Event) -> Option<&str> {
    let t = match &ev.body {
        EventBody::Review { text, .. } | EventBody::Complaint { text, .. } => text.as_deref(),
        EventBody::Survey { comment, .. } => comment.as_deref(),
        _ => None,
    }?;
    ev.customer.as_ref()?;
    (!t.trim().is_empty()).then_some(t)
}

/// The shared analyzer (jieba's dictionary loads once per process, and only when a
/// text has to be analysed).
fn analyzer() -> Result<&'static Analyzer, TextError> {
    static A: OnceLock<Analyzer> = OnceLock::new();
    if let Some(a) = A.get() {
        return Ok(a);
    }
    let a = Analyzer::embedded().map_err(TextError::Model)?;
    Ok(A.get_or_init(|| a))
}

/// The cache's model id: the conversion version and a hash of the shipped weights.
fn model_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let bytes = credence_text::Model::embedded()
            .map(|m| m.weights_to_bytes())
            .unwrap_or_default();
        // FNV-1a, 64 bits.
        let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{CONVERSION}-{h:016x}")
    })
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= QUOTE_CHARS {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(QUOTE_CHARS - 1).collect();
        out.push('…');
        out
    }
}

/// What the engine gets from an analysis: P(positive), each aspect mention with its
/// dimension (`Aspect::dimension()`) and the clause it was read from.
pub fn signal(a: &Analysis) -> TextSignal {
    TextSignal {
        sentiment: a.sentiment.score,
        aspects: a
            .aspects
            .iter()
            .map(|m| TextAspect {
                aspect: m.aspect.as_str().to_string(),
                dimension: match m.aspect.dimension() {
                    "ability" => Dimension::Ability,
                    "integrity" => Dimension::Integrity,
                    "benevolence" => Dimension::Benevolence,
                    _ => Dimension::Affect,
                },
                positive: m.polarity == Polarity::Positive,
                snippet: clip(
                    a.snippet(m)
                        .trim_matches(|c: char| c.is_whitespace() || "，。！？；,.!?;".contains(c)),
                ),
            })
            .collect(),
        excerpt: clip(&a.text),
    }
}

/// What the text step did (`rebuild --json` reports it).
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct TextStats {
    /// Events with customer text.
    pub texts: u64,
    /// Of which found in the cache.
    pub cached: u64,
    /// Of which analysed now (and stored).
    pub analysed: u64,
    /// Seconds spent (cache reads, analysis, cache writes).
    pub seconds: f64,
}

/// An event with its text signal (`None`: no analysis).
pub type WithText = (Event, Option<TextSignal>);

/// Events set aside during a scan because they carry text: they reach the engine once
/// their analysis is known.
#[derive(Debug, Default)]
pub struct Deferred {
    enabled: bool,
    events: Vec<Event>,
}

impl Deferred {
    /// `enabled = false` (`--no-text`) sets nothing aside.
    pub fn new(enabled: bool) -> Self {
        Deferred {
            enabled,
            events: Vec::new(),
        }
    }

    /// Keeps `ev` if it has customer text (returns `None`), else gives it back.
    pub fn offer(&mut self, ev: Event) -> Option<Event> {
        if self.enabled && customer_text(&ev).is_some() {
            self.events.push(ev);
            None
        } else {
            Some(ev)
        }
    }

    /// The kept events with their text signals: read from the cache, the missing ones
    /// analysed (on every core, with a progress bar when `progress` and there are many)
    /// and stored.
    pub fn resolve<S: TextCache + ?Sized>(
        self,
        store: &S,
        progress: bool,
    ) -> Result<(Vec<WithText>, TextStats), TextError> {
        if self.events.is_empty() {
            // Nothing to look up: not even the model id (it hashes the model's weights).
            return Ok((Vec::new(), TextStats::default()));
        }
        let started = Instant::now();
        let model = model_id();
        let n = self.events.len();
        let mut signals: Vec<Option<TextSignal>> = vec![None; n];
        let mut stats = TextStats {
            texts: n as u64,
            ..TextStats::default()
        };
        {
            let ids: Vec<&str> = self.events.iter().map(|e| e.id.as_str()).collect();
            let pos: std::collections::HashMap<&str, usize> =
                ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
            store.get_text_analyses(model, &ids, &mut |id, json| {
                if let (Some(&i), Ok(s)) = (pos.get(id), serde_json::from_str(json)) {
                    signals[i] = Some(s);
                }
            })?;
        }
        let missing: Vec<usize> = (0..n).filter(|&i| signals[i].is_none()).collect();
        stats.cached = (n - missing.len()) as u64;
        if !missing.is_empty() {
            let a = analyzer()?;
            let bar = if progress && missing.len() >= 2_000 {
                let bar = indicatif::ProgressBar::new(missing.len() as u64);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{spinner} analysing text [{bar:30}] {human_pos}/{human_len} {per_sec}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            let threads = std::thread::available_parallelism()
                .map_or(1, |t| t.get())
                .min(missing.len().div_ceil(256))
                .max(1);
            let events = &self.events;
            let done: Vec<(usize, TextSignal)> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|k| {
                        let (missing, bar) = (&missing, &bar);
                        s.spawn(move || {
                            let mut out = Vec::new();
                            for &i in missing.iter().skip(k).step_by(threads) {
                                let text = customer_text(&events[i]).unwrap_or_default();
                                out.push((i, signal(&a.analyze(text))));
                                bar.inc(1);
                            }
                            out
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            });
            bar.finish_and_clear();
            if done.len() != missing.len() {
                return Err(TextError::ThreadFailed);
            }
            for chunk in done.chunks(20_000) {
                let entries: Vec<(&str, String)> = chunk
                    .iter()
                    .map(|(i, s)| Ok((self.events[*i].id.as_str(), serde_json::to_string(s)?)))
                    .collect::<Result<_, serde_json::Error>>()?;
                store.put_text_analyses(model, &entries)?;
            }
            stats.analysed = done.len() as u64;
            for (i, s) in done {
                signals[i] = Some(s);
            }
        }
        stats.seconds = started.elapsed().as_secs_f64();
        Ok((self.events.into_iter().zip(signals).collect(), stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tea_review_becomes_a_signal() {
        let a = analyzer().unwrap();
        let s = signal(&a.analyze("茶叶不错，但是晚到了一天"));
        let dims: Vec<(Dimension, bool)> = s
            .aspects
            .iter()
            .map(|x| (x.dimension, x.positive))
            .collect();
        assert_eq!(
            dims,
            vec![(Dimension::Ability, true), (Dimension::Integrity, false)]
        );
        assert_eq!(s.aspects[0].snippet, "茶叶不错");
        assert_eq!(s.excerpt, "茶叶不错，但是晚到了一天");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<TextSignal>(&json).unwrap(), s);
    }
}
