//! Writes a scaled copy of a corpus for benchmarks and load tests: N× its records,
//! recombined from real report sections, the same for the same seed.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --scale 10 --out /tmp/casesearch-bench/corpus-10x
//! ```
//! cargo run --release --example gen_corpus -- --long 1500 --out /tmp/casesearch-bench/corpus-long-1500
//! ```
//! `--long N` writes N long reviews (20–120 pages of ~3 KB, like real case reviews)
//! instead of a scaled copy.
//! ```text
//! Options: `--source DIR` (default: the bundled `corpus/`), `--seed N` (default 8).
//! Write the output outside the repository: at 100× it is about 400 MB.

#[path = "../benches/support/scaled_corpus.rs"]
mod scaled_corpus;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen_corpus (--scale N | --long DOCUMENTS) --out DIR [--source DIR] [--seed N]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut out = None;
    let mut scale = None;
    let mut long = None;
    let mut seed = scaled_corpus::DEFAULT_SEED;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--source" => source = PathBuf::from(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--scale" => {
                let text = value()?;
                scale = Some(
                    text.parse::<usize>()
                        .map_err(|_| format!("--scale {text:?} is not a whole number"))?,
                );
            }
            "--long" => {
                let text = value()?;
                long = Some(
                    text.parse::<usize>()
                        .map_err(|_| format!("--long {text:?} is not a whole number"))?,
                );
            }
            "--seed" => {
                let text = value()?;
                seed = text
                    .parse::<u64>()
                    .map_err(|_| format!("--seed {text:?} is not a whole number"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let out = out.ok_or("--out is required")?;
    let corpus = match (scale, long) {
        (Some(scale), None) => scaled_corpus::generate(&source, &out, scale, seed)?,
        (None, Some(documents)) => scaled_corpus::generate_long(&source, &out, documents, seed)?,
        _ => return Err("give one of --scale and --long".into()),
    };
    println!(
        "wrote {} documents ({:.1} MB of text) to {}",
        corpus.documents,
        corpus.text_bytes as f64 / 1e6,
        corpus.dir.display()
    );
    Ok(())
}
