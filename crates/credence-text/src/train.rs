//! Training: NB-weighted logistic regression (NB-LR, Wang & Manning 2012 style) on
//! hashed binary features, AdaGrad SGD with L2, deterministic (SplitMix64 shuffle from
//! a fixed seed), then Platt calibration. Used by the `credence-train-text` binary; pure.

use crate::data::Labelled;
use crate::features::{EN_DENSE, en_dense, en_features, zh_features};
use crate::model::LinearModel;
use crate::vader::Vader;

/// One training example: hashed features, dense features, label.
#[derive(Debug, Clone)]
pub struct Example {
    /// Deduplicated bucket indices (binary features).
    pub features: Vec<u32>,
    /// Dense feature values (empty for Chinese).
    pub dense: Vec<f32>,
    /// Positive?
    pub label: bool,
}

/// Hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// log2 of the number of buckets.
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad learning rate.
    pub lr: f32,
    /// L2 penalty per update on touched weights.
    pub l2: f32,
    /// NB log-count-ratio feature scaling (smoothing α) — `None` for plain LR.
    pub nb_alpha: Option<f32>,
    /// Multiplier of the dense features during training (folded into the weights).
    pub dense_scale: f32,
    /// Shuffle seed.
    pub seed: u64,
    /// Independent runs (seeds `seed`, `seed + 1`, …) whose weights are averaged: the
    /// same linear model size, less dependence on one shuffle order.
    pub runs: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            bits: 19,
            epochs: 8,
            lr: 0.1,
            l2: 1e-5,
            nb_alpha: Some(1.0),
            dense_scale: 1.0,
            seed: 0x00C0_FFEE,
            runs: 1,
        }
    }
}

/// The Chinese configuration shipped (best mean accuracy on ChnSentiCorp dev + waimai
/// held-out in the grid of `credence-train-text --grid`).
pub const ZH_CONFIG: TrainConfig = TrainConfig {
    bits: 20,
    epochs: 5,
    lr: 0.02,
    l2: 1e-5,
    nb_alpha: None,
    dense_scale: 1.0,
    seed: 0x00C0_FFEE,
    runs: 5,
};

/// The English configuration shipped (best mean leave-one-domain-out accuracy —
/// Amazon → IMDb and IMDb → Amazon — in the grid of `credence-train-text --grid`):
/// NB weighting, strong L2 on the n-grams with the VADER features scaled ×10 (so they
/// are regularised less), i.e. lean on the lexicon, which transfers across domains.
pub const EN_CONFIG: TrainConfig = TrainConfig {
    bits: 16,
    epochs: 5,
    lr: 0.05,
    l2: 3e-2,
    nb_alpha: Some(1.0),
    dense_scale: 10.0,
    seed: 0x00C0_FFEE,
    runs: 5,
};

/// Clause augmentation (distant supervision): every clause (split on punctuation, at
/// least two characters) of every multi-clause review, labelled with the review's label.
/// Added to the Chinese training set so that the short clauses aspect extraction scores
/// get confident probabilities; dev accuracy is unchanged by it.
pub fn clause_augment(rows: &[Labelled]) -> Vec<Labelled> {
    let mut out = Vec::new();
    for r in rows {
        let parts: Vec<&str> = r
            .text
            .split(|c: char| "，,。.！!？?；;~ \n".contains(c))
            .filter(|p| p.chars().count() >= 2)
            .collect();
        if parts.len() < 2 {
            continue;
        }
        out.extend(parts.into_iter().map(|p| Labelled {
            text: p.to_string(),
            positive: r.positive,
        }));
    }
    out
}

/// Chinese examples.
pub fn zh_examples(rows: &[Labelled], bits: u32) -> Vec<Example> {
    rows.iter()
        .map(|r| {
            let mut f = Vec::new();
            zh_features(&r.text, bits, &mut f);
            Example {
                features: f,
                dense: Vec::new(),
                label: r.positive,
            }
        })
        .collect()
}

