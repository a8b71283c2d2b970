//! Presenting what the engine found: a stored document as a [`Hit`] (heading, date as
//! precisely as known, themes with their evidence, snippets) or as its sections. The
//! API, the pages, the feeds, the exports and the command line all show hits made here.

use casesearch_model::{CataloguedReview, Review, Section};
use tantivy::schema::Value;
use tantivy::TantivyDocument;

use crate::highlight::{first_words, Fragment, Highlighter};
use crate::hit_sections::{busiest_sections, matches_by_section};
use crate::results::{Hit, Snippet, ThemeSummary};
use crate::schema::Fields;
use crate::IndexError;

/// Snippets shown per hit.
const SNIPPETS_PER_HIT: usize = 3;
/// Sections read for a hit's snippets: those with the most matches by the postings
/// (twice the snippets shown, since the best fragment of a section with fewer matches
/// can hold more of them than another's), never the whole of a long document.
const CANDIDATE_SECTIONS: usize = 2 * SNIPPETS_PER_HIT;

/// What a hit's snippets are made from: the query's highlighter and where its terms
/// occur in the hit (positions in the text field, from [`crate::hit_sections`]).
pub(crate) struct SnippetSource<'a> {
    pub highlighter: &'a Highlighter,
    pub positions: &'a [u32],
}
/// About how long a snippet is: bytes of text in a fragment (tantivy's measure), characters
/// in an opening.
const SNIPPET_LENGTH: usize = 220;

/// A review's date as precisely as the document or catalogue states it: "2012", not
/// 2012-01-01.
pub fn display_date(review: &Review) -> Option<String> {
    review
        .details
        .derived
        .get("date")
        .map(|date| date.value.clone())
        .filter(|value| value.len() < 10)
        .or_else(|| review.date.map(|date| date.to_string()))
}

pub(crate) fn hit(
    fields: &Fields,
    stored: &TantivyDocument,
    score: Option<f32>,
    snippet_source: Option<SnippetSource>,
) -> Result<Hit, IndexError> {
    let record = record(fields, stored)?;
    let snippets = match snippet_source {
        Some(source) => {
            let sections = section_texts(stored, fields);
            let starts: Vec<u64> = stored
                .get_all(fields.section_start)
                .filter_map(|value| value.as_u64())
                .collect();
            // Every index of this schema stores the starts; without them, every section.
            let candidates = (starts.len() == sections.len()).then(|| {
                let counts = matches_by_section(&starts, source.positions);
                busiest_sections(&counts, CANDIDATE_SECTIONS)
            });
            snippets(&sections, candidates, source.highlighter)
        }
        None => Vec::new(),
    };
    let mut review = record.review;
    let date = display_date(&review);
    let details = std::mem::take(&mut review.details);
    Ok(Hit {
        heading: heading(review.year(), &review.publisher, &review.title),
        id: review.id.clone(),
        date,
        year: review.year(),
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
                    .first()
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
    let json = stored
        .get_first(fields.record)
        .and_then(|value| value.as_str())
        .ok_or_else(|| IndexError::CorruptRecord("document has no stored record".into()))?;
    serde_json::from_str(json).map_err(|err| IndexError::CorruptRecord(err.to_string()))
}

/// The sections (label, text) with the most matches, marked; the opening when nothing
/// matched. Only the `candidates` (section numbers) are read, when given.
pub(crate) fn snippets(
    sections: &[(&str, &str)],
    candidates: Option<Vec<usize>>,
    highlighter: &Highlighter,
) -> Vec<Snippet> {
    let read: Vec<(&str, &str)> = match candidates {
        Some(mut chosen) => {
            // In reading order, so that equals keep it below.
            chosen.sort_unstable();
            chosen
                .into_iter()
                .filter_map(|k| sections.get(k).copied())
                .collect()
        }
        None => sections.to_vec(),
    };
    let mut found: Vec<(&str, &str, Fragment)> = read
        .iter()
        .filter_map(|&(label, text)| {
            let fragment = highlighter.best_fragment(text, SNIPPET_LENGTH)?;
            Some((label, text, fragment))
        })
        .collect();
    // Most matches first; sections keep reading order among equals (stable sort).
    found.sort_by_key(|(_, _, fragment)| std::cmp::Reverse(fragment.matches()));
    let mut snippets: Vec<Snippet> = found
        .into_iter()
        .take(SNIPPETS_PER_HIT)
        .map(|(label, text, fragment)| Snippet {
            section: label.to_owned(),
            html: fragment.html(text),
        })
        .collect();
    if snippets.is_empty() {
        // No words to show in context (empty query, or a title-only match): the opening.
        if let Some(&(label, text)) = sections.first() {
            snippets.push(Snippet {
                section: label.to_owned(),
                html: first_words(text, SNIPPET_LENGTH),
            });
        }
    }
    snippets
}

/// A stored document's sections as (label, text), borrowed: snippets need no copies.
pub(crate) fn section_texts<'a>(
    stored: &'a TantivyDocument,
    fields: &Fields,
) -> Vec<(&'a str, &'a str)> {
    let labels = stored
        .get_all(fields.section)
        .filter_map(|value| value.as_str());
    let texts = stored
        .get_all(fields.text)
        .filter_map(|value| value.as_str());
    labels.zip(texts).collect()
}

pub(crate) fn sections(stored: &TantivyDocument, fields: &Fields) -> Vec<Section> {
    section_texts(stored, fields)
        .into_iter()
        .map(|(label, text)| Section {
            label: label.to_owned(),
            text: text.to_owned(),
        })
        .collect()
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
    use casesearch_model::{CataloguedReview, Region, Review};
    use tantivy::schema::Value;

    use super::*;
    use crate::{build_index, BuildInputs, Engine, SearchRequest};

    /// Snippets chosen from the sections the postings say are busiest are those a
    /// reading of every section gives, on real reports.
    #[test]
    fn snippets_from_the_busiest_sections_are_those_of_reading_every_section() {
        let records = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
        )
        .expect("the bundled corpus");
        let reviews: Vec<CataloguedReview> = records
            .lines()
            .take(300)
            .map(|line| {
                let review: Review = serde_json::from_str(line).expect("a record");
                CataloguedReview {
                    region: Region::unknown(&review.publisher),
                    review,
                    themes: Vec::new(),
                }
            })
            .collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let inputs = BuildInputs {
            corpus_fingerprint: "test".into(),
            themes_version: "none".into(),
            regions_version: "none".into(),
            themes: Vec::new(),
            corpus_files: Vec::new(),
            synonyms: Vec::new(),
        };
        build_index(&dir.path().join("index"), &reviews, inputs, &|_| {}).expect("index");
        let engine = Engine::open(&dir.path().join("index")).expect("open");
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
                let every = snippets(&section_texts(&stored, &engine.fields), None, &highlighter);
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
