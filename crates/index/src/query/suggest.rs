//! "Did you mean": for a query word the index does not hold (or holds rarely while the
//! search finds little), the closest word it does hold, by edit distance over the
//! index's own term dictionary (a Levenshtein automaton streamed over it, as tantivy's
//! fuzzy query does), the most frequent at the smallest distance.
//!
//! The dictionary holds stems ("neglect", "safeguard"), which are not words to show,
//! so the suggestion is shown as the index's text writes it: the first word of a
//! document containing the stem that analyses to it.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{FuzzyTermQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, TantivyDocument, Term};

use crate::IndexError;

/// A closer word for one the user typed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// As typed: "neglet".
    pub word: String,
    /// As the reports write it: "neglect".
    pub suggestion: String,
    /// The whole query with the word replaced, to search with one click.
    pub query: String,
}

/// The indexed term closest to `term` (not `term` itself), with its document frequency:
/// the smallest edit distance (1 for words of up to 5 letters, else up to 2), then the
/// most documents. `None` when nothing is close.
pub fn closest_term(
    searcher: &Searcher,
    field: Field,
    term: &str,
) -> Result<Option<(String, u64)>, IndexError> {
    let length = term.chars().count();
    if length < 3 {
        return Ok(None);
    }
    let max_distance: u8 = if length <= 5 { 1 } else { 2 };
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, term), max_distance, true);
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .search(fuzzy.automaton()?)
            .into_stream()
            .map_err(|err| IndexError::Tantivy(err.into()))?;
        while stream.advance() {
            let Ok(candidate) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if candidate != term {
                *found.entry(candidate.to_owned()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(candidate, doc_freq)| (edit_distance(term, &candidate), candidate, doc_freq))
        .min_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)))
        .map(|(_, candidate, doc_freq)| (candidate, doc_freq)))
}

/// A text's words as the index analyses them: (byte from, byte to, term).
pub type Analyse<'a> = dyn FnMut(&str) -> Vec<(usize, usize, String)> + 'a;

/// How the index's text writes `term` (a stem): the first word in a document holding it
/// that `analyse` turns into `term`, lower-cased. Falls back to the stem itself.
/// `texts_of` gives a stored document's texts in `field` (the text field's live in the
/// text store, not in the document).
pub fn surface_form(
    searcher: &Searcher,
    field: Field,
    term: &str,
    texts_of: &dyn Fn(&TantivyDocument) -> Result<Vec<String>, IndexError>,
    analyse: &mut Analyse<'_>,
) -> Result<String, IndexError> {
    let query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::Basic);
    let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    if let Some((_, address)) = top.first() {
        let stored: TantivyDocument = searcher.doc(*address)?;
        for text in texts_of(&stored)? {
            let text = text.as_str();
            for (from, to, token) in analyse(text) {
                if token == term {
                    if let Some(word) = text.get(from..to) {
                        return Ok(word.to_lowercase());
                    }
                }
            }
        }
    }
    Ok(term.to_owned())
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions), over
/// characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

/// `query` with the clause `typed` replaced by `replacement` (its first whole
/// occurrence, keeping a sign or field before it).
pub fn replace_word(query: &str, typed: &str, replacement: &str) -> String {
    let mut replaced = false;
    query
        .split(' ')
        .map(|piece| {
            if !replaced && piece == typed {
                replaced = true;
                replacement.to_owned()
            } else {
                piece.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits_and_transpositions() {
        assert_eq!(edit_distance("neglect", "neglect"), 0);
        assert_eq!(edit_distance("neglet", "neglect"), 1);
        assert_eq!(edit_distance("nelgect", "neglect"), 1);
        assert_eq!(edit_distance("safegaurding", "safeguarding"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn replace_word_swaps_only_the_whole_typed_clause() {
        assert_eq!(
            replace_word("neglet neglected", "neglet", "neglect"),
            "neglect neglected"
        );
        assert_eq!(replace_word("a neglet", "negle", "x"), "a neglet");
    }
}
