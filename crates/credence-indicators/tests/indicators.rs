//! Every indicator on small hand-built event sets, with the arithmetic written out.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use credence_engine::Engine;
use credence_events::{Event, parse_event};
use credence_indicators::{
    Dataset, Granularity, Indicators, Options, Period, PeriodSpec, RecoveryOptions, indicators,
    parse_bound, recovery, recovery_episodes, summarize,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn ev(id: &str, ty: &str, at: &str, merchant: &str, customer: Option<&str>, extra: &str) -> Event {
    let cust = customer
        .map(|c| format!(r#","customer":"{c}""#))
        .unwrap_or_default();
    let line = format!(
        r#"{{"id":"{id}","type":"{ty}","at":"{at}","merchant":"{merchant}"{cust}{extra}}}"#
    );
    parse_event(&line).unwrap_or_else(|e| panic!("{line}: {e:?}"))
}

fn m(id: &str, ty: &str, at: &str, customer: &str, extra: &str) -> Event {
    ev(id, ty, at, "m", Some(customer), extra)
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The fixture of merchant `m` (February and March 2026, UTC) and one other merchant `z`
/// (two 4-star reviews in March, for the Bayesian prior).
fn fixture() -> Vec<Event> {
    vec![
        // February: a and d engage (activity only).
        m("f1", "engagement", "2026-02-10T10:00:00Z", "a", ""),
        m("f2", "engagement", "2026-02-11T10:00:00Z", "d", ""),
        // Surveys (March).
        m(
            "s1",
            "survey",
            "2026-03-01T09:00:00Z",
            "a",
            r#","metric":"nps","score":10"#,
        ),
        m(
            "s2",
            "survey",
            "2026-03-01T09:01:00Z",
            "b",
            r#","metric":"nps","score":9"#,
        ),
        m(
            "s3",
            "survey",
            "2026-03-01T09:02:00Z",
            "c",
            r#","metric":"nps","score":7"#,
        ),
        m(
            "s4",
            "survey",
            "2026-03-01T09:03:00Z",
            "a",
            r#","metric":"nps","score":3"#,
        ),
        m(
            "s5",
            "survey",
            "2026-03-02T09:00:00Z",
            "a",
            r#","metric":"csat","score":5"#,
        ),
        m(
            "s6",
            "survey",
            "2026-03-02T09:01:00Z",
            "b",
            r#","metric":"csat","score":4"#,
        ),
        m(
            "s7",
            "survey",
            "2026-03-02T09:02:00Z",
            "c",
            r#","metric":"csat","score":3"#,
        ),
        m(
            "s8",
            "survey",
            "2026-03-02T09:03:00Z",
            "a",
            r#","metric":"csat","score":2"#,
        ),
        m(
            "s9",
            "survey",
            "2026-03-03T09:00:00Z",
            "a",
            r#","metric":"ces","score":2"#,
        ),
        m(
            "s10",
            "survey",
            "2026-03-03T09:01:00Z",
            "b",
            r#","metric":"ces","score":3"#,
        ),
        m(
            "s11",
            "survey",
            "2026-03-03T09:02:00Z",
            "c",
            r#","metric":"ces","score":7"#,
        ),
        // Orders and deliveries.
        m(
            "o1",
            "order",
            "2026-03-01T10:00:00Z",
            "a",
            r#","order":"o1","promised_by":"2026-03-03T10:00:00Z""#,
        ),
        m(
            "d1",
            "delivery",
            "2026-03-02T10:00:00Z",
            "a",
            r#","order":"o1""#,
        ),
        m(
            "o2",
            "order",
            "2026-03-02T10:00:00Z",
            "a",
            r#","order":"o2","promised_by":"2026-03-04T10:00:00Z""#,
        ),
        m(
            "d2",
            "delivery",
            "2026-03-05T10:00:00Z",
            "a",
            r#","order":"o2""#,
        ),
        m(
            "o3",
            "order",
            "2026-03-03T10:00:00Z",
            "b",
            r#","order":"o3","promised_by":"2026-03-05T10:00:00Z""#,
        ),
        m(
            "o4",
            "order",
            "2026-03-10T10:00:00Z",
            "b",
            r#","order":"o4""#,
        ),
        m(
            "d4",
            "delivery",
            "2026-03-11T10:00:00Z",
            "b",
            r#","order":"o4""#,
        ),
        m(
            "o5",
            "order",
            "2026-03-19T10:00:00Z",
            "c",
            r#","order":"o5","promised_by":"2026-04-10T10:00:00Z""#,
        ),
        // Refund of o2, promised by 03-09, completed 03-08.
        m(
            "r1",
            "refund",
            "2026-03-06T10:00:00Z",
            "a",
            r#","order":"o2","status":"requested","promised_by":"2026-03-09T10:00:00Z""#,
        ),
        m(
            "r2",
            "refund",
            "2026-03-08T10:00:00Z",
            "a",
            r#","order":"o2","status":"completed""#,
        ),
        // Tickets.
        m(
            "t1o",
            "ticket",
            "2026-03-06T10:00:00Z",
            "a",
            r#","ticket":"t1","status":"opened","sla_minutes":60"#,
        ),
        m(
            "t1r",
            "ticket",
            "2026-03-06T10:30:00Z",
            "a",
            r#","ticket":"t1","status":"replied""#,
        ),
        m(
            "t2o",
            "ticket",
            "2026-03-07T10:00:00Z",
            "b",
            r#","ticket":"t2","status":"opened","sla_minutes":60"#,
        ),
        m(
            "t2r",
            "ticket",
            "2026-03-07T12:00:00Z",
            "b",
            r#","ticket":"t2","status":"replied""#,
        ),
        m(
            "t3o",
            "ticket",
            "2026-03-08T10:00:00Z",
            "c",
            r#","ticket":"t3","status":"opened","sla_minutes":30"#,
        ),
        // Commitments: public k1 kept; k2 to c, due 03-12, no result.
        ev(
            "k1",
            "commitment",
            "2026-03-01T00:00:00Z",
            "m",
            None,
            r#","commitment":"k1","terms":"ship in 48 h","due":"2026-03-15T00:00:00Z""#,
        ),
        ev(
            "k1r",
            "commitment_result",
            "2026-03-16T00:00:00Z",
            "m",
            None,
            r#","commitment":"k1","kept":true"#,
        ),
        m(
            "k2",
            "commitment",
            "2026-03-05T00:00:00Z",
            "c",
            r#","commitment":"k2","terms":"call back","due":"2026-03-12T00:00:00Z""#,
        ),
        // Complaints.
        m(
            "c1",
            "complaint",
            "2026-03-05T12:00:00Z",
            "a",
            r#","category":"delivery","severity":2"#,
        ),
        m(
            "c2",
            "complaint",
            "2026-03-06T12:00:00Z",
            "b",
            r#","category":"service","severity":1"#,
        ),
        // Reviews: 5★; 1★ answered after 23 h; 2★ answered after 72 h.
        m(
            "v1",
            "review",
            "2026-03-10T10:00:00Z",
            "a",
            r#","rating":5"#,
        ),
        m(
            "v2",
            "review",
            "2026-03-12T10:00:00Z",
            "b",
            r#","rating":1"#,
        ),
        m(
            "v2r",
            "review_reply",
            "2026-03-13T09:00:00Z",
            "b",
            r#","review":"v2""#,
        ),
        m(
            "v3",
            "review",
            "2026-03-14T10:00:00Z",
            "c",
            r#","rating":2"#,
        ),
        m(
            "v3r",
            "review_reply",
            "2026-03-17T10:00:00Z",
            "c",
            r#","review":"v3""#,
        ),
        // The merchant's latest event (as-of time): 2026-03-20.
        m("last", "engagement", "2026-03-20T10:00:00Z", "c", ""),
        // Another merchant: two 4★ reviews in March.
        ev(
            "z1",
            "review",
            "2026-03-05T10:00:00Z",
            "z",
            Some("y"),
            r#","rating":4"#,
        ),
        ev(
            "z2",
            "review",
            "2026-03-06T10:00:00Z",
            "z",
            Some("y"),
            r#","rating":4"#,
        ),
    ]
}

fn monthly(events: &[Event], tz: &str) -> (Vec<Period>, Vec<Indicators>, Engine) {
    let data = Dataset::from_events(events);
    let mut engine = Engine::default();
    engine.extend(events);
    let (first, last) = data.span(Some("m")).unwrap();
    let spec = PeriodSpec {
        by: Some(Granularity::Month),
        tz: TimeZone::get(tz).unwrap(),
        ..PeriodSpec::default()
    };
    let periods = spec.periods(first, last).unwrap();
    let rows = indicators(&data, &engine, "m", &periods, &Options::default());
    (periods, rows, engine)
}

fn close(a: Option<f64>, b: f64) {
    let a = a.unwrap_or_else(|| panic!("expected {b}, got null"));
    assert!((a - b).abs() < 1e-12, "expected {b}, got {a}");
}

#[test]
fn every_indicator_of_march() {
    let (periods, rows, engine) = monthly(&fixture(), "UTC");
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[1].start, ts("2026-03-01T00:00:00Z"));
    assert_eq!(periods[1].end, ts("2026-04-01T00:00:00Z"));
    let i = &rows[1];

    // NPS: 10, 9, 7, 3 → promoters 2 (10, 9), detractors 1 (3): 100 × (2 − 1) / 4 = 25.
    close(i.nps, 25.0);
    // CSAT: 5, 4, 3, 2 → 2 of 4 are ≥ 4: 50 %.
    close(i.csat, 50.0);
    // CES: (2 + 3 + 7) / 3 = 4.
    close(i.ces, 4.0);
    assert_eq!(
        (
            i.responses,
            i.nps_responses,
            i.csat_responses,
            i.ces_responses
        ),
        (11, 4, 4, 3)
    );
    // Deliveries with promised_by in March: o1 (03-02 ≤ 03-03, on time), o2 (03-05 >
    // 03-04, late). o4 has no promise, o3 and o5 are not delivered: 1 / 2.
    close(i.on_time_rate, 0.5);
    // Promises with a deadline in March:
    //   delivery o1 kept, o2 late (broken), o3 undelivered past 03-05 (broken);
    //   o5 is due 04-10 (April, and still pending as of 03-20);
    //   refund of o2 promised 03-09, completed 03-08: kept;
    //   ticket t1 due 10:00+60 min, replied 10:30: kept; t2 replied after 2 h: broken;
    //   t3 never answered, due 03-08 10:30 < as-of 03-20: broken;
    //   commitment k1 due 03-15, result kept: kept; k2 due 03-12, no result: broken.
    // Kept 4 (o1, refund, t1, k1) of 9.
    close(i.promise_kept_rate, 4.0 / 9.0);
    assert_eq!(i.promises, 9);
    // Tickets: t1 kept, t2 and t3 broken: 1 / 3.
    close(i.first_response_sla_rate, 1.0 / 3.0);
    // Orders placed in March: o1..o5 = 5. Complaints 2: 2 / 5 × 100 = 40.
    assert_eq!(i.orders, 5);
    assert_eq!(i.complaints, 2);
    close(i.complaint_rate, 40.0);
    // Orders with a completed refund: o2 → 1 / 5.
    close(i.refund_rate, 0.2);
    // Up to the end of March: a (o1, o2) and b (o3, o4) have ≥ 2 orders, c (o5) one:
    // 2 / 3.
    close(i.repurchase_rate, 2.0 / 3.0);
    // Active in February: a, d. Of those, active in March: a → 1 / 2.
    close(i.retention_rate, 0.5);
    assert_eq!(i.active_customers, 3);
    // Reviews 5, 1, 2: mean 8 / 3.
    assert_eq!((i.review_count, i.reviews), (3, 3));
    close(i.avg_rating, 8.0 / 3.0);
    // All-merchant mean in March: (5 + 1 + 2 + 4 + 4) / 5 = 3.2; prior weight 10:
    // (10 × 3.2 + 8) / (10 + 3) = 40 / 13.
    close(i.bayes_rating, 40.0 / 13.0);
    // Negative reviews: v2 answered after 23 h (≤ 48 h), v3 after 72 h: 1 / 2.
    close(i.negative_review_reply_rate, 0.5);

    // Trust: the engine evaluated once, at min(period end − 1 ns, as-of = 03-20 10:00).
    let at = ts("2026-03-20T10:00:00Z");
    let stages = engine.stages("m", at);
    let c = &i.stage_counts;
    assert_eq!(
        c.initial + c.developing + c.committed + c.at_risk + c.ended,
        4
    );
    let mut scores: Vec<f64> = stages.iter().map(|s| s.2).collect();
    scores.sort_by(f64::total_cmp);
    // Four relationships, none ended: mean of the four; p10 nearest rank ⌈0.4⌉ = 1st.
    close(i.trust_mean, scores.iter().sum::<f64>() / 4.0);
    close(i.trust_p10, scores[0]);
}

#[test]
fn zero_denominators_are_null() {
    let (_, rows, _) = monthly(&fixture(), "UTC");
    let feb = &rows[0];
    // February has only two engagements.
    assert_eq!(feb.nps, None);
    assert_eq!(feb.csat, None);
    assert_eq!(feb.ces, None);
    assert_eq!(feb.on_time_rate, None);
    assert_eq!(feb.promise_kept_rate, None);
    assert_eq!(feb.first_response_sla_rate, None);
    assert_eq!(feb.complaint_rate, None);
    assert_eq!(feb.refund_rate, None);
    assert_eq!(feb.repurchase_rate, None); // nobody ordered by the end of February
    assert_eq!(feb.retention_rate, None); // nobody active in January
    assert_eq!(feb.avg_rating, None);
    assert_eq!(feb.bayes_rating, None);
    assert_eq!(feb.negative_review_reply_rate, None);
    assert_eq!((feb.orders, feb.reviews, feb.responses), (0, 0, 0));
    // Two relationships exist at the end of February (a, d), both initial.
    assert_eq!(feb.stage_counts.initial, 2);
    assert!(feb.trust_mean.is_some());
    let json = serde_json::to_value(feb).unwrap();
    assert!(json["nps"].is_null());
    assert!(json["complaint_rate"].is_null());
}

#[test]
fn arrival_order_does_not_matter() {
    let events = fixture();
    let (_, a, _) = monthly(&events, "UTC");
    let mut rev = events.clone();
    rev.reverse();
    let (_, b, _) = monthly(&rev, "UTC");
    // Interleave: odd positions first.
    let mut odd: Vec<Event> = events.iter().skip(1).step_by(2).cloned().collect();
    odd.extend(events.iter().step_by(2).cloned());
    let (_, c, _) = monthly(&odd, "UTC");
    for other in [&b, &c] {
        for (x, y) in a.iter().zip(other.iter()) {
            let (mut x, mut y) = (x.clone(), y.clone());
            // Trust sums are equal within 1e-9 relative (DESIGN.md); counts exactly.
            let (tx, ty) = (x.trust_mean.take(), y.trust_mean.take());
            assert!((tx.unwrap() - ty.unwrap()).abs() < 1e-9);
            let (px, py) = (x.trust_p10.take(), y.trust_p10.take());
            assert!((px.unwrap() - py.unwrap()).abs() < 1e-9);
            assert_eq!(x, y);
        }
    }
}

#[test]
fn a_delivery_before_its_order_still_links() {
    // The delivery arrives first, then the order: still on time.
    let events = vec![
        m(
            "d",
            "delivery",
            "2026-03-02T10:00:00Z",
            "a",
            r#","order":"o""#,
        ),
        m(
            "o",
            "order",
            "2026-03-01T10:00:00Z",
            "a",
            r#","order":"o","promised_by":"2026-03-03T00:00:00Z""#,
        ),
        m(
            "rr",
            "review_reply",
            "2026-03-04T11:00:00Z",
            "a",
            r#","review":"v""#,
        ),
        m("v", "review", "2026-03-04T10:00:00Z", "a", r#","rating":1"#),
    ];
    let data = Dataset::from_events(&events);
    let mut engine = Engine::default();
    engine.extend(&events);
    let (f, l) = data.span(None).unwrap();
    let p = PeriodSpec::default().periods(f, l).unwrap();
    let i = &indicators(&data, &engine, "m", &p, &Options::default())[0];
    close(i.on_time_rate, 1.0);
    close(i.promise_kept_rate, 1.0);
    close(i.negative_review_reply_rate, 1.0);
}

#[test]
fn month_and_week_boundaries_in_a_time_zone() {
    // 2026-03-31T17:00Z is 2026-04-01 01:00 in Shanghai (UTC+8): March in UTC, April in
    // Shanghai. 2026-03-08T20:00Z is Monday 2026-03-09 04:00 in Shanghai (a Sunday in UTC).
    let events = vec![
        m(
            "o1",
            "order",
            "2026-03-05T10:00:00Z",
            "a",
            r#","order":"o1""#,
        ),
        m(
            "o2",
            "order",
            "2026-03-08T20:00:00Z",
            "a",
            r#","order":"o2""#,
        ),
        m(
            "o3",
            "order",
            "2026-03-31T17:00:00Z",
            "a",
            r#","order":"o3""#,
        ),
    ];
    let (p_utc, utc, _) = monthly(&events, "UTC");
    assert_eq!(p_utc.len(), 1);
    assert_eq!(utc[0].orders, 3);
    let (p_sh, sh, _) = monthly(&events, "Asia/Shanghai");
    assert_eq!(p_sh.len(), 2);
    // March in Shanghai: [2026-02-28T16:00Z, 2026-03-31T16:00Z).
    assert_eq!(p_sh[0].start, ts("2026-02-28T16:00:00Z"));
    assert_eq!(p_sh[0].end, ts("2026-03-31T16:00:00Z"));
    assert_eq!((sh[0].orders, sh[1].orders), (2, 1));
    // Repurchase counts orders up to each period's end: 1 customer, ≥ 2 orders by the
    // end of March already.
    close(sh[0].repurchase_rate, 1.0);

    let data = Dataset::from_events(&events);
    let mut engine = Engine::default();
    engine.extend(&events);
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let spec = PeriodSpec {
        from: Some(parse_bound("2026-03-02", &tz, false).unwrap()),
        to: Some(parse_bound("2026-03-15", &tz, true).unwrap()),
        by: Some(Granularity::Week),
        tz: tz.clone(),
    };
    let weeks = spec
        .periods(ts("2026-03-01T00:00:00Z"), ts("2026-04-01T00:00:00Z"))
        .unwrap();
    // Mondays 03-02 and 03-09 (Shanghai); --to 03-15 inclusive ends Monday 03-16.
    assert_eq!(weeks.len(), 2);
    assert_eq!(weeks[0].start, ts("2026-03-01T16:00:00Z"));
    assert_eq!(weeks[1].start, ts("2026-03-08T16:00:00Z"));
    assert_eq!(weeks[1].end, ts("2026-03-15T16:00:00Z"));
    let rows = indicators(&data, &engine, "m", &weeks, &Options::default());
    // o1 (Thu 03-05) in the first week; o2 (Mon 03-09 04:00 local) in the second.
    assert_eq!((rows[0].orders, rows[1].orders), (1, 1));
    // In UTC, o2 (Sunday 03-08 20:00) is still in the first week.
    let utc_weeks = PeriodSpec {
        from: Some(ts("2026-03-02T00:00:00Z")),
        to: Some(ts("2026-03-16T00:00:00Z")),
        by: Some(Granularity::Week),
        tz: TimeZone::UTC,
    }
    .periods(ts("2026-03-01T00:00:00Z"), ts("2026-04-01T00:00:00Z"))
    .unwrap();
    let rows = indicators(&data, &engine, "m", &utc_weeks, &Options::default());
    assert_eq!((rows[0].orders, rows[1].orders), (2, 0));
}

#[test]
fn recovery_links_failures_to_what_followed() {
    let events = vec![
        // x: late delivery (deadline 03-03 00:00, delivered 03-05), a complaint on 03-04,
        // then a compensation on 03-06 00:00: one episode, two failures, recovered after
        // 72 h (from the first failure, the deadline).
        m(
            "xo",
            "order",
            "2026-03-01T00:00:00Z",
            "x",
            r#","order":"xo","promised_by":"2026-03-03T00:00:00Z""#,
        ),
        m(
            "xc",
            "complaint",
            "2026-03-04T00:00:00Z",
            "x",
            r#","category":"delivery","severity":2"#,
        ),
        m(
            "xd",
            "delivery",
            "2026-03-05T00:00:00Z",
            "x",
            r#","order":"xo""#,
        ),
        m(
            "xk",
            "compensation",
            "2026-03-06T00:00:00Z",
            "x",
            r#","kind":"voucher","order":"xo""#,
        ),
        // y: a 1★ review, never answered: one unrecovered episode.
        m(
            "yo",
            "order",
            "2026-03-01T00:00:00Z",
            "y",
            r#","order":"yo""#,
        ),
        m(
            "yv",
            "review",
            "2026-03-10T00:00:00Z",
            "y",
            r#","rating":1"#,
        ),
        // w: a ticket breaching its SLA (due 03-11 01:00), replied 03-11 13:00 (12 h).
        m(
            "wo",
            "ticket",
            "2026-03-11T00:00:00Z",
            "w",
            r#","ticket":"wt","status":"opened","sla_minutes":60"#,
        ),
        m(
            "wr",
            "ticket",
            "2026-03-11T13:00:00Z",
            "w",
            r#","ticket":"wt","status":"replied""#,
        ),
        m("end", "engagement", "2026-03-20T00:00:00Z", "y", ""),
    ];
    let data = Dataset::from_events(&events);
    let mut engine = Engine::default();
    engine.extend(&events);
    let eps = recovery_episodes(&data, "m", &RecoveryOptions::default());
    assert_eq!(eps.len(), 3);
    let x = eps.iter().find(|e| e.customer == "x").unwrap();
    assert_eq!(x.failures.len(), 2);
    assert_eq!(x.start, ts("2026-03-03T00:00:00Z"));
    assert_eq!(x.recovery.unwrap().0, ts("2026-03-06T00:00:00Z"));
    let y = eps.iter().find(|e| e.customer == "y").unwrap();
    assert!(y.recovery.is_none());

    let (eps, s) = recovery(&data, &engine, "m", &RecoveryOptions::default());
    // Failures: x 2, y 1, w 1 = 4 in 3 episodes; x and w recovered: 2 / 3.
    assert_eq!((s.failures, s.episodes, s.recovered), (4, 3, 2));
    close(s.recovery_rate, 2.0 / 3.0);
    // Median of 72 h and 12 h = 42 h.
    close(s.median_hours_to_recovery, 42.0);
    assert_eq!(s.evaluated, 2);
    assert_eq!(s.failures_by_kind["late_delivery"], 1);
    assert_eq!(s.failures_by_kind["complaint"], 1);
    assert_eq!(s.failures_by_kind["bad_review"], 1);
    assert_eq!(s.failures_by_kind["sla_breach"], 1);
    let x = eps.iter().find(|e| e.customer == "x").unwrap();
    let (b, f, r) = (
        x.trust_before.unwrap(),
        x.trust_after_failure.unwrap(),
        x.trust_after_recovery.unwrap(),
    );
    // The overdue delivery and the complaint lower trust; the voucher raises it.
    assert!(f < b, "{f} < {b}");
    assert!(r > f, "{r} > {f}");
    // The engine's own values at those times.
    let at = |t: &str| engine.relationship("m", "x", ts(t)).unwrap().score;
    close(Some(b), at("2026-03-02T23:59:59.999Z"));
    close(Some(f), at("2026-03-04T00:00:00Z"));
    close(Some(r), at("2026-03-06T00:00:00Z"));
    let restored = eps
        .iter()
        .filter(|e| e.recovery.is_some())
        .filter(|e| e.trust_after_recovery.unwrap() >= e.trust_before.unwrap() - 0.005)
        .count() as u64;
    assert_eq!(s.restored, restored);

    // Per period: only episodes that start in it.
    let march_10 = Period {
        start: ts("2026-03-10T00:00:00Z"),
        end: ts("2026-04-01T00:00:00Z"),
        previous_start: ts("2026-02-17T00:00:00Z"),
    };
    let late = summarize(&eps, Some(&march_10));
    assert_eq!((late.episodes, late.recovered), (2, 1));
}

#[test]
fn recovery_episodes_do_not_depend_on_arrival_order() {
    let mut events = fixture();
    events.push(m(
        "comp",
        "compensation",
        "2026-03-07T00:00:00Z",
        "b",
        r#","kind":"apology""#,
    ));
    let data = Dataset::from_events(&events);
    let a = recovery_episodes(&data, "m", &RecoveryOptions::default());
    events.reverse();
    let data = Dataset::from_events(&events);
    let b = recovery_episodes(&data, "m", &RecoveryOptions::default());
    assert_eq!(a, b);
    // b: o3 undelivered (deadline 03-05 10:00) and the complaint of 03-06 12:00, closed
    // by the apology of 03-07 00:00; t2's SLA breach (03-07 11:00), closed by the reply
    // at 12:00; the 1★ review v2 (03-12 10:00), answered 03-13 09:00.
    let eb: Vec<_> = a.iter().filter(|e| e.customer == "b").collect();
    assert_eq!(eb.len(), 3);
    assert_eq!(eb[0].failures.len(), 2);
    assert_eq!(eb[0].recovery.unwrap().0, ts("2026-03-07T00:00:00Z"));
    assert_eq!(eb[1].failures.len(), 1);
    assert_eq!(eb[1].recovery.unwrap().0, ts("2026-03-07T12:00:00Z"));
    assert_eq!(eb[2].recovery.unwrap().0, ts("2026-03-13T09:00:00Z"));
}

#[test]
fn aspect_sentiment_per_period() {
    use credence_engine::{Dimension, TextAspect, TextSignal};
    use credence_indicators::DatasetBuilder;
    let aspect = |a: &str, d: Dimension, positive: bool| TextAspect {
        aspect: a.to_string(),
        dimension: d,
        positive,
        snippet: String::new(),
    };
    let texts = [
        (
            m(
                "t1",
                "review",
                "2026-02-20T10:00:00Z",
                "a",
                r#","rating":3"#,
            ),
            vec![
                aspect("product_quality", Dimension::Ability, true),
                aspect("delivery", Dimension::Integrity, false),
            ],
        ),
        (
            m(
                "t2",
                "complaint",
                "2026-03-02T10:00:00Z",
                "b",
                r#","category":"delivery","severity":2"#,
            ),
            // Two mentions of delivery in one text count once (the majority: negative).
            vec![
                aspect("delivery", Dimension::Integrity, false),
                aspect("delivery", Dimension::Integrity, false),
                aspect("delivery", Dimension::Integrity, true),
            ],
        ),
        (
            m(
                "t3",
                "review",
                "2026-03-03T10:00:00Z",
                "c",
                r#","rating":5"#,
            ),
            vec![aspect("delivery", Dimension::Integrity, true)],
        ),
    ];
    let mut b = DatasetBuilder::new();
    let mut engine = Engine::default();
    for (e, aspects) in &texts {
        b.add(e);
        b.add_text(
            e,
            &TextSignal {
                sentiment: 0.5,
                aspects: aspects.clone(),
                excerpt: String::new(),
            },
        );
        engine.add(e);
    }
    let data = b.build();
    let spec = PeriodSpec {
        from: Some(ts("2026-02-01T00:00:00Z")),
        to: Some(ts("2026-04-01T00:00:00Z")),
        by: Some(Granularity::Month),
        tz: TimeZone::UTC,
    };
    let (first, last) = data.span(Some("m")).unwrap();
    let periods = spec.periods(first, last).unwrap();
    let rows = indicators(&data, &engine, "m", &periods, &Options::default());
    assert_eq!(rows.len(), 2);
    let feb = &rows[0].aspects;
    assert_eq!(feb["delivery"].mentions, 1);
    assert_eq!(feb["delivery"].negative, 1);
    assert_eq!(feb["product_quality"].negative_share, Some(0.0));
    let mar = &rows[1].aspects;
    assert_eq!((mar["delivery"].mentions, mar["delivery"].negative), (2, 1));
    assert_eq!(mar["delivery"].negative_share, Some(0.5));
    // Every aspect of the data set is a key of every row.
    assert_eq!(mar["product_quality"].mentions, 0);
    assert_eq!(mar["product_quality"].negative_share, None);
    let json = serde_json::to_value(&rows[1]).unwrap();
    assert_eq!(json["aspects"]["delivery"]["negative_share"], 0.5);
}
