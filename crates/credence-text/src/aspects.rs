//! Aspects: what a review talks about, each mention with its own polarity.
//!
//! The aspect list is fixed: the five SERVQUAL dimensions (`reliability`,
//! `responsiveness`, `assurance`, `empathy`, `tangibles`) plus `product_quality`,
//! `price_value`, `delivery` and `privacy`. Each maps to one trust dimension of the
//! engine ([`Aspect::dimension`]).
//!
//! How a text is read (see `docs/text.md`):
//!
//! 1. The text is segmented once with jieba (`cut`, no HMM; every lexicon word below is
//!    added to jieba's dictionary so it comes out as one token). English words come out
//!    as tokens too, so one pass serves both languages and mixed text.
//! 2. Tokens are grouped into clauses: a clause ends at sentence or clause punctuation
//!    (`，,。.！!？?；;：:、…~` and newlines) and before a contrast word
//!    (但/但是/可是/不过/然而/只是/却/就是/只不过, but/however/although/though/yet/
//!    except/whereas).
//! 3. In each clause, aspect keywords are looked up in the hand-curated lexicons
//!    ([`ZH_ASPECT_WORDS`], [`EN_ASPECT_WORDS`]; English phrases of up to three words,
//!    Chinese words also as the concatenation of up to three tokens). A Chinese token
//!    that is not in the lexicon is scanned inside ("速度慢" → 速度 + 慢: keys of two or
//!    more characters anywhere, one-character keys right after a key). The first
//!    mention of each aspect in a clause is kept; its `span` is the keyword's character
//!    range.
//! 4. Polarity: the clause is extended over the following clauses that name no aspect
//!    and do not start with a contrast word ("印刷是彩色的，也很好"). Polarity cue words
//!    ([`ZH_CUES`], [`EN_CUES`]: late / 慢 / 晚到 negative, on time / 准时 / 便宜
//!    positive, …) decide when present, flipped by a negation in the two (Chinese) or
//!    three (English) tokens before them ("没有晚到", "not late"); otherwise the trained
//!    sentiment model scores the extended clause, and a clause it finds neutral
//!    (P(positive) strictly between [`NEUTRAL`] and 1 − [`NEUTRAL`]) yields no mention.
//!    `privacy` mentions without a cue are negative unless P(positive) ≥ 0.8 (privacy
//!    comes up in complaints).

use std::borrow::Cow;
use std::collections::HashMap;

use jieba_rs::Jieba;
use serde::Serialize;

use crate::model::Model;
use crate::vader::is_negation;

/// An aspect of service or product, with its trust dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Aspect {
    /// SERVQUAL reliability: doing what was promised, correctly (wrong/missing items,
    /// "as described").
    Reliability,
    /// SERVQUAL responsiveness: prompt help, replies, refunds, after-sales.
    Responsiveness,
    /// SERVQUAL assurance: competence, professionalism, safety, guarantees.
    Assurance,
    /// SERVQUAL empathy: attitude, courtesy, care.
    Empathy,
    /// SERVQUAL tangibles: packaging, premises, appearance, website.
    Tangibles,
    /// The product itself: quality, taste, workmanship.
    ProductQuality,
    /// Price and value for money.
    PriceValue,
    /// Logistics and delivery: speed, punctuality, couriers.
    Delivery,
    /// Personal data, spam, harassment.
    Privacy,
}

impl Aspect {
    /// All aspects, in documentation order.
    pub const ALL: [Aspect; 9] = [
        Aspect::Reliability,
        Aspect::Responsiveness,
        Aspect::Assurance,
        Aspect::Empathy,
        Aspect::Tangibles,
        Aspect::ProductQuality,
        Aspect::PriceValue,
        Aspect::Delivery,
        Aspect::Privacy,
    ];

