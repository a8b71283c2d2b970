//! Importer for coroners' Prevention of Future Deaths reports, as collected by the PFD
//! Toolkit project (one JSON object per line: `id`, `url`, `date`, `coroner`, `area`,
//! `receiver`, `investigation`, `circumstances`, `concerns`).
//!
//! Each report becomes a [`Review`] of type "Prevention of Future Deaths report",
//! published by its coroner area (canonical name from the regions table), with the three
//! report sections as its sections. Titles follow the case-review convention of naming
//! no one ("PFD report 2023-0452 — Suffolk"); the text stays as published.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use casesearch_cataloguing::RegionTable;
use casesearch_model::{Review, ReviewType, Section};
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::IngestError;

/// Record id prefix for this collection.
pub const ID_PREFIX: &str = "pfd-";

#[derive(Debug, Deserialize)]
struct PfdReport {
    id: String,
    url: Option<String>,
    date: Option<String>,
    coroner: Option<String>,
    area: Option<String>,
    receiver: Option<String>,
    #[serde(default)]
    investigation: Option<String>,
    #[serde(default)]
    circumstances: Option<String>,
    #[serde(default)]
    concerns: Option<String>,
}

/// The reports that converted, and one error per line that did not.
#[derive(Debug, Default)]
pub struct PfdImport {
    pub reviews: Vec<Review>,
    pub rejected: Vec<IngestError>,
}

/// Reads a PFD Toolkit JSON Lines file. A bad line is reported and skipped.
pub fn import_pfd_reports(path: &Path, regions: &RegionTable) -> Result<PfdImport, IngestError> {
    let read_error = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut import = PfdImport::default();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(read_error)?;
        if line.trim().is_empty() {
            continue;
        }
        let converted = serde_json::from_str::<PfdReport>(&line)
            .map_err(|err| err.to_string())
            .and_then(|report| review_from_pfd_report(report, regions));
        match converted {
            Ok(review) => import.reviews.push(review),
            Err(message) => import.rejected.push(IngestError::InvalidRecord {
                path: path.to_path_buf(),
                line: index + 1,
                message,
            }),
        }
    }
    disambiguate_repeated_ids(&mut import.reviews);
    import.reviews.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(import)
}

fn review_from_pfd_report(report: PfdReport, regions: &RegionTable) -> Result<Review, String> {
    let reference = report.id.trim();
    let well_formed = reference
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !well_formed {
        return Err(format!(
            "report id {:?} is not a judiciary reference",
            report.id
        ));
    }
    let url = non_empty(report.url);
    // Some published reports carry no reference number; their URL is unique, but it
    // holds the deceased's name, so the id is a digest of it rather than the slug.
    let (id, title_reference) = match (reference.is_empty(), &url) {
        (false, _) => (format!("{ID_PREFIX}{reference}"), reference.to_owned()),
        (true, Some(url)) => {
            let digest = format!("{:x}", Sha256::digest(url.as_bytes()));
            (
                format!("{ID_PREFIX}u{}", &digest[..10]),
                "(unnumbered)".to_owned(),
            )
        }
        (true, None) => return Err("report has neither a reference nor a URL".to_owned()),
    };
    let area = non_empty(report.area).ok_or("report has no coroner area")?;
    let publisher = regions.canonical_publisher(&area);
    let date = match non_empty(report.date) {
        Some(text) => Some(
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|err| format!("date {text:?}: {err}"))?,
        ),
        None => None,
    };
    let sections = [
        ("Investigation", report.investigation),
        ("Circumstances", report.circumstances),
        ("Concerns", report.concerns),
    ]
    .into_iter()
    .filter_map(|(label, text)| {
        non_empty(text).map(|text| Section {
            label: label.to_owned(),
            text,
        })
    })
    .collect();
    let mut metadata = BTreeMap::new();
    if let Some(coroner) = non_empty(report.coroner) {
        metadata.insert("Coroner".to_owned(), coroner);
    }
    if let Some(receiver) = non_empty(report.receiver) {
        metadata.insert("Sent to".to_owned(), receiver);
    }
    if area != publisher {
        metadata.insert("Coroner area as published".to_owned(), area);
    }
    Ok(Review {
        id,
        title: format!("PFD report {title_reference} — {publisher}"),
        review_type: ReviewType::PreventionOfFutureDeaths,
        publisher,
        date,
        url,
        sections,
        metadata,
        details: Default::default(),
    })
}

