//! credence-demo: a seeded generator of realistic events v1 data (the input contract,
//! `docs/events-v1.md`) with documented scenarios, for `credence demo`, tests and
//! benchmarks.
//!
//! This crate owns the demo data set: four merchants (a tea shop that falls into a
//! delivery crisis, an average electronics store, a bank with a strong reputation and a
//! small shop with poor trust signals), thousands of ordinary customers whose timelines
//! are drawn from each merchant's behaviour, and scripted customers with fixed ids that
//! exist at every size (see [`ids`] and `docs/demo.md`).
//!
//! It is a pure library: no file I/O, no clock, no network, and no dependency on other
//! credence crates (the store, the engine and the CLI depend on it, never the other way
//! round; `credence-events` is used by its tests only, to check every line). [`generate`]
//! returns an iterator of JSON lines (without newlines); the CLI writes them.
//!
//! # Layout
//!
//! - `lib.rs` — the public API: [`Size`], [`DemoConfig`], [`generate`], [`Events`],
//!   [`merchants()`].
//! - `merchants` — who the merchants are and how well they serve, as probabilities.
//! - `timeline` — one relationship's events: building blocks (order, delivery, ticket,
//!   refund, review, …), the random life of an ordinary customer, and rendering with
//!   ids `{merchant}-{n}`.
//! - `scenarios` — merchant-level public events and the scripted customers.
//! - `text` — Chinese, English and mixed text templates, chosen so text and rating agree.
//! - `clock` — civil-date arithmetic and RFC 3339 formatting on Unix seconds.
//!
//! # Streaming and determinism
//!
//! Events are generated merchant by merchant, customer by customer: only one customer's
//! events are held at a time, so memory does not grow with the size. Each customer's
//! random stream is derived from the seed, the merchant and the customer's number, so the
//! same [`DemoConfig`] always yields the same lines in the same order. Lines are not in
//! global time order (the contract allows any order); within one customer they are.
//!
//! ```
//! use credence_demo::{generate, DemoConfig, Size};
//!
//! let config = DemoConfig::new(7, Size::Small);
//! let first: Vec<String> = generate(&config).take(3).collect();
//! assert!(first[0].starts_with(r#"{"id":"m-tea-1","type":"site_signals""#));
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod clock;
mod merchants;
mod scenarios;
mod text;
mod timeline;

pub use merchants::MerchantInfo;
pub use scenarios::{CRISIS_DAY, ids};

use clock::{DAY, local_midnight};
use merchants::PROFILES;
use timeline::{Counters, Referral, Timeline};

/// Length of the data set in days (about 18 months: 2025-01-01 to 2026-07-01 with the
/// default start).
pub const DAYS: i64 = 546;

/// How much data to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Size {
    /// About 1,000 customers and 10,000 events: for tests and a quick look.
    Small,
    /// About 20,000 customers and 200,000 events (the CLI's default).
    #[default]
    Medium,
    /// About 200,000 customers and 2 million events: for benchmarks.
    Large,
}

impl Size {
    /// All sizes, smallest first.
    pub const ALL: [Size; 3] = [Size::Small, Size::Medium, Size::Large];

    /// Ordinary customers over all merchants (scripted and referred customers come on
    /// top: about 5 % more).
    pub fn customers(self) -> u64 {
        match self {
            Size::Small => 900,
            Size::Medium => 19_000,
            Size::Large => 190_000,
        }
    }

    /// The approximate number of events (lines), for a progress bar. The exact count
    /// depends on the seed: within about 10 % of this figure at `small`, a few per cent
    /// at `medium` and `large`.
    pub fn approx_events(self) -> u64 {
        match self {
            Size::Small => 10_000,
            Size::Medium => 200_000,
            Size::Large => 2_000_000,
        }
    }

    /// The name used on the command line: `small`, `medium` or `large`.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Size`] from a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseSizeError(String);

impl fmt::Display for ParseSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown size `{}`: use small, medium or large", self.0)
    }
}

impl std::error::Error for ParseSizeError {}

impl FromStr for Size {
    type Err = ParseSizeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" | "s" => Ok(Size::Small),
            "medium" | "m" => Ok(Size::Medium),
            "large" | "l" => Ok(Size::Large),
            _ => Err(ParseSizeError(s.to_owned())),
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DemoConfig {
    /// The seed: the same seed and size give the same lines.
    pub seed: u64,
    /// How much data.
    pub size: Size,
    /// The first instant of the data, as Unix seconds. Each merchant's day 0 is its first
    /// local midnight at or after it. Fixed by default
    /// ([`DemoConfig::DEFAULT_START`] = 2025-01-01T00:00:00+08:00) so that the dates in
    /// docs/demo.md hold; the data ends [`DAYS`] days later.
    pub start: i64,
}

impl DemoConfig {
    /// 2025-01-01T00:00:00+08:00 as Unix seconds.
    pub const DEFAULT_START: i64 = 1_735_660_800;
    /// The seed of `credence demo` when none is given.
    pub const DEFAULT_SEED: u64 = 42;

    /// A configuration with the default start.
    pub fn new(seed: u64, size: Size) -> Self {
        DemoConfig {
            seed,
            size,
            start: Self::DEFAULT_START,
        }
    }

    /// The last instant of the data (Unix seconds): no event is later than this.
    pub fn end(&self) -> i64 {
        self.start + DAYS * DAY
    }

    /// When the tea shop's deliveries start slipping (Unix seconds): day [`CRISIS_DAY`]
    /// at 00:00 +08:00 (2026-02-15T00:00:00+08:00 with the default start).
    pub fn crisis_start(&self) -> i64 {
        day0(self.start, PROFILES[0].offset()) + CRISIS_DAY * DAY
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig::new(Self::DEFAULT_SEED, Size::default())
    }
}

/// The merchants of the demo data set, in the order their events are generated.
pub fn merchants() -> impl ExactSizeIterator<Item = &'static MerchantInfo> {
    PROFILES.iter().map(|p| &p.info)
}

