//! Presenting what the engine found: a stored document as a [`Hit`] (heading, date as
//! precisely as known, themes with their evidence, snippets) or as its sections. The
//! API, the pages, the feeds, the exports and the command line all show hits made here.

use casesearch_model::{CataloguedReview, Review, Section};
use chrono::{Datelike, NaiveDate};
use tantivy::schema::Value;
use tantivy::TantivyDocument;

use crate::highlight::{first_words, Fragment, Highlighter};
use crate::hit_record::HitRecord;
use crate::hit_sections::{busiest_sections, matches_by_section};
use crate::results::{Hit, Snippet, ThemeSummary};
use crate::schema::{Fields, SECTION_GAP};
use crate::text_store::StoredSections;
use crate::IndexError;

/// Snippets shown per hit.
const SNIPPETS_PER_HIT: usize = 3;
/// Sections read for a hit's snippets: those with the most matches by the postings,
/// never the whole of a long document. Reading twice as many (a section with fewer
/// matches can have a denser fragment) changed no snippet of the bundled corpus in the
/// test below and cost a third of a long-review search.
const CANDIDATE_SECTIONS: usize = SNIPPETS_PER_HIT;

/// What a hit's snippets are made from: the query's highlighter, where its terms occur
/// in the hit (positions in the text field, from [`crate::hit_sections`]), and its
/// section texts (`None`: the text store lacks it; no snippets then).
pub(crate) struct SnippetSource<'a> {
    pub highlighter: &'a Highlighter,
    pub positions: &'a [u32],
    pub texts: Option<StoredSections<'a>>,
}
/// About how long a snippet is: bytes of text in a fragment (tantivy's measure), characters
/// in an opening.
const SNIPPET_LENGTH: usize = 220;

/// A review's date as precisely as the document or catalogue states it: "2012", not
/// 2012-01-01.
pub fn display_date(review: &Review) -> Option<String> {
    shown_date(
        review
            .details
            .derived
            .get("date")
            .map(|date| &date.value[..]),
        review.date,
    )
}

/// The derived date when it is less precise than a day (a year or a month), else the
/// date.
fn shown_date(derived: Option<&str>, date: Option<NaiveDate>) -> Option<String> {
    derived
        .filter(|value| value.len() < 10)
        .map(str::to_owned)
        .or_else(|| date.map(|date| date.to_string()))
}

pub(crate) fn hit(
    fields: &Fields,
    stored: &TantivyDocument,
    score: Option<f32>,
    snippet_source: Option<SnippetSource>,
) -> Result<Hit, IndexError> {
    let json = stored_record_json(fields, stored)?;
    let record =
        HitRecord::from_json(json).map_err(|err| IndexError::CorruptRecord(err.to_string()))?;
    let snippets = match snippet_source {
        Some(SnippetSource {
            highlighter,
            positions,
            texts: Some(texts),
        }) => {
            let labels = section_labels(stored, fields);
            let starts: Vec<u64> = stored
                .get_all(fields.section_start)
                .filter_map(|value| value.as_u64())
                .collect();
            // Every index of this schema stores the starts; without them, every section
            // is read and its words matched against the query's terms.
            if starts.len() == labels.len() {
                let at = SectionMatches {
                    starts: &starts,
                    positions,
                };
                let candidates =
                    busiest_sections(&matches_by_section(&starts, positions), CANDIDATE_SECTIONS);
                snippets(
                    &labels,
                    candidates,
                    |k| texts.text(k),
                    highlighter,
                    Some(&at),
                )?
            } else {
                let every = (0..labels.len()).collect();
                snippets(&labels, every, |k| texts.text(k), highlighter, None)?
            }
        }
        _ => Vec::new(),
    };
    let review = record.review;
    let details = review.details;
    let date = shown_date(
        details.derived.get("date").map(|date| &date.value[..]),
        review.date,
    );
    let year = review.date.map(|date| date.year());
    Ok(Hit {
        heading: heading(year, &review.publisher, &review.title),
        id: review.id,
        date,
        year,
        title: review.title,
        child: details.child,
        age_band: details.age_band,
        availability: details.availability,
        metadata_only: details.metadata_only,
        publisher: review.publisher,
        region: record
            .region
            .path()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        review_type: review.review_type.into(),
        themes: record
            .themes
            .into_iter()
            .map(|theme| ThemeSummary {
                because: theme
                    .evidence
                    .map(|evidence| format!("'{}' in {}", evidence.matched, evidence.section)),
                id: theme.id,
                label: theme.label,
            })
            .collect(),
        url: review.url,
        score,
        snippets,
    })
}

pub(crate) fn record(
    fields: &Fields,
    stored: &TantivyDocument,
) -> Result<CataloguedReview, IndexError> {
    serde_json::from_str(stored_record_json(fields, stored)?)
        .map_err(|err| IndexError::CorruptRecord(err.to_string()))
}

fn stored_record_json<'a>(
    fields: &Fields,
    stored: &'a TantivyDocument,
) -> Result<&'a str, IndexError> {
    stored
        .get_first(fields.record)
        .and_then(|value| value.as_str())
        .ok_or_else(|| IndexError::CorruptRecord("document has no stored record".into()))
}

/// Where a hit's matches are, from the index: its sections' starts and its query terms'
/// positions in the text field.
pub(crate) struct SectionMatches<'a> {
    pub starts: &'a [u64],
    pub positions: &'a [u32],
}

