//! The demo merchants: who they are and how well they serve, as probabilities.

use crate::clock::HOUR;

/// A merchant of the demo data set, as the CLI may show it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct MerchantInfo {
    /// The `merchant` field of its events.
    pub id: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// One sentence on what the merchant shows in the demo.
    pub story: &'static str,
    /// The UTC offset of its timestamps, in seconds east of UTC.
    pub utc_offset_seconds: i32,
    /// Share of the demo's customers (before referrals) that belong to it.
    pub customer_share: f64,
}

/// How a merchant behaves: retail (orders and deliveries) or a bank (service requests,
/// logins, tickets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Retail,
    Bank,
}

/// Behaviour of one merchant. Probabilities are per occasion; `*_crisis` values apply
/// from the crisis start on (only the tea shop has a crisis).
#[derive(Debug)]
pub(crate) struct Profile {
    pub info: MerchantInfo,
    /// Short name used in order, ticket and customer ids (`o-tea-…`, `c-tea-…`).
    pub short: &'static str,
    pub kind: Kind,
    pub currency: &'static str,
    pub amount: (f64, f64),
    /// Probability a review or text is written in Chinese; the rest is English or mixed.
    pub zh: f64,
    /// Probability that a non-Chinese text is mixed Chinese/English.
    pub mixed: f64,
    pub items_zh: &'static [&'static str],
    pub items_en: &'static [&'static str],
    pub channels: &'static [&'static str],
    /// Mood a customer starts with (0–1).
    pub base_mood: f64,
    /// Mean days between a returning customer's purchases / touchpoints.
    pub interval_days: (f64, f64),
    pub has_crisis: bool,
    /// P(delivery on or before `promised_by` | delivered): normal, crisis.
    pub on_time: (f64, f64),
    /// P(an order is never delivered): normal, crisis.
    pub never: (f64, f64),
    /// P(damaged / wrong item / missing) on a delivery.
    pub defect: f64,
    pub sla_minutes: i64,
    /// P(first reply within the SLA): normal, crisis.
    pub sla_hit: (f64, f64),
    /// P(a ticket ends `resolved` rather than `closed_unresolved`).
    pub resolve: f64,
    /// P(a ≤ 2-star review is answered within 48 h): normal, crisis.
    pub reply_bad: (f64, f64),
    /// P(compensation after a failure that was reported): normal, crisis.
    pub compensate: (f64, f64),
    /// P(a refund completes before its promised date).
    pub refund_ok: f64,
    /// P(a commitment made to one customer on a ticket is kept).
    pub keep_personal: f64,
    pub signals: &'static [(&'static str, bool)],
}

impl Profile {
    fn pick(&self, pair: (f64, f64), crisis: bool) -> f64 {
        if crisis && self.has_crisis {
            pair.1
        } else {
            pair.0
        }
    }
    pub(crate) fn on_time(&self, crisis: bool) -> f64 {
        self.pick(self.on_time, crisis)
    }
    pub(crate) fn never(&self, crisis: bool) -> f64 {
        self.pick(self.never, crisis)
    }
    pub(crate) fn sla_hit(&self, crisis: bool) -> f64 {
        self.pick(self.sla_hit, crisis)
    }
    pub(crate) fn reply_bad(&self, crisis: bool) -> f64 {
        self.pick(self.reply_bad, crisis)
    }
    pub(crate) fn compensate(&self, crisis: bool) -> f64 {
        self.pick(self.compensate, crisis)
    }
    pub(crate) fn offset(&self) -> i32 {
        self.info.utc_offset_seconds
    }
}

const CST: i32 = 8 * HOUR as i32;

const ALL_SIGNALS: &[(&str, bool)] = &[
    ("https", true),
    ("privacy_policy", true),
    ("return_policy", true),
    ("contact_info", true),
    ("third_party_cert", true),
    ("verified_reviews", true),
    ("secure_payment", true),
    ("clear_pricing", true),
];

