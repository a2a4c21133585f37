//! Alerts from a merchant's events: the daily negative-signal streams the crisis
//! detector watches, and the customer-risk inputs, built from events and the trust
//! engine and handed to `credence-watch`; and the alert list of `credence alerts` and
//! the server ([`compute`]), with the statuses people set ([`set_status`]).
//!
//! Everything here is a function of the events up to the evaluation time (never of
//! arrival order), so a historical import yields the alerts it would have raised then.
//! Days are UTC calendar days.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use credence_engine::Engine;
use credence_engine::promise::{self, Outcome, PromiseKind, PromiseTerms, Role};
use credence_events::{Event, EventBody, TicketStatus};
use credence_store::{Store, StoreError};
use credence_watch::alert::{customer_risk_alert, dedup, merchant_crisis_alerts};
use credence_watch::bgnbd;
use credence_watch::detect::{Calibration, CalibrationError, SeriesBuilder, streams};
use credence_watch::{Alert, RiskInputs, Status};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::evaluate::{EvalError, Evaluator};

const DAY_US: i64 = 86_400_000_000;

/// How far back customer risk is evaluated, and how often.
#[derive(Debug, Clone, Copy)]
pub struct RiskWindow {
    /// Evaluation points, one per `step_days`, ending at the evaluation time.
    pub points: u32,
    /// Days between points.
    pub step_days: i64,
}

impl Default for RiskWindow {
    fn default() -> Self {
        RiskWindow {
            points: 13,
            step_days: 7,
        }
    }
}

fn date(t: Timestamp) -> Date {
    jiff::tz::TimeZone::UTC.to_datetime(t).date()
}

/// The negative-signal streams of one merchant (see `credence_watch::detect::streams`)
/// and, per (stream, day), the ids of the events behind the counted signals.
pub struct Streams {
    builder: SeriesBuilder,
    evidence: HashMap<(String, Date), Vec<String>>,
    first: Option<Date>,
}

impl Streams {
    fn add(&mut self, stream: &str, at: Timestamp, negative: bool, event: &str) {
        let d = date(at);
        self.builder.add(stream, d, u64::from(negative), 1.0);
        if negative {
            self.evidence
                .entry((stream.to_string(), d))
                .or_default()
                .push(event.to_string());
        }
        self.first = Some(self.first.map_or(d, |f| f.min(d)));
    }
}

/// What the text of one review or complaint said, per aspect: `(aspect, positive)`.
pub type TextAspects<'a> = (&'a Event, Vec<(String, bool)>);

