//! `casesearch import-pfd`: vendor the PFD Toolkit's reports into the corpus's `pfd`
//! collection (how `corpus/pfd/records.jsonl` is made).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use casesearch_cataloguing::RegionTable;
use casesearch_ingest::{corpus, pfd, Corpus, CorpusWriteLock};

pub fn run(corpus_dir: &Path, file: &Path) -> Result<ExitCode> {
    let _writing = CorpusWriteLock::acquire(corpus_dir)?;
    let corpus = Corpus::open(corpus_dir)?;
    let collection = corpus
        .manifest()
        .collections
        .iter()
        .find(|collection| collection.name == "pfd")
        .context("the corpus manifest has no `pfd` collection")?;
    let regions = RegionTable::load(&corpus.regions_path())?;
    let import = pfd::import_pfd_reports(file, &regions)?;
    for rejected in &import.rejected {
        eprintln!("skipped: {rejected}");
    }
    let target = corpus.dir().join(&collection.records);
    corpus::write_records(&target, &import.reviews)?;
    eprintln!(
        "wrote {} reports to {} ({} skipped)",
        import.reviews.len(),
        target.display(),
        import.rejected.len()
    );
    Ok(if import.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