/// English examples.
pub fn en_examples(rows: &[Labelled], bits: u32, vader: &Vader) -> Vec<Example> {
    rows.iter()
        .map(|r| {
            let mut f = Vec::new();
            en_features(&r.text, bits, &mut f);
            Example {
                features: f,
                dense: en_dense(&r.text, vader).to_vec(),
                label: r.positive,
            }
        })
        .collect()
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Train a model: the average of `cfg.runs` runs (at least one) with consecutive seeds.
/// The result has Platt `a = 1, b = 0` (see [`fit_temperature`]).
pub fn train(examples: &[Example], n_dense: usize, cfg: &TrainConfig) -> LinearModel {
    let runs = cfg.runs.max(1);
    let mut avg = train_once(examples, n_dense, cfg);
    for k in 1..runs {
        let m = train_once(
            examples,
            n_dense,
            &TrainConfig {
                seed: cfg.seed.wrapping_add(k as u64),
                ..*cfg
            },
        );
        avg.bias += m.bias;
        for (a, b) in avg.dense.iter_mut().zip(&m.dense) {
            *a += b;
        }
        for (a, b) in avg.weights.iter_mut().zip(&m.weights) {
            *a += b;
        }
    }
    let n = runs as f32;
    avg.bias /= n;
    avg.dense.iter_mut().for_each(|w| *w /= n);
    avg.weights.iter_mut().for_each(|w| *w /= n);
    avg
}

fn train_once(examples: &[Example], n_dense: usize, cfg: &TrainConfig) -> LinearModel {
    let size = 1usize << cfg.bits;
    // NB log-count ratios per bucket
    let r: Vec<f32> = match cfg.nb_alpha {
        Some(alpha) => {
            let mut p = vec![alpha; size];
            let mut q = vec![alpha; size];
            for e in examples {
                let v = if e.label { &mut p } else { &mut q };
                for &i in &e.features {
                    v[i as usize] += 1.0;
                }
            }
            let (sp, sq): (f64, f64) = (
                p.iter().map(|x| f64::from(*x)).sum(),
                q.iter().map(|x| f64::from(*x)).sum(),
            );
            p.iter()
                .zip(&q)
                .map(|(a, b)| ((f64::from(*a) / sp).ln() - (f64::from(*b) / sq).ln()) as f32)
                .collect()
        }
        None => vec![1.0; size],
    };
    let mut w = vec![0f32; size];
    let mut g2 = vec![0f32; size];
    let mut dw = vec![0f32; n_dense];
    let mut dg2 = vec![0f32; n_dense];
    let (mut b, mut bg2) = (0f32, 0f32);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = SplitMix(cfg.seed);
    let eps = 1e-6f32;
    for _ in 0..cfg.epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &k in &order {
            let e = &examples[k];
            let mut z = b;
            for &i in &e.features {
                z += w[i as usize] * r[i as usize];
            }
            for (d, x) in e.dense.iter().enumerate().take(n_dense) {
                z += dw[d] * x * cfg.dense_scale;
            }
            let g = sigmoid(z) - if e.label { 1.0 } else { 0.0 };
            for &i in &e.features {
                let i = i as usize;
                let gr = g * r[i] + cfg.l2 * w[i];
                g2[i] += gr * gr;
                w[i] -= cfg.lr * gr / (g2[i].sqrt() + eps);
            }
            for (d, x) in e.dense.iter().enumerate().take(n_dense) {
                let gr = g * x * cfg.dense_scale + cfg.l2 * dw[d];
                dg2[d] += gr * gr;
                dw[d] -= cfg.lr * gr / (dg2[d].sqrt() + eps);
            }
            bg2 += g * g;
            b -= cfg.lr * g / (bg2.sqrt() + eps);
        }
    }
    LinearModel {
        bits: cfg.bits,
        bias: b,
        platt_a: 1.0,
        platt_b: 0.0,
        dense: dw.iter().map(|x| x * cfg.dense_scale).collect(),
        weights: w.iter().zip(&r).map(|(a, b)| a * b).collect(),
    }
}