/// Builds the streams from one merchant's events (any order) as known at `at`, with
/// the negative-aspect streams from the text of its reviews and complaints.
pub fn build_streams(
    events: &[&Event],
    texts: &[TextAspects<'_>],
    at: Timestamp,
    terms: &PromiseTerms,
) -> Streams {
    let mut s = Streams {
        builder: SeriesBuilder::new(),
        evidence: HashMap::new(),
        first: None,
    };
    // Promises and what resolved them, by the one rule (credence_engine::promise):
    // each side the earliest event by (time, id), whatever the arrival order.
    type Side<'e> = Option<(Timestamp, &'e str, Option<Timestamp>, bool)>;
    let mut promises: BTreeMap<(PromiseKind, &str), (Side<'_>, Side<'_>)> = BTreeMap::new();
    let mut orders_per_day: BTreeMap<Date, f64> = BTreeMap::new();
    let mut complaints: Vec<(Timestamp, String, &str)> = Vec::new();
    for e in events.iter().filter(|e| e.at <= at) {
        for l in promise::links(e, terms) {
            let slot = promises.entry((l.kind, l.subject)).or_default();
            let (side, deadline, broken) = match l.role {
                Role::Defines { deadline: None } => continue,
                Role::Defines { deadline } => (&mut slot.0, deadline, false),
                Role::Resolves { broken } => (&mut slot.1, None, broken),
            };
            if side.is_none_or(|(t, id, _, _)| promise::precedes((e.at, e.id.as_str()), (t, id))) {
                *side = Some((e.at, &e.id, deadline, broken));
            }
        }
        match &e.body {
            EventBody::Order { .. } => *orders_per_day.entry(date(e.at)).or_default() += 1.0,
            EventBody::Review { rating, .. } => s.add(
                streams::REVIEWS_NEGATIVE,
                e.at,
                *rating <= terms.reply_max_rating,
                &e.id,
            ),
            EventBody::Complaint { category, .. } => {
                complaints.push((e.at, complaint_stream(*category), &e.id));
            }
            _ => {}
        }
    }
    for (&(kind, _), &(def, res)) in &promises {
        let Some((def_at, def_id, Some(deadline), _)) = def else {
            continue;
        };
        let resolution = res.map(|(t, _, _, broken)| (t, broken));
        // Broken as it stands with everything known by `at`: late, overdue or rejected.
        let broken = !matches!(
            promise::standing(kind, Some((def_at, deadline)), resolution, at),
            Some((Outcome::Kept, _, _))
        );
        let stream = match kind {
            PromiseKind::Delivery => streams::DELIVERY_OVERDUE,
            PromiseKind::Ticket => streams::TICKET_SLA_BREACH,
            PromiseKind::Refund => streams::REFUND_OVERDUE,
            PromiseKind::ReviewReply => continue,
        };
        if deadline <= at {
            // Counted on its deadline's day, known then, before any late resolution.
            s.add(stream, deadline, broken, def_id);
        }
        if kind == PromiseKind::Delivery
            && let Some((d, did, _, _)) = res
        {
            s.add(streams::DELIVERY_LATE, d, d > deadline, did);
        }
    }
    // Complaints per category, against the mean daily orders of the 7 days ending that
    // day (complaints trail orders by days); the exposure is added once per day.
    let complaint_streams: Vec<String> = COMPLAINT_STREAMS
        .iter()
        .map(|c| format!("{}{c}", streams::COMPLAINTS_PREFIX))
        .collect();
    for &d in orders_per_day.keys() {
        let from = d.checked_sub(jiff::Span::new().days(6)).unwrap_or(d);
        let week: f64 = orders_per_day.range(from..=d).map(|(_, n)| n).sum();
        for stream in &complaint_streams {
            s.builder.add(stream, d, 0, (week / 7.0).max(1.0));
        }
    }
    for (t, stream, id) in complaints {
        let d = date(t);
        s.builder.add(&stream, d, 1, 0.0);
        s.evidence
            .entry((stream, d))
            .or_default()
            .push(id.to_string());
        s.first = Some(s.first.map_or(d, |f| f.min(d)));
    }
    // Text: per aspect, reviews and complaints negative about it, out of the texts of
    // the day (every aspect stream gets the day's exposure; a text counts once per aspect).
    let mut text_days: BTreeMap<Date, f64> = BTreeMap::new();
    for (e, _) in texts.iter().filter(|(e, _)| e.at <= at) {
        *text_days.entry(date(e.at)).or_default() += 1.0;
    }
    for (&d, &n) in &text_days {
        for aspect in TEXT_ASPECTS {
            let stream = format!("{}{aspect}", streams::TEXT_NEGATIVE_PREFIX);
            s.builder.add(&stream, d, 0, n);
        }
    }
    for (e, aspects) in texts.iter().filter(|(e, _)| e.at <= at) {
        let mut seen: Vec<&str> = Vec::new();
        for (aspect, positive) in aspects {
            let aspect = aspect.as_str();
            if !positive && TEXT_ASPECTS.contains(&aspect) && !seen.contains(&aspect) {
                seen.push(aspect);
                let stream = format!("{}{aspect}", streams::TEXT_NEGATIVE_PREFIX);
                let d = date(e.at);
                s.builder.add(&stream, d, 1, 0.0);
                s.evidence
                    .entry((stream, d))
                    .or_default()
                    .push(e.id.clone());
            }
        }
    }
    // The ids behind a day in a stable order: they were gathered from hash maps.
    for ids in s.evidence.values_mut() {
        ids.sort_unstable();
    }
    s
}

