//! Documents into corpus records: PDFs (through `casesearch-pdf`, one section per page
//! labelled "p. N", so every hit can cite its page) and HTML review pages (main text
//! through `casesearch-html`), from local files or from a crawl (the binary hands over
//! what the crawler's raw store kept, with the listing page's words as evidence).
//!
//! Ingested records live in one collection of the corpus ([`COLLECTION`]), created on
//! first use. A document is known by a stable key (its path or URL): ingesting the same
//! key with the same bytes again is a no-op, changed bytes replace the old record, and
//! bytes already ingested under another key are reported as a duplicate, not stored twice.
//! One bad document is reported and skipped; the others are still added.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use casesearch_cataloguing::derive::{derive, DocumentText, Found, Page};
use casesearch_cataloguing::RegionTable;
use casesearch_model::{Derivation, Review, ReviewDetails, ReviewType, Section};
use casesearch_pdf::{ExtractOptions, OcrEngine, OcrOptions, PageRenderer, PdfText};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::corpus::{write_records, Collection, Corpus, CorpusWriteLock};
use crate::IngestError;

/// The collection ingested documents are added to.
pub const COLLECTION: &str = "ingested";
const RECORDS: &str = "ingested/records.jsonl";

/// Metadata keys an ingested record carries (shown on the document page).
const KEY: &str = "source";
const SHA256: &str = "sha256";

/// What a document is, decided from its bytes, never from a file name or header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Pdf,
    Html,
}

impl FileFormat {
    /// The format a sniffed kind is, if we can read it.
    pub fn of_kind(kind: casesearch_html::ContentKind) -> Option<FileFormat> {
        match kind {
            casesearch_html::ContentKind::Pdf => Some(FileFormat::Pdf),
            casesearch_html::ContentKind::Html => Some(FileFormat::Html),
            casesearch_html::ContentKind::Other => None,
        }
    }
}

/// A document to add, with whatever its source knew about it.
#[derive(Debug, Clone)]
pub struct IncomingDocument {
    /// Stable identity: the file's path or the document's URL.
    pub key: String,
    pub bytes: Vec<u8>,
    pub kind: FileFormat,
    pub hints: Hints,
}

/// A document ready to add, or its key and why it could not even be read.
pub type Incoming = Result<IncomingDocument, (String, String)>;

/// What is known about a document from outside it: facts the librarian gave (the
/// command line's `--type` and `--publisher`, a crawled source's name and type), and the
/// words of the listing page that linked it, which are only evidence.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub title: Option<String>,
    /// Given: wins over what the text says, and its nation settles "SCR".
    pub publisher: Option<String>,
    /// Given: wins over what the text says.
    pub review_type: Option<ReviewType>,
    pub url: Option<String>,
    /// What the linking page says about the document (link text, heading, the lines
    /// around it): read with the same rules as the document's text, weighing as its
    /// cover page does, never taken as given.
    pub listing: Vec<String>,
}

/// How pages without a usable text layer are recognised: an engine (Tesseract in the
/// binary), an optional renderer for pages whose scan is not an image we unpack, and the
/// resolution and time budget. Without one, such pages are only counted as needing OCR.
pub struct Ocr {
    pub engine: Box<dyn OcrEngine>,
    pub renderer: Option<Box<dyn PageRenderer>>,
    pub options: OcrOptions,
}

/// Metadata keys for OCR: how many pages' text was recognised, and by what.
const PAGES_OCR: &str = "pages_ocr";
const OCR_ENGINE: &str = "ocr_engine";

