//! Ingesting PDFs: real files from `testdata/pdf` (see its SOURCES.md) become
//! records with one section per page, bad files are reported one by one, re-ingesting
//! is a no-op, and after indexing a hit cites the page the words are on — checked
//! against poppler's own page breaks in the reference text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use casesearch_index::{BuildMode, SearchRequest};
use casesearch_ingest::documents::{self, Hints, Outcome};

use super::fixture::*;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pdf")
        .join(name)
}

fn ingest(corpus: &Path, files: &[PathBuf]) -> documents::IngestReport {
    let options = casesearch_pdf::ExtractOptions::default();
    let hints = Hints {
        publisher: Some("Cambridgeshire and Peterborough Safeguarding Partnership".into()),
        ..Hints::default()
    };
    let incoming = files.iter().map(|path| {
        documents::read_file(path, hints.clone(), options.max_bytes)
            .map_err(|reason| (path.display().to_string(), reason))
    });
    documents::add_documents(corpus, incoming, &options, &|_| {}).unwrap()
}

/// Words that occur on exactly one page of the reference, and share no 8-letter prefix
/// with any other word of the document (so stemming cannot move them to another page).
fn page_unique_words(reference: &str) -> Vec<(String, usize)> {
    let pages: Vec<&str> = reference.split('\u{c}').collect();
    let mut pages_of: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (index, page) in pages.iter().enumerate() {
        for word in page
            .split(|c: char| !c.is_alphabetic())
            .filter(|word| word.len() >= 10 && word.is_ascii())
        {
            pages_of
                .entry(word.to_ascii_lowercase())
                .or_default()
                .insert(index + 1);
        }
    }
    let mut prefixes: BTreeMap<String, usize> = BTreeMap::new();
    for word in pages_of.keys() {
        *prefixes.entry(word[..8].to_owned()).or_default() += 1;
    }
    pages_of
        .into_iter()
        .filter(|(word, pages)| pages.len() == 1 && prefixes[&word[..8]] == 1)
        .filter_map(|(word, pages)| pages.first().map(|page| (word, *page)))
        .filter(|(_, page)| *page > 1)
        .collect()
}

