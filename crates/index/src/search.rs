//! The engine: opens an index and executes query plans (see `query`): searches with
//! facets, snippets and a report of how the query was read, exports, ranking runs for
//! evaluation, and document lookups. Hits are presented by `present`; filters and
//! facet counts are in `facets`.

use std::path::Path;

use casesearch_model::CataloguedReview;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EnableScoring, MoreLikeThisQuery, Occur, Query, QueryParser,
    TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, OwnedValue, Value};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::bm25::Ranking;
use crate::facets::{combine, FilterClause};
use crate::highlight::Highlighter;
use crate::meta::IndexMeta;
use crate::present;
use crate::query::suggest::{self, Suggestion};
use crate::query::thesaurus::Thesaurus;
use crate::query::{Notice, PlanContext, PlanOptions, QueryPlan};
use crate::request::{SearchRequest, Sort, MAX_PER_PAGE};
use crate::results::{DocumentView, Hit, SearchResults, Snippet};
use crate::schema::{build_schema, names, Fields};
use crate::tally::FacetTables;
use crate::IndexError;

/// A matching document's address, with its score when ranked by relevance.
type RankedDoc = (Option<f32>, DocAddress);

/// Fewer hits than this and the query's rarer words get "did you mean" suggestions too.
const FEW_HITS: usize = 3;
/// At most this many suggestions, and none for queries longer than this many concepts
/// (a pasted paragraph's unknown words are names and typos nobody asked about).
const MAX_SUGGESTIONS: usize = 3;
const MAX_CONCEPTS_FOR_SUGGESTIONS: usize = 12;

/// An opened index, ready to answer searches from many threads.
pub struct Engine {
    index: Index,
    reader: IndexReader,
    pub(crate) fields: Fields,
    /// For boolean expressions (`AND`, `OR`, `NOT`): every word required.
    boolean_parser: QueryParser,
    pub(crate) meta: IndexMeta,
    thesaurus: Thesaurus,
    ranking: Ranking,
    /// Each facet field's facets, read once (see `tally`).
    pub(crate) facet_tables: FacetTables,
}

/// A request's plan with its filters, and the two combined.
struct Prepared {
    plan: QueryPlan,
    /// What matches: the plan's words, expanded when the request asks.
    words: Box<dyn Query>,
    filters: Vec<FilterClause>,
    combined: BooleanQuery,
}

impl Engine {
    /// Opens the index at `dir`, refusing one built with another schema.
    pub fn open(dir: &Path) -> Result<Engine, IndexError> {
        let meta = IndexMeta::read(dir)?.ok_or_else(|| IndexError::Missing(dir.to_path_buf()))?;
        let incompatible = |reason: String| IndexError::Incompatible {
            path: dir.to_path_buf(),
            reason,
        };
        if meta.schema_version != crate::schema::SCHEMA_VERSION {
            return Err(incompatible(format!(
                "built with schema {}, this binary uses schema {} (rebuild with `casesearch index`)",
                meta.schema_version,
                crate::schema::SCHEMA_VERSION
            )));
        }
        let index = Index::open_in_dir(dir)?;
        crate::schema::register_analyzers(&index);
        let (expected_schema, fields) = build_schema();
        if index.schema() != expected_schema {
            return Err(incompatible("its schema differs from this binary's".into()));
        }
        let thesaurus = Thesaurus::new(meta.synonyms.clone())
            .map_err(|err| incompatible(format!("its thesaurus is invalid: {err}")))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let facet_tables = FacetTables::build(&reader.searcher())?;
        // No field boosts here: the plan scores words with our BM25 and title boost.
        let mut boolean_parser = QueryParser::for_index(&index, vec![fields.title, fields.text]);
        boolean_parser.set_conjunction_by_default();
        Ok(Engine {
            index,
            reader,
            fields,
            boolean_parser,
            meta,
            thesaurus,
            ranking: Ranking::default(),
            facet_tables,
        })
    }

    /// The same engine ranking words by `ranking` instead of the default: for
    /// evaluations that compare settings.
    pub fn with_ranking(mut self, ranking: Ranking) -> Engine {
        self.ranking = ranking;
        self
    }

