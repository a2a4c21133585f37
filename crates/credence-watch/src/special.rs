//! Special functions the statistics need: `ln Γ`, the Gauss hypergeometric series
//! ₂F₁, and Poisson probabilities. Written here (a few lines each) rather than pulled
//! from a numerics crate, to keep the crate's dependency tree small.

/// Lanczos coefficients (g = 7, n = 9), as in Numerical Recipes 3rd ed. / Boost.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, about 1e-14 absolute accuracy).
/// Uses the reflection formula below 0.5. Returns `+∞` at non-positive integers.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Γ(x)Γ(1−x) = π / sin(πx)
        let s = (std::f64::consts::PI * x).sin();
        if s == 0.0 {
            return f64::INFINITY;
        }
        return (std::f64::consts::PI / s.abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut acc = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        acc += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + acc.ln()
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) by its power series, for
/// `0 ≤ z < 1` and `c > 0`. Terms are summed until they no longer change the sum
/// (relative 1e-15); `None` if that takes more than `max_terms` (z very close to 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64, max_terms: usize) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || c <= 0.0 {
        return None;
    }
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 0..max_terms {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-15 * sum.abs() {
            return Some(sum);
        }
    }
    None
}

/// Poisson probabilities `P(C = c)` for `c = 0..=cmax` with mean `mu`, and the
/// upper tail mass beyond `cmax` (so the two add up to 1).
pub fn poisson_pmf(mu: f64, cmax: usize) -> (Vec<f64>, f64) {
    let mut p = Vec::with_capacity(cmax + 1);
    if mu <= 0.0 {
        p.push(1.0);
        p.resize(cmax + 1, 0.0);
        return (p, 0.0);
    }
    let lmu = mu.ln();
    let mut total = 0.0;
    for c in 0..=cmax {
        let v = (c as f64 * lmu - mu - ln_gamma(c as f64 + 1.0)).exp();
        total += v;
        p.push(v);
    }
    (p, (1.0 - total).max(0.0))
}

/// The smallest count `c` with `P(C ≤ c) ≥ q` for a Poisson variable of mean `mu`.
pub fn poisson_quantile(mu: f64, q: f64) -> u64 {
    if mu <= 0.0 {
        return 0;
    }
    let lmu = mu.ln();
    let mut cdf = 0.0;
    let mut c: u64 = 0;
    loop {
        cdf += (c as f64 * lmu - mu - ln_gamma(c as f64 + 1.0)).exp();
        if cdf >= q || c > (mu + 50.0 * mu.sqrt() + 100.0) as u64 {
            return c;
        }
        c += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half() {
        let mut f = 1.0f64;
        for n in 1..30u32 {
            // Γ(n) = (n−1)!
            assert!((ln_gamma(n as f64) - f.ln()).abs() < 1e-12, "n = {n}");
            f *= n as f64;
        }
        let half = 0.5 * std::f64::consts::PI.ln();
        assert!((ln_gamma(0.5) - half).abs() < 1e-13);
        assert!((ln_gamma(0.1) - 2.252_712_651_734_206).abs() < 1e-12);
    }

    #[test]
    fn hyp2f1_known_values() {
        // ₂F₁(1, 1; 2; z) = −ln(1−z)/z
        let z = 0.6;
        let v = hyp2f1(1.0, 1.0, 2.0, z, 100_000).expect("converges");
        assert!((v - (-(1.0f64 - z).ln() / z)).abs() < 1e-12);
        // ₂F₁(a, b; b; z) = (1−z)^(−a)
        let v = hyp2f1(2.5, 3.0, 3.0, 0.3, 100_000).expect("converges");
        assert!((v - 0.7f64.powf(-2.5)).abs() < 1e-12);
    }

    #[test]
    fn poisson_pmf_sums_to_one() {
        let (p, tail) = poisson_pmf(3.5, 10);
        let s: f64 = p.iter().sum::<f64>() + tail;
        assert!((s - 1.0).abs() < 1e-12);
        assert_eq!(poisson_quantile(3.5, 0.5), 3);
    }
}
