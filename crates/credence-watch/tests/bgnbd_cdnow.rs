//! BG/NBD on the CDNOW sample against Fader, Hardie & Lee (2005).

use credence_watch::bgnbd::{self, Customer};

const CDNOW: &str = include_str!("fixtures/cdnow_customers_summary.csv");

fn data() -> Vec<Customer> {
    bgnbd::parse_summary_csv(CDNOW).expect("fixture parses")
}

#[test]
fn fit_matches_the_paper() {
    let d = data();
    assert_eq!(d.len(), 2357);
    let fit = bgnbd::fit(&d).expect("fits");
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    // The paper reports three decimals; lifetimes (same data) gives
    // r = 0.2426, α = 4.4136, a = 0.7929, b = 2.4259.
    for (got, want, name) in [
        (p.r, 0.242_594, "r"),
        (p.alpha, 4.413_6, "alpha"),
        (p.a, 0.792_9, "a"),
        (p.b, 2.425_9, "b"),
    ] {
        assert!(
            ((got - want) / want).abs() < 1e-3,
            "{name}: got {got}, want {want} (fit {fit:?})"
        );
    }
    for (got, paper) in [(p.r, 0.243), (p.alpha, 4.414), (p.a, 0.793), (p.b, 2.426)] {
        assert!(
            (got - paper).abs() <= 5e-4 + 1e-9,
            "rounds to {paper}: {got}"
        );
    }
    assert!(
        (fit.log_likelihood - (-9582.4)).abs() < 0.1,
        "log-likelihood {}",
        fit.log_likelihood
    );
}

#[test]
fn predictions_on_cdnow() {
    let p = bgnbd::Params {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    // The paper's worked example: a customer with x = 2, t_x = 30.43, T = 38.86
    // expects 1.226 purchases in the next 39 weeks.
    let c = Customer {
        frequency: 2,
        recency: 30.43,
        age: 38.86,
    };
    let e = p.expected_purchases(39.0, &c).expect("converges");
    assert!((e - 1.226).abs() < 2e-3, "E[Y(39)] = {e}");
    // A new customer: E[X(t)] rises with t, and P(alive) lies in (0, 1].
    let e1 = p.expected_purchases_new(39.0).expect("converges");
    let e2 = p.expected_purchases_new(78.0).expect("converges");
    assert!(e1 > 0.0 && e2 > e1);
    assert!(data().iter().all(|c| {
        let a = p.p_alive(c);
        a > 0.0 && a <= 1.0
    }));
}
