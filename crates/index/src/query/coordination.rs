//! Ranking that degrades gracefully: a document matches when it has any of the query's
//! concepts (a word, with its thesaurus alternatives; a phrase; a prefix). Documents
//! with every concept come first (a fixed tier, for queries of 2 to 12 concepts, short
//! enough that every concept can be expected); the rest follow by their BM25 sum, with a
//! bonus for query words found near each other.
//!
//! Requiring every word, as the search did, left plain sentences with no results
//! ("teenager took her own life": 0). The sum can be scaled by the share of concepts a
//! document has (Lucene's classic coordination factor, `(m / n)^p`), and the tiers could
//! count concepts (Meilisearch's "words" rule), but both cost MAP on all four shared
//! collections (README): BM25 already ranks a document with more of the words higher,
//! weighing rare ones more, so the exponent defaults to 0 and only the every-concept
//! tier is kept. [`CoordinationQuery`] is the one query that does this; tantivy's
//! boolean union sums scores and cannot tell how many of its clauses matched.

use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Explanation, Occur, Query, Scorer, Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

/// How the concepts' scores combine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordination {
    /// Exponent of the share of concepts a document has (0: plain BM25 sum).
    pub exponent: f32,
    /// Added to documents that have every concept, so they rank first, when the query
    /// has at least two and at most [`Coordination::tier_max_concepts`].
    pub all_concepts_bonus: f32,
    pub tier_max_concepts: usize,
}

impl Default for Coordination {
    fn default() -> Self {
        Coordination {
            // Measured on CACM, MED, CISI and CRAN: any coordination scaling of the
            // BM25 sum costs MAP (0.25: −0.01 to −0.03), since BM25 already ranks a
            // document with more of the query's words higher; the tier does the rest.
            exponent: 0.0,
            all_concepts_bonus: 10_000.0,
            tier_max_concepts: 12,
        }
    }
}

/// A clause that only adds to the score of a document that matched (a pair of query
/// words found near each other), with what bounds its score: tantivy scores a term or
/// a phrase with BM25 over its terms' summed idf, which can never exceed
/// [`Bm25Weight::max_score`]. Ranking skips a document's bonuses when even their most
/// could not lift it into the results (`CoordinationWeight::for_each_pruning`).
pub struct Bonus {
    query: Box<dyn Query>,
    terms: Vec<Term>,
    boost: Score,
}

impl Bonus {
    /// `query` (a term or phrase query over `terms`, scored by tantivy's BM25) weighed
    /// by `boost`.
    pub fn new(query: Box<dyn Query>, terms: Vec<Term>, boost: Score) -> Bonus {
        Bonus {
            query,
            terms,
            boost,
        }
    }

    /// The most this bonus adds to a document's score; unbounded when its terms are not
    /// of one field (tantivy's BM25 would refuse them), so nothing is pruned.
    fn max_score(&self, enable_scoring: &EnableScoring<'_>) -> tantivy::Result<Score> {
        let one_field = self
            .terms
            .first()
            .is_some_and(|first| self.terms.iter().all(|term| term.field() == first.field()));
        if !one_field {
            return Ok(Score::INFINITY);
        }
        match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => {
                Ok(self.boost
                    * Bm25Weight::for_terms(*statistics_provider, &self.terms)?.max_score())
            }
            EnableScoring::Disabled { .. } => Ok(0.0),
        }
    }

    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        BoostQuery::new(self.query.box_clone(), self.boost).weight(enable_scoring)
    }
}

impl Clone for Bonus {
    fn clone(&self) -> Self {
        Bonus {
            query: self.query.box_clone(),
            terms: self.terms.clone(),
            boost: self.boost,
        }
    }
}

impl std::fmt::Debug for Bonus {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Bonus")
            .field("query", &self.query)
            .field("boost", &self.boost)
            .finish()
    }
}

/// Concepts ranked by coordination, plus clauses that only add to the score of a
/// document that matched (word proximity).
pub struct CoordinationQuery {
    concepts: Vec<Box<dyn Query>>,
    bonuses: Vec<Bonus>,
    coordination: Coordination,
}

impl Clone for CoordinationQuery {
    fn clone(&self) -> Self {
        CoordinationQuery {
            concepts: self.concepts.iter().map(|q| q.box_clone()).collect(),
            bonuses: self.bonuses.clone(),
            coordination: self.coordination,
        }
    }
}

impl std::fmt::Debug for CoordinationQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoordinationQuery")
            .field("concepts", &self.concepts)
            .field("bonuses", &self.bonuses)
            .field("coordination", &self.coordination)
            .finish()
    }
}

