//! Reason sentences, in English and Chinese, one pair per reason code.

use crate::rules::ReasonCode;
use crate::store::{Note, TextKind};

/// What a sentence may mention besides the code.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Details<'a> {
    /// The order, ticket or review the item is about.
    pub subject: Option<&'a str>,
    /// The rating, score, severity, condition… of the item.
    pub param: u8,
    /// How late (late items) or how long overdue (overdue items), in ms.
    pub delay_ms: Option<i64>,
    /// The promised time span (SLA, reply window), in ms.
    pub window_ms: Option<i64>,
    /// Rating of the review a reply item is about.
    pub rating: Option<u8>,
    /// Text items: what they quote.
    pub note: Option<&'a Note>,
    /// The event id (text items name their event).
    pub event: Option<&'a str>,
}

/// English and Chinese names of the aspects of `docs/text.md`; other codes read as
/// themselves.
fn aspect_names(code: &str) -> (String, String) {
    let (en, zh) = match code {
        "reliability" => ("reliability", "可靠性"),
        "responsiveness" => ("responsiveness", "响应速度"),
        "assurance" => ("professionalism", "专业性"),
        "empathy" => ("service attitude", "服务态度"),
        "tangibles" => ("packaging and presentation", "包装与外观"),
        "product_quality" => ("product quality", "产品质量"),
        "price_value" => ("price and value", "价格与性价比"),
        "delivery" => ("delivery", "物流配送"),
        "privacy" => ("privacy", "隐私"),
        other => {
            let s = other.replace('_', " ");
            return (s.clone(), s);
        }
    };
    (en.to_string(), zh.to_string())
}

/// "Review e3" / "评价 e3".
fn text_source(kind: TextKind, event: &str) -> (String, String) {
    let (en, zh) = match kind {
        TextKind::Review => ("Review", "评价"),
        TextKind::Complaint => ("Complaint", "投诉"),
        TextKind::Ticket => ("Ticket message", "工单留言"),
        TextKind::Survey => ("Survey comment", "问卷评论"),
        TextKind::Other => ("Text", "文字"),
    };
    (format!("{en} {event}"), format!("{zh} {event}"))
}

/// ` “snippet”` quoted, or nothing.
fn quote(snippet: &str, en: bool) -> String {
    match (snippet.is_empty(), en) {
        (true, _) => String::new(),
        (false, true) => format!(": “{snippet}”"),
        (false, false) => format!("：“{snippet}”"),
    }
}

/// A duration for people: minutes under 2 h, hours under 48 h, else days.
fn dur(ms: i64) -> (String, String) {
    let ms = ms.max(0);
    let min = ms as f64 / 60_000.0;
    if min < 120.0 {
        let m = min.round() as i64;
        (format!("{m} min"), format!("{m} 分钟"))
    } else if min < 48.0 * 60.0 {
        let h = (min / 60.0).round() as i64;
        (format!("{h} h"), format!("{h} 小时"))
    } else {
        let d = (min / 1440.0).round() as i64;
        (
            format!("{d} day{}", if d == 1 { "" } else { "s" }),
            format!("{d} 天"),
        )
    }
}

/// A promised time span: like [`dur`] but in hours up to 72 h ("48 h", not "2 days").
fn window(ms: i64) -> (String, String) {
    let min = ms.max(0) as f64 / 60_000.0;
    if (120.0..=72.0 * 60.0).contains(&min) {
        let h = (min / 60.0).round() as i64;
        (format!("{h} h"), format!("{h} 小时"))
    } else {
        dur(ms)
    }
}

