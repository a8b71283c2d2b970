//! Catalogue fields derived from the specimen case reviews (`tests/specimens`:
//! fictional reviews written for these tests and exported to PDF by LibreOffice; see
//! their SOURCES.md) against the values `expected.toml` records for each. Prints the
//! per-field accuracy table and fails if any field falls below its floor.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use casesearch_cataloguing::RegionTable;
use casesearch_index::Engine;
use casesearch_ingest::documents::{self, FileFormat, Hints, IncomingDocument};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt;

use super::fixture::*;

pub fn specimens_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specimens")
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub review: Vec<ExpectedReview>,
    #[serde(default)]
    pub catalogue: Vec<ExpectedCatalogue>,
}

#[derive(Debug, Deserialize)]
pub struct ExpectedReview {
    pub file: String,
    pub review_type: String,
    pub document_kind: String,
    pub publisher: String,
    pub nation: String,
    pub region: Option<String>,
    pub published: Option<String>,
    pub incident_year: Option<i32>,
    pub child: Option<String>,
    pub age_band: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ExpectedCatalogue {
    pub heading: String,
    pub year: i32,
    pub publisher: String,
    pub nation: String,
    pub child: Option<String>,
    pub availability: String,
    pub review_type: String,
}

pub fn expected() -> Expected {
    expected_in(&specimens_dir())
}

fn expected_in(dir: &Path) -> Expected {
    let text = std::fs::read_to_string(dir.join("expected.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The fields checked, in the order of the accuracy table.
const FIELDS: [&str; 10] = [
    "review_type",
    "document_kind",
    "publisher",
    "nation",
    "region",
    "published",
    "year",
    "incident_year",
    "child",
    "age_band",
];

/// How many of the specimens in `dir` (its `pdf/` and `expected.toml`) get each field
/// right, and what the others got wrong. A field the document does not state must
/// stay empty to count as right.
fn field_accuracy(dir: &Path) -> (usize, BTreeMap<&'static str, usize>, Vec<String>) {
    let regions = RegionTable::load(&corpus_dir().join("regions.csv")).unwrap();
    let options = casesearch_pdf::ExtractOptions::default();
    let mut right: BTreeMap<&str, usize> = BTreeMap::new();
    let mut misses = Vec::new();
    let expected = expected_in(dir);
    for specimen in &expected.review {
        let path = dir.join("pdf").join(&specimen.file);
        let document = IncomingDocument {
            key: path.display().to_string(),
            bytes: std::fs::read(&path).unwrap(),
            kind: FileFormat::Pdf,
            hints: Hints::default(),
        };
        let review = documents::record_for(&document, &options, &regions).unwrap();
        let place = regions.place(&review.publisher);
        let details = &review.details;
        let derived = |field: &str| details.derived.get(field).map(|d| d.value.clone());
        let checks: [(&str, Option<String>, Option<String>); 10] = [
            (
                "review_type",
                Some(specimen.review_type.clone()),
                Some(review.review_type.slug().to_owned()),
            ),
            (
                "document_kind",
                Some(specimen.document_kind.clone()),
                details.document_kind.map(|kind| kind.slug().to_owned()),
            ),
            (
                "publisher",
                Some(specimen.publisher.clone()),
                Some(review.publisher.clone()),
            ),
            (
                "nation",
                Some(specimen.nation.clone()),
                Some(place.nation.clone()),
            ),
            ("region", specimen.region.clone(), place.region.clone()),
            ("published", specimen.published.clone(), derived("date")),
            (
                "year",
                specimen.published.as_ref().map(|p| p[..4].to_owned()),
                review.year().map(|year| year.to_string()),
            ),
            (
                "incident_year",
                specimen.incident_year.map(|year| year.to_string()),
                details.incident_year.map(|year| year.to_string()),
            ),
            ("child", specimen.child.clone(), details.child.clone()),
            (
                "age_band",
                specimen.age_band.clone(),
                details.age_band.map(|band| band.slug().to_owned()),
            ),
        ];
        for (field, want, got) in checks {
            if want == got {
                *right.entry(field).or_default() += 1;
            } else {
                misses.push(format!(
                    "{}: {field} expected {want:?}, derived {got:?} ({:?})",
                    specimen.file,
                    details.derived.get(field)
                ));
            }
        }
    }
    (expected.review.len(), right, misses)
}

/// Prints the accuracy table and fails if a field is below its floor.
fn check_floors(dir: &Path, floors: [f64; 10]) {
    let (total, right, misses) = field_accuracy(dir);
    println!("field | right | accuracy");
    let mut below = Vec::new();
    for (field, floor) in FIELDS.into_iter().zip(floors) {
        let got = right.get(field).copied().unwrap_or(0);
        let accuracy = got as f64 / total as f64;
        println!("{field} | {got}/{total} | {accuracy:.2}");
        if accuracy < floor {
            below.push(format!("{field} {accuracy:.2} < {floor}"));
        }
    }
    println!("{}", misses.join("\n"));
    assert!(
        below.is_empty(),
        "fields below their floor: {below:?}\n{}",
        misses.join("\n")
    );
}

/// The rules were written against these specimens: every field must stay right.
#[test]
fn every_field_is_derived_from_the_specimens_as_expected() {
    check_floors(&specimens_dir(), [1.0; 10]);
}

/// A corpus of the bundled themes and regions with no documents yet, for the
/// specimens and the catalogue.
fn empty_corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for file in ["themes.toml", "regions.csv"] {
        std::fs::copy(corpus_dir().join(file), corpus.join(file)).unwrap();
    }
    std::fs::write(
        corpus.join("manifest.toml"),
        "format = 1\nthemes = \"themes.toml\"\nregions = \"regions.csv\"\n",
    )
    .unwrap();
    corpus
}

fn ingest_specimens(corpus: &Path) {
    let options = casesearch_pdf::ExtractOptions::default();
    let files = documents::pdf_files(&[specimens_dir().join("pdf")]).unwrap();
    let incoming = files.iter().map(|path| {
        documents::read_file(path, Hints::default(), options.max_bytes)
            .map_err(|reason| (path.display().to_string(), reason))
    });
    let report = documents::add_documents(corpus, incoming, &options, &|_| {}).unwrap();
    assert_eq!(report.failed(), 0, "{}", report.summary());
}

async fn get(engine: &Arc<Engine>, uri: &str) -> Value {
    let app = casesearch_server::app(casesearch_server::AppState::new(engine.clone()));
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

fn build(corpus: &Path, index: &Path) -> (casesearch::BuildSummary, Arc<Engine>) {
    let summary = casesearch::rebuild_index(corpus, index, &|_| {}, &|_| {}).unwrap();
    (summary, Arc::new(casesearch::open_engine(index).unwrap()))
}

/// How many specimens `expected.toml` gives each value of a field.
fn expected_counts(values: impl Iterator<Item = Option<String>>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for value in values.flatten() {
        *counts.entry(value).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn ingested_specimens_are_facetted_by_their_derived_fields() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = empty_corpus(dir.path());
    ingest_specimens(&corpus);
    let (_, engine) = build(&corpus, &dir.path().join("index"));
    let expected = expected();
    let json = get(&engine, "/api/search?per_page=100").await;
    assert_eq!(total(&json), expected.review.len() as u64);

    let facet_counts = |name: &str| -> BTreeMap<String, u64> {
        facet(&json, name)
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .collect()
    };
    let types = expected_counts(expected.review.iter().map(|r| Some(r.review_type.clone())));
    assert_eq!(facet_counts("type"), types);
    let bands = expected_counts(expected.review.iter().map(|r| r.age_band.clone()));
    assert_eq!(facet_counts("age_band"), bands);
    let years = expected_counts(
        expected
            .review
            .iter()
            .map(|r| r.published.as_ref().map(|p| p[..4].to_owned())),
    );
    assert_eq!(facet_counts("year"), years);
    let nations = expected_counts(expected.review.iter().map(|r| Some(r.nation.clone())));
    let region_nations: BTreeMap<String, u64> = json["facets"]["region"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|value| value["depth"] == 0 && value["count"].as_u64() > Some(0))
        .map(|value| {
            (
                value["value"].as_str().unwrap().to_owned(),
                value["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(region_nations, nations);

    // A filter selects exactly the specimens with that value, and each hit reads as
    // practitioners cite it.
    let welsh = get(
        &engine,
        "/api/search?region=Wales&type=child-practice-review",
    )
    .await;
    let want: Vec<&str> = expected
        .review
        .iter()
        .filter(|r| r.nation == "Wales" && r.review_type == "child-practice-review")
        .map(|r| r.child.as_deref().unwrap())
        .collect();
    let mut got: Vec<&str> = welsh["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["child"].as_str().unwrap())
        .collect();
    got.sort();
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
    let child_q = get(&engine, "/api/search?q=%22Child+Q%22&age_band=11-15").await;
    let hit = &child_q["hits"][0];
    assert_eq!(
        hit["heading"],
        "2023 – Cambridgeshire and Peterborough – Child Q (Local Child Safeguarding Practice Review)"
    );
    assert_eq!(hit["date"], "2023-06");
    assert_eq!(hit["metadata_only"], false);
    // Either authority finds a multi-authority partnership's reviews.
    let by_authority = get(&engine, "/api/search?q=publisher:peterborough").await;
    assert!(by_authority["hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|hit| hit["child"] == "Child Q"));
}

#[test]
fn the_catalogue_imports_alike_from_csv_and_json_lines_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let from_csv = empty_corpus(&dir.path().join("csv"));
    let from_jsonl = empty_corpus(&dir.path().join("jsonl"));
    let import = casesearch_ingest::catalogue_file::import_catalogue;
    let csv = import(&from_csv, &specimens_dir().join("catalogue.csv")).unwrap();
    let jsonl = import(&from_jsonl, &specimens_dir().join("catalogue.jsonl")).unwrap();
    let expected = expected();
    assert_eq!(csv.added, expected.catalogue.len(), "{csv:?}");
    assert!(csv.rejected.is_empty() && jsonl.rejected.is_empty());
    let read = |corpus: &Path| {
        casesearch_ingest::Corpus::open(corpus)
            .unwrap()
            .read_reviews()
            .unwrap()
            .reviews
    };
    let records = read(&from_csv);
    assert_eq!(records, read(&from_jsonl));
    let regions = RegionTable::load(&corpus_dir().join("regions.csv")).unwrap();
    for want in &expected.catalogue {
        let record = records
            .iter()
            .find(|r| r.metadata.get("catalogue heading") == Some(&want.heading))
            .unwrap_or_else(|| panic!("no record for {}", want.heading));
        let got = (
            record.year(),
            record.publisher.as_str(),
            regions.place(&record.publisher).nation,
            record.details.child.as_deref(),
            record.details.availability.slug(),
            record.review_type.slug(),
            record.details.metadata_only,
        );
        let wanted = (
            Some(want.year),
            want.publisher.as_str(),
            want.nation.clone(),
            want.child.as_deref(),
            want.availability.as_str(),
            want.review_type.as_str(),
            true,
        );
        assert_eq!(got, wanted, "{}", want.heading);
    }
    // The age band is read from the summary where it states the subject's age
    // ("Death of a 4-year-old boy"), and not from a family's range of ages.
    let band_of = |heading: &str| {
        records
            .iter()
            .find(|r| r.metadata.get("catalogue heading").map(String::as_str) == Some(heading))
            .and_then(|r| r.details.age_band)
            .map(|band| band.slug())
    };
    assert_eq!(band_of("2013 – Lancashire – Child F"), Some("1-4"));
    assert_eq!(
        band_of("2023 – Cambridgeshire and Peterborough – Child Q"),
        Some("11-15")
    );
    assert_eq!(band_of("2012 – Wirral – Family B"), None);
    // Importing again changes nothing; a broken line is reported by number and skipped.
    let again = import(&from_csv, &specimens_dir().join("catalogue.csv")).unwrap();
    assert_eq!(again.unchanged, expected.catalogue.len());
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"heading\": \"2020 – Kent – Child X\", \"status\": \"lost\"}\nnot json\n{\"heading\": \"2021 – Kent – Child Y\"}\n",
    )
    .unwrap();
    let partial = import(&from_csv, &bad).unwrap();
    assert_eq!(partial.added, 1);
    assert_eq!(partial.rejected.len(), 2, "{:?}", partial.rejected);
    assert!(partial.rejected[0].starts_with("line 1: unknown status \"lost\""));
    assert!(partial.rejected[1].starts_with("line 2: "));
}

#[tokio::test]
async fn catalogue_records_are_searchable_facetted_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = empty_corpus(dir.path());
    ingest_specimens(&corpus);
    casesearch_ingest::catalogue_file::import_catalogue(
        &corpus,
        &specimens_dir().join("catalogue.jsonl"),
    )
    .unwrap();
    let (summary, engine) = build(&corpus, &dir.path().join("index"));
    let expected = expected();
    // A catalogue entry for a specimen we hold in full (same publisher and child, a
    // year apart at most) is folded into it; the rest stay catalogue records.
    let twin_of = |entry: &ExpectedCatalogue| {
        expected.review.iter().find(|review| {
            let year: i32 = review.published.as_deref().unwrap_or("0")[..4]
                .parse()
                .unwrap();
            review.publisher == entry.publisher
                && review.child == entry.child
                && (year - entry.year).abs() <= 1
        })
    };
    let twins = expected
        .catalogue
        .iter()
        .filter(|c| twin_of(c).is_some())
        .count();
    assert!(twins >= 3, "the specimen catalogue overlaps the PDFs");
    assert_eq!(summary.catalogue_folded.len(), twins);
    let json = get(&engine, "/api/search?per_page=100").await;
    assert_eq!(
        total(&json),
        (expected.review.len() + expected.catalogue.len() - twins) as u64
    );
    // Availability: each catalogue entry's status counts once, on its catalogue record
    // or on the full text it was folded into; the other full texts are published.
    let mut want = expected_counts(
        expected
            .catalogue
            .iter()
            .map(|c| Some(c.availability.clone())),
    );
    *want.entry("published".into()).or_default() += (expected.review.len() - twins) as u64;
    let got: BTreeMap<String, u64> = facet(&json, "availability").into_iter().collect();
    assert_eq!(got, want);
    let withdrawn = get(&engine, "/api/search?availability=withdrawn&per_page=100").await;
    let withdrawn_entries: Vec<&ExpectedCatalogue> = expected
        .catalogue
        .iter()
        .filter(|c| c.availability == "withdrawn")
        .collect();
    assert_eq!(total(&withdrawn), withdrawn_entries.len() as u64);
    for hit in withdrawn["hits"].as_array().unwrap() {
        assert_eq!(hit["availability"], "withdrawn");
        // A withdrawn review we hold in full is searchable in full, still marked.
        let entry = withdrawn_entries
            .iter()
            .find(|c| hit["child"].as_str() == c.child.as_deref())
            .unwrap();
        assert_eq!(hit["metadata_only"], twin_of(entry).is_none(), "{hit}");
    }
    // Catalogue-only records are searchable on their catalogue text and marked in the
    // HTML results; a withdrawn review held in full is marked too.
    let sefton = get(&engine, "/api/search?q=%22Family+W%22").await;
    assert_eq!(sefton["hits"][0]["metadata_only"], true);
    let page = |uri: &'static str| {
        let app = casesearch_server::app(casesearch_server::AppState::new(engine.clone()));
        async move {
            let response = app
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            String::from_utf8(bytes.to_vec()).unwrap()
        }
    };
    let catalogue_only = page("/?q=%22Family+W%22").await;
    assert!(
        catalogue_only.contains("Catalogue record only — Withdrawn"),
        "{catalogue_only}"
    );
    let kept_copy = page("/?q=%22Graded+Care+Profile%22").await;
    assert!(kept_copy.contains("Family B"), "{kept_copy}");
    assert!(
        kept_copy.contains("Withdrawn: the publisher no longer offers this review"),
        "{kept_copy}"
    );
}

#[tokio::test]
async fn overrides_survive_reingesting_and_rebuilding() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = empty_corpus(dir.path());
    ingest_specimens(&corpus);
    let index = dir.path().join("index");
    let (_, engine) = build(&corpus, &index);
    let before = get(&engine, "/api/search?q=%22Child+F%22").await;
    let id = before["hits"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(before["hits"][0]["age_band"], "1-4");
    std::fs::write(
        corpus.join("overrides.toml"),
        format!(
            "[{id}]\nage_band = \"5-10\"\ndate = \"2013-10-01\"\nnote = \"checked with the board\"\n\
             themes_add = [\"gypsy-roma-traveller\"]\nthemes_remove = [\"physical-abuse\"]\n\
             [doc-no-such-record]\nchild = \"Child Z\"\n"
        ),
    )
    .unwrap();
    let check = |json: &Value| {
        let hit = &json["hits"][0];
        assert_eq!(hit["id"], id.as_str());
        assert_eq!(hit["age_band"], "5-10");
        assert_eq!(hit["date"], "2013-10-01");
    };
    // The index notices the edit (the corpus fingerprint covers the file) …
    assert!(casesearch::index_staleness(&corpus, &index)
        .unwrap()
        .is_some());
    let (summary, engine) = build(&corpus, &index);
    assert_eq!(summary.overridden, 1);
    assert_eq!(summary.overrides_unmatched, ["doc-no-such-record"]);
    check(&get(&engine, "/api/search?q=%22Child+F%22&age_band=5-10").await);
    // … and re-ingesting the documents, which rewrites their records, keeps it.
    std::fs::write(corpus.join("ingested/records.jsonl"), "").unwrap();
    ingest_specimens(&corpus);
    let (_, engine) = build(&corpus, &index);
    let after = get(&engine, "/api/search?q=%22Child+F%22").await;
    check(&after);
    let document = get(&engine, &format!("/api/documents/{id}")).await;
    assert_eq!(
        document["review"]["details"]["derived"]["age_band"]["source"],
        "overrides file"
    );
    // The librarian's theme corrections hold through the rebuild, with the note.
    let themes = document["themes"].as_array().unwrap();
    let added = themes
        .iter()
        .find(|tag| tag["id"] == "gypsy-roma-traveller")
        .unwrap_or_else(|| panic!("{themes:?}"));
    assert_eq!(added["librarian_note"], "checked with the board");
    assert!(
        themes.iter().all(|tag| tag["id"] != "physical-abuse"),
        "{themes:?}"
    );
    let filtered = get(
        &engine,
        "/api/search?q=%22Child+F%22&theme=gypsy-roma-traveller",
    )
    .await;
    assert_eq!(filtered["hits"][0]["id"], id.as_str());
}

/// Specimens written by someone who never saw the rules (`tests/specimens/holdout`).
/// Their first run, before any rule had met them, measured every field at 6/6 except
/// incident year (3/6) and age band (5/6); the misses showed three general faults
/// (a father's death outvoting the child's incident, "first period of lockdown" read as
/// a review period, "three and a half months old" read as three years), fixed since.
/// So this set is no longer unseen; the floors pin what it measures now.
#[test]
fn held_out_specimens_keep_their_measured_accuracy() {
    check_floors(&specimens_dir().join("holdout"), [1.0; 10]);
}

/// A second held-out set (`tests/specimens/holdout2`), written without sight of the
/// rules or of the first set. Its first run is the unbiased figure: type, nation, year
/// and child 8/8; document kind, publisher, region and publication date 7/8; incident
/// year and age band 6/8 (72 of 80 fields). The misses showed general faults, fixed
/// since: a coroner-area row whose aliases name the partnership was skipped, "Version
/// 4: March 2021" read as 4 March, "Baby 1"–"Baby 6" not seen as a thematic review's
/// cases, a grandfather's death outvoting the incident, "had just turned 11" missed.
/// The floors pin what it measures now.
#[test]
fn second_held_out_set_keeps_its_measured_accuracy() {
    check_floors(&specimens_dir().join("holdout2"), [1.0; 10]);
}