#[test]
fn pdfs_become_page_cited_records_and_bad_files_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let not_pdf = dir.path().join("notes.pdf");
    std::fs::write(&not_pdf, "just some text, not a PDF at all").unwrap();
    let report_pdf = testdata("pdfmaker__chelsea_pdta.pdf");
    let files = vec![
        report_pdf.clone(),
        testdata("word__GeoBase_NHNC1_Data_Model_UML_EN.pdf"),
        testdata("enc__r6-empty-password.pdf"),
        testdata("libreoffice__libreoffice-writer-password.pdf"),
        testdata("broken__poppler-395-0-fuzzed.pdf"),
        not_pdf,
    ];
    let report = ingest(&corpus, &files);
    let outcomes: Vec<&Outcome> = report.documents.iter().map(|d| &d.outcome).collect();
    assert!(
        matches!(outcomes[0], Outcome::Added { pages: 60.., .. }),
        "{outcomes:?}"
    );
    assert!(matches!(outcomes[1], Outcome::Added { .. }), "{outcomes:?}");
    assert!(
        matches!(outcomes[2], Outcome::Added { .. }),
        "empty password opens"
    );
    let reasons: Vec<String> = outcomes[3..]
        .iter()
        .map(|outcome| match outcome {
            Outcome::Failed { reason } => reason.clone(),
            other => panic!("expected a failure, got {other:?}"),
        })
        .collect();
    assert!(reasons[0].contains("password"), "{reasons:?}");
    assert!(!reasons[1].is_empty());
    assert!(reasons[2].contains("neither a PDF"), "{reasons:?}");
    assert_eq!(report.failed(), 3);

    // Searchable after the next index, with the page each word is on.
    casesearch::index_corpus(
        &corpus,
        &dir.path().join("index"),
        BuildMode::Incremental,
        &|_| {},
        &|_| {},
    )
    .unwrap();
    let engine = casesearch::open_engine(&dir.path().join("index")).unwrap();
    assert_eq!(engine.document_count(), records().len() as u64 + 3);
    let Outcome::Added { id, .. } = outcomes[0] else {
        unreachable!()
    };
    let reference =
        std::fs::read_to_string(testdata("pdfmaker__chelsea_pdta.pdftotext.txt")).unwrap();
    let words = page_unique_words(&reference);
    assert!(words.len() >= 20, "{}", words.len());
    let mut checked = 0;
    for (word, page) in words.iter().step_by(words.len() / 10) {
        let results = engine
            .search(&SearchRequest {
                query: word.clone(),
                per_page: 100,
                ..SearchRequest::default()
            })
            .unwrap();
        let hit = results
            .hits
            .iter()
            .find(|hit| &hit.id == id)
            .unwrap_or_else(|| panic!("{word} (p. {page}) not found"));
        assert_eq!(hit.snippets[0].section, format!("p. {page}"), "{word}");
        assert!(hit.snippets[0].html.contains("<mark>"), "{word}");
        checked += 1;
    }
    assert!(checked >= 10);

    // Again: nothing changes. A changed file at the same path replaces its record.
    let again = ingest(&corpus, &files[..3]);
    assert!(again
        .documents
        .iter()
        .all(|d| matches!(d.outcome, Outcome::Unchanged { .. })));
    let moving = dir.path().join("moving.pdf");
    std::fs::copy(testdata("tex__multicolumn.pdf"), &moving).unwrap();
    assert!(matches!(
        ingest(&corpus, std::slice::from_ref(&moving)).documents[0].outcome,
        Outcome::Added { .. }
    ));
    std::fs::copy(testdata("tex__crazyones.pdf"), &moving).unwrap();
    assert!(matches!(
        ingest(&corpus, std::slice::from_ref(&moving)).documents[0].outcome,
        Outcome::Replaced { .. }
    ));
    // The same bytes under another name are not stored twice.
    let copy = dir.path().join("copy-of-report.pdf");
    std::fs::copy(&report_pdf, &copy).unwrap();
    assert_eq!(
        ingest(&corpus, &[copy]).documents[0].outcome,
        Outcome::Duplicate { of: id.clone() }
    );
    let ingested = casesearch_ingest::Corpus::open(&corpus)
        .unwrap()
        .read_collection(documents::COLLECTION)
        .unwrap();
    assert_eq!(ingested.reviews.len(), 4);
    assert!(ingested.rejected.is_empty());
}

/// A listing page as partnerships publish them. Written for this test: no real listing
/// page is stored beside the repo. The PDF it links (twice) is a real one.
const LISTING: &str = r#"<!doctype html><html><head><title>Case reviews</title></head><body>
<nav><a href="/">Home</a></nav>
<main><h1>Published case reviews</h1>
<h2>Child Q: Local Child Safeguarding Practice Review</h2>
<p>Published March 2023. <a href="/files/child-q-overview.pdf">Overview report (PDF)</a></p>
<p><a href="/files/child-q-overview-copy.pdf">Download</a></p>
</main></body></html>"#;