/// Raw logits of a model on examples.
pub fn logits(m: &LinearModel, examples: &[Example]) -> Vec<f32> {
    examples
        .iter()
        .map(|e| m.logit(&e.features, &e.dense))
        .collect()
}

/// Fit Platt scaling `sigmoid(a·z + b)` by Newton's method on log-loss.
pub fn fit_platt(z: &[f32], y: &[bool]) -> (f32, f32) {
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0f64, 0f64, 1e-9f64, 0f64, 1e-9f64);
        for (&zi, &yi) in z.iter().zip(y) {
            let zi = f64::from(zi);
            let p = 1.0 / (1.0 + (-(a * zi + b)).exp());
            let g = p - if yi { 1.0 } else { 0.0 };
            let h = p * (1.0 - p);
            ga += g * zi;
            gb += g;
            haa += h * zi * zi;
            hab += h * zi;
            hbb += h;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a as f32, b as f32)
}

/// Fit temperature scaling `sigmoid(a·z)` (Platt with the intercept fixed at 0, so the
/// decision threshold stays where training put it) by Newton's method on log-loss.
pub fn fit_temperature(z: &[f32], y: &[bool]) -> f32 {
    let mut a = 1.0f64;
    for _ in 0..100 {
        let (mut g, mut h) = (0f64, 1e-9f64);
        for (&zi, &yi) in z.iter().zip(y) {
            let zi = f64::from(zi);
            let p = 1.0 / (1.0 + (-(a * zi)).exp());
            g += (p - if yi { 1.0 } else { 0.0 }) * zi;
            h += p * (1.0 - p) * zi * zi;
        }
        let d = g / h;
        a -= d;
        if d.abs() < 1e-9 {
            break;
        }
    }
    a as f32
}

/// Apply a Platt fit to raw logits, giving probabilities.
pub fn platt_probs(z: &[f32], (a, b): (f32, f32)) -> Vec<f32> {
    z.iter().map(|zi| sigmoid(a * zi + b)).collect()
}

/// Out-of-fold raw logits for `cv` by `k`-fold cross-validation: fold `f` holds the rows
/// with `index % k == f`; each fold's model is trained on `always` plus the other folds.
pub fn cross_validate(
    always: &[Example],
    cv: &[Example],
    k: usize,
    n_dense: usize,
    cfg: &TrainConfig,
) -> Vec<f32> {
    let mut out = vec![0f32; cv.len()];
    for f in 0..k {
        let mut tr: Vec<Example> = always.to_vec();
        tr.extend(
            cv.iter()
                .enumerate()
                .filter(|(i, _)| i % k != f)
                .map(|(_, e)| e.clone()),
        );
        let m = train(&tr, n_dense, cfg);
        for (i, e) in cv.iter().enumerate().filter(|(i, _)| i % k == f) {
            out[i] = m.logit(&e.features, &e.dense);
        }
    }
    out
}

/// The number of dense English features (re-exported for the binaries).
pub const EN_DENSE_FEATURES: usize = EN_DENSE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_toy_and_is_deterministic() {
        let rows: Vec<Labelled> = ["好吃", "很好", "不错", "难吃", "很差", "太慢"]
            .iter()
            .enumerate()
            .map(|(i, t)| Labelled {
                text: (*t).to_string(),
                positive: i < 3,
            })
            .collect();
        let ex = zh_examples(&rows, 12);
        let cfg = TrainConfig {
            bits: 12,
            epochs: 20,
            ..TrainConfig::default()
        };
        let m1 = train(&ex, 0, &cfg);
        let m2 = train(&ex, 0, &cfg);
        assert_eq!(m1, m2);
        let z = logits(&m1, &ex);
        assert!(z[..3].iter().all(|z| *z > 0.0) && z[3..].iter().all(|z| *z < 0.0));
        let (a, _) = fit_platt(&z, &ex.iter().map(|e| e.label).collect::<Vec<_>>());
        assert!(a > 0.0);
    }
}
