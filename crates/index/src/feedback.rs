//! Query expansion by pseudo-relevance feedback, as RM3 does it (Lavrenko & Croft's
//! relevance model, interpolated with the query; Anserini's `Rm3Reranker` is the
//! reference): take the best few documents of the first search as if they were
//! relevant, find the words they share, and search again with those words added.
//!
//! It helps long, vague questions ("papers on communicating between processes") find
//! documents that use other words for the same thing, and costs a second search, so it
//! is a request option (`expand=true`), off by default.
//!
//! As Anserini's `Rm3Reranker`: each feedback document's vector keeps only its
//! `feedback_terms` most frequent words (after dropping words in more than 10% of
//! documents) before it is normalised, and the final query weighs the original words
//! `original_query_weight · qtf / |q|` and the added ones `(1 − that) · p(w|R)`.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::{Index, Searcher, TantivyDocument, Term};

use crate::bm25::{Bm25TermQuery, Ranking};
use crate::facets::{combine, FilterClause};
use crate::query::QueryPlan;
use crate::schema::Fields;
use crate::text_store::TextStore;
use crate::IndexError;

/// RM3's settings: Anserini's, but for the original query's weight (Anserini: 0.5). At
/// 0.5 expansion cost CACM 0.020 MAP against our unexpanded ranking; at 0.6 it costs
/// 0.001 there and gains 0.027–0.071 on MED, CISI and CRAN (docs/benchmarks.md).
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
            original_query_weight: 0.6,
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
        // Anserini prunes each document's vector to its most frequent words first.
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        counts.truncate(params.feedback_terms);
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

/// The plan's words with the words of its best matches added (see the module
/// documentation). A plan with required clauses or a boolean expression keeps them
/// required; otherwise the added words may match on their own, as in Anserini.
pub(crate) fn expand(
    searcher: &Searcher,
    index: &Index,
    fields: &Fields,
    texts: &TextStore,
    ranking: &Ranking,
    plan: &QueryPlan,
    filters: &[&FilterClause],
) -> Result<Box<dyn Query>, IndexError> {
    let params = ranking.feedback;
    let first = searcher.search(
        &combine(&*plan.words, filters),
        &TopDocs::with_limit(params.feedback_documents.max(1)).order_by_score(),
    )?;
    let mut analyzer = index.tokenizer_for_field(fields.text)?;
    let mut documents = Vec::with_capacity(first.len());
    for (score, address) in first {
        let stored: TantivyDocument = searcher.doc(address)?;
        let sections = match stored
            .get_first(fields.id)
            .and_then(|value| value.as_str())
            .and_then(|id| texts.sections(id))
        {
            Some(sections) => sections.all()?,
            None => Vec::new(),
        };
        let mut term_counts: HashMap<String, u32> = HashMap::new();
        for section in &sections {
            let mut tokens = analyzer.token_stream(section);
            while let Some(token) = tokens.next() {
                *term_counts.entry(token.text.clone()).or_default() += 1;
            }
        }
        documents.push(FeedbackDocument { score, term_counts });
    }
    let all_documents = searcher.num_docs().max(1) as f32;
    let model = relevance_model(&documents, &params, &mut |term| {
        let doc_freq = searcher.doc_freq(&Term::from_field_text(fields.text, term))?;
        Ok::<_, IndexError>(doc_freq as f32 / all_documents <= params.max_document_share)
    })?;
    let original_weight = params.original_query_weight / plan.query_words.max(1) as f32;
    let strict = plan.boolean
        || plan
            .constraints
            .iter()
            .any(|(occur, _)| *occur == Occur::Must);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        if strict { Occur::Must } else { Occur::Should },
        Box::new(BoostQuery::new(plan.words.box_clone(), original_weight)),
    )];
    let added_weight = 1.0 - params.original_query_weight;
    for (word, weight) in model {
        // Scored as a typed word is: in the text, and in the title with its boost.
        let in_field = |field: Field, boost: f32| -> Box<dyn Query> {
            Box::new(Bm25TermQuery::new(
                Term::from_field_text(field, &word),
                ranking.bm25,
                added_weight * weight * boost,
            ))
        };
        let either = BooleanQuery::union(vec![
            in_field(fields.text, 1.0),
            in_field(fields.title, ranking.title_boost),
        ]);
        clauses.push((Occur::Should, Box::new(either)));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
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
