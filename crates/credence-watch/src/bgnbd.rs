//! BG/NBD repurchase model (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way", *Marketing Science* 24(2)).
//!
//! A customer buys at Poisson rate λ ~ Gamma(r, α) while alive; after each purchase
//! they die with probability p ~ Beta(a, b). From a summary (x = repeat purchases,
//! t_x = time of the last purchase, T = age, all from the first purchase) the model
//! gives the likelihood (paper eq. 6), P(alive) (eq. 13 of the technical note) and the
//! expected number of purchases in the next t periods (eq. 10).
//!
//! The maximum-likelihood fit minimises −LL over (ln r, ln α, ln a, ln b) with BFGS
//! and the analytic gradient, Nelder–Mead as fallback ([`crate::optim`]; see there
//! for why no optimiser crate).

use serde::{Deserialize, Serialize};

use crate::optim::{bfgs, nelder_mead};
use crate::special::hyp2f1;

/// One customer's purchase summary. Times are in any unit (weeks for CDNOW) as long as
/// the parameters and predictions use the same unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// x: repeat purchases (purchases after the first).
    pub frequency: u32,
    /// t_x: time from the first to the last purchase (0 when `frequency` is 0).
    pub recency: f64,
    /// T: time from the first purchase to the end of observation.
    pub age: f64,
}

impl Customer {
    /// The summary of one customer from purchase times (any order, any unit — e.g.
    /// days since an epoch) observed until `until`, in periods of `period` time units
    /// (7 for weeks when times are days). As in Fader, Hardie & Lee (and lifetimes),
    /// purchases in the same period count once: x = distinct periods − 1, t_x = last
    /// period − first period, T = (until − first purchase) / period. `None` without
    /// purchases, with a purchase after `until`, or a non-positive period.
    pub fn from_purchases(times: &[f64], until: f64, period: f64) -> Option<Customer> {
        if times.is_empty()
            || !period.is_finite()
            || period <= 0.0
            || times.iter().any(|t| !t.is_finite() || *t > until)
        {
            return None;
        }
        let mut p: Vec<i64> = times.iter().map(|t| (t / period).floor() as i64).collect();
        p.sort_unstable();
        p.dedup();
        let first = times.iter().copied().fold(f64::INFINITY, f64::min);
        let (lo, hi) = (p[0], p[p.len() - 1]);
        let age = ((until - first) / period).max(f64::MIN_POSITIVE);
        Some(Customer {
            frequency: (p.len() - 1) as u32,
            recency: ((hi - lo) as f64).min(age),
            age,
        })
    }
}

/// BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Scale (rate parameter) of the Gamma distribution of purchase rates.
    pub alpha: f64,
    /// Beta parameter a of the dropout probability.
    pub a: f64,
    /// Beta parameter b of the dropout probability.
    pub b: f64,
}

/// A maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// The estimates.
    pub params: Params,
    /// The log-likelihood at the estimates (sum over customers).
    pub log_likelihood: f64,
    /// Likelihood evaluations used.
    pub evaluations: u32,
    /// Whether the optimiser met its tolerance.
    pub converged: bool,
}

/// Why a summary could not be fitted or parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BgNbdError {
    /// No customers.
    #[error("no customers to fit")]
    Empty,
    /// A customer's summary is impossible (negative, not finite, recency > age).
    #[error("customer {index}: {what}")]
    BadCustomer {
        /// Position in the input (0-based).
        index: usize,
        /// What is wrong.
        what: String,
    },
    /// A CSV line could not be read.
    #[error("line {line}: {what}")]
    Csv {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: String,
    },
}

impl Customer {
    fn check(&self, index: usize) -> Result<(), BgNbdError> {
        let bad = |what: &str| BgNbdError::BadCustomer {
            index,
            what: what.to_string(),
        };
        if !(self.age.is_finite() && self.age > 0.0) {
            return Err(bad("age T must be positive"));
        }
        if !(self.recency.is_finite() && self.recency >= 0.0) {
            return Err(bad("recency must be ≥ 0"));
        }
        if self.recency > self.age * (1.0 + 1e-9) {
            return Err(bad("recency must not exceed age"));
        }
        Ok(())
    }
}

