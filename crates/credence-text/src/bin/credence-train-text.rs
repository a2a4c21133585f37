//! `credence-train-text [DATASETS] [--out DIR] [--grid]` — train the shipped sentiment model.
//!
//! Reads `DATASETS` (default `../shared/datasets` relative to the repository root) and
//! writes `DIR/sentiment.bin` (default `crates/credence-text/model/`). Chinese: NB-LR on
//! character 1–3-grams, trained on ChnSentiCorp `train.tsv` + 80 % of waimai_10k, tuned
//! on ChnSentiCorp `dev.tsv` + the held-out 20 % of waimai. English: LR on word 1–2-grams + VADER features, trained on the Amazon and IMDb
//! sentences; hyper-parameters and calibration from 10-fold cross-validation over IMDb
//! (each fold trained on Amazon + the other IMDb folds).
//!
//! The shipped hyper-parameters are `credence_text::train::{ZH_CONFIG, EN_CONFIG}`;
//! `--grid` re-runs the grid search that chose them and prints every point.
//! Deterministic: fixed configurations, a fixed seed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use credence_text::data::{Labelled, parse_chnsenticorp, parse_uci, parse_waimai, waimai_split};
use credence_text::metrics::score;
use credence_text::model::{LinearModel, Model};
use credence_text::train::{
    EN_CONFIG, EN_DENSE_FEATURES, Example, TrainConfig, ZH_CONFIG, clause_augment, cross_validate,
    en_examples, fit_temperature, logits, platt_probs, train, zh_examples,
};
use credence_text::vader::Vader;

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The training and tuning sets, read from the data-set folder.
pub struct Sets {
    /// Chinese training rows.
    pub zh_train: Vec<Labelled>,
    /// ChnSentiCorp dev.
    pub csc_dev: Vec<Labelled>,
    /// Held-out waimai rows.
    pub waimai_dev: Vec<Labelled>,
    /// Amazon sentences.
    pub amazon: Vec<Labelled>,
    /// IMDb sentences.
    pub imdb: Vec<Labelled>,
}

fn load(dir: &Path) -> Result<Sets> {
    let mut zh_train = parse_chnsenticorp(&read(&dir.join("chnsenticorp/train.tsv"))?)?;
    let csc_dev = parse_chnsenticorp(&read(&dir.join("chnsenticorp/dev.tsv"))?)?;
    let (waimai_train, waimai_dev) = waimai_split(parse_waimai(&read(
        &dir.join("waimai_10k/waimai_10k.csv"),
    )?)?);
    zh_train.extend(waimai_train);
    let clauses = clause_augment(&zh_train);
    zh_train.extend(clauses);
    let amazon = parse_uci(&read(
        &dir.join("english_sentences/amazon_cells_labelled.txt"),
    )?)?;
    let imdb = parse_uci(&read(&dir.join("english_sentences/imdb_labelled.txt"))?)?;
    Ok(Sets {
        zh_train,
        csc_dev,
        waimai_dev,
        amazon,
        imdb,
    })
}

fn labels(ex: &[Example]) -> Vec<bool> {
    ex.iter().map(|e| e.label).collect()
}

fn acc(m: &LinearModel, ex: &[Example]) -> f64 {
    let z = logits(m, ex);
    score(&platt_probs(&z, (1.0, 0.0)), &labels(ex)).accuracy
}

