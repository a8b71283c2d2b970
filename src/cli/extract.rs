//! `casesearch extract`: a PDF's text page by page, as the index will see it, with the
//! catalogue fields ingest would derive from it.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use casesearch_cataloguing::RegionTable;
use casesearch_ingest::{documents, Corpus};

pub fn run(corpus: &Path, file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let pdf = casesearch_pdf::extract(&bytes, &casesearch_pdf::ExtractOptions::default())
        .with_context(|| format!("extracting {}", file.display()))?;
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
        "pages: {} ({} need OCR)",
        meta.page_count,
        pdf.needs_ocr_pages()
    )?;
    print_derived(&mut out, corpus, file, &bytes)?;
    for page in &pdf.pages {
        let ocr = match (&page.unreadable, page.needs_ocr) {
            (Some(reason), _) => format!(" (unreadable: {reason})"),
            (None, true) => " (needs OCR)".to_owned(),
            (None, false) => String::new(),
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
