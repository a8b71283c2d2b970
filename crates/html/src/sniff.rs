//! What a response is, judged from its bytes: servers label PDFs `text/html` or
//! `application/octet-stream` often enough that the header cannot be trusted.

use serde::{Deserialize, Serialize};

/// The kinds of document the pipeline can extract text from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    Pdf,
    Html,
    Other,
}

/// PDF readers accept the `%PDF-` header anywhere in the first kilobyte (some files
/// carry a preamble), so we look there too; HTML by the WHATWG sniffing prefixes.
///
/// ```
/// use casesearch_html::{sniff_content_kind, ContentKind};
/// assert_eq!(sniff_content_kind(b"%PDF-1.7\n..."), ContentKind::Pdf);
/// assert_eq!(sniff_content_kind(b"\xEF\xBB\xBF <!DOCTYPE html><p>hi"), ContentKind::Html);
/// assert_eq!(sniff_content_kind(b"PK\x03\x04"), ContentKind::Other);
/// ```
pub fn sniff_content_kind(bytes: &[u8]) -> ContentKind {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|window| window == b"%PDF-") {
        return ContentKind::Pdf;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(text.len());
    let text = text[start..].to_ascii_lowercase();
    const HTML_PREFIXES: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<body",
        b"<!--",
        b"<div",
        b"<p",
        b"<h1",
        b"<table",
        b"<title",
        b"<meta",
        b"<script",
        b"<?xml",
    ];
    if HTML_PREFIXES.iter().any(|prefix| text.starts_with(prefix)) {
        return ContentKind::Html;
    }
    ContentKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_with_a_preamble_is_still_a_pdf() {
        let mut bytes = vec![b' '; 300];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff_content_kind(&bytes), ContentKind::Pdf);
    }

    #[test]
    fn empty_and_plain_text_are_other() {
        assert_eq!(sniff_content_kind(b""), ContentKind::Other);
        assert_eq!(sniff_content_kind(b"just words"), ContentKind::Other);
    }
}