    /// The name used in JSON, e.g. `"product_quality"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Reliability => "reliability",
            Aspect::Responsiveness => "responsiveness",
            Aspect::Assurance => "assurance",
            Aspect::Empathy => "empathy",
            Aspect::Tangibles => "tangibles",
            Aspect::ProductQuality => "product_quality",
            Aspect::PriceValue => "price_value",
            Aspect::Delivery => "delivery",
            Aspect::Privacy => "privacy",
        }
    }

    /// The trust dimension this aspect is evidence for: `"ability"`, `"integrity"`,
    /// `"benevolence"` or `"affect"`.
    ///
    /// delivery, reliability, privacy → integrity (promises and data kept);
    /// product_quality, assurance → ability (competence);
    /// responsiveness, empathy → benevolence (care for the customer);
    /// price_value, tangibles → affect (how the customer feels about the exchange).
    pub fn dimension(self) -> &'static str {
        match self {
            Aspect::Delivery | Aspect::Reliability | Aspect::Privacy => "integrity",
            Aspect::ProductQuality | Aspect::Assurance => "ability",
            Aspect::Responsiveness | Aspect::Empathy => "benevolence",
            Aspect::PriceValue | Aspect::Tangibles => "affect",
        }
    }
}

/// A clause whose P(positive) lies strictly between `NEUTRAL` and `1 − NEUTRAL`, and
/// that has no cue word, yields no aspect mention.
pub const NEUTRAL: f32 = 0.42;

/// Polarity of one aspect mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Praise.
    Positive,
    /// Criticism.
    Negative,
}

/// One mention of an aspect.
///
/// Serialises as `{"aspect","polarity","span":[start,end]}`; `clause` and `score` are
/// for callers (e.g. to quote the clause in a reason) and are not serialised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AspectMention {
    /// Which aspect.
    pub aspect: Aspect,
    /// Its polarity in this clause.
    pub polarity: Polarity,
    /// The keyword's range in Unicode characters, half-open.
    pub span: [usize; 2],
    /// The clause's range in Unicode characters, half-open.
    #[serde(skip)]
    pub clause: [usize; 2],
    /// P(positive) of the clause from the model (also when a cue word decided).
    #[serde(skip)]
    pub score: f32,
}

use Aspect::*;