/// The section label of a page whose text came from OCR, so hits and the record page
/// say so wherever they cite the page.
pub fn ocr_page_label(number: u32) -> String {
    format!("p. {number} (OCR)")
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Added {
        id: String,
        pages: usize,
        /// Pages whose text came from OCR.
        ocr: usize,
        needs_ocr: usize,
    },
    Replaced {
        id: String,
        pages: usize,
        ocr: usize,
        needs_ocr: usize,
    },
    Unchanged {
        id: String,
    },
    /// The same bytes are already in the corpus under another key.
    Duplicate {
        of: String,
    },
    Failed {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReport {
    pub key: String,
    pub outcome: Outcome,
}

/// Every document's outcome, in the order given.
#[derive(Debug, Clone, Default)]
pub struct IngestReport {
    pub documents: Vec<DocumentReport>,
}

impl IngestReport {
    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, Outcome::Failed { .. }))
    }

    /// "3 added, 1 replaced, 2 unchanged, 0 duplicate, 1 failed; 4 pages of the added
    /// documents need OCR" (a document failed for want of any text is counted as failed).
    pub fn summary(&self) -> String {
        let needs_ocr: usize = self
            .documents
            .iter()
            .map(|report| match report.outcome {
                Outcome::Added { needs_ocr, .. } | Outcome::Replaced { needs_ocr, .. } => needs_ocr,
                _ => 0,
            })
            .sum();
        format!(
            "{} added, {} replaced, {} unchanged, {} duplicate, {} failed; {needs_ocr} pages of the added documents need OCR",
            self.count(|o| matches!(o, Outcome::Added { .. })),
            self.count(|o| matches!(o, Outcome::Replaced { .. })),
            self.count(|o| matches!(o, Outcome::Unchanged { .. })),
            self.count(|o| matches!(o, Outcome::Duplicate { .. })),
            self.failed(),
        )
    }

    fn count(&self, which: impl Fn(&Outcome) -> bool) -> usize {
        self.documents
            .iter()
            .filter(|report| which(&report.outcome))
            .count()
    }
}

/// The PDF files at `paths`: files as given, folders searched recursively, sorted.
pub fn pdf_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut found = Vec::new();
    for path in paths {
        collect_pdfs(path, &mut found, true)?;
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn collect_pdfs(path: &Path, found: &mut Vec<PathBuf>, named: bool) -> Result<(), IngestError> {
    let io = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io)? {
            collect_pdfs(&entry.map_err(io)?.path(), found, false)?;
        }
    } else if named
        || path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("pdf"))
    {
        // A file named on the command line is taken whatever its name; its bytes decide.
        found.push(path.to_path_buf());
    }
    Ok(())
}

/// Reads a local file as an incoming document (kind from its bytes).
pub fn read_file(path: &Path, hints: Hints, max_bytes: u64) -> Result<IncomingDocument, String> {
    let size = std::fs::metadata(path)
        .map_err(|err| format!("cannot read: {err}"))?
        .len();
    if size > max_bytes {
        return Err(format!("too large: {size} bytes (limit {max_bytes})"));
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read: {err}"))?;
    let kind = sniff(&bytes).ok_or("neither a PDF nor an HTML page")?;
    let key = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    Ok(IncomingDocument {
        key,
        bytes,
        kind,
        hints,
    })
}

/// PDF by its magic number (anywhere in the first KiB, as readers allow), HTML by markup.
pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
    FileFormat::of_kind(casesearch_html::sniff_content_kind(bytes))
}

/// Adds `documents` to the corpus's ingested collection (creating it if needed) and
/// reports what happened to each. `progress` is called after each document.
pub fn add_documents(
    corpus_dir: &Path,
    documents: impl IntoIterator<Item = Incoming>,
    options: &ExtractOptions,
    progress: &dyn Fn(&str),
) -> Result<IngestReport, IngestError> {
    add_documents_with_ocr(corpus_dir, documents, options, None, progress)
}

/// [`add_documents`], recognising pages without a usable text layer with `ocr`.
pub fn add_documents_with_ocr(
    corpus_dir: &Path,
    documents: impl IntoIterator<Item = Incoming>,
    options: &ExtractOptions,
    ocr: Option<&Ocr>,
    progress: &dyn Fn(&str),
) -> Result<IngestReport, IngestError> {
    let _writing = CorpusWriteLock::acquire(corpus_dir)?;
    ensure_collection(corpus_dir)?;
    let corpus = Corpus::open(corpus_dir)?;
    let path = corpus.dir().join(RECORDS);
    let regions = RegionTable::load(&corpus.regions_path())?;
    let mut records = corpus.records_to_rewrite(COLLECTION, "ingesting")?;
    let mut report = IngestReport::default();
    for document in documents {
        let (key, outcome) = match document {
            Ok(document) => {
                let outcome = add_one(&mut records, &document, options, ocr, &regions);
                (document.key, outcome)
            }
            Err((key, reason)) => (key, Outcome::Failed { reason }),
        };
        progress(&key);
        report.documents.push(DocumentReport { key, outcome });
    }
    let reviews: Vec<Review> = records.into_values().collect();
    write_records(&path, &reviews)?;
    Ok(report)
}

