//! Text templates: reviews, complaints, tickets, replies, churn reasons, in Chinese,
//! English and mixed. A review's text is chosen from the bucket that matches what the
//! customer went through, so rating and text always agree.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What a review talks about; chosen from the experience, then the rating is drawn from
/// the bucket's range so that text and rating agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// 5 stars: everything went well.
    Great,
    /// 4 stars: good.
    Good,
    /// 3 stars: nothing special.
    Neutral,
    /// 3 stars: good product, a little late.
    MixedLate,
    /// 1–2 stars: late delivery.
    Late,
    /// 1 star: never arrived.
    Lost,
    /// 1–2 stars: damaged, wrong or missing item.
    Defect,
    /// 1 star: support did not help.
    NoAnswer,
    /// 4–5 stars: a failure that was put right (service recovery).
    Recovered,
}

impl Bucket {
    /// The inclusive rating range of the bucket.
    pub(crate) fn ratings(self) -> (i64, i64) {
        match self {
            Bucket::Great => (5, 5),
            Bucket::Good => (4, 4),
            Bucket::Neutral | Bucket::MixedLate => (3, 3),
            Bucket::Late | Bucket::Defect => (1, 2),
            Bucket::Lost | Bucket::NoAnswer => (1, 1),
            Bucket::Recovered => (4, 5),
        }
    }
}

/// Language of a text: `Some("zh")`, `Some("en")`, or `None` for mixed text.
pub(crate) type Lang = Option<&'static str>;

