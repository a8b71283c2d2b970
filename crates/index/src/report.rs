//! How a search read its query, added to its results: the plan's notices and thesaurus
//! expansions, whether any document has every word (and what the best one lacks when
//! none does), "did you mean" for words the reports do not use, and the suggestion's
//! results when nothing matched.

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query};
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term};

use crate::facets::{combine, FilterClause};
use crate::query::suggest::{self, Suggestion};
use crate::query::{Notice, QueryPlan};
use crate::request::SearchRequest;
use crate::results::SearchResults;
use crate::search::Engine;
use crate::IndexError;

/// Fewer hits than this and the query's rarer words get "did you mean" suggestions too.
const FEW_HITS: usize = 3;
/// At most this many suggestions, and none for queries longer than this many concepts
/// (a pasted paragraph's unknown words are names and typos nobody asked about).
const MAX_SUGGESTIONS: usize = 3;
const MAX_CONCEPTS_FOR_SUGGESTIONS: usize = 12;

impl Engine {
    /// `results`, or, when they are empty and a close word is in the reports, what that
    /// word finds.
    pub(crate) fn corrected(
        &self,
        request: &SearchRequest,
        results: SearchResults,
    ) -> Result<SearchResults, IndexError> {
        // Nothing found, but a close word is in the reports: show what it finds, as
        // search engines do, and say so (the suggestion stays, to be seen).
        if results.total == 0 && request.correct && !request.strict {
            if let Some(suggestion) = results.suggestions.first().cloned() {
                let corrected = SearchRequest {
                    query: suggestion.query.clone(),
                    ..request.clone()
                };
                let mut instead = self.search_once(&corrected)?;
                if instead.total > 0 {
                    instead.notices.insert(
                        0,
                        Notice {
                            code: "showing_suggestion",
                            message: format!(
                                "No report contains {:?}; showing results for {:?} instead.",
                                request.query, suggestion.query
                            ),
                        },
                    );
                    instead.suggestions = results.suggestions;
                    return Ok(instead);
                }
            }
        }
        Ok(results)
    }

    /// Fills in how the query was read: the plan's notices and expansions, whether
    /// any document has every word (and what the best one lacks if none does), and
    /// "did you mean" for words the reports do not use.
    pub(crate) fn report(
        &self,
        searcher: &Searcher,
        plan: QueryPlan,
        filters: &[FilterClause],
        best: Option<DocAddress>,
        request: &SearchRequest,
        results: &mut SearchResults,
    ) -> Result<(), IndexError> {
        let concepts = plan.concepts.len();
        if (2..=self.ranking.coordination.tier_max_concepts).contains(&concepts) {
            let mut every: Vec<(Occur, Box<dyn Query>)> = plan
                .concepts
                .iter()
                .map(|concept| (Occur::Must, concept.query.box_clone()))
                .collect();
            every.extend(
                plan.constraints
                    .iter()
                    .map(|(occur, q)| (*occur, q.box_clone())),
            );
            let all_filters: Vec<&FilterClause> = filters.iter().collect();
            let with_all = combine(&BooleanQuery::new(every), &all_filters);
            let all_words = searcher.search(&with_all, &Count)?;
            results.all_words_total = Some(all_words);
            if all_words == 0 && results.total > 0 {
                if let Some(best) = best {
                    results.missing_words = self.missing_in(searcher, &plan, best)?;
                }
                let words: Vec<&str> = plan.concepts.iter().map(|c| c.typed.as_str()).collect();
                let mut message = format!(
                    "No report contains all of {}; showing reports with most of them.",
                    words.join(", ")
                );
                if !results.missing_words.is_empty() {
                    message.push_str(&format!(
                        " The best match lacks {}.",
                        results.missing_words.join(", ")
                    ));
                }
                results.notices.insert(
                    0,
                    Notice {
                        code: "not_all_words",
                        message,
                    },
                );
            }
        }
        results.suggestions = self.suggestions(searcher, &plan, &request.query, results.total)?;
        results.notices.splice(0..0, plan.notices);
        results.also_searched = plan.expansions;
        results.ignored_words = plan.ignored;
        Ok(())
    }

    /// The concepts (as typed) that the document at `address` lacks.
    fn missing_in(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        address: DocAddress,
    ) -> Result<Vec<String>, IndexError> {
        let reader = searcher.segment_reader(address.segment_ord);
        let mut missing = Vec::new();
        for concept in &plan.concepts {
            let weight = concept
                .query
                .weight(EnableScoring::disabled_from_searcher(searcher))?;
            let mut scorer = weight.scorer(reader, 1.0)?;
            if scorer.doc() < address.doc_id {
                scorer.seek(address.doc_id);
            }
            if scorer.doc() != address.doc_id {
                missing.push(concept.typed.clone());
            }
        }
        Ok(missing)
    }

    /// "Did you mean" for words no document uses, and, when the search finds little,
    /// for words far rarer than a close one.
    fn suggestions(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        query: &str,
        total: usize,
    ) -> Result<Vec<Suggestion>, IndexError> {
        let field = self.fields.text;
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut analyse = |text: &str| {
            let mut stream = analyzer.token_stream(text);
            let mut tokens = Vec::new();
            while let Some(token) = stream.next() {
                tokens.push((token.offset_from, token.offset_to, token.text.clone()));
            }
            tokens
        };
        let mut suggestions = Vec::new();
        if plan.concepts.len() > MAX_CONCEPTS_FOR_SUGGESTIONS {
            return Ok(suggestions);
        }
        for concept in &plan.concepts {
            if suggestions.len() == MAX_SUGGESTIONS {
                break;
            }
            let Some(term) = &concept.term else {
                continue;
            };
            let doc_freq = searcher.doc_freq(&Term::from_field_text(field, term))?
                + searcher.doc_freq(&Term::from_field_text(self.fields.title, term))?;
            if doc_freq > 0 && total >= FEW_HITS {
                continue;
            }
            let Some((closest, closest_freq)) = suggest::closest_term(searcher, field, term)?
            else {
                continue;
            };
            if doc_freq > 0 && closest_freq < doc_freq.saturating_mul(10) {
                continue;
            }
            let texts_of = |stored: &TantivyDocument| match self.stored_sections(stored) {
                Some(sections) => sections.all(),
                None => Ok(Vec::new()),
            };
            let word = suggest::surface_form(searcher, field, &closest, &texts_of, &mut analyse)?;
            suggestions.push(Suggestion {
                query: suggest::replace_word(query, &concept.typed, &word),
                word: concept.typed.clone(),
                suggestion: word,
            });
        }
        Ok(suggestions)
    }
}
