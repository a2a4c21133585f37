//! Reports: the indicator system per merchant and period, with service recovery
//! (docs/indicators.md) — what `credence report` prints and the server's report
//! endpoint answers. [`ReportQuery`] says what to cover; [`load`] reads the store in
//! one scan (the part that holds a connection), [`Loaded::compute`] does the CPU-bound
//! rest spread over the cores; [`Report::rows`] are the `--json` lines. Printing
//! (tables, CSV, the HTML page) is the caller's.

use std::time::{Duration, Instant};

use credence_engine::{Engine, Rules, RulesError};
use credence_indicators::{
    Dataset, DatasetBuilder, Episode, Granularity, Indicators, Options, Period, PeriodError,
    PeriodSpec, RecoveryOptions, RecoverySummary, evaluate_trust, indicators, parse_bound,
    recovery_episodes, summarize,
};
use credence_store::{Filter, Store};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::evaluate::{EvalError, Evaluator, Scan, Sink};

/// One row of the report: a merchant, a period, its indicators and its recovery
/// figures. Serialised, it is exactly one line of `credence report --json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    /// The merchant.
    pub merchant: String,
    /// RFC 3339 with the offset of the report's time zone at that instant (`Z` for UTC).
    pub period_start: String,
    /// The end of the period (exclusive), in the same form.
    pub period_end: String,
    /// The indicators (docs/indicators.md), flattened into the row.
    #[serde(flatten)]
    pub indicators: Indicators,
    /// Service recovery of the episodes that started in the period.
    pub recovery: RecoverySummary,
}

/// What a report covers, parsed and validated: the same for `credence report` and the
/// server's report endpoint.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// One merchant, or every merchant in the store.
    pub merchant: Option<String>,
    /// Start of the range (inclusive); `None`: the day of the first event.
    pub from: Option<Timestamp>,
    /// End of the range (exclusive); `None`: the day after the last event.
    pub to: Option<Timestamp>,
    /// Split into periods; `None`: one period for the whole range.
    pub by: Option<Granularity>,
    /// The time zone of dates and period boundaries.
    pub tz: TimeZone,
    /// Recovery: at most this many episodes per merchant get trust evaluations (0 = all).
    pub recovery_sample: usize,
    /// Whether text counts (trust evidence and the `aspects` indicators).
    pub text: bool,
    /// The engine's evidence rules.
    pub rules: Rules,
}

/// A report parameter that does not parse: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    /// The parameter's name without dashes: `tz`, `from` or `to`.
    pub param: &'static str,
    /// What is wrong with it, naming the value.
    pub message: String,
}

impl ReportQuery {
    /// Parses the range as `credence report` takes it: `from` / `to` are dates (in `tz`;
    /// `to` inclusive) or RFC 3339 times, `tz` an IANA name. The other fields take the
    /// command's defaults (a recovery sample of 100, text on, the default rules).
    pub fn parse(
        merchant: Option<String>,
        from: Option<&str>,
        to: Option<&str>,
        by: Option<Granularity>,
        tz: &str,
    ) -> Result<ReportQuery, ParamError> {
        let zone = TimeZone::get(tz).map_err(|_| ParamError {
            param: "tz",
            message: format!(
                "`{tz}` is not a known IANA time zone (e.g. UTC, Asia/Shanghai, Europe/Paris)"
            ),
        })?;
        let bound = |param: &'static str, s: Option<&str>, end: bool| {
            s.map(|s| parse_bound(s, &zone, end))
                .transpose()
                .map_err(|e| ParamError {
                    param,
                    message: e.to_string(),
                })
        };
        let from = bound("from", from, false)?;
        let to = bound("to", to, true)?;
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ParamError {
                param: "to",
                message: format!("the range is empty: `to` ({t}) is not after `from` ({f})"),
            });
        }
        Ok(ReportQuery {
            merchant,
            from,
            to,
            by,
            tz: zone,
            recovery_sample: 100,
            text: true,
            rules: Rules::default(),
        })
    }
}

/// Why a report could not be made from valid parameters: the caller's (an unknown
/// merchant, an empty store or range) or the store's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The merchant has no events in the store.
    #[error(
        "no events for merchant `{merchant}`; merchants in the store: {}",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    UnknownMerchant {
        /// The merchant asked for.
        merchant: String,
        /// The merchants the store knows.
        known: Vec<String>,
    },
    /// The store has no events at all.
    #[error("the store has no events: load some with `credence ingest FILE`")]
    EmptyStore,
    /// The range holds no time (a bound given alone lies beyond the data).
    #[error("the range is empty: its start {from} is not before its end {to}")]
    EmptyRange {
        /// Its start.
        from: Timestamp,
        /// Its end, not after the start.
        to: Timestamp,
    },
    /// The rules are refused by the engine.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// Reading the store (or the text step) failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The periods cannot be made.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// A worker thread panicked.
    #[error("a worker thread failed while computing the report")]
    WorkerFailed,
}

