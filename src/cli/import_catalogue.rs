//! `casesearch import-catalogue`: metadata-only records from a catalogue file into the
//! corpus's `catalogue` collection.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

pub fn run(corpus_dir: &Path, file: &Path) -> Result<ExitCode> {
    let import = casesearch_ingest::catalogue_file::import_catalogue(corpus_dir, file)
        .with_context(|| format!("importing {}", file.display()))?;
    for rejected in &import.rejected {
        eprintln!("skipped: {rejected}");
    }
    eprintln!("catalogue: {}", import.summary());
    eprintln!("run `casesearch index` (or let `serve` do it) to make them searchable");
    Ok(if import.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
