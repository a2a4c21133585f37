//! `credence text`: sentiment and aspects of one text per line, for your own exports.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::Global;

/// `credence text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    /// A file with one text per line [default: standard input].
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

/// Runs `credence text`.
pub fn run(g: &Global, args: &TextArgs) -> Result<ExitCode> {
    let analyzer =
        credence_text::Analyzer::embedded().context("cannot load the shipped text model")?;
    let input: Box<dyn BufRead> = match &args.file {
        Some(path) if path.as_os_str() != "-" => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        )),
        _ => Box::new(std::io::stdin().lock()),
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let name = args
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "stdin".into());
    analyzer
        .analyze_lines(input, out, g.json)
        .with_context(|| format!("{name}: cannot read (texts must be UTF-8, one per line)"))?;
    Ok(ExitCode::SUCCESS)
}