/// Serves `listing` at `/case-reviews` and a real PDF at `/files/*`, crawls the site as
/// the one source `source` describes (TOML keys after `seeds`), and adds what the crawl
/// kept to a copy of the corpus in `dir`. Returns the site's address, the ingest report
/// and the records added.
async fn crawl_and_ingest(
    listing: &'static str,
    source: &str,
    dir: &Path,
) -> (
    String,
    documents::IngestReport,
    Vec<casesearch_model::Review>,
) {
    use axum::routing::get;
    let served = std::fs::read(testdata("word__issue15367.pdf")).unwrap();
    let app = axum::Router::new()
        .route(
            "/case-reviews",
            get(move || async move { axum::response::Html(listing) }),
        )
        .route(
            "/files/{name}",
            get(move || {
                let bytes = served.clone();
                async move { bytes }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sources = casesearch_crawl::Sources::from_toml(&format!(
        r#"
        [crawler]
        contact = "mailto:tests@example.org"
        delay_ms = 1

        [[source]]
        seeds = ["{base}/case-reviews"]
        allow_private_addresses = true
        {source}
        "#
    ))
    .unwrap();
    let store = casesearch_crawl::RawStore::open(&dir.join("raw")).unwrap();
    let options = casesearch_crawl::CrawlOptions::from_settings(&sources.crawler);
    let report = casesearch_crawl::crawl(&sources, &store, &options)
        .await
        .unwrap();
    assert!(!report.has_failures(), "{}", report.summary());

    let corpus = dir.join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let incoming = casesearch::crawled_documents(&store, &sources).unwrap();
    let added = documents::add_documents(
        &corpus,
        incoming,
        &casesearch_pdf::ExtractOptions::default(),
        &|_| {},
    )
    .unwrap();
    let records = casesearch_ingest::Corpus::open(&corpus)
        .unwrap()
        .read_collection(documents::COLLECTION)
        .unwrap()
        .reviews;
    (base, added, records)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawled_documents_become_records_with_the_sources_publisher_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let (base, added, records) = crawl_and_ingest(
        LISTING,
        r#"name = "Example Safeguarding Children Partnership"
        review_type = "local-child-safeguarding-practice-review""#,
        dir.path(),
    )
    .await;
    assert_eq!(added.documents.len(), 2, "both links were fetched");
    let mut outcomes: Vec<&Outcome> = added.documents.iter().map(|d| &d.outcome).collect();
    outcomes.sort_by_key(|outcome| matches!(outcome, Outcome::Duplicate { .. }));
    let Outcome::Added { id, .. } = outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(outcomes[1], &Outcome::Duplicate { of: id.clone() });

    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(
        record.publisher,
        "Example Safeguarding Children Partnership"
    );
    assert_eq!(
        record.review_type,
        casesearch_model::ReviewType::LocalChildSafeguardingPracticeReview
    );
    let url = record.url.as_deref().unwrap();
    assert!(
        url.starts_with(&format!("{base}/files/child-q-overview")),
        "{url}"
    );
    assert_eq!(record.sections[0].label, "p. 1");
    let reference = std::fs::read_to_string(testdata("word__issue15367.pdftotext.txt")).unwrap();
    let pages: Vec<Vec<&str>> = reference
        .split('\u{c}')
        .map(|page| page.split_whitespace().collect::<Vec<_>>())
        .filter(|words| !words.is_empty())
        .collect();
    let sections: Vec<Vec<&str>> = record
        .sections
        .iter()
        .map(|section| section.text.split_whitespace().collect())
        .collect();
    assert_eq!(sections, pages, "page by page, as poppler reads it");
}

/// A Scottish committee's listing page, as such pages are written: "SCR" there is a
/// Significant Case Review. Written for this test; the PDF it links is a real one that
/// names no review type, so the type can only come from the link's words.
const SCOTTISH_LISTING: &str = r#"<!doctype html><html><body><main>
<h1>Case reviews</h1>
<h2>Child D</h2>
<p>Published 14 June 2019</p>
<p><a href="/files/child-d.pdf">SCR Child D: overview report (PDF, 1MB)</a></p>
</main></body></html>"#;

/// The listing page's words are evidence for the same rules the document's text goes
/// through, not facts: "SCR" under a Scottish publisher is the Scottish review type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scottish_partnerships_scr_link_is_a_significant_case_review_not_an_english_one() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, records) = crawl_and_ingest(
        SCOTTISH_LISTING,
        r#"name = "Aberdeen City Child Protection Committee""#,
        dir.path(),
    )
    .await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.publisher, "Aberdeen City");
    assert_eq!(
        record.review_type,
        casesearch_model::ReviewType::SignificantCaseReview
    );
    let derived = &record.details.derived["type"];
    assert_eq!(derived.source, "listing page", "{derived:?}");
    assert!(derived.evidence.contains("SCR Child D"), "{derived:?}");
    assert!(derived.confidence < 1.0, "evidence, not a given fact");
    // The other fields the link's neighbourhood states are read by the same rules.
    assert_eq!(record.details.child.as_deref(), Some("Child D"));
    assert_eq!(record.date, chrono::NaiveDate::from_ymd_opt(2019, 6, 14));
}

