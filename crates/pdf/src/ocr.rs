//! OCR for pages without a usable text layer: take the page's scanned image
//! (or render the page), hand it to an [`OcrEngine`], and put the recognised
//! text in place of the empty or garbled text layer, marked as OCR.
//!
//! Extraction itself stays pure (bytes → text); everything that spawns a
//! program is here, behind the small [`OcrEngine`] and [`PageRenderer`]
//! traits, so tests without Tesseract still cover the "needs OCR" path.
//! Pages are recognised in parallel (rayon) within one time budget; a page
//! whose turn comes after the budget is spent, or whose OCR fails, keeps
//! `needs_ocr` and says why in the report.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lopdf::{Dictionary, Document, Object};
use rayon::prelude::*;

use crate::document::{inherited, load, page_box};
use crate::{ExtractOptions, PdfError, PdfText};

/// Largest image we decode to hand to OCR (pixels): a 600 dpi A3 scan is
/// about 70 million; anything larger is a fuzzed header.
const MAX_IMAGE_PIXELS: u64 = 120_000_000;
/// Images smaller than this on both sides are logos and rules, not scans.
const MIN_SCAN_SIDE: i64 = 300;

/// The picture of one page, in a format Tesseract and Leptonica read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImage {
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
    /// Resolution on the page, when known (a scan's pixels over the page's
    /// width); the engine assumes its own otherwise.
    pub dpi: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// A `/DCTDecode` image's bytes, as stored.
    Jpeg,
    /// Netpbm (P4 bitmap, P5 grey, P6 colour): decoded raw samples.
    Pnm,
    /// A `/CCITTFaxDecode` image's bytes (fax G4 or G3, as most old scans
    /// are stored) behind a TIFF header that says how to read them.
    Tiff,
}

/// Why one page could not be recognised.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} took longer than {seconds} s and was stopped")]
    Timeout { program: String, seconds: u64 },
    #[error("{program} failed: {message}")]
    Failed { program: String, message: String },
    #[error("no scanned image on the page and no renderer to draw it")]
    NoImage,
    #[error("the OCR time budget was spent before this page")]
    BudgetSpent,
}

/// Turns a page image into text.
pub trait OcrEngine: Sync {
    /// Recognises `image`, taking at most `timeout`.
    fn recognise(&self, image: &PageImage, timeout: Duration) -> Result<String, OcrError>;
    /// What the record says produced the text ("tesseract 5.3.0, eng, 300 dpi").
    fn describe(&self) -> String;
}

/// Draws a whole page as an image, for pages whose text is drawn as glyphs
/// that do not decode, or whose scan is stored in a format we do not unpack.
pub trait PageRenderer: Sync {
    fn render(
        &self,
        pdf: &[u8],
        page: u32,
        dpi: u32,
        timeout: Duration,
    ) -> Result<PageImage, OcrError>;
}

/// How much OCR to do.
#[derive(Debug, Clone)]
pub struct OcrOptions {
    /// Resolution pages are rendered at, and the resolution Tesseract is told
    /// an image has when the PDF does not say.
    pub dpi: u32,
    /// Wall-clock limit for all pages of one document.
    pub budget: Duration,
    /// Limit for one page.
    pub page_timeout: Duration,
}

impl Default for OcrOptions {
    /// 300 dpi (Tesseract's own recommendation), ten minutes a document, two a page.
    fn default() -> Self {
        OcrOptions {
            dpi: 300,
            budget: Duration::from_secs(600),
            page_timeout: Duration::from_secs(120),
        }
    }
}

/// What OCR did to a document.
#[derive(Debug, Default)]
pub struct OcrReport {
    /// Pages whose text now comes from OCR.
    pub recognised: Vec<u32>,
    /// Pages that still need OCR, and why.
    pub failed: Vec<(u32, OcrError)>,
}

