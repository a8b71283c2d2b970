//! The librarian's overrides file: corrections to any catalogue field of any record,
//! kept apart from the records so they survive re-ingesting, re-crawling and rebuilding.
//!
//! `corpus/overrides.toml`, one table per record id; every key is optional:
//!
//! ```toml
//! [doc-child-q-final-report-1a2b3c]
//! type = "local-child-safeguarding-practice-review"
//! publisher = "Cambridgeshire and Peterborough Safeguarding Children Partnership"
//! date = "2023-06"                 # "2023", "2023-06" or "2023-06-14"
//! child = "Child Q"
//! age_band = "11-15"               # under-1, 1-4, 5-10, 11-15, 16-17
//! incident_year = 2021
//! document_kind = "full-report"    # full-report, executive-summary, learning-brief, thematic
//! availability = "withdrawn"       # published, link_removed, withdrawn, delayed, not_published
//! title = "Child Q"
//! note = "Cover page names the old board; confirmed with the partnership"
//! ```
//!
//! Values are checked when the file is loaded, so a typo fails the build with the
//! record id and the key rather than silently doing nothing.

use std::collections::BTreeMap;
use std::path::Path;

use casesearch_model::{AgeBand, Availability, Derivation, DocumentKind, Review, ReviewType, Slug};
use serde::Deserialize;

use crate::derive::parse_date_words;
use crate::CatalogueError;

/// The file's name beside the manifest.
pub const FILE: &str = "overrides.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(rename = "type")]
    review_type: Option<String>,
    publisher: Option<String>,
    date: Option<String>,
    child: Option<String>,
    age_band: Option<String>,
    incident_year: Option<i32>,
    document_kind: Option<String>,
    availability: Option<String>,
    title: Option<String>,
    note: Option<String>,
}

/// One record's corrections, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Override {
    pub review_type: Option<ReviewType>,
    pub publisher: Option<String>,
    /// As written ("2023-06") and the first day it means.
    pub date: Option<(String, chrono::NaiveDate)>,
    pub child: Option<String>,
    pub age_band: Option<AgeBand>,
    pub incident_year: Option<i32>,
    pub document_kind: Option<DocumentKind>,
    pub availability: Option<Availability>,
    pub title: Option<String>,
    pub note: Option<String>,
}

/// Every override, by record id.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    by_id: BTreeMap<String, Override>,
}

/// The value `slug` names, if given; a slug that names none is an error naming the
/// record, the key and every value that would do.
fn checked_slug<T: Slug>(id: &str, key: &str, slug: Option<&str>) -> Result<Option<T>, String> {
    slug.map(|slug| {
        T::parse_slug(slug).map_err(|unknown| {
            format!(
                "[{id}] {key} = {slug:?}: expected one of {}",
                unknown.expected_list()
            )
        })
    })
    .transpose()
}

impl Overrides {
    /// Loads `path`; a missing file is no overrides.
    pub fn load(path: &Path) -> Result<Overrides, CatalogueError> {
        if !path.exists() {
            return Ok(Overrides::default());
        }
        let text = crate::error::read_to_string(path)?;
        Overrides::parse(&text).map_err(|message| CatalogueError::InvalidOverrides {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Overrides, String> {
        let entries: BTreeMap<String, Entry> =
            toml::from_str(text).map_err(|err| err.message().to_owned())?;
        let mut by_id = BTreeMap::new();
        for (id, entry) in entries {
            let checked = Override {
                review_type: checked_slug(&id, "type", entry.review_type.as_deref())?,
                age_band: checked_slug(&id, "age_band", entry.age_band.as_deref())?,
                document_kind: checked_slug(&id, "document_kind", entry.document_kind.as_deref())?,
                availability: checked_slug(&id, "availability", entry.availability.as_deref())?,
                date: match entry.date {
                    Some(written) => {
                        let day = parse_date_words(&written)
                            .filter(|date| date.to_string() == written.trim())
                            .and_then(|date| date.first_day())
                            .ok_or_else(|| {
                                format!("[{id}] date = {written:?}: expected YYYY, YYYY-MM or YYYY-MM-DD")
                            })?;
                        Some((written.trim().to_owned(), day))
                    }
                    None => None,
                },
                publisher: entry.publisher,
                child: entry.child,
                incident_year: entry.incident_year,
                title: entry.title,
                note: entry.note,
            };
            by_id.insert(id, checked);
        }
        Ok(Overrides { by_id })
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Override> {
        self.by_id.get(id)
    }

    /// Ids the file names that no record has: usually a typo, or a record since removed.
    pub fn unmatched<'a>(&'a self, ids: &[&str]) -> Vec<&'a str> {
        self.by_id
            .keys()
            .map(String::as_str)
            .filter(|id| !ids.contains(id))
            .collect()
    }

    /// `review` with its override applied; each overridden field's evidence says so.
    pub fn apply(&self, review: &mut Review) {
        let Some(fix) = self.by_id.get(&review.id) else {
            return;
        };
        let evidence = fix
            .note
            .clone()
            .unwrap_or_else(|| "set by a librarian".to_owned());
        let mut set = |field: &str, value: String| {
            review.details.derived.insert(
                field.to_owned(),
                Derivation {
                    value,
                    evidence: evidence.clone(),
                    source: "overrides file".to_owned(),
                    confidence: 1.0,
                },
            );
        };
        if let Some(review_type) = fix.review_type {
            set("type", review_type.slug().to_owned());
            review.review_type = review_type;
        }
        if let Some(publisher) = &fix.publisher {
            set("publisher", publisher.clone());
            review.publisher = publisher.clone();
        }
        if let Some((written, day)) = &fix.date {
            set("date", written.clone());
            review.date = Some(*day);
        }
        if let Some(child) = &fix.child {
            set("child", child.clone());
            review.details.child = Some(child.clone());
        }
        if let Some(band) = fix.age_band {
            set("age_band", band.slug().to_owned());
            review.details.age_band = Some(band);
        }
        if let Some(year) = fix.incident_year {
            set("incident_year", year.to_string());
            review.details.incident_year = Some(year);
        }
        if let Some(kind) = fix.document_kind {
            set("document_kind", kind.slug().to_owned());
            review.details.document_kind = Some(kind);
        }
        if let Some(availability) = fix.availability {
            set("availability", availability.slug().to_owned());
            review.details.availability = availability;
        }
        if let Some(title) = &fix.title {
            set("title", title.clone());
            review.title = title.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_a_value_names_the_record_and_the_key() {
        let err = Overrides::parse("[doc-a]\nage_band = \"12-15\"\n").unwrap_err();
        assert!(
            err.starts_with("[doc-a] age_band = \"12-15\": expected one of under-1"),
            "{err}"
        );
        let err = Overrides::parse("[doc-a]\ndate = \"June 2023\"\n").unwrap_err();
        assert!(
            err.contains("expected YYYY, YYYY-MM or YYYY-MM-DD"),
            "{err}"
        );
        let err = Overrides::parse("[doc-a]\ncolour = \"red\"\n").unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn unmatched_ids_are_listed() {
        let overrides =
            Overrides::parse("[doc-a]\nchild = \"Child A\"\n[doc-b]\nchild = \"B\"\n").unwrap();
        assert_eq!(overrides.len(), 2);
        assert_eq!(overrides.unmatched(&["doc-a"]), ["doc-b"]);
    }
}
