//! Merchant crisis detection: a Poisson CUSUM on exposure-normalised daily counts,
//! with the in-control rate from a trailing baseline window and a threshold calibrated
//! by a Markov-chain ARL computation.
//!
//! For each day t of a stream with count c_t and exposure n_t:
//!
//! ```text
//! baseline   p̂_t = b(C) / N        C, N: count and exposure of the W days ending G days
//!                                    before t (W = 56, G = 7; days inside an alarm excluded)
//!            b(C) = max(2, C + ½ + √(C + ½))      (one standard error above; see baseline_count)
//! expected   μ_t = p̂_t · n_t
//! dispersion φ̂_t = max(1, Pearson χ² / (m − 1)) over the D = 224 days ending G days before t
//! statistic  S_t = max(0, S_{t−1} + (c_t · ln ρ − (ρ − 1) · μ_t) / φ̂_t)   (ρ = 2)
//! alarm      S_t > h(μ̄_t, φ̂_t)  with μ̄_t the baseline's mean expected count per day
//! ```
//!
//! `(c ln ρ − (ρ−1) μ)` is the log-likelihood ratio of "the rate is ρ times the
//! baseline" against "it is the baseline" for a Poisson count (Lucas 1985); dividing by
//! φ̂ is the quasi-likelihood version for overdispersed counts. h(μ, φ) is set so that
//! the in-control average run length (ARL₀, days between false alarms) of one stream is
//! `arl_margin · 365.25 · streams_per_merchant / false_alarms_per_year`, computed by
//! the Brook–Evans Markov chain with negative binomial counts and averaged over the
//! sampling error of the baseline and of the dispersion (see [`Calibration`]). An alarm
//! opens an episode that lasts until S returns to 0 (at most `max_episode_days`). The
//! result is a pure function of the daily series: the order events arrived in cannot
//! change it. Formulas and measured performance: docs/watch.md.

use serde::{Deserialize, Serialize};

use crate::special::ln_gamma;
use jiff::civil::Date;

/// One day of a stream: how many negative signals, out of how much exposure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// The calendar day (in the merchant's reporting time zone).
    pub date: Date,
    /// Negative signals that day (late deliveries, complaints, …).
    pub count: u64,
    /// Exposure that day (deliveries with a promise, orders, reviews, …). Must be ≥ 0;
    /// a day with zero exposure and a positive count is read as exposure = count.
    pub exposure: f64,
}

/// A daily series of one stream of one merchant. Days may come in any order; a
/// missing day is a day with zero count and zero exposure; two entries for the same
/// day are added together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailySeries {
    /// Stream name, e.g. `delivery_overdue`, `complaints:quality` (see [`streams`]).
    pub stream: String,
    /// The days.
    pub days: Vec<Day>,
}

/// Standard stream names and what counts in each (the integrator builds them from
/// events; see docs/watch.md for the full definitions).
pub mod streams {
    /// Orders whose `promised_by` fell on the day with no delivery by then (count),
    /// out of orders whose `promised_by` fell on the day (exposure). Known at the
    /// deadline, before any late delivery arrives: the earliest delivery signal.
    pub const DELIVERY_OVERDUE: &str = "delivery_overdue";
    /// Deliveries on the day after their order's `promised_by` (count), out of
    /// deliveries on the day whose order had a `promised_by` (exposure).
    pub const DELIVERY_LATE: &str = "delivery_late";
    /// Reviews of 1–2 stars on the day, out of reviews on the day.
    pub const REVIEWS_NEGATIVE: &str = "reviews_negative";
    /// Tickets whose first-response deadline (opened + `sla_minutes`) fell on the day
    /// with no reply by then, out of tickets whose deadline fell on the day.
    pub const TICKET_SLA_BREACH: &str = "ticket_sla_breach";
    /// Refunds whose `promised_by` fell on the day and were not completed by then, out
    /// of refunds promised for the day.
    pub const REFUND_OVERDUE: &str = "refund_overdue";
    /// Prefix of the complaint streams, one per category (`complaints:quality`, …):
    /// complaints of that category on the day, out of the mean daily orders of the
    /// 7 days ending that day (orders, smoothed: complaints trail orders by days).
    pub const COMPLAINTS_PREFIX: &str = "complaints:";
    /// Prefix of the negative-text streams, one per aspect (`text_negative:delivery`):
    /// reviews and complaints whose text is negative about the aspect, out of texts
    /// analysed that day.
    pub const TEXT_NEGATIVE_PREFIX: &str = "text_negative:";
}

/// Collects signals into daily series, in any order: each call adds to a (stream,
/// day) cell, so the result does not depend on the order events are fed in.
#[derive(Debug, Clone, Default)]
pub struct SeriesBuilder {
    cells: std::collections::BTreeMap<(String, i64), (u64, f64)>,
}