const ZH_GREAT: &[&str] = &[
    "{item}很香，物流也快，五星好评",
    "第三次回购了，{item}品质一直很稳定",
    "包装很用心，{item}味道正宗",
    "发货快，{item}很新鲜，推荐",
    "客服耐心，{item}也好，非常满意",
    "比预计早一天到，{item}很好",
    "送给长辈的{item}，家人都说好",
];
const EN_GREAT: &[&str] = &[
    "Great {item}, fast shipping",
    "Excellent {item}, arrived a day early",
    "Exactly as described, would buy again",
    "Love the {item}, quick delivery and nice packaging",
    "Top quality {item}, five stars",
    "Third order this year, never disappointed",
];
const MIXED_GREAT: &[&str] = &[
    "{item} is perfect，物流也快",
    "质量很好, fast delivery, 推荐",
    "Great {item}，包装也很好",
];
const ZH_GOOD: &[&str] = &[
    "{item}不错，性价比挺高",
    "整体满意，{item}口感好",
    "还可以，物流正常，{item}没问题",
    "{item}挺好的，包装可以再结实一点",
];
const EN_GOOD: &[&str] = &[
    "Good {item} for the price",
    "Solid {item}, delivered on time",
    "Happy with it, packaging could be better",
    "Does what it says, decent value",
];
const ZH_NEUTRAL: &[&str] = &[
    "{item}一般般，没有想象中好",
    "中规中矩吧",
    "{item}还行，价格有点贵",
];
const EN_NEUTRAL: &[&str] = &[
    "It's okay, nothing special",
    "Average {item}, does the job",
    "Fine, but a bit pricey",
];
const ZH_MIXED_LATE: &[&str] = &[
    "{item}不错，但是晚到了一天",
    "东西挺好，就是物流慢了点",
    "{item}质量可以，可惜比承诺的时间晚了两天",
];
const EN_MIXED_LATE: &[&str] = &[
    "Good {item} but it arrived a day late",
    "Nice product, delivery was slower than promised",
];
const MIXED_MIXED_LATE: &[&str] = &["{item}质量不错 but delivery was late"];
const ZH_LATE: &[&str] = &[
    "物流太慢了，等了一个星期",
    "说好三天到，结果等了一周，失望",
    "催了好几次才发货，不会再买了",
    "最近发货越来越慢了，以前不是这样的",
    "承诺的时间根本做不到，{item}到的时候都不想要了",
];
const EN_LATE: &[&str] = &[
    "Shipping took forever, a week late",
    "Promised delivery date missed again",
    "Late delivery and no tracking updates",
];
const MIXED_LATE: &[&str] = &["物流太慢, very disappointed"];
const ZH_LOST: &[&str] = &[
    "下单半个月了还没收到，客服也不回",
    "订单一直没发货，要求退款",
    "{item}始终没到，再也不买了",
];
const EN_LOST: &[&str] = &[
    "Never arrived. Still waiting for a refund",
    "Order never showed up",
];
/// Defect reviews by condition: (zh, en, mixed).
fn defect_pools(condition: &str) -> [&'static [&'static str]; 3] {
    match condition {
        "wrong_item" => [
            &[
                "发错货了，{item}不是我买的那款",
                "收到的{item}型号不对，换货还要自己寄回",
            ],
            &[
                "Wrong item in the box",
                "Sent me the wrong {item}, exchange is a hassle",
            ],
            &["发错货了, wrong {item}"],
        ],
        "missing" => [
            &["少发了一件，联系客服也没用", "包裹里少了东西，很失望"],
            &[
                "Missing parts, had to chase them for days",
                "Half of my order was missing",
            ],
            &["少发了, missing parts"],
        ],
        _ => [
            &[
                "收到的时候包装破了，{item}洒了一地",
                "{item}到手就是坏的，退货很麻烦",
            ],
            &[
                "Arrived damaged, very disappointed",
                "The {item} was broken out of the box",
            ],
            &["{item}坏了, very disappointed"],
        ],
    }
}
const ZH_NO_ANSWER: &[&str] = &["客服一直不回复，问题也没解决", "投诉了三次都没人管"];
const EN_NO_ANSWER: &[&str] = &[
    "Support never answered my emails",
    "Opened a ticket, nobody replied",
];
/// Recovery reviews by what went wrong: (zh, en).
fn recovered_pools(issue: &str) -> [&'static [&'static str]; 2] {
    match issue {
        "late" | "lost" => [
            &[
                "晚到了几天，但是客服主动联系赔偿，态度很好",
                "物流出了问题，商家处理很快，还送了优惠券，下次还来",
            ],
            &[
                "Arrived late, but they apologised and sent a voucher. Will buy again",
                "Shipping went wrong; support sorted it out fast",
            ],
        ],
        "damaged" => [
            &[
                "{item}到的时候破了，但是客服马上道歉还补发了，很暖心",
                "包装破损，售后很负责，问题解决了，给五星",
            ],
            &[
                "Arrived damaged but support replaced it within two days — impressed",
                "Broken on arrival, replaced quickly with an apology",
            ],
        ],
        _ => [
            &[
                "虽然出了问题，处理得很快，还送了优惠券，下次还来",
                "售后很负责，问题解决了，给五星",
            ],
            &[
                "Had a problem, they fixed it fast and added a voucher. Will buy again",
                "Great recovery from a shipping mistake, excellent support",
            ],
        ],
    }
}

/// The review text pool for a bucket and language.
fn review_pool(bucket: Bucket, lang: Lang) -> &'static [&'static str] {
    match (bucket, lang) {
        (Bucket::Great, Some("zh")) => ZH_GREAT,
        (Bucket::Great, Some(_)) => EN_GREAT,
        (Bucket::Great, None) => MIXED_GREAT,
        (Bucket::Good, Some("zh")) => ZH_GOOD,
        (Bucket::Good, _) => EN_GOOD,
        (Bucket::Neutral, Some("zh")) => ZH_NEUTRAL,
        (Bucket::Neutral, _) => EN_NEUTRAL,
        (Bucket::MixedLate, Some("zh")) => ZH_MIXED_LATE,
        (Bucket::MixedLate, Some(_)) => EN_MIXED_LATE,
        (Bucket::MixedLate, None) => MIXED_MIXED_LATE,
        (Bucket::Late, Some("zh")) => ZH_LATE,
        (Bucket::Late, Some(_)) => EN_LATE,
        (Bucket::Late, None) => MIXED_LATE,
        (Bucket::Lost, Some("zh")) => ZH_LOST,
        (Bucket::Lost, _) => EN_LOST,
        (Bucket::NoAnswer, Some("zh")) => ZH_NO_ANSWER,
        (Bucket::NoAnswer, _) => EN_NO_ANSWER,
        (Bucket::Defect | Bucket::Recovered, _) => EN_GOOD, // handled by `review`
    }
}

