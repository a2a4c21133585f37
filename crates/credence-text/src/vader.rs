//! A port of the VADER valence rules (Hutto & Gilbert 2014, MIT licence) used as dense
//! features of the English model.
//!
//! The lexicon is `model/vader_lexicon.txt`, copied unchanged from the `vaderSentiment`
//! 3.3.2 PyPI package with its licence (`model/VADER_LICENSE.txt`). The rules kept here
//! are the ones that matter for short review sentences: negation within three words
//! (valence × −0.74), degree adverbs (±0.293, damped with distance), emphasis by capitals
//! (+0.733), the "but" rule (before × 0.5, after × 1.5) and `!` emphasis. The idiom and
//! "least"/"kind of" special cases are left out.

use std::collections::HashMap;

use crate::ModelError;

const B_INCR: f32 = 0.293;
const C_INCR: f32 = 0.733;
const N_SCALAR: f32 = -0.74;

/// Negation words of VADER (with and without apostrophes).
pub(crate) const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
    "no",
];

const BOOST_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "fully",
    "greatly",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOST_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
];

/// Whether a lowercase word is a negation.
pub(crate) fn is_negation(word: &str) -> bool {
    NEGATE.contains(&word) || word.ends_with("n't")
}

/// The VADER lexicon: lowercase token → mean valence (−4..4).
#[derive(Debug, Clone, Default)]
pub struct Vader {
    lexicon: HashMap<String, f32>,
}

/// What VADER says about one text.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VaderScores {
    /// Normalised sum of valences, `s / sqrt(s² + 15)`, in (−1, 1).
    pub compound: f32,
    /// Sum of positive valences.
    pub pos: f32,
    /// Sum of magnitudes of negative valences.
    pub neg: f32,
    /// Number of lexicon words found.
    pub hits: u32,
}

impl Vader {
    /// Parse `vader_lexicon.txt` (`token\tmean\tstd\tratings`).
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let mut lexicon = HashMap::with_capacity(8000);
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(token), Some(value)) = (parts.next(), parts.next()) else {
                return Err(ModelError::Lexicon { line: i + 1 });
            };
            let value: f32 = value
                .trim()
                .parse()
                .map_err(|_| ModelError::Lexicon { line: i + 1 })?;
            lexicon.insert(token.to_string(), value);
        }
        if lexicon.is_empty() {
            return Err(ModelError::Lexicon { line: 0 });
        }
        Ok(Vader { lexicon })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lexicon.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.lexicon.is_empty()
    }

    /// Valence of one lowercase token, if it is in the lexicon.
    pub fn valence(&self, word: &str) -> Option<f32> {
        self.lexicon.get(word).copied()
    }

    /// Score a text with the VADER rules.
    pub fn scores(&self, text: &str) -> VaderScores {
        let raw: Vec<&str> = text
            .split_whitespace()
            .map(|t| {
                let s = t.trim_matches(|c: char| c.is_ascii_punctuation());
                // keep emoticons (":)", ":-D") whole
                if s.is_empty() || (s.chars().count() <= 2 && self.lexicon.contains_key(t)) {
                    t
                } else {
                    s
                }
            })
            .filter(|t| !t.is_empty())
            .collect();
        let lower: Vec<String> = raw.iter().map(|t| t.to_lowercase()).collect();
        let has_upper = raw.iter().any(|t| t.chars().any(|c| c.is_uppercase()));
        let has_lower = raw.iter().any(|t| t.chars().any(|c| c.is_lowercase()));
        let mixed_case = has_upper && has_lower;
        let mut vals: Vec<f32> = vec![0.0; raw.len()];
        let mut hits = 0u32;
        for i in 0..raw.len() {
            let w = lower[i].as_str();
            if BOOST_UP.contains(&w) || BOOST_DOWN.contains(&w) {
                continue;
            }
            let Some(mut v) = self.valence(w).or_else(|| self.valence(raw[i])) else {
                continue;
            };
            hits += 1;
            let is_caps = |t: &str| {
                t.len() > 1
                    && t.chars().all(|c| !c.is_lowercase())
                    && t.chars().any(|c| c.is_uppercase())
            };
            if mixed_case && is_caps(raw[i]) {
                v += C_INCR * v.signum();
            }
            for (j, damp) in [(1usize, 1.0f32), (2, 0.95), (3, 0.9)] {
                if i < j {
                    break;
                }
                let prev = lower[i - j].as_str();
                if self.lexicon.contains_key(prev) {
                    // a lexicon word is not a booster
                } else if BOOST_UP.contains(&prev) || BOOST_DOWN.contains(&prev) {
                    let mut s = if BOOST_UP.contains(&prev) {
                        B_INCR
                    } else {
                        -B_INCR
                    };
                    if mixed_case && is_caps(raw[i - j]) {
                        s += C_INCR * s.signum();
                    }
                    v += s * v.signum() * damp;
                }
                if is_negation(prev) {
                    v *= N_SCALAR;
                }
            }
            vals[i] = v;
        }
        if let Some(b) = lower.iter().position(|w| w == "but") {
            for (i, v) in vals.iter_mut().enumerate() {
                if i < b {
                    *v *= 0.5;
                } else if i > b {
                    *v *= 1.5;
                }
            }
        }
        let mut sum: f32 = vals.iter().sum();
        let excl = text.matches('!').count().min(4) as f32 * 0.292;
        if sum > 0.0 {
            sum += excl;
        } else if sum < 0.0 {
            sum -= excl;
        }
        let compound = sum / (sum * sum + 15.0).sqrt();
        let pos = vals.iter().filter(|v| **v > 0.0).sum();
        let neg = -vals.iter().filter(|v| **v < 0.0).sum::<f32>();
        VaderScores {
            compound,
            pos,
            neg,
            hits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vader() -> Vader {
        Vader::parse(
            "good\t1.9\t0.9\t[]\ngreat\t3.1\t0.9\t[]\nbad\t-2.5\t0.6\t[]\nlate\t-0.5\t0.5\t[]\n",
        )
        .unwrap_or_default()
    }

    #[test]
    fn negation_and_boosters() {
        let v = vader();
        assert!(v.scores("good").compound > 0.0);
        assert!(v.scores("not good").compound < 0.0);
        assert!(v.scores("very good").compound > v.scores("good").compound);
        assert!(v.scores("GOOD, really").compound > v.scores("good, really").compound);
    }

    #[test]
    fn but_rule_weights_the_second_half() {
        let v = vader();
        assert!(v.scores("good but bad").compound < 0.0);
        assert!(v.scores("bad but great").compound > 0.0);
    }
}