/// Per-x pieces of the log-likelihood that depend only on the parameters and x:
/// `ln Γ(r+x) − ln Γ(r)` and `ln B(a, b+x) − ln B(a, b)`, built by summing logs
/// (exact for integer x and cheaper than four `ln Γ` per customer).
fn x_tables(p: &Params, max_x: usize) -> (Vec<f64>, Vec<f64>) {
    let mut g = Vec::with_capacity(max_x + 1);
    let mut be = Vec::with_capacity(max_x + 1);
    let (mut sg, mut sb) = (0.0, 0.0);
    for k in 0..=max_x {
        g.push(sg);
        be.push(sb);
        let kf = k as f64;
        sg += (p.r + kf).ln();
        sb += (p.b + kf).ln() - (p.a + p.b + kf).ln();
    }
    (g, be)
}

/// Customers with the same (x, t_x, T) share one likelihood term: the fit works on
/// distinct summaries with their multiplicity (CDNOW: 2,357 customers, 1,016 distinct —
/// every customer without repeat purchases shares a term with the others of the same T).
#[derive(Debug, Clone, Copy)]
struct Weighted {
    c: Customer,
    n: f64,
}

fn compress(data: &[Customer]) -> Vec<Weighted> {
    let mut v: Vec<Customer> = data
        .iter()
        .map(|c| Customer {
            recency: if c.frequency == 0 { 0.0 } else { c.recency },
            ..*c
        })
        .collect();
    v.sort_by(|a, b| {
        a.frequency
            .cmp(&b.frequency)
            .then(a.recency.total_cmp(&b.recency))
            .then(a.age.total_cmp(&b.age))
    });
    let mut out: Vec<Weighted> = Vec::new();
    for c in v {
        match out.last_mut() {
            Some(w) if w.c == c => w.n += 1.0,
            _ => out.push(Weighted { c, n: 1.0 }),
        }
    }
    out
}

fn ll_with_tables(p: &Params, data: &[Weighted], g: &[f64], be: &[f64]) -> f64 {
    let r_ln_alpha = p.r * p.alpha.ln();
    let ln_a = p.a.ln();
    let mut total = 0.0;
    for w in data {
        let c = &w.c;
        let x = c.frequency as usize;
        let rx = p.r + c.frequency as f64;
        let a1 = g[x] + r_ln_alpha;
        let a2 = be[x];
        let a3 = -rx * (p.alpha + c.age).ln();
        let mix = if c.frequency > 0 {
            let a4 = ln_a - (p.b + c.frequency as f64 - 1.0).ln() - rx * (p.alpha + c.recency).ln();
            let m = a3.max(a4);
            m + ((a3 - m).exp() + (a4 - m).exp()).ln()
        } else {
            a3
        };
        total += w.n * (a1 + a2 + mix);
    }
    total
}

/// The BG/NBD log-likelihood of `data` (paper eq. 6, summed over customers).
pub fn log_likelihood(params: &Params, data: &[Customer]) -> f64 {
    let max_x = data.iter().map(|c| c.frequency).max().unwrap_or(0) as usize;
    let (g, be) = x_tables(params, max_x);
    ll_with_tables(params, &compress(data), &g, &be)
}