impl SeriesBuilder {
    /// An empty builder.
    pub fn new() -> SeriesBuilder {
        SeriesBuilder::default()
    }

    /// Add `count` signals and `exposure` to `stream` on `date`. Use `count = 0` to
    /// record exposure alone (an order promised for the day that was delivered on time).
    pub fn add(&mut self, stream: &str, date: Date, count: u64, exposure: f64) {
        let e = self
            .cells
            .entry((stream.to_string(), day_number(date)))
            .or_insert((0, 0.0));
        e.0 += count;
        e.1 += exposure;
    }

    /// The series, one per stream (sorted by name), each covering every day from
    /// `from` to `through` inclusive (days without entries are zero); cells outside
    /// that range are dropped. Pass the last *complete* day as `through`.
    pub fn build(&self, from: Date, through: Date) -> Vec<DailySeries> {
        let (a, b) = (day_number(from), day_number(through));
        let mut out: Vec<DailySeries> = Vec::new();
        let mut names: Vec<&String> = self.cells.keys().map(|(s, _)| s).collect();
        names.dedup();
        for name in names {
            let days = (a..=b)
                .map(|d| {
                    let (count, exposure) = self
                        .cells
                        .get(&(name.clone(), d))
                        .copied()
                        .unwrap_or((0, 0.0));
                    Day {
                        date: date_from_number(d),
                        count,
                        exposure,
                    }
                })
                .collect();
            out.push(DailySeries {
                stream: name.clone(),
                days,
            });
        }
        out
    }
}

/// Detector settings. The defaults are the documented ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Baseline window W in days.
    pub baseline_days: u32,
    /// Guard gap G: the most recent days left out of the baseline, so a crisis that
    /// has just begun does not raise its own baseline.
    pub guard_days: u32,
    /// Monitoring starts once the baseline holds this many days with exposure.
    pub min_baseline_days: u32,
    /// ρ: the rate ratio the CUSUM is tuned to detect fastest.
    pub shift: f64,
    /// Streams watched per merchant (for the false-alarm budget).
    pub streams_per_merchant: u32,
    /// Target false alarms per merchant per year across all its streams, on
    /// stationary data.
    pub false_alarms_per_year: f64,
    /// Scale the statistic by the Pearson dispersion (quasi-Poisson).
    pub overdispersion: bool,
    /// Safety margin on the in-control ARL: thresholds are calibrated to
    /// `margin · target_arl0`. It covers what the calibration approximates
    /// (quasi-likelihood scaling of overdispersed counts, the tails of the dispersion
    /// estimate); 1.5 is the smallest value with which the measured false-alarm rate
    /// of the `eval crisis` negative binomial streams stays within the target.
    pub arl_margin: f64,
    /// An episode open this many days is closed and its days join the baseline: the
    /// new level becomes the normal one (the alert stays until a person resolves it).
    pub max_episode_days: u32,
    /// Window D for the dispersion estimate (days ending G days back; at least W).
    /// Longer than the baseline: dispersion is a slow property of a stream, and a
    /// noisy estimate of it costs false alarms.
    pub dispersion_days: u32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            baseline_days: 56,
            guard_days: 7,
            min_baseline_days: 28,
            shift: 2.0,
            streams_per_merchant: 8,
            false_alarms_per_year: 1.0,
            overdispersion: true,
            arl_margin: 1.5,
            max_episode_days: 28,
            dispersion_days: 224,
        }
    }
}

impl DetectorConfig {
    /// The in-control ARL (days between false alarms) one stream should achieve (the
    /// thresholds are calibrated to `arl_margin` times this).
    pub fn target_arl0(&self) -> f64 {
        365.25 * f64::from(self.streams_per_merchant) / self.false_alarms_per_year
    }
}

/// Why a configuration cannot be calibrated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CalibrationError {
    /// A setting is out of range.
    #[error("invalid detector setting: {0}")]
    Invalid(&'static str),
}

/// Thresholds h(μ, φ) on a grid of in-control means μ (expected count per day) and
/// dispersions φ (variance / mean), built once per configuration and reused for every
/// stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    config: DetectorConfig,
    /// ln μ of the grid rows, ascending.
    ln_mu: Vec<f64>,
    /// ln φ of the grid columns, ascending (just `[0]` without dispersion scaling).
    ln_phi: Vec<f64>,
    /// h, row-major: `h[i * ln_phi.len() + j]`.
    h: Vec<f64>,
}