    pub fn ranking(&self) -> Ranking {
        self.ranking
    }

    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    pub fn thesaurus(&self) -> &Thesaurus {
        &self.thesaurus
    }

    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        self.search_once(request)
            .and_then(|results| self.corrected(request, results))
    }

    fn search_once(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        let searcher = self.reader.searcher();
        let Prepared {
            plan,
            words,
            filters,
            combined,
        } = self.prepare(&searcher, request)?;
        let per_page = request.per_page.clamp(1, MAX_PER_PAGE);
        let page = request.page.max(1);
        let offset = (page - 1).saturating_mul(per_page);
        let (total, ranked) = self.ranked(&searcher, &combined, request, per_page, offset)?;
        let highlighter = Highlighter::new(&self.index, &*plan.marked, self.fields.text)?;
        let hits = ranked
            .iter()
            .map(|&(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                present::hit(&self.fields, &stored, score, Some(&highlighter))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let facets = self.facets(&searcher, &*words, &filters, request)?;
        let mut results = SearchResults {
            total,
            page,
            per_page,
            hits,
            facets,
            notices: Vec::new(),
            also_searched: Vec::new(),
            suggestions: Vec::new(),
            all_words_total: None,
            missing_words: Vec::new(),
            ignored_words: Vec::new(),
        };
        let best = (page == 1)
            .then(|| ranked.first().map(|(_, address)| *address))
            .flatten();
        self.report(&searcher, plan, &filters, best, request, &mut results)?;
        Ok(results)
    }

    /// `results`, or, when they are empty and a close word is in the reports, what that
    /// word finds.
    fn corrected(
        &self,
        request: &SearchRequest,
        results: SearchResults,
    ) -> Result<SearchResults, IndexError> {
        // Nothing found, but a close word is in the reports: show what it finds, as
        // search engines do, and say so (the suggestion stays, to be seen).
        if results.total == 0 && !request.strict {
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

    /// Up to `limit` hits of a request in its order, from the first, without facets or
    /// snippets: for exports and feeds. Also returns the total match count.
    pub fn all_hits(
        &self,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), IndexError> {
        let searcher = self.reader.searcher();
        let combined = self.prepare(&searcher, request)?.combined;
        let (total, ranked) = self.ranked(&searcher, &combined, request, limit.max(1), 0)?;
        let hits = ranked
            .into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                present::hit(&self.fields, &stored, score, None)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, hits))
    }

    /// How many documents match, with no ranking, facets or snippets: the cheapest
    /// answer to a request, and the reference the search benchmark measures against.
    pub fn count(&self, request: &SearchRequest) -> Result<usize, IndexError> {
        let searcher = self.reader.searcher();
        let combined = self.prepare(&searcher, request)?.combined;
        Ok(searcher.search(&combined, &Count)?)
    }

    /// The ids and scores of the `limit` best matches by relevance, best first: ranking
    /// only, for evaluation runs and anything else that needs no snippets or facets.
    pub fn rank(
        &self,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        let searcher = self.reader.searcher();
        let combined = self.prepare(&searcher, request)?.combined;
        let top = searcher.search(
            &combined,
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        top.into_iter()
            .map(|(score, address)| Ok((self.id_of(&searcher, address)?, score)))
            .collect()
    }

    /// Why the document `id` scores what it does for `request`: tantivy's explanation
    /// tree, as JSON, or `None` when it does not match (or does not exist).
    pub fn explain(&self, request: &SearchRequest, id: &str) -> Result<Option<String>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let combined = self.prepare(&searcher, request)?.combined;
        let weight = combined.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let reader = searcher.segment_reader(address.segment_ord);
        Ok(weight
            .explain(reader, address.doc_id)
            .ok()
            .map(|explanation| explanation.to_pretty_json()))
    }

    /// The request's plan and filters.
    fn prepare(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<Prepared, IndexError> {
        let plan = self.plan(searcher, &request.query, request.strict, request.synonyms)?;
        let filters = self.filters(request)?;
        let all_filters: Vec<&FilterClause> = filters.iter().collect();
        let words = if request.expand && plan.has_words {
            crate::feedback::expand(
                searcher,
                &self.index,
                &self.fields,
                &self.ranking,
                &plan,
                &all_filters,
            )?
        } else {
            plan.words.box_clone()
        };
        let combined = combine(&*words, &all_filters);
        Ok(Prepared {
            plan,
            words,
            filters,
            combined,
        })
    }

    fn plan(
        &self,
        searcher: &Searcher,
        text: &str,
        strict: bool,
        synonyms: bool,
    ) -> Result<QueryPlan, IndexError> {
        let context = PlanContext {
            index: &self.index,
            searcher,
            fields: self.fields,
            ranking: self.ranking,
            thesaurus: &self.thesaurus,
            boolean_parser: &self.boolean_parser,
        };
        QueryPlan::compile(text, PlanOptions { strict, synonyms }, &context)
    }

    /// The total, and `limit` documents from `offset` in the request's order.
    fn ranked(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        request: &SearchRequest,
        limit: usize,
        offset: usize,
    ) -> Result<(usize, Vec<RankedDoc>), IndexError> {
        let top = TopDocs::with_limit(limit).and_offset(offset);
        Ok(match request.effective_sort() {
            Sort::Relevance => {
                let (total, docs) = searcher.search(query, &(Count, top.order_by_score()))?;
                let docs = docs
                    .into_iter()
                    .map(|(score, doc)| (Some(score), doc))
                    .collect();
                (total, docs)
            }
            sort => {
                let order = if sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let by_date = top.order_by_fast_field::<DateTime>(names::DATE, order);
                let (total, docs) = searcher.search(query, &(Count, by_date))?;
                (
                    total,
                    docs.into_iter().map(|(_, doc)| (None, doc)).collect(),
                )
            }
        })
    }

    /// Fills in how the query was read: the plan's notices and expansions, whether
    /// any document has every word (and what the best one lacks if none does), and
    /// "did you mean" for words the reports do not use.
    fn report(
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
            let word = suggest::surface_form(searcher, field, &closest, &mut analyse)?;
            suggestions.push(Suggestion {
                query: suggest::replace_word(query, &concept.typed, &word),
                word: concept.typed.clone(),
                suggestion: word,
            });
        }
        Ok(suggestions)
    }

    /// Documents like the one with `id`, most alike first: tantivy's more-like-this over
    /// its text, nudged by the themes they share. `None` if there is no such document.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Option<Vec<Hit>>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let text: Vec<OwnedValue> = stored
            .get_all(self.fields.text)
            .filter_map(|value| value.as_str())
            .map(|text| OwnedValue::Str(text.to_owned()))
            .collect();
        let like_this = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((searcher.num_docs() / 5).max(2))
            .with_min_term_frequency(2)
            .with_min_word_length(3)
            .with_max_query_terms(30)
            .with_document_fields(vec![(self.fields.text, text)]);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(like_this)),
            (Occur::MustNot, Box::new(self.id_query(id))),
        ];
        // Each shared theme adds a little: enough to order near-ties, not to outrank text.
        for theme in &present::record(&self.fields, &stored)?.themes {
            let term = Term::from_facet(self.fields.theme, &Facet::from_path([theme.id.as_str()]));
            let shared = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(shared), 0.5)),
            ));
        }
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        top.into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                present::hit(&self.fields, &stored, Some(score), None)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The document with `id`, its text highlighted for `query` (may be empty; read
    /// leniently, with the thesaurus, as the search that led here did).
    pub fn document(&self, id: &str, query: &str) -> Result<Option<DocumentView>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let mut record: CataloguedReview = present::record(&self.fields, &stored)?;
        record.review.sections = present::sections(&stored, &self.fields);
        let plan = self.plan(&searcher, query, false, true)?;
        let highlighter = Highlighter::new(&self.index, &*plan.marked, self.fields.text)?;
        let highlighted_sections = record
            .review
            .sections
            .iter()
            .map(|section| Snippet {
                section: section.label.clone(),
                html: highlighter.highlight_all(&section.text),
            })
            .collect();
        Ok(Some(DocumentView {
            review_type_label: record.review.review_type.label(),
            record,
            highlighted_sections,
        }))
    }

    fn id_query(&self, id: &str) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        )
    }

    fn address_of(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>, IndexError> {
        let found =
            searcher.search(&self.id_query(id), &TopDocs::with_limit(1).order_by_score())?;
        Ok(found.into_iter().next().map(|(_, address)| address))
    }

    fn id_of(&self, searcher: &Searcher, address: DocAddress) -> Result<String, IndexError> {
        let stored: TantivyDocument = searcher.doc(address)?;
        stored
            .get_first(self.fields.id)
            .and_then(|value| value.as_str())
            .map(str::to_owned)
            .ok_or_else(|| IndexError::CorruptRecord("document has no id".into()))
    }

    /// The searcher and the request's combined query, for `trends`.
    pub(crate) fn combined_query(
        &self,
        request: &SearchRequest,
    ) -> Result<(Searcher, BooleanQuery), IndexError> {
        let searcher = self.reader.searcher();
        let combined = self.prepare(&searcher, request)?.combined;
        Ok((searcher, combined))
    }
}