/// Log-likelihood and its gradient with respect to (r, α, a, b), on weighted
/// distinct summaries. With w₃ = e^{A₃}/(e^{A₃} + 𝟙(x>0) e^{A₄}) and w₄ = 1 − w₃:
/// ∂/∂θ ln L = ∂A₁/∂θ + ∂A₂/∂θ + w₃ ∂A₃/∂θ + w₄ ∂A₄/∂θ, where
/// ∂A₁/∂r = Σ_{k<x} 1/(r+k) + ln α, ∂A₁/∂α = r/α, ∂A₂/∂a = −Σ_{k<x} 1/(a+b+k),
/// ∂A₂/∂b = Σ_{k<x} 1/(b+k) − 1/(a+b+k), ∂A₃/∂r = −ln(α+T), ∂A₃/∂α = −(r+x)/(α+T),
/// ∂A₄/∂r = −ln(α+t_x), ∂A₄/∂α = −(r+x)/(α+t_x), ∂A₄/∂a = 1/a, ∂A₄/∂b = −1/(b+x−1).
fn ll_and_gradient(p: &Params, data: &[Weighted], max_x: usize) -> (f64, [f64; 4]) {
    let (g, be) = x_tables(p, max_x);
    // cumulative sums of 1/(r+k), 1/(a+b+k), 1/(b+k) for k < x
    let mut dr = vec![0.0; max_x + 1];
    let mut dab = vec![0.0; max_x + 1];
    let mut db = vec![0.0; max_x + 1];
    for k in 0..max_x {
        let kf = k as f64;
        dr[k + 1] = dr[k] + 1.0 / (p.r + kf);
        dab[k + 1] = dab[k] + 1.0 / (p.a + p.b + kf);
        db[k + 1] = db[k] + 1.0 / (p.b + kf);
    }
    let (ln_alpha, ln_a) = (p.alpha.ln(), p.a.ln());
    let mut ll = 0.0;
    let mut grad = [0.0; 4];
    for w in data {
        let c = &w.c;
        let x = c.frequency as usize;
        let xf = c.frequency as f64;
        let rx = p.r + xf;
        let l_t = (p.alpha + c.age).ln();
        let a3 = -rx * l_t;
        let mut gr = dr[x] + ln_alpha;
        let mut ga = p.r / p.alpha;
        let mut gaa = -dab[x];
        let mut gb = db[x] - dab[x];
        let mix = if c.frequency > 0 {
            let l_tx = (p.alpha + c.recency).ln();
            let a4 = ln_a - (p.b + xf - 1.0).ln() - rx * l_tx;
            let m = a3.max(a4);
            let (e3, e4) = ((a3 - m).exp(), (a4 - m).exp());
            let (w3, w4) = (e3 / (e3 + e4), e4 / (e3 + e4));
            gr += -w3 * l_t - w4 * l_tx;
            ga += -w3 * rx / (p.alpha + c.age) - w4 * rx / (p.alpha + c.recency);
            gaa += w4 / p.a;
            gb += -w4 / (p.b + xf - 1.0);
            m + (e3 + e4).ln()
        } else {
            gr -= l_t;
            ga -= rx / (p.alpha + c.age);
            a3
        };
        ll += w.n * (g[x] + p.r * ln_alpha + be[x] + mix);
        grad[0] += w.n * gr;
        grad[1] += w.n * ga;
        grad[2] += w.n * gaa;
        grad[3] += w.n * gb;
    }
    (ll, grad)
}

fn params_of(z: &[f64]) -> Params {
    Params {
        r: z[0].exp(),
        alpha: z[1].exp(),
        a: z[2].exp(),
        b: z[3].exp(),
    }
}

/// Maximum-likelihood fit of (r, α, a, b). Deterministic: same data, same result.
///
/// BFGS on (ln r, ln α, ln a, ln b) with the analytic gradient, from r = α = a = b = 1
/// (where lifetimes starts too); if it does not converge, Nelder–Mead continues from
/// where it stopped.
pub fn fit(data: &[Customer]) -> Result<Fit, BgNbdError> {
    if data.is_empty() {
        return Err(BgNbdError::Empty);
    }
    for (i, c) in data.iter().enumerate() {
        c.check(i)?;
    }
    let max_x = data.iter().map(|c| c.frequency).max().unwrap_or(0) as usize;
    let data = compress(data);
    let fg = |z: &[f64]| {
        let p = params_of(z);
        let (ll, g) = ll_and_gradient(&p, &data, max_x);
        // chain rule for θ = e^z: ∂/∂z = θ ∂/∂θ; minimise −ln L
        let grad = vec![-g[0] * p.r, -g[1] * p.alpha, -g[2] * p.a, -g[3] * p.b];
        (-ll, grad)
    };
    let mut m = bfgs(fg, &[0.0; 4], 1e-8, 2.0, 500);
    if !m.converged {
        let neg_ll = |z: &[f64]| {
            let p = params_of(z);
            let (g, be) = x_tables(&p, max_x);
            -ll_with_tables(&p, &data, &g, &be)
        };
        let evals = m.evaluations;
        m = nelder_mead(neg_ll, &m.x, 0.1, 1e-7, 1e-6, 20_000);
        m.evaluations += evals;
    }
    Ok(Fit {
        params: params_of(&m.x),
        log_likelihood: -m.f,
        evaluations: m.evaluations,
        converged: m.converged,
    })
}

