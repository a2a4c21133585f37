//! One test per field rule of events v1: what passes, and the exact message of what fails.

use super::*;
use serde_json::json;

/// A valid event of `ty` with the common fields, `extra` merged over them.
fn event(ty: &str, extra: Value) -> Value {
    let mut v = json!({"id":"e1","type":ty,"at":"2026-03-01T10:00:00+08:00","merchant":"m-tea","customer":"c-001"});
    if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
        for (k, val) in x {
            if val.is_null() {
                m.remove(&k);
            } else {
                m.insert(k, val);
            }
        }
    }
    v
}

fn ok(ty: &str, extra: Value) -> Event {
    match parse_value(&event(ty, extra)) {
        Ok(e) => e,
        Err(r) => panic!("expected a valid `{ty}` event, got: {r}"),
    }
}

/// The rejection's field and message.
fn err(ty: &str, extra: Value) -> (Option<String>, String) {
    match parse_value(&event(ty, extra)) {
        Ok(e) => panic!("expected a rejection, got {e:?}"),
        Err(r) => (r.field, r.message),
    }
}

fn field_err(ty: &str, extra: Value, field: &str) -> String {
    let (f, m) = err(ty, extra);
    assert_eq!(f.as_deref(), Some(field), "wrong field blamed: {m}");
    m
}

#[test]
fn not_json_and_not_object() {
    let r = parse_event("{\"id\": ").unwrap_err();
    assert!(r.message.starts_with("not valid JSON"), "{}", r.message);
    assert_eq!(r.field, None);
    let r = parse_event("[1,2]").unwrap_err();
    assert_eq!(r.message, "an event must be a JSON object, got an array");
}

#[test]
fn common_fields_are_required() {
    for f in ["id", "type", "at", "merchant"] {
        let m = field_err("order", json!({ f: null, "order": "o1" }), f);
        assert_eq!(m, format!("field `{f}` is required"));
    }
    let m = field_err(
        "order",
        json!({"customer": null, "order": "o1"}),
        "customer",
    );
    assert_eq!(m, "field `customer` is required for a `order` event");
}

#[test]
fn ids_are_strings_of_1_to_128_chars() {
    assert!(parse_value(&event("churn", json!({"id": "x".repeat(128)}))).is_ok());
    // Characters, not bytes: 128 Chinese characters are fine.
    assert!(parse_value(&event("churn", json!({"customer": "客".repeat(128)}))).is_ok());
    let m = field_err("churn", json!({"id": "x".repeat(129)}), "id");
    assert_eq!(
        m,
        "field `id` must be a string of 1–128 characters, got 129 characters"
    );
    let m = field_err("churn", json!({"merchant": ""}), "merchant");
    assert_eq!(
        m,
        "field `merchant` must be a string of 1–128 characters, got 0 characters"
    );
    let m = field_err("churn", json!({"customer": 42}), "customer");
    assert_eq!(
        m,
        "field `customer` must be a string of 1–128 characters, got 42"
    );
}

#[test]
fn ids_and_custom_types_refuse_u0000() {
    // A store must hold every accepted event; PostgreSQL text cannot hold U+0000.
    let m = field_err("churn", json!({"customer": "c\u{0}1"}), "customer");
    assert_eq!(m, "field `customer` must not contain the character U+0000");
    let m = field_err("churn", json!({"id": "e\u{0}"}), "id");
    assert_eq!(m, "field `id` must not contain the character U+0000");
    let m = field_err("x-\u{0}visit", json!({}), "type");
    assert_eq!(m, "field `type` must not contain the character U+0000");
    // Other text may hold it (it is stored escaped in the raw line).
    assert!(parse_value(&event("review", json!({"rating": 4, "text": "a\u{0}b"}))).is_ok());
}

#[test]
fn type_must_be_known_or_custom() {
    let m = field_err("purchase", json!({}), "type");
    assert!(
        m.starts_with("field `type`: unknown event type `purchase`; expected one of `order`"),
        "{m}"
    );
    assert!(m.ends_with("or a custom type starting with `x-`"));
    let e = ok("x-visit", json!({"anything": [1, 2]}));
    assert_eq!(
        e.body,
        EventBody::Custom {
            type_name: "x-visit".into()
        }
    );
    assert_eq!(e.event_type(), "x-visit");
    field_err("x-", json!({}), "type");
    let m = field_err("order", json!({"type": 5}), "type");
    assert_eq!(m, "field `type` must be a string, got 5");
}