/// Whether a bucket has mixed-language templates.
pub(crate) fn has_mixed(bucket: Bucket) -> bool {
    matches!(
        bucket,
        Bucket::Great | Bucket::MixedLate | Bucket::Late | Bucket::Defect
    )
}

/// Picks one element of a non-empty slice.
pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

const BANK_ZH_GREAT: &[&str] = &[
    "{item}很好用，转账秒到",
    "客户经理专业又耐心，值得信赖",
    "客服一小时内就回复了，问题当场解决",
    "在这家银行十年了，一直很放心",
];
const BANK_EN_GREAT: &[&str] = &[
    "Best {item} I have used, never had a problem",
    "Support answered within minutes and fixed it",
    "Transparent fees and friendly staff",
    "A bank I trust with my savings",
];
const BANK_ZH_GOOD: &[&str] = &[
    "{item}挺方便的，偶尔有点卡",
    "服务不错，排队时间可以再短一点",
];
const BANK_EN_GOOD: &[&str] = &[
    "The {item} works well, a few features missing",
    "Good service, branch queues can be long",
];
const BANK_ZH_NEUTRAL: &[&str] = &["{item}一般，手续费有点高", "中规中矩的银行"];
const BANK_EN_NEUTRAL: &[&str] = &["Fees are a bit high", "An ordinary bank, nothing special"];

/// A review text for the bucket, language and product (`bank`: service wording;
/// `issue`: what went wrong — `late`, `lost`, or a delivery condition).
pub(crate) fn review(
    rng: &mut ChaCha8Rng,
    bucket: Bucket,
    lang: Lang,
    item: &str,
    bank: bool,
    issue: &str,
) -> String {
    let zh = lang == Some("zh");
    let pool = match (bank, bucket, zh) {
        (_, Bucket::Defect, _) => defect_pools(issue)[match lang {
            Some("zh") => 0,
            Some(_) => 1,
            None => 2,
        }],
        (_, Bucket::Recovered, _) => recovered_pools(issue)[usize::from(!zh)],
        (true, Bucket::Great, true) => BANK_ZH_GREAT,
        (true, Bucket::Great, false) => BANK_EN_GREAT,
        (true, Bucket::Good, true) => BANK_ZH_GOOD,
        (true, Bucket::Good, false) => BANK_EN_GOOD,
        (true, Bucket::Neutral, true) => BANK_ZH_NEUTRAL,
        (true, Bucket::Neutral, false) => BANK_EN_NEUTRAL,
        _ => review_pool(bucket, lang),
    };
    pick(rng, pool).replace("{item}", item)
}

/// What a complaint is about, with its text pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Topic {
    /// A late or missing delivery.
    Delivery,
    /// A damaged, wrong or missing item.
    Quality,
    /// Support that did not help.
    Service,
    /// A price complaint.
    Price,
    /// A refused refund or an unfair rule.
    Policy,
    /// Misuse of personal data.
    Privacy,
}

impl Topic {
    /// The `category` value of events v1.
    pub(crate) fn category(self) -> &'static str {
        match self {
            Topic::Delivery => "delivery",
            Topic::Quality => "quality",
            Topic::Service => "service",
            Topic::Price => "price",
            Topic::Policy => "policy",
            Topic::Privacy => "privacy",
        }
    }
}