/// The gradient of [`log_likelihood`] with respect to (r, α, a, b).
pub fn gradient(params: &Params, data: &[Customer]) -> [f64; 4] {
    let max_x = data.iter().map(|c| c.frequency).max().unwrap_or(0) as usize;
    ll_and_gradient(params, &compress(data), max_x).1
}

impl Params {
    /// P(alive | x, t_x, T) = 1 / (1 + 𝟙(x > 0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
    pub fn p_alive(&self, c: &Customer) -> f64 {
        if c.frequency == 0 {
            return 1.0;
        }
        let x = c.frequency as f64;
        let ln_odds = (self.a / (self.b + x - 1.0)).ln()
            + (self.r + x) * ((self.alpha + c.age).ln() - (self.alpha + c.recency).ln());
        1.0 / (1.0 + ln_odds.exp())
    }

    /// Expected purchases in the next `t` periods given the summary (paper eq. 10):
    ///
    /// E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
    ///   · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + 𝟙(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    ///
    /// `None` when the ₂F₁ series does not converge (t many times longer than α+T)
    /// or a = 1 exactly (the formula's removable singularity).
    pub fn expected_purchases(&self, t: f64, c: &Customer) -> Option<f64> {
        let x = c.frequency as f64;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        if (a - 1.0).abs() < 1e-12 || t < 0.0 {
            return None;
        }
        let z = t / (alpha + c.age + t);
        let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z, 1_000_000)?;
        let ratio = ((alpha + c.age) / (alpha + c.age + t)).powf(r + x);
        let num = (a + b + x - 1.0) / (a - 1.0) * (1.0 - ratio * f);
        let den = if c.frequency > 0 {
            1.0 + a / (b + x - 1.0) * ((alpha + c.age) / (alpha + c.recency)).powf(r + x)
        } else {
            1.0
        };
        Some(num / den)
    }

    /// Expected purchases in (0, t] of a customer just acquired (paper eq. 9):
    /// (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))].
    pub fn expected_purchases_new(&self, t: f64) -> Option<f64> {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        if (a - 1.0).abs() < 1e-12 || t < 0.0 {
            return None;
        }
        let f = hyp2f1(r, b, a + b - 1.0, t / (alpha + t), 1_000_000)?;
        Some((a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * f))
    }
}

