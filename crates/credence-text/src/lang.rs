//! Language detection by script proportions.
//!
//! Rule (documented in `docs/text.md`): count `h` = Han characters (CJK Unified
//! Ideographs, Extension A, Compatibility Ideographs) and `w` = Latin words (maximal runs
//! of ASCII letters). A Han character and a Latin word are each roughly one word of
//! content, so the Han share is `f = h / (h + w)`:
//!
//! * `f >= 0.7` → [`Lang::Zh`] (so a brand name such as "iPhone" in a Chinese review
//!   does not make it mixed);
//! * `f <= 0.3` → [`Lang::En`];
//! * otherwise → [`Lang::Mixed`];
//! * no Han character and no Latin word at all (digits, emoji, punctuation) → [`Lang::En`]
//!   by convention, with `f = 0`.

use serde::Serialize;

/// The language of a text, as far as sentiment and aspects are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Mostly Chinese (Han share ≥ 0.7).
    Zh,
    /// Mostly English (Han share ≤ 0.3, or no letters at all).
    En,
    /// Both scripts carry content.
    Mixed,
}

impl Lang {
    /// The code used in JSON: `"zh"`, `"en"` or `"mixed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Mixed => "mixed",
        }
    }
}

/// Script counts of a text: the inputs of the detection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptCounts {
    /// Han characters.
    pub han: usize,
    /// Latin words (maximal runs of ASCII letters).
    pub latin_words: usize,
}

impl ScriptCounts {
    /// Count the scripts of `text`.
    pub fn of(text: &str) -> Self {
        let mut counts = ScriptCounts::default();
        let mut in_word = false;
        for c in text.chars() {
            if c.is_ascii_alphabetic() {
                if !in_word {
                    counts.latin_words += 1;
                    in_word = true;
                }
            } else {
                in_word = false;
                if is_han(c) {
                    counts.han += 1;
                }
            }
        }
        counts
    }

    /// Han share `h / (h + w)`, 0 when the text has neither.
    pub fn han_share(self) -> f32 {
        let total = self.han + self.latin_words;
        if total == 0 {
            0.0
        } else {
            self.han as f32 / total as f32
        }
    }

    /// Apply the detection rule.
    pub fn lang(self) -> Lang {
        let f = self.han_share();
        if f >= 0.7 {
            Lang::Zh
        } else if f <= 0.3 {
            Lang::En
        } else {
            Lang::Mixed
        }
    }
}

/// Whether `c` is a Han (Chinese) character.
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}')
}

/// Detect the language of `text` (see the module docs for the rule).
pub fn detect(text: &str) -> Lang {
    ScriptCounts::of(text).lang()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_scripts() {
        assert_eq!(detect("茶叶不错，但是晚到了一天"), Lang::Zh);
        assert_eq!(
            detect("The tea was great but it arrived two days late"),
            Lang::En
        );
    }

    #[test]
    fn brand_names_do_not_make_chinese_mixed() {
        assert_eq!(detect("买了iPhone，很满意，物流也快"), Lang::Zh);
        assert_eq!(
            detect("Ordered 龙井 tea, it was lovely and fresh"),
            Lang::En
        );
    }

    #[test]
    fn mixed() {
        assert_eq!(detect("茶叶很好 but delivery was late"), Lang::Mixed);
        assert_eq!(detect("服务态度 very good"), Lang::Mixed);
    }

    #[test]
    fn no_letters_default_to_english() {
        assert_eq!(detect("12345 !!! 👍"), Lang::En);
        assert_eq!(detect(""), Lang::En);
    }

    #[test]
    fn serializes_lowercase() {
        assert_eq!(
            serde_json::to_string(&Lang::Mixed).ok().as_deref(),
            Some("\"mixed\"")
        );
    }
}
