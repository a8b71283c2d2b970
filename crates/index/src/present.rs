//! Presenting what the engine found: a stored document as a [`Hit`] (heading, date as
//! precisely as known, themes with their evidence, snippets) or as its sections. The
//! API, the pages, the feeds, the exports and the command line all show hits made here.

use casesearch_model::{CataloguedReview, Review, Section};
use tantivy::schema::Value;
use tantivy::TantivyDocument;

use crate::highlight::{first_words, Fragment, Highlighter};
use crate::results::{Hit, Snippet, ThemeSummary};
use crate::schema::Fields;
use crate::IndexError;

/// Snippets shown per hit.
const SNIPPETS_PER_HIT: usize = 3;
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
    highlighter: Option<&Highlighter>,
) -> Result<Hit, IndexError> {
    let record = record(fields, stored)?;
    let snippets = match highlighter {
        Some(highlighter) => snippets(&section_texts(stored, fields), highlighter),
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
/// matched.
pub(crate) fn snippets(sections: &[(&str, &str)], highlighter: &Highlighter) -> Vec<Snippet> {
    let mut found: Vec<(&str, &str, Fragment)> = sections
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