/// A piece of the report's work.
enum Task {
    /// The recovery episodes of merchant `.0`, with their trust sample.
    Recovery(usize),
    /// The indicators of merchant `.0` for periods `.1...2`.
    Periods(usize, usize, usize),
}

/// What a [`Task`] produced.
enum Done {
    Episodes(Vec<Episode>),
    Rows(Vec<Indicators>),
}

/// Everything computed for one merchant.
pub struct MerchantResult {
    /// The merchant.
    pub name: String,
    /// Each period with its indicators and the recovery of the episodes started in it.
    pub rows: Vec<(Period, Indicators, RecoverySummary)>,
    /// The recovery episodes that started in the range.
    pub episodes: Vec<Episode>,
}

/// A computed report: the rows, and what the HTML page needs besides.
pub struct Report {
    /// Every merchant's facts.
    pub data: Dataset,
    /// The engine holding the reported merchants' events.
    pub engine: Engine,
    /// Per reported merchant, in name order.
    pub results: Vec<MerchantResult>,
    /// The periods asked for.
    pub spec: PeriodSpec,
    /// The whole range reported.
    pub range: Period,
    /// How many periods.
    pub periods: usize,
    /// Time spent reading the store (and the text cache).
    pub loaded: Duration,
    /// Time spent on the indicators and recovery after loading.
    pub computed: Duration,
}

impl Report {
    /// The rows, merchant by merchant and period by period: what `--json` prints, one
    /// line each (with one merchant and no `by`, the one object).
    pub fn rows(&self) -> Vec<ReportRow> {
        let tz = &self.spec.tz;
        self.results
            .iter()
            .flat_map(|r| {
                r.rows.iter().map(|(p, ind, rec)| ReportRow {
                    merchant: r.name.clone(),
                    period_start: local_time(p.start, tz),
                    period_end: local_time(p.end, tz),
                    indicators: ind.clone(),
                    recovery: rec.clone(),
                })
            })
            .collect()
    }
}

/// The indicator options that follow the engine's rules: what a negative review is and
/// how long a reply may take (defaults: ≤ 2 stars, 48 h), so `--config` moves both.
pub fn indicator_options(rules: &Rules) -> Options {
    Options {
        negative_max_rating: rules.review_reply_max_rating,
        reply_window: jiff::SignedDuration::from_secs_f64(rules.review_reply_window_hours * 3600.0),
        ..Options::default()
    }
}

/// Computes the report of `query` from the store: [`load`], then [`Loaded::compute`].
/// Blocking and CPU-bound (seconds on a large store). Errors that are the caller's are
/// a [`ReportError`]. `progress`: a progress bar on stderr while many new texts are
/// analysed.
pub fn compute(
    store: &dyn Store,
    query: &ReportQuery,
    progress: bool,
) -> Result<Report, ReportError> {
    load(store, query, progress)?.compute()
}

/// What a report is computed from, read from the store: every merchant's facts and an
/// engine holding the reported merchants' events. Needs no store any more.
pub struct Loaded {
    data: Dataset,
    engine: Engine,
    query: ReportQuery,
    loaded: Duration,
}

/// Reads what the report of `query` needs in one scan of the store (the part that holds
/// a store connection; text analyses come from the store's cache, missing ones are
/// analysed and cached).
pub fn load(store: &dyn Store, query: &ReportQuery, progress: bool) -> Result<Loaded, ReportError> {
    let t0 = Instant::now();
    // One scan: every merchant's facts (the Bayesian rating prior needs all reviews),
    // the engine only for the merchants reported; text evidence and the `aspects`
    // indicators from the texts of those (analysed once, cached in the store).
    let evaluator = Evaluator::new(query.rules.clone(), query.text)?.with_progress(progress);
    let mut engine = evaluator.engine()?;
    let mut builder = DatasetBuilder::new();
    struct Load<'a> {
        builder: &'a mut DatasetBuilder,
        engine: &'a mut Engine,
        merchant: Option<&'a str>,
    }
    impl Sink for Load<'_> {
        fn select(&mut self, ev: &credence_events::Event) -> bool {
            self.builder.add(ev);
            self.merchant.is_none_or(|m| m == ev.merchant)
        }
        fn add(&mut self, ev: credence_events::Event, signal: Option<credence_engine::TextSignal>) {
            self.engine.add_with_text(&ev, signal.as_ref());
            if let Some(s) = &signal {
                self.builder.add_text(&ev, s);
            }
        }
    }
    evaluator.replay(
        store,
        Scan::Filter(&Filter::default()),
        &mut Load {
            builder: &mut builder,
            engine: &mut engine,
            merchant: query.merchant.as_deref(),
        },
    )?;
    Ok(Loaded {
        data: builder.build(),
        engine,
        query: query.clone(),
        loaded: t0.elapsed(),
    })
}