/// The record a document would get, without adding it: its text and every derived
/// field with its evidence (what `casesearch extract` shows a librarian).
pub fn record_for(
    document: &IncomingDocument,
    options: &ExtractOptions,
    regions: &RegionTable,
) -> Result<Review, String> {
    let (review, _) = match document.kind {
        FileFormat::Pdf => from_pdf(document, options, None, regions)?,
        FileFormat::Html => from_html(document, regions)?,
    };
    Ok(review)
}

fn add_one(
    records: &mut BTreeMap<String, Review>,
    document: &IncomingDocument,
    options: &ExtractOptions,
    ocr: Option<&Ocr>,
    regions: &RegionTable,
) -> Outcome {
    let digest = hex(&Sha256::digest(&document.bytes));
    let id = document_id(&document.key);
    let previous = records.get(&id);
    if previous.is_some_and(|review| review.metadata.get(SHA256) == Some(&digest)) {
        return Outcome::Unchanged { id };
    }
    if let Some(other) = records
        .values()
        .find(|review| review.id != id && review.metadata.get(SHA256) == Some(&digest))
    {
        return Outcome::Duplicate {
            of: other.id.clone(),
        };
    }
    let replacing = previous.is_some();
    let extracted = match document.kind {
        FileFormat::Pdf => from_pdf(document, options, ocr, regions),
        FileFormat::Html => from_html(document, regions),
    };
    let (mut review, needs_ocr) = match extracted {
        Ok(extracted) => extracted,
        Err(reason) => return Outcome::Failed { reason },
    };
    review.id = id.clone();
    review.metadata.insert(KEY.into(), document.key.clone());
    review.metadata.insert(SHA256.into(), digest);
    let pages = review.sections.len();
    let ocr = review
        .metadata
        .get(PAGES_OCR)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    records.insert(id.clone(), review);
    if replacing {
        Outcome::Replaced {
            id,
            pages,
            ocr,
            needs_ocr,
        }
    } else {
        Outcome::Added {
            id,
            pages,
            ocr,
            needs_ocr,
        }
    }
}

