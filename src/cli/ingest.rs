//! `casesearch ingest`: add local PDFs, or what crawled sources publish, to the corpus,
//! reporting each document and failing the exit status if any failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use casesearch_ingest::documents;
use casesearch_model::{ReviewType, Slug};
use indicatif::{ProgressBar, ProgressStyle};

use super::flags::{IngestFlags, OcrFlags, OcrMode};

pub fn run(corpus: &Path, flags: IngestFlags) -> Result<ExitCode> {
    let review_type = flags
        .review_type
        .as_deref()
        .map(ReviewType::parse_slug)
        .transpose()?;
    let ocr = if flags.dry_run {
        None
    } else {
        ocr_from_flags(&flags.ocr)?
    };
    match flags.sources {
        Some(sources) => ingest_sources(corpus, &sources, &flags.store, flags.dry_run, ocr),
        None => ingest_files(corpus, &flags.paths, flags.publisher, review_type, ocr),
    }
}

/// Tesseract (and pdftoppm, for pages that must be drawn) as the flags ask; `None` when
/// OCR is off, or on `auto` without Tesseract, which says once how to enable it.
pub(crate) fn ocr_from_flags(flags: &OcrFlags) -> Result<Option<documents::Ocr>> {
    if flags.mode == OcrMode::Off {
        return Ok(None);
    }
    let engine = match casesearch_pdf::Tesseract::find("tesseract", &flags.language, flags.dpi) {
        Ok(engine) => engine,
        Err(why) if flags.mode == OcrMode::Require => bail!("--ocr require: {why}"),
        Err(why) => {
            eprintln!("OCR off: {why}; scanned pages are listed as needing OCR (see README, OCR)");
            return Ok(None);
        }
    };
    let renderer = casesearch_pdf::Pdftoppm::find("pdftoppm");
    if renderer.is_none() {
        eprintln!(
            "OCR: pdftoppm not found (install poppler-utils); only pages whose scan is a JPEG or plain image are read"
        );
    }
    Ok(Some(documents::Ocr {
        engine: Box::new(engine),
        renderer: renderer.map(|r| Box::new(r) as Box<dyn casesearch_pdf::PageRenderer>),
        options: casesearch_pdf::OcrOptions {
            dpi: flags.dpi,
            budget: std::time::Duration::from_secs(flags.budget_secs),
            ..casesearch_pdf::OcrOptions::default()
        },
    }))
}

fn ingest_files(
    corpus: &Path,
    paths: &[PathBuf],
    publisher: Option<String>,
    review_type: Option<ReviewType>,
    ocr: Option<documents::Ocr>,
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
    add_and_report(corpus, incoming, files.len() as u64, &options, ocr.as_ref())
}

fn ingest_sources(
    corpus: &Path,
    sources: &Path,
    store: &Path,
    dry_run: bool,
    ocr: Option<documents::Ocr>,
) -> Result<ExitCode> {
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
    let code = add_and_report(corpus, incoming, total, &options, ocr.as_ref())?;
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
    ocr: Option<&documents::Ocr>,
) -> Result<ExitCode> {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("ingesting [{bar:40}] {pos}/{len} documents ({elapsed})")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let report =
        documents::add_documents_with_ocr(corpus, incoming, options, ocr, &|_| bar.inc(1))?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    for document in &report.documents {
        let line = match &document.outcome {
            documents::Outcome::Added {
                id,
                pages,
                ocr,
                needs_ocr,
            } => format!(
                "added     {id} ({pages} pages with text, {ocr} by OCR, {needs_ocr} need OCR)"
            ),
            documents::Outcome::Replaced {
                id,
                pages,
                ocr,
                needs_ocr,
            } => format!(
                "replaced  {id} ({pages} pages with text, {ocr} by OCR, {needs_ocr} need OCR)"
            ),
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