/// OCRs every page of `text` that needs it, in parallel, and replaces those
/// pages' text with the recognised text (`ocr` set, `needs_ocr` cleared).
/// `bytes` is the PDF `text` was extracted from.
pub fn ocr_pages(
    bytes: &[u8],
    text: &mut PdfText,
    engine: &dyn OcrEngine,
    renderer: Option<&dyn PageRenderer>,
    opts: &OcrOptions,
) -> Result<OcrReport, PdfError> {
    let wanted: Vec<u32> = text
        .pages
        .iter()
        .filter(|p| p.needs_ocr)
        .map(|p| p.number)
        .collect();
    if wanted.is_empty() {
        return Ok(OcrReport::default());
    }
    let started = Instant::now();
    let deadline = started + opts.budget;
    let doc = load(bytes, &ExtractOptions::default())?;
    let pages = doc.get_pages();
    // Images come out of the document one page at a time (lopdf's document
    // is not shared across threads); recognising them is the slow part.
    let images: Vec<(u32, Option<PageImage>)> = wanted
        .iter()
        .map(|&number| {
            let image = pages
                .get(&number)
                .and_then(|&id| doc.get_dictionary(id).ok())
                .and_then(|page| scanned_image(&doc, page));
            (number, image)
        })
        .collect();
    let results: Vec<(u32, Result<String, OcrError>)> = images
        .into_par_iter()
        .map(|(number, image)| {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (number, Err(OcrError::BudgetSpent));
            }
            let timeout = left.min(opts.page_timeout);
            let image = match (image, renderer) {
                (Some(image), _) => Ok(image),
                (None, Some(renderer)) => renderer.render(bytes, number, opts.dpi, timeout),
                (None, None) => Err(OcrError::NoImage),
            };
            let left = deadline.saturating_duration_since(Instant::now());
            let result = image.and_then(|image| {
                if left.is_zero() {
                    Err(OcrError::BudgetSpent)
                } else {
                    engine.recognise(&image, left.min(opts.page_timeout))
                }
            });
            (number, result)
        })
        .collect();
    let mut report = OcrReport::default();
    for (number, result) in results {
        let Some(page) = text.pages.iter_mut().find(|p| p.number == number) else {
            continue;
        };
        match result {
            Ok(recognised) => {
                page.text = clean_ocr_text(&recognised);
                page.ocr = true;
                page.needs_ocr = false;
                report.recognised.push(number);
            }
            Err(err) => report.failed.push((number, err)),
        }
    }
    Ok(report)
}

/// Tesseract's text as page text: lines trimmed, blank runs and its closing
/// form feed dropped.
fn clean_ocr_text(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\x0c'))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// The page's scan: its largest image XObject, when it is large enough to be
/// one and stored in a way we can hand over (JPEG as is, CCITT fax as TIFF,
/// raw/Flate grey, RGB or 1-bit samples as Netpbm). `None` means: render
/// the page instead.
fn scanned_image(doc: &Document, page: &Dictionary) -> Option<PageImage> {
    let resources = inherited(doc, page, b"Resources").and_then(|o| o.as_dict().ok())?;
    let xobjects = resources
        .get(b"XObject")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok())?;
    let mut best: Option<(i64, &lopdf::Stream)> = None;
    for (_, entry) in xobjects.iter() {
        let Ok((_, Object::Stream(stream))) = doc.dereference(entry) else {
            continue;
        };
        if stream
            .dict
            .get(b"Subtype")
            .ok()
            .and_then(|o| o.as_name().ok())
            != Some(b"Image")
        {
            continue;
        }
        let width = int(doc, &stream.dict, b"Width").unwrap_or(0);
        let height = int(doc, &stream.dict, b"Height").unwrap_or(0);
        if width < MIN_SCAN_SIDE && height < MIN_SCAN_SIDE {
            continue;
        }
        let area = width.saturating_mul(height);
        if best.is_none_or(|(a, _)| area > a) {
            best = Some((area, stream));
        }
    }
    let (_, stream) = best?;
    let mut image = image_of(doc, stream)?;
    let width = int(doc, &stream.dict, b"Width")? as f64;
    let [x0, _, x1, _] = page_box(doc, page);
    let dpi = (width * 72.0 / (x1 - x0)).round();
    image.dpi = (50.0..=1200.0).contains(&dpi).then_some(dpi as u32);
    Some(image)
}