/// A complaint text; `condition` (`damaged`, `wrong_item`, `missing`) makes a quality
/// complaint say what was wrong.
pub(crate) fn complaint(
    rng: &mut ChaCha8Rng,
    topic: Topic,
    zh: bool,
    condition: &str,
) -> &'static str {
    let pool: &[&str] = match (topic, zh) {
        (Topic::Delivery, true) => &[
            "订单超过承诺时间还没送到",
            "发货太慢，已经晚了好几天",
            "物流信息一直不更新",
        ],
        (Topic::Delivery, false) => &[
            "My order is past the promised date and still not here",
            "Delivery is several days late",
            "Tracking has not updated in a week",
        ],
        (Topic::Quality, true) => match condition {
            "wrong_item" => &["发错了商品", "收到的不是我下单的款式"],
            "missing" => &["包裹里少了东西", "少发了一件商品"],
            _ => &["收到的商品有破损", "包装破了，商品损坏"],
        },
        (Topic::Quality, false) => match condition {
            "wrong_item" => &["I received the wrong item", "Not the model I ordered"],
            "missing" => &["Part of my order is missing", "The box was missing an item"],
            _ => &["The item arrived damaged", "Broken on arrival"],
        },
        (Topic::Service, true) => &["客服不回复", "问题拖了很久没有解决"],
        (Topic::Service, false) => &["Support does not reply", "My issue has been open for weeks"],
        (Topic::Price, true) => &["价格比别家贵不少", "收费不透明"],
        (Topic::Price, false) => &["Charged more than the listed price", "Unexpected fees"],
        (Topic::Policy, true) => &["退款申请被无理拒绝", "退货政策太苛刻"],
        (Topic::Policy, false) => &[
            "Refund refused without a reason",
            "The return policy is unfair",
        ],
        (Topic::Privacy, true) => &["没经过同意就给我发营销短信"],
        (Topic::Privacy, false) => &["I keep getting marketing calls I never agreed to"],
    };
    pick(rng, pool)
}

/// A support ticket's opening text (`bank`: banking questions; `condition` as for
/// [`complaint`]).
pub(crate) fn ticket(
    rng: &mut ChaCha8Rng,
    topic: Option<Topic>,
    zh: bool,
    bank: bool,
    condition: &str,
) -> &'static str {
    let pool: &[&str] = match (topic, zh) {
        (Some(Topic::Delivery), true) => {
            &["请问我的订单什么时候到？", "订单已经超时了，请尽快处理"]
        }
        (Some(Topic::Delivery), false) => {
            &["Where is my order?", "My delivery is late, please help"]
        }
        (Some(Topic::Quality), true) => match condition {
            "wrong_item" => &["发错货了，需要换货"],
            "missing" => &["包裹里少了一件，怎么补发？"],
            _ => &["收到的商品坏了，怎么处理？"],
        },
        (Some(Topic::Quality), false) => match condition {
            "wrong_item" => &["Wrong item delivered, need an exchange"],
            "missing" => &["An item is missing from my parcel"],
            _ => &["The item arrived broken"],
        },
        (_, true) if bank => &[
            "手机银行登录不了",
            "信用卡额度怎么调整？",
            "转账一直显示处理中",
        ],
        (_, false) if bank => &[
            "I cannot log in to the app",
            "How do I raise my card limit?",
            "A transfer has been pending for two days",
        ],
        (_, true) => &["怎么开发票？", "想修改收货地址", "会员积分怎么用？"],
        (_, false) => &[
            "How do I get an invoice?",
            "Can I change my shipping address?",
            "Question about my warranty",
        ],
    };
    pick(rng, pool)
}

/// A merchant's reply to a bad review.
pub(crate) fn reply(rng: &mut ChaCha8Rng, zh: bool) -> &'static str {
    let pool: &[&str] = if zh {
        &[
            "非常抱歉给您带来不便，我们已安排专人跟进，请留意私信",
            "抱歉让您久等了，已为您补发并赠送优惠券",
            "感谢反馈，我们正在改进物流，给您添麻烦了",
        ]
    } else {
        &[
            "Sorry about this. We have sent you a replacement; please check your messages",
            "We apologise for the delay and have refunded your shipping",
            "Thank you for the feedback. Our team will contact you today",
        ]
    };
    pick(rng, pool)
}

