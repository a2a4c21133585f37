//! `credence-eval-text [DATASETS] [--model DIR] [--json] [--dump-splits DIR]` — measure
//! the sentiment model on the dev splits: accuracy, macro-F1, calibration (ECE, Brier)
//! and single-thread throughput of `sentiment` and of the full `analyze`.
//!
//! `DATASETS` defaults to `../shared/datasets` relative to the repository root; the
//! model defaults to the embedded one. `--dump-splits DIR` writes the exact dev splits
//! as `label\ttext` files (`csc_dev.tsv`, `waimai_heldout.tsv`, `imdb.tsv`, `amazon.tsv`) so other
//! tools (`scripts/text/compare.py`) score the same rows.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use credence_text::data::{Labelled, parse_chnsenticorp, parse_uci, parse_waimai, waimai_split};
use credence_text::metrics::{Scores, score};
use credence_text::train::{
    EN_CONFIG, EN_DENSE_FEATURES, cross_validate, en_examples, logits, platt_probs, train,
};
use credence_text::{Analyzer, Model};

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// CPU time this thread has run, in seconds (Linux `/proc/thread-self/schedstat`), so
/// that throughput means "on one core" even when other processes share the machine.
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Texts per second of `f` over `texts`, one thread, at least `min` of wall time:
/// per second of this thread's CPU time (falls back to wall time off Linux).
fn throughput(texts: &[&str], min: Duration, mut f: impl FnMut(&str)) -> f64 {
    let start = Instant::now();
    let cpu0 = thread_cpu_seconds();
    let mut n = 0usize;
    while start.elapsed() < min {
        for t in texts {
            f(t);
        }
        n += texts.len();
    }
    let secs = match (cpu0, thread_cpu_seconds()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => start.elapsed().as_secs_f64(),
    };
    n as f64 / secs
}