/// A PDF's record: one section per page with text, "p. N" as its label; the catalogue
/// fields read from the pages and the PDF's metadata.
fn from_pdf(
    document: &IncomingDocument,
    options: &ExtractOptions,
    ocr: Option<&Ocr>,
    regions: &RegionTable,
) -> Result<(Review, usize), String> {
    let mut pdf: PdfText =
        casesearch_pdf::extract(&document.bytes, options).map_err(|err| err.to_string())?;
    let mut ocr_failures = Vec::new();
    if let Some(ocr) = ocr.filter(|_| pdf.needs_ocr_pages() > 0) {
        // The text layer was read from these bytes a moment ago, so OCR's own
        // reading of them does not fail; if it does, the pages still need OCR.
        if let Ok(report) = casesearch_pdf::ocr_pages(
            &document.bytes,
            &mut pdf,
            ocr.engine.as_ref(),
            ocr.renderer.as_deref(),
            &ocr.options,
        ) {
            ocr_failures = report.failed;
        }
    }
    let needs_ocr = pdf.needs_ocr_pages();
    let sections: Vec<Section> = pdf
        .pages
        .iter()
        .filter(|page| !page.text.trim().is_empty())
        .map(|page| Section {
            label: if page.ocr {
                ocr_page_label(page.number)
            } else {
                format!("p. {}", page.number)
            },
            text: page.text.clone(),
        })
        .collect();
    if sections.is_empty() {
        let damaged: Vec<String> = pdf
            .pages
            .iter()
            .filter_map(|page| {
                let reason = page.unreadable.as_deref()?;
                Some(format!("p. {}: {reason}", page.number))
            })
            .collect();
        if let Some(first) = damaged.first() {
            let more = match damaged.len() {
                1 => String::new(),
                n => format!(" (and {} more pages)", n - 1),
            };
            return Err(format!(
                "no text could be read, the file is damaged: {first}{more}"
            ));
        }
        let why = match ocr_failures.first() {
            Some((page, err)) => format!("; OCR of p. {page}: {err}"),
            None => String::new(),
        };
        // Not counted in the summary's "pages need OCR", which counts added documents.
        return Err(format!(
            "no text layer on any of its {} pages ({needs_ocr} need OCR{why}): a scan, it needs OCR before it can be added",
            pdf.meta.page_count
        ));
    }
    let mut metadata = BTreeMap::new();
    metadata.insert("pages".into(), pdf.meta.page_count.to_string());
    if needs_ocr > 0 {
        metadata.insert("pages_needing_ocr".into(), needs_ocr.to_string());
    }
    if let (Some(ocr), recognised @ 1..) = (ocr, pdf.ocr_pages()) {
        metadata.insert(PAGES_OCR.into(), recognised.to_string());
        metadata.insert(OCR_ENGINE.into(), ocr.engine.describe());
    }
    for (name, value) in [
        ("author", &pdf.meta.author),
        ("producer", &pdf.meta.producer),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            metadata.insert(name.into(), value.to_owned());
        }
    }
    let created = pdf
        .meta
        .created
        .as_deref()
        .and_then(|created| NaiveDate::parse_from_str(created.get(..10)?, "%Y-%m-%d").ok());
    let meta_title = pdf
        .meta
        .title
        .as_deref()
        .filter(|title| usable_title(title));
    let labels: Vec<String> = pdf
        .pages
        .iter()
        .map(|page| format!("p. {}", page.number))
        .collect();
    let text = DocumentText {
        pages: pdf
            .pages
            .iter()
            .zip(&labels)
            .map(|(page, label)| Page {
                label,
                number: page.number as usize,
                text: &page.text,
            })
            .collect(),
        title: meta_title,
        author: pdf.meta.author.as_deref(),
        created,
        ..DocumentText::default()
    };
    let review = record(document, text, regions, sections, metadata);
    Ok((review, needs_ocr))
}

/// An HTML review page or learning brief: its main text as one section.
fn from_html(
    document: &IncomingDocument,
    regions: &RegionTable,
) -> Result<(Review, usize), String> {
    let html = String::from_utf8_lossy(&document.bytes);
    let text = casesearch_html::extract_main_text(&html);
    if text.split_whitespace().count() < 20 {
        return Err("the page has no main text to index".into());
    }
    let derived_from = DocumentText {
        pages: vec![Page {
            label: "Page",
            number: 1,
            text: &text,
        }],
        ..DocumentText::default()
    };
    let sections = vec![Section {
        label: "Page".into(),
        text: text.clone(),
    }];
    let review = record(document, derived_from, regions, sections, BTreeMap::new());
    Ok((review, 0))
}

/// What a field's value rests on when the librarian gave it (`--type`/`--publisher`,
/// or a crawled source's name and type in the sources file).
fn given(value: &str) -> Derivation {
    Derivation {
        value: value.to_owned(),
        evidence: "given with the document".to_owned(),
        source: "source (command line or sources file)".to_owned(),
        confidence: 1.0,
    }
}