/// Complaint streams: the three common categories each, the rare ones together, so a
/// merchant has [`STREAMS_PER_MERCHANT`] streams to share the false-alarm budget.
const COMPLAINT_STREAMS: [&str; 4] = ["quality", "delivery", "service", "other"];

/// Aspects watched in text: those whose burst means a crisis the business can act on.
/// (`assurance`, `tangibles` and `privacy` are rare in reviews; privacy complaints
/// already have their category.)
const TEXT_ASPECTS: [&str; 6] = [
    "delivery",
    "product_quality",
    "responsiveness",
    "empathy",
    "reliability",
    "price_value",
];

/// Streams per merchant: five promise/review streams, four complaint streams and six
/// negative-text streams.
pub const STREAMS_PER_MERCHANT: u32 = 15;

fn complaint_stream(c: credence_events::ComplaintCategory) -> String {
    use credence_events::ComplaintCategory as C;
    let name = match c {
        C::Quality => "quality",
        C::Delivery => "delivery",
        C::Service => "service",
        C::Price | C::Policy | C::Privacy | C::Other => "other",
    };
    format!("{}{name}", streams::COMPLAINTS_PREFIX)
}

/// The detector calibrated for this many streams per merchant (at most one false alarm
/// per merchant per year over all of them).
pub fn calibration() -> Result<Calibration, credence_watch::detect::CalibrationError> {
    let config = credence_watch::DetectorConfig {
        streams_per_merchant: STREAMS_PER_MERCHANT,
        ..credence_watch::DetectorConfig::default()
    };
    Calibration::new(config)
}