impl SectionMatches<'_> {
    /// The numbers (from 0, ascending) of section `k`'s words that match: a position
    /// is the section's start plus [`SECTION_GAP`] plus the word's number
    /// ([`crate::analysis::SectionStarts`]).
    fn words(&self, k: usize) -> Vec<u32> {
        let Some(&start) = self.starts.get(k) else {
            return Vec::new();
        };
        let end = self.starts.get(k + 1).copied().unwrap_or(u64::MAX);
        let mut words: Vec<u32> = self
            .positions
            .iter()
            .map(|&position| u64::from(position))
            .filter(|&position| position >= start && position < end)
            .filter_map(|position| position.checked_sub(start + SECTION_GAP as u64))
            .filter_map(|number| u32::try_from(number).ok())
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }
}

/// The sections with the most matches, marked; the opening when nothing matched. Only
/// the `candidates` (section numbers) are read, with `read` (`None` past the last).
/// With `at`, the index says which words match; without, each word read is matched
/// against the query's terms.
pub(crate) fn snippets(
    labels: &[&str],
    mut candidates: Vec<usize>,
    read: impl Fn(usize) -> Option<Result<String, IndexError>>,
    highlighter: &Highlighter,
    at: Option<&SectionMatches>,
) -> Result<Vec<Snippet>, IndexError> {
    // In reading order, so that equals keep it below.
    candidates.sort_unstable();
    let mut found: Vec<(usize, String, Fragment)> = Vec::new();
    for k in candidates {
        let Some(text) = read(k).transpose()? else {
            continue;
        };
        let fragment = match at {
            Some(at) => highlighter.best_fragment_at(&text, SNIPPET_LENGTH, &at.words(k)),
            None => highlighter.best_fragment(&text, SNIPPET_LENGTH),
        };
        if let Some(fragment) = fragment {
            found.push((k, text, fragment));
        }
    }
    // Most matches first; sections keep reading order among equals (stable sort).
    found.sort_by_key(|(_, _, fragment)| std::cmp::Reverse(fragment.matches()));
    let label = |k: usize| labels.get(k).copied().unwrap_or_default().to_owned();
    let mut snippets: Vec<Snippet> = found
        .into_iter()
        .take(SNIPPETS_PER_HIT)
        .map(|(k, text, fragment)| Snippet {
            section: label(k),
            html: fragment.html(&text),
        })
        .collect();
    if snippets.is_empty() {
        // No words to show in context (empty query, or a title-only match): the opening.
        if let Some(text) = read(0).transpose()? {
            snippets.push(Snippet {
                section: label(0),
                html: first_words(&text, SNIPPET_LENGTH),
            });
        }
    }
    Ok(snippets)
}

/// A stored document's section labels, in order.
pub(crate) fn section_labels<'a>(stored: &'a TantivyDocument, fields: &Fields) -> Vec<&'a str> {
    stored
        .get_all(fields.section)
        .filter_map(|value| value.as_str())
        .collect()
}

/// A stored document's sections, labels from the document and texts from the store.
pub(crate) fn sections(
    stored: &TantivyDocument,
    fields: &Fields,
    texts: Option<StoredSections>,
) -> Result<Vec<Section>, IndexError> {
    let texts = match texts {
        Some(texts) => texts.all()?,
        None => Vec::new(),
    };
    Ok(section_labels(stored, fields)
        .into_iter()
        .zip(texts)
        .map(|(label, text)| Section {
            label: label.to_owned(),
            text,
        })
        .collect())
}

/// "2023 – Cambridgeshire and Peterborough – Child Q (Local Child Safeguarding Practice
/// Review)": how practitioners cite a review. The publisher loses the body's generic
/// name, which every partnership shares.
fn heading(year: Option<i32>, publisher: &str, title: &str) -> String {
    const BODIES: [&str; 9] = casesearch_model::PUBLISHER_BODY_SUFFIXES;
    let place = BODIES
        .iter()
        .find_map(|body| publisher.strip_suffix(body))
        .unwrap_or(publisher);
    match year {
        Some(year) => format!("{year} – {place} – {title}"),
        None => format!("{place} – {title}"),
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::Value;

    use super::*;
    use crate::SearchRequest;

    /// Snippets chosen from the sections the postings say are busiest are those a
    /// reading of every section gives, on real reports.
    #[test]
    fn snippets_from_the_busiest_sections_are_those_of_reading_every_section() {
        let reviews = crate::test_support::bundled_reviews(300);
        let (_dir, engine) =
            crate::test_support::engine_over(&reviews, crate::test_support::plain_inputs());
        let searcher = engine.searcher();
        let mut compared = 0;
        for query in [
            "mental health",
            "\"information sharing\"",
            "medication OR hospital",
            "the risk of future deaths",
            "ambulance delay",
        ] {
            let request = SearchRequest {
                query: query.into(),
                per_page: 50,
                ..SearchRequest::default()
            };
            let results = engine.search(&request).expect("search");
            assert!(!results.hits.is_empty(), "{query}");
            let plan = engine.plan(&searcher, query, false, true).expect("plan");
            let highlighter =
                Highlighter::new(&engine.index, &*plan.marked, engine.fields.text).expect("hl");
            for hit in &results.hits {
                let address = engine
                    .address_of(&searcher, &hit.id)
                    .expect("lookup")
                    .expect("found");
                let stored: TantivyDocument = searcher.doc(address).expect("doc");
                let labels = section_labels(&stored, &engine.fields);
                let texts = engine.stored_sections(&stored).expect("texts");
                assert_eq!(texts.len(), labels.len());
                let every = (0..labels.len()).collect();
                let every =
                    snippets(&labels, every, |k| texts.text(k), &highlighter, None).expect("ok");
                assert_eq!(hit.snippets, every, "{query}: {}", hit.id);
                assert!(stored.get_all(engine.fields.section_start).count() > 0);
                assert!(stored
                    .get_all(engine.fields.section_start)
                    .all(|start| start.as_u64().is_some()));
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared} hits compared");
    }
}