/// Chinese aspect keywords (matched as whole jieba tokens or up to three joined tokens).
pub const ZH_ASPECT_WORDS: &[(&str, Aspect)] = &[
    // product quality
    ("质量", ProductQuality),
    ("品质", ProductQuality),
    ("做工", ProductQuality),
    ("材质", ProductQuality),
    ("味道", ProductQuality),
    ("口味", ProductQuality),
    ("口感", ProductQuality),
    ("好吃", ProductQuality),
    ("难吃", ProductQuality),
    ("新鲜", ProductQuality),
    ("正品", ProductQuality),
    ("假货", ProductQuality),
    ("次品", ProductQuality),
    ("瑕疵", ProductQuality),
    ("产品", ProductQuality),
    ("商品", ProductQuality),
    ("东西", ProductQuality),
    ("茶叶", ProductQuality),
    ("茶", ProductQuality),
    ("菜", ProductQuality),
    ("饭菜", ProductQuality),
    ("菜品", ProductQuality),
    ("饭", ProductQuality),
    ("奶茶", ProductQuality),
    ("咖啡", ProductQuality),
    ("水果", ProductQuality),
    ("米饭", ProductQuality),
    ("粥", ProductQuality),
    ("汤", ProductQuality),
    ("书", ProductQuality),
    ("电脑", ProductQuality),
    ("笔记本", ProductQuality),
    ("手机", ProductQuality),
    ("机器", ProductQuality),
    ("食物", ProductQuality),
    ("性能", ProductQuality),
    ("效果", ProductQuality),
    ("屏幕", ProductQuality),
    ("电池", ProductQuality),
    ("键盘", ProductQuality),
    ("耐用", ProductQuality),
    ("印刷", ProductQuality),
    ("纸张", ProductQuality),
    ("内容", ProductQuality),
    ("好喝", ProductQuality),
    // delivery
    ("物流", Delivery),
    ("快递", Delivery),
    ("配送", Delivery),
    ("送餐", Delivery),
    ("送货", Delivery),
    ("送达", Delivery),
    ("到货", Delivery),
    ("发货", Delivery),
    ("送到", Delivery),
    ("送来", Delivery),
    ("派送", Delivery),
    ("骑手", Delivery),
    ("送餐员", Delivery),
    ("快递员", Delivery),
    ("外卖小哥", Delivery),
    ("小哥", Delivery),
    ("晚到", Delivery),
    ("迟到", Delivery),
    ("延误", Delivery),
    ("准时", Delivery),
    ("按时", Delivery),
    ("超时", Delivery),
    ("速度", Delivery),
    ("送餐速度", Delivery),
    // responsiveness
    ("客服", Responsiveness),
    ("回复", Responsiveness),
    ("回应", Responsiveness),
    ("响应", Responsiveness),
    ("处理", Responsiveness),
    ("售后", Responsiveness),
    ("退款", Responsiveness),
    ("退货", Responsiveness),
    ("换货", Responsiveness),
    ("解决", Responsiveness),
    ("及时", Responsiveness),
    ("投诉", Responsiveness),
    // empathy
    ("态度", Empathy),
    ("服务态度", Empathy),
    ("热情", Empathy),
    ("耐心", Empathy),
    ("体贴", Empathy),
    ("贴心", Empathy),
    ("关心", Empathy),
    ("礼貌", Empathy),
    ("冷漠", Empathy),
    ("不耐烦", Empathy),
    ("周到", Empathy),
    ("服务员", Empathy),
    ("前台", Empathy),
    ("服务", Empathy),
    // assurance
    ("专业", Assurance),
    ("放心", Assurance),
    ("信任", Assurance),
    ("可信", Assurance),
    ("安全", Assurance),
    ("保障", Assurance),
    ("保修", Assurance),
    ("资质", Assurance),
    ("正规", Assurance),
    // reliability
    ("靠谱", Reliability),
    ("可靠", Reliability),
    ("稳定", Reliability),
    ("承诺", Reliability),
    ("漏送", Reliability),
    ("少送", Reliability),
    ("送错", Reliability),
    ("发错", Reliability),
    ("缺货", Reliability),
    ("描述", Reliability),
    ("不符", Reliability),
    ("货不对板", Reliability),
    ("诚信", Reliability),
    ("欺骗", Reliability),
    // tangibles
    ("包装", Tangibles),
    ("环境", Tangibles),
    ("装修", Tangibles),
    ("设施", Tangibles),
    ("房间", Tangibles),
    ("卫生", Tangibles),
    ("干净", Tangibles),
    ("整洁", Tangibles),
    ("外观", Tangibles),
    ("外形", Tangibles),
    ("颜值", Tangibles),
    ("设计", Tangibles),
    ("餐具", Tangibles),
    ("界面", Tangibles),
    ("大堂", Tangibles),
    ("早餐", Tangibles),
    // price / value
    ("价格", PriceValue),
    ("价钱", PriceValue),
    ("性价比", PriceValue),
    ("便宜", PriceValue),
    ("贵", PriceValue),
    ("实惠", PriceValue),
    ("划算", PriceValue),
    ("值", PriceValue),
    ("值得", PriceValue),
    ("不值", PriceValue),
    ("物美价廉", PriceValue),
    ("优惠", PriceValue),
    ("分量", PriceValue),
    ("份量", PriceValue),
    ("量", PriceValue),
    ("配送费", PriceValue),
    ("满减", PriceValue),
    // privacy
    ("隐私", Privacy),
    ("个人信息", Privacy),
    ("泄露", Privacy),
    ("骚扰", Privacy),
    ("骚扰电话", Privacy),
    ("推销", Privacy),
    ("手机号", Privacy),
    ("电话号码", Privacy),
];

