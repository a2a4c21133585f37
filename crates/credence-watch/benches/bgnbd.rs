//! Time of the BG/NBD maximum-likelihood fit on the CDNOW summary (2,357 customers).
//! Run: `cargo bench -p credence-watch --bench bgnbd`.

use credence_watch::bgnbd;

fn main() {
    divan::main();
}

const CDNOW: &str = include_str!("../tests/fixtures/cdnow_customers_summary.csv");

#[divan::bench]
fn fit_cdnow(bencher: divan::Bencher) {
    let data = bgnbd::parse_summary_csv(CDNOW).expect("fixture parses");
    bencher.bench(|| bgnbd::fit(divan::black_box(&data)));
}

#[divan::bench]
fn log_likelihood_cdnow(bencher: divan::Bencher) {
    let data = bgnbd::parse_summary_csv(CDNOW).expect("fixture parses");
    let p = bgnbd::Params {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    bencher.bench(|| bgnbd::log_likelihood(divan::black_box(&p), divan::black_box(&data)));
}
