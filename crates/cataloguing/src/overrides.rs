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
//! age_band = "11-15"               # under-1, 1-4, 5-10, 11-15, 16-17, adult
//! incident_year = 2021
//! document_kind = "full-report"    # full-report, executive-summary, learning-brief, thematic
//! availability = "withdrawn"       # published, link_removed, withdrawn, delayed, not_published
//! title = "Child Q"
//! themes_add = ["fathers-male-carers"]         # theme ids from themes.toml
//! themes_remove = ["multi-agency-working"]
//! note = "Cover page names the old board; confirmed with the partnership"
//! ```
//!
//! Theme overrides are applied after the tagger, so they hold whatever the rules file
//! later says; an added theme carries the note as its explanation.
//!
//! Values are checked when the file is loaded, so a typo fails the build with the
//! record id and the key rather than silently doing nothing.

use std::collections::BTreeMap;
use std::path::Path;

use casesearch_model::{
    AgeBand, Availability, Derivation, DocumentKind, Review, ReviewType, Slug, ThemeTag,
};
use serde::Deserialize;

use crate::derive::parse_date_words;
use crate::{CatalogueError, ThemeRules};

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
    #[serde(default)]
    themes_add: Vec<String>,
    #[serde(default)]
    themes_remove: Vec<String>,
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
    /// Theme ids the librarian adds to the record, whatever the rules say.
    pub themes_add: Vec<String>,
    /// Theme ids the librarian takes off the record.
    pub themes_remove: Vec<String>,
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
                themes_add: entry.themes_add,
                themes_remove: entry.themes_remove,
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

    /// Theme ids named by the file that the rules do not define: a typo would
    /// otherwise silently do nothing.
    pub fn check_themes(&self, rules: &ThemeRules) -> Result<(), String> {
        for (id, fix) in &self.by_id {
            for (key, theme) in fix
                .themes_add
                .iter()
                .map(|theme| ("themes_add", theme))
                .chain(
                    fix.themes_remove
                        .iter()
                        .map(|theme| ("themes_remove", theme)),
                )
            {
                if rules.theme(theme).is_none() {
                    return Err(format!(
                        "[{id}] {key}: {theme:?} is not a theme id in the themes file"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The tagger's themes for record `id` with the librarian's additions and removals;
    /// an added theme's note says who set it and why.
    pub fn apply_themes(&self, id: &str, themes: &mut Vec<ThemeTag>, rules: &ThemeRules) {
        let Some(fix) = self.by_id.get(id) else {
            return;
        };
        themes.retain(|tag| !fix.themes_remove.contains(&tag.id));
        let note = fix
            .note
            .clone()
            .unwrap_or_else(|| "set by a librarian".to_owned());
        for theme in &fix.themes_add {
            if let Some(tag) = themes.iter_mut().find(|tag| &tag.id == theme) {
                tag.librarian_note = Some(note.clone());
                continue;
            }
            let Some(rule) = rules.theme(theme) else {
                continue;
            };
            themes.push(ThemeTag {
                id: rule.id.clone(),
                label: rule.label.clone(),
                evidence: Vec::new(),
                matches: 0,
                sentences: 0,
                librarian_note: Some(note.clone()),
            });
        }
        // Keep the rules file's order, as the tagger gives it.
        themes.sort_by_key(|tag| rules.themes.iter().position(|rule| rule.id == tag.id));
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
    fn librarian_theme_overrides_add_and_remove_and_unknown_ids_are_refused() {
        let rules = ThemeRules::parse(
            "version = \"t\"\n[[theme]]\nid = \"a\"\nlabel = \"A\"\nphrases = [\"x\"]\n\
             [[theme]]\nid = \"b\"\nlabel = \"B\"\nphrases = [\"y\"]\n",
        )
        .unwrap();
        let overrides = Overrides::parse(
            "[doc-a]\nthemes_add = [\"a\"]\nthemes_remove = [\"b\"]\nnote = \"read p. 4\"\n",
        )
        .unwrap();
        overrides.check_themes(&rules).unwrap();
        let tagged = ThemeTag {
            id: "b".into(),
            label: "B".into(),
            evidence: Vec::new(),
            matches: 3,
            sentences: 2,
            librarian_note: None,
        };
        let mut themes = vec![tagged.clone()];
        overrides.apply_themes("doc-a", &mut themes, &rules);
        assert_eq!(themes.len(), 1);
        assert_eq!(themes[0].id, "a");
        assert_eq!(themes[0].librarian_note.as_deref(), Some("read p. 4"));
        let mut other = vec![tagged];
        overrides.apply_themes("doc-b", &mut other, &rules);
        assert_eq!(other[0].id, "b");
        let typo = Overrides::parse("[doc-a]\nthemes_add = [\"c\"]\n").unwrap();
        let err = typo.check_themes(&rules).unwrap_err();
        assert!(err.contains("[doc-a] themes_add: \"c\""), "{err}");
    }

    #[test]
    fn unmatched_ids_are_listed() {
        let overrides =
            Overrides::parse("[doc-a]\nchild = \"Child A\"\n[doc-b]\nchild = \"B\"\n").unwrap();
        assert_eq!(overrides.len(), 2);
        assert_eq!(overrides.unmatched(&["doc-a"]), ["doc-b"]);
    }
}
