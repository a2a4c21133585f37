//! Scenario tests on the demo data set (`credence-demo`, size `small`): the scripted
//! customers must land where their scripts say, evaluated at each merchant's latest
//! event time (the CLI's default).

#![allow(clippy::unwrap_used)]

use credence_demo::{DemoConfig, Size, generate, ids};
use credence_engine::{Engine, Stage, TrustReport};

fn engine() -> Engine {
    let mut e = Engine::default();
    for line in generate(&DemoConfig::new(DemoConfig::DEFAULT_SEED, Size::Small)) {
        e.add(&credence_events::parse_event(&line).unwrap());
    }
    e
}

fn report(e: &Engine, m: &str, c: &str) -> TrustReport {
    let at = e.latest_event_time(m).unwrap();
    e.relationship(m, c, at).unwrap()
}

#[test]
fn scripted_customers_land_where_their_scripts_say() {
    let e = engine();
    let promoter = report(&e, "m-tea", ids::TEA_PROMOTER);
    let bank = report(&e, "m-bank", ids::BANK_PROMOTER);
    assert!(bank.score > 90.0 && bank.uncertainty > 0.35);
    let crisis = report(&e, "m-tea", ids::TEA_CRISIS_1);
    let mut problems = Vec::new();
    let mut expect = |m: &str, c: &str, want: Stage| {
        let r = report(&e, m, c);
        if r.stage != Some(want) {
            problems.push(format!(
                "{m}/{c}: {:?} (score {:.1}, U {:.2}), expected {want:?}",
                r.stage, r.score, r.uncertainty
            ));
        }
    };
    expect("m-tea", ids::TEA_PROMOTER, Stage::Committed);
    expect("m-tea", ids::TEA_CRISIS_1, Stage::AtRisk);
    expect("m-tea", ids::TEA_CRISIS_2, Stage::Ended);
    expect("m-tea", ids::TEA_SILENT, Stage::Ended);
    expect("m-electro", ids::ELECTRO_PROMOTER, Stage::Committed);
    expect("m-electro", ids::ELECTRO_CHURNED, Stage::Ended);
    // The bank promoter (weekly logins, NPS 9–10, one order and two tickets in 18
    // months) has T ≈ 94 but thin evidence: integrity rests on one old order (u ≈ 0.94)
    // and U, DESIGN.md's weighted mean over dimensions *with* evidence, is ≈ 0.75 >
    // 0.35, so by the specification the bank promoter is `developing`, not `committed`.
    // Logins are not evidence in v1 (see docs/trust-model.md).
    expect("m-bank", ids::BANK_PROMOTER, Stage::Developing);
    expect("m-bank", ids::BANK_NEW, Stage::Initial);
    expect("m-ahua", ids::AHUA_NEW, Stage::Initial);
    assert!(problems.is_empty(), "{problems:#?}");
    // Kept promises and praise versus broken promises and complaints.
    assert!(
        promoter.score > crisis.score + 20.0,
        "{} vs {}",
        promoter.score,
        crisis.score
    );
    assert!(crisis.reasons.iter().any(|r| r.impact < 0.0));
}

#[test]
fn a_new_customer_of_the_reputable_bank_starts_above_one_of_the_poor_shop() {
    let e = engine();
    let bank = report(&e, "m-bank", ids::BANK_NEW);
    let ahua = report(&e, "m-ahua", ids::AHUA_NEW);
    assert!(
        bank.score > ahua.score + 5.0,
        "{} vs {}",
        bank.score,
        ahua.score
    );
    assert!(
        bank.dimensions.integrity.base_rate > ahua.dimensions.integrity.base_rate,
        "{} vs {}",
        bank.dimensions.integrity.base_rate,
        ahua.dimensions.integrity.base_rate
    );
}

#[test]
fn recovery_lifts_trust_above_the_unrecovered_twin() {
    let e = engine();
    let recovered = report(&e, "m-electro", ids::ELECTRO_RECOVERED);
    let churned = report(&e, "m-electro", ids::ELECTRO_CHURNED);
    assert!(
        recovered.score > churned.score + 10.0,
        "{} vs {}",
        recovered.score,
        churned.score
    );
}

#[test]
fn every_merchant_reports_and_counts_all_customers() {
    let e = engine();
    for m in e.merchants() {
        let at = e.latest_event_time(m).unwrap();
        let rep = e.merchant(m, at).unwrap();
        let s = rep.stages;
        let total = s.initial + s.developing + s.committed + s.at_risk + s.ended;
        assert_eq!(total, e.customers(m, at).len());
        assert!((0.0..=100.0).contains(&rep.report.score));
    }
}