impl CoordinationQuery {
    pub fn new(
        concepts: Vec<Box<dyn Query>>,
        bonuses: Vec<Bonus>,
        coordination: Coordination,
    ) -> CoordinationQuery {
        CoordinationQuery {
            concepts,
            bonuses,
            coordination,
        }
    }

    /// Whether any clause only adds to scores (what pruning saves).
    pub fn has_bonuses(&self) -> bool {
        !self.bonuses.is_empty()
    }
}

impl Query for CoordinationQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        if !enable_scoring.is_scoring_enabled() {
            // Counting and facets need only which documents match: tantivy's union
            // finds them in blocks, faster than this scorer's document-at-a-time walk.
            let union = BooleanQuery::new(
                self.concepts
                    .iter()
                    .map(|query| (Occur::Should, query.box_clone()))
                    .collect(),
            );
            return union.weight(enable_scoring);
        }
        let concepts = self
            .concepts
            .iter()
            .map(|query| query.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let bonuses = self
            .bonuses
            .iter()
            .map(|bonus| bonus.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut max_bonus = 0.0;
        for bonus in &self.bonuses {
            max_bonus += bonus.max_score(&enable_scoring)?;
        }
        Ok(Box::new(CoordinationWeight {
            concepts,
            bonuses,
            max_bonus,
            coordination: self.coordination,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for query in &self.concepts {
            query.query_terms(visitor);
        }
    }
}

struct CoordinationWeight {
    concepts: Vec<Box<dyn Weight>>,
    bonuses: Vec<Box<dyn Weight>>,
    /// The most all bonuses together add to a document's score (a bound, not reached).
    max_bonus: Score,
    coordination: Coordination,
}

impl CoordinationWeight {
    fn coordination_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<CoordinationScorer> {
        let concepts = self
            .concepts
            .iter()
            .map(|weight| weight.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let bonuses = self
            .bonuses
            .iter()
            .map(|weight| weight.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let n = concepts.len();
        let tiered = (2..=self.coordination.tier_max_concepts).contains(&n);
        let mut scorer = CoordinationScorer {
            concepts,
            bonuses,
            doc: TERMINATED,
            n: n as Score,
            exponent: self.coordination.exponent,
            all_bonus: if tiered {
                self.coordination.all_concepts_bonus
            } else {
                0.0
            },
        };
        scorer.doc = scorer.lowest();
        Ok(scorer)
    }
}

impl Weight for CoordinationWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.coordination_scorer(reader, boost)?))
    }

    /// As tantivy's default (every document scored, those above the threshold handed
    /// on), except that a document's bonuses are computed only when they could lift it
    /// above the threshold: they are sloppy phrases, whose matching walks both words'
    /// positions, and on long documents that was most of ranking. The scores handed on
    /// are exact, so the top documents are those without pruning (a test checks).
    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut scorer = self.coordination_scorer(reader, 1.0)?;
        let mut threshold = threshold;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            let base = scorer.base_score();
            if base + self.max_bonus > threshold {
                let score = base + scorer.bonus();
                if score > threshold {
                    threshold = callback(doc, score);
                }
            }
            doc = scorer.advance();
        }
        Ok(())
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.coordination_scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let (matched, sum, bonus) = scorer.parts();
        let mut explanation = Explanation::new_with_string(
            format!(
                "coordination: {matched} of {} concepts, (sum · ({matched}/{})^{}) + proximity{}",
                scorer.n,
                scorer.n,
                scorer.exponent,
                if matched as Score == scorer.n && scorer.all_bonus > 0.0 {
                    " + every-concept tier"
                } else {
                    ""
                }
            ),
            scorer.score(),
        );
        explanation.add_const("sum of concept scores", sum);
        explanation.add_const("proximity and expansion", bonus);
        for weight in self.concepts.iter().chain(&self.bonuses) {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

struct CoordinationScorer {
    concepts: Vec<Box<dyn Scorer>>,
    bonuses: Vec<Box<dyn Scorer>>,
    doc: DocId,
    n: Score,
    exponent: f32,
    all_bonus: Score,
}

impl CoordinationScorer {
    fn lowest(&self) -> DocId {
        self.concepts
            .iter()
            .map(|scorer| scorer.doc())
            .min()
            .unwrap_or(TERMINATED)
    }

    /// Concepts matched, their score sum, and the bonuses' sum, at the current document.
    fn parts(&mut self) -> (usize, Score, Score) {
        let (matched, sum) = self.concepts_matched();
        (matched, sum, self.bonus())
    }

    /// Concepts matched and their score sum, at the current document.
    fn concepts_matched(&mut self) -> (usize, Score) {
        let doc = self.doc;
        let mut matched = 0;
        let mut sum = 0.0;
        for scorer in &mut self.concepts {
            if scorer.doc() == doc {
                matched += 1;
                sum += scorer.score();
            }
        }
        (matched, sum)
    }

    /// The bonuses' sum at the current document.
    fn bonus(&mut self) -> Score {
        let doc = self.doc;
        let mut bonus = 0.0;
        for scorer in &mut self.bonuses {
            if scorer.doc() < doc {
                scorer.seek(doc);
            }
            if scorer.doc() == doc {
                bonus += scorer.score();
            }
        }
        bonus
    }

    /// The score without bonuses: the every-concept tier and the (scaled) concept sum.
    fn base_score(&mut self) -> Score {
        let (matched, sum) = self.concepts_matched();
        let matched = matched as Score;
        let share = if self.exponent == 0.0 {
            1.0
        } else {
            (matched / self.n).powf(self.exponent)
        };
        let tier = if matched == self.n {
            self.all_bonus
        } else {
            0.0
        };
        tier + sum * share
    }
}

impl DocSet for CoordinationScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        if doc == TERMINATED {
            return TERMINATED;
        }
        for scorer in &mut self.concepts {
            if scorer.doc() == doc {
                scorer.advance();
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        for scorer in &mut self.concepts {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.concepts
            .iter()
            .map(|scorer| scorer.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for CoordinationScorer {
    fn score(&mut self) -> Score {
        self.base_score() + self.bonus()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::TermQuery;
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    fn index(texts: &[&str]) -> (Index, Field) {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        for text in texts {
            writer.add_document(doc!(body => *text)).unwrap();
        }
        writer.commit().unwrap();
        (index, body)
    }

    fn term(field: Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))
    }

    #[test]
    fn documents_with_every_concept_rank_first_and_any_concept_matches() {
        // "rare" alone would win a plain BM25 sum (it is rare and repeated).
        let (index, body) = index(&[
            "rare rare rare rare filler",
            "common other words here",
            "rare common together",
            "nothing relevant",
        ]);
        let query = CoordinationQuery::new(
            vec![term(body, "rare"), term(body, "common")],
            Vec::new(),
            Coordination::default(),
        );
        let searcher = index.reader().unwrap().searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(10).order_by_score())
            .unwrap();
        let order: Vec<u32> = top.iter().map(|(_, address)| address.doc_id).collect();
        assert_eq!(order[0], 2, "{top:?}");
        assert_eq!(order.len(), 3);
        assert_eq!(searcher.search(&query, &Count).unwrap(), 3);
        let explanation = query
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap()
            .explain(searcher.segment_reader(0), 2)
            .unwrap();
        assert!((explanation.value() - top[0].0).abs() < 1e-3);
        assert!(explanation.to_pretty_json().contains("2 of 2 concepts"));
    }

    #[test]
    fn a_bonus_without_terms_of_one_field_is_never_pruned() {
        let (index, body) = index(&["alpha beta"]);
        let searcher = index.reader().unwrap().searcher();
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        let bonus = |terms: Vec<Term>| Bonus::new(term(body, "beta"), terms, 1.0);
        assert_eq!(
            bonus(Vec::new()).max_score(&scoring).unwrap(),
            Score::INFINITY
        );
        let beta = Term::from_field_text(body, "beta");
        let bound = bonus(vec![beta]).max_score(&scoring).unwrap();
        assert!(bound.is_finite() && bound > 0.0);
    }

    #[test]
    fn bonuses_add_to_matches_but_never_match_alone() {
        let (index, body) = index(&["alpha beta", "alpha", "beta gamma"]);
        let plain = CoordinationQuery::new(
            vec![term(body, "alpha")],
            Vec::new(),
            Coordination::default(),
        );
        let with_bonus = CoordinationQuery::new(
            vec![term(body, "alpha")],
            vec![Bonus::new(
                term(body, "beta"),
                vec![Term::from_field_text(body, "beta")],
                1.0,
            )],
            Coordination::default(),
        );
        let searcher = index.reader().unwrap().searcher();
        let scores = |query: &dyn Query| {
            let mut top = searcher
                .search(query, &TopDocs::with_limit(10).order_by_score())
                .unwrap();
            top.sort_by_key(|(_, address)| address.doc_id);
            top
        };
        let (before, after) = (scores(&plain), scores(&with_bonus));
        assert_eq!(after.len(), 2, "beta alone (doc 2) must not match");
        assert!(after[0].0 > before[0].0);
        assert!((after[1].0 - before[1].0).abs() < 1e-6);
    }
}
