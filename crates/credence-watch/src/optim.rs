//! Two small minimisers used on log-parameters by the BG/NBD fit: BFGS with an
//! analytic gradient (the default) and a Nelder–Mead simplex (Nelder & Mead 1965, with
//! the standard coefficients of Lagarias et al. 1998) as the derivative-free fallback.
//!
//! Why not `argmin`: the BG/NBD likelihood has four parameters and a smooth,
//! well-conditioned surface on the log scale; a hundred lines reach the optimum to
//! ~1e-8 in a few dozen evaluations. `argmin` would add a dependency tree (and compile
//! time on every CI run) for that. The fit is checked against the published CDNOW
//! estimates in the tests.

/// Result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The best point found.
    pub x: Vec<f64>,
    /// The function value there.
    pub f: f64,
    /// Function evaluations used.
    pub evaluations: u32,
    /// Whether the tolerance was met before the evaluation budget ran out.
    pub converged: bool,
}

/// Minimise `f` from `x0` with initial simplex steps `step`; stop when the spread of
/// the simplex's values is below `ftol` (absolute) and its size below `xtol`, or after
/// `max_evals` evaluations. Restarts once from the best point (a collapsed simplex
/// sometimes stops short of the minimum; the restart catches it).
pub fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    x0: &[f64],
    step: f64,
    ftol: f64,
    xtol: f64,
    max_evals: u32,
) -> Minimum {
    let mut evals = 0u32;
    let mut best = x0.to_vec();
    let mut fbest = f64::INFINITY;
    let mut converged = false;
    for _round in 0..3 {
        let (x, fx, ok) = run(&mut f, &best, step, ftol, xtol, max_evals, &mut evals);
        let improved = fbest - fx;
        best = x;
        fbest = fx;
        converged = ok;
        if !ok || improved.abs() <= ftol {
            break;
        }
    }
    Minimum {
        x: best,
        f: fbest,
        evaluations: evals,
        converged,
    }
}

fn run<F: FnMut(&[f64]) -> f64>(
    f: &mut F,
    x0: &[f64],
    step: f64,
    ftol: f64,
    xtol: f64,
    max_evals: u32,
    evals: &mut u32,
) -> (Vec<f64>, f64, bool) {
    let n = x0.len();
    let mut eval = |x: &[f64], evals: &mut u32| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut simplex: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    simplex.push(x0.to_vec());
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step;
        simplex.push(x);
    }
    let mut values: Vec<f64> = simplex.iter().map(|x| eval(x, evals)).collect();
    let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
    loop {
        // order
        let mut idx: Vec<usize> = (0..=n).collect();
        idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = idx.iter().map(|&i| simplex[i].clone()).collect();
        values = idx.iter().map(|&i| values[i]).collect();
        let spread = values[n] - values[0];
        let size = simplex
            .iter()
            .skip(1)
            .flat_map(|x| x.iter().zip(&simplex[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread <= ftol && size <= xtol {
            return (simplex[0].clone(), values[0], true);
        }
        if *evals >= max_evals {
            return (simplex[0].clone(), values[0], false);
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|x| x[j]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n])
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let xr = along(alpha);
        let fr = eval(&xr, evals);
        if fr < values[0] {
            let xe = along(gamma);
            let fe = eval(&xe, evals);
            if fe < fr {
                simplex[n] = xe;
                values[n] = fe;
            } else {
                simplex[n] = xr;
                values[n] = fr;
            }
            continue;
        }
        if fr < values[n - 1] {
            simplex[n] = xr;
            values[n] = fr;
            continue;
        }
        // contraction: outside if the reflection beat the worst, else inside
        let (xc, fc) = if fr < values[n] {
            let xc = along(rho);
            let fc = eval(&xc, evals);
            (xc, fc)
        } else {
            let xc = along(-rho);
            let fc = eval(&xc, evals);
            (xc, fc)
        };
        if fc < fr.min(values[n]) {
            simplex[n] = xc;
            values[n] = fc;
            continue;
        }
        // shrink toward the best
        for i in 1..=n {
            let xi: Vec<f64> = simplex[0]
                .iter()
                .zip(&simplex[i])
                .map(|(b, x)| b + sigma * (x - b))
                .collect();
            values[i] = eval(&xi, evals);
            simplex[i] = xi;
        }
    }
}

/// Minimise a smooth `f` with its gradient by BFGS (inverse-Hessian updates, Armijo
/// backtracking, steps capped at `max_step` per coordinate). `fg(x)` returns the value
/// and the gradient. Stops when every gradient component is below
/// `gtol · (1 + |f|)`, or after `max_iter` iterations (then `converged` is false).
pub fn bfgs<F: FnMut(&[f64]) -> (f64, Vec<f64>)>(
    mut fg: F,
    x0: &[f64],
    gtol: f64,
    max_step: f64,
    max_iter: u32,
) -> Minimum {
    let n = x0.len();
    let mut evals = 1u32;
    let mut x = x0.to_vec();
    let (mut f, mut g) = fg(&x);
    let mut h = identity(n);
    let mut first = true;
    for _ in 0..max_iter {
        if !f.is_finite() {
            break;
        }
        if g.iter().all(|v| v.abs() <= gtol * (1.0 + f.abs())) {
            return Minimum {
                x,
                f,
                evaluations: evals,
                converged: true,
            };
        }
        let mut d: Vec<f64> = (0..n).map(|i| -dot(&h[i], &g)).collect();
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            h = identity(n);
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
        }
        let big = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if big > max_step {
            let k = max_step / big;
            d.iter_mut().for_each(|v| *v *= k);
            slope *= k;
        }
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..50 {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            let (fnew, gnew) = fg(&xn);
            evals += 1;
            if fnew.is_finite() && fnew <= f + 1e-4 * t * slope {
                accepted = Some((xn, fnew, gnew));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fnew, gnew)) = accepted else {
            break; // no descent possible along d: at the optimum to machine precision
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gnew.iter().zip(&g).map(|(a, b)| a - b).collect();
        let ys = dot(&y, &s);
        if ys > 1e-12 {
            if first {
                let scale = ys / dot(&y, &y);
                h = identity(n);
                h.iter_mut().flatten().for_each(|v| *v *= scale);
                first = false;
            }
            // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
            let rho = 1.0 / ys;
            let hy: Vec<f64> = (0..n).map(|i| dot(&h[i], &y)).collect();
            let yhy = dot(&y, &hy);
            for i in 0..n {
                for j in 0..n {
                    h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j])
                        + (rho * rho * yhy + rho) * s[i] * s[j];
                }
            }
        }
        let done = (f - fnew).abs() <= 1e-15 * (1.0 + f.abs());
        x = xn;
        f = fnew;
        g = gnew;
        if done {
            break;
        }
    }
    let converged = g.iter().all(|v| v.abs() <= gtol * (1.0 + f.abs()));
    Minimum {
        x,
        f,
        evaluations: evals,
        converged,
    }
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = nelder_mead(rosen, &[-1.2, 1.0], 0.5, 1e-14, 1e-8, 10_000);
        assert!(m.converged);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5,
            "{m:?}"
        );
    }

    #[test]
    fn bfgs_finds_the_rosenbrock_minimum() {
        let fg = |x: &[f64]| {
            let f = (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
            let g = vec![
                -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]),
                200.0 * (x[1] - x[0] * x[0]),
            ];
            (f, g)
        };
        let m = bfgs(fg, &[-1.2, 1.0], 1e-7, 1.0, 500);
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }
}
