//! The crisis detector on injected crises and on stationary data.

use credence_watch::detect::{self, Calibration, DailySeries, Day, DetectorConfig, streams};
use credence_watch::sim;
use jiff::civil::{Date, date};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn day(start: Date, t: usize) -> Date {
    start
        .checked_add(jiff::Span::new().days(t as i64))
        .expect("in range")
}

/// Deliveries with a promise: `per_day` a day (weekday seasonal), each late with
/// probability `late` before `slip_at` and `late_after` from then on.
fn deliveries(
    rng: &mut ChaCha8Rng,
    days: usize,
    per_day: f64,
    late: f64,
    slip_at: usize,
    late_after: f64,
) -> DailySeries {
    let start = date(2025, 9, 1);
    let days = (0..days)
        .map(|t| {
            let n = sim::poisson(rng, per_day * sim::WEEKDAY[t % 7]);
            let p = if t >= slip_at { late_after } else { late };
            let count = (0..n).filter(|_| rng.random::<f64>() < p).count() as u64;
            Day {
                date: day(start, t),
                count,
                exposure: n as f64,
            }
        })
        .collect();
    DailySeries {
        stream: streams::DELIVERY_LATE.into(),
        days,
    }
}

fn cal() -> Calibration {
    Calibration::new(DetectorConfig::default()).expect("default config")
}

#[test]
fn on_time_slip_from_90_to_35_percent_is_flagged_within_days() {
    let cal = cal();
    for (per_day, within) in [(30.0, 2), (8.0, 4)] {
        for seed in 0..10 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let s = deliveries(&mut rng, 160, per_day, 0.10, 120, 0.65);
            let alarms = detect::detect(&s, &cal);
            let slip = s.days[120].date;
            let a = alarms
                .iter()
                .find(|a| a.opened_on >= slip)
                .unwrap_or_else(|| panic!("no alarm, {per_day}/day seed {seed}"));
            let delay = slip.until(a.opened_on).expect("span").get_days() + 1;
            assert!(
                delay <= within,
                "{per_day}/day seed {seed}: flagged after {delay} days"
            );
            assert!(a.magnitude > 3.0, "magnitude {}", a.magnitude);
            assert!(!a.drivers.is_empty() && a.drivers.iter().all(|d| d.date >= a.started_on));
            assert!(a.drivers.iter().any(|d| d.date >= slip));
            assert!(
                alarms.iter().filter(|x| x.opened_on >= slip).count() == 1,
                "one episode"
            );
        }
    }
}

#[test]
fn stationary_streams_stay_within_the_false_alarm_budget() {
    // 5 merchants × 8 streams × 2 years of stationary data at various volumes:
    // the budget is 1 false alarm per merchant-year, i.e. 10 here.
    let cal = cal();
    let volumes = [0.3, 1.0, 2.0, 5.0, 10.0, 20.0, 0.6, 3.0];
    let mut alarms = 0;
    let warm = 120;
    for seed in 0..5u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
        for (k, &lambda) in volumes.iter().enumerate() {
            let dist = if k % 2 == 0 {
                sim::Dist::Poisson
            } else {
                sim::Dist::Negbin
            };
            let s = sim::simulate(&mut rng, dist, lambda, warm + 730, None);
            let from = s.days[warm].date;
            alarms += detect::detect(&s, &cal)
                .iter()
                .filter(|a| a.opened_on >= from)
                .count();
        }
    }
    assert!(alarms <= 18, "{alarms} false alarms in 10 merchant-years");
}

#[test]
fn alarms_do_not_depend_on_the_order_or_splitting_of_days() {
    let cal = cal();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let s = deliveries(&mut rng, 200, 20.0, 0.1, 150, 0.4);
    let a = detect::detect(&s, &cal);
    assert!(!a.is_empty());
    let mut shuffled = s.clone();
    shuffled.days.reverse();
    // split every third day into two entries
    let extra: Vec<Day> = shuffled
        .days
        .iter_mut()
        .step_by(3)
        .map(|d| {
            let half = Day {
                date: d.date,
                count: d.count / 2,
                exposure: (d.exposure / 2.0).floor(),
            };
            d.count -= half.count;
            d.exposure -= half.exposure;
            half
        })
        .collect();
    shuffled.days.extend(extra);
    assert_eq!(detect::detect(&shuffled, &cal), a);
}

