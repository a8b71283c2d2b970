//! Metadata-only records from a catalogue file. The national collection keeps a
//! catalogue record after a review's PDF is withdrawn or its link removed, and lists
//! reviews that were delayed or never published: a heading ("YEAR – PARTNERSHIP –
//! CHILD"), a summary, learning, recommendations, keywords, a link and a status.
//!
//! `casesearch import-catalogue FILE` reads JSON Lines (one object per line) or CSV
//! (a header row) with those fields, `published` (a date or year) and `review_type`
//! (the catalogue's words), and adds the records to the corpus's `catalogue`
//! collection. Their sections are the catalogue's own text, so they are searchable
//! and facetted like the rest and marked as catalogue records in results. A bad line
//! is reported with its number and skipped; the rest are imported.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use casesearch_cataloguing::derive::{age_band_in, parse_date_words, review_type_in_words};
use casesearch_cataloguing::RegionTable;
use casesearch_model::{
    Availability, Derivation, Review, ReviewDetails, ReviewType, Section, Slug,
};
use serde::Deserialize;

use crate::corpus::{ensure_collection, write_records, Collection, Corpus, CorpusWriteLock};
use crate::IngestError;

/// The collection catalogue records go to.
pub const COLLECTION: &str = "catalogue";
const RECORDS: &str = "catalogue/records.jsonl";

/// One catalogue entry as the file has it; every field but the heading may be empty.
#[derive(Debug, Default, Deserialize)]
struct Row {
    heading: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    learning: String,
    #[serde(default)]
    recommendations: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    review_type: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueImport {
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
    /// "line 7: unknown status \"lost\" (expected one of …)": skipped lines.
    pub rejected: Vec<String>,
}

impl CatalogueImport {
    pub fn summary(&self) -> String {
        format!(
            "{} added, {} replaced, {} unchanged, {} skipped",
            self.added,
            self.replaced,
            self.unchanged,
            self.rejected.len()
        )
    }
}

/// Imports the catalogue at `path` into the corpus at `corpus_dir`. Records are keyed
/// by heading, so importing a newer catalogue replaces the old entries.
pub fn import_catalogue(corpus_dir: &Path, path: &Path) -> Result<CatalogueImport, IngestError> {
    let rows = read_rows(path)?;
    let _writing = CorpusWriteLock::acquire(corpus_dir)?;
    ensure_collection(
        corpus_dir,
        &Collection {
            name: COLLECTION.into(),
            title: "Catalogue records (metadata only)".into(),
            records: RECORDS.into(),
            source: "Catalogue files imported with `casesearch import-catalogue`".into(),
            attribution: "As stated by the catalogue".into(),
            licence: "As published by the catalogue".into(),
        },
    )?;
    let corpus = Corpus::open(corpus_dir)?;
    let regions = RegionTable::load(&corpus.regions_path())?;
    let mut records = corpus.records_to_rewrite(COLLECTION, "importing")?;
    let mut import = CatalogueImport::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (line, row) in rows {
        let review = match row.and_then(|row| record(&row, &regions)) {
            Ok(review) => review,
            Err(reason) => {
                import.rejected.push(format!("line {line}: {reason}"));
                continue;
            }
        };
        if let Some(first) = seen.insert(review.id.clone(), line) {
            import.rejected.push(format!(
                "line {line}: the same heading as line {first}; kept line {first}"
            ));
            seen.insert(review.id.clone(), first);
            continue;
        }
        match records.insert(review.id.clone(), review.clone()) {
            None => import.added += 1,
            Some(old) if old == review => import.unchanged += 1,
            Some(_) => import.replaced += 1,
        }
    }
    let reviews: Vec<Review> = records.into_values().collect();
    write_records(&corpus.dir().join(RECORDS), &reviews)?;
    Ok(import)
}

/// The rows of a JSON Lines or CSV file, each with its line number (CSV: the record's
/// first line) or why it cannot be read.
/// A row's line number and the row, or why it cannot be read.
type NumberedRow = (usize, Result<Row, String>);

fn read_rows(path: &Path) -> Result<Vec<NumberedRow>, IngestError> {
    let text = crate::corpus::read_to_string(path)?;
    let csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    if !csv {
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| {
                let row = serde_json::from_str::<Row>(line).map_err(|err| err.to_string());
                (index + 1, row)
            })
            .collect());
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|err| IngestError::InvalidCatalogue {
            path: path.to_path_buf(),
            message: format!("line 1: {err}"),
        })?
        .clone();
    if !headers.iter().any(|header| header == "heading") {
        return Err(IngestError::InvalidCatalogue {
            path: path.to_path_buf(),
            message: "line 1: no `heading` column".into(),
        });
    }
    Ok(reader
        .records()
        .map(|record| {
            let line = record
                .as_ref()
                .ok()
                .and_then(|record| record.position())
                .map_or(0, |position| position.line() as usize);
            let row = record.map_err(|err| err.to_string()).and_then(|record| {
                record
                    .deserialize::<Row>(Some(&headers))
                    .map_err(|err| err.to_string())
            });
            (line, row)
        })
        .collect())
}