/// Regression (issue 17): two `ingest` runs into one corpus both exited 0 and the
/// records file held only one run's documents. Now a second writer is refused while
/// the first holds the corpus, and nothing a successful run reported is lost.
#[test]
fn concurrent_ingests_never_lose_records_and_the_loser_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let pdfs: Vec<PathBuf> = std::fs::read_dir(testdata(""))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
        .filter(|path| !path.to_string_lossy().contains("broken__"))
        .collect();
    let (first, second) = pdfs.split_at(pdfs.len() / 2);
    let barrier = std::sync::Barrier::new(2);
    let run = |files: &[PathBuf]| {
        barrier.wait();
        let options = casesearch_pdf::ExtractOptions::default();
        let incoming = files.iter().map(|path| {
            documents::read_file(path, Hints::default(), options.max_bytes)
                .map_err(|reason| (path.display().to_string(), reason))
        });
        documents::add_documents(&corpus, incoming, &options, &|_| {})
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| run(first));
        let b = scope.spawn(|| run(second));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut refused = 0;
    for result in [a, b] {
        match result {
            Ok(report) => reported.extend(report.documents.iter().filter_map(|document| {
                match &document.outcome {
                    Outcome::Added { id, .. } => Some(id.clone()),
                    _ => None,
                }
            })),
            Err(err) => {
                assert!(
                    matches!(err, casesearch_ingest::IngestError::CorpusBusy(_)),
                    "{err}"
                );
                assert!(err.to_string().contains("run this again"), "{err}");
                refused += 1;
            }
        }
    }
    assert!(refused <= 1, "one of the two always gets in");
    let stored: BTreeSet<String> = casesearch_ingest::Corpus::open(&corpus)
        .unwrap()
        .read_collection("ingested")
        .unwrap()
        .reviews
        .into_iter()
        .map(|review| review.id)
        .collect();
    assert!(!reported.is_empty());
    assert_eq!(
        stored, reported,
        "every record a run reported adding is kept"
    );

    // While a writer holds the corpus, the CLI refuses too and writes nothing.
    let lock = casesearch_ingest::CorpusWriteLock::acquire(&corpus).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_casesearch"))
        .arg("--corpus")
        .arg(&corpus)
        .arg("ingest")
        .arg(&first[0])
        .output()
        .unwrap();
    drop(lock);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another ingest or import is writing to this corpus"),
        "{stderr}"
    );
}

/// Regression (issue 17): lopdf's own ERROR lines ("Object load error at offset …")
/// leaked to stderr around the document's report.
#[test]
fn lopdf_log_lines_stay_out_of_the_commands_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes =
        std::fs::read(testdata("libreoffice__002-trivial-libre-office-writer.pdf")).unwrap();
    let at = bytes
        .windows(7)
        .position(|window| window == b"2 0 obj")
        .unwrap();
    bytes[at..at + 7].copy_from_slice(b"2 0 ob!");
    let damaged = dir.path().join("damaged.pdf");
    std::fs::write(&damaged, &bytes).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_casesearch"))
        .arg("--corpus")
        .arg(corpus_dir())
        .arg("extract")
        .arg(&damaged)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("lopdf"), "{stderr}");
    assert!(!stderr.contains("Object load error"), "{stderr}");
}

/// A one-page PDF whose page content is the stream `data` with `filter` entries, its
/// cross-reference table right; `cut` keeps only that many bytes (a truncated file).
fn one_page_pdf(filter: &str, data: &[u8], cut: Option<usize>) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< {filter} /Length {} >>\nstream\n", data.len()).into_bytes(),
            data.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    for (number, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", number + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    if let Some(cut) = cut {
        pdf.truncate(cut);
    }
    pdf
}