/// Grid of in-control means: 0.02 … 200 per day, evenly spaced in ln μ.
const GRID_MIN: f64 = 0.02;
const GRID_MAX: f64 = 200.0;
const GRID_POINTS: usize = 21;
/// Grid of dispersions φ = 1, 1.5, … 1.5⁴ ≈ 5.
const PHI_POINTS: usize = 5;
const PHI_STEP: f64 = 1.5;
/// Markov-chain states for the ARL computation.
const ARL_STATES: usize = 60;
/// Quantile points averaging over the baseline rate's sampling error.
const ESTIMATION_POINTS: usize = 5;
/// Quantile points averaging over the dispersion estimate's sampling error.
const DISPERSION_POINTS: usize = 5;
/// The baseline's count is floored at this many signals: a stream quieter than two
/// signals in eight weeks is watched as if it had two (its rate cannot be estimated
/// more finely, and a near-zero baseline would make a single signal an alarm).
pub const MIN_BASELINE_COUNT: f64 = 2.0;

/// The baseline count used for a window holding `c` signals: `c + ½ + √(c + ½)`
/// (one standard error above the estimate), at least [`MIN_BASELINE_COUNT`]. A
/// baseline that happens to come out low would otherwise turn noise into alarms;
/// the bias costs about 1/√(expected count in the window) of sensitivity.
pub fn baseline_count(c: f64) -> f64 {
    let x = c + 0.5;
    (x + x.sqrt()).max(MIN_BASELINE_COUNT)
}

impl Calibration {
    /// Calibrate thresholds for `config`.
    ///
    /// For each (μ, φ) on the grid, h solves `A(h) = target_arl0` where
    /// `1/A(h) = mean over (q, v) of 1/ARL(h)`: the alarm rate averaged over the
    /// sampling error of a W-day baseline (q = baseline rate / true rate, quantiles of
    /// [`baseline_count`]`(C)/(Wμ)` with C the window's count, negative binomial with
    /// mean Wμ and dispersion φ) and of the dispersion estimate (v = φ̂/φ, quantiles of
    /// χ²_{W−1}/(W−1)). Counts are negative binomial with mean μ and variance φμ
    /// (Poisson when φ = 1); ARL by the Brook–Evans (1972) Markov chain. Averaging the
    /// alarm *rate* over the estimation error accounts for the extra false alarms an
    /// estimated baseline causes.
    pub fn new(config: DetectorConfig) -> Result<Calibration, CalibrationError> {
        if config.baseline_days < 7 {
            return Err(CalibrationError::Invalid("baseline_days must be ≥ 7"));
        }
        if config.min_baseline_days < 2 || config.min_baseline_days > config.baseline_days {
            return Err(CalibrationError::Invalid(
                "min_baseline_days must be in 2..=baseline_days",
            ));
        }
        if !(config.shift > 1.0 && config.shift.is_finite()) {
            return Err(CalibrationError::Invalid("shift must be > 1"));
        }
        if config.streams_per_merchant == 0
            || !(config.false_alarms_per_year > 0.0 && config.false_alarms_per_year.is_finite())
        {
            return Err(CalibrationError::Invalid(
                "streams_per_merchant and false_alarms_per_year must be positive",
            ));
        }
        if !(config.arl_margin >= 1.0 && config.arl_margin.is_finite()) {
            return Err(CalibrationError::Invalid("arl_margin must be ≥ 1"));
        }
        if config == DetectorConfig::default() {
            return Ok(Calibration::from_table(
                config,
                &crate::calibration_table::DEFAULT_H,
            ));
        }
        Calibration::compute(config)
    }

    /// Calibrate by computation, bypassing the built-in table of the default
    /// configuration (about 1–3 s in release; the table is checked against this).
    pub fn compute(config: DetectorConfig) -> Result<Calibration, CalibrationError> {
        let target = config.target_arl0() * config.arl_margin;
        let w = f64::from(config.baseline_days);
        let (ln_mu, ln_phi) = Calibration::grids(&config);
        let mut h = Vec::with_capacity(ln_mu.len() * ln_phi.len());
        for &lmu in &ln_mu {
            let mu = lmu.exp();
            for &lphi in &ln_phi {
                let phi = lphi.exp();
                let wmu = w * mu;
                let vs = dispersion_quantiles(&config, mu, phi);
                let qs: Vec<f64> = (0..ESTIMATION_POINTS)
                    .map(|k| {
                        let p = (k as f64 + 0.5) / ESTIMATION_POINTS as f64;
                        baseline_count(negbin_quantile(wmu, phi, p) as f64) / wmu
                    })
                    .collect();
                h.push(solve_threshold(mu, phi, &qs, &vs, config.shift, target));
            }
        }
        Ok(Calibration {
            config,
            ln_mu,
            ln_phi,
            h,
        })
    }

    fn grids(config: &DetectorConfig) -> (Vec<f64>, Vec<f64>) {
        let (lo, hi) = (GRID_MIN.ln(), GRID_MAX.ln());
        let ln_mu = (0..GRID_POINTS)
            .map(|i| lo + (hi - lo) * i as f64 / (GRID_POINTS - 1) as f64)
            .collect();
        let ln_phi = if config.overdispersion {
            (0..PHI_POINTS).map(|j| j as f64 * PHI_STEP.ln()).collect()
        } else {
            vec![0.0]
        };
        (ln_mu, ln_phi)
    }