#[test]
fn overdue_promises_alarm_before_late_deliveries_arrive() {
    // The same slip seen at the deadline (overdue) and when the parcel finally arrives
    // three days later (late): the overdue stream opens first.
    let cal = cal();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let overdue = DailySeries {
        stream: streams::DELIVERY_OVERDUE.into(),
        ..deliveries(&mut rng, 160, 15.0, 0.1, 120, 0.65)
    };
    let late = DailySeries {
        stream: streams::DELIVERY_LATE.into(),
        days: overdue
            .days
            .iter()
            .map(|d| Day {
                date: d.date.checked_add(jiff::Span::new().days(3)).expect("date"),
                ..*d
            })
            .collect(),
    };
    let all = detect::detect_all(&[late, overdue], &cal);
    let slip = date(2025, 9, 1)
        .checked_add(jiff::Span::new().days(120))
        .expect("date");
    let after: Vec<_> = all.iter().filter(|a| a.opened_on >= slip).collect();
    assert_eq!(after.len(), 2, "{all:?}");
    assert_eq!(after[0].stream, streams::DELIVERY_OVERDUE);
    assert!(after[0].opened_on < after[1].opened_on);
}

#[test]
fn warm_up_and_empty_series_raise_nothing() {
    let cal = cal();
    let empty = DailySeries {
        stream: "x".into(),
        days: vec![],
    };
    assert!(detect::detect(&empty, &cal).is_empty());
    // 20 days of chaos: the baseline is not ready, so no alarm
    let start = date(2026, 1, 1);
    let short = DailySeries {
        stream: "x".into(),
        days: (0..20)
            .map(|t| Day {
                date: day(start, t),
                count: if t > 10 { 50 } else { 0 },
                exposure: 50.0,
            })
            .collect(),
    };
    let m = detect::monitor(&short, &cal);
    assert!(m.alarms.is_empty());
    assert!(m.days.iter().all(|d| d.expected.is_none()));
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "computes the calibration: run with --release"
)]
fn built_in_table_matches_a_fresh_calibration() {
    let built_in = cal();
    let fresh = Calibration::compute(DetectorConfig::default()).expect("computes");
    for (a, b) in built_in.thresholds().iter().zip(fresh.thresholds()) {
        assert!(
            (a - b).abs() < 1e-5,
            "{a} vs {b}: regenerate src/calibration_table.rs"
        );
    }
}

#[test]
fn builder_and_merchant_alerts() {
    use credence_watch::alert;
    let cal = cal();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let s = deliveries(&mut rng, 160, 25.0, 0.1, 120, 0.65);
    // feed the same days to the builder in reverse, one signal at a time
    let mut b = detect::SeriesBuilder::new();
    for d in s.days.iter().rev() {
        b.add(streams::DELIVERY_LATE, d.date, 0, d.exposure);
        for _ in 0..d.count {
            b.add(streams::DELIVERY_LATE, d.date, 1, 0.0);
        }
    }
    let built = b.build(s.days[0].date, s.days[159].date);
    assert_eq!(built.len(), 1);
    assert_eq!(built[0], s);
    let alerts = alert::merchant_crisis_alerts("m-tea", &built, &cal, |stream, d| {
        vec![format!("{stream}:{d}")]
    });
    let a = alerts.last().expect("the slip raises an alert");
    assert_eq!(a.stream.as_deref(), Some(streams::DELIVERY_LATE));
    assert_eq!(a.severity, credence_watch::Severity::High);
    assert!(a.reasons.iter().any(|r| {
        r.events
            .iter()
            .any(|e| e.starts_with("delivery_late:2025-12-3"))
    }));
    assert_eq!(a.playbook.len(), 4);
}

#[test]
fn a_lasting_shift_becomes_the_new_normal_and_the_stream_stays_watched() {
    let cal = cal();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    // late 10 % → 40 % from day 120 for good, then 40 % → 95 % from day 300
    let start = date(2025, 9, 1);
    let days = (0..340)
        .map(|t| {
            let n = sim::poisson(&mut rng, 25.0 * sim::WEEKDAY[t % 7]);
            let p = if t >= 300 {
                0.95
            } else if t >= 120 {
                0.40
            } else {
                0.10
            };
            Day {
                date: day(start, t),
                count: (0..n).filter(|_| rng.random::<f64>() < p).count() as u64,
                exposure: n as f64,
            }
        })
        .collect();
    let s = DailySeries {
        stream: streams::DELIVERY_LATE.into(),
        days,
    };
    let alarms = detect::detect(&s, &cal);
    let first = alarms
        .iter()
        .find(|a| a.opened_on >= day(start, 120))
        .expect("the first shift is flagged");
    assert!(first.opened_on <= day(start, 122));
    let ended = first.ended_on.expect("the episode closes");
    assert!(ended <= day(start, 160), "closed {ended}");
    let second = alarms
        .iter()
        .find(|a| a.opened_on >= day(start, 300))
        .expect("the second shift is flagged too");
    assert!(second.opened_on <= day(start, 303), "{second:?}");
}