/// "2023 – Cambridgeshire and Peterborough – Child Q" → year, partnership, child.
fn split_heading(heading: &str) -> Result<(i32, String, Option<String>), String> {
    // Catalogues write en dashes; copies pasted through other tools have em dashes
    // or spaced hyphens ("Stoke-on-Trent" keeps its unspaced ones).
    let normalised = heading
        .replace('\u{a0}', " ")
        .replace(" — ", " – ")
        .replace(" - ", " – ");
    let parts: Vec<&str> = normalised.split(" – ").map(str::trim).collect();
    let year = parts
        .first()
        .and_then(|first| first.parse::<i32>().ok())
        .filter(|year| (1970..=2100).contains(year))
        .ok_or_else(|| {
            format!(
                "heading {heading:?} does not start with a year (\"YEAR – PARTNERSHIP – CHILD\")"
            )
        })?;
    match parts.len() {
        0 | 1 => Err(format!(
            "heading {heading:?} names no partnership (\"YEAR – PARTNERSHIP – CHILD\")"
        )),
        2 => Ok((year, parts[1].to_owned(), None)),
        n => Ok((
            year,
            parts[1..n - 1].join(" – "),
            Some(parts[n - 1].to_owned()).filter(|child| !child.is_empty()),
        )),
    }
}

/// Folds each catalogue record into the full text of the same review, where the
/// corpus has one (same publisher and child, years at most one apart: catalogues date
/// by publication, PDFs by their cover), so a search shows the review once. The full
/// text takes the catalogue's availability ("withdrawn" by its publisher, though we
/// keep a copy), heading, keywords and link. Returns the records and the folded
/// `(catalogue id, full text id)` pairs.
pub fn fold_into_full_texts(reviews: Vec<Review>) -> (Vec<Review>, Vec<(String, String)>) {
    let (catalogue, mut kept): (Vec<Review>, Vec<Review>) = reviews
        .into_iter()
        .partition(|review| review.details.metadata_only);
    // Full texts by publisher and child, built once: every build runs this over the
    // whole corpus, so no entry may scan it.
    let mut full_texts: HashMap<(String, String), Vec<(usize, i32)>> = HashMap::new();
    for (index, review) in kept.iter().enumerate() {
        if let (Some(child), Some(year)) = (&review.details.child, review.year()) {
            full_texts
                .entry((review.publisher.clone(), child.to_lowercase()))
                .or_default()
                .push((index, year));
        }
    }
    let mut folded = Vec::new();
    let mut unmatched = Vec::new();
    for entry in catalogue {
        let twin = entry
            .details
            .child
            .as_ref()
            .zip(entry.year())
            .and_then(|(child, year)| {
                full_texts
                    .get(&(entry.publisher.clone(), child.to_lowercase()))?
                    .iter()
                    .find(|(_, full_year)| (full_year - year).abs() <= 1)
                    .map(|(index, _)| *index)
            });
        let Some(full_text) = twin.and_then(|index| kept.get_mut(index)) else {
            unmatched.push(entry);
            continue;
        };
        let heading = entry
            .metadata
            .get("catalogue heading")
            .cloned()
            .unwrap_or_else(|| entry.title.clone());
        if !entry.details.availability.is_published() {
            full_text.details.availability = entry.details.availability;
            full_text.details.derived.insert(
                "availability".to_owned(),
                Derivation {
                    value: entry.details.availability.slug().to_owned(),
                    evidence: heading.clone(),
                    source: "catalogue".to_owned(),
                    confidence: 1.0,
                },
            );
        }
        for (name, value) in &entry.metadata {
            let name = if name.starts_with("catalogue") {
                name.clone()
            } else {
                format!("catalogue {name}")
            };
            full_text
                .metadata
                .entry(name)
                .or_insert_with(|| value.clone());
        }
        if full_text.url.is_none() {
            full_text.url = entry.url.clone();
        }
        folded.push((entry.id, full_text.id.clone()));
    }
    kept.extend(unmatched);
    (kept, folded)
}