/// The record: fields the librarian gave win; the rest are derived from the text and
/// the listing page's words, each with its evidence.
fn record<'a>(
    document: &'a IncomingDocument,
    mut text: DocumentText<'a>,
    regions: &RegionTable,
    sections: Vec<Section>,
    metadata: BTreeMap<String, String>,
) -> Review {
    let hints = &document.hints;
    text.listing = hints.listing.iter().map(String::as_str).collect();
    text.publisher = hints.publisher.as_deref();
    let found = derive(&text, regions);
    let mut derived = BTreeMap::new();
    let review_type = match hints.review_type {
        Some(given_type) => {
            derived.insert("type".to_owned(), given(given_type.slug()));
            given_type
        }
        None => noted(&mut derived, "type", found.review_type).unwrap_or(ReviewType::Other),
    };
    let publisher = match &hints.publisher {
        Some(publisher) => {
            let canonical = regions.canonical_publisher(publisher);
            derived.insert("publisher".to_owned(), given(&canonical));
            canonical
        }
        None => noted(&mut derived, "publisher", found.publisher)
            .map_or_else(|| "Unknown publisher".to_owned(), |region| region.publisher),
    };
    let date = noted(&mut derived, "date", found.published).and_then(|date| date.first_day());
    let child = noted(&mut derived, "child", found.child);
    let incident_year = noted(&mut derived, "incident_year", found.incident_year);
    let age_band = noted(&mut derived, "age_band", found.age_band);
    let document_kind = noted(&mut derived, "document_kind", found.document_kind);
    let title = hints
        .title
        .clone()
        .or_else(|| {
            // "Child Q (Local Child Safeguarding Practice Review)": what a reader
            // recognises a review by; year and publisher are shown beside it.
            child
                .as_ref()
                .filter(|_| review_type != ReviewType::Other)
                .map(|child| format!("{child} ({})", review_type.label()))
        })
        .or_else(|| text.title.map(str::to_owned))
        .or_else(|| text.pages.first().and_then(|page| first_line(page.text)))
        .unwrap_or_else(|| fallback_title(&document.key));
    Review {
        id: String::new(),
        title,
        review_type,
        publisher,
        date,
        url: hints.url.clone(),
        sections,
        metadata,
        details: ReviewDetails {
            child,
            age_band,
            incident_year,
            document_kind,
            derived,
            ..ReviewDetails::default()
        },
    }
}

/// A derived value, its evidence noted under `field`.
fn noted<T>(
    derived: &mut BTreeMap<String, Derivation>,
    field: &str,
    found: Option<Found<T>>,
) -> Option<T> {
    let found = found?;
    derived.insert(field.to_owned(), found.derivation);
    Some(found.value)
}

/// Word's "Microsoft Word - draft3.docx" and blank titles say nothing about the review.
fn usable_title(title: &str) -> bool {
    let title = title.trim();
    title.chars().filter(|c| c.is_alphabetic()).count() >= 4
        && !title.starts_with("Microsoft Word")
        && !title.to_ascii_lowercase().ends_with(".docx")
        && !title.to_ascii_lowercase().ends_with(".doc")
}

fn first_line(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| line.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .map(|line| line.chars().take(200).collect())
}

fn fallback_title(key: &str) -> String {
    key.rsplit(['/', '\\'])
        .next()
        .unwrap_or(key)
        .trim_end_matches(".pdf")
        .to_owned()
}

/// `doc-<name>-<6 hex of the key's digest>`: readable, URL-safe, and stable for a key.
fn document_id(key: &str) -> String {
    let name = fallback_title(key);
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let digest = hex(&Sha256::digest(key.as_bytes()));
    format!("doc-{slug}-{}", &digest[..6])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Adds the ingested collection to the manifest (as text, keeping its comments) if absent.
fn ensure_collection(corpus_dir: &Path) -> Result<(), IngestError> {
    crate::corpus::ensure_collection(
        corpus_dir,
        &Collection {
            name: COLLECTION.into(),
            title: "Documents added with `casesearch ingest`".into(),
            records: RECORDS.into(),
            source: "Local files and crawled sources; each record's `source` metadata says which"
                .into(),
            attribution: "As stated by each document's publisher".into(),
            licence: "As published by each document's publisher".into(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_readable_and_differ_by_path() {
        let a = document_id("/data/Child Q — overview report.pdf");
        assert_eq!(a, document_id("/data/Child Q — overview report.pdf"));
        assert!(a.starts_with("doc-child-q-overview-report-"), "{a}");
        assert_ne!(a, document_id("/other/Child Q — overview report.pdf"));
    }

    #[test]
    fn word_export_titles_are_not_used() {
        assert!(!usable_title("Microsoft Word - CSPR Child Q final.docx"));
        assert!(!usable_title("  "));
        assert!(usable_title("Child Safeguarding Practice Review: Child Q"));
    }
}
