//! The engine: opens an index and answers searches and document lookups, with
//! highlighted, located snippets. Filters and facets are in `facets`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use casesearch_model::{CataloguedReview, Section};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, MoreLikeThisQuery, Occur,
    Query, QueryParser, QueryParserError, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, OwnedValue, Value};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::bm25::{rescore_terms, Bm25TermQuery, Ranking};
use crate::facets::{combine, FilterClause};
use crate::feedback::{relevance_model, FeedbackDocument};
use crate::highlight::{first_words, Fragment, Highlighter};
use crate::meta::IndexMeta;
use crate::request::{SearchRequest, Sort, MAX_PER_PAGE, MAX_QUERY_CHARS};
use crate::results::{DocumentView, Hit, SearchResults, Snippet, ThemeSummary, ThemeTrend, Trends};
use crate::schema::{build_schema, names, Fields, QUERYABLE_FIELDS};
use crate::tally::FacetTables;
use crate::IndexError;

/// Snippets shown per hit.
const SNIPPETS_PER_HIT: usize = 3;
/// About how long a snippet is: bytes of text in a fragment (tantivy's measure), characters
/// in an opening.
const SNIPPET_LENGTH: usize = 220;

/// A matching document's address, with its score when ranked by relevance.
type RankedDoc = (Option<f32>, DocAddress);

/// A request as queries: its words, its filters, and the two combined.
struct RequestQuery {
    /// What matches: the words as typed, or expanded when the request asks.
    words: Box<dyn Query>,
    /// The words as typed: what snippets mark.
    typed: Box<dyn Query>,
    filters: Vec<FilterClause>,
    combined: BooleanQuery,
}

/// An opened index, ready to answer searches from many threads.
pub struct Engine {
    index: Index,
    reader: IndexReader,
    pub(crate) fields: Fields,
    /// Every word required (the default for users).
    all_words_parser: QueryParser,
    /// Any word may match.
    any_word_parser: QueryParser,
    pub(crate) meta: IndexMeta,
    ranking: Ranking,
    /// Each facet field's facets, read once (see `tally`).
    pub(crate) facet_tables: FacetTables,
}

