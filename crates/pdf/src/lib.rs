//! PDF bytes to per-page text, for indexing case reviews with page numbers.
//!
//! `casesearch-pdf` sits between fetching a report and indexing it: it takes
//! the bytes of a PDF and returns one [`PageText`] per page, so each search
//! hit can cite "p. N". lopdf parses the file (objects, damaged xref tables,
//! empty-password decryption, streams); this crate interprets the content
//! streams with text and graphics state, decodes fonts (`/ToUnicode`, then
//! `/Encoding` with `/Differences` glyph names), and lays the glyphs out
//! into words, lines and columns the way poppler's `pdftotext` does, then
//! drops running headers and footers. Pages with no usable text layer are
//! flagged [`PageText::needs_ocr`]; [`ocr_pages`] can then recognise them
//! with Tesseract (the one part that runs other programs), marking their
//! text [`PageText::ocr`].
//!
//! Every input is bounded: file size, page count, a deterministic budget of
//! content-stream operations and an optional wall-clock deadline; bad input
//! is a [`PdfError`], never a panic.
//!
//! ```no_run
//! let bytes = std::fs::read("review.pdf").unwrap();
//! let pdf = casesearch_pdf::extract(&bytes, &casesearch_pdf::ExtractOptions::default()).unwrap();
//! for page in &pdf.pages {
//!     println!("p. {}: {} chars{}", page.number, page.text.len(), if page.needs_ocr { " (needs OCR)" } else { "" });
//! }
//! ```

mod cmap;
mod content;
mod document;
mod font;
mod layout;
mod ocr;
mod truetype;

use std::time::Duration;

pub use document::extract;
pub use ocr::{
    ocr_pages, ImageFormat, OcrEngine, OcrError, OcrOptions, OcrReport, PageImage, PageRenderer,
    Pdftoppm, Tesseract,
};

/// Limits and switches for one extraction.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Larger inputs are refused with [`PdfError::TooLarge`] before parsing.
    pub max_bytes: u64,
    /// Documents with more pages are refused with [`PdfError::TooLarge`].
    pub max_pages: usize,
    /// Content-stream operators (plus shown bytes / 8) the whole document may
    /// run; a deterministic stand-in for a time limit.
    pub max_ops: u64,
    /// Optional wall-clock limit on top of `max_ops`.
    pub deadline: Option<Duration>,
    /// Drop lines that repeat at the top or bottom of most pages (running
    /// headers, footers, page numbers).
    pub strip_running_headers: bool,
}

impl Default for ExtractOptions {
    /// Room for a 120-page report several times over: 200 MiB, 2,000 pages,
    /// 50 million operations, 60 seconds.
    fn default() -> Self {
        ExtractOptions {
            max_bytes: 200 << 20,
            max_pages: 2000,
            max_ops: 50_000_000,
            deadline: Some(Duration::from_secs(60)),
            strip_running_headers: true,
        }
    }
}

/// The text of a document, page by page.
#[derive(Debug, Clone)]
pub struct PdfText {
    pub pages: Vec<PageText>,
    pub meta: PdfMeta,
}

/// One page's text. Lines end with `\n`-separated; no trailing newline.
#[derive(Debug, Clone)]
pub struct PageText {
    /// 1-based, as printed by viewers.
    pub number: u32,
    pub text: String,
    /// The page has no text layer (a scan) or one that decodes to garbage.
    pub needs_ocr: bool,
    /// Why the page gave no text when its content is damaged (a stream that does not
    /// decompress, is missing, or inflates past the limit); such a page is not a scan.
    pub unreadable: Option<String>,
    /// `text` was recognised from the page's image by [`ocr_pages`].
    pub ocr: bool,
}

/// Document information from the `/Info` dictionary.
#[derive(Debug, Clone, Default)]
pub struct PdfMeta {
    pub title: Option<String>,
    pub author: Option<String>,
    /// `/CreationDate` as ISO 8601 (`2021-01-31T10:20:30+01:00`, or as much
    /// of it as the file gives).
    pub created: Option<String>,
    pub producer: Option<String>,
    pub page_count: usize,
}

impl PdfText {
    /// How many pages need OCR to be searchable.
    pub fn needs_ocr_pages(&self) -> usize {
        self.pages.iter().filter(|p| p.needs_ocr).count()
    }

    /// How many pages' text came from OCR.
    pub fn ocr_pages(&self) -> usize {
        self.pages.iter().filter(|p| p.ocr).count()
    }

    /// All pages joined with form feeds, as `pdftotext` writes them.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for page in &self.pages {
            out.push_str(&page.text);
            if !page.text.is_empty() {
                out.push('\n');
            }
            out.push('\x0c');
        }
        out
    }
}

/// Why a document yielded no text. Messages are lowercase and name the cause.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("the PDF is encrypted and needs a password to open")]
    PasswordRequired,
    #[error("the PDF uses encryption that cannot be decrypted: {0}")]
    UnsupportedEncryption(String),
    #[error("unreadable PDF: {0}")]
    Unreadable(String),
    #[error("the PDF is too large: {what}")]
    TooLarge { what: String },
    #[error("extraction stopped at {what}")]
    BudgetExceeded { what: String },
    #[error("the PDF parser failed on this file: {0}")]
    ParserPanic(String),
}