#[test]
fn timestamps_need_rfc3339_with_offset() {
    let e = ok("churn", json!({"at": "2026-03-01T02:00:00Z"}));
    assert_eq!(
        e.at,
        ok("churn", json!({})).at,
        "+08:00 and Z forms of one instant are equal"
    );
    for bad in [
        "2026-03-01",
        "2026-03-01T10:00:00",
        "2026-03-01 10:00:00Z",
        "yesterday",
        "2026-13-01T10:00:00Z",
    ] {
        let m = field_err("churn", json!({ "at": bad }), "at");
        assert_eq!(
            m,
            format!(
                "field `at` must be an RFC 3339 timestamp with an offset, e.g. 2026-03-01T10:00:00+08:00, got \"{bad}\""
            )
        );
    }
    field_err("churn", json!({"at": 1_700_000_000}), "at");
}

#[test]
fn order_rules() {
    let e = ok(
        "order",
        json!({"order":"o-1","amount":128.0,"currency":"CNY","promised_by":"2026-03-03T18:00:00+08:00"}),
    );
    assert!(matches!(e.body, EventBody::Order { amount: Some(a), .. } if a == 128.0));
    assert_eq!(e.subject(), Some(Subject::Order("o-1")));
    assert_eq!(
        field_err("order", json!({}), "order"),
        "field `order` is required for a `order` event"
    );
    assert_eq!(
        field_err("order", json!({"order":"o","amount":-1}), "amount"),
        "field `amount` must be a number ≥ 0, got -1"
    );
    field_err("order", json!({"order":"o","amount":"12"}), "amount");
    assert_eq!(
        field_err("order", json!({"order":"o","currency":"yuan"}), "currency"),
        "field `currency` must be an ISO 4217 code of three capital letters such as CNY or USD, got \"yuan\""
    );
    field_err(
        "order",
        json!({"order":"o","promised_by":"soon"}),
        "promised_by",
    );
}

#[test]
fn delivery_rules() {
    let e = ok("delivery", json!({"order":"o-1"}));
    assert!(matches!(
        e.body,
        EventBody::Delivery {
            condition: DeliveryCondition::Ok,
            ..
        }
    ));
    let e = ok("delivery", json!({"order":"o-1","condition":"wrong_item"}));
    assert!(matches!(
        e.body,
        EventBody::Delivery {
            condition: DeliveryCondition::WrongItem,
            ..
        }
    ));
    assert_eq!(
        field_err(
            "delivery",
            json!({"order":"o","condition":"broken"}),
            "condition"
        ),
        "field `condition` must be one of `ok`, `damaged`, `wrong_item`, `missing`, got \"broken\""
    );
    field_err("delivery", json!({}), "order");
}

#[test]
fn refund_rules() {
    ok(
        "refund",
        json!({"order":"o","status":"completed","promised_by":"2026-03-05T00:00:00Z","reason":"坏了"}),
    );
    assert_eq!(
        field_err("refund", json!({"order":"o"}), "status"),
        "field `status` is required for a `refund` event"
    );
    field_err("refund", json!({"order":"o","status":"done"}), "status");
    field_err(
        "refund",
        json!({"order":"o","status":"requested","reason":3}),
        "reason",
    );
}

#[test]
fn ticket_rules() {
    let e = ok(
        "ticket",
        json!({"ticket":"t1","status":"opened","sla_minutes":60,"channel":"chat","text":"help"}),
    );
    assert!(matches!(
        e.body,
        EventBody::Ticket {
            sla_minutes: Some(60),
            status: TicketStatus::Opened,
            ..
        }
    ));
    assert_eq!(
        field_err(
            "ticket",
            json!({"ticket":"t1","status":"opened","sla_minutes":0}),
            "sla_minutes"
        ),
        "field `sla_minutes` must be an integer > 0, got 0"
    );
    field_err(
        "ticket",
        json!({"ticket":"t1","status":"opened","sla_minutes":1.5}),
        "sla_minutes",
    );
    field_err("ticket", json!({"ticket":"t1","status":"closed"}), "status");
    field_err("ticket", json!({"status":"opened"}), "ticket");
}

#[test]
fn complaint_rules() {
    let e = ok("complaint", json!({}));
    assert_eq!(
        e.body,
        EventBody::Complaint {
            category: ComplaintCategory::Other,
            severity: 1,
            text: None
        }
    );
    ok(
        "complaint",
        json!({"category":"privacy","severity":3,"text":"leaked my phone number"}),
    );
    assert_eq!(
        field_err("complaint", json!({"severity":4}), "severity"),
        "field `severity` must be an integer 1–3, got 4"
    );
    field_err("complaint", json!({"category":"rude"}), "category");
}