impl Engine {
    /// Opens the index at `dir`, refusing one built with another schema.
    pub fn open(dir: &Path) -> Result<Engine, IndexError> {
        let meta = IndexMeta::read(dir)?.ok_or_else(|| IndexError::Missing(dir.to_path_buf()))?;
        if meta.schema_version != crate::schema::SCHEMA_VERSION {
            return Err(IndexError::Incompatible {
                path: dir.to_path_buf(),
                reason: format!(
                    "built with schema {}, this binary uses schema {} (rebuild with `casesearch index`)",
                    meta.schema_version,
                    crate::schema::SCHEMA_VERSION
                ),
            });
        }
        let index = Index::open_in_dir(dir)?;
        crate::schema::register_analyzers(&index);
        let (expected_schema, fields) = build_schema();
        if index.schema() != expected_schema {
            return Err(IndexError::Incompatible {
                path: dir.to_path_buf(),
                reason: "its schema differs from this binary's".into(),
            });
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let facet_tables = FacetTables::build(&reader.searcher())?;
        // No field boosts here: `rescore_terms` applies the title boost with our BM25.
        let any_word_parser = QueryParser::for_index(&index, vec![fields.title, fields.text]);
        let mut all_words_parser = any_word_parser.clone();
        // Practitioners expect every word they type to count, as in web search.
        all_words_parser.set_conjunction_by_default();
        Ok(Engine {
            index,
            reader,
            fields,
            all_words_parser,
            any_word_parser,
            meta,
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

    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        let searcher = self.reader.searcher();
        let RequestQuery {
            words: text_query,
            typed,
            filters,
            combined: query,
        } = self.request_query(request)?;
        let per_page = request.per_page.clamp(1, MAX_PER_PAGE);
        let page = request.page.max(1);
        let offset = (page - 1).saturating_mul(per_page);
        let (total, ranked) = self.ranked(&searcher, &query, request, per_page, offset)?;

        let highlighter = Highlighter::new(&self.index, &*typed, self.fields.text)?;
        let hits = ranked
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, address, score, Some(&highlighter)))
            .collect::<Result<Vec<_>, _>>()?;
        let facets = self.facets(&searcher, &text_query, &filters, request)?;
        Ok(SearchResults {
            total,
            page,
            per_page,
            hits,
            facets,
        })
    }

    /// Up to `limit` hits of a request in its order, from the first, without facets or
    /// snippets: for exports and feeds. Also returns the total match count.
    pub fn all_hits(
        &self,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<(usize, Vec<Hit>), IndexError> {
        let searcher = self.reader.searcher();
        let query = self.request_query(request)?.combined;
        let (total, ranked) = self.ranked(&searcher, &query, request, limit.max(1), 0)?;
        let hits = ranked
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, address, score, None))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total, hits))
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
        // Without words every document scores the same, so "best match" would be index
        // order: browsing by filters alone shows the newest first instead.
        let sort = match request.sort {
            Sort::Relevance if request.query.trim().is_empty() => Sort::Newest,
            chosen => chosen,
        };
        Ok(match sort {
            Sort::Relevance => {
                let (total, docs) = searcher.search(query, &(Count, top.order_by_score()))?;
                let docs = docs
                    .into_iter()
                    .map(|(score, doc)| (Some(score), doc))
                    .collect();
                (total, docs)
            }
            Sort::Newest | Sort::Oldest => {
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

    /// Hits of a request by year × theme and by region, all filters applied.
    pub fn trends(&self, request: &SearchRequest) -> Result<Trends, IndexError> {
        let searcher = self.reader.searcher();
        let query = self.request_query(request)?.combined;
        let years_of = |query: &dyn Query| -> Result<BTreeMap<u64, u64>, IndexError> {
            let collector = self.facet_tables.collector(names::YEAR_FACET)?;
            let counts = searcher.search(query, &collector)?;
            Ok(counts
                .children(&Facet::root())
                .filter_map(|(facet, count)| {
                    let year = facet.to_path().last()?.parse::<u64>().ok()?;
                    Some((year, count))
                })
                .collect())
        };
        let by_year = years_of(&query)?;
        let years: Vec<u64> = by_year.keys().copied().collect();
        let mut themes = Vec::new();
        for theme in &self.meta.themes {
            let term = Term::from_facet(self.fields.theme, &Facet::from_path([theme.id.as_str()]));
            let with_theme = BooleanQuery::new(vec![
                (Occur::Must, Box::new(query.clone()) as Box<dyn Query>),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ),
            ]);
            let counts = years_of(&with_theme)?;
            let total: u64 = counts.values().sum();
            if total > 0 {
                themes.push(ThemeTrend {
                    id: theme.id.clone(),
                    label: theme.label.clone(),
                    total,
                    counts: years
                        .iter()
                        .map(|year| counts.get(year).copied().unwrap_or(0))
                        .collect(),
                });
            }
        }
        let regions = self
            .region_facet(&searcher, &query, &SearchRequest::default())?
            .into_iter()
            .filter(|value| value.depth <= 1)
            .collect();
        Ok(Trends {
            total: searcher.search(&query, &Count)?,
            counts: years.iter().map(|year| by_year[year]).collect(),
            years,
            themes,
            regions,
        })
    }

    /// How many documents match, with no ranking, facets or snippets: the cheapest
    /// answer to a request, and the reference the search benchmark measures against.
    pub fn count(&self, request: &SearchRequest) -> Result<usize, IndexError> {
        let query = self.request_query(request)?.combined;
        Ok(self.reader.searcher().search(&query, &Count)?)
    }

    /// The request's words as a query, its filters, and the two combined. Facet counts
    /// need the parts (each facet drops its own filter); ranking needs the whole.
    fn request_query(&self, request: &SearchRequest) -> Result<RequestQuery, IndexError> {
        let typed = self.parse_query(&request.query, request.match_any)?;
        let filters = self.filters(request)?;
        let all_filters: Vec<&FilterClause> = filters.iter().collect();
        let words = if request.expand && !request.query.trim().is_empty() {
            self.expand(&request.query, &*typed, &all_filters, request.match_any)?
        } else {
            typed.box_clone()
        };
        let combined = combine(&*words, &all_filters);
        Ok(RequestQuery {
            words,
            typed,
            filters,
            combined,
        })
    }

    /// `typed` with the words of its best matches added, RM3's way (see `feedback`):
    /// the query keeps `original_query_weight` of the weight, shared by its words, and
    /// the added words share the rest by their relevance-model weight. A query that
    /// requires all its words still does; the added words only reorder its matches.
    fn expand(
        &self,
        text: &str,
        typed: &dyn Query,
        filters: &[&FilterClause],
        match_any: bool,
    ) -> Result<Box<dyn Query>, IndexError> {
        let params = self.ranking.feedback;
        let searcher = self.reader.searcher();
        let first = searcher.search(
            &combine(typed, filters),
            &TopDocs::with_limit(params.feedback_documents.max(1)).order_by_score(),
        )?;
        let mut analyzer = self.index.tokenizer_for_field(self.fields.text)?;
        let mut documents = Vec::with_capacity(first.len());
        for (score, address) in first {
            let stored: TantivyDocument = searcher.doc(address)?;
            let mut term_counts: HashMap<String, u32> = HashMap::new();
            for section in stored.get_all(self.fields.text).filter_map(|v| v.as_str()) {
                let mut tokens = analyzer.token_stream(section);
                while let Some(token) = tokens.next() {
                    *term_counts.entry(token.text.clone()).or_default() += 1;
                }
            }
            documents.push(FeedbackDocument { score, term_counts });
        }
        let all_documents = searcher.num_docs().max(1) as f32;
        let model = relevance_model(&documents, &params, &mut |term| {
            let doc_freq = searcher.doc_freq(&Term::from_field_text(self.fields.text, term))?;
            Ok::<_, IndexError>(doc_freq as f32 / all_documents <= params.max_document_share)
        })?;
        let mut query_words = 0usize;
        let mut tokens = analyzer.token_stream(text);
        while tokens.advance() {
            query_words += 1;
        }
        let original_weight = params.original_query_weight / query_words.max(1) as f32;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            if match_any {
                Occur::Should
            } else {
                Occur::Must
            },
            Box::new(BoostQuery::new(typed.box_clone(), original_weight)),
        )];
        let added_weight = 1.0 - params.original_query_weight;
        for (word, weight) in model {
            // Scored as a typed word is: in the text, and in the title with its boost.
            let in_field = |field: Field, boost: f32| -> Box<dyn Query> {
                Box::new(Bm25TermQuery::new(
                    Term::from_field_text(field, &word),
                    self.ranking.bm25,
                    added_weight * weight * boost,
                ))
            };
            let either = BooleanQuery::union(vec![
                in_field(self.fields.text, 1.0),
                in_field(self.fields.title, self.ranking.title_boost),
            ]);
            clauses.push((Occur::Should, Box::new(either)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The ids and scores of the `limit` best matches by relevance, best first: ranking
    /// only, for evaluation runs and anything else that needs no snippets or facets.
    pub fn rank(
        &self,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        let searcher = self.reader.searcher();
        let query = self.request_query(request)?.combined;
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        top.into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                let id = stored
                    .get_first(self.fields.id)
                    .and_then(|value| value.as_str())
                    .ok_or_else(|| IndexError::CorruptRecord("document has no id".into()))?;
                Ok((id.to_owned(), score))
            })
            .collect()
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
        for theme in &self.record(&stored)?.themes {
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
            .map(|(score, address)| self.hit(&searcher, address, Some(score), None))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
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

    /// The document with `id`, its text highlighted for `query` (may be empty).
    pub fn document(&self, id: &str, query: &str) -> Result<Option<DocumentView>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let mut record = self.record(&stored)?;
        record.review.sections = sections(&stored, &self.fields);
        let text_query = self.parse_query(query, false)?;
        let highlighter = Highlighter::new(&self.index, &*text_query, self.fields.text)?;
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

    fn parse_query(&self, text: &str, match_any: bool) -> Result<Box<dyn Query>, IndexError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(IndexError::QueryTooLong {
                max: MAX_QUERY_CHARS,
            });
        }
        if text.trim().is_empty() {
            return Ok(Box::new(AllQuery));
        }
        let parser = if match_any {
            &self.any_word_parser
        } else {
            &self.all_words_parser
        };
        parser
            .parse_query(text)
            .map_err(|err| match err {
                QueryParserError::FieldDoesNotExist(field) => IndexError::UnknownQueryField {
                    field,
                    known: QUERYABLE_FIELDS.join(", "),
                },
                other => IndexError::InvalidQuery(other.to_string()),
            })
            .and_then(|query| self.refuse_non_queryable_fields(query))
            .and_then(|query| self.rescore(text, &*query))
    }

    /// The parsed query with its words scored by our BM25 (see `bm25`).
    fn rescore(&self, text: &str, query: &dyn Query) -> Result<Box<dyn Query>, IndexError> {
        let fields = self.fields;
        let ranking = self.ranking;
        // How often each word occurs in the query, as the text fields analyse it.
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut analyzer = self.index.tokenizer_for_field(fields.text)?;
        let mut tokens = analyzer.token_stream(text);
        while let Some(token) = tokens.next() {
            *counts.entry(token.text.clone()).or_default() += 1;
        }
        let term_count = |term: &Term| {
            term.value()
                .as_str()
                .and_then(|word| counts.get(word).copied())
                .unwrap_or(1)
        };
        let field_boost = move |field: Field| {
            if field == fields.title {
                Some(ranking.title_boost)
            } else if field == fields.text || field == fields.publisher {
                Some(1.0)
            } else {
                None
            }
        };
        Ok(rescore_terms(
            query,
            ranking.bm25,
            &field_boost,
            &term_count,
        ))
    }

    /// The parser knows every schema field; only the text fields make sense to users.
    fn refuse_non_queryable_fields(
        &self,
        query: Box<dyn Query>,
    ) -> Result<Box<dyn Query>, IndexError> {
        let schema = self.index.schema();
        // Some queries parse but cannot run on this schema (`title:*` needs a fast
        // field): building the weight finds them now, as the user's error.
        if let Err(err) = query.weight(EnableScoring::disabled_from_schema(&schema)) {
            return Err(IndexError::InvalidQuery(err.to_string()));
        }
        let mut bad = None;
        query.query_terms(&mut |term, _| {
            let name = schema.get_field_name(term.field());
            if !QUERYABLE_FIELDS.contains(&name) && bad.is_none() {
                bad = Some(name.to_owned());
            }
        });
        match bad {
            Some(field) => Err(IndexError::UnknownQueryField {
                field,
                known: QUERYABLE_FIELDS.join(", "),
            }),
            None => Ok(query),
        }
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Option<f32>,
        highlighter: Option<&Highlighter>,
    ) -> Result<Hit, IndexError> {
        let stored: TantivyDocument = searcher.doc(address)?;
        let record = self.record(&stored)?;
        let snippets = match highlighter {
            Some(highlighter) => snippets(&section_texts(&stored, &self.fields), highlighter),
            None => Vec::new(),
        };
        let mut review = record.review;
        let details = std::mem::take(&mut review.details);
        // As precisely as the document or catalogue states it: "2012", not 2012-01-01.
        let date = details
            .derived
            .get("date")
            .map(|date| date.value.clone())
            .filter(|value| value.len() < 10)
            .or_else(|| review.date.map(|date| date.to_string()));
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

    fn record(&self, stored: &TantivyDocument) -> Result<CataloguedReview, IndexError> {
        let json = stored
            .get_first(self.fields.record)
            .and_then(|value| value.as_str())
            .ok_or_else(|| IndexError::CorruptRecord("document has no stored record".into()))?;
        serde_json::from_str(json).map_err(|err| IndexError::CorruptRecord(err.to_string()))
    }
}

/// The sections (label, text) with the most matches, marked; the opening when nothing
/// matched.
fn snippets(sections: &[(&str, &str)], highlighter: &Highlighter) -> Vec<Snippet> {
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
fn section_texts<'a>(stored: &'a TantivyDocument, fields: &Fields) -> Vec<(&'a str, &'a str)> {
    let labels = stored
        .get_all(fields.section)
        .filter_map(|value| value.as_str());
    let texts = stored
        .get_all(fields.text)
        .filter_map(|value| value.as_str());
    labels.zip(texts).collect()
}

fn sections(stored: &TantivyDocument, fields: &Fields) -> Vec<Section> {
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