/// Calibration check on held-out logits `z`: raw logistic output versus temperature
/// scaling `sigmoid(a·z)` fitted by log-loss, the latter scored 2-fold cross-fitted (fit
/// on even rows, score odd rows and vice versa). Returns the temperature to ship: the
/// fitted one if it lowers the cross-fitted Brier score, else 1 (raw output).
fn calibrate(z: &[f32], y: &[bool], name: &str) -> f32 {
    let raw = score(&platt_probs(z, (1.0, 0.0)), y);
    let mut cross = Vec::with_capacity(z.len());
    let mut cross_y = Vec::with_capacity(z.len());
    for fold in 0..2 {
        let (fz, fy): (Vec<f32>, Vec<bool>) = z
            .iter()
            .zip(y)
            .enumerate()
            .filter(|(i, _)| i % 2 == fold)
            .map(|(_, (a, b))| (*a, *b))
            .unzip();
        let t = fit_temperature(&fz, &fy);
        for (i, (zi, yi)) in z.iter().zip(y).enumerate() {
            if i % 2 != fold {
                cross.push(platt_probs(&[*zi], (t, 0.0))[0]);
                cross_y.push(*yi);
            }
        }
    }
    let cal = score(&cross, &cross_y);
    let fitted = fit_temperature(z, y);
    let ship = if cal.brier < raw.brier { fitted } else { 1.0 };
    println!(
        "{name} calibration: raw ECE {:.4} Brier {:.4}; temperature {fitted:.4} (2-fold cross-fitted) ECE {:.4} Brier {:.4}; shipping temperature {ship:.4}",
        raw.ece, raw.brier, cal.ece, cal.brier
    );
    ship
}

fn zh_grid(sets: &Sets) {
    let bits = ZH_CONFIG.bits;
    let tr = zh_examples(&sets.zh_train, bits);
    let d1 = zh_examples(&sets.csc_dev, bits);
    let d2 = zh_examples(&sets.waimai_dev, bits);
    let mut best: Option<(f64, TrainConfig)> = None;
    for nb_alpha in [None, Some(1.0f32)] {
        for l2 in [1e-5f32, 1e-4] {
            for (epochs, lr) in [(2usize, 0.05f32), (3, 0.05), (3, 0.1), (5, 0.02), (5, 0.05)] {
                let cfg = TrainConfig {
                    bits,
                    epochs,
                    lr,
                    l2,
                    nb_alpha,
                    ..ZH_CONFIG
                };
                let m = train(&tr, 0, &cfg);
                let (a1, a2) = (acc(&m, &d1), acc(&m, &d2));
                let mean = (a1 + a2) / 2.0;
                println!(
                    "zh nb={nb_alpha:?} l2={l2:e} epochs={epochs} lr={lr}: csc {a1:.4} waimai {a2:.4} mean {mean:.4}"
                );
                if best.as_ref().is_none_or(|b| mean > b.0 + 1e-9) {
                    best = Some((mean, cfg));
                }
            }
        }
    }
    if let Some((a, cfg)) = best {
        println!("zh grid best: {cfg:?} mean dev accuracy {a:.4}");
    }
}

