//! Seeded simulation of daily streams and the crisis-detection evaluation harness
//! behind `credence eval crisis`.
//!
//! Streams: exposure with weekday seasonality (Monday busiest, weekend quiet; the
//! factors below, mean 1) and counts either Poisson(λ0·s_dow) or negative binomial
//! with the same mean and size k = 10 (variance m + m²/k), drawn as a Gamma–Poisson
//! mixture. The detector sees the seasonal exposure, as it does in production
//! (orders, deliveries, reviews per day). A crisis multiplies the rate from day τ on.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::detect::{Calibration, DailySeries, Day, date_from_number, day_number, monitor};

/// Weekday factors, Monday first (mean 1).
pub const WEEKDAY: [f64; 7] = [1.20, 1.10, 1.05, 1.00, 1.00, 0.80, 0.85];

/// Count distribution of a simulated stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// Poisson counts.
    Poisson,
    /// Negative binomial counts, size k = 10 (overdispersed).
    Negbin,
}

impl Dist {
    /// Name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Dist::Poisson => "poisson",
            Dist::Negbin => "negbin",
        }
    }
}

/// Size parameter of the negative binomial streams.
pub const NEGBIN_SIZE: f64 = 10.0;

/// Draw a Poisson variate (inversion by sequential search; means above 30 are split
/// into parts, Poisson being additive).
pub fn poisson<R: Rng>(rng: &mut R, mean: f64) -> u64 {
    let mut left = mean.max(0.0);
    let mut total = 0u64;
    while left > 0.0 {
        let m = left.min(30.0);
        left -= m;
        let u: f64 = rng.random();
        let mut p = (-m).exp();
        let mut cdf = p;
        let mut k = 0u64;
        while u > cdf && k < 1000 {
            k += 1;
            p *= m / k as f64;
            cdf += p;
        }
        total += k;
    }
    total
}

/// Draw a Gamma(shape, scale 1) variate (Marsaglia & Tsang 2000).
pub fn gamma<R: Rng>(rng: &mut R, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random();
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

fn normal<R: Rng>(rng: &mut R) -> f64 {
    // Box–Muller
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One simulated stream: `days` days from 2025-01-06 (a Monday), in-control rate
/// `lambda0` signals per day (at a weekday factor of 1), the rate multiplied by
/// `shift` from day `change_at` on.
pub fn simulate<R: Rng>(
    rng: &mut R,
    dist: Dist,
    lambda0: f64,
    days: usize,
    change_at: Option<(usize, f64)>,
) -> DailySeries {
    let start = day_number(jiff::civil::date(2025, 1, 6));
    let exposure_per_unit = 100.0;
    let out = (0..days)
        .map(|t| {
            let s = WEEKDAY[t % 7];
            let mult = match change_at {
                Some((tau, k)) if t >= tau => k,
                _ => 1.0,
            };
            let m = lambda0 * s * mult;
            let count = match dist {
                Dist::Poisson => poisson(rng, m),
                Dist::Negbin => {
                    let g = gamma(rng, NEGBIN_SIZE) / NEGBIN_SIZE;
                    poisson(rng, m * g)
                }
            };
            Day {
                date: date_from_number(start + t as i64),
                count,
                exposure: exposure_per_unit * s,
            }
        })
        .collect();
    DailySeries {
        stream: "sim".into(),
        days: out,
    }
}

/// Harness settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
    /// Stationary replicates per setting for the false-alarm rate.
    pub fa_replicates: usize,
    /// Monitored days per false-alarm replicate (after warm-up).
    pub fa_days: usize,
    /// Replicates per setting and shift for the detection delay.
    pub delay_replicates: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            seed: 1,
            fa_replicates: 300,
            fa_days: 730,
            delay_replicates: 300,
        }
    }
}

/// Detection delay for one shift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DelayStat {
    /// Rate multiplier injected.
    pub shift: f64,
    /// Mean days from the first shifted day to the alarm, counting that day as 1.
    pub mean_delay_days: f64,
    /// Median of the same.
    pub median_delay_days: f64,
    /// Fraction of replicates not detected within 100 days.
    pub missed: f64,
}

