//! The engine: opens an index and executes query plans (see `query`): searches with
//! facets, snippets and a report of how the query was read, exports, ranking runs for
//! evaluation, and document lookups. Hits are presented by `present`; filters and
//! facet counts are in `facets`.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{BooleanQuery, EnableScoring, Query, QueryParser};
use tantivy::schema::Value;
use tantivy::{
    DateTime, DocAddress, Executor, Index, IndexReader, Order, ReloadPolicy, Searcher,
    TantivyDocument,
};

use crate::bm25::Ranking;
use crate::facets::{combine, FilterClause};
use crate::highlight::Highlighter;
use crate::hit_sections::match_positions;
use crate::meta::IndexMeta;
use crate::present;
use crate::present::SnippetSource;
use crate::query::coordination::CoordinationQuery;
use crate::query::thesaurus::Thesaurus;
use crate::query::{Notice, PlanContext, PlanOptions, QueryPlan};
use crate::request::{SearchRequest, Sort, MAX_PER_PAGE};
use crate::results::{Hit, SearchResults};
use crate::schema::{build_schema, names, Fields};
use crate::tally::FacetTables;
use crate::text_store::{StoredSections, TextStore};
use crate::IndexError;

/// The searches' own thread pool, one thread a core: rayon's global pool tags themes
/// during an index build, and a search must not wait behind a rebuild. `None` if it
/// could not be made (searches then run on the calling thread alone).
fn search_pool() -> Option<&'static Arc<rayon::ThreadPool>> {
    static POOL: OnceLock<Option<Arc<rayon::ThreadPool>>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|n| format!("search-{n}"))
            .build()
            .ok()
            .map(Arc::new)
    })
    .as_ref()
}

/// Searches running now. Splitting a search over the cores shortens it only when the
/// cores are otherwise idle; under load every core already has a search of its own, and
/// handing work between threads costs throughput (10×, 64 connections: 930 req/s split,
/// 1,020–1,070 not), so searches are split only while they run alone.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts a search as running while it lives.
struct Running;

impl Running {
    fn start() -> Running {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The search pool, if this search runs alone.
fn idle_pool() -> Option<&'static Arc<rayon::ThreadPool>> {
    (IN_FLIGHT.load(Ordering::Relaxed) <= 1)
        .then(search_pool)
        .flatten()
}

/// Runs `a` and `b` side by side on the search pool when the machine is otherwise idle.
fn side_by_side<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match idle_pool() {
        Some(pool) => pool.join(a, b),
        None => (a(), b()),
    }
}

/// `searcher.search`, with the index's segments searched in parallel on the search
/// pool: at 100× a search's facet pass over 50,000 matches was most of its time.
pub(crate) fn search_segments<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    let Some(pool) = idle_pool() else {
        return searcher.search(query, collector);
    };
    let scoring = if collector.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let executor = Executor::ThreadPool(Arc::clone(pool));
    searcher.search_with_executor(query, collector, &executor, scoring)
}

/// What ranks a request: its words' query itself when nothing filters it (tantivy's
/// boolean query would hide the coordination query's pruning), else words and filters
/// combined. Filters score 0, so both rank alike.
fn ranking_query<'a>(
    words: &'a dyn Query,
    filters: &[FilterClause],
    combined: &'a BooleanQuery,
) -> &'a dyn Query {
    if filters.is_empty() {
        words
    } else {
        combined
    }
}

/// Whether ranking `query` can skip work by pruning: a coordination query with
/// proximity bonuses.
fn prunable(query: &dyn Query) -> bool {
    query
        .downcast_ref::<CoordinationQuery>()
        .is_some_and(CoordinationQuery::has_bonuses)
}

/// A matching document's address, with its score when ranked by relevance.
type RankedDoc = (Option<f32>, DocAddress);

