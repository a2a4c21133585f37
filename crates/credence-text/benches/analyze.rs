//! Throughput of `sentiment` and `analyze` on the test fixtures (150 ChnSentiCorp dev
//! rows + 60 English sentences), one thread: `cargo bench -p credence-text`.
//! divan reports items/s; the target is ≥ 20,000 texts/s.

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

fn texts(fixture: &str) -> Vec<&str> {
    fixture
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t))
        .collect()
}

static ZH: &str = include_str!("../tests/fixtures/chnsenticorp_dev_slice.tsv");
static EN: &str = include_str!("../tests/fixtures/english_handwritten.tsv");

fn analyzer() -> &'static credence_text::Analyzer {
    static A: std::sync::OnceLock<credence_text::Analyzer> = std::sync::OnceLock::new();
    #[allow(clippy::expect_used)]
    A.get_or_init(|| credence_text::Analyzer::embedded().expect("embedded model"))
}

#[divan::bench(args = ["zh", "en"])]
fn sentiment(bencher: Bencher, lang: &str) {
    let a = analyzer();
    let t = texts(if lang == "zh" { ZH } else { EN });
    bencher.counter(ItemsCount::new(t.len())).bench(|| {
        for x in &t {
            black_box(a.sentiment(black_box(x)));
        }
    });
}

#[divan::bench(args = ["zh", "en"])]
fn analyze(bencher: Bencher, lang: &str) {
    let a = analyzer();
    let t = texts(if lang == "zh" { ZH } else { EN });
    bencher.counter(ItemsCount::new(t.len())).bench(|| {
        for x in &t {
            black_box(a.analyze(black_box(x)));
        }
    });
}