    fn from_table(config: DetectorConfig, h: &[f64]) -> Calibration {
        let (ln_mu, ln_phi) = Calibration::grids(&config);
        Calibration {
            config,
            ln_mu,
            ln_phi,
            h: h.to_vec(),
        }
    }

    /// The thresholds, row-major over (μ, φ) (for regenerating the built-in table).
    pub fn thresholds(&self) -> &[f64] {
        &self.h
    }

    /// The configuration calibrated for.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Threshold h for an in-control mean of `mu` expected counts per day and
    /// dispersion `phi` (bilinear in ln μ and ln φ; clamped to the grid's edges).
    pub fn threshold(&self, mu: f64, phi: f64) -> f64 {
        let (i, fi) = locate(&self.ln_mu, mu.clamp(GRID_MIN, GRID_MAX).ln());
        let (j, fj) = locate(&self.ln_phi, phi.max(1.0).ln());
        let m = self.ln_phi.len();
        let at = |i: usize, j: usize| self.h[i * m + j];
        let j1 = (j + 1).min(m - 1);
        let i1 = (i + 1).min(self.ln_mu.len() - 1);
        let a = at(i, j) + (at(i, j1) - at(i, j)) * fj;
        let b = at(i1, j) + (at(i1, j1) - at(i1, j)) * fj;
        a + (b - a) * fi
    }

    /// The grid as (μ, φ, h) triples, for documentation and tests.
    pub fn table(&self) -> Vec<(f64, f64, f64)> {
        let m = self.ln_phi.len();
        self.ln_mu
            .iter()
            .enumerate()
            .flat_map(|(i, lm)| {
                self.ln_phi
                    .iter()
                    .enumerate()
                    .map(move |(j, lp)| (lm.exp(), lp.exp(), self.h[i * m + j]))
            })
            .collect()
    }
}

/// Index of the grid cell holding `x` and the fraction across it.
fn locate(grid: &[f64], x: f64) -> (usize, f64) {
    if grid.len() < 2 || x <= grid[0] {
        return (0, 0.0);
    }
    let last = grid.len() - 1;
    if x >= grid[last] {
        return (last, 0.0);
    }
    let i = grid.partition_point(|&g| g <= x) - 1;
    (i, (x - grid[i]) / (grid[i + 1] - grid[i]))
}

/// The smallest count c with P(C ≤ c) ≥ p, C negative binomial with mean `mean` and
/// variance φ·mean (Poisson when φ = 1).
fn negbin_quantile(mean: f64, phi: f64, p: f64) -> u64 {
    let pmf = count_pmf(mean, phi);
    let mut cdf = 0.0;
    for (c, v) in pmf.iter().enumerate() {
        cdf += v;
        if cdf >= p {
            return c as u64;
        }
    }
    pmf.len().saturating_sub(1) as u64
}

/// P(C = c) for c = 0..cmax, C negative binomial with mean μ and variance φμ (Poisson
/// when φ = 1); cmax reaches 12 standard deviations above the mean.
fn count_pmf(mu: f64, phi: f64) -> Vec<f64> {
    if mu <= 0.0 {
        return vec![1.0];
    }
    let phi = phi.max(1.0);
    let cmax = (mu + 12.0 * (mu * phi).sqrt() + 20.0).ceil() as usize;
    let mut out = Vec::with_capacity(cmax + 1);
    if phi <= 1.0 + 1e-9 {
        let lmu = mu.ln();
        for c in 0..=cmax {
            out.push((c as f64 * lmu - mu - ln_gamma(c as f64 + 1.0)).exp());
        }
    } else {
        // size k = μ/(φ−1); p(c) = Γ(c+k)/(Γ(k) c!) (k/(k+μ))^k (μ/(k+μ))^c
        let k = mu / (phi - 1.0);
        let lq = (mu / (k + mu)).ln();
        let base = k * (k / (k + mu)).ln() - ln_gamma(k);
        for c in 0..=cmax {
            let cf = c as f64;
            out.push((base + ln_gamma(cf + k) - ln_gamma(cf + 1.0) + cf * lq).exp());
        }
    }
    out
}

