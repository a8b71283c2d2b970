//! BM25 with our own `k1` and `b`, for the words of a query.
//!
//! tantivy's `Bm25Weight` fixes `k1 = 1.2, b = 0.75` (Robertson's textbook values). On
//! the CACM test collection those cost about 0.04 MAP against Lucene/Anserini's
//! baseline, which uses `k1 = 0.9, b = 0.4`: a lower `b` punishes long documents less
//! and a lower `k1` saturates term frequency sooner, which suits collections of short
//! abstracts and, as much, our long reviews (where a word repeated on 80 pages should
//! not outweigh a rarer word found once). tantivy exposes postings, field norms and the
//! collection statistics, so the term scorer is ours and everything else (boolean
//! logic, phrases, filters, collectors, snippets) stays tantivy's.
//!
//! [`rescore_terms`] rewrites a parsed query: every term query on a text field becomes
//! a [`Bm25TermQuery`]. Phrase queries, ranges and explicitly boosted clauses
//! (`word^3`, whose inner query tantivy does not expose) keep tantivy's scoring.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;

use crate::feedback::Rm3Params;
use crate::query::coordination::Coordination;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyScorer, EnableScoring, Explanation, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

/// The two BM25 constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// How soon repeating a word stops adding to the score (0 = at once).
    pub k1: f32,
    /// How much a document's length discounts its matches (0 = not at all, 1 = fully).
    pub b: f32,
}

impl Default for Bm25Params {
    /// Anserini's BM25 defaults, the baseline the product is measured against.
    fn default() -> Self {
        Bm25Params { k1: 0.9, b: 0.4 }
    }
}

/// How the words of a query are ranked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking {
    pub bm25: Bm25Params,
    /// A title match counts this many times a match in the text.
    pub title_boost: Score,
    /// Query expansion, for requests that ask for it.
    pub feedback: Rm3Params,
    /// How a document's share of the query's concepts weighs (see `query::coordination`).
    pub coordination: Coordination,
    /// A thesaurus alternative counts this much of a typed word.
    pub synonym_weight: Score,
    pub proximity: Proximity,
}

/// The bonus for consecutive query words found near each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proximity {
    /// Weight of a pair's (sloppy phrase) score; 0 turns it off.
    pub weight: Score,
    /// Other words allowed between the two.
    pub slop: u32,
    /// Queries with more concepts get no bonus (pasted paragraphs: the pairs are many
    /// and mostly chance).
    pub max_concepts: usize,
}

impl Default for Proximity {
    fn default() -> Self {
        Proximity {
            weight: 0.2,
            slop: 4,
            max_concepts: 12,
        }
    }
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            bm25: Bm25Params::default(),
            title_boost: 0.5,
            feedback: Rm3Params::default(),
            coordination: Coordination::default(),
            synonym_weight: 0.5,
            proximity: Proximity::default(),
        }
    }
}

/// One term scored with BM25 under [`Bm25Params`], times `boost`.
#[derive(Debug, Clone)]
pub struct Bm25TermQuery {
    term: Term,
    params: Bm25Params,
    boost: Score,
}

impl Bm25TermQuery {
    pub fn new(term: Term, params: Bm25Params, boost: Score) -> Bm25TermQuery {
        Bm25TermQuery {
            term,
            params,
            boost,
        }
    }
}

impl Query for Bm25TermQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let EnableScoring::Enabled {
            statistics_provider,
            ..
        } = enable_scoring
        else {
            // Counting and facets need only the matching documents: tantivy's own
            // term query does that as fast as anything could.
            return TermQuery::new(self.term.clone(), IndexRecordOption::Basic)
                .weight(enable_scoring);
        };
        let field = self.term.field();
        let documents = statistics_provider.total_num_docs()?;
        let tokens = statistics_provider.total_num_tokens(field)?;
        let doc_freq = statistics_provider.doc_freq(&self.term)?.min(documents);
        let average_length = if documents == 0 || tokens == 0 {
            1.0
        } else {
            tokens as Score / documents as Score
        };
        Ok(Box::new(Bm25TermWeight {
            term: self.term.clone(),
            params: self.params,
            // (k1 + 1) keeps scores on the same scale as tantivy's phrase scoring,
            // which a query may mix with ours.
            weight: self.boost * idf(doc_freq, documents) * (self.params.k1 + 1.0),
            length_norms: Arc::new(length_norms(self.params, average_length)),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.term, false);
    }
}

