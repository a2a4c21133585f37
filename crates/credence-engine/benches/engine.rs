//! Engine benchmarks (divan): replay of a synthetic event set through the engine alone,
//! evaluation of every relationship, and memory per relationship (printed first).
//!
//! The synthetic set (generated here, deterministic): `ENGINE_BENCH_EVENTS` events
//! (default 2 000 000) over 20 merchants and `events / 10` relationships, i.e. 10 events
//! per relationship over two years: two orders with promised delivery (20 % late, 10 %
//! damaged), a review (1–5 stars; ≤ 2 stars open a reply window), an NPS answer, a
//! ticket opened with a 4 h SLA, replied (30 % late) and resolved, a complaint or an
//! engagement; plus site signals per merchant. Sorted by time, as a store replays them.
//!
//! The demo set: `credence-demo` at size `large` (override with `ENGINE_BENCH_DEMO=small`
//! or `medium`), parsed with `credence-events` before timing.
//!
//! Run: `cargo bench -p credence-engine` (release profile).

use std::hint::black_box;
use std::sync::OnceLock;

use credence_engine::Engine;
use credence_events::{
    ComplaintCategory, DeliveryCondition, Event, EventBody, SiteSignal, SurveyMetric, TicketStatus,
};
use divan::Bencher;
use divan::counter::ItemsCount;
use jiff::Timestamp;

const MERCHANTS: u64 = 20;
const BASE_S: i64 = 1_735_689_600; // 2025-01-01

fn n_events() -> usize {
    std::env::var("ENGINE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(BASE_S + s).expect("time in range")
}

fn generate(n: usize) -> Vec<Event> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let rels = (n / 10) as u64;
    let mut out = Vec::with_capacity(n + MERCHANTS as usize);
    for m in 0..MERCHANTS {
        let signals = SiteSignal::ALL
            .iter()
            .map(|s| (*s, rng.below(4) != 0))
            .collect();
        out.push(Event {
            id: format!("sig-{m}"),
            at: at(0),
            merchant: format!("m-{m:03}"),
            customer: None,
            body: EventBody::SiteSignals { signals },
        });
    }
    const DAY: i64 = 86_400;
    for r in 0..rels {
        let merchant = format!("m-{:03}", r % MERCHANTS);
        let customer = format!("c-{r:07}");
        let mut k = 0;
        let mut push = |out: &mut Vec<Event>, t: i64, body: EventBody| {
            out.push(Event {
                id: format!("e-{r:07}-{k}"),
                at: at(t),
                merchant: merchant.clone(),
                customer: Some(customer.clone()),
                body,
            });
            k += 1;
        };
        let start = rng.below(600) as i64 * DAY + rng.below(DAY as u64) as i64;
        for j in 0..2 {
            let t = start + j * 40 * DAY;
            let order = format!("o-{r:07}-{j}");
            push(
                &mut out,
                t,
                EventBody::Order {
                    order: order.clone(),
                    amount: Some(100.0),
                    currency: None,
                    promised_by: Some(at(t + 3 * DAY)),
                },
            );
            let late = rng.below(5) == 0;
            let condition = if rng.below(10) == 0 {
                DeliveryCondition::Damaged
            } else {
                DeliveryCondition::Ok
            };
            push(
                &mut out,
                t + if late { 5 } else { 2 } * DAY,
                EventBody::Delivery { order, condition },
            );
        }
        let t = start + 10 * DAY;
        push(
            &mut out,
            t,
            EventBody::Review {
                rating: 1 + rng.below(5) as u8,
                text: None,
                lang: None,
                verified: None,
                order: None,
            },
        );
        push(
            &mut out,
            t + DAY,
            EventBody::Survey {
                metric: SurveyMetric::Nps,
                score: rng.below(11) as u8,
                comment: None,
            },
        );
        let ticket = format!("t-{r:07}");
        let tk = |status, sla| EventBody::Ticket {
            ticket: ticket.clone(),
            status,
            sla_minutes: sla,
            channel: None,
            text: None,
        };
        let t = start + 20 * DAY;
        push(&mut out, t, tk(TicketStatus::Opened, Some(240)));
        let reply = if rng.below(10) < 3 { 6 * 3600 } else { 3600 };
        push(&mut out, t + reply, tk(TicketStatus::Replied, None));
        push(&mut out, t + DAY, tk(TicketStatus::Resolved, None));
        let body = if rng.below(3) == 0 {
            EventBody::Complaint {
                category: ComplaintCategory::ALL[rng.below(7) as usize],
                severity: 1 + rng.below(3) as u8,
                text: None,
            }
        } else {
            EventBody::Engagement {
                action: Some("visit".into()),
            }
        };
        push(&mut out, start + 60 * DAY, body);
    }
    out.sort_by_key(|e| e.at);
    // Re-allocate in arrival order, as a parser streaming a file would: each event's
    // strings then sit next to it in memory instead of where generation left them.
    out.to_vec()
}

fn events() -> &'static [Event] {
    static E: OnceLock<Vec<Event>> = OnceLock::new();
    E.get_or_init(|| generate(n_events()))
}