/// Regression (issue 17): a capped Flate bomb, a stream whose data does not
/// decompress (a wrong /Length, a cut) and a truncated file were all reported as "no
/// text layer (needs OCR)". Each now gets its own reason, and a real scan keeps OCR's.
#[test]
fn damaged_pdfs_are_reported_as_damaged_not_as_needing_ocr() {
    use std::io::Write;
    let mut bomb = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..65 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap();
    let mut garbage = vec![0x78, 0x9c];
    garbage.extend((0..400u32).map(|i| (i * 7919 % 251) as u8));
    let intact = one_page_pdf("", b"q 0 0 612 792 re f Q", None);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bomb",
            one_page_pdf("/Filter /FlateDecode", &bomb, None),
            "inflates past the 64 MiB limit",
        ),
        (
            "garbage",
            one_page_pdf("/Filter /FlateDecode", &garbage, None),
            "does not decompress",
        ),
        (
            "truncated",
            one_page_pdf("/Filter /FlateDecode", &garbage, Some(intact.len() / 2)),
            "",
        ),
        ("scan", intact, "needs OCR"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    for (name, bytes, reason) in cases {
        let path = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).unwrap();
        let report = ingest(&corpus, &[path]);
        let Outcome::Failed { reason: said } = &report.documents[0].outcome else {
            panic!("{name}: {:?}", report.documents[0].outcome);
        };
        assert!(said.contains(reason), "{name}: {said}");
        if name != "scan" {
            assert!(
                !said.contains("OCR"),
                "{name} is damaged, not a scan: {said}"
            );
        }
        assert!(
            report
                .summary()
                .contains("0 pages of the added documents need OCR"),
            "{}",
            report.summary()
        );
    }
}

/// Says every page reads "Scanned words about the fieldfare", so the pipeline
/// can be checked without Tesseract (the pdf crate's tests run the real one).
struct StandInOcr;

impl casesearch_pdf::OcrEngine for StandInOcr {
    fn recognise(
        &self,
        _image: &casesearch_pdf::PageImage,
        _timeout: std::time::Duration,
    ) -> Result<String, casesearch_pdf::OcrError> {
        Ok("Scanned words about the fieldfare\n".into())
    }

    fn describe(&self) -> String {
        "stand-in OCR".into()
    }
}

#[test]
fn scanned_pages_are_ocr_text_in_the_record_and_in_hits_or_listed_as_needing_ocr() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let scan = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ocr/crazyones-scanned.pdf");
    let options = casesearch_pdf::ExtractOptions::default();
    let incoming = || {
        std::iter::once(
            documents::read_file(&scan, Hints::default(), options.max_bytes)
                .map_err(|reason| (scan.display().to_string(), reason)),
        )
    };

    // Without an OCR engine: the document has no text and says its pages need OCR.
    let report = documents::add_documents(&corpus, incoming(), &options, &|_| {}).unwrap();
    let Outcome::Failed { reason } = &report.documents[0].outcome else {
        panic!("{report:?}")
    };
    assert!(reason.contains("1 need OCR"), "{reason}");

    let ocr = documents::Ocr {
        engine: Box::new(StandInOcr),
        renderer: None,
        options: casesearch_pdf::OcrOptions::default(),
    };
    let report =
        documents::add_documents_with_ocr(&corpus, incoming(), &options, Some(&ocr), &|_| {})
            .unwrap();
    let Outcome::Added {
        id, ocr, needs_ocr, ..
    } = &report.documents[0].outcome
    else {
        panic!("{report:?}")
    };
    assert_eq!((*ocr, *needs_ocr), (1, 0));
    let records = casesearch_ingest::Corpus::open(&corpus)
        .unwrap()
        .read_collection(documents::COLLECTION)
        .unwrap()
        .reviews;
    let review = records.iter().find(|r| &r.id == id).unwrap();
    assert_eq!(review.sections[0].label, documents::ocr_page_label(1));
    assert_eq!(
        review.metadata.get("pages_ocr").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        review.metadata.get("ocr_engine").map(String::as_str),
        Some("stand-in OCR")
    );

    casesearch::index_corpus(
        &corpus,
        &dir.path().join("index"),
        BuildMode::Incremental,
        &|_| {},
        &|_| {},
    )
    .unwrap();
    let engine = casesearch::open_engine(&dir.path().join("index")).unwrap();
    let results = engine
        .search(&SearchRequest {
            query: "fieldfare".into(),
            ..SearchRequest::default()
        })
        .unwrap();
    let hit = results.hits.iter().find(|hit| &hit.id == id).unwrap();
    assert_eq!(hit.snippets[0].section, "p. 1 (OCR)");
}