/// Robertson–Spärck Jones idf as Lucene computes it (always positive).
fn idf(doc_freq: u64, documents: u64) -> Score {
    let others = (documents - doc_freq) as Score + 0.5;
    (1.0 + others / (doc_freq as Score + 0.5)).ln()
}

/// `k1 · (1 − b + b · length / average)` for each of the 256 field-norm codes, so
/// scoring a document is a table lookup.
fn length_norms(params: Bm25Params, average_length: Score) -> [Score; 256] {
    let mut norms = [0.0; 256];
    for (code, norm) in norms.iter_mut().enumerate() {
        let length = FieldNormReader::id_to_fieldnorm(code as u8) as Score;
        *norm = params.k1 * (1.0 - params.b + params.b * length / average_length);
    }
    norms
}

struct Bm25TermWeight {
    term: Term,
    params: Bm25Params,
    weight: Score,
    length_norms: Arc<[Score; 256]>,
}

impl Bm25TermWeight {
    fn term_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<Bm25TermScorer>> {
        let field = self.term.field();
        let Some(postings) = reader
            .inverted_index(field)?
            .read_postings(&self.term, IndexRecordOption::WithFreqs)?
        else {
            return Ok(None);
        };
        Ok(Some(Bm25TermScorer {
            postings,
            lengths: reader.get_fieldnorms_reader(field)?,
            weight: self.weight * boost,
            length_norms: Arc::clone(&self.length_norms),
        }))
    }
}

impl Weight for Bm25TermWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.term_scorer(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let not_matched =
            || TantivyError::InvalidArgument(format!("document {doc} does not match"));
        let mut scorer = self.term_scorer(reader, 1.0)?.ok_or_else(not_matched)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(not_matched());
        }
        let mut explanation = Explanation::new_with_string(
            format!(
                "bm25(k1={}, b={}) of {:?}",
                self.params.k1, self.params.b, self.term
            ),
            scorer.score(),
        );
        explanation.add_const("term frequency", scorer.postings.term_freq() as Score);
        explanation.add_const("field length", scorer.lengths.fieldnorm(doc) as Score);
        Ok(explanation)
    }
}

struct Bm25TermScorer {
    postings: SegmentPostings,
    lengths: FieldNormReader,
    /// idf · (k1 + 1) · boost.
    weight: Score,
    length_norms: Arc<[Score; 256]>,
}

impl DocSet for Bm25TermScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for Bm25TermScorer {
    fn score(&mut self) -> Score {
        let frequency = self.postings.term_freq() as Score;
        let norm = self.length_norms[usize::from(self.lengths.fieldnorm_id(self.doc()))];
        self.weight * frequency / (frequency + norm)
    }
}