/// Crisis alerts of one merchant at `at`: every alarm its streams raised up to the last
/// complete day.
pub fn crisis_alerts(
    merchant: &str,
    events: &[&Event],
    texts: &[TextAspects<'_>],
    at: Timestamp,
    cal: &Calibration,
    terms: &PromiseTerms,
) -> Vec<Alert> {
    let streams = build_streams(events, texts, at, terms);
    let Some(first) = streams.first else {
        return Vec::new();
    };
    let through = date(at).yesterday().unwrap_or(date(at));
    if through < first {
        return Vec::new();
    }
    let series = streams.builder.build(first, through);
    merchant_crisis_alerts(merchant, &series, cal, |stream, d| {
        streams
            .evidence
            .get(&(stream.to_string(), d))
            .cloned()
            .unwrap_or_default()
    })
}

/// Customer-risk alerts of one merchant, evaluated at `window.points` points ending at
/// `at`, at most one per customer per 30 days.
pub fn risk_alerts(
    merchant: &str,
    events: &[&Event],
    engine: &Engine,
    at: Timestamp,
    window: RiskWindow,
) -> Vec<Alert> {
    // Per customer: event times, order times, open tickets.
    let mut per_customer: HashMap<&str, Vec<&Event>> = HashMap::new();
    let mut event_time: HashMap<&str, Timestamp> = HashMap::new();
    for e in events.iter().filter(|e| e.at <= at) {
        event_time.insert(&e.id, e.at);
        if let Some(c) = &e.customer {
            per_customer.entry(c).or_default().push(e);
        }
    }
    let params = fit_bgnbd(&per_customer, at);
    let mut alerts = Vec::new();
    for k in (0..window.points).rev() {
        let t = at - jiff::SignedDuration::from_hours(24 * window.step_days * i64::from(k));
        let before = t - jiff::SignedDuration::from_hours(24 * 30);
        let earlier: HashMap<&str, f64> = engine
            .stages(merchant, before)
            .into_iter()
            .map(|(c, _, score)| (c, score))
            .collect();
        engine.for_each_customer(merchant, t, |report| {
            let Some(customer) = report.customer.as_deref() else {
                return;
            };
            if report.stage == Some(credence_engine::Stage::Ended) {
                return;
            }
            let mine = per_customer.get(customer).map(Vec::as_slice).unwrap_or(&[]);
            let recent = |e: &&&Event| e.at <= t && e.at > before;
            let negative: Vec<&credence_engine::Reason> = report
                .reasons
                .iter()
                .filter(|r| {
                    r.impact < 0.0
                        && event_time
                            .get(r.event.as_str())
                            .is_some_and(|&et| et > before && et <= t)
                })
                .collect();
            let (open, oldest) = open_tickets(mine, t);
            let older = mine
                .iter()
                .filter(|e| {
                    e.at <= before && e.at > before - jiff::SignedDuration::from_hours(24 * 180)
                })
                .count();
            let inputs = RiskInputs {
                trust_now: report.score,
                trust_30d_ago: earlier.get(customer).copied(),
                negative_count_30d: negative.len() as u32,
                negative_impact_30d: negative.iter().map(|r| -r.impact).sum(),
                unresolved_tickets: open,
                oldest_unresolved_ticket_days: oldest,
                events_30d: mine.iter().filter(recent).count() as u32,
                expected_events_30d: (older > 0).then(|| older as f64 / 6.0),
                p_alive: params
                    .as_ref()
                    .zip(summary(mine, t))
                    .map(|(p, c)| p.p_alive(&c)),
            };
            let risk = credence_watch::risk::risk_score(&inputs);
            if let Some(alert) = customer_risk_alert(merchant, customer, t, &risk) {
                alerts.push(alert);
            }
        });
    }
    dedup(alerts)
}

fn open_tickets(events: &[&Event], t: Timestamp) -> (u32, f64) {
    let mut opened: HashMap<&str, Timestamp> = HashMap::new();
    let mut closed: HashMap<&str, Timestamp> = HashMap::new();
    for e in events.iter().filter(|e| e.at <= t) {
        if let EventBody::Ticket { ticket, status, .. } = &e.body {
            match status {
                TicketStatus::Opened | TicketStatus::Reopened => {
                    let x = opened.entry(ticket).or_insert(e.at);
                    *x = (*x).max(e.at);
                }
                TicketStatus::Resolved | TicketStatus::ClosedUnresolved => {
                    let x = closed.entry(ticket).or_insert(e.at);
                    *x = (*x).max(e.at);
                }
                TicketStatus::Replied => {}
            }
        }
    }
    let open: Vec<Timestamp> = opened
        .iter()
        .filter(|(k, o)| closed.get(*k).is_none_or(|c| c < *o))
        .map(|(_, o)| *o)
        .collect();
    let oldest = open.iter().min().map_or(0.0, |o| {
        (t.as_microsecond() - o.as_microsecond()) as f64 / DAY_US as f64
    });
    (open.len() as u32, oldest)
}

/// A customer's purchase summary for BG/NBD from their orders up to `t`, in days
/// (orders on the same day count once, as in the paper); `None` without orders.
fn summary(events: &[&Event], t: Timestamp) -> Option<bgnbd::Customer> {
    let days = |at: Timestamp| at.as_microsecond() as f64 / DAY_US as f64;
    let orders: Vec<f64> = events
        .iter()
        .filter(|e| e.at <= t && matches!(e.body, EventBody::Order { .. }))
        .map(|e| days(e.at))
        .collect();
    bgnbd::Customer::from_purchases(&orders, days(t), 1.0)
}

/// BG/NBD fitted to the merchant's customers with at least one order, at `at`; `None`
/// when the fit fails or there are too few customers.
fn fit_bgnbd(per_customer: &HashMap<&str, Vec<&Event>>, at: Timestamp) -> Option<bgnbd::Params> {
    let data: Vec<bgnbd::Customer> = per_customer
        .values()
        .filter_map(|evs| summary(evs, at))
        .filter(|c| c.age > 0.0)
        .collect();
    if data.len() < 30 {
        return None;
    }
    bgnbd::fit(&data).ok().map(|f| f.params)
}

/// Why alerts could not be computed or a status recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertsError {
    /// Loading a merchant's events failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The crisis detector cannot be calibrated.
    #[error("cannot calibrate the crisis detector: {0}")]
    Calibration(String),
    /// A status could not be stored.
    #[error("cannot record the status of alert `{id}`")]
    SetStatus {
        /// The alert.
        id: String,
        /// Why.
        #[source]
        source: StoreError,
    },
}

