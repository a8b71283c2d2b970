//! OCR of pages without a text layer: through a stand-in engine (always run)
//! and through Tesseract itself, on a scan made from a real text PDF.

use std::sync::Mutex;
use std::time::Duration;

use casesearch_pdf::{
    extract, ocr_pages, ExtractOptions, ImageFormat, OcrEngine, OcrError, OcrOptions, PageImage,
    Tesseract,
};

use crate::corpus;

fn scanned_fixture() -> Vec<u8> {
    let path = corpus::dir().join("../ocr/crazyones-scanned.pdf");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Answers every page with fixed text and remembers what it was shown.
struct StandInEngine {
    seen: Mutex<Vec<ImageFormat>>,
}

impl OcrEngine for StandInEngine {
    fn recognise(&self, image: &PageImage, _timeout: Duration) -> Result<String, OcrError> {
        self.seen.lock().expect("lock").push(image.format);
        // 1,700 pixels across a 612-point page.
        assert_eq!(image.dpi, Some(200));
        assert!(
            image.bytes.starts_with(&[0xFF, 0xD8]),
            "not the JPEG itself"
        );
        Ok("  Recognised   words\n\n\x0c".into())
    }

    fn describe(&self) -> String {
        "stand-in".into()
    }
}

#[test]
fn a_scanned_page_needs_ocr_and_its_jpeg_goes_to_the_engine() {
    let bytes = scanned_fixture();
    let mut pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    assert_eq!(pdf.needs_ocr_pages(), 1);
    let engine = StandInEngine {
        seen: Mutex::new(Vec::new()),
    };
    let report =
        ocr_pages(&bytes, &mut pdf, &engine, None, &OcrOptions::default()).expect("ocr runs");
    assert_eq!(report.recognised, vec![1]);
    assert_eq!(*engine.seen.lock().expect("lock"), vec![ImageFormat::Jpeg]);
    let page = &pdf.pages[0];
    assert!(page.ocr && !page.needs_ocr);
    assert_eq!(page.text, "Recognised   words");
    assert_eq!((pdf.ocr_pages(), pdf.needs_ocr_pages()), (1, 0));
}

#[test]
fn a_page_with_no_image_we_unpack_and_no_renderer_still_needs_ocr() {
    // JBIG2 is drawn by a renderer or not at all.
    let bytes = corpus::read("scan__pdf-with-jbig2.pdf");
    let mut pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    let before = pdf.needs_ocr_pages();
    assert!(before > 0);
    let engine = StandInEngine {
        seen: Mutex::new(Vec::new()),
    };
    let report =
        ocr_pages(&bytes, &mut pdf, &engine, None, &OcrOptions::default()).expect("ocr runs");
    assert!(report.recognised.is_empty());
    assert!(matches!(report.failed[..], [(_, OcrError::NoImage), ..]));
    assert_eq!(pdf.needs_ocr_pages(), before);
    assert!(engine.seen.lock().expect("lock").is_empty());
}

#[test]
fn pages_left_when_the_budget_is_spent_still_need_ocr() {
    let bytes = scanned_fixture();
    let mut pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    let engine = StandInEngine {
        seen: Mutex::new(Vec::new()),
    };
    let opts = OcrOptions {
        budget: Duration::ZERO,
        ..OcrOptions::default()
    };
    let report = ocr_pages(&bytes, &mut pdf, &engine, None, &opts).expect("ocr runs");
    assert!(matches!(report.failed[..], [(1, OcrError::BudgetSpent)]));
    assert!(pdf.pages[0].needs_ocr && !pdf.pages[0].ocr);
}

/// The target: Tesseract's text of a scan made from a real text PDF
/// scores token F1 ≥ 0.9 against that PDF's text. Skipped (with a message)
/// where Tesseract is not installed, unless `CASESEARCH_REQUIRE_OCR=1` (as in
/// `.ci/run`), where a missing Tesseract fails it.
#[test]
fn tesseract_reads_a_scanned_page_with_token_f1_at_least_0_9() {
    let tesseract = match Tesseract::find("tesseract", "eng", 200) {
        Ok(t) => t,
        Err(why) if std::env::var("CASESEARCH_REQUIRE_OCR").as_deref() == Ok("1") => {
            panic!("CASESEARCH_REQUIRE_OCR=1 but {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why} (set CASESEARCH_REQUIRE_OCR=1 to fail instead)");
            return;
        }
    };
    let bytes = scanned_fixture();
    let mut pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    let report =
        ocr_pages(&bytes, &mut pdf, &tesseract, None, &OcrOptions::default()).expect("ocr runs");
    assert_eq!(report.recognised, vec![1], "{:?}", report.failed);
    assert!(pdf.pages[0].ocr);
    let reference = std::fs::read_to_string(corpus::dir().join("tex__crazyones.pdftotext.txt"))
        .expect("reference");
    let f1 = corpus::f1(&corpus::tokens(&pdf.text()), &corpus::tokens(&reference));
    assert!(f1 >= 0.9, "token F1 {f1:.3}:\n{}", pdf.text());
}