/// English aspect keywords and phrases (lowercase; phrases are space-separated words).
pub const EN_ASPECT_WORDS: &[(&str, Aspect)] = &[
    // product quality
    ("quality", ProductQuality),
    ("product", ProductQuality),
    ("item", ProductQuality),
    ("tea", ProductQuality),
    ("food", ProductQuality),
    ("taste", ProductQuality),
    ("tastes", ProductQuality),
    ("tasted", ProductQuality),
    ("tasty", ProductQuality),
    ("flavor", ProductQuality),
    ("flavour", ProductQuality),
    ("stale", ProductQuality),
    ("defective", ProductQuality),
    ("works", ProductQuality),
    ("worked", ProductQuality),
    ("durable", ProductQuality),
    ("sturdy", ProductQuality),
    ("battery", ProductQuality),
    ("sound", ProductQuality),
    ("screen", ProductQuality),
    ("material", ProductQuality),
    ("build quality", ProductQuality),
    ("phone", ProductQuality),
    ("headset", ProductQuality),
    ("charger", ProductQuality),
    ("coffee", ProductQuality),
    ("meal", ProductQuality),
    ("dish", ProductQuality),
    ("fake", ProductQuality),
    ("genuine", ProductQuality),
    // delivery
    ("delivery", Delivery),
    ("delivered", Delivery),
    ("deliver", Delivery),
    ("shipping", Delivery),
    ("shipped", Delivery),
    ("shipment", Delivery),
    ("arrived", Delivery),
    ("arrive", Delivery),
    ("arrival", Delivery),
    ("courier", Delivery),
    ("package", Delivery),
    ("parcel", Delivery),
    ("on time", Delivery),
    ("late", Delivery),
    ("delayed", Delivery),
    ("delay", Delivery),
    ("dispatched", Delivery),
    ("tracking", Delivery),
    ("driver", Delivery),
    // responsiveness
    ("support", Responsiveness),
    ("customer service", Responsiveness),
    ("service", Responsiveness),
    ("response", Responsiveness),
    ("respond", Responsiveness),
    ("responded", Responsiveness),
    ("reply", Responsiveness),
    ("replied", Responsiveness),
    ("answered", Responsiveness),
    ("refund", Responsiveness),
    ("refunded", Responsiveness),
    ("returned", Responsiveness),
    ("get back", Responsiveness),
    ("waited", Responsiveness),
    ("helpdesk", Responsiveness),
    ("hotline", Responsiveness),
    ("complaint", Responsiveness),
    // empathy
    ("attitude", Empathy),
    ("friendly", Empathy),
    ("rude", Empathy),
    ("polite", Empathy),
    ("caring", Empathy),
    ("helpful", Empathy),
    ("courteous", Empathy),
    ("patient", Empathy),
    ("staff", Empathy),
    ("waiter", Empathy),
    ("waitress", Empathy),
    // assurance
    ("professional", Assurance),
    ("trustworthy", Assurance),
    ("trust", Assurance),
    ("safe", Assurance),
    ("secure", Assurance),
    ("guarantee", Assurance),
    ("warranty", Assurance),
    ("knowledgeable", Assurance),
    ("competent", Assurance),
    // reliability
    ("reliable", Reliability),
    ("unreliable", Reliability),
    ("consistent", Reliability),
    ("promise", Reliability),
    ("promised", Reliability),
    ("as described", Reliability),
    ("as advertised", Reliability),
    ("wrong item", Reliability),
    ("missing", Reliability),
    ("dependable", Reliability),
    // tangibles
    ("packaging", Tangibles),
    ("wrapping", Tangibles),
    ("appearance", Tangibles),
    ("design", Tangibles),
    ("website", Tangibles),
    ("app", Tangibles),
    ("interface", Tangibles),
    ("room", Tangibles),
    ("clean", Tangibles),
    ("dirty", Tangibles),
    ("decor", Tangibles),
    ("looks", Tangibles),
    // price / value
    ("price", PriceValue),
    ("priced", PriceValue),
    ("pricing", PriceValue),
    ("cost", PriceValue),
    ("value", PriceValue),
    ("cheap", PriceValue),
    ("expensive", PriceValue),
    ("overpriced", PriceValue),
    ("affordable", PriceValue),
    ("worth", PriceValue),
    ("money", PriceValue),
    ("bargain", PriceValue),
    // privacy
    ("privacy", Privacy),
    ("personal data", Privacy),
    ("personal information", Privacy),
    ("my data", Privacy),
    ("spam", Privacy),
    ("spammed", Privacy),
    ("leaked", Privacy),
    ("phone number", Privacy),
];

/// Chinese polarity cues: +1 praise, −1 criticism, whatever the model says.
pub const ZH_CUES: &[(&str, i8)] = &[
    ("慢", -1),
    ("太慢", -1),
    ("很慢", -1),
    ("晚到", -1),
    ("晚了", -1),
    ("太晚", -1),
    ("迟到", -1),
    ("延误", -1),
    ("延迟", -1),
    ("超时", -1),
    ("贵", -1),
    ("太贵", -1),
    ("不值", -1),
    ("泄露", -1),
    ("骚扰", -1),
    ("冷漠", -1),
    ("不耐烦", -1),
    ("脏", -1),
    ("破损", -1),
    ("漏送", -1),
    ("少送", -1),
    ("送错", -1),
    ("发错", -1),
    ("难吃", -1),
    ("假货", -1),
    ("凉了", -1),
    ("欺骗", -1),
    ("不符", -1),
    ("快", 1),
    ("很快", 1),
    ("准时", 1),
    ("按时", 1),
    ("及时", 1),
    ("便宜", 1),
    ("实惠", 1),
    ("划算", 1),
    ("热情", 1),
    ("耐心", 1),
    ("贴心", 1),
    ("周到", 1),
    ("干净", 1),
    ("整洁", 1),
    ("新鲜", 1),
    ("好吃", 1),
    ("物美价廉", 1),
    ("提前", 1),
    ("靠谱", 1),
    ("放心", 1),
];