/// Parse a customer summary CSV (a string: this crate does no I/O).
///
/// The header names the columns; order does not matter and case is ignored:
/// frequency (`frequency` or `x`), recency (`recency` or `t_x`), age (`T`, `age`).
/// An id column (`ID`, `id`, `customer`, or an unnamed first column as pandas writes
/// it in the `lifetimes` package's files) is allowed and ignored. Frequencies written
/// as `2.0` are accepted if integral. Blank lines are skipped.
pub fn parse_summary_csv(text: &str) -> Result<Vec<Customer>, BgNbdError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(BgNbdError::Empty)?;
    let names: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    let find = |alts: &[&str]| {
        names.iter().position(|n| {
            alts.iter().any(|a| {
                if *a == "T" {
                    n == "T" || n.eq_ignore_ascii_case("age")
                } else {
                    n.eq_ignore_ascii_case(a)
                }
            })
        })
    };
    let missing = |what: &str| BgNbdError::Csv {
        line: 1,
        what: format!("no {what} column in the header"),
    };
    let fi = find(&["frequency", "x"]).ok_or_else(|| missing("frequency"))?;
    let ri = find(&["recency", "t_x"]).ok_or_else(|| missing("recency"))?;
    let ti = find(&["T"]).ok_or_else(|| missing("T"))?;
    let mut out = Vec::new();
    for (ln, line) in lines {
        let fields: Vec<&str> = line
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .collect();
        let get = |i: usize, what: &str| -> Result<f64, BgNbdError> {
            fields
                .get(i)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| BgNbdError::Csv {
                    line: ln + 1,
                    what: format!("{what} is not a number"),
                })
        };
        let f = get(fi, "frequency")?;
        if f < 0.0 || f.fract() != 0.0 || f > u32::MAX as f64 {
            return Err(BgNbdError::Csv {
                line: ln + 1,
                what: "frequency must be a whole number ≥ 0".into(),
            });
        }
        let c = Customer {
            frequency: f as u32,
            recency: get(ri, "recency")?,
            age: get(ti, "T")?,
        };
        c.check(out.len()).map_err(|e| BgNbdError::Csv {
            line: ln + 1,
            what: e.to_string(),
        })?;
        out.push(c);
    }
    if out.is_empty() {
        return Err(BgNbdError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let data = [
            Customer {
                frequency: 0,
                recency: 0.0,
                age: 30.0,
            },
            Customer {
                frequency: 3,
                recency: 20.0,
                age: 35.0,
            },
            Customer {
                frequency: 1,
                recency: 2.5,
                age: 12.0,
            },
            Customer {
                frequency: 7,
                recency: 33.0,
                age: 38.0,
            },
        ];
        let p = Params {
            r: 0.4,
            alpha: 3.0,
            a: 0.8,
            b: 2.1,
        };
        let g = gradient(&p, &data);
        let h = 1e-6;
        let bump = |i: usize, d: f64| {
            let mut q = [p.r, p.alpha, p.a, p.b];
            q[i] += d;
            log_likelihood(
                &Params {
                    r: q[0],
                    alpha: q[1],
                    a: q[2],
                    b: q[3],
                },
                &data,
            )
        };
        for (i, gi) in g.iter().enumerate() {
            let num = (bump(i, h) - bump(i, -h)) / (2.0 * h);
            assert!(
                (gi - num).abs() < 1e-5 * (1.0 + num.abs()),
                "∂{i}: {gi} vs {num}"
            );
        }
    }

    #[test]
    fn summary_from_purchase_times() {
        // days 3, 3.5 (same day), 10, 24; observed until day 30; daily periods
        let c = Customer::from_purchases(&[24.0, 3.0, 10.0, 3.5], 30.0, 1.0).expect("some");
        assert_eq!(c.frequency, 2);
        assert_eq!(c.recency, 21.0);
        assert_eq!(c.age, 27.0);
        assert_eq!(Customer::from_purchases(&[], 30.0, 1.0), None);
        assert_eq!(Customer::from_purchases(&[31.0], 30.0, 1.0), None);
        let one = Customer::from_purchases(&[5.0], 30.0, 7.0).expect("some");
        assert_eq!((one.frequency, one.recency), (0, 0.0));
    }

    #[test]
    fn parses_both_header_styles() {
        let a = parse_summary_csv("ID,frequency,recency,T\n1,2,30.43,38.86\n2,0,0,38.86\n")
            .expect("parses");
        let b = parse_summary_csv(",frequency,recency,T\n0,2.0,30.43,38.86\n1,0.0,0.0,38.86\n")
            .expect("parses");
        assert_eq!(a, b);
        assert_eq!(a[0].frequency, 2);
        let c = parse_summary_csv("T,recency,x\n38.86,30.43,2\n").expect("parses");
        assert_eq!(c[0], a[0]);
        assert!(parse_summary_csv("ID,frequency,recency,T\n1,1.5,3,4\n").is_err());
        assert!(parse_summary_csv("ID,frequency,recency,T\n1,1,5,4\n").is_err());
    }

    #[test]
    fn p_alive_is_one_without_repeat_purchases_and_falls_with_silence() {
        let p = Params {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        let new = Customer {
            frequency: 0,
            recency: 0.0,
            age: 30.0,
        };
        assert_eq!(p.p_alive(&new), 1.0);
        let recent = Customer {
            frequency: 3,
            recency: 29.0,
            age: 30.0,
        };
        let silent = Customer {
            recency: 5.0,
            ..recent
        };
        assert!(p.p_alive(&recent) > p.p_alive(&silent));
        assert!(
            p.expected_purchases(10.0, &recent).expect("converges")
                > p.expected_purchases(10.0, &silent).expect("converges")
        );
    }
}