/// The four demo merchants, in generation order.
pub(crate) static PROFILES: [Profile; 4] = [
    Profile {
        info: MerchantInfo {
            id: "m-tea",
            name_zh: "茶香阁",
            name_en: "Chaxiang Tea House",
            story: "A well-liked tea shop whose deliveries start slipping on day 410 \
                    (2026-02-15 with the default start): a delivery trust crisis.",
            utc_offset_seconds: CST,
            customer_share: 0.36,
        },
        short: "tea",
        kind: Kind::Retail,
        currency: "CNY",
        amount: (38.0, 680.0),
        zh: 0.95,
        mixed: 0.0,
        items_zh: &[
            "龙井",
            "铁观音",
            "普洱",
            "白茶",
            "大红袍",
            "茶叶",
            "茉莉花茶",
        ],
        items_en: &["tea", "oolong", "pu-erh", "green tea"],
        channels: &["wechat", "phone", "app"],
        base_mood: 0.74,
        interval_days: (45.0, 130.0),
        has_crisis: true,
        on_time: (0.90, 0.35),
        never: (0.004, 0.12),
        defect: 0.02,
        sla_minutes: 240,
        sla_hit: (0.88, 0.40),
        resolve: 0.9,
        reply_bad: (0.85, 0.30),
        compensate: (0.65, 0.25),
        refund_ok: 0.85,
        keep_personal: 0.9,
        signals: &[
            ("https", true),
            ("privacy_policy", true),
            ("return_policy", true),
            ("contact_info", true),
            ("secure_payment", true),
            ("clear_pricing", true),
            ("third_party_cert", false),
            ("verified_reviews", false),
        ],
    },
    Profile {
        info: MerchantInfo {
            id: "m-electro",
            name_zh: "伏特电子",
            name_en: "VoltMart Electronics",
            story: "An electronics store with average service: some damaged deliveries, \
                    tickets with an 8-hour SLA that is often missed, mixed reviews.",
            utc_offset_seconds: 0,
            customer_share: 0.34,
        },
        short: "electro",
        kind: Kind::Retail,
        currency: "USD",
        amount: (9.9, 1_899.0),
        zh: 0.15,
        mixed: 0.15,
        items_zh: &["耳机", "笔记本", "充电器", "显示器", "键盘"],
        items_en: &[
            "headphones",
            "laptop",
            "charger",
            "monitor",
            "keyboard",
            "phone case",
        ],
        channels: &["email", "chat", "phone"],
        base_mood: 0.62,
        interval_days: (40.0, 140.0),
        has_crisis: false,
        on_time: (0.80, 0.80),
        never: (0.01, 0.01),
        defect: 0.07,
        sla_minutes: 480,
        sla_hit: (0.65, 0.65),
        resolve: 0.75,
        reply_bad: (0.45, 0.45),
        compensate: (0.45, 0.45),
        refund_ok: 0.6,
        keep_personal: 0.7,
        signals: &[
            ("https", true),
            ("privacy_policy", true),
            ("return_policy", true),
            ("contact_info", true),
            ("third_party_cert", false),
            ("verified_reviews", true),
            ("secure_payment", true),
            ("clear_pricing", true),
        ],
    },
    Profile {
        info: MerchantInfo {
            id: "m-bank",
            name_zh: "海港银行",
            name_en: "Harbour Bank",
            story: "A bank with a strong reputation: every site signal present, public \
                    commitments kept every month, replies within its 1-hour SLA, NPS surveys.",
            utc_offset_seconds: CST,
            customer_share: 0.25,
        },
        short: "bank",
        kind: Kind::Bank,
        currency: "CNY",
        amount: (0.0, 0.0),
        zh: 0.55,
        mixed: 0.0,
        items_zh: &["手机银行", "信用卡", "借记卡", "转账", "理财"],
        items_en: &[
            "mobile app",
            "credit card",
            "debit card",
            "transfers",
            "savings account",
        ],
        channels: &["phone", "app", "branch"],
        base_mood: 0.78,
        interval_days: (25.0, 70.0),
        has_crisis: false,
        on_time: (0.98, 0.98),
        never: (0.001, 0.001),
        defect: 0.005,
        sla_minutes: 60,
        sla_hit: (0.97, 0.97),
        resolve: 0.97,
        reply_bad: (0.98, 0.98),
        compensate: (0.9, 0.9),
        refund_ok: 0.98,
        keep_personal: 0.98,
        signals: ALL_SIGNALS,
    },
    Profile {
        info: MerchantInfo {
            id: "m-ahua",
            name_zh: "阿华小铺",
            name_en: "Ahua's Corner Shop",
            story: "A small online shop with few trust signals (only https), no public \
                    commitments and slow support: low initial trust.",
            utc_offset_seconds: CST,
            customer_share: 0.05,
        },
        short: "ahua",
        kind: Kind::Retail,
        currency: "CNY",
        amount: (9.9, 199.0),
        zh: 1.0,
        mixed: 0.0,
        items_zh: &["零食", "日用品", "小家电", "文具"],
        items_en: &["snacks", "household goods"],
        channels: &["wechat"],
        base_mood: 0.55,
        interval_days: (40.0, 140.0),
        has_crisis: false,
        on_time: (0.75, 0.75),
        never: (0.02, 0.02),
        defect: 0.06,
        sla_minutes: 1_440,
        sla_hit: (0.5, 0.5),
        resolve: 0.6,
        reply_bad: (0.1, 0.1),
        compensate: (0.15, 0.15),
        refund_ok: 0.5,
        keep_personal: 0.5,
        signals: &[
            ("https", true),
            ("privacy_policy", false),
            ("return_policy", false),
            ("contact_info", false),
            ("third_party_cert", false),
            ("verified_reviews", false),
        ],
    },
];