/// Quantiles of φ̂/φ, the relative error of a dispersion estimate from a full
/// window of D days (χ²_k/k with k = D − 1, by the Wilson–Hilferty approximation). Just `[1]`
/// when the dispersion scaling is off.
///
/// The χ² approximation holds for normal data; counts have excess kurtosis κ
/// (negative binomial with mean μ and dispersion φ: κ = 6(φ−1)/μ + 1/(μφ); Poisson:
/// 1/μ), which widens the estimate's spread by √((2+κ)/2). The quantiles are spread
/// by that factor around their median.
fn dispersion_quantiles(config: &DetectorConfig, mu: f64, phi: f64) -> Vec<f64> {
    if !config.overdispersion {
        return vec![1.0];
    }
    let kurt = (6.0 * (phi - 1.0) / mu + 1.0 / (mu * phi)).min(20.0);
    let widen = ((2.0 + kurt) / 2.0).sqrt();
    // standard normal quantiles at (k + ½)/5
    const Z: [f64; DISPERSION_POINTS] = [-1.281_551_6, -0.524_400_5, 0.0, 0.524_400_5, 1.281_551_6];
    let k = f64::from(config.dispersion_days.max(config.baseline_days) - 1);
    let c = 2.0 / (9.0 * k);
    Z.iter()
        .map(|z| (1.0 - c + z * widen * c.sqrt()).max(0.05).powi(3))
        .collect()
}

/// Effective ARL at true mean `mu` and dispersion `phi`: the alarm rate averaged over
/// the baseline-rate quantiles `qs` and dispersion-estimate quantiles `vs`. The
/// detector divides increments by φ̂ = max(1, vφ), which is the same as a threshold
/// h·max(1, vφ) on the unscaled statistic.
fn effective_arl(
    pmf: &[f64],
    mu: f64,
    phi: f64,
    qs: &[f64],
    vs: &[f64],
    shift: f64,
    h: f64,
) -> f64 {
    let mut rate = 0.0;
    for &q in qs {
        for &v in vs {
            let scale = (v * phi).max(1.0);
            rate += 1.0
                / arl_cusum(
                    pmf,
                    shift.ln(),
                    (shift - 1.0) * q * mu,
                    h * scale,
                    ARL_STATES,
                );
        }
    }
    (qs.len() * vs.len()) as f64 / rate
}

/// Find h with effective ARL = target (regula falsi, Illinois variant, on ln ARL).
fn solve_threshold(mu: f64, phi: f64, qs: &[f64], vs: &[f64], shift: f64, target: f64) -> f64 {
    let pmf = count_pmf(mu, phi);
    let g = |h: f64| effective_arl(&pmf, mu, phi, qs, vs, shift, h).ln() - target.ln();
    let (mut a, mut b) = (0.01, 4.0);
    let mut ga = g(a);
    let mut gb = g(b);
    while gb < 0.0 && b < 200.0 {
        a = b;
        ga = gb;
        b *= 2.0;
        gb = g(b);
    }
    if gb < 0.0 {
        return b;
    }
    if ga > 0.0 {
        return a;
    }
    let mut side = 0i8;
    for _ in 0..60 {
        let c = (a * gb - b * ga) / (gb - ga);
        let gc = g(c);
        if gc.abs() < 1e-3 || (b - a).abs() < 1e-3 {
            return c;
        }
        if gc > 0.0 {
            b = c;
            gb = gc;
            if side == 1 {
                ga /= 2.0;
            }
            side = 1;
        } else {
            a = c;
            ga = gc;
            if side == -1 {
                gb /= 2.0;
            }
            side = -1;
        }
    }
    0.5 * (a + b)
}

/// Average run length of the Poisson CUSUM `S = max(0, S + c·ln ρ − (ρ−1)·μ_ref)`
/// with alarm at `S > h`, when counts are Poisson with mean `mu_true`, by the
/// Brook–Evans Markov chain with `states` states on [0, h].
pub fn arl_poisson_cusum(mu_true: f64, mu_ref: f64, shift: f64, h: f64, states: usize) -> f64 {
    let pmf = count_pmf(mu_true, 1.0);
    arl_cusum(&pmf, shift.ln(), (shift - 1.0) * mu_ref, h, states)
}