/// The judiciary occasionally reuses a reference for two reports (two recipients, two
/// pages). Both are kept: later ones, in file order, get `-2`, `-3` … appended.
fn disambiguate_repeated_ids(reviews: &mut [Review]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for review in reviews.iter_mut() {
        let count = seen.entry(review.id.clone()).or_default();
        *count += 1;
        if *count > 1 {
            review.id = format!("{}-{count}", review.id);
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> RegionTable {
        RegionTable::parse(
            "publisher,kind,nation,region,aliases,authorities\nLondon Inner North,coroner_area,England,London,Inner North London,\n",
        )
        .unwrap()
    }

    fn import(lines: &str) -> PfdImport {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports.jsonl");
        std::fs::write(&path, lines).unwrap();
        import_pfd_reports(&path, &regions()).unwrap()
    }

    #[test]
    fn report_becomes_a_review_with_a_title_that_names_no_one() {
        let line = r#"{"id": "2019-0001", "url": "https://www.judiciary.uk/prevention-of-future-death-reports/jane-doe/", "date": "2019-02-03", "coroner": "M. Coroner", "area": "Inner North London", "receiver": "NHS England", "investigation": "", "circumstances": "Jane Doe died.", "concerns": "Records were not shared."}"#;
        let imported = import(line);
        assert!(imported.rejected.is_empty());
        let review = &imported.reviews[0];
        assert_eq!(review.id, "pfd-2019-0001");
        assert_eq!(review.title, "PFD report 2019-0001 — London Inner North");
        assert_eq!(review.publisher, "London Inner North");
        assert_eq!(review.year(), Some(2019));
        let labels: Vec<&str> = review.sections.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Circumstances", "Concerns"],
            "empty sections are dropped"
        );
        assert_eq!(
            review.metadata["Coroner area as published"],
            "Inner North London"
        );
        assert_eq!(review.metadata["Sent to"], "NHS England");
    }

    #[test]
    fn unnumbered_and_repeated_references_get_distinct_ids_without_names() {
        let unnumbered =
            r#"{"id": "", "url": "https://www.judiciary.uk/pfd/jane-doe/", "area": "X"}"#;
        let repeated = r#"{"id": "2015-0389", "url": "https://a/", "area": "X"}"#;
        let imported = import(&format!("{unnumbered}\n{repeated}\n{repeated}\n"));
        let ids: Vec<&str> = imported.reviews.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 3);
        assert!(
            ids.contains(&"pfd-2015-0389") && ids.contains(&"pfd-2015-0389-2"),
            "{ids:?}"
        );
        let unnumbered = imported
            .reviews
            .iter()
            .find(|r| r.title.contains("unnumbered"))
            .unwrap();
        assert!(unnumbered.id.starts_with("pfd-u") && !unnumbered.id.contains("jane"));
        assert!(!unnumbered.title.contains("Jane"));
    }

    #[test]
    fn bad_lines_are_reported_by_line_and_do_not_stop_the_import() {
        let good = r#"{"id": "2020-0002", "area": "Somewhere", "date": "2020-01-01"}"#;
        let bad_date = r#"{"id": "2020-0003", "area": "Somewhere", "date": "01/01/2020"}"#;
        let bad_id = r#"{"id": "../etc", "area": "Somewhere"}"#;
        let imported = import(&format!("{good}\n{{broken\n{bad_date}\n{bad_id}\n"));
        assert_eq!(imported.reviews.len(), 1);
        assert_eq!(imported.reviews[0].id, "pfd-2020-0002");
        let messages: Vec<String> = imported.rejected.iter().map(|e| e.to_string()).collect();
        assert!(messages[0].contains("line 2"), "{messages:?}");
        assert!(messages[1].contains("line 3") && messages[1].contains("01/01/2020"));
        assert!(
            messages[2].contains("line 4") && messages[2].contains("not a judiciary reference")
        );
    }
}
