//! What a result-list hit reads of a stored record: the fields a [`crate::Hit`] shows,
//! and of each theme only its first piece of evidence.
//!
//! A long review's record carries a theme list with hundreds of evidence sentences
//! (20 KB of JSON for a 120-page review). Parsing all of it into a `CataloguedReview`
//! for each of a page's hits, allocating every sentence, was a tenth of a long-review
//! search by perf; here the rest of each evidence list is skipped unparsed. The record
//! page still reads the whole record (`present::record`).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use casesearch_model::{AgeBand, Availability, Region, ReviewType};
use chrono::NaiveDate;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// The part of a `CataloguedReview` a hit shows; field names and defaults as there.
#[derive(Debug, Deserialize)]
pub(crate) struct HitRecord {
    pub review: HitReview,
    pub region: Region,
    pub themes: Vec<HitTheme>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HitReview {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub review_type: ReviewType,
    pub publisher: String,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub details: HitDetails,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct HitDetails {
    #[serde(default)]
    pub child: Option<String>,
    #[serde(default)]
    pub age_band: Option<AgeBand>,
    #[serde(default)]
    pub availability: Availability,
    #[serde(default)]
    pub metadata_only: bool,
    /// Derived fields' values by name (only `date` is shown).
    #[serde(default)]
    pub derived: BTreeMap<String, DerivedValue>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DerivedValue {
    pub value: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HitTheme {
    pub id: String,
    pub label: String,
    /// The first piece of evidence, which says why the theme was given.
    #[serde(deserialize_with = "first_only")]
    pub evidence: Option<FirstEvidence>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FirstEvidence {
    pub matched: String,
    pub section: String,
}

impl HitRecord {
    pub fn from_json(json: &str) -> serde_json::Result<HitRecord> {
        serde_json::from_str(json)
    }
}

/// A list's first element; the others are checked to be JSON and dropped unread.
fn first_only<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct First<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for First<T> {
        type Value = Option<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a list")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Option<T>, A::Error> {
            let first = items.next_element()?;
            while items.next_element::<IgnoredAny>()?.is_some() {}
            Ok(first)
        }
    }

    deserializer.deserialize_seq(First(PhantomData))
}

#[cfg(test)]
mod tests {
    use casesearch_model::{CataloguedReview, Evidence, Review, ThemeTag};

    use super::*;

    /// Real records of the bundled corpus, with themes and evidence as the tagger
    /// writes them, read both ways.
    #[test]
    fn a_hit_record_reads_what_the_full_record_holds() {
        let records = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
        )
        .expect("the bundled corpus");
        let mut compared = 0;
        for (n, line) in records.lines().take(200).enumerate() {
            let mut review: Review = serde_json::from_str(line).expect("a record");
            review.sections.clear();
            let evidence = |k: usize| Evidence {
                phrase: format!("phrase {k}"),
                matched: format!("matched \"{k}\""),
                section: format!("p. {k}"),
                sentence: "A sentence, with \\ and \" in it.".into(),
                about: "child".into(),
                why: String::new(),
            };
            let full = CataloguedReview {
                region: Region::known("England", Some("London"), &review.publisher),
                review,
                themes: (0..n % 4)
                    .map(|t| ThemeTag {
                        id: format!("theme-{t}"),
                        label: format!("Theme {t}"),
                        evidence: (0..t * 3).map(evidence).collect(),
                        matches: t,
                        sentences: t,
                        librarian_note: None,
                    })
                    .collect(),
            };
            let json = serde_json::to_string(&full).expect("json");
            let hit = HitRecord::from_json(&json).expect("a hit record");
            assert_eq!(hit.review.id, full.review.id);
            assert_eq!(hit.review.title, full.review.title);
            assert_eq!(hit.review.review_type, full.review.review_type);
            assert_eq!(hit.review.publisher, full.review.publisher);
            assert_eq!(hit.review.date, full.review.date);
            assert_eq!(hit.review.url, full.review.url);
            let details = &full.review.details;
            assert_eq!(hit.review.details.child, details.child);
            assert_eq!(hit.review.details.age_band, details.age_band);
            assert_eq!(hit.review.details.availability, details.availability);
            assert_eq!(hit.review.details.metadata_only, details.metadata_only);
            assert_eq!(
                hit.review.details.derived.get("date").map(|d| &d.value),
                details.derived.get("date").map(|d| &d.value)
            );
            assert_eq!(hit.region, full.region);
            assert_eq!(hit.themes.len(), full.themes.len());
            for (theme, tag) in hit.themes.iter().zip(&full.themes) {
                assert_eq!(theme.id, tag.id);
                assert_eq!(theme.label, tag.label);
                let first = tag.evidence.first();
                assert_eq!(
                    theme.evidence.as_ref().map(|e| (&e.matched, &e.section)),
                    first.map(|e| (&e.matched, &e.section))
                );
            }
            compared += 1;
        }
        assert_eq!(compared, 200);
    }

    #[test]
    fn a_record_that_is_not_json_is_an_error() {
        assert!(HitRecord::from_json("{\"review\": ").is_err());
        assert!(HitRecord::from_json(
            r#"{"review":{"id":"a","title":"t","type":"pfd","publisher":"p","sections":[]},
                "region":{"nation":"England","publisher":"p"},
                "themes":[{"id":"x","label":"X","evidence":[{"matched":"m","section":"s"}, 3, {]}]}"#
        )
        .is_err());
    }
}