/// `query` with each term query on a field `field_boost` knows replaced by a
/// [`Bm25TermQuery`], boosted by its field and by how often the query says the word
/// (`term_count`: tantivy's parser keeps one clause per distinct word, while BM25 as
/// Lucene runs it weighs a word said twice twice, which long questions need). Other
/// queries keep their scoring; one on a single boosted field (a phrase in `title`) is
/// given that field's boost.
pub fn rescore_terms(
    query: &dyn Query,
    params: Bm25Params,
    field_boost: &dyn Fn(Field) -> Option<Score>,
    term_count: &dyn Fn(&Term) -> usize,
) -> Box<dyn Query> {
    if let Some(term_query) = query.downcast_ref::<TermQuery>() {
        let term = term_query.term();
        if let Some(boost) = field_boost(term.field()) {
            let count = term_count(term).max(1) as Score;
            return Box::new(Bm25TermQuery::new(term.clone(), params, boost * count));
        }
    }
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        let clauses = boolean
            .clauses()
            .iter()
            .map(|(occur, clause)| {
                (
                    *occur,
                    rescore_terms(&**clause, params, field_boost, term_count),
                )
            })
            .collect();
        return Box::new(BooleanQuery::with_minimum_required_clauses(
            clauses,
            boolean.get_minimum_number_should_match(),
        ));
    }
    let mut fields: Vec<Field> = Vec::new();
    query.query_terms(&mut |term, _| {
        if !fields.contains(&term.field()) {
            fields.push(term.field());
        }
    });
    match fields[..] {
        [field] => match field_boost(field) {
            Some(boost) if boost != 1.0 => Box::new(BoostQuery::new(query.box_clone(), boost)),
            _ => query.box_clone(),
        },
        _ => query.box_clone(),
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    /// Three short documents in one field; lengths this small are stored exactly.
    fn index() -> (Index, Field) {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for text in [
            "pipe pipe message",
            "pipe queue",
            "queue queue queue lock lock",
        ] {
            writer.add_document(doc!(body => text)).unwrap();
        }
        writer.commit().unwrap();
        (index, body)
    }

    fn scores(index: &Index, query: &dyn Query) -> Vec<(f32, u32)> {
        let searcher = index.reader().unwrap().searcher();
        let mut top = searcher
            .search(query, &TopDocs::with_limit(10).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(score, address)| (score, address.doc_id))
            .collect::<Vec<_>>();
        top.sort_by_key(|(_, doc)| *doc);
        top
    }

    #[test]
    fn term_scores_follow_the_bm25_formula_with_our_constants() {
        let (index, body) = index();
        let params = Bm25Params { k1: 0.9, b: 0.4 };
        let query = Bm25TermQuery::new(Term::from_field_text(body, "pipe"), params, 2.0);
        // 3 documents, 10 tokens: average length 10/3; "pipe" is in 2 documents.
        let idf = (1.0f32 + (3.0 - 2.0 + 0.5) / (2.0 + 0.5)).ln();
        let expected = |tf: f32, length: f32| {
            let norm = 0.9 * (1.0 - 0.4 + 0.4 * length / (10.0 / 3.0));
            2.0 * idf * 1.9 * tf / (tf + norm)
        };
        let found = scores(&index, &query);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, 0);
        assert!((found[0].0 - expected(2.0, 3.0)).abs() < 1e-5, "{found:?}");
        assert_eq!(found[1].1, 1);
        assert!((found[1].0 - expected(1.0, 2.0)).abs() < 1e-5, "{found:?}");
    }

    #[test]
    fn with_tantivys_constants_it_scores_as_tantivy_does() {
        let (index, body) = index();
        let parser = QueryParser::for_index(&index, vec![body]);
        let parsed = parser.parse_query("queue lock").unwrap();
        let tantivy_constants = Bm25Params { k1: 1.2, b: 0.75 };
        let ours = rescore_terms(&*parsed, tantivy_constants, &|_| Some(1.0), &|_| 1);
        let (theirs, ours) = (scores(&index, &*parsed), scores(&index, &*ours));
        assert_eq!(theirs.len(), 2);
        for ((their_score, their_doc), (our_score, our_doc)) in theirs.iter().zip(&ours) {
            assert_eq!(their_doc, our_doc);
            assert!(
                (their_score - our_score).abs() < 1e-4,
                "{theirs:?} {ours:?}"
            );
        }
    }

    #[test]
    fn a_word_said_twice_weighs_twice_and_field_boosts_apply() {
        let (index, body) = index();
        let parser = QueryParser::for_index(&index, vec![body]);
        let params = Bm25Params::default();
        let once = rescore_terms(
            &*parser.parse_query("lock").unwrap(),
            params,
            &|_| Some(1.0),
            &|_| 1,
        );
        // The parser keeps one clause for "lock lock"; the count restores the second.
        let twice = rescore_terms(
            &*parser.parse_query("lock lock").unwrap(),
            params,
            &|_| Some(0.5),
            &|term| {
                if term.value().as_str() == Some("lock") {
                    2
                } else {
                    1
                }
            },
        );
        let (once, twice) = (scores(&index, &*once), scores(&index, &*twice));
        assert_eq!(once.len(), 1);
        assert!((once[0].0 - twice[0].0).abs() < 1e-5, "{once:?} {twice:?}");
    }

    #[test]
    fn fields_without_a_boost_and_phrases_keep_tantivys_query() {
        let (index, body) = index();
        let parser = QueryParser::for_index(&index, vec![body]);
        let phrase = parser.parse_query("\"pipe message\"").unwrap();
        let rescored = rescore_terms(&*phrase, Bm25Params::default(), &|_| Some(1.0), &|_| 1);
        assert!(rescored.downcast_ref::<Bm25TermQuery>().is_none());
        assert_eq!(scores(&index, &*rescored), scores(&index, &*phrase));
        let word = parser.parse_query("pipe").unwrap();
        let untouched = rescore_terms(&*word, Bm25Params::default(), &|_| None, &|_| 1);
        assert!(untouched.downcast_ref::<TermQuery>().is_some());
    }
}