/// ARL of `S = max(0, S + a·c − b)`, alarm at `S > h`, counts with probabilities `pmf`
/// (mass beyond its end counts as an immediate alarm). States are the points i·h/N,
/// i = 0..=N; a value between two points is split between them in proportion
/// (linear interpolation), which keeps the chain's mean drift exact even when a
/// step is smaller than the grid spacing (sparse streams).
fn arl_cusum(pmf: &[f64], a: f64, b: f64, h: f64, states: usize) -> f64 {
    let n = states.max(2) + 1;
    let w = h / (n - 1) as f64;
    // (I − Q) as a dense matrix, row-major.
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] += 1.0;
        let s = i as f64 * w;
        for (c, &p) in pmf.iter().enumerate() {
            let v = (s + c as f64 * a - b).max(0.0);
            if v > h {
                break; // larger c only go further up: absorbed
            }
            let x = v / w;
            let j = (x.floor() as usize).min(n - 1);
            let f = x - j as f64;
            m[i * n + j] -= p * (1.0 - f);
            if f > 0.0 && j + 1 < n {
                m[i * n + j + 1] -= p * f;
            }
        }
    }
    let mut rhs = vec![1.0; n];
    // Gaussian elimination with partial pivoting.
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&a, &b| m[a * n + col].abs().total_cmp(&m[b * n + col].abs()))
            .unwrap_or(col);
        if piv != col {
            for j in 0..n {
                m.swap(col * n + j, piv * n + j);
            }
            rhs.swap(col, piv);
        }
        let d = m[col * n + col];
        if d.abs() < 1e-300 {
            return f64::INFINITY;
        }
        for row in col + 1..n {
            let f = m[row * n + col] / d;
            if f == 0.0 {
                continue;
            }
            for j in col..n {
                m[row * n + j] -= f * m[col * n + j];
            }
            rhs[row] -= f * rhs[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let mut s = rhs[row];
        for j in row + 1..n {
            s -= m[row * n + j] * x[j];
        }
        x[row] = s / m[row * n + row];
    }
    x[0]
}

/// A day that drove an alarm: count above its expected value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriverDay {
    /// The day.
    pub date: Date,
    /// Negative signals that day.
    pub count: u64,
    /// Exposure that day.
    pub exposure: f64,
    /// The count expected at the baseline rate.
    pub expected: f64,
}

/// An alarm on one stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    /// The stream.
    pub stream: String,
    /// When the excess began: within the run of the statistic that crossed, the day
    /// that maximises the Poisson likelihood ratio of a rate change (see docs/watch.md).
    pub started_on: Date,
    /// The day the statistic crossed the threshold (the alert's `opened_at` day).
    pub opened_on: Date,
    /// The day the episode ended: the statistic returned to zero, or the episode
    /// reached `max_episode_days` and its level became the baseline; `None` if still
    /// open at the end of the series.
    pub ended_on: Option<Date>,
    /// Signals observed from `started_on` to `opened_on`.
    pub observed: u64,
    /// Signals expected at the baseline rate over the same days.
    pub expected: f64,
    /// observed / expected.
    pub magnitude: f64,
    /// The baseline rate per unit of exposure when the alarm opened.
    pub baseline_rate: f64,
    /// The statistic S on the opening day.
    pub statistic: f64,
    /// The threshold h on the opening day.
    pub threshold: f64,
    /// Days from `started_on` to `opened_on` whose count exceeded the expected count,
    /// in date order (attach the events of these days as the evidence).
    pub drivers: Vec<DriverDay>,
}

/// The detector's state on one day (for charts and debugging).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DayState {
    /// The day.
    pub date: Date,
    /// Count.
    pub count: u64,
    /// Exposure.
    pub exposure: f64,
    /// Expected count at the baseline rate; `None` while the baseline is warming up.
    pub expected: Option<f64>,
    /// The CUSUM statistic after the day.
    pub statistic: f64,
    /// The threshold that day; `None` while warming up.
    pub threshold: Option<f64>,
    /// Whether the day lies inside an alarm episode.
    pub in_alarm: bool,
}

/// The full result of watching one stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Monitor {
    /// The stream.
    pub stream: String,
    /// One entry per calendar day from the first to the last day of the series.
    pub days: Vec<DayState>,
    /// Alarms, oldest first.
    pub alarms: Vec<Alarm>,
}

const EPOCH: Date = jiff::civil::date(1970, 1, 1);

/// Days since 1970-01-01 of a civil date.
pub(crate) fn day_number(d: Date) -> i64 {
    // Date differences are in days by default.
    EPOCH.until(d).map_or(0, |span| i64::from(span.get_days()))
}

/// The civil date of a day number.
pub(crate) fn date_from_number(z: i64) -> Date {
    jiff::Span::new()
        .try_days(z)
        .and_then(|span| EPOCH.checked_add(span))
        .unwrap_or(Date::MAX)
}