#[test]
fn review_rules() {
    let e = ok(
        "review",
        json!({"rating":3,"text":"茶叶不错，但是晚到了一天","lang":"zh","verified":true,"order":"o-1"}),
    );
    assert_eq!(e.subject(), Some(Subject::Order("o-1")));
    // Numbers are compared by value: 4.0 is the integer 4.
    assert!(matches!(
        ok("review", json!({"rating":4.0})).body,
        EventBody::Review { rating: 4, .. }
    ));
    assert_eq!(
        field_err("review", json!({"rating":7}), "rating"),
        "field `rating` must be an integer 1–5, got 7"
    );
    assert_eq!(
        field_err("review", json!({"rating":"5"}), "rating"),
        "field `rating` must be an integer 1–5, got \"5\""
    );
    field_err("review", json!({"rating":4.5}), "rating");
    assert_eq!(
        field_err("review", json!({}), "rating"),
        "field `rating` is required for a `review` event"
    );
    field_err("review", json!({"rating":5,"lang":"fr"}), "lang");
    assert_eq!(
        field_err("review", json!({"rating":5,"verified":"yes"}), "verified"),
        "field `verified` must be true or false, got \"yes\""
    );
}

#[test]
fn review_reply_rules() {
    let e = ok("review_reply", json!({"review":"e3","text":"抱歉"}));
    assert_eq!(e.subject(), Some(Subject::Review("e3")));
    field_err("review_reply", json!({}), "review");
}

#[test]
fn survey_ranges_depend_on_the_metric() {
    ok("survey", json!({"metric":"nps","score":0}));
    ok("survey", json!({"metric":"nps","score":10}));
    ok("survey", json!({"metric":"csat","score":5}));
    ok("survey", json!({"metric":"ces","score":7}));
    assert_eq!(
        field_err("survey", json!({"metric":"nps","score":11}), "score"),
        "field `score` must be an integer 0–10 for metric `nps`, got 11"
    );
    field_err("survey", json!({"metric":"csat","score":0}), "score");
    field_err("survey", json!({"metric":"ces","score":8}), "score");
    field_err("survey", json!({"metric":"nps"}), "score");
    field_err("survey", json!({"metric":"sus","score":3}), "metric");
    field_err(
        "survey",
        json!({"metric":"nps","score":9,"comment":false}),
        "comment",
    );
}

#[test]
fn commitment_rules() {
    // Public: no customer.
    let e = ok(
        "commitment",
        json!({"customer":null,"commitment":"k1","kind":"delivery","terms":"48h shipping","due":"2026-04-01T00:00:00Z"}),
    );
    assert_eq!(e.customer, None);
    let e = ok("commitment", json!({"commitment":"k1","terms":"t"}));
    assert!(matches!(
        e.body,
        EventBody::Commitment {
            kind: CommitmentKind::Other,
            ..
        }
    ));
    field_err("commitment", json!({"commitment":"k1"}), "terms");
    field_err(
        "commitment",
        json!({"commitment":"k1","terms":"t","kind":"speed"}),
        "kind",
    );
    field_err(
        "commitment",
        json!({"commitment":"k1","terms":"t","due":"never"}),
        "due",
    );
    ok(
        "commitment_result",
        json!({"customer":null,"commitment":"k1","kept":false}),
    );
    assert_eq!(
        field_err("commitment_result", json!({"commitment":"k1"}), "kept"),
        "field `kept` is required for a `commitment_result` event"
    );
    field_err(
        "commitment_result",
        json!({"commitment":"k1","kept":1}),
        "kept",
    );
}

#[test]
fn compensation_referral_engagement_churn() {
    let e = ok(
        "compensation",
        json!({"kind":"voucher","amount":20,"ticket":"t1"}),
    );
    assert_eq!(e.subject(), Some(Subject::Ticket("t1")));
    ok("compensation", json!({}));
    field_err("compensation", json!({"kind":"cash"}), "kind");
    field_err("compensation", json!({"amount":-5}), "amount");
    ok("referral", json!({"referred":"c-002"}));
    field_err("referral", json!({}), "referred");
    ok("engagement", json!({"action":"login"}));
    field_err("engagement", json!({"action":["login"]}), "action");
    ok("churn", json!({"reason":"moved away"}));
}

#[test]
fn site_signals_rules() {
    let e = ok(
        "site_signals",
        json!({"customer":null,"signals":{"https":true,"privacy_policy":false}}),
    );
    assert_eq!(
        e.body,
        EventBody::SiteSignals {
            signals: vec![
                (SiteSignal::Https, true),
                (SiteSignal::PrivacyPolicy, false)
            ]
        }
    );
    field_err("site_signals", json!({}), "signals");
    let m = field_err("site_signals", json!({"signals":{"ssl":true}}), "signals");
    assert!(
        m.starts_with("field `signals`: unknown signal `ssl`; expected `https`"),
        "{m}"
    );
    assert_eq!(
        field_err(
            "site_signals",
            json!({"signals":{"https":"yes"}}),
            "signals"
        ),
        "field `signals`: signal `https` must be true or false, got \"yes\""
    );
    field_err("site_signals", json!({"signals":[true]}), "signals");
}

#[test]
fn unknown_fields_and_nulls_are_accepted() {
    ok(
        "order",
        json!({"order":"o","coupon":"SPRING","nested":{"a":1}}),
    );
    // An explicit null is the same as an absent optional field.
    ok("order", json!({"order":"o","amount":null}));
}
