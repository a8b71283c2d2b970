//! `casesearch ingest`: add local PDFs, or what crawled sources publish, to the corpus,
//! reporting each document and failing the exit status if any failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use casesearch_ingest::documents;
use casesearch_model::{ReviewType, Slug};
use indicatif::{ProgressBar, ProgressStyle};

use super::flags::IngestFlags;

pub fn run(corpus: &Path, flags: IngestFlags) -> Result<ExitCode> {
    let review_type = flags
        .review_type
        .as_deref()
        .map(ReviewType::parse_slug)
        .transpose()?;
    match flags.sources {
        Some(sources) => ingest_sources(corpus, &sources, &flags.store, flags.dry_run),
        None => ingest_files(corpus, &flags.paths, flags.publisher, review_type),
    }
}

fn ingest_files(
    corpus: &Path,
    paths: &[PathBuf],
    publisher: Option<String>,
    review_type: Option<ReviewType>,
) -> Result<ExitCode> {
    let files = documents::pdf_files(paths)?;
    if files.is_empty() {
        bail!("no PDF files found in the paths given");
    }
    let options = casesearch_pdf::ExtractOptions::default();
    let hints = documents::Hints {
        publisher,
        review_type,
        ..documents::Hints::default()
    };
    let incoming = files.iter().map(|path| {
        documents::read_file(path, hints.clone(), options.max_bytes)
            .map_err(|reason| (path.display().to_string(), reason))
    });
    add_and_report(corpus, incoming, files.len() as u64, &options)
}

fn ingest_sources(corpus: &Path, sources: &Path, store: &Path, dry_run: bool) -> Result<ExitCode> {
    let sources = casesearch_crawl::Sources::from_path(sources)?;
    let raw = casesearch_crawl::RawStore::open(store)?;
    let mut options = casesearch_crawl::CrawlOptions::from_settings(&sources.crawler);
    options.dry_run = dry_run;
    options.progress = true;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(casesearch_crawl::crawl(&sources, &raw, &options))?;
    eprintln!("crawl: {}", report.summary());
    if dry_run {
        return Ok(if report.has_failures() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let incoming = casesearch::crawled_documents(&raw, &sources)?;
    let total = incoming.len() as u64;
    let options = casesearch_pdf::ExtractOptions::default();
    let code = add_and_report(corpus, incoming, total, &options)?;
    Ok(if report.has_failures() {
        ExitCode::FAILURE
    } else {
        code
    })
}

/// Adds documents with a progress bar, then prints one line per document that changed
/// the corpus or failed, and the summary. Fails the exit status if any document failed.
fn add_and_report(
    corpus: &Path,
    incoming: impl IntoIterator<Item = documents::Incoming>,
    total: u64,
    options: &casesearch_pdf::ExtractOptions,
) -> Result<ExitCode> {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("ingesting [{bar:40}] {pos}/{len} documents ({elapsed})")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let report = documents::add_documents(corpus, incoming, options, &|_| bar.inc(1))?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    for document in &report.documents {
        let line = match &document.outcome {
            documents::Outcome::Added {
                id,
                pages,
                needs_ocr,
            } => format!("added     {id} ({pages} pages with text, {needs_ocr} need OCR)"),
            documents::Outcome::Replaced {
                id,
                pages,
                needs_ocr,
            } => format!("replaced  {id} ({pages} pages with text, {needs_ocr} need OCR)"),
            documents::Outcome::Unchanged { id } => format!("unchanged {id}"),
            documents::Outcome::Duplicate { of } => format!("duplicate of {of}"),
            documents::Outcome::Failed { reason } => format!("FAILED    {reason}"),
        };
        writeln!(out, "{line}  <- {}", document.key)?;
    }
    writeln!(out, "{}", report.summary())?;
    if report.failed() == 0 {
        writeln!(
            out,
            "run `casesearch index` (or restart `serve`) to search them"
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}