/// English polarity cues (lowercase words or phrases).
pub const EN_CUES: &[(&str, i8)] = &[
    ("late", -1),
    ("slow", -1),
    ("delayed", -1),
    ("overdue", -1),
    ("never arrived", -1),
    ("expensive", -1),
    ("overpriced", -1),
    ("rude", -1),
    ("dirty", -1),
    ("broken", -1),
    ("damaged", -1),
    ("leaked", -1),
    ("spam", -1),
    ("spammed", -1),
    ("missing", -1),
    ("wrong item", -1),
    ("defective", -1),
    ("stale", -1),
    ("unreliable", -1),
    ("fast", 1),
    ("quick", 1),
    ("quickly", 1),
    ("early", 1),
    ("on time", 1),
    ("prompt", 1),
    ("promptly", 1),
    ("affordable", 1),
    ("bargain", 1),
    ("friendly", 1),
    ("polite", 1),
    ("helpful", 1),
    ("clean", 1),
    ("fresh", 1),
    ("reliable", 1),
];

const ZH_NEGATIONS: &[&str] = &[
    "不",
    "没",
    "没有",
    "未",
    "无",
    "别",
    "不是",
    "并不",
    "从不",
    "从没",
    "毫不",
    "绝不",
    "并没有",
];

/// Stems left by jieba when it splits "don't" into "don" "'" "t".
const EN_NEG_STEMS: &[&str] = &[
    "don", "didn", "doesn", "isn", "wasn", "weren", "aren", "won", "wouldn", "couldn", "shouldn",
    "hasn", "haven", "hadn", "ain", "t",
];

const CONTRAST: &[&str] = &[
    "但",
    "但是",
    "可是",
    "不过",
    "然而",
    "只是",
    "却",
    "就是",
    "只不过",
    "but",
    "however",
    "although",
    "though",
    "yet",
    "except",
    "whereas",
];

fn is_boundary_punct(word: &str) -> bool {
    word.chars().all(|c| {
        matches!(
            c,
            '，' | ','
                | '。'
                | '.'
                | '！'
                | '!'
                | '？'
                | '?'
                | '；'
                | ';'
                | '：'
                | ':'
                | '、'
                | '…'
                | '~'
                | '～'
                | '\n'
                | '\r'
        )
    })
}

/// A word token: lowercase text, character and byte ranges.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: Cow<'a, str>,
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
}

/// An aspect found in a clause: aspect, keyword char start, keyword char end.
type Found = (Aspect, usize, usize);

/// What a lexicon key means: an aspect keyword, a polarity cue, or both.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    aspect: Option<Aspect>,
    cue: i8,
}

/// Segmenter and lexicons for aspect extraction.
pub struct AspectExtractor {
    jieba: Jieba,
    lexicon: HashMap<String, Entry>,
    /// `first[c]`: some lexicon key starts with the BMP character `c` (a cheap filter in
    /// front of the hash lookups).
    first: Vec<bool>,
}

impl std::fmt::Debug for AspectExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AspectExtractor")
            .field("lexicon", &self.lexicon.len())
            .finish_non_exhaustive()
    }
}

impl Default for AspectExtractor {
    fn default() -> Self {
        Self::new()
    }
}

impl AspectExtractor {
    /// Build the extractor: jieba's default dictionary plus every lexicon word.
    pub fn new() -> Self {
        let mut jieba = Jieba::new();
        let zh_words = ZH_ASPECT_WORDS
            .iter()
            .map(|(w, _)| *w)
            .chain(ZH_CUES.iter().map(|(w, _)| *w))
            .chain(ZH_NEGATIONS.iter().copied())
            .chain(
                CONTRAST
                    .iter()
                    .copied()
                    .filter(|w| w.chars().any(crate::lang::is_han)),
            );
        for w in zh_words {
            jieba.add_word(w, None, None);
        }
        let mut lexicon: HashMap<String, Entry> = HashMap::new();
        for (w, a) in ZH_ASPECT_WORDS.iter().chain(EN_ASPECT_WORDS) {
            lexicon.entry((*w).to_string()).or_default().aspect = Some(*a);
        }
        for (w, p) in ZH_CUES.iter().chain(EN_CUES) {
            lexicon.entry((*w).to_string()).or_default().cue = *p;
        }
        let mut first = vec![false; 0x10000];
        for k in lexicon.keys() {
            if let Some(c) = k.chars().next().filter(|c| (*c as u32) < 0x10000) {
                first[c as usize] = true;
            }
        }
        AspectExtractor {
            jieba,
            lexicon,
            first,
        }
    }

