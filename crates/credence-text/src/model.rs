//! The sentiment model: two hashed linear (logistic) models, one for Chinese and one
//! for English, with Platt calibration, and the VADER lexicon the English one reads.
//!
//! File format of `model/sentiment.bin` (little-endian):
//!
//! ```text
//! magic  b"CRDTXT01"
//! then twice (Chinese, then English):
//!   u32 bits            buckets = 2^bits
//!   f32 bias
//!   f32 platt_a, platt_b   P(positive) = sigmoid(platt_a · z + platt_b)
//!   u32 n_dense, n_dense × f32 dense weights
//!   f32 scale           weight = i16 × scale
//!   2^bits × i16 quantised bucket weights
//! ```

use std::path::Path;

use crate::features::{EN_DENSE, en_dense, en_features, zh_features};
use crate::lang::ScriptCounts;
use crate::vader::Vader;
use crate::{ModelError, Sentiment};

const MAGIC: &[u8; 8] = b"CRDTXT01";

/// The shipped weights, embedded at compile time.
pub static EMBEDDED_WEIGHTS: &[u8] = include_bytes!("../model/sentiment.bin");
/// The shipped VADER lexicon (MIT, see `model/VADER_LICENSE.txt`), embedded.
pub static EMBEDDED_VADER: &str = include_str!("../model/vader_lexicon.txt");

/// One hashed logistic-regression model.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// log2 of the number of buckets.
    pub bits: u32,
    /// Intercept.
    pub bias: f32,
    /// Platt slope applied to the raw logit.
    pub platt_a: f32,
    /// Platt intercept applied to the raw logit.
    pub platt_b: f32,
    /// Weights of the dense features (English: VADER features).
    pub dense: Vec<f32>,
    /// Bucket weights, `2^bits` of them.
    pub weights: Vec<f32>,
}

impl LinearModel {
    /// A zero model with `2^bits` buckets and `n_dense` dense features.
    pub fn zeros(bits: u32, n_dense: usize) -> Self {
        LinearModel {
            bits,
            bias: 0.0,
            platt_a: 1.0,
            platt_b: 0.0,
            dense: vec![0.0; n_dense],
            weights: vec![0.0; 1 << bits],
        }
    }

    /// Raw (uncalibrated) logit for hashed features and dense values.
    #[inline]
    pub fn logit(&self, features: &[u32], dense: &[f32]) -> f32 {
        let mut z = self.bias;
        for &i in features {
            z += self.weights.get(i as usize).copied().unwrap_or(0.0);
        }
        for (w, x) in self.dense.iter().zip(dense) {
            z += w * x;
        }
        z
    }

    /// Calibrated logit.
    #[inline]
    pub fn calibrate(&self, z: f32) -> f32 {
        self.platt_a * z + self.platt_b
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bits.to_le_bytes());
        for v in [self.bias, self.platt_a, self.platt_b] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.dense.len() as u32).to_le_bytes());
        for v in &self.dense {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let max = self.weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        out.extend_from_slice(&scale.to_le_bytes());
        for w in &self.weights {
            let q = (w / scale).round().clamp(-32767.0, 32767.0) as i16;
            out.extend_from_slice(&q.to_le_bytes());
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, ModelError> {
        let bits = r.u32()?;
        if !(8..=24).contains(&bits) {
            return Err(ModelError::Format(format!(
                "bucket bits {bits} out of range"
            )));
        }
        let bias = r.f32()?;
        let platt_a = r.f32()?;
        let platt_b = r.f32()?;
        let n_dense = r.u32()? as usize;
        if n_dense > 64 {
            return Err(ModelError::Format(format!("{n_dense} dense features")));
        }
        let dense = (0..n_dense)
            .map(|_| r.f32())
            .collect::<Result<Vec<_>, _>>()?;
        let scale = r.f32()?;
        let raw = r.take(2usize << bits)?;
        let weights = raw
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) * scale)
            .collect();
        Ok(LinearModel {
            bits,
            bias,
            platt_a,
            platt_b,
            dense,
            weights,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(ModelError::Truncated)?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_bits(self.u32()?))
    }
}