/// The open alerts of one merchant (or all), as `credence alerts --status open` lists
/// them over the last four weeks: for the HTML report.
pub fn open_alerts(
    store: &dyn Store,
    evaluator: &Evaluator,
    merchant: Option<&str>,
) -> Result<Vec<Alert>, AlertsError> {
    let mut all = compute(store, evaluator, merchant, 4, None)?;
    all.retain(|a| a.status == Status::Open);
    Ok(all)
}

/// Computes every alert of the chosen merchants (at `at`, default each merchant's latest
/// event) with the stored statuses applied, newest first: the list `credence alerts
/// --json` prints (one alert a line).
pub fn compute(
    store: &dyn Store,
    evaluator: &Evaluator,
    merchant: Option<&str>,
    weeks: u32,
    at: Option<Timestamp>,
) -> Result<Vec<Alert>, AlertsError> {
    let mut all = compute_unstated(store, evaluator, merchant, weeks, at)?;
    apply_statuses(&mut all, &store.alert_statuses()?);
    Ok(all)
}

/// Computes every alert of the chosen merchants, all `open`, newest first. A function of
/// the events alone (and `weeks`, `at`, the evaluator): a caller may keep the result
/// until the merchant's events change and apply the statuses, which people change, each
/// time.
pub fn compute_unstated(
    store: &dyn Store,
    evaluator: &Evaluator,
    merchant: Option<&str>,
    weeks: u32,
    at: Option<Timestamp>,
) -> Result<Vec<Alert>, AlertsError> {
    let merchants = match merchant {
        Some(m) => vec![m.to_string()],
        None => store.merchants()?,
    };
    let cal = calibrated()?;
    let mut all = Vec::new();
    for merchant in merchants {
        // One load: the engine, every event up to the evaluation time, and the texts.
        let loaded = evaluator.load_with_events(store, &merchant, at)?;
        let at = loaded.at;
        let refs: Vec<&Event> = loaded.events.iter().collect();
        // What the texts of reviews and complaints said, per aspect.
        let aspects: Vec<TextAspects<'_>> = loaded
            .texts
            .iter()
            .filter(|(e, _)| {
                matches!(
                    e.body,
                    EventBody::Review { .. } | EventBody::Complaint { .. }
                )
            })
            .filter_map(|(e, signal)| {
                let list = signal
                    .as_ref()?
                    .aspects
                    .iter()
                    .map(|a| (a.aspect.clone(), a.positive))
                    .collect();
                Some((e, list))
            })
            .collect();
        let terms = PromiseTerms::from_rules(evaluator.rules());
        all.extend(crisis_alerts(&merchant, &refs, &aspects, at, cal, &terms));
        let window = RiskWindow {
            points: weeks.max(1),
            step_days: 7,
        };
        all.extend(risk_alerts(&merchant, &refs, &loaded.engine, at, window));
    }
    all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| a.id.cmp(&b.id)));
    Ok(all)
}

/// The crisis detector's calibration, computed once per process (seconds: the server
/// computes alerts merchant by merchant).
fn calibrated() -> Result<&'static Calibration, AlertsError> {
    static CALIBRATION: OnceLock<Result<Calibration, CalibrationError>> = OnceLock::new();
    CALIBRATION
        .get_or_init(calibration)
        .as_ref()
        .map_err(|e| AlertsError::Calibration(e.to_string()))
}

/// Sets each alert's status from the stored ones (id → `acked` | `resolved`; any other
/// alert is `open`).
pub fn apply_statuses(alerts: &mut [Alert], statuses: &HashMap<String, String>) {
    for a in alerts {
        a.status = parse_status(statuses.get(&a.id).map(String::as_str));
    }
}

fn parse_status(stored: Option<&str>) -> Status {
    match stored {
        Some("acked") => Status::Acked,
        Some("resolved") => Status::Resolved,
        _ => Status::Open,
    }
}

/// The wire name of a status (`open`, `acked`, `resolved`), as stored and printed.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Acked => "acked",
        Status::Resolved => "resolved",
    }
}

