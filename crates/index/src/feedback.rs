//! Query expansion by pseudo-relevance feedback, as RM3 does it (Lavrenko & Croft's
//! relevance model, interpolated with the query; Anserini's `Rm3Reranker` is the
//! reference): take the best few documents of the first search as if they were
//! relevant, find the words they share, and search again with those words added.
//!
//! It helps long, vague questions ("papers on communicating between processes") find
//! documents that use other words for the same thing, and costs a second search, so it
//! is a request option, off by default.

use std::collections::HashMap;

/// RM3's settings; the defaults are Anserini's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rm3Params {
    /// Documents taken as relevant.
    pub feedback_documents: usize,
    /// Words added to the query.
    pub feedback_terms: usize,
    /// The original query's share of the final query (the rest goes to the added words).
    pub original_query_weight: f32,
    /// Words in more than this share of all documents say nothing about a topic.
    pub max_document_share: f32,
}

impl Default for Rm3Params {
    fn default() -> Self {
        Rm3Params {
            feedback_documents: 10,
            feedback_terms: 10,
            original_query_weight: 0.5,
            max_document_share: 0.1,
        }
    }
}

/// One feedback document: its first-search score and its words (as the index analyses
/// them) with their counts.
pub struct FeedbackDocument {
    pub score: f32,
    pub term_counts: HashMap<String, u32>,
}

/// The relevance model: each document's distribution over the words `keep` accepts,
/// weighted by the document's score and summed, keeping the `feedback_terms` heaviest
/// words, their weights summing to 1. Ties go to the word first in alphabetical order,
/// so a run is reproducible. `keep` is asked once per distinct word (it may look each
/// up in the index); as in Anserini, the words it refuses do not count in a document's
/// length either, so a document full of common words still weighs its rare ones fully.
pub fn relevance_model<E>(
    documents: &[FeedbackDocument],
    params: &Rm3Params,
    keep: &mut dyn FnMut(&str) -> Result<bool, E>,
) -> Result<Vec<(String, f32)>, E> {
    let mut kept: HashMap<&str, bool> = HashMap::new();
    let mut weights: HashMap<&str, f32> = HashMap::new();
    for document in documents {
        let mut counts: Vec<(&str, u32)> = Vec::with_capacity(document.term_counts.len());
        for (term, count) in &document.term_counts {
            let accepted = match kept.get(term.as_str()) {
                Some(accepted) => *accepted,
                None => {
                    let accepted = plausible_word(term) && keep(term)?;
                    kept.insert(term.as_str(), accepted);
                    accepted
                }
            };
            if accepted {
                counts.push((term.as_str(), *count));
            }
        }
        let length: u32 = counts.iter().map(|(_, count)| count).sum();
        for (term, count) in counts {
            *weights.entry(term).or_default() += document.score * count as f32 / length as f32;
        }
    }
    let mut ranked: Vec<(&str, f32)> = weights
        .into_iter()
        .filter(|(_, weight)| *weight > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked.truncate(params.feedback_terms);
    let total: f32 = ranked.iter().map(|(_, weight)| weight).sum();
    Ok(ranked
        .into_iter()
        .map(|(term, weight)| (term.to_owned(), weight / total))
        .collect())
}

/// Anserini's filter: 2 to 20 letters or digits. Numbers, single letters and
/// tokenizer debris are too often shared by chance.
fn plausible_word(term: &str) -> bool {
    (2..=20).contains(&term.chars().count())
        && term.chars().all(|c| c.is_alphanumeric())
        && !term.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(score: f32, words: &[(&str, u32)]) -> FeedbackDocument {
        FeedbackDocument {
            score,
            term_counts: words
                .iter()
                .map(|(word, count)| ((*word).to_owned(), *count))
                .collect(),
        }
    }

    #[test]
    fn relevance_model_weighs_words_by_document_score_and_share() {
        // p(w|R) ∝ Σ score · count / length: "pipe" = 2·(2/4) + 1·(1/2) = 1.5,
        // "messag" = 2·(2/4) = 1.0, "queue" = 1·(1/2) = 0.5.
        let documents = [
            document(2.0, &[("pipe", 2), ("messag", 2)]),
            document(1.0, &[("pipe", 1), ("queue", 1)]),
        ];
        let params = Rm3Params {
            feedback_terms: 2,
            ..Rm3Params::default()
        };
        let model = relevance_model(&documents, &params, &mut |_| Ok::<_, ()>(true)).unwrap();
        assert_eq!(model.len(), 2);
        assert_eq!(model[0].0, "pipe");
        assert_eq!(model[1].0, "messag");
        assert!((model[0].1 - 1.5 / 2.5).abs() < 1e-6);
        assert!((model[1].1 - 1.0 / 2.5).abs() < 1e-6);
    }

    #[test]
    fn relevance_model_drops_numbers_short_words_and_what_keep_refuses() {
        let documents = [document(
            1.0,
            &[("1", 5), ("x", 5), ("comput", 1), ("process", 1)],
        )];
        let model = relevance_model(&documents, &Rm3Params::default(), &mut |term| {
            Ok::<_, ()>(term != "comput")
        })
        .unwrap();
        assert_eq!(model, [("process".to_owned(), 1.0)]);
    }
}