fn int(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<i64> {
    match dict.get(key).ok().and_then(|o| doc.dereference(o).ok())?.1 {
        Object::Integer(i) => Some(*i),
        _ => None,
    }
}

fn filters(doc: &Document, dict: &Dictionary) -> Vec<Vec<u8>> {
    match dict
        .get(b"Filter")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .map(|(_, o)| o)
    {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

/// Colour components of an image's colour space we can write as Netpbm.
fn components(doc: &Document, dict: &Dictionary) -> Option<u8> {
    let space = dict
        .get(b"ColorSpace")
        .ok()
        .and_then(|o| doc.dereference(o).ok())?
        .1;
    match space {
        Object::Name(n) if n == b"DeviceGray" || n == b"CalGray" => Some(1),
        Object::Name(n) if n == b"DeviceRGB" || n == b"CalRGB" => Some(3),
        Object::Array(a) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"ICCBased") => {
                let (_, profile) = doc.dereference(a.get(1)?).ok()?;
                let n = int(doc, &profile.as_stream().ok()?.dict, b"N")?;
                matches!(n, 1 | 3).then_some(n as u8)
            }
            Some(b"CalGray") => Some(1),
            Some(b"CalRGB") => Some(3),
            _ => None,
        },
        _ => None,
    }
}

fn image_of(doc: &Document, stream: &lopdf::Stream) -> Option<PageImage> {
    let dict = &stream.dict;
    let filters = filters(doc, dict);
    if filters.last().is_some_and(|f| f == b"DCTDecode") {
        // Only a lone DCTDecode is the JPEG file itself.
        return (filters.len() == 1).then(|| PageImage {
            format: ImageFormat::Jpeg,
            bytes: stream.content.clone(),
            dpi: None,
        });
    }
    if filters.len() == 1 && filters[0] == b"CCITTFaxDecode" {
        return ccitt_as_tiff(doc, stream);
    }
    if !filters.iter().all(|f| f == b"FlateDecode") {
        // JBIG2, JPX, LZW, chains …: the renderer draws these.
        return None;
    }
    let width = u64::try_from(int(doc, dict, b"Width")?).ok()?;
    let height = u64::try_from(int(doc, dict, b"Height")?).ok()?;
    if width == 0 || height == 0 || width.saturating_mul(height) > MAX_IMAGE_PIXELS {
        return None;
    }
    let mask = matches!(dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
    let bits = if mask {
        1
    } else {
        int(doc, dict, b"BitsPerComponent")?
    };
    let channels = if mask { 1 } else { components(doc, dict)? };
    let samples = if filters.is_empty() {
        stream.content.clone()
    } else {
        stream.decompressed_content().ok()?
    };
    let row = match (bits, channels) {
        (1, 1) => width.div_ceil(8),
        (8, c) => width * c as u64,
        _ => return None,
    } as usize;
    let needed = row.checked_mul(height as usize)?;
    if samples.len() < needed {
        return None;
    }
    // A /Decode of [1 0] swaps black and white.
    let inverted = matches!(
        dict.get(b"Decode").ok().and_then(|o| o.as_array().ok()).map(Vec::as_slice),
        Some([first, ..]) if matches!(first, Object::Integer(1)) || matches!(first, Object::Real(r) if *r == 1.0)
    );
    let (magic, maxval) = match (bits, channels) {
        (1, _) => ("P4", ""),
        (_, 1) => ("P5", "255\n"),
        _ => ("P6", "255\n"),
    };
    let mut bytes = format!("{magic}\n{width} {height}\n{maxval}").into_bytes();
    let body = &samples[..needed];
    if bits == 1 {
        // PDF grey: 0 is black; PBM: 1 is black. An image mask paints its 0s
        // unless decoded the other way round.
        let flip = mask == inverted;
        bytes.extend(body.iter().map(|b| if flip { !b } else { *b }));
    } else if inverted {
        bytes.extend(body.iter().map(|b| 255 - b));
    } else {
        bytes.extend_from_slice(body);
    }
    Some(PageImage {
        format: ImageFormat::Pnm,
        bytes,
        dpi: None,
    })
}

/// A CCITT fax image as a one-strip TIFF: the compressed bytes as stored,
/// with the `/DecodeParms` that say how they were coded. Tesseract reads it
/// through Leptonica and libtiff.
fn ccitt_as_tiff(doc: &Document, stream: &lopdf::Stream) -> Option<PageImage> {
    let dict = &stream.dict;
    let params = dict
        .get(b"DecodeParms")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| match o {
            Object::Array(a) => a
                .first()
                .and_then(|o| doc.dereference(o).ok())
                .map(|(_, o)| o),
            other => Some(other),
        })
        .and_then(|o| o.as_dict().ok());
    let param = |key: &[u8]| params.and_then(|p| int(doc, p, key));
    let flag = |key: &[u8]| params.is_some_and(|p| matches!(p.get(key), Ok(Object::Boolean(true))));
    let k = param(b"K").unwrap_or(0);
    let columns = u32::try_from(param(b"Columns").unwrap_or(1728)).ok()?;
    let rows = param(b"Rows")
        .filter(|r| *r > 0)
        .or_else(|| int(doc, dict, b"Height"))
        .and_then(|r| u32::try_from(r).ok())?;
    if columns == 0 || rows == 0 || columns as u64 * rows as u64 > MAX_IMAGE_PIXELS {
        return None;
    }
    // Fax runs are white and black whatever PDF's /BlackIs1 says of the
    // decoded bits; only a /Decode of [1 0] asks for the negative.
    let negative = matches!(
        dict.get(b"Decode")
            .ok()
            .and_then(|o| o.as_array().ok())
            .map(Vec::as_slice),
        Some([Object::Integer(1), ..])
    );
    let data = &stream.content;
    let (compression, options_tag, options) = if k < 0 {
        (4u16, 293u16, 0u32)
    } else {
        let two_d = u32::from(k > 0);
        let byte_aligned = if flag(b"EncodedByteAlign") { 4 } else { 0 };
        (3, 292, two_d | byte_aligned)
    };
    let entries: [(u16, u16, u32); 11] = [
        (256, 4, columns),
        (257, 4, rows),
        (258, 3, 1),
        (259, 3, compression as u32),
        (262, 3, u32::from(negative)),
        (273, 4, 0), // strip offset, filled in below
        (277, 3, 1),
        (278, 4, rows),
        (279, 4, u32::try_from(data.len()).ok()?),
        (options_tag, 4, options),
        (296, 3, 1),
    ];
    let ifd_len = 2 + entries.len() * 12 + 4;
    let data_at = u32::try_from(8 + ifd_len).ok()?;
    let mut tiff = Vec::with_capacity(8 + ifd_len + data.len());
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        let value = if tag == 273 { data_at } else { value };
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        if kind == 3 {
            tiff.extend_from_slice(&(value as u16).to_le_bytes());
            tiff.extend_from_slice(&[0, 0]);
        } else {
            tiff.extend_from_slice(&value.to_le_bytes());
        }
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(data);
    Some(PageImage {
        format: ImageFormat::Tiff,
        bytes: tiff,
        dpi: None,
    })
}

/// Runs `program` with `args`, writes `input` to its stdin and returns its
/// stdout, killing it after `timeout`.
fn run_with_timeout(
    program: &str,
    args: &[String],
    input: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, OcrError> {
    let mut child = Command::new(program)
        .args(args)
        // One Tesseract per page already fills the cores; its own threads
        // would only fight the others.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| OcrError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let mut stdin = child.stdin.take();
    let input = input.to_vec();
    // Writing and reading on their own threads: a program that fills its
    // stdout pipe before reading all of stdin must not deadlock us.
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            let _ = stdin.write_all(&input);
        }
    });
    let reader = drain(child.stdout.take());
    let err_reader = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OcrError::Timeout {
                    program: program.to_owned(),
                    seconds: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => {
                return Err(OcrError::Failed {
                    program: program.to_owned(),
                    message: err.to_string(),
                })
            }
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if !status.success() {
        let message = err.lines().last().unwrap_or("no message").trim().to_owned();
        return Err(OcrError::Failed {
            program: program.to_owned(),
            message: format!("{status}: {message}"),
        });
    }
    Ok(out)
}