/// Why a customer left.
pub(crate) fn churn_reason(rng: &mut ChaCha8Rng, zh: bool, unhappy: bool) -> &'static str {
    let pool: &[&str] = match (zh, unhappy) {
        (true, true) => &["物流太慢，换了一家店", "售后太差", "对服务失望"],
        (true, false) => &["不再需要了", "搬家了", "预算有限"],
        (false, true) => &[
            "Moved to a competitor after repeated problems",
            "Poor support",
            "Lost trust",
        ],
        (false, false) => &["No longer needed", "Moved abroad", "Closed the account"],
    };
    pick(rng, pool)
}

/// The reason given with a refund request (`condition` of the delivery, or `lost`).
pub(crate) fn refund_reason(zh: bool, condition: &str) -> &'static str {
    match (zh, condition) {
        (true, "lost") => "超时未收到货",
        (true, "wrong_item") => "发错货",
        (true, "missing") => "少发了商品",
        (true, _) => "商品破损",
        (false, "lost") => "Never delivered",
        (false, "wrong_item") => "Wrong item",
        (false, "missing") => "Missing item",
        (false, _) => "Damaged item",
    }
}

/// A survey comment, or none, in line with the score (0–1 scale).
pub(crate) fn survey_comment(rng: &mut ChaCha8Rng, zh: bool, good: f64) -> Option<&'static str> {
    if rng.random::<f64>() < 0.6 {
        return None;
    }
    let pool: &[&str] = match (zh, good >= 0.7, good < 0.4) {
        (true, true, _) => &["服务很好，会推荐给朋友", "一直很放心"],
        (false, true, _) => &["Always reliable", "Would recommend to friends"],
        (true, false, true) => &["最近体验很差", "物流需要改进"],
        (false, false, true) => &["Recent experience was poor", "Delivery needs work"],
        (true, false, false) => &["还行"],
        (false, false, false) => &["It's fine"],
    };
    Some(pick(rng, pool))
}

/// Every review template with the rating range it is used with (for tests).
#[cfg(test)]
pub(crate) fn review_templates() -> Vec<((i64, i64), &'static str)> {
    let mut out = Vec::new();
    let mut add = |bucket: Bucket, pools: &[&'static [&'static str]]| {
        for pool in pools {
            for t in *pool {
                out.push((bucket.ratings(), *t));
            }
        }
    };
    add(
        Bucket::Great,
        &[
            ZH_GREAT,
            EN_GREAT,
            MIXED_GREAT,
            BANK_ZH_GREAT,
            BANK_EN_GREAT,
        ],
    );
    add(
        Bucket::Good,
        &[ZH_GOOD, EN_GOOD, BANK_ZH_GOOD, BANK_EN_GOOD],
    );
    add(
        Bucket::Neutral,
        &[ZH_NEUTRAL, EN_NEUTRAL, BANK_ZH_NEUTRAL, BANK_EN_NEUTRAL],
    );
    add(
        Bucket::MixedLate,
        &[ZH_MIXED_LATE, EN_MIXED_LATE, MIXED_MIXED_LATE],
    );
    add(Bucket::Late, &[ZH_LATE, EN_LATE, MIXED_LATE]);
    add(Bucket::Lost, &[ZH_LOST, EN_LOST]);
    add(Bucket::NoAnswer, &[ZH_NO_ANSWER, EN_NO_ANSWER]);
    for c in ["damaged", "wrong_item", "missing"] {
        add(Bucket::Defect, &defect_pools(c));
    }
    for i in ["late", "damaged", ""] {
        add(Bucket::Recovered, &recovered_pools(i));
    }
    out
}
