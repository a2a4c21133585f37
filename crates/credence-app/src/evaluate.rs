//! The one loading sequence from a store into the trust engine: [`Evaluator`], built
//! once with its rules and whether text counts, used by every command that evaluates
//! trust (`trust`, `merchant`, `rebuild`, `report`, `alerts`, `demo`) and by the
//! server's live engines.
//!
//! The sequence: scan the store; events without customer text go to the engine at once;
//! events with text wait until their analysis is known (from the store's cache, or
//! analysed now and cached — [`crate::text_evidence`]) and then go in with it. Order does
//! not matter to the engine, so holding the text events back changes nothing but when
//! they arrive.

use credence_engine::{Engine, Rules, RulesError, TextSignal};
use credence_events::Event;
use credence_store::{EventStore, Filter, StoreError, TextCache};
use jiff::Timestamp;

use crate::text_evidence::{Deferred, TextError, TextStats, WithText};

/// Why events could not be loaded and evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The rules are refused by the engine.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The text step failed.
    #[error(transparent)]
    Text(#[from] TextError),
    /// The merchant has no events (up to the evaluation time, when one was given).
    #[error(
        "no events for merchant `{merchant}`{}; merchants in the store: {}",
        if up_to.is_some() { " up to --at" } else { "" },
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    NoEvents {
        /// The merchant asked for.
        merchant: String,
        /// The evaluation time given, if any.
        up_to: Option<Timestamp>,
        /// The merchants the store has events of.
        known: Vec<String>,
    },
}

/// Where a replay's events go.
///
/// Any `FnMut(Event, Option<TextSignal>)` is a sink that takes every event.
pub trait Sink {
    /// Whether `ev` goes on to [`Sink::add`]. Every event the scan reads is shown here
    /// first, in scan order (default: all go on).
    fn select(&mut self, ev: &Event) -> bool {
        let _ = ev;
        true
    }
    /// The scan is over; the text step (and the events held back for it) follows.
    fn scanned(&mut self) {}
    /// An event for the engine, with what its text said (`None`: no text evidence).
    fn add(&mut self, ev: Event, signal: Option<TextSignal>);
}

impl<F: FnMut(Event, Option<TextSignal>)> Sink for F {
    fn add(&mut self, ev: Event, signal: Option<TextSignal>) {
        self(ev, signal)
    }
}

/// Which stored events a replay reads.
#[derive(Debug, Clone, Copy)]
pub enum Scan<'a> {
    /// Those matching a filter, by time then id ([`EventStore::scan`]).
    Filter(&'a Filter),
    /// Those accepted after a sequence number, in acceptance order
    /// ([`EventStore::scan_since`]): how the server follows the store.
    Since(i64),
}

/// What a replay did besides feeding its sink.
#[derive(Debug, Clone, Copy, Default)]
pub struct Replayed {
    /// The highest sequence number read (the `after` of a [`Scan::Since`] when none).
    pub last_seq: i64,
    /// The text step: texts, from the cache, analysed now, seconds.
    pub text: TextStats,
}

/// One merchant's events loaded into a fresh engine.
pub struct LoadedMerchant {
    /// The merchant.
    pub merchant: String,
    /// The engine holding its events (up to the evaluation time, when one was given).
    pub engine: Engine,
    /// The evaluation time: the one given, else the time of the merchant's latest event.
    pub at: Timestamp,
    /// The events that carry customer text, with what their text said, in scan order.
    pub texts: Vec<WithText>,
    /// Every event loaded, in scan order — only from [`Evaluator::load_with_events`].
    pub events: Vec<Event>,
}

/// Loads events into engines with one set of rules, with or without text evidence.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Evaluator {
    rules: Rules,
    text: bool,
    progress: bool,
}

impl Evaluator {
    /// An evaluator with `rules` (refused when the engine refuses them) and, when `text`,
    /// the evidence of what reviews, complaints and survey comments say.
    pub fn new(rules: Rules, text: bool) -> Result<Evaluator, RulesError> {
        Engine::new(rules.clone())?;
        Ok(Evaluator {
            rules,
            text,
            progress: false,
        })
    }

    /// With a progress bar on stderr while many new texts are analysed.
    pub fn with_progress(mut self, progress: bool) -> Evaluator {
        self.progress = progress;
        self
    }

    /// The rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Whether text counts.
    pub fn text(&self) -> bool {
        self.text
    }