/// Reads a child's output pipe to its end on a thread of its own (nothing without one).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

/// The `tesseract` command-line program (Debian's `tesseract-ocr`), reading
/// the image on stdin and writing text on stdout.
#[derive(Debug, Clone)]
pub struct Tesseract {
    pub program: PathBuf,
    /// Tesseract language codes joined by `+` ("eng", "eng+cym").
    pub language: String,
    /// Resolution to assume for images whose placement on the page does not say.
    pub dpi: u32,
    version: String,
}

impl Tesseract {
    /// Tesseract at `program` (a name on `PATH` or a path) if it runs and
    /// has `language` installed; `Err` says what is missing.
    pub fn find(program: &str, language: &str, dpi: u32) -> Result<Tesseract, String> {
        let version = Command::new(program)
            .arg("--version")
            .output()
            .map_err(|err| format!("{program} not found ({err}); install tesseract-ocr"))?;
        let version = String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("tesseract")
            .trim()
            .to_owned();
        let langs = Command::new(program)
            .arg("--list-langs")
            .output()
            .map_err(|err| format!("{program} --list-langs failed: {err}"))?;
        let installed = String::from_utf8_lossy(&langs.stdout).to_string();
        let installed: Vec<&str> = installed.lines().map(str::trim).collect();
        for lang in language.split('+') {
            if !installed.contains(&lang) {
                return Err(format!(
                    "tesseract has no '{lang}' language data; install tesseract-ocr-{lang}"
                ));
            }
        }
        Ok(Tesseract {
            program: PathBuf::from(program),
            language: language.to_owned(),
            dpi,
            version,
        })
    }
}

