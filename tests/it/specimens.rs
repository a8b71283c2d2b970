//! Catalogue fields derived from the specimen case reviews (`tests/specimens`:
//! fictional reviews written for these tests and exported to PDF by LibreOffice; see
//! their SOURCES.md) against the values `expected.toml` records for each. Prints the
//! per-field accuracy table and fails if any field falls below its floor.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use casesearch_ingest::documents::{self, FileFormat, Hints, IncomingDocument};
use casesearch_ingest::RegionTable;
use serde::Deserialize;

use super::fixture::*;

pub fn specimens_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specimens")
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub review: Vec<ExpectedReview>,
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
    let text = std::fs::read_to_string(specimens_dir().join("expected.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The lowest share of specimens each field must get right. Measured at 1.0 for every
/// field when this test was written; a rule change that loses one fails here.
const FLOORS: [(&str, f64); 10] = [
    ("review_type", 1.0),
    ("document_kind", 1.0),
    ("publisher", 1.0),
    ("nation", 1.0),
    ("region", 1.0),
    ("published", 1.0),
    ("year", 1.0),
    ("incident_year", 1.0),
    ("child", 1.0),
    ("age_band", 1.0),
];

#[test]
fn every_field_is_derived_from_the_specimens_as_expected() {
    let regions = RegionTable::load(&corpus_dir().join("regions.csv")).unwrap();
    let options = casesearch_pdf::ExtractOptions::default();
    let mut right: BTreeMap<&str, usize> = BTreeMap::new();
    let mut misses = Vec::new();
    let expected = expected();
    for specimen in &expected.review {
        let path = specimens_dir().join("pdf").join(&specimen.file);
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
    let total = expected.review.len();
    println!("field | right | accuracy");
    let mut below = Vec::new();
    for (field, floor) in FLOORS {
        let got = right.get(field).copied().unwrap_or(0);
        let accuracy = got as f64 / total as f64;
        println!("{field} | {got}/{total} | {accuracy:.2}");
        if accuracy < floor {
            below.push(format!("{field} {accuracy:.2} < {floor}"));
        }
    }
    assert!(
        below.is_empty(),
        "fields below their floor: {below:?}\n{}",
        misses.join("\n")
    );
}