/// Watch one stream: the daily statistic and its alarms. Pure and deterministic.
pub fn monitor(series: &DailySeries, cal: &Calibration) -> Monitor {
    let cfg = cal.config;
    // Normalise: contiguous days, duplicates summed, order irrelevant.
    let mut days: Vec<(i64, u64, f64)> = series
        .days
        .iter()
        .map(|d| {
            let e = if d.exposure.is_finite() && d.exposure > 0.0 {
                d.exposure
            } else {
                0.0
            };
            (day_number(d.date), d.count, e)
        })
        .collect();
    days.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.total_cmp(&b.2)));
    let Some(first) = days.first().map(|d| d.0) else {
        return Monitor {
            stream: series.stream.clone(),
            days: Vec::new(),
            alarms: Vec::new(),
        };
    };
    let last = days.last().map_or(first, |d| d.0);
    let len = (last - first + 1) as usize;
    let mut c = vec![0u64; len];
    let mut n = vec![0.0f64; len];
    for (d, cnt, e) in days {
        let i = (d - first) as usize;
        c[i] += cnt;
        n[i] += e;
    }
    for i in 0..len {
        if n[i] < c[i] as f64 && n[i] == 0.0 {
            n[i] = c[i] as f64;
        }
    }

    let (w, g) = (cfg.baseline_days as usize, cfg.guard_days as usize);
    let ln_rho = cfg.shift.ln();
    let mut flagged = vec![false; len];
    let dw = (cfg.dispersion_days as usize).max(w);
    // Baseline sums over included days of [t−G−W, t−G).
    let (mut sc, mut sn, mut sdays, mut sexp) = (0.0f64, 0.0f64, 0usize, 0usize);
    // Dispersion sums over included days with exposure of [t−G−D, t−G).
    let (mut dc, mut dn, mut dc2n, mut dexp) = (0.0f64, 0.0f64, 0.0f64, 0usize);
    let mut s = 0.0f64;
    let mut run_start: Option<usize> = None;
    let mut open: Option<usize> = None; // index into alarms of the open episode
    let mut opened_at_index = 0usize;
    let max_episode = cfg.max_episode_days.max(1) as usize;
    let mut out_days = Vec::with_capacity(len);
    let mut alarms: Vec<Alarm> = Vec::new();
    let mut expected_of = vec![0.0f64; len];

    for t in 0..len {
        // slide the window: add day t−G−1, drop day t−G−W−1
        if t > g {
            let j = t - g - 1;
            if !flagged[j] {
                sc += c[j] as f64;
                sn += n[j];
                sdays += 1;
                if n[j] > 0.0 {
                    sexp += 1;
                    dc += c[j] as f64;
                    dn += n[j];
                    dc2n += (c[j] as f64).powi(2) / n[j];
                    dexp += 1;
                }
            }
        }
        if t > g + w {
            let j = t - g - w - 1;
            if !flagged[j] {
                sc -= c[j] as f64;
                sn -= n[j];
                sdays -= 1;
                if n[j] > 0.0 {
                    sexp -= 1;
                }
            }
        }
        if t > g + dw {
            let j = t - g - dw - 1;
            if !flagged[j] && n[j] > 0.0 {
                dc -= c[j] as f64;
                dn -= n[j];
                dc2n -= (c[j] as f64).powi(2) / n[j];
                dexp -= 1;
            }
        }
        let date = date_from_number(first + t as i64);
        // An episode that has lasted max_episode_days is closed: the new level becomes
        // the baseline (its days rejoin the windows), so a lasting shift cannot starve
        // the baseline and blind the stream.
        if let Some(k) = open
            && t - opened_at_index >= max_episode
        {
            alarms[k].ended_on = Some(date);
            open = None;
            s = 0.0;
            run_start = None;
            for j in t.saturating_sub(g + dw + 1)..t {
                if !flagged[j] {
                    continue;
                }
                flagged[j] = false;
                if j + g < t {
                    // already passed into the windows while flagged: add it now
                    if j + g + w >= t {
                        sc += c[j] as f64;
                        sn += n[j];
                        sdays += 1;
                        if n[j] > 0.0 {
                            sexp += 1;
                        }
                    }
                    if j + g + dw >= t && n[j] > 0.0 {
                        dc += c[j] as f64;
                        dn += n[j];
                        dc2n += (c[j] as f64).powi(2) / n[j];
                        dexp += 1;
                    }
                }
            }
        }
        if sexp < cfg.min_baseline_days as usize || sn <= 0.0 {
            out_days.push(DayState {
                date,
                count: c[t],
                exposure: n[t],
                expected: None,
                statistic: s,
                threshold: None,
                in_alarm: open.is_some(),
            });
            if open.is_some() {
                flagged[t] = true;
            }
            continue;
        }
        let p = baseline_count(sc) / sn;
        let mu = p * n[t];
        expected_of[t] = mu;
        let phi = if cfg.overdispersion && dexp > 1 && dc > 0.0 {
            // Pearson χ² with the unbiased rate of the dispersion window
            let pd = dc / dn;
            let pearson = (dc2n / pd - 2.0 * dc + pd * dn).max(0.0);
            (pearson / (dexp - 1) as f64).max(1.0)
        } else {
            1.0
        };
        let mu_bar = p * sn / sdays.max(1) as f64;
        let h = cal.threshold(mu_bar, phi);
        let z = (c[t] as f64 * ln_rho - (cfg.shift - 1.0) * mu) / phi;
        let before = s;
        s = (s + z).max(0.0);
        if s > 0.0 && before == 0.0 {
            run_start = Some(t);
        }
        if s == 0.0 {
            run_start = None;
        }
        match open {
            None if s > h => {
                let start = change_point(&c, &expected_of, run_start.unwrap_or(t), t);
                let observed: u64 = c[start..=t].iter().sum();
                let expected: f64 = expected_of[start..=t].iter().sum();
                let drivers = (start..=t)
                    .filter(|&j| c[j] as f64 > expected_of[j])
                    .map(|j| DriverDay {
                        date: date_from_number(first + j as i64),
                        count: c[j],
                        exposure: n[j],
                        expected: expected_of[j],
                    })
                    .collect();
                alarms.push(Alarm {
                    stream: series.stream.clone(),
                    started_on: date_from_number(first + start as i64),
                    opened_on: date,
                    ended_on: None,
                    observed,
                    expected,
                    magnitude: if expected > 0.0 {
                        observed as f64 / expected
                    } else {
                        f64::INFINITY
                    },
                    baseline_rate: p,
                    statistic: s,
                    threshold: h,
                    drivers,
                });
                open = Some(alarms.len() - 1);
                opened_at_index = t;
                // keep the episode's days out of future baselines
                for f in flagged
                    .iter_mut()
                    .take(t + 1)
                    .skip(start.max(t.saturating_sub(g)))
                {
                    *f = true;
                }
                s = s.min(h);
            }
            Some(k) => {
                flagged[t] = true;
                s = s.min(h);
                if s == 0.0 {
                    alarms[k].ended_on = Some(date);
                    open = None;
                }
            }
            None => {}
        }
        out_days.push(DayState {
            date,
            count: c[t],
            exposure: n[t],
            expected: Some(mu),
            statistic: s,
            threshold: Some(h),
            in_alarm: open.is_some() || flagged[t],
        });
    }
    Monitor {
        stream: series.stream.clone(),
        days: out_days,
        alarms,
    }
}

