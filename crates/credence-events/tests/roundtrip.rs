//! Any valid event written out as JSON parses back to itself, and its canonical form
//! does not depend on key order or on the offset its times are written in.

#![allow(clippy::unwrap_used)] // test code

use credence_events::*;
use proptest::prelude::*;
use serde_json::Value;

fn id() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,12}|[茶叶客户]{1,4}"
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z ,.!茶叶不错但是晚到了一天]{0,30}")
}

fn time() -> impl Strategy<Value = jiff::Timestamp> {
    (1_600_000_000i64..1_900_000_000).prop_map(|s| jiff::Timestamp::from_second(s).unwrap())
}

fn body() -> impl Strategy<Value = EventBody> {
    prop_oneof![
        (
            id(),
            proptest::option::of(0u32..100_000),
            proptest::option::of(time())
        )
            .prop_map(|(order, amount, promised_by)| {
                EventBody::Order {
                    order,
                    amount: amount.map(|a| a as f64 / 4.0),
                    currency: Some("CNY".into()),
                    promised_by,
                }
            }),
        (id(), proptest::sample::select(DeliveryCondition::ALL))
            .prop_map(|(order, condition)| EventBody::Delivery { order, condition }),
        (
            id(),
            proptest::sample::select(TicketStatus::ALL),
            proptest::option::of(1u32..10_000),
            text()
        )
            .prop_map(|(ticket, status, sla_minutes, text)| EventBody::Ticket {
                ticket,
                status,
                sla_minutes,
                channel: None,
                text
            }),
        (
            proptest::sample::select(ComplaintCategory::ALL),
            1u8..=3,
            text()
        )
            .prop_map(|(category, severity, text)| EventBody::Complaint {
                category,
                severity,
                text
            }),
        (
            1u8..=5,
            text(),
            proptest::option::of(any::<bool>()),
            proptest::option::of(id())
        )
            .prop_map(|(rating, text, verified, order)| EventBody::Review {
                rating,
                text,
                lang: None,
                verified,
                order
            }),
        (proptest::sample::select(SurveyMetric::ALL), any::<u8>()).prop_map(|(metric, s)| {
            let (lo, hi) = metric.range();
            EventBody::Survey {
                metric,
                score: lo + s % (hi - lo + 1),
                comment: None,
            }
        }),
        (id(), any::<bool>())
            .prop_map(|(commitment, kept)| EventBody::CommitmentResult { commitment, kept }),
        proptest::collection::btree_map(
            proptest::sample::select(SiteSignal::ALL),
            any::<bool>(),
            0..8
        )
        .prop_map(|m| EventBody::SiteSignals {
            signals: m.into_iter().collect()
        }),
        "x-[a-z]{1,8}".prop_map(|type_name| EventBody::Custom { type_name }),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (id(), time(), id(), id(), body()).prop_map(|(id, at, merchant, customer, body)| Event {
        id,
        at,
        merchant,
        customer: Some(customer),
        body,
    })
}

/// The same JSON with the times written at +08:00 and the keys in reverse order.
fn rewritten(v: &Value) -> String {
    let Value::Object(m) = v else { unreachable!() };
    let mut parts: Vec<String> = m
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("at" | "promised_by" | "due", Value::String(s)) => {
                    let t: jiff::Timestamp = s.parse().unwrap();
                    let z = t.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
                    Value::String(z.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string())
                }
                _ => v.clone(),
            };
            format!("{}:{}", Value::String(k.clone()), v)
        })
        .collect();
    parts.reverse();
    format!("{{{}}}", parts.join(","))
}

proptest! {
    #[test]
    fn written_events_parse_back_to_themselves(e in event()) {
        let json = e.to_json();
        prop_assert_eq!(parse_value(&json).unwrap(), e.clone());
        let other = rewritten(&json);
        prop_assert_eq!(parse_event(&other).unwrap(), e);
        prop_assert_eq!(canonical_json(&json.to_string()), canonical_json(&other));
    }
}
