//! Text evidence: what a text analyser read in an event's text becomes evidence
//! without double counting (DESIGN.md "Text evidence").

#![allow(clippy::unwrap_used)]

use credence_engine::{Dimension, Engine, ReasonCode, Rules, TextAspect, TextSignal, TrustReport};
use credence_events::{ComplaintCategory, Event, EventBody, SurveyMetric, parse_event};
use proptest::prelude::*;

fn tea_review() -> Event {
    parse_event(
        r#"{"id":"e3","type":"review","at":"2026-03-05T20:00:00+08:00","merchant":"m-tea","customer":"c-001","rating":3,"text":"茶叶不错，但是晚到了一天"}"#,
    )
    .unwrap()
}

fn background() -> Vec<Event> {
    [
        r#"{"id":"e1","type":"order","at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#,
        r#"{"id":"e2","type":"delivery","at":"2026-03-03T10:00:00+08:00","merchant":"m-tea","customer":"c-001","order":"o-1"}"#,
        r#"{"id":"e9","type":"review","at":"2026-03-02T20:00:00+08:00","merchant":"m-tea","customer":"c-002","rating":5}"#,
    ]
    .iter()
    .map(|l| parse_event(l).unwrap())
    .collect()
}

fn aspect(code: &str, dimension: Dimension, positive: bool, snippet: &str) -> TextAspect {
    TextAspect {
        aspect: code.to_string(),
        dimension,
        positive,
        snippet: snippet.to_string(),
    }
}

/// What `credence-text` reads in "茶叶不错，但是晚到了一天".
fn tea_signal() -> TextSignal {
    TextSignal {
        sentiment: 0.35,
        aspects: vec![
            aspect("product_quality", Dimension::Ability, true, "茶叶不错"),
            aspect("delivery", Dimension::Integrity, false, "但是晚到了一天"),
        ],
        excerpt: "茶叶不错，但是晚到了一天".to_string(),
    }
}

fn report(events: &[(Event, Option<TextSignal>)], customer: &str) -> TrustReport {
    let mut e = Engine::new(Rules {
        max_reasons: 100,
        ..Rules::default()
    })
    .unwrap();
    for (ev, t) in events {
        e.add_with_text(ev, t.as_ref());
    }
    let at = e.latest_event_time("m-tea").unwrap();
    e.relationship("m-tea", customer, at).unwrap()
}

fn with(text: Option<TextSignal>, last: Event) -> Vec<(Event, Option<TextSignal>)> {
    let mut v: Vec<(Event, Option<TextSignal>)> =
        background().into_iter().map(|e| (e, None)).collect();
    v.push((last, text));
    v
}

#[test]
fn a_three_star_review_praising_the_tea_and_regretting_the_delay() {
    let plain = report(&with(None, tea_review()), "c-001");
    let text = report(&with(Some(tea_signal()), tea_review()), "c-001");
    let (a0, a1) = (
        plain.dimensions.ability.score,
        text.dimensions.ability.score,
    );
    let (i0, i1) = (
        plain.dimensions.integrity.score,
        text.dimensions.integrity.score,
    );
    assert!(a1 > a0, "ability {a0} -> {a1}");
    assert!(i1 < i0, "integrity {i0} -> {i1}");
    // The rating speaks for affect; the text adds nothing there.
    assert!((plain.dimensions.affect.score - text.dimensions.affect.score).abs() < 1e-12);
    let praise = text
        .reasons
        .iter()
        .find(|r| r.reason == ReasonCode::TextAbility)
        .unwrap();
    assert_eq!(praise.event, "e3");
    assert_eq!(
        praise.text_en,
        "Review e3 praises product quality: “茶叶不错”"
    );
    assert_eq!(praise.text_zh, "评价 e3 称赞产品质量：“茶叶不错”");
    assert!(praise.impact > 0.0);
    let late = text
        .reasons
        .iter()
        .find(|r| r.reason == ReasonCode::TextIntegrity)
        .unwrap();
    assert_eq!(
        late.text_en,
        "Review e3 criticises delivery: “但是晚到了一天”"
    );
    assert_eq!(late.text_zh, "评价 e3 批评物流配送：“但是晚到了一天”");
    assert!(late.impact < 0.0);
    assert!(
        !text
            .reasons
            .iter()
            .any(|r| r.reason == ReasonCode::TextSentiment)
    );
}

#[test]
fn text_weight_is_configurable() {
    let mut rules = Rules::default();
    rules.evidence.text_ability.r = 0.0;
    rules.evidence.text_integrity.s = 0.0;
    let mut e = Engine::new(rules).unwrap();
    let mut plain = Engine::default();
    for ev in background() {
        e.add(&ev);
        plain.add(&ev);
    }
    e.add_with_text(&tea_review(), Some(&tea_signal()));
    plain.add(&tea_review());
    let at = e.latest_event_time("m-tea").unwrap();
    let (a, b) = (
        e.relationship("m-tea", "c-001", at).unwrap(),
        plain.relationship("m-tea", "c-001", at).unwrap(),
    );
    assert!((a.score - b.score).abs() < 1e-12);
}

fn complaint(id: &str, category: &str) -> Event {
    parse_event(&format!(
        r#"{{"id":"{id}","type":"complaint","at":"2026-03-06T09:00:00+08:00","merchant":"m-tea","customer":"c-001","category":"{category}","severity":2,"text":"..."}}"#
    ))
    .unwrap()
}

