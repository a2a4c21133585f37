//! BG/NBD repurchase model (Fader, Hardie & Lee 2005, "Counting your customers the
//! easy way", *Marketing Science* 24(2)).
//!
//! A customer buys at Poisson rate λ ~ Gamma(r, α) while alive; after each purchase
//! they die with probability p ~ Beta(a, b). From a summary (x = repeat purchases,
//! t_x = time of the last purchase, T = age, all from the first purchase) the model
//! gives the likelihood (paper eq. 6), P(alive) (eq. 13 of the technical note) and the
//! expected number of purchases in the next t periods (eq. 10).
//!
//! The maximum-likelihood fit minimises −LL over (ln r, ln α, ln a, ln b) with
//! Nelder–Mead ([`crate::optim`]); see that module for why no optimiser crate.

use serde::{Deserialize, Serialize};

use crate::optim::nelder_mead;
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

/// Maximum-likelihood fit of (r, α, a, b). Deterministic: same data, same result.
pub fn fit(data: &[Customer]) -> Result<Fit, BgNbdError> {
    if data.is_empty() {
        return Err(BgNbdError::Empty);
    }
    for (i, c) in data.iter().enumerate() {
        c.check(i)?;
    }
    let max_x = data.iter().map(|c| c.frequency).max().unwrap_or(0) as usize;
    let data = compress(data);
    let neg_ll = |z: &[f64]| {
        let p = Params {
            r: z[0].exp(),
            alpha: z[1].exp(),
            a: z[2].exp(),
            b: z[3].exp(),
        };
        let (g, be) = x_tables(&p, max_x);
        -ll_with_tables(&p, &data, &g, &be)
    };
    // Start at r = α = a = b = 1 (lifetimes does the same); steps of e^0.5 on each.
    let m = nelder_mead(neg_ll, &[0.0; 4], 0.5, 1e-7, 1e-6, 20_000);
    let params = Params {
        r: m.x[0].exp(),
        alpha: m.x[1].exp(),
        a: m.x[2].exp(),
        b: m.x[3].exp(),
    };
    Ok(Fit {
        params,
        log_likelihood: -m.f,
        evaluations: m.evaluations,
        converged: m.converged,
    })
}

impl Params {
    /// P(alive | x, t_x, T) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
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
    ///   · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
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