    /// A fresh engine with these rules.
    pub fn engine(&self) -> Result<Engine, RulesError> {
        Engine::new(self.rules.clone())
    }

    /// The loading sequence itself. Every event `scan` reads is shown to
    /// [`Sink::select`]; those it takes reach [`Sink::add`] — at once without customer
    /// text (signal `None`), after the text step with it.
    pub fn replay<S: EventStore + TextCache + ?Sized>(
        &self,
        store: &S,
        scan: Scan<'_>,
        sink: &mut dyn Sink,
    ) -> Result<Replayed, EvalError> {
        let mut deferred = Deferred::new(self.text);
        let mut last_seq = match scan {
            Scan::Filter(_) => 0,
            Scan::Since(after) => after,
        };
        let mut visit = |stored: credence_store::StoredEvent| {
            last_seq = last_seq.max(stored.seq);
            if sink.select(&stored.event)
                && let Some(ev) = deferred.offer(stored.event)
            {
                sink.add(ev, None);
            }
            Ok(())
        };
        match scan {
            Scan::Filter(filter) => store.scan(filter, &mut visit)?,
            Scan::Since(after) => store.scan_since(after, &mut visit)?,
        }
        sink.scanned();
        let (texts, text) = deferred.resolve(store, self.progress)?;
        for (ev, signal) in texts {
            sink.add(ev, signal);
        }
        Ok(Replayed { last_seq, text })
    }

    /// One merchant's events (up to `up_to`) in a fresh engine. A merchant without
    /// events is an [`EvalError::NoEvents`].
    pub fn load<S: EventStore + TextCache + ?Sized>(
        &self,
        store: &S,
        merchant: &str,
        up_to: Option<Timestamp>,
    ) -> Result<LoadedMerchant, EvalError> {
        self.load_merchant(store, merchant, up_to, false)
    }

    /// As [`Evaluator::load`], keeping every event loaded as well (alerts read them).
    pub fn load_with_events<S: EventStore + TextCache + ?Sized>(
        &self,
        store: &S,
        merchant: &str,
        up_to: Option<Timestamp>,
    ) -> Result<LoadedMerchant, EvalError> {
        self.load_merchant(store, merchant, up_to, true)
    }

    fn load_merchant<S: EventStore + TextCache + ?Sized>(
        &self,
        store: &S,
        merchant: &str,
        up_to: Option<Timestamp>,
        keep_events: bool,
    ) -> Result<LoadedMerchant, EvalError> {
        let mut engine = self.engine()?;
        let filter = Filter {
            merchant: Some(merchant.to_string()),
            up_to,
            ..Filter::default()
        };
        /// Feeds the engine, keeping the texts (and, for alerts, every event).
        struct Load<'a> {
            engine: &'a mut Engine,
            texts: Vec<WithText>,
            events: Option<Vec<Event>>,
        }
        impl Sink for Load<'_> {
            fn select(&mut self, ev: &Event) -> bool {
                if let Some(events) = &mut self.events {
                    events.push(ev.clone());
                }
                true
            }
            fn add(&mut self, ev: Event, signal: Option<TextSignal>) {
                self.engine.add_with_text(&ev, signal.as_ref());
                if signal.is_some() {
                    self.texts.push((ev, signal));
                }
            }
        }
        let mut load = Load {
            engine: &mut engine,
            texts: Vec::new(),
            events: keep_events.then(Vec::new),
        };
        self.replay(store, Scan::Filter(&filter), &mut load)?;
        let Load { texts, events, .. } = load;
        let events = events.unwrap_or_default();
        let Some(latest) = engine.latest_event_time(merchant) else {
            return Err(EvalError::NoEvents {
                merchant: merchant.to_string(),
                up_to,
                known: store.merchants()?,
            });
        };
        Ok(LoadedMerchant {
            merchant: merchant.to_string(),
            engine,
            at: up_to.unwrap_or(latest),
            texts,
            events,
        })
    }
}

/// Parses an evaluation time: RFC 3339, or a date (the end of that day in UTC).
pub fn parse_eval_time(s: &str) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        let end = d.at(23, 59, 59, 999_999_999);
        return jiff::tz::TimeZone::UTC
            .to_timestamp(end)
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "`{s}` is not an RFC 3339 time (2026-03-01T10:00:00+08:00) or a date (2026-03-01)"
    ))
}