/// Generates the demo data set: one events v1 JSON object per item, without a trailing
/// newline. Streaming: memory stays constant whatever the size.
pub fn generate(config: &DemoConfig) -> Events {
    Events {
        config: *config,
        merchant: 0,
        phase: Phase::Public,
        queue: VecDeque::with_capacity(256),
        pending: Vec::new(),
        counters: Counters::default(),
        produced: 0,
    }
}

/// The iterator returned by [`generate`].
#[derive(Debug)]
pub struct Events {
    config: DemoConfig,
    /// Index into the merchant profiles.
    merchant: usize,
    phase: Phase,
    /// Rendered lines of the current customer.
    queue: VecDeque<String>,
    /// Referred customers still to generate (id, first contact, referral depth).
    pending: Vec<(String, i64, u8)>,
    counters: Counters,
    produced: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The merchant's site signals and public commitments.
    Public,
    /// Scripted customer number `n`.
    Script(usize),
    /// Ordinary customer number `n` of this merchant.
    Ordinary(u64),
    Done,
}

impl Events {
    /// Lines yielded so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// The approximate total number of lines (see [`Size::approx_events`]).
    pub fn approx_total(&self) -> u64 {
        self.config.size.approx_events()
    }

    /// Ordinary customers of the current merchant at this size.
    fn ordinary_count(&self) -> u64 {
        let share = PROFILES[self.merchant].info.customer_share;
        (self.config.size.customers() as f64 * share).round() as u64
    }

    /// An independent random stream for (merchant, kind, n). Scripted customers
    /// (kind 1) use a fixed seed, so they are the same whatever the seed and size.
    fn rng(&self, kind: u64, n: u64) -> ChaCha8Rng {
        let mut seed = if kind == 1 { 0 } else { self.config.seed };
        for v in [self.merchant as u64, kind, n] {
            seed = splitmix(seed ^ splitmix(v));
        }
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn bounds(&self) -> (i64, i64, i64) {
        let p = &PROFILES[self.merchant];
        let crisis = if p.has_crisis {
            self.config.crisis_start()
        } else {
            i64::MAX
        };
        (
            day0(self.config.start, p.offset()),
            self.config.end(),
            crisis,
        )
    }

    /// Generates the next unit (a merchant's public events or one customer) into the
    /// queue. Returns false when everything has been generated.
    fn advance(&mut self) -> bool {
        let p = &PROFILES[self.merchant];
        let bounds = self.bounds();
        match self.phase {
            Phase::Done => return false,
            Phase::Public => {
                let rng = self.rng(0, 0);
                let mut tl = Timeline::new(p, None, bounds, &mut self.counters, rng);
                scenarios::merchant_public(&mut tl);
                tl.finish(&mut self.queue);
                self.phase = Phase::Script(0);
            }
            Phase::Script(n) => {
                let scripts = scenarios::scripts(p.info.id);
                if let Some((id, script)) = scripts.get(n) {
                    let rng = self.rng(1, n as u64);
                    let mut tl =
                        Timeline::new(p, Some((*id).to_owned()), bounds, &mut self.counters, rng);
                    script(&mut tl);
                    tl.finish(&mut self.queue);
                    self.phase = Phase::Script(n + 1);
                } else {
                    self.phase = Phase::Ordinary(0);
                }
            }
            Phase::Ordinary(n) => {
                if let Some((id, arrival, depth)) = self.pending.pop() {
                    let number = id_number(&id);
                    let rng = self.rng(3, number);
                    let referrals = self.customer(id, arrival, depth, rng);
                    self.queue_referrals(referrals, depth + 1);
                } else if n < self.ordinary_count() {
                    self.counters.customer += 1;
                    let number = self.counters.customer;
                    let id = format!("c-{}-{number:06}", p.short);
                    let mut rng = self.rng(2, number);
                    let (day0, end, _) = bounds;
                    let arrival = rng.random_range(day0..end - DAY);
                    let referrals = self.customer(id, arrival, 0, rng);
                    self.queue_referrals(referrals, 1);
                    self.phase = Phase::Ordinary(n + 1);
                } else if self.merchant + 1 < PROFILES.len() {
                    self.merchant += 1;
                    self.counters = Counters::default();
                    self.phase = Phase::Public;
                } else {
                    self.phase = Phase::Done;
                }
            }
        }
        true
    }

    fn customer(&mut self, id: String, arrival: i64, depth: u8, rng: ChaCha8Rng) -> Vec<Referral> {
        let p = &PROFILES[self.merchant];
        let bounds = self.bounds();
        let mut tl = Timeline::new(p, Some(id), bounds, &mut self.counters, rng);
        tl.ordinary(arrival, depth);
        tl.finish(&mut self.queue).0
    }

    fn queue_referrals(&mut self, referrals: Vec<Referral>, depth: u8) {
        for (id, at) in referrals.into_iter().rev() {
            self.pending.push((id, at, depth));
        }
    }
}

impl Iterator for Events {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            if let Some(line) = self.queue.pop_front() {
                self.produced += 1;
                return Some(line);
            }
            if !self.advance() {
                return None;
            }
        }
    }
}

impl std::iter::FusedIterator for Events {}

/// The first local midnight at or after `start` in a zone `offset` seconds east of UTC.
fn day0(start: i64, offset: i32) -> i64 {
    let m = local_midnight(start, offset);
    if m == start { m } else { m + DAY }
}

/// The number at the end of a generated customer id (`c-tea-000042` → 42).
fn id_number(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// SplitMix64: mixes a value into a well-spread 64-bit seed.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;
