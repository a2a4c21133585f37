//! `credence-train-text [DATASETS] [--out DIR]` — train the shipped sentiment model.
//!
//! Reads `DATASETS` (default `../shared/datasets` relative to the repository root) and
//! writes `DIR/sentiment.bin` (default `crates/credence-text/model/`). Chinese: NB-LR on
//! character 1–3-grams, trained on ChnSentiCorp `train.tsv` + 80 % of waimai_10k, tuned
//! on ChnSentiCorp `dev.tsv` + the held-out 20 % of waimai. English: LR on word 1–2-grams
//! + VADER features, trained on the Amazon sentences, tuned on the IMDb sentences.
//! Deterministic: a fixed grid, a fixed seed, ties broken by grid order.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use credence_text::data::{Labelled, parse_chnsenticorp, parse_uci, parse_waimai, waimai_split};
use credence_text::metrics::score;
use credence_text::model::{LinearModel, Model};
use credence_text::train::{
    EN_DENSE_FEATURES, Example, TrainConfig, en_examples, fit_platt, logits, platt_probs, train,
    zh_examples,
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

/// Platt-calibrate on `dev`, printing 2-fold cross-fitted ECE before and after.
fn calibrate(m: &mut LinearModel, dev: &[Example], name: &str) {
    let z = logits(m, dev);
    let y = labels(dev);
    let raw = score(&platt_probs(&z, (1.0, 0.0)), &y);
    // 2-fold: fit on even rows, score odd rows, and vice versa
    let mut cross = Vec::with_capacity(z.len());
    let mut cross_y = Vec::with_capacity(z.len());
    for fold in 0..2 {
        let (fz, fy): (Vec<f32>, Vec<bool>) = z
            .iter()
            .zip(&y)
            .enumerate()
            .filter(|(i, _)| i % 2 == fold)
            .map(|(_, (a, b))| (*a, *b))
            .unzip();
        let ab = fit_platt(&fz, &fy);
        for (i, (zi, yi)) in z.iter().zip(&y).enumerate() {
            if i % 2 != fold {
                cross.push(platt_probs(&[*zi], ab)[0]);
                cross_y.push(*yi);
            }
        }
    }
    let cal = score(&cross, &cross_y);
    let (a, b) = fit_platt(&z, &y);
    m.platt_a = a;
    m.platt_b = b;
    println!(
        "{name}: Platt a={a:.4} b={b:.4}; dev ECE raw {:.4} -> calibrated (2-fold cross-fitted) {:.4}; Brier {:.4} -> {:.4}",
        raw.ece, cal.ece, raw.brier, cal.brier
    );
}

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut data_dir = root.join("../shared/datasets");
    let mut out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out_dir = PathBuf::from(args.next().context("--out needs a directory")?),
            "-h" | "--help" => {
                println!("usage: credence-train-text [DATASETS] [--out DIR]");
                return Ok(());
            }
            s if s.starts_with('-') => bail!("unknown option {s}"),
            s => data_dir = PathBuf::from(s),
        }
    }
    let sets = load(&data_dir)?;
    let vader = Vader::parse(&read(&out_dir.join("vader_lexicon.txt")).or_else(|_| {
        read(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model/vader_lexicon.txt"))
    })?)?;
    println!(
        "zh train {} (ChnSentiCorp train + waimai 80%), dev {} ChnSentiCorp + {} waimai held-out; en train {} Amazon, dev {} IMDb",
        sets.zh_train.len(),
        sets.csc_dev.len(),
        sets.waimai_dev.len(),
        sets.amazon.len(),
        sets.imdb.len()
    );

    // ---- Chinese: grid on ChnSentiCorp dev + waimai held-out (mean accuracy) ----
    let mut best_zh: Option<(f64, TrainConfig, LinearModel)> = None;
    for bits in [18u32, 20] {
        let tr = zh_examples(&sets.zh_train, bits);
        let d1 = zh_examples(&sets.csc_dev, bits);
        let d2 = zh_examples(&sets.waimai_dev, bits);
        for nb_alpha in [None, Some(1.0f32)] {
            for l2 in [0.0f32, 1e-6, 1e-5] {
                for (epochs, lr) in [(5usize, 0.05f32), (10, 0.05), (10, 0.2)] {
                    let cfg = TrainConfig {
                        bits,
                        epochs,
                        lr,
                        l2,
                        nb_alpha,
                        ..TrainConfig::default()
                    };
                    let m = train(&tr, 0, &cfg);
                    let (a1, a2) = (acc(&m, &d1), acc(&m, &d2));
                    let mean = (a1 + a2) / 2.0;
                    println!(
                        "zh bits={bits} nb={nb_alpha:?} l2={l2:e} epochs={epochs} lr={lr}: csc {a1:.4} waimai {a2:.4} mean {mean:.4}"
                    );
                    if best_zh.as_ref().is_none_or(|b| mean > b.0 + 1e-9) {
                        best_zh = Some((mean, cfg, m));
                    }
                }
            }
        }
    }
    let Some((zh_acc, zh_cfg, mut zh)) = best_zh else {
        bail!("empty grid")
    };
    println!("zh best: {zh_cfg:?} mean dev accuracy {zh_acc:.4}");
    let mut zh_dev = sets.csc_dev.clone();
    zh_dev.extend(sets.waimai_dev.iter().cloned());
    calibrate(&mut zh, &zh_examples(&zh_dev, zh_cfg.bits), "zh");

    // ---- English: grid on IMDb ----
    let bits = 16;
    let tr = en_examples(&sets.amazon, bits, &vader);
    let dev = en_examples(&sets.imdb, bits, &vader);
    let mut best_en: Option<(f64, TrainConfig, LinearModel)> = None;
    for nb_alpha in [None, Some(1.0f32)] {
        for dense_scale in [1.0f32, 3.0, 10.0] {
            for l2 in [0.0f32, 1e-4, 1e-3] {
                for (epochs, lr) in [(5usize, 0.05f32), (10, 0.1)] {
                    let cfg = TrainConfig {
                        bits,
                        epochs,
                        lr,
                        l2,
                        nb_alpha,
                        dense_scale,
                        ..TrainConfig::default()
                    };
                    let m = train(&tr, EN_DENSE_FEATURES, &cfg);
                    let a = acc(&m, &dev);
                    println!(
                        "en nb={nb_alpha:?} dense×{dense_scale} l2={l2:e} epochs={epochs} lr={lr}: imdb {a:.4}"
                    );
                    if best_en.as_ref().is_none_or(|b| a > b.0 + 1e-9) {
                        best_en = Some((a, cfg, m));
                    }
                }
            }
        }
    }
    let Some((en_acc, en_cfg, mut en)) = best_en else {
        bail!("empty grid")
    };
    println!("en best: {en_cfg:?} IMDb accuracy {en_acc:.4}");
    calibrate(&mut en, &dev, "en");

    let model = Model { zh, en, vader };
    let bytes = model.weights_to_bytes();
    std::fs::create_dir_all(&out_dir)?;
    let path = out_dir.join("sentiment.bin");
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