/// An opened index, ready to answer searches from many threads.
pub struct Engine {
    reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) index: Index,
    /// For boolean expressions (`AND`, `OR`, `NOT`): every word required.
    boolean_parser: QueryParser,
    pub(crate) meta: IndexMeta,
    thesaurus: Thesaurus,
    pub(crate) ranking: Ranking,
    /// Each facet field's facets, read once (see `tally`).
    pub(crate) facet_tables: FacetTables,
    /// The documents' section texts (not in tantivy's document store).
    pub(crate) texts: TextStore,
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
    /// Checks every index file against the checksum tantivy wrote in its footer (a
    /// truncated, zeroed or overwritten file fails), reading each in full: for a
    /// start-up check, not for every search.
    pub fn verify_files(&self, dir: &Path) -> Result<(), IndexError> {
        let damaged = self.index.validate_checksum()?;
        if damaged.is_empty() {
            return Ok(());
        }
        let mut names: Vec<String> = damaged
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        names.sort();
        Err(IndexError::Incompatible {
            path: dir.to_path_buf(),
            reason: format!("files fail their checksum: {}", names.join(", ")),
        })
    }

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
        let texts = TextStore::open(dir)?;
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
            texts,
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

    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The section texts of a stored document, from the text store.
    pub(crate) fn stored_sections(&self, stored: &TantivyDocument) -> Option<StoredSections<'_>> {
        let id = stored
            .get_first(self.fields.id)
            .and_then(|value| value.as_str())?;
        self.texts.sections(id)
    }

    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        self.search_once(request)
            .and_then(|results| self.corrected(request, results))
    }

    pub(crate) fn search_once(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        let _running = Running::start();
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
        // Ranking with snippets, and facet counts, are two passes over the matches that
        // share nothing: on two cores a search takes the longer of the two, not their sum
        // (facets over 50,000 matches are most of a 100× search's time).
        let (ranked_hits, facets) = side_by_side(
            || -> Result<_, IndexError> {
                let query = ranking_query(&*words, &filters, &combined);
                let (total, ranked) = self.ranked(&searcher, query, request, per_page, offset)?;
                let highlighter = Highlighter::new(&self.index, &*plan.marked, self.fields.text)?;
                let addresses: Vec<DocAddress> =
                    ranked.iter().map(|&(_, address)| address).collect();
                let positions = match_positions(
                    &searcher,
                    self.fields.text,
                    &highlighter.terms(self.fields.text),
                    &addresses,
                )?;
                let hits = ranked
                    .iter()
                    .zip(&positions)
                    .map(|(&(score, address), positions)| {
                        let stored: TantivyDocument = searcher.doc(address)?;
                        let source = SnippetSource {
                            highlighter: &highlighter,
                            positions,
                            texts: self.stored_sections(&stored),
                        };
                        present::hit(&self.fields, &stored, score, Some(source))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((total, ranked, hits))
            },
            || self.facets(&searcher, &*words, &filters, request),
        );
        let (total, ranked, hits) = ranked_hits?;
        let facets = facets?;
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
        if let (Some(from), Some(to)) = (request.year_from, request.year_to) {
            if from > to {
                results.notices.push(Notice {
                    code: "empty_year_range",
                    message: format!(
                        "year_from {from} is after year_to {to}: no report's year is in that range."
                    ),
                });
            }
        }
        let best = (page == 1)
            .then(|| ranked.first().map(|(_, address)| *address))
            .flatten();
        self.report(&searcher, plan, &filters, best, request, &mut results)?;
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
        let prepared = self.prepare(&searcher, request)?;
        let query = ranking_query(&*prepared.words, &prepared.filters, &prepared.combined);
        let (total, ranked) = self.ranked(&searcher, query, request, limit.max(1), 0)?;
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
                &self.texts,
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

    pub(crate) fn plan(
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
        query: &dyn Query,
        request: &SearchRequest,
        limit: usize,
        offset: usize,
    ) -> Result<(usize, Vec<RankedDoc>), IndexError> {
        let top = TopDocs::with_limit(limit).and_offset(offset);
        Ok(match request.effective_sort() {
            Sort::Relevance if prunable(query) => {
                // Counted apart (unscored, the concepts' union: cheap), so that ranking
                // goes through `for_each_pruning` and skips the proximity bonuses of
                // documents they could not lift into the page (coordination.rs).
                let total = search_segments(searcher, query, &Count)?;
                let docs = search_segments(searcher, query, &top.order_by_score())?;
                let docs = docs
                    .into_iter()
                    .map(|(score, doc)| (Some(score), doc))
                    .collect();
                (total, docs)
            }
            Sort::Relevance => {
                let (total, docs) =
                    search_segments(searcher, query, &(Count, top.order_by_score()))?;
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
                let (total, docs) = search_segments(searcher, query, &(Count, by_date))?;
                (
                    total,
                    docs.into_iter().map(|(_, doc)| (None, doc)).collect(),
                )
            }
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranking that skips proximity bonuses which could not matter gives the pages,
    /// scores and totals of ranking that computes every bonus, on real reports.
    #[test]
    fn pruned_ranking_is_the_ranking_of_scoring_every_document() {
        let reviews = crate::test_support::bundled_reviews(500);
        let (_dir, engine) =
            crate::test_support::engine_over(&reviews, crate::test_support::plain_inputs());
        let searcher = engine.searcher();
        let mut pruned_queries = 0;
        for query in [
            "mental health",
            "police custody",
            "teenager took her own life",
            "teenage girl overdose mental health services",
            "risk of future deaths",
            "failure to share information between agencies",
            "ambulance delay hospital",
        ] {
            let plan = engine.plan(&searcher, query, false, true).expect("plan");
            pruned_queries += usize::from(prunable(&*plan.words));
            for (limit, offset) in [(1, 0), (20, 0), (20, 40), (100, 0)] {
                let request = SearchRequest {
                    query: query.into(),
                    ..SearchRequest::default()
                };
                let pruned = engine
                    .ranked(&searcher, &*plan.words, &request, limit, offset)
                    .expect("pruned");
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                let (total, every) = searcher
                    .search(&*plan.words, &(Count, top))
                    .expect("every document scored");
                assert_eq!(pruned.0, total, "{query}");
                assert!(total > 0, "{query}");
                let every: Vec<RankedDoc> = every
                    .into_iter()
                    .map(|(score, doc)| (Some(score), doc))
                    .collect();
                assert_eq!(pruned.1, every, "{query}, {limit} from {offset}");
            }
        }
        assert!(pruned_queries >= 6, "{pruned_queries} queries pruned");
    }
}