/// A catalogue row as a metadata-only record.
fn record(row: &Row, regions: &RegionTable) -> Result<Review, String> {
    let heading = row.heading.trim();
    if heading.is_empty() {
        return Err("empty heading".into());
    }
    let (year, partnership, child) = split_heading(heading)?;
    let availability = match row.status.trim() {
        "" => Availability::Published,
        status => {
            let slug = status.to_lowercase().replace([' ', '-'], "_");
            Availability::parse_slug(&slug).map_err(|unknown| {
                format!(
                    "unknown status {status:?} (expected one of {})",
                    unknown.expected_list()
                )
            })?
        }
    };
    let place = regions.lookup_review_publisher(&partnership);
    let publisher = place.map_or_else(|| partnership.clone(), |place| place.publisher.clone());
    let nation = place.map(|place| place.nation.as_str());
    let review_type = review_type_in_words(&row.review_type, nation)
        .or_else(|| review_type_in_words(heading, nation))
        .unwrap_or(ReviewType::Other);
    let published = parse_date_words(&row.published);
    let from_catalogue = |value: String, evidence: &str| Derivation {
        value,
        evidence: evidence.to_owned(),
        source: "catalogue".to_owned(),
        confidence: 1.0,
    };
    let mut derived = BTreeMap::new();
    derived.insert(
        "type".to_owned(),
        from_catalogue(review_type.slug().into(), &row.review_type),
    );
    derived.insert(
        "publisher".to_owned(),
        from_catalogue(publisher.clone(), &partnership),
    );
    let date = match published {
        Some(date) if date.year == year || date.year == year + 1 || date.year + 1 == year => {
            derived.insert(
                "date".to_owned(),
                from_catalogue(date.to_string(), &row.published),
            );
            date.first_day()
        }
        Some(date) => {
            return Err(format!(
                "published {} disagrees with the heading's year {year}",
                date
            ))
        }
        None => {
            derived.insert("date".to_owned(), from_catalogue(year.to_string(), heading));
            chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        }
    };
    if let Some(child) = &child {
        derived.insert("child".to_owned(), from_catalogue(child.clone(), heading));
    }
    let age_band = age_band_in(&row.summary, child.as_deref(), "catalogue summary").map(|found| {
        derived.insert("age_band".to_owned(), found.derivation);
        found.value
    });
    let sections: Vec<Section> = [
        ("Summary", &row.summary),
        ("Learning", &row.learning),
        ("Recommendations", &row.recommendations),
        ("Keywords", &row.keywords),
    ]
    .into_iter()
    .filter(|(_, text)| !text.trim().is_empty())
    .map(|(label, text)| Section {
        label: label.to_owned(),
        text: text.trim().to_owned(),
    })
    .collect();
    let title = match &child {
        Some(child) if review_type != ReviewType::Other => {
            format!("{child} ({})", review_type.label())
        }
        Some(child) => child.clone(),
        None => heading.to_owned(),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("catalogue heading".to_owned(), heading.to_owned());
    if !row.keywords.trim().is_empty() {
        metadata.insert("keywords".to_owned(), row.keywords.trim().to_owned());
    }
    Ok(Review {
        id: catalogue_id(year, &publisher, child.as_deref()),
        title,
        review_type,
        publisher,
        date,
        url: Some(row.link.trim().to_owned()).filter(|link| !link.is_empty()),
        sections,
        metadata,
        details: ReviewDetails {
            child,
            age_band,
            availability,
            metadata_only: true,
            derived,
            ..ReviewDetails::default()
        },
    })
}

/// `cat-2023-cambridgeshire-and-peterborough-sa…-child-q`: readable and stable for a
/// heading, so a re-import replaces rather than duplicates.
fn catalogue_id(year: i32, publisher: &str, child: Option<&str>) -> String {
    let mut id = format!("cat-{year}");
    for part in [Some(publisher), child].into_iter().flatten() {
        let mut slug = String::new();
        for c in part.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 40 {
                break;
            }
        }
        id.push('-');
        id.push_str(slug.trim_end_matches('-'));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_split_on_dashes_but_not_inside_names() {
        assert_eq!(
            split_heading("2022 – Staffordshire and Stoke-on-Trent – Child G").unwrap(),
            (
                2022,
                "Staffordshire and Stoke-on-Trent".into(),
                Some("Child G".into())
            )
        );
        assert_eq!(
            split_heading("2020 - Hampshire, Isle of Wight, Portsmouth and Southampton — Child Z")
                .unwrap()
                .1,
            "Hampshire, Isle of Wight, Portsmouth and Southampton"
        );
        assert_eq!(split_heading("2021 – Kent").unwrap().2, None);
        let err = split_heading("Kent – Child S").unwrap_err();
        assert!(err.contains("does not start with a year"), "{err}");
    }

    #[test]
    fn ids_are_stable_and_readable() {
        assert_eq!(
            catalogue_id(2023, "Kent", Some("Child LH")),
            "cat-2023-kent-child-lh"
        );
    }
}
