//! The document boundary: size checks, loading and decryption through lopdf,
//! the page loop, running-header removal, page text assembly and metadata.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use lopdf::{Dictionary, Document, LoadOptions, Object};
use unicode_normalization::UnicodeNormalization;

use crate::content::{Budget, Interpreter, PageScan};
use crate::layout::{page_lines, Line};
use crate::{ExtractOptions, PageText, PdfError, PdfMeta, PdfText};

/// Largest size one stream may inflate to: far above any real page, small
/// enough that a zip bomb cannot take the machine's memory.
const MAX_STREAM_BYTES: usize = 64 << 20;
/// Where viewers look for the `%PDF-` header.
const HEADER_WINDOW: usize = 1024;

/// Extracts the text of every page of a PDF.
///
/// A document without a single character of text is not an error: every
/// page comes back empty with `needs_ocr` set, so callers always see why a
/// document is empty.
pub fn extract(bytes: &[u8], opts: &ExtractOptions) -> Result<PdfText, PdfError> {
    let started = Instant::now();
    let doc = load(bytes, opts)?;
    match catch_unwind(AssertUnwindSafe(|| extract_document(&doc, opts, started))) {
        Ok(result) => result,
        Err(panic) => Err(PdfError::ParserPanic(panic_message(panic))),
    }
}

/// Checks the size and header, parses and decrypts: the document both text
/// extraction and OCR's page images start from.
pub(crate) fn load(bytes: &[u8], opts: &ExtractOptions) -> Result<Document, PdfError> {
    if bytes.len() as u64 > opts.max_bytes {
        return Err(PdfError::TooLarge {
            what: format!("{} bytes, the limit is {}", bytes.len(), opts.max_bytes),
        });
    }
    let head = &bytes[..bytes.len().min(HEADER_WINDOW)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    // lopdf is the one part we cannot fix ourselves; a panic inside it is
    // reported as this document's error instead of taking the caller down.
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }));
    let doc = match loaded {
        Err(panic) => return Err(PdfError::ParserPanic(panic_message(panic))),
        Ok(Err(e)) => return Err(load_error(e)),
        Ok(Ok(doc)) => doc,
    };
    if doc.trailer.get(b"Encrypt").is_ok() && doc.encryption_state.is_none() {
        // lopdf decrypts with the empty user password by itself; still
        // encrypted means that password did not open it.
        return Err(match doc.authenticate_password("") {
            Err(lopdf::Error::Decryption(e)) if is_unsupported(&e) => {
                PdfError::UnsupportedEncryption(e.to_string())
            }
            _ => PdfError::PasswordRequired,
        });
    }
    Ok(doc)
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn is_unsupported(e: &lopdf::encryption::DecryptionError) -> bool {
    use lopdf::encryption::DecryptionError as D;
    matches!(
        e,
        D::UnsupportedEncryption
            | D::UnsupportedVersion
            | D::UnsupportedRevision
            | D::InvalidVersion
            | D::InvalidRevision
    )
}

fn load_error(e: lopdf::Error) -> PdfError {
    match e {
        lopdf::Error::InvalidPassword => PdfError::PasswordRequired,
        lopdf::Error::Decryption(d) if is_unsupported(&d) => {
            PdfError::UnsupportedEncryption(d.to_string())
        }
        lopdf::Error::Decryption(lopdf::encryption::DecryptionError::IncorrectPassword) => {
            PdfError::PasswordRequired
        }
        other => PdfError::Unreadable(other.to_string()),
    }
}

/// Follows `/Parent` for an inheritable page attribute.
pub(crate) fn inherited<'a>(
    doc: &'a Document,
    page: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..32 {
        if let Ok(v) = node.get(key) {
            return doc.dereference(v).ok().map(|(_, o)| o);
        }
        node = node
            .get(b"Parent")
            .ok()
            .and_then(|p| doc.dereference(p).ok())
            .and_then(|(_, o)| o.as_dict().ok())?;
    }
    None
}