/// English grid. Criterion: mean leave-one-domain-out accuracy (train on Amazon, score
/// IMDb; train on IMDb, score Amazon) — the shipped model meets yet another domain, so
/// transfer is what to optimise. IMDb 10-fold CV is printed alongside.
fn en_grid(amazon: &[Example], imdb: &[Example]) {
    let y = labels(imdb);
    let mut best: Option<(f64, TrainConfig)> = None;
    for nb_alpha in [None, Some(1.0f32)] {
        for dense_scale in [1.0f32, 3.0, 10.0] {
            for l2 in [1e-3f32, 1e-2, 3e-2] {
                for (epochs, lr) in [(5usize, 0.05f32), (10, 0.1)] {
                    let cfg = TrainConfig {
                        epochs,
                        lr,
                        l2,
                        nb_alpha,
                        dense_scale,
                        ..EN_CONFIG
                    };
                    let a2i = acc(&train(amazon, EN_DENSE_FEATURES, &cfg), imdb);
                    let i2a = acc(&train(imdb, EN_DENSE_FEATURES, &cfg), amazon);
                    let mean = (a2i + i2a) / 2.0;
                    let oof = cross_validate(amazon, imdb, 10, EN_DENSE_FEATURES, &cfg);
                    let cv = score(&platt_probs(&oof, (1.0, 0.0)), &y).accuracy;
                    println!(
                        "en nb={nb_alpha:?} dense×{dense_scale} l2={l2:e} epochs={epochs} lr={lr}: Amazon->IMDb {a2i:.4} IMDb->Amazon {i2a:.4} mean {mean:.4} (IMDb 10-fold CV {cv:.4})"
                    );
                    if best.as_ref().is_none_or(|b| mean > b.0 + 1e-9) {
                        best = Some((mean, cfg));
                    }
                }
            }
        }
    }
    if let Some((a, cfg)) = best {
        println!("en grid best: {cfg:?} mean cross-domain accuracy {a:.4}");
    }
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut data_dir = root.join("../shared/datasets");
    let mut out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model");
    let mut grid = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out_dir = PathBuf::from(args.next().context("--out needs a directory")?),
            "--grid" => grid = true,
            "-h" | "--help" => {
                println!("usage: credence-train-text [DATASETS] [--out DIR] [--grid]");
                return Ok(());
            }
            s if s.starts_with('-') => bail!("unknown option {s}"),
            s => data_dir = PathBuf::from(s),
        }
    }
    let sets = load(&data_dir)?;
    let vader = Vader::parse(&read(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model/vader_lexicon.txt"),
    )?)?;
    println!(
        "zh train {} (ChnSentiCorp train + waimai 80% + their clauses), dev {} ChnSentiCorp + {} waimai held-out; en {} Amazon + {} IMDb",
        sets.zh_train.len(),
        sets.csc_dev.len(),
        sets.waimai_dev.len(),
        sets.amazon.len(),
        sets.imdb.len()
    );

    // ---- Chinese ----
    if grid {
        zh_grid(&sets);
    }
    let cfg = ZH_CONFIG;
    let mut zh = train(&zh_examples(&sets.zh_train, cfg.bits), 0, &cfg);
    let (d1, d2) = (
        zh_examples(&sets.csc_dev, cfg.bits),
        zh_examples(&sets.waimai_dev, cfg.bits),
    );
    println!(
        "zh {cfg:?}: raw accuracy csc dev {:.4}, waimai held-out {:.4}",
        acc(&zh, &d1),
        acc(&zh, &d2)
    );
    let mut zh_dev = sets.csc_dev.clone();
    zh_dev.extend(sets.waimai_dev.iter().cloned());
    let dev = zh_examples(&zh_dev, cfg.bits);
    zh.platt_a = calibrate(
        &logits(&zh, &dev),
        &labels(&dev),
        "zh (ChnSentiCorp dev + waimai held-out)",
    );
    zh.platt_b = 0.0;

    // ---- English ----
    let cfg = EN_CONFIG;
    let amazon = en_examples(&sets.amazon, cfg.bits, &vader);
    let imdb = en_examples(&sets.imdb, cfg.bits, &vader);
    if grid {
        en_grid(&amazon, &imdb);
    }
    let imdb_y = labels(&imdb);
    let oof = cross_validate(&amazon, &imdb, 10, EN_DENSE_FEATURES, &cfg);
    println!(
        "en {cfg:?}: Amazon-only -> IMDb {:.4}; IMDb-only -> Amazon {:.4}; IMDb 10-fold CV {:.4}",
        acc(&train(&amazon, EN_DENSE_FEATURES, &cfg), &imdb),
        acc(&train(&imdb, EN_DENSE_FEATURES, &cfg), &amazon),
        score(&platt_probs(&oof, (1.0, 0.0)), &imdb_y).accuracy,
    );
    let mut all = amazon.clone();
    all.extend(imdb.iter().cloned());
    let mut en = train(&all, EN_DENSE_FEATURES, &cfg);
    // Calibrated on the out-of-fold logits: they are what an unseen sentence looks like.
    en.platt_a = calibrate(&oof, &imdb_y, "en (IMDb out-of-fold)");
    en.platt_b = 0.0;

    let model = Model { zh, en, vader };
    let bytes = model.weights_to_bytes();
    std::fs::create_dir_all(&out_dir)?;
    let path = out_dir.join("sentiment.bin");
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
