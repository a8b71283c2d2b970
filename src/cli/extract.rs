//! `casesearch extract`: a PDF's text page by page, as the index will see it, with the
//! catalogue fields ingest would derive from it.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use casesearch_cataloguing::RegionTable;
use casesearch_ingest::{documents, Corpus};

use super::flags::OcrFlags;

pub fn run(corpus: &Path, file: &Path, ocr_flags: &OcrFlags) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut pdf = casesearch_pdf::extract(&bytes, &casesearch_pdf::ExtractOptions::default())
        .with_context(|| format!("extracting {}", file.display()))?;
    // The pages ingest would OCR, OCR'd the same way, so the text shown is the text indexed.
    let mut ocr_failures = Vec::new();
    if pdf.needs_ocr_pages() > 0 {
        if let Some(ocr) = super::ingest::ocr_from_flags(ocr_flags)? {
            let report = casesearch_pdf::ocr_pages(
                &bytes,
                &mut pdf,
                ocr.engine.as_ref(),
                ocr.renderer.as_deref(),
                &ocr.options,
            )?;
            ocr_failures = report.failed;
        }
    }
    let mut out = std::io::stdout().lock();
    let meta = &pdf.meta;
    for (name, value) in [
        ("title", &meta.title),
        ("author", &meta.author),
        ("created", &meta.created),
        ("producer", &meta.producer),
    ] {
        if let Some(value) = value {
            writeln!(out, "{name}: {value}")?;
        }
    }
    writeln!(
        out,
        "pages: {} ({} by OCR, {} need OCR)",
        meta.page_count,
        pdf.ocr_pages(),
        pdf.needs_ocr_pages()
    )?;
    for (page, why) in &ocr_failures {
        writeln!(out, "OCR of p. {page} failed: {why}")?;
    }
    print_derived(&mut out, corpus, file, &bytes)?;
    for page in &pdf.pages {
        let ocr = match (&page.unreadable, page.needs_ocr, page.ocr) {
            (Some(reason), _, _) => format!(" (unreadable: {reason})"),
            (None, true, _) => " (needs OCR)".to_owned(),
            (None, false, true) => " (OCR)".to_owned(),
            (None, false, false) => String::new(),
        };
        writeln!(
            out,
            "\n===== p. {}{ocr} =====\n{}",
            page.number,
            page.text.trim_end()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalogue fields ingest would derive, each with its confidence and evidence,
/// so a librarian sees what to override before the document is added.
fn print_derived(out: &mut impl Write, corpus: &Path, file: &Path, bytes: &[u8]) -> Result<()> {
    let corpus = Corpus::open(corpus)?;
    let regions = RegionTable::load(&corpus.regions_path())?;
    let document = documents::IncomingDocument {
        key: file.display().to_string(),
        bytes: bytes.to_vec(),
        kind: documents::FileFormat::Pdf,
        hints: documents::Hints::default(),
    };
    let options = casesearch_pdf::ExtractOptions::default();
    let Ok(review) = documents::record_for(&document, &options, &regions) else {
        // The text extraction itself failed: the error is printed by the caller.
        return Ok(());
    };
    writeln!(out, "\nrecord title: {}", review.title)?;
    for (field, derivation) in &review.details.derived {
        writeln!(
            out,
            "derived {field}: {} (confidence {:.2}, {}: \"{}\")",
            derivation.value, derivation.confidence, derivation.source, derivation.evidence
        )?;
    }
    Ok(())
}