#[test]
fn complaint_text_adds_sentiment_and_other_dimensions_only() {
    let signal = TextSignal {
        sentiment: 0.05,
        aspects: vec![
            aspect("delivery", Dimension::Integrity, false, "快递太慢"),
            aspect("empathy", Dimension::Benevolence, false, "客服态度差"),
            aspect("price_value", Dimension::Affect, false, "太贵"),
        ],
        excerpt: "快递太慢，客服态度差，太贵".to_string(),
    };
    let plain = report(&with(None, complaint("e5", "delivery")), "c-001");
    let text = report(&with(Some(signal), complaint("e5", "delivery")), "c-001");
    // The complaint's category already speaks for integrity: no text item there.
    assert!((plain.dimensions.integrity.score - text.dimensions.integrity.score).abs() < 1e-12);
    assert!(text.dimensions.benevolence.score < plain.dimensions.benevolence.score);
    assert!(text.dimensions.affect.score < plain.dimensions.affect.score);
    let codes: Vec<ReasonCode> = text
        .reasons
        .iter()
        .filter(|r| r.event == "e5")
        .map(|r| r.reason)
        .collect();
    assert!(codes.contains(&ReasonCode::TextSentiment));
    assert!(codes.contains(&ReasonCode::TextBenevolence));
    // Affect is spoken for by the sentiment: at most one text item per dimension.
    assert!(!codes.contains(&ReasonCode::TextAffect));
    assert!(!codes.contains(&ReasonCode::TextIntegrity));
    let s = text
        .reasons
        .iter()
        .find(|r| r.reason == ReasonCode::TextSentiment)
        .unwrap();
    assert_eq!(
        s.text_en,
        "Complaint e5 reads negative (P(positive) 0.07): “快递太慢，客服态度差，太贵”"
    );
}

#[test]
fn mixed_mentions_on_one_dimension_make_one_item() {
    let signal = TextSignal {
        sentiment: 0.5,
        aspects: vec![
            aspect("product_quality", Dimension::Ability, false, "一般"),
            aspect("assurance", Dimension::Ability, true, "专业"),
            aspect("product_quality", Dimension::Ability, true, "好喝"),
        ],
        excerpt: String::new(),
    };
    let text = report(&with(Some(signal), tea_review()), "c-001");
    let items: Vec<_> = text
        .reasons
        .iter()
        .filter(|r| r.reason == ReasonCode::TextAbility)
        .collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].impact > 0.0);
    assert!(items[0].text_en.ends_with("“好喝”"), "{}", items[0].text_en);
}

fn rated(kind: u8, p: u8) -> Event {
    let body = match kind {
        0 => EventBody::Review {
            rating: 1 + p % 5,
            text: Some("t".into()),
            lang: None,
            verified: None,
            order: None,
        },
        1 => EventBody::Survey {
            metric: SurveyMetric::Csat,
            score: 1 + p % 5,
            comment: Some("t".into()),
        },
        2 => EventBody::Survey {
            metric: SurveyMetric::Nps,
            score: p % 11,
            comment: Some("t".into()),
        },
        _ => EventBody::Complaint {
            category: ComplaintCategory::Other,
            severity: 1 + p % 3,
            text: Some("t".into()),
        },
    };
    Event {
        id: format!("r{kind}-{p}"),
        at: "2026-03-07T00:00:00Z".parse().unwrap(),
        merchant: "m-tea".into(),
        customer: Some("c-001".into()),
        body,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A rated review, a scored survey, or a complaint whose category is on affect: the
    /// text never adds affect evidence, whatever it says.
    #[test]
    fn rated_text_never_adds_affect(
        kind in 0u8..4, p in 0u8..11, sentiment in 0.0f32..=1.0,
        mentions in prop::collection::vec((0usize..4, any::<bool>()), 0..6),
    ) {
        let signal = TextSignal {
            sentiment,
            aspects: mentions.iter().enumerate().map(|(i, &(d, pos))| aspect("x", Dimension::ALL[d], pos, &format!("s{i}"))).collect(),
            excerpt: String::new(),
        };
        let ev = rated(kind, p);
        let plain = report(&with(None, ev.clone()), "c-001");
        let text = report(&with(Some(signal.clone()), ev), "c-001");
        prop_assert!((plain.dimensions.affect.score - text.dimensions.affect.score).abs() < 1e-9);
        prop_assert!((plain.dimensions.affect.uncertainty - text.dimensions.affect.uncertainty).abs() < 1e-12);
        // At most one text item per dimension, never on the dimension of the event's
        // own item, and never sentiment for a rated text.
        let rules = Rules::default();
        let mut seen = [0; 4];
        for r in text.reasons.iter().filter(|r| r.event.starts_with('r')) {
            if r.reason.as_str().starts_with("text_") {
                seen[r.dimension.index()] += 1;
                prop_assert!(r.reason != ReasonCode::TextSentiment || kind == 3);
            }
        }
        prop_assert!(seen.iter().all(|&n| n <= 1));
        let own = text.reasons.iter().find(|r| r.event.starts_with('r') && !r.reason.as_str().starts_with("text_")).map(|r| rules.evidence.rule(r.reason).dimension);
        if let Some(d) = own { prop_assert_eq!(seen[d.index()], 0); }
    }
}
