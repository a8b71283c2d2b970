//! Extraction for web documents, beside `casesearch-pdf`: what a document's bytes are
//! ([`sniff_content_kind`]: PDF, HTML or neither, judged from the bytes, never a header or
//! file name) and the main text of an HTML review page or learning brief
//! ([`extract_main_text`]). Pure bytes → text, no I/O, so it is cheap to test and score.
//!
//! In the pipeline the crawler (`casesearch-crawl`) sniffs what it fetched and keeps it;
//! `casesearch-ingest` turns PDFs (through `casesearch-pdf`) and HTML pages (through this
//! crate) into records, without depending on the crawler or its HTTP client.
//!
//! ```
//! use casesearch_html::{extract_main_text, sniff_content_kind, ContentKind};
//! let page = b"<!doctype html><body><nav>Home</nav><main><h1>Child Q</h1>\
//!     <p>The review found that agencies did not share information.</p></main></body>";
//! assert_eq!(sniff_content_kind(page), ContentKind::Html);
//! let text = extract_main_text(&String::from_utf8_lossy(page));
//! assert_eq!(text, "Child Q\nThe review found that agencies did not share information.");
//! ```

mod extract;
mod sniff;

pub use extract::extract_main_text;
pub use sniff::{sniff_content_kind, ContentKind};