impl Loaded {
    /// The indicators and recovery of every merchant and period, spread over the cores.
    pub fn compute(self) -> Result<Report, ReportError> {
        let t0 = Instant::now();
        let Loaded {
            data,
            engine,
            query,
            loaded,
        } = self;
        let query = &query;

        let merchants: Vec<String> = match &query.merchant {
            Some(m) => {
                if data.span(Some(m)).is_none() {
                    return Err(ReportError::UnknownMerchant {
                        merchant: m.clone(),
                        known: data.merchants().into_iter().map(String::from).collect(),
                    });
                }
                vec![m.clone()]
            }
            None => data.merchants().into_iter().map(String::from).collect(),
        };
        let Some((first, last)) = data.span(query.merchant.as_deref()) else {
            return Err(ReportError::EmptyStore);
        };
        let spec = PeriodSpec {
            from: query.from,
            to: query.to,
            by: query.by,
            tz: query.tz.clone(),
        };
        let periods = match spec.periods(first, last) {
            Ok(p) => p,
            Err(PeriodError::EmptyRange { from, to }) => {
                return Err(ReportError::EmptyRange { from, to });
            }
            Err(e) => return Err(e.into()),
        };
        let range = Period {
            start: periods[0].start,
            end: periods[periods.len() - 1].end,
            previous_start: periods[0].previous_start,
        };

        let opts = indicator_options(engine.rules());
        let ropts = RecoveryOptions {
            negative_max_rating: opts.negative_max_rating,
            max_evaluated: match query.recovery_sample {
                0 => usize::MAX,
                n => n,
            },
            ..RecoveryOptions::default()
        };
        // Independent pieces of work, spread over the cores (the engine is read-only): the
        // recovery of each merchant (the longest, first) and its periods in chunks.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .max(1);
        let chunk = periods.len().div_ceil(threads).max(1);
        let mut tasks: Vec<Task> = (0..merchants.len()).map(Task::Recovery).collect();
        for m in 0..merchants.len() {
            for start in (0..periods.len()).step_by(chunk) {
                tasks.push(Task::Periods(m, start, (start + chunk).min(periods.len())));
            }
        }
        let run_task = |t: &Task| match *t {
            Task::Recovery(m) => {
                // Episodes starting in the range; the trust sample is drawn among those.
                let mut episodes = recovery_episodes(&data, &merchants[m], &ropts);
                episodes.retain(|e| range.contains(e.start));
                evaluate_trust(&engine, &merchants[m], &mut episodes, ropts.max_evaluated);
                Done::Episodes(episodes)
            }
            Task::Periods(m, a, b) => Done::Rows(indicators(
                &data,
                &engine,
                &merchants[m],
                &periods[a..b],
                &opts,
            )),
        };
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut done: Vec<(usize, Done)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.min(tasks.len()))
                .map(|_| {
                    let (tasks, next, run_task) = (&tasks, &next, &run_task);
                    s.spawn(move || {
                        let mut out = Vec::new();
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(t) = tasks.get(k) else { break };
                            out.push((k, run_task(t)));
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
        if done.len() != tasks.len() {
            return Err(ReportError::WorkerFailed);
        }
        done.sort_by_key(|d| d.0);
        let mut episodes_of: Vec<Vec<Episode>> = vec![Vec::new(); merchants.len()];
        let mut rows_of: Vec<Vec<Indicators>> = vec![Vec::new(); merchants.len()];
        for ((_, d), t) in done.into_iter().zip(&tasks) {
            match (t, d) {
                (Task::Recovery(m), Done::Episodes(e)) => episodes_of[*m] = e,
                (Task::Periods(m, ..), Done::Rows(r)) => rows_of[*m].extend(r),
                // Tasks and their results are zipped in order: a mismatch cannot happen.
                _ => return Err(ReportError::WorkerFailed),
            }
        }
        let results: Vec<MerchantResult> = merchants
            .iter()
            .zip(rows_of.into_iter().zip(episodes_of))
            .map(|(name, (ind, episodes))| MerchantResult {
                name: name.clone(),
                rows: periods
                    .iter()
                    .zip(ind)
                    .map(|(p, i)| (*p, i, summarize(&episodes, Some(p))))
                    .collect(),
                episodes,
            })
            .collect();
        Ok(Report {
            data,
            engine,
            results,
            spec,
            range,
            periods: periods.len(),
            loaded,
            computed: t0.elapsed(),
        })
    }
}

/// A period bound as RFC 3339 with the offset of `tz` at that instant (`Z` in UTC).
pub fn local_time(t: Timestamp, tz: &TimeZone) -> String {
    let offset = t.to_zoned_datetime(tz.clone()).offset();
    if offset.seconds() == 0 {
        t.to_string()
    } else {
        t.display_with_offset(offset).to_string()
    }
}