/// The English and Chinese sentence of an item.
pub(crate) fn sentences(code: ReasonCode, d: Details<'_>) -> (String, String) {
    use ReasonCode as R;
    let s = d.subject.unwrap_or("?");
    let (late_en, late_zh) = dur(d.delay_ms.unwrap_or(0));
    let (win_en, win_zh) = window(d.window_ms.unwrap_or(0));
    let p = d.param;
    let stars = d.rating.unwrap_or(p);
    match code {
        R::DeliveryKept => (
            format!("Order {s} was delivered by the promised time"),
            format!("订单 {s} 在承诺时间内送达"),
        ),
        R::DeliveryLate => (
            format!("Delivery of order {s} arrived {late_en} after the promised time"),
            format!("订单 {s} 比承诺时间晚 {late_zh}送达"),
        ),
        R::DeliveryOverdue => (
            format!("Order {s} is {late_en} past its promised delivery time and not delivered"),
            format!("订单 {s} 已超过承诺送达时间 {late_zh}，仍未送达"),
        ),
        R::ProductOk => (
            format!("Order {s} arrived in good condition"),
            format!("订单 {s} 完好送达"),
        ),
        R::ProductDefect => {
            let (en, zh) = match p {
                1 => ("damaged", "商品破损"),
                2 => ("with the wrong item", "发错商品"),
                _ => ("with items missing", "商品缺失"),
            };
            (
                format!("Order {s} arrived {en}"),
                format!("订单 {s} 送达时{zh}"),
            )
        }
        R::TicketResponsive => (
            format!("Ticket {s} got a first reply within its {win_en} response promise"),
            format!("工单 {s} 在承诺的 {win_zh}内得到首次回复"),
        ),
        R::TicketReplyLate => (
            format!("Ticket {s} got its first reply {late_en} after the promised response time"),
            format!("工单 {s} 的首次回复比承诺时限晚 {late_zh}"),
        ),
        R::TicketReplyOverdue => (
            format!("Ticket {s} is {late_en} past its promised response time with no reply"),
            format!("工单 {s} 已超过承诺回复时限 {late_zh}，仍未回复"),
        ),
        R::TicketSolved => (
            format!("Ticket {s} was resolved"),
            format!("工单 {s} 已解决"),
        ),
        R::TicketUnsolved => {
            if p == 1 {
                (
                    format!("Ticket {s} was closed without a solution"),
                    format!("工单 {s} 未解决即被关闭"),
                )
            } else if d.subject.is_none() {
                (
                    "A ticket was reopened: the problem came back".to_string(),
                    "一个工单被重新打开，问题未解决".to_string(),
                )
            } else {
                (
                    format!("Ticket {s} was reopened: the problem came back"),
                    format!("工单 {s} 被重新打开，问题未解决"),
                )
            }
        }
        R::RefundHonoured => (
            format!("The refund for order {s} was paid as promised"),
            format!("订单 {s} 的退款已按承诺到账"),
        ),
        R::RefundLate => (
            format!("The refund for order {s} was paid {late_en} after the promised time"),
            format!("订单 {s} 的退款比承诺时间晚 {late_zh}到账"),
        ),
        R::RefundOverdue => (
            format!("The refund for order {s} is {late_en} past the promised time and not paid"),
            format!("订单 {s} 的退款已超过承诺时间 {late_zh}，仍未到账"),
        ),
        R::RefundRejected => (
            format!("The refund for order {s} was rejected"),
            format!("订单 {s} 的退款被拒绝"),
        ),
        R::ComplaintQuality
        | R::ComplaintDelivery
        | R::ComplaintPrice
        | R::ComplaintService
        | R::ComplaintPolicy
        | R::ComplaintPrivacy
        | R::ComplaintOther => {
            let (en, zh) = match code {
                R::ComplaintQuality => ("product quality", "产品质量"),
                R::ComplaintDelivery => ("delivery", "配送"),
                R::ComplaintPrice => ("price", "价格"),
                R::ComplaintService => ("service", "服务"),
                R::ComplaintPolicy => ("policy", "政策"),
                R::ComplaintPrivacy => ("privacy", "隐私"),
                _ => ("another matter", "其他问题"),
            };
            (
                format!("Complaint about {en} (severity {p} of 3)"),
                format!("关于{zh}的投诉（严重程度 {p}/3）"),
            )
        }
        R::Review => (format!("{p}-star review"), format!("{p} 星评价")),
        R::ReviewAnswered => (
            format!("The merchant answered the {stars}-star review within {win_en}"),
            format!("商家在 {win_zh}内回复了 {stars} 星差评"),
        ),
        R::ReviewReplyLate => (
            format!(
                "The merchant answered the {stars}-star review {late_en} after the {win_en} reply window"
            ),
            format!("商家回复 {stars} 星差评比 {win_zh}时限晚了 {late_zh}"),
        ),
        R::ReviewUnanswered => (
            format!(
                "The {stars}-star review is unanswered {late_en} past the {win_en} reply window"
            ),
            format!("{stars} 星差评超过 {win_zh}回复时限 {late_zh}，仍未得到回复"),
        ),
        R::SurveyNps => (
            format!("Would recommend: NPS answer {p} of 10"),
            format!("推荐意愿：NPS 评分 {p}/10"),
        ),
        R::SurveyCsat => (
            format!("Satisfaction (CSAT) {p} of 5"),
            format!("满意度（CSAT）评分 {p}/5"),
        ),
        R::SurveyCes => (
            format!("Customer effort (CES) {p} of 7 (lower is easier)"),
            format!("客户费力度（CES）评分 {p}/7（越低越省力）"),
        ),
        R::CommitmentKept => (
            "A commitment was kept".to_string(),
            "一项承诺已兑现".to_string(),
        ),
        R::CommitmentBroken => (
            "A commitment was broken".to_string(),
            "一项承诺未兑现".to_string(),
        ),
        R::Compensation => {
            let (en, zh) = match p {
                1 => (" (a refund)", "（退款）"),
                2 => (" (a voucher)", "（代金券）"),
                3 => (" (a replacement)", "（换货）"),
                4 => (" (an apology)", "（道歉）"),
                _ => ("", ""),
            };
            (
                format!("The merchant made a recovery gesture{en}"),
                format!("商家做出了补救{zh}"),
            )
        }
        R::Referral => (
            "The customer referred someone to the merchant".to_string(),
            "客户向他人推荐了该商家".to_string(),
        ),
        R::TextSentiment => {
            let (src_en, src_zh) = text_source(
                d.note.map_or(TextKind::Other, |n| n.kind),
                d.event.unwrap_or("?"),
            );
            let snippet = d.note.map_or("", |n| &n.snippet);
            let score = f64::from(p) / 15.0;
            let (en, zh) = if p >= 8 {
                ("positive", "正面")
            } else {
                ("negative", "负面")
            };
            (
                format!(
                    "{src_en} reads {en} (P(positive) {score:.2}){}",
                    quote(snippet, true)
                ),
                format!(
                    "{src_zh} 的语气{zh}（正面概率 {score:.2}）{}",
                    quote(snippet, false)
                ),
            )
        }
        R::TextAbility | R::TextIntegrity | R::TextBenevolence | R::TextAffect => {
            let (src_en, src_zh) = text_source(
                d.note.map_or(TextKind::Other, |n| n.kind),
                d.event.unwrap_or("?"),
            );
            let (asp_en, asp_zh) = aspect_names(d.note.map_or("", |n| &n.aspect));
            let snippet = d.note.map_or("", |n| &n.snippet);
            let (v_en, v_zh) = if p == 1 {
                ("praises", "称赞")
            } else {
                ("criticises", "批评")
            };
            (
                format!("{src_en} {v_en} {asp_en}{}", quote(snippet, true)),
                format!("{src_zh} {v_zh}{asp_zh}{}", quote(snippet, false)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_delivery_sentence() {
        let (en, zh) = sentences(
            ReasonCode::DeliveryLate,
            Details {
                subject: Some("o-1"),
                delay_ms: Some(14 * 3_600_000),
                ..Details::default()
            },
        );
        assert_eq!(
            en,
            "Delivery of order o-1 arrived 14 h after the promised time"
        );
        assert_eq!(zh, "订单 o-1 比承诺时间晚 14 小时送达");
    }

    #[test]
    fn text_sentences_quote_the_snippet() {
        let note = Note {
            kind: TextKind::Review,
            aspect: "product_quality".into(),
            snippet: "茶叶不错".into(),
        };
        let (en, zh) = sentences(
            ReasonCode::TextAbility,
            Details {
                param: 1,
                note: Some(&note),
                event: Some("e3"),
                ..Details::default()
            },
        );
        assert_eq!(en, "Review e3 praises product quality: “茶叶不错”");
        assert_eq!(zh, "评价 e3 称赞产品质量：“茶叶不错”");
    }

    #[test]
    fn every_code_has_sentences() {
        for &c in ReasonCode::ALL {
            let (en, zh) = sentences(c, Details::default());
            assert!(!en.is_empty() && !zh.is_empty());
        }
    }
}