struct Row {
    name: &'static str,
    scores: Scores,
    sentiment_tps: f64,
    analyze_tps: f64,
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut data_dir = root.join("../shared/datasets");
    let mut model_dir: Option<PathBuf> = None;
    let mut dump: Option<PathBuf> = None;
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => {
                model_dir = Some(PathBuf::from(
                    args.next().context("--model needs a directory")?,
                ))
            }
            "--dump-splits" => {
                dump = Some(PathBuf::from(
                    args.next().context("--dump-splits needs a directory")?,
                ))
            }
            "--json" => json = true,
            "-h" | "--help" => {
                println!(
                    "usage: credence-eval-text [DATASETS] [--model DIR] [--json] [--dump-splits DIR]"
                );
                return Ok(());
            }
            s if s.starts_with('-') => bail!("unknown option {s}"),
            s => data_dir = PathBuf::from(s),
        }
    }
    let model = match &model_dir {
        Some(d) => Model::from_dir(d)?,
        None => Model::embedded()?,
    };
    let analyzer = Analyzer::new(model);

    let csc = parse_chnsenticorp(&read(&data_dir.join("chnsenticorp/dev.tsv"))?)?;
    let (_, waimai) = waimai_split(parse_waimai(&read(
        &data_dir.join("waimai_10k/waimai_10k.csv"),
    )?)?);
    let imdb = parse_uci(&read(
        &data_dir.join("english_sentences/imdb_labelled.txt"),
    )?)?;
    let sets: [(&'static str, &'static str, &Vec<Labelled>); 3] = [
        ("ChnSentiCorp dev", "csc_dev.tsv", &csc),
        ("waimai held-out (i%5==4)", "waimai_heldout.tsv", &waimai),
        ("IMDb sentences (10-fold CV)", "imdb.tsv", &imdb),
    ];
    let amazon = parse_uci(&read(
        &data_dir.join("english_sentences/amazon_cells_labelled.txt"),
    )?)?;
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir)?;
        let extra: [(&str, &str, &Vec<Labelled>); 1] = [("", "amazon.tsv", &amazon)];
        for (_, file, rows) in sets.iter().chain(&extra) {
            let body: String = rows
                .iter()
                .map(|r| {
                    format!(
                        "{}\t{}\n",
                        u8::from(r.positive),
                        r.text.replace(['\t', '\n'], " ")
                    )
                })
                .collect();
            std::fs::write(dir.join(file), body)?;
        }
    }

    // English: the shipped model was trained on Amazon + IMDb, so IMDb is scored by
    // 10-fold cross-validation with the shipped configuration (each fold trained on
    // Amazon + the other nine folds), calibrated with the shipped Platt parameters.
    let vader = &analyzer.model().vader;
    let cfg = EN_CONFIG;
    let am = en_examples(&amazon, cfg.bits, vader);
    let im = en_examples(&imdb, cfg.bits, vader);
    let en = &analyzer.model().en;
    let oof = cross_validate(&am, &im, 10, EN_DENSE_FEATURES, &cfg);
    let oof_probs = platt_probs(&oof, (en.platt_a, en.platt_b));
    let transfer = train(&am, EN_DENSE_FEATURES, &cfg);
    let transfer_probs = platt_probs(&logits(&transfer, &im), (1.0, 0.0));
    let back = train(&im, EN_DENSE_FEATURES, &cfg);
    let back_scores = score(
        &platt_probs(&logits(&back, &am), (1.0, 0.0)),
        &amazon.iter().map(|r| r.positive).collect::<Vec<_>>(),
    );

    let min = Duration::from_millis(1500);
    let mut rows = Vec::new();
    for (name, _, set) in &sets {
        let probs: Vec<f32> = if std::ptr::eq(*set, &imdb) {
            oof_probs.clone()
        } else {
            set.iter()
                .map(|r| analyzer.sentiment(&r.text).score)
                .collect()
        };
        let labels: Vec<bool> = set.iter().map(|r| r.positive).collect();
        let texts: Vec<&str> = set.iter().map(|r| r.text.as_str()).collect();
        let sentiment_tps = throughput(&texts, min, |t| {
            black_box(analyzer.sentiment(black_box(t)));
        });
        let analyze_tps = throughput(&texts, min, |t| {
            black_box(analyzer.analyze(black_box(t)));
        });
        rows.push(Row {
            name,
            scores: score(&probs, &labels),
            sentiment_tps,
            analyze_tps,
        });
    }

    let labels: Vec<bool> = imdb.iter().map(|r| r.positive).collect();
    let transfer_scores = score(&transfer_probs, &labels);

    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "set": r.name, "n": r.scores.n, "accuracy": r.scores.accuracy,
                    "macro_f1": r.scores.macro_f1, "ece": r.scores.ece, "brier": r.scores.brier,
                    "sentiment_texts_per_s": r.sentiment_tps, "analyze_texts_per_s": r.analyze_tps,
                })
            })
            .collect();
        let out = serde_json::json!({
            "sets": v,
            "imdb_amazon_only": {"accuracy": transfer_scores.accuracy, "macro_f1": transfer_scores.macro_f1},
            "amazon_imdb_only": {"accuracy": back_scores.accuracy, "macro_f1": back_scores.macro_f1},
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{:<28} {:>5} {:>8} {:>8} {:>6} {:>6} {:>14} {:>14}",
            "set", "n", "accuracy", "macro-F1", "ECE", "Brier", "sentiment/s", "analyze/s"
        );
        for r in &rows {
            println!(
                "{:<28} {:>5} {:>8.4} {:>8.4} {:>6.3} {:>6.3} {:>14.0} {:>14.0}",
                r.name,
                r.scores.n,
                r.scores.accuracy,
                r.scores.macro_f1,
                r.scores.ece,
                r.scores.brier,
                r.sentiment_tps,
                r.analyze_tps
            );
        }
        println!(
            "IMDb with a model trained on the Amazon sentences only: accuracy {:.4}, macro-F1 {:.4}",
            transfer_scores.accuracy, transfer_scores.macro_f1
        );
        println!(
            "Amazon with a model trained on the IMDb sentences only: accuracy {:.4}, macro-F1 {:.4}",
            back_scores.accuracy, back_scores.macro_f1
        );
        println!(
            "(one thread; texts/s per second of the thread's CPU time, >= {} ms wall per set)",
            min.as_millis()
        );
    }
    Ok(())
}