/// The full sentiment model: Chinese and English linear models and the VADER lexicon.
#[derive(Debug, Clone)]
pub struct Model {
    /// Chinese model (character 1–3-grams).
    pub zh: LinearModel,
    /// English model (word 1–2-grams + VADER dense features).
    pub en: LinearModel,
    /// VADER lexicon used by the English features.
    pub vader: Vader,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// The model shipped in `crates/credence-text/model/`, embedded in the binary.
    pub fn embedded() -> Result<Self, ModelError> {
        Self::from_bytes(EMBEDDED_WEIGHTS, EMBEDDED_VADER)
    }

    /// Load from the bytes of a weights file and the text of a VADER lexicon.
    pub fn from_bytes(weights: &[u8], vader_lexicon: &str) -> Result<Self, ModelError> {
        let mut r = Reader {
            bytes: weights,
            pos: 0,
        };
        if r.take(8).map_err(|_| ModelError::BadMagic)? != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let zh = LinearModel::read(&mut r)?;
        let en = LinearModel::read(&mut r)?;
        if en.dense.len() != EN_DENSE {
            return Err(ModelError::Format(format!(
                "English model has {} dense weights, want {EN_DENSE}",
                en.dense.len()
            )));
        }
        if r.pos != weights.len() {
            return Err(ModelError::Format("trailing bytes".into()));
        }
        Ok(Model {
            zh,
            en,
            vader: Vader::parse(vader_lexicon)?,
        })
    }

    /// Load from a directory holding `sentiment.bin` and `vader_lexicon.txt` (the layout
    /// of `crates/credence-text/model/`).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, ModelError> {
        let dir = dir.as_ref();
        let io = |path: std::path::PathBuf| move |source| ModelError::Io { path, source };
        let w = dir.join("sentiment.bin");
        let weights = std::fs::read(&w).map_err(io(w.clone()))?;
        let l = dir.join("vader_lexicon.txt");
        let lexicon = std::fs::read_to_string(&l).map_err(io(l.clone()))?;
        Self::from_bytes(&weights, &lexicon)
    }

    /// Serialise the weights (not the lexicon) in the format above.
    pub fn weights_to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 4 * self.zh.weights.len());
        out.extend_from_slice(MAGIC);
        self.zh.write(&mut out);
        self.en.write(&mut out);
        out
    }

    /// Calibrated logit of the Chinese model alone.
    pub fn zh_logit(&self, text: &str, buf: &mut Vec<u32>) -> f32 {
        zh_features(text, self.zh.bits, buf);
        self.zh.calibrate(self.zh.logit(buf, &[]))
    }

    /// Calibrated logit of the English model alone.
    pub fn en_logit(&self, text: &str, buf: &mut Vec<u32>) -> f32 {
        en_features(text, self.en.bits, buf);
        let dense = en_dense(text, &self.vader);
        self.en.calibrate(self.en.logit(buf, &dense))
    }

    /// Sentiment of `text`. Chinese text (Han share ≥ 0.7) goes to the Chinese model,
    /// English text (≤ 0.3) to the English model; mixed text gets the Han-share-weighted
    /// mean of both calibrated logits.
    pub fn sentiment(&self, text: &str) -> Sentiment {
        let mut buf = Vec::with_capacity(3 * text.len());
        let f = ScriptCounts::of(text).han_share();
        let z = if f >= 0.7 {
            self.zh_logit(text, &mut buf)
        } else if f <= 0.3 {
            self.en_logit(text, &mut buf)
        } else {
            f * self.zh_logit(text, &mut buf) + (1.0 - f) * self.en_logit(text, &mut buf)
        };
        Sentiment::from_probability(sigmoid(z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_within_quantisation() {
        let mut zh = LinearModel::zeros(8, 0);
        zh.weights[3] = 1.5;
        zh.weights[7] = -0.25;
        zh.bias = 0.1;
        let mut en = LinearModel::zeros(8, EN_DENSE);
        en.dense[0] = 2.0;
        let m = Model {
            zh,
            en,
            vader: Vader::default(),
        };
        let bytes = m.weights_to_bytes();
        let back = Model::from_bytes(&bytes, "good\t1.9\t0.1\t[]").expect("loads");
        assert!((back.zh.weights[7] + 0.25).abs() < 1e-4);
        assert_eq!(back.en.dense, vec![2.0, 0.0, 0.0, 0.0]);
        assert!(matches!(
            Model::from_bytes(&bytes[..20], "good\t1.9"),
            Err(ModelError::Truncated)
        ));
        assert!(matches!(
            Model::from_bytes(b"nonsense", "good\t1.9"),
            Err(ModelError::BadMagic)
        ));
    }
}