/// The demo data set (`credence-demo`, size from `ENGINE_BENCH_DEMO`, default `large`:
/// ~2M events, ~200k customers), parsed once, in the generator's order (customer by
/// customer, as a file written by `credence demo` is read back).
fn demo_events() -> &'static [Event] {
    static E: OnceLock<Vec<Event>> = OnceLock::new();
    E.get_or_init(|| {
        let size = match std::env::var("ENGINE_BENCH_DEMO").as_deref() {
            Ok("small") => credence_demo::Size::Small,
            Ok("medium") => credence_demo::Size::Medium,
            _ => credence_demo::Size::Large,
        };
        let config = credence_demo::DemoConfig::new(credence_demo::DemoConfig::DEFAULT_SEED, size);
        credence_demo::generate(&config)
            .filter_map(|l| credence_events::parse_event(&l).ok())
            .collect()
    })
}

fn loaded() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let mut e = Engine::default();
        e.extend(events());
        e
    })
}

fn loaded_shrunk() -> Engine {
    let mut e = loaded().clone();
    e.shrink_to_fit();
    e
}

fn main() {
    let ev = events();
    let e = loaded();
    let mem = e.memory();
    println!(
        "synthetic set: {} events, {} merchants, {} relationships, {} promise records",
        ev.len(),
        e.merchants().len(),
        mem.relationships,
        mem.promises
    );
    println!(
        "engine state: {} bytes = {:.1} bytes per relationship ({:.1} per event); ids: {} bytes",
        mem.state_bytes,
        mem.state_bytes_per_relationship(),
        mem.state_bytes as f64 / ev.len() as f64,
        mem.id_bytes
    );
    let shrunk = loaded_shrunk().memory();
    println!(
        "after shrink_to_fit: {} bytes = {:.1} bytes per relationship ({:.1} per event); evidence {:.1} + id index {:.1} per relationship",
        shrunk.state_bytes,
        shrunk.state_bytes_per_relationship(),
        shrunk.state_bytes as f64 / ev.len() as f64,
        shrunk.evidence_bytes as f64 / shrunk.relationships as f64,
        shrunk.index_bytes as f64 / shrunk.relationships as f64,
    );
    let demo = demo_events();
    let mut d = Engine::default();
    d.extend(demo);
    let dm = d.memory();
    d.shrink_to_fit();
    let ds = d.memory();
    println!(
        "demo set: {} events, {} relationships, {} promise records; state {:.1} B/relationship, {:.1} after shrink_to_fit (evidence {:.1} + id index {:.1}); ids {:.1} B/relationship",
        demo.len(),
        dm.relationships,
        dm.promises,
        dm.state_bytes_per_relationship(),
        ds.state_bytes_per_relationship(),
        ds.evidence_bytes as f64 / ds.relationships as f64,
        ds.index_bytes as f64 / ds.relationships as f64,
        ds.id_bytes as f64 / ds.relationships as f64,
    );
    let (item, rel, promise) = Engine::layout();
    println!("size_of: item {item} B, relationship header {rel} B, promise record {promise} B");
    divan::main();
}

/// Replays every event through a fresh engine (events/s = the `items` throughput).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn replay(bencher: Bencher) {
    let ev = events();
    bencher.counter(ItemsCount::new(ev.len())).bench(|| {
        let mut e = Engine::default();
        e.extend(ev);
        e
    });
}

/// Replays the demo data set through a fresh engine (events/s).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn replay_demo(bencher: Bencher) {
    let ev = demo_events();
    bencher.counter(ItemsCount::new(ev.len())).bench(|| {
        let mut e = Engine::default();
        e.extend(ev);
        e
    });
}

/// Full reports (scores, reasons, stage history) of every relationship of every
/// merchant at the latest event time (relationships/s).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn evaluate_all_reports(bencher: Bencher) {
    let e = loaded();
    let merchants: Vec<&str> = e.merchants();
    let n = e.memory().relationships as usize;
    bencher.counter(ItemsCount::new(n)).bench(|| {
        let mut total = 0usize;
        for m in &merchants {
            let at = e.latest_event_time(m).expect("events");
            total += black_box(e.customers(m, at)).len();
        }
        total
    });
}

/// Score and stage (no reasons, no history) of every relationship (relationships/s).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn evaluate_all_stages(bencher: Bencher) {
    let e = loaded();
    let merchants: Vec<&str> = e.merchants();
    let n = e.memory().relationships as usize;
    bencher.counter(ItemsCount::new(n)).bench(|| {
        let mut total = 0usize;
        for m in &merchants {
            let at = e.latest_event_time(m).expect("events");
            total += black_box(e.stages(m, at)).len();
        }
        total
    });
}

/// One merchant's reputation with stage counts.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn merchant_report() -> usize {
    let e = loaded();
    let m = e.merchants()[0];
    let at = e.latest_event_time(m).expect("events");
    black_box(e.merchant(m, at)).map_or(0, |r| r.stages.developing)
}