/// Records what a person decided about alert `id` at `at` (`credence alerts ack|resolve`).
/// The caller checks that the alert exists (and who may change it); this only stores.
pub fn set_status(
    store: &mut dyn Store,
    id: &str,
    status: Status,
    at: Timestamp,
) -> Result<(), AlertsError> {
    store
        .set_alert_status(id, status_name(status), at)
        .map_err(|source| AlertsError::SetStatus {
            id: id.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(line: &str) -> Event {
        credence_events::parse_event(line).unwrap()
    }

    /// (stream, day) → (count, exposure) of the built series, for non-empty cells.
    fn cells(s: &Streams, from: &str, through: &str) -> BTreeMap<(String, String), (u64, f64)> {
        let series = s
            .builder
            .build(from.parse().unwrap(), through.parse().unwrap());
        let mut out = BTreeMap::new();
        for x in series {
            for d in x.days.iter().filter(|d| d.count > 0 || d.exposure > 0.0) {
                out.insert(
                    (x.stream.clone(), d.date.to_string()),
                    (d.count, d.exposure),
                );
            }
        }
        out
    }

    #[test]
    fn promises_count_on_their_deadline_day_and_text_on_its_day() {
        let events = [
            // Promised for the 3rd, never delivered: overdue on the 3rd.
            ev(
                r#"{"id":"o1","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c1","order":"a","promised_by":"2026-03-03T10:00:00Z"}"#,
            ),
            // Promised for the 3rd, delivered on the 4th: overdue on the 3rd, late on the 4th.
            ev(
                r#"{"id":"o2","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c2","order":"b","promised_by":"2026-03-03T12:00:00Z"}"#,
            ),
            ev(
                r#"{"id":"d2","type":"delivery","at":"2026-03-04T09:00:00Z","merchant":"m","customer":"c2","order":"b"}"#,
            ),
            // Promised for the 3rd, delivered in time: exposure only.
            ev(
                r#"{"id":"o3","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c3","order":"c","promised_by":"2026-03-03T12:00:00Z"}"#,
            ),
            ev(
                r#"{"id":"d3","type":"delivery","at":"2026-03-02T09:00:00Z","merchant":"m","customer":"c3","order":"c"}"#,
            ),
            ev(
                r#"{"id":"r1","type":"review","at":"2026-03-04T20:00:00Z","merchant":"m","customer":"c2","rating":2,"text":"晚到了"}"#,
            ),
        ];
        let refs: Vec<&Event> = events.iter().collect();
        let texts = vec![(
            &events[5],
            vec![
                ("delivery".to_string(), false),
                ("delivery".to_string(), false),
            ],
        )];
        let s = build_streams(
            &refs,
            &texts,
            "2026-03-05T00:00:00Z".parse().unwrap(),
            &PromiseTerms::default(),
        );
        let c = cells(&s, "2026-03-01", "2026-03-04");
        let get = |stream: &str, day: &str| c.get(&(stream.to_string(), day.to_string())).copied();
        assert_eq!(get("delivery_overdue", "2026-03-03"), Some((2, 3.0)));
        assert_eq!(get("delivery_late", "2026-03-04"), Some((1, 1.0)));
        assert_eq!(get("delivery_late", "2026-03-02"), Some((0, 1.0)));
        assert_eq!(get("reviews_negative", "2026-03-04"), Some((1, 1.0)));
        // One text, negative about delivery twice: counted once.
        assert_eq!(get("text_negative:delivery", "2026-03-04"), Some((1, 1.0)));
        assert_eq!(
            get("text_negative:product_quality", "2026-03-04"),
            Some((0, 1.0))
        );
        assert_eq!(
            s.evidence
                .get(&(
                    "delivery_overdue".to_string(),
                    "2026-03-03".parse().unwrap()
                ))
                .map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn arrival_order_does_not_change_the_streams() {
        let lines = [
            r#"{"id":"d","type":"delivery","at":"2026-03-04T09:00:00Z","merchant":"m","customer":"c","order":"b"}"#,
            r#"{"id":"o","type":"order","at":"2026-03-01T10:00:00Z","merchant":"m","customer":"c","order":"b","promised_by":"2026-03-03T12:00:00Z"}"#,
            r#"{"id":"k","type":"complaint","at":"2026-03-04T10:00:00Z","merchant":"m","customer":"c","category":"delivery"}"#,
        ];
        let events: Vec<Event> = lines.iter().map(|l| ev(l)).collect();
        let forward: Vec<&Event> = events.iter().collect();
        let backward: Vec<&Event> = events.iter().rev().collect();
        let at = "2026-03-06T00:00:00Z".parse().unwrap();
        let a = cells(
            &build_streams(&forward, &[], at, &PromiseTerms::default()),
            "2026-03-01",
            "2026-03-05",
        );
        let b = cells(
            &build_streams(&backward, &[], at, &PromiseTerms::default()),
            "2026-03-01",
            "2026-03-05",
        );
        assert_eq!(a, b);
        assert_eq!(
            a.get(&("complaints:delivery".to_string(), "2026-03-04".to_string()))
                .map(|x| x.0),
            Some(1)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The engine's evidence and the alert streams read promises by the one rule:
        /// the same delivery and ticket promises are broken (late or overdue) for both,
        /// whatever the arrival order, with competing definitions (two orders with a
        /// `promised_by` for one order id), resolutions before definitions, and SLAs so
        /// long their deadline is never reached.
        #[test]
        fn engine_and_streams_agree_on_broken_promises(
            raw in proptest::collection::vec((0u8..5, 0u8..3, 0u32..60 * 24, 0u32..96), 1..40),
            seed in 0u64..1000,
        ) {
            let mut lines = Vec::new();
            for (i, &(kind, k, hour, p)) in raw.iter().enumerate() {
                let at = jiff::Timestamp::from_second(1_772_323_200 + i64::from(hour) * 3600).unwrap();
                let due = jiff::Timestamp::from_second(at.as_second() + i64::from(p) * 3600).unwrap();
                let body = match kind {
                    0 => format!(r#""type":"order","order":"o{k}","promised_by":"{due}""#),
                    1 => format!(r#""type":"delivery","order":"o{k}""#),
                    2 => format!(r#""type":"ticket","ticket":"t{k}","status":"opened","sla_minutes":{}"#,
                        if p == 95 { u32::MAX } else { 30 + p * 30 }),
                    3 => format!(r#""type":"ticket","ticket":"t{k}","status":"replied""#),
                    _ => format!(r#""type":"ticket","ticket":"t{k}","status":"closed_unresolved""#),
                };
                lines.push(format!(r#"{{"id":"e{i}","at":"{at}","merchant":"m","customer":"c{k}",{body}}}"#));
            }
            let mut events: Vec<Event> = lines.iter().map(|l| ev(l)).collect();
            // A deterministic shuffle: arrival order must not matter.
            let mut x = seed | 1;
            for i in (1..events.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                events.swap(i, (x % (i as u64 + 1)) as usize);
            }
            let at: Timestamp = "2026-12-31T00:00:00Z".parse().unwrap();
            let rules = credence_engine::Rules { max_reasons: 100_000, ..credence_engine::Rules::default() };
            let mut engine = Engine::new(rules).unwrap();
            engine.extend(&events);
            let mut broken_engine = [0u64; 2];
            for r in engine.customers("m", at) {
                for reason in r.reasons {
                    use credence_engine::ReasonCode as R;
                    match reason.reason {
                        R::DeliveryLate | R::DeliveryOverdue => broken_engine[0] += 1,
                        R::TicketReplyLate | R::TicketReplyOverdue => broken_engine[1] += 1,
                        _ => {}
                    }
                }
            }
            let refs: Vec<&Event> = events.iter().collect();
            let s = build_streams(&refs, &[], at, &PromiseTerms::default());
            let c = cells(&s, "2026-01-01", "2026-12-31");
            let broken_streams = |stream: &str| -> u64 {
                c.iter().filter(|((st, _), _)| st == stream).map(|(_, v)| v.0).sum()
            };
            proptest::prop_assert_eq!(broken_engine[0], broken_streams("delivery_overdue"));
            proptest::prop_assert_eq!(broken_engine[1], broken_streams("ticket_sla_breach"));
        }
    }
}