/// The most likely first day of the excess within the CUSUM's run `[from, to]`: the
/// k maximising the Poisson generalised likelihood ratio of "the rate has been
/// multiplied by an unknown factor since day k", `C ln(C/E) − (C − E)` with C and E the
/// observed and expected counts of days k..=to (ties: the later day).
fn change_point(c: &[u64], expected: &[f64], from: usize, to: usize) -> usize {
    let (mut cs, mut es) = (0.0f64, 0.0f64);
    let (mut best, mut best_k) = (f64::NEG_INFINITY, to);
    for k in (from..=to).rev() {
        cs += c[k] as f64;
        es += expected[k];
        let glr = if cs > es && es > 0.0 {
            cs * (cs / es).ln() - (cs - es)
        } else {
            0.0
        };
        if glr > best + 1e-12 {
            best = glr;
            best_k = k;
        }
    }
    best_k
}

/// Alarms of one stream (see [`monitor`]).
pub fn detect(series: &DailySeries, cal: &Calibration) -> Vec<Alarm> {
    monitor(series, cal).alarms
}

/// Alarms of all of a merchant's streams, ordered by opening day then stream name.
/// Streams with the same name are merged first (their days added).
pub fn detect_all(series: &[DailySeries], cal: &Calibration) -> Vec<Alarm> {
    let mut by_name: std::collections::BTreeMap<&str, Vec<Day>> = std::collections::BTreeMap::new();
    for s in series {
        by_name
            .entry(&s.stream)
            .or_default()
            .extend(s.days.iter().copied());
    }
    let mut out: Vec<Alarm> = by_name
        .into_iter()
        .flat_map(|(stream, days)| {
            detect(
                &DailySeries {
                    stream: stream.to_string(),
                    days,
                },
                cal,
            )
        })
        .collect();
    out.sort_by(|a, b| {
        a.opened_on
            .cmp(&b.opened_on)
            .then_with(|| a.stream.cmp(&b.stream))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 365, 10_957, 20_000, 2_932_896] {
            assert_eq!(day_number(date_from_number(z)), z);
        }
        assert_eq!(day_number(jiff::civil::date(1970, 1, 1)), 0);
        assert_eq!(day_number(jiff::civil::date(2026, 2, 15)), 20_499);
    }

    #[test]
    fn arl_grows_with_threshold_and_falls_with_shift() {
        let a1 = arl_poisson_cusum(2.0, 2.0, 2.0, 4.0, 60);
        let a2 = arl_poisson_cusum(2.0, 2.0, 2.0, 6.0, 60);
        let a3 = arl_poisson_cusum(4.0, 2.0, 2.0, 6.0, 60);
        assert!(a2 > a1 && a1 > a3, "{a1} {a2} {a3}");
        assert!(a3 < 10.0);
        // The discretisation has converged: 60 vs 300 states within 3 %.
        let fine = arl_poisson_cusum(2.0, 2.0, 2.0, 6.0, 300);
        assert!((a2 / fine - 1.0).abs() < 0.03, "{a2} vs {fine}");
    }
}