impl OcrEngine for Tesseract {
    fn recognise(&self, image: &PageImage, timeout: Duration) -> Result<String, OcrError> {
        let args = [
            "stdin".to_owned(),
            "stdout".to_owned(),
            "-l".to_owned(),
            self.language.clone(),
            "--dpi".to_owned(),
            image.dpi.unwrap_or(self.dpi).to_string(),
        ];
        let out = run_with_timeout(
            &self.program.to_string_lossy(),
            &args,
            &image.bytes,
            timeout,
        )?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn describe(&self) -> String {
        format!("{}, {}, {} dpi", self.version, self.language, self.dpi)
    }
}

/// poppler's `pdftoppm` (Debian's `poppler-utils`), drawing one page as a
/// grey Netpbm image.
#[derive(Debug, Clone)]
pub struct Pdftoppm {
    pub program: PathBuf,
}

impl Pdftoppm {
    /// `pdftoppm` at `program` if it runs.
    pub fn find(program: &str) -> Option<Pdftoppm> {
        Command::new(program)
            .arg("-v")
            .output()
            .ok()
            .map(|_| Pdftoppm {
                program: PathBuf::from(program),
            })
    }
}

impl PageRenderer for Pdftoppm {
    fn render(
        &self,
        pdf: &[u8],
        page: u32,
        dpi: u32,
        timeout: Duration,
    ) -> Result<PageImage, OcrError> {
        let args: Vec<String> = [
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            "-r",
            &dpi.to_string(),
            "-gray",
            "-singlefile",
            "-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let bytes = run_with_timeout(&self.program.to_string_lossy(), &args, pdf, timeout)?;
        if !bytes.starts_with(b"P") {
            return Err(OcrError::Failed {
                program: self.program.display().to_string(),
                message: "no image came out".into(),
            });
        }
        Ok(PageImage {
            format: ImageFormat::Pnm,
            bytes,
            dpi: Some(dpi),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    #[test]
    fn a_program_past_its_timeout_is_stopped() {
        let started = Instant::now();
        let result = run_with_timeout("sleep", &["5".into()], b"", Duration::from_millis(200));
        assert!(
            matches!(result, Err(OcrError::Timeout { .. })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let result = run_with_timeout(
            "casesearch-no-such-program",
            &[],
            b"",
            Duration::from_secs(1),
        );
        assert!(matches!(result, Err(OcrError::Spawn { .. })), "{result:?}");
    }

    #[test]
    fn a_ccitt_fax_scan_goes_to_ocr_as_tiff() {
        // The scan behind a real OCR'd fax (its own text layer aside).
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/pdf/scan__indirect-rotation.pdf"
        );
        let bytes = std::fs::read(path).expect("fixture");
        let doc = load(&bytes, &ExtractOptions::default()).expect("opens");
        let pages = doc.get_pages();
        let page = doc.get_dictionary(pages[&1]).expect("page 1");
        let image = scanned_image(&doc, page).expect("the page's scan");
        assert_eq!(image.format, ImageFormat::Tiff);
        assert!(image.bytes.starts_with(b"II*\0\x08\0\0\0"));
        assert!(
            image.dpi.is_some_and(|d| (150..=400).contains(&d)),
            "{:?}",
            image.dpi
        );
        // Where Tesseract is installed, the TIFF must be one it reads.
        if let Ok(tesseract) = Tesseract::find("tesseract", "eng", 300) {
            let text = tesseract
                .recognise(&image, Duration::from_secs(120))
                .expect("tesseract reads the TIFF");
            assert!(text.contains("Container"), "{text}");
        }
    }

    #[test]
    fn raw_grey_and_one_bit_samples_become_netpbm() {
        let doc = Document::with_version("1.4");
        let grey = Stream::new(
            dictionary! {
                "Subtype" => "Image", "Width" => 2, "Height" => 2,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0, 255, 10, 20],
        );
        let image = image_of(&doc, &grey).expect("grey image");
        assert_eq!(image.format, ImageFormat::Pnm);
        assert_eq!(image.bytes, b"P5\n2 2\n255\n\x00\xff\x0a\x14");

        // 1-bit grey: PDF's 0 is black, PBM's 1 is; rows pad to a byte.
        let bits = Stream::new(
            dictionary! {
                "Subtype" => "Image", "Width" => 3, "Height" => 1,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1,
            },
            vec![0b0100_0000],
        );
        let image = image_of(&doc, &bits).expect("bitmap");
        assert_eq!(image.bytes, b"P4\n3 1\n\xbf");

        let short = Stream::new(
            dictionary! {
                "Subtype" => "Image", "Width" => 100, "Height" => 100,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0; 10],
        );
        assert!(image_of(&doc, &short).is_none(), "truncated samples");
    }
}
