//! Evaluation metrics: accuracy, macro-F1 and calibration (ECE, Brier).

/// Scores of probabilistic predictions against labels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Number of examples.
    pub n: usize,
    /// Share of correct labels (threshold 0.5).
    pub accuracy: f64,
    /// Mean of the F1 of the positive and of the negative class.
    pub macro_f1: f64,
    /// Expected calibration error over 10 equal-width probability bins.
    pub ece: f64,
    /// Brier score (mean squared error of the probability).
    pub brier: f64,
}

/// Score probabilities `p` (of positive) against `labels`.
pub fn score(p: &[f32], labels: &[bool]) -> Scores {
    let n = p.len().min(labels.len());
    if n == 0 {
        return Scores::default();
    }
    let (mut tp, mut tn, mut fp, mut fneg) = (0f64, 0f64, 0f64, 0f64);
    let mut brier = 0f64;
    let mut bins = [(0f64, 0f64, 0f64); 10];
    for (&pi, &y) in p.iter().zip(labels).take(n) {
        let pi = f64::from(pi);
        let yi = if y { 1.0 } else { 0.0 };
        match (pi >= 0.5, y) {
            (true, true) => tp += 1.0,
            (false, false) => tn += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fneg += 1.0,
        }
        brier += (pi - yi) * (pi - yi);
        let b = ((pi * 10.0) as usize).min(9);
        bins[b].0 += 1.0;
        bins[b].1 += pi;
        bins[b].2 += yi;
    }
    let f1 = |tp: f64, fp: f64, fneg: f64| {
        if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fneg)
        }
    };
    let nf = n as f64;
    let ece = bins
        .iter()
        .filter(|b| b.0 > 0.0)
        .map(|b| (b.1 - b.2).abs() / nf)
        .sum();
    Scores {
        n,
        accuracy: (tp + tn) / nf,
        macro_f1: (f1(tp, fp, fneg) + f1(tn, fneg, fp)) / 2.0,
        ece,
        brier: brier / nf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_imbalanced() {
        let s = score(&[0.9, 0.1, 0.8, 0.2], &[true, false, true, false]);
        assert_eq!(s.accuracy, 1.0);
        assert_eq!(s.macro_f1, 1.0);
        // always "negative" on 3 negatives + 1 positive: accuracy .75, macro-F1 < .5
        let s = score(&[0.1, 0.1, 0.1, 0.1], &[true, false, false, false]);
        assert_eq!(s.accuracy, 0.75);
        assert!(s.macro_f1 < 0.5);
        assert!((s.ece - 0.15).abs() < 1e-6);
    }
}