pub(crate) fn page_box(doc: &Document, page: &Dictionary) -> [f64; 4] {
    for key in [&b"CropBox"[..], b"MediaBox"] {
        if let Some(Object::Array(a)) = inherited(doc, page, key) {
            let v: Vec<f64> = a
                .iter()
                .filter_map(|o| match doc.dereference(o).ok().map(|(_, o)| o) {
                    Some(Object::Integer(i)) => Some(*i as f64),
                    Some(Object::Real(r)) if r.is_finite() => Some(*r as f64),
                    _ => None,
                })
                .collect();
            if let [x0, y0, x1, y1] = v[..] {
                if (x1 - x0).abs() > 1.0 && (y1 - y0).abs() > 1.0 {
                    return [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
                }
            }
        }
    }
    [0.0, 0.0, 612.0, 792.0]
}

struct PageLayout {
    lines: Vec<Line>,
    scan: PageScan,
    /// Top and bottom of the page in the `v` coordinate of upright text.
    top: f32,
    bottom: f32,
}

fn extract_document(
    doc: &Document,
    opts: &ExtractOptions,
    started: Instant,
) -> Result<PdfText, PdfError> {
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(PdfError::Unreadable(
            "no pages found: the page tree is missing or damaged".into(),
        ));
    }
    if pages.len() > opts.max_pages {
        return Err(PdfError::TooLarge {
            what: format!("{} pages, the limit is {}", pages.len(), opts.max_pages),
        });
    }
    let budget = Budget {
        ops: 0,
        max_ops: opts.max_ops,
        deadline: opts.deadline.map(|d| started + d),
        since_clock: 0,
    };
    let mut interpreter = Interpreter::new(doc, budget);
    let mut layouts = Vec::with_capacity(pages.len());
    // Why a page's content could not be read, by page index: such a page is damaged,
    // not a scan, and is reported as such rather than as needing OCR.
    let mut unreadable: Vec<Option<String>> = Vec::with_capacity(pages.len());
    for (_, &page_id) in pages.iter() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            layouts.push(PageLayout {
                lines: Vec::new(),
                scan: PageScan::default(),
                top: 0.0,
                bottom: 0.0,
            });
            unreadable.push(Some(format!(
                "its page object {} {} R cannot be read",
                page_id.0, page_id.1
            )));
            continue;
        };
        let resources = inherited(doc, page, b"Resources").and_then(|o| o.as_dict().ok());
        let bbox = page_box(doc, page);
        let (content, problem) = match doc.get_page_content_with_limit(page_id, MAX_STREAM_BYTES) {
            // Checked later, and only for pages that give no text.
            Ok(content) => (content, None),
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => (
                Vec::new(),
                Some(format!(
                    "its content inflates past the {} MiB limit (a compression bomb?)",
                    MAX_STREAM_BYTES >> 20
                )),
            ),
            Err(err) => (
                Vec::new(),
                Some(format!("its content cannot be read: {err}")),
            ),
        };
        unreadable.push(problem);
        let scan = interpreter.run_page(page, resources, &content, bbox)?;
        let lines = page_lines(scan.glyphs.clone());
        layouts.push(PageLayout {
            lines,
            scan,
            top: -bbox[3] as f32,
            bottom: -bbox[1] as f32,
        });
    }
    if opts.strip_running_headers {
        strip_running_headers(&mut layouts);
    }
    let any_text = layouts.iter().any(|p| {
        p.lines
            .iter()
            .any(|l| l.text.chars().any(char::is_alphanumeric))
    });
    let pages: Vec<PageText> = layouts
        .iter()
        .zip(unreadable)
        .zip(pages.values())
        .zip(1u32..)
        .map(|(((layout, problem), &page_id), number)| {
            let text = join_lines(&layout.lines);
            // A damaged page that still gave text keeps it; one that gave none says why.
            let unreadable = if text.chars().any(char::is_alphanumeric) {
                None
            } else {
                problem.or_else(|| content_stream_problem(doc, page_id))
            };
            let needs_ocr = unreadable.is_none() && needs_ocr(&text, &layout.scan, any_text);
            PageText {
                number,
                text,
                needs_ocr,
                unreadable,
                ocr: false,
            }
        })
        .collect();
    Ok(PdfText {
        meta: metadata(doc, pages.len()),
        pages,
    })
}

