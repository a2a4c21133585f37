//! Writes the demo data set to stdout and its count and speed to stderr:
//! `cargo run --release -p credence-demo --example generate -- large 42 > /dev/null`.

use std::io::{BufWriter, Write};
use std::time::Instant;

use credence_demo::{DemoConfig, Size, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let size: Size = args.next().as_deref().unwrap_or("medium").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("42").parse()?;
    let started = Instant::now();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut lines, mut bytes) = (0_u64, 0_u64);
    for line in generate(&DemoConfig::new(seed, size)) {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        lines += 1;
        bytes += line.len() as u64 + 1;
    }
    out.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{size}: {lines} events, {:.1} MB in {secs:.2} s ({:.0} events/s)",
        bytes as f64 / 1e6,
        lines as f64 / secs
    );
    Ok(())
}