    /// Segment `text` with jieba into tokens (word, character start, character end).
    pub fn segment<'a>(&self, text: &'a str) -> Vec<(&'a str, usize, usize)> {
        self.jieba
            .cut(text, false)
            .into_iter()
            .map(|t| (t.word, t.start, t.end))
            .collect()
    }

    /// Word tokens of `text`, the clause boundaries (`bounds[k]..bounds[k+1]`) and, per
    /// boundary, whether a contrast word opened the clause that starts there.
    fn clauses<'a>(&self, text: &'a str) -> (Vec<Word<'a>>, Vec<usize>, Vec<bool>) {
        let mut words = Vec::new();
        let mut bounds = vec![0];
        let mut contrasts = vec![false];
        for t in self.jieba.cut(text, false) {
            let w = t.word;
            if w.trim().is_empty() {
                continue;
            }
            let lower: Cow<'a, str> = if w.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(w.to_ascii_lowercase())
            } else {
                Cow::Borrowed(w)
            };
            let contrast = CONTRAST.contains(&lower.as_ref());
            if contrast || is_boundary_punct(w) {
                // a contrast word starts the next clause but is not part of it
                if bounds.last() != Some(&words.len()) {
                    bounds.push(words.len());
                    contrasts.push(contrast);
                } else if contrast && let Some(c) = contrasts.last_mut() {
                    *c = true;
                }
                continue;
            }
            if !w.chars().any(|c| c.is_alphanumeric()) {
                continue;
            }
            words.push(Word {
                text: lower,
                start: t.start,
                end: t.end,
                byte_start: t.byte_start,
                byte_end: t.byte_end,
            });
        }
        if bounds.last() != Some(&words.len()) {
            bounds.push(words.len());
            contrasts.push(false);
        }
        (words, bounds, contrasts)
    }

    fn starts_key(&self, c: Option<char>) -> bool {
        c.is_some_and(|c| self.first.get(c as usize).copied().unwrap_or(true))
    }

    /// Lexicon entries inside one Chinese token that is not itself in the lexicon
    /// ("速度慢" → 速度 + 慢): keys of two or more characters anywhere, one-character
    /// keys only right after a matched key. A cue preceded in the token by 不/没/无/未
    /// is negated. Returns (entry, negated, char start, char end).
    fn inside(&self, w: &Word<'_>, out: &mut Vec<(Entry, bool, usize, usize)>) {
        out.clear();
        if w.text.len() < 6 || !w.text.chars().all(crate::lang::is_han) {
            return; // fewer than two Han characters, or not Chinese
        }
        let idx: Vec<usize> = w
            .text
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(w.text.len()))
            .collect();
        let n = idx.len() - 1;
        let (mut i, mut after_key) = (0, false);
        while i < n {
            let mut hit = None;
            let candidate = self.starts_key(w.text[idx[i]..].chars().next());
            for len in (1..=4usize.min(n - i)).rev().filter(|_| candidate) {
                if len == n || (len == 1 && !after_key) {
                    continue;
                }
                if let Some(e) = self.lexicon.get(&w.text[idx[i]..idx[i + len]]) {
                    hit = Some((*e, len));
                    break;
                }
            }
            match hit {
                Some((e, len)) => {
                    let negated =
                        i > 0 && matches!(&w.text[idx[i - 1]..idx[i]], "不" | "没" | "无" | "未");
                    out.push((e, negated, w.start + i, w.start + i + len));
                    after_key = true;
                    i += len;
                }
                None => {
                    after_key = false;
                    i += 1;
                }
            }
        }
    }

    /// Longest lexicon entry (up to three words) starting at word `i` of `words`.
    fn lookup(&self, words: &[Word<'_>], i: usize, buf: &mut String) -> Option<(Entry, usize)> {
        if !self.starts_key(words[i].text.chars().next()) {
            return None;
        }
        for n in (1..=3usize).rev() {
            if i + n > words.len() {
                continue;
            }
            let ws = &words[i..i + n];
            let hit = if n == 1 {
                self.lexicon.get(ws[0].text.as_ref())
            } else {
                buf.clear();
                let ascii = ws.iter().all(|w| w.text.is_ascii());
                for (k, w) in ws.iter().enumerate() {
                    if ascii && k > 0 {
                        buf.push(' ');
                    }
                    buf.push_str(&w.text);
                }
                self.lexicon.get(buf.as_str())
            };
            if let Some(e) = hit {
                return Some((*e, n));
            }
        }
        None
    }

    fn negated(words: &[Word<'_>], i: usize) -> bool {
        let zh = words[i].text.chars().any(crate::lang::is_han);
        let window = if zh { 2 } else { 3 };
        (1..=window).filter(|j| *j <= i).any(|j| {
            let w = words[i - j].text.as_ref();
            if zh {
                ZH_NEGATIONS.contains(&w)
            } else {
                is_negation(w) || EN_NEG_STEMS.contains(&w)
            }
        })
    }

    /// Aspect mentions of `text`, polarity from cues or from `model`.
    pub fn extract(&self, text: &str, model: &Model) -> Vec<AspectMention> {
        let (words, bounds, contrasts) = self.clauses(text);
        let mut buf = String::new();
        let mut inner = Vec::new();
        // pass 1: aspects and cue sum of every clause
        let mut clauses: Vec<(Vec<Found>, i32)> = Vec::with_capacity(bounds.len());
        for w in bounds.windows(2) {
            let clause = &words[w[0]..w[1]];
            let mut found: Vec<Found> = Vec::new();
            let mut cue_sum = 0i32;
            let mut add =
                |e: Entry, negated: bool, s: usize, end: usize, found: &mut Vec<Found>| {
                    if let Some(a) = e.aspect
                        && !found.iter().any(|f| f.0 == a)
                    {
                        found.push((a, s, end));
                    }
                    if e.cue != 0 {
                        cue_sum += i32::from(if negated { -e.cue } else { e.cue });
                    }
                };
            let mut i = 0;
            while i < clause.len() {
                if let Some((e, n)) = self.lookup(clause, i, &mut buf) {
                    add(
                        e,
                        e.cue != 0 && Self::negated(clause, i),
                        clause[i].start,
                        clause[i + n - 1].end,
                        &mut found,
                    );
                    i += n;
                    continue;
                }
                self.inside(&clause[i], &mut inner);
                let outer_negated = !inner.is_empty() && Self::negated(clause, i);
                for (e, negated, s, end) in inner.drain(..) {
                    add(e, negated ^ outer_negated, s, end, &mut found);
                }
                i += 1;
            }
            clauses.push((found, cue_sum));
        }
        // pass 2: polarity, over the clause and the aspect-less clauses that follow it
        let mut out = Vec::new();
        for k in 0..clauses.len() {
            if clauses[k].0.is_empty() {
                continue;
            }
            let mut last_clause = k;
            let mut cue_sum = clauses[k].1;
            while last_clause + 1 < clauses.len()
                && clauses[last_clause + 1].0.is_empty()
                && !contrasts[last_clause + 1]
            {
                last_clause += 1;
                cue_sum += clauses[last_clause].1;
            }
            let first = &words[bounds[k]];
            let last = &words[bounds[last_clause + 1] - 1];
            let score = model
                .sentiment(&text[first.byte_start..last.byte_end])
                .score;
            for &(aspect, s, e) in &clauses[k].0 {
                let polarity = if cue_sum != 0 {
                    if cue_sum > 0 {
                        Polarity::Positive
                    } else {
                        Polarity::Negative
                    }
                } else if aspect == Aspect::Privacy {
                    // privacy comes up in complaints: negative unless clearly praised
                    if score >= 0.8 {
                        Polarity::Positive
                    } else {
                        Polarity::Negative
                    }
                } else if score >= 1.0 - NEUTRAL {
                    Polarity::Positive
                } else if score <= NEUTRAL {
                    Polarity::Negative
                } else {
                    continue;
                };
                out.push(AspectMention {
                    aspect,
                    polarity,
                    span: [s, e],
                    clause: [first.start, last.end],
                    score,
                });
            }
        }
        out
    }
}