/// Why one of the page's content streams is damaged, if one is: missing (a truncated
/// file), or compressed data that does not decompress (a wrong `/Length`, a cut). lopdf
/// then hands over the raw bytes, which read as no text, so without this the page would
/// pass for a scan.
fn content_stream_problem(doc: &Document, page_id: lopdf::ObjectId) -> Option<String> {
    let contents = doc.get_page_contents(page_id);
    let page = doc.get_dictionary(page_id).ok()?;
    if contents.is_empty() && page.get(b"Contents").is_ok() {
        return Some("its content stream is missing (is the file truncated?)".into());
    }
    for id in contents {
        let stream = match doc.get_object(id).and_then(Object::as_stream) {
            Ok(stream) => stream,
            Err(_) => {
                return Some(format!(
                    "its content stream {} {} R is missing (is the file truncated?)",
                    id.0, id.1
                ))
            }
        };
        // lopdf logs a Flate error and returns what it decoded (often nothing), so the
        // first filter's data is checked here; the others are rare in content streams.
        let first_filter_is_flate = stream
            .filters()
            .is_ok_and(|filters| filters.first().is_some_and(|f| *f == b"FlateDecode"));
        if first_filter_is_flate {
            let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
            let mut capped = std::io::Read::take(decoder, MAX_STREAM_BYTES as u64 + 1);
            if let Err(err) = std::io::copy(&mut capped, &mut std::io::sink()) {
                return Some(format!(
                    "its content stream {} {} R does not decompress ({err}): the file is damaged or truncated",
                    id.0, id.1
                ));
            }
        }
    }
    None
}

/// No text where there are images (a scan), no text in the whole document,
/// or glyphs that mostly decode to nothing or to replacement characters.
fn needs_ocr(text: &str, scan: &PageScan, document_has_text: bool) -> bool {
    let letters = text.chars().filter(|c| c.is_alphanumeric()).count();
    if letters == 0 {
        return scan.images > 0 || !document_has_text;
    }
    let bad = text
        .chars()
        .filter(|&c| c == '\u{FFFD}' || ('\u{E000}'..='\u{F8FF}').contains(&c))
        .count();
    let mapped = scan.glyphs.len();
    scan.unmapped > mapped || bad * 3 > letters
}

/// Normalised form of a header line: digits collapse, so "Page 3 of 20"
/// matches "Page 4 of 20".
fn header_key(text: &str) -> String {
    let mut key = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_digit() {
            if !key.ends_with('#') {
                key.push('#');
            }
        } else if c.is_alphanumeric() {
            key.push(c);
        }
    }
    key
}

/// Removes lines in the top or bottom tenth of the page whose text (digits
/// aside) recurs there on at least half the pages, and at least three.
fn strip_running_headers(pages: &mut [PageLayout]) {
    if pages.len() < 4 {
        return;
    }
    let in_margin = |p: &PageLayout, l: &Line| {
        let height = (p.bottom - p.top).max(1.0);
        l.rot == 0 && ((l.v - p.top) < 0.1 * height || (p.bottom - l.v) < 0.1 * height)
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in pages.iter() {
        let mut keys: Vec<String> = p
            .lines
            .iter()
            .filter(|l| in_margin(p, l))
            .map(|l| header_key(&l.text))
            .collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            *counts.entry(k).or_default() += 1;
        }
    }
    let needed = (pages.len() / 2).max(3);
    for p in pages.iter_mut() {
        let keep: Vec<bool> = p
            .lines
            .iter()
            .map(|l| {
                !in_margin(p, l) || counts.get(&header_key(&l.text)).is_none_or(|&n| n < needed)
            })
            .collect();
        let mut k = keep.iter();
        p.lines.retain(|_| *k.next().unwrap_or(&true));
    }
}