/// One row of the evaluation: a stream type under one calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRow {
    /// `product` (the default: 1 false alarm per merchant-year over 8 streams) or
    /// `reference` (1 per stream-year, to compare with published CUSUM figures).
    pub calibration: String,
    /// Count distribution.
    pub dist: Dist,
    /// In-control signals per day.
    pub lambda0: f64,
    /// The per-stream false-alarm target.
    pub target_fa_per_stream_year: f64,
    /// False alarms per stream-year measured on stationary streams.
    pub fa_per_stream_year: f64,
    /// Stream-years simulated for that figure.
    pub stream_years: f64,
    /// Detection delays for ×1.5, ×2, ×3, ×5.
    pub delays: Vec<DelayStat>,
}

/// Warm-up before monitoring matters (baseline window + guard + burn-in).
const WARMUP: usize = 120;
/// Shifts evaluated.
pub const SHIFTS: [f64; 4] = [1.5, 2.0, 3.0, 5.0];

/// Run the evaluation for one calibration over Poisson and negative binomial streams at
/// λ0 = 1, 5 and 20 per day. Deterministic for a seed.
pub fn evaluate(cal: &Calibration, label: &str, cfg: &EvalConfig) -> Vec<EvalRow> {
    let mut rows = Vec::new();
    let target = 365.25 / cal.config().target_arl0();
    for (di, dist) in [Dist::Poisson, Dist::Negbin].into_iter().enumerate() {
        for (li, lambda0) in [1.0, 5.0, 20.0].into_iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(
                cfg.seed ^ ((di as u64) << 40) ^ ((li as u64) << 32) ^ 0x5eed,
            );
            let mut alarms = 0usize;
            for _ in 0..cfg.fa_replicates {
                let s = simulate(&mut rng, dist, lambda0, WARMUP + cfg.fa_days, None);
                let m = monitor(&s, cal);
                let first = m.days[WARMUP].date;
                alarms += m.alarms.iter().filter(|a| a.opened_on >= first).count();
            }
            let years = (cfg.fa_replicates * cfg.fa_days) as f64 / 365.25;
            let delays = SHIFTS
                .iter()
                .map(|&k| delay(cal, dist, lambda0, k, cfg.delay_replicates, &mut rng))
                .collect();
            rows.push(EvalRow {
                calibration: label.to_string(),
                dist,
                lambda0,
                target_fa_per_stream_year: target,
                fa_per_stream_year: alarms as f64 / years,
                stream_years: years,
                delays,
            });
        }
    }
    rows
}

fn delay<R: Rng>(
    cal: &Calibration,
    dist: Dist,
    lambda0: f64,
    shift: f64,
    reps: usize,
    rng: &mut R,
) -> DelayStat {
    let horizon = 100;
    let mut delays = Vec::with_capacity(reps);
    let mut missed = 0usize;
    let mut done = 0usize;
    while done < reps {
        // change on a random weekday so seasonality does not favour one phase
        let tau = WARMUP + rng.random_range(0..7usize);
        let s = simulate(rng, dist, lambda0, tau + horizon, Some((tau, shift)));
        let m = monitor(&s, cal);
        let change = m.days[tau].date;
        // condition on no false alarm in progress at the change (standard ARL₁)
        if m.days[tau.saturating_sub(1)].in_alarm {
            continue;
        }
        done += 1;
        match m.alarms.iter().find(|a| a.opened_on >= change) {
            Some(a) => delays.push((day_number(a.opened_on) - day_number(change) + 1) as f64),
            None => missed += 1,
        }
    }
    delays.sort_by(f64::total_cmp);
    let mean = if delays.is_empty() {
        f64::NAN
    } else {
        delays.iter().sum::<f64>() / delays.len() as f64
    };
    let median = if delays.is_empty() {
        f64::NAN
    } else {
        delays[delays.len() / 2]
    };
    DelayStat {
        shift,
        mean_delay_days: mean,
        median_delay_days: median,
        missed: missed as f64 / reps as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_have_the_right_mean_and_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 20_000;
        for m in [0.7, 5.0, 45.0] {
            let xs: Vec<f64> = (0..n).map(|_| poisson(&mut rng, m) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            assert!((mean / m - 1.0).abs() < 0.03, "mean {mean} for {m}");
            assert!((var / m - 1.0).abs() < 0.06, "var {var} for {m}");
        }
        let gs: Vec<f64> = (0..n)
            .map(|_| gamma(&mut rng, NEGBIN_SIZE) / NEGBIN_SIZE)
            .collect();
        let mean = gs.iter().sum::<f64>() / n as f64;
        let var = gs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (mean - 1.0).abs() < 0.01 && (var / 0.1 - 1.0).abs() < 0.06,
            "{mean} {var}"
        );
    }
}