/// Lines joined by newlines; a line ending in a hyphen after a letter joins
/// the next line when that starts in lower case, as pdftotext does.
fn join_lines(lines: &[Line]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let text = clean(&line.text);
        if i > 0 {
            let mut prev = out.chars().rev();
            let joins = prev.next() == Some('-')
                && prev.next().is_some_and(char::is_alphabetic)
                && text.chars().next().is_some_and(char::is_lowercase);
            if joins {
                out.pop();
            } else {
                out.push('\n');
            }
        }
        out.push_str(&text);
    }
    out
}

/// Control characters out; ligature code points (U+FB00–U+FB06) through NFKC
/// so "ﬁnd" is indexed as "find".
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ('\u{FB00}'..='\u{FB06}').contains(&c) {
            out.extend(std::iter::once(c).nfkc());
        } else if c == '\t' {
            out.push(' ');
        } else if !c.is_control() && c != '\u{FFFD}' {
            out.push(c);
        }
    }
    out
}

fn info_string(doc: &Document, info: &Dictionary, key: &[u8]) -> Option<String> {
    let obj = doc.dereference(info.get(key).ok()?).ok()?.1;
    let text = lopdf::decode_text_string(obj).ok()?;
    let text = text
        .trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .to_owned();
    (!text.is_empty()).then_some(text)
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` to ISO 8601, keeping only the parts present.
fn pdf_date(raw: &str) -> Option<String> {
    let s = raw.trim().trim_start_matches("D:");
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |a: usize, b: usize| digits.get(a..b).map(str::to_owned);
    let mut out = part(0, 4)?;
    if let Some(m) = part(4, 6) {
        out += &format!("-{m}");
        if let Some(d) = part(6, 8) {
            out += &format!("-{d}");
            if let (Some(h), Some(mi)) = (part(8, 10), part(10, 12)) {
                out += &format!("T{h}:{mi}:{}", part(12, 14).unwrap_or_else(|| "00".into()));
                let zone = &s[digits.len()..];
                if zone.starts_with('Z') {
                    out.push('Z');
                } else if let Some(sign) = zone.chars().next().filter(|c| *c == '+' || *c == '-') {
                    let z: String = zone.chars().filter(char::is_ascii_digit).collect();
                    if z.len() >= 2 {
                        out += &format!("{sign}{}:{}", &z[..2], z.get(2..4).unwrap_or("00"));
                    }
                }
            }
        }
    }
    Some(out)
}

fn metadata(doc: &Document, page_count: usize) -> PdfMeta {
    let info = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok());
    let Some(info) = info else {
        return PdfMeta {
            page_count,
            ..PdfMeta::default()
        };
    };
    PdfMeta {
        title: info_string(doc, info, b"Title"),
        author: info_string(doc, info, b"Author"),
        created: info_string(doc, info, b"CreationDate").and_then(|d| pdf_date(&d)),
        producer: info_string(doc, info, b"Producer"),
        page_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_become_iso_8601() {
        assert_eq!(
            pdf_date("D:20210131102030+01'00'").as_deref(),
            Some("2021-01-31T10:20:30+01:00")
        );
        assert_eq!(pdf_date("D:2019").as_deref(), Some("2019"));
        assert_eq!(pdf_date("D:20190304").as_deref(), Some("2019-03-04"));
        assert_eq!(pdf_date("garbage"), None);
    }

    #[test]
    fn hyphenated_line_ends_join_only_before_lower_case() {
        let line = |t: &str| Line {
            text: t.into(),
            v: 0.0,
            rot: 0,
        };
        assert_eq!(
            join_lines(&[line("safe-"), line("guarding board")]),
            "safeguarding board"
        );
        assert_eq!(
            join_lines(&[line("Serious Case -"), line("Review")]),
            "Serious Case -\nReview"
        );
        assert_eq!(join_lines(&[line("North-"), line("East")]), "North-\nEast");
    }

    #[test]
    fn ligatures_are_decomposed() {
        assert_eq!(clean("\u{FB01}nd o\u{FB03}ce"), "find office");
    }
}
