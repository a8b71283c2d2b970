//! Faceted search: the request, the results, and the engine that answers them.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;

use casesearch_model::{CataloguedReview, ReviewType, Section};
use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, FacetCounts, MultiCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, QueryParser,
    QueryParserError, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::highlight::{first_words, Highlighter};
use crate::meta::IndexMeta;
use crate::schema::{build_schema, names, Fields, QUERYABLE_FIELDS};
use crate::IndexError;

/// Longest query accepted; longer ones are a user error, not a slow request.
pub const MAX_QUERY_CHARS: usize = 1_000;
pub const MAX_PER_PAGE: usize = 100;
/// Snippets shown per hit.
const SNIPPETS_PER_HIT: usize = 3;
const SNIPPET_CHARS: usize = 220;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Sort> {
        match text {
            "relevance" => Some(Sort::Relevance),
            "newest" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            _ => None,
        }
    }
}

/// A search as a user asks it. Values within one filter are alternatives (OR);
/// different filters must all hold (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// tantivy query syntax; empty means every document.
    pub query: String,
    pub themes: Vec<String>,
    /// Region paths, broadest first: `England`, `England/London`.
    pub regions: Vec<String>,
    pub types: Vec<ReviewType>,
    pub publishers: Vec<String>,
    pub year_from: Option<u64>,
    pub year_to: Option<u64>,
    pub sort: Sort,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            themes: Vec::new(),
            regions: Vec::new(),
            types: Vec::new(),
            publishers: Vec::new(),
            year_from: None,
            year_to: None,
            sort: Sort::Relevance,
            page: 1,
            per_page: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub year: Option<i32>,
    pub publisher: String,
    /// Region path, broadest first.
    pub region: Vec<String>,
    #[serde(rename = "type")]
    pub review_type: TypeLabel,
    pub themes: Vec<ThemeSummary>,
    pub url: Option<String>,
    /// Relevance score; absent when sorted by date.
    pub score: Option<f32>,
    pub snippets: Vec<Snippet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeLabel {
    pub id: &'static str,
    pub label: &'static str,
}

impl From<ReviewType> for TypeLabel {
    fn from(review_type: ReviewType) -> Self {
        TypeLabel {
            id: review_type.slug(),
            label: review_type.label(),
        }
    }
}

/// A theme on a hit, with the first piece of evidence for it.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeSummary {
    pub id: String,
    pub label: String,
    /// "'coercive control' in Concerns".
    pub because: Option<String>,
}

/// A piece of a hit's text around the matches, with where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    /// Section or page label: "Concerns", "p. 37".
    pub section: String,
    /// HTML-escaped text with `<mark>` around matched words.
    pub html: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub year: Vec<FacetValue>,
    pub theme: Vec<FacetValue>,
    pub region: Vec<FacetValue>,
    #[serde(rename = "type")]
    pub review_type: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetValue {
    /// The filter value that selects it.
    pub value: String,
    pub label: String,
    pub count: u64,
    /// Depth in a hierarchy (regions: 0 nation, 1 region, 2 publisher).
    pub depth: usize,
    pub selected: bool,
}

/// A whole document for reading, with the query's words highlighted.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    #[serde(flatten)]
    pub record: CataloguedReview,
    #[serde(rename = "type_label")]
    pub review_type_label: &'static str,
    /// The sections with `<mark>` around the query's words (escaped HTML).
    pub highlighted_sections: Vec<Snippet>,
}

/// An opened index, ready to answer searches from many threads.
pub struct Engine {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
    meta: IndexMeta,
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
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.text]);
        // Practitioners expect every word they type to count, as in web search.
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, 2.0);
        Ok(Engine {
            index,
            reader,
            fields,
            parser,
            meta,
        })
    }

    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        if let Some(unknown) = request
            .themes
            .iter()
            .find(|id| !self.meta.themes.iter().any(|theme| &theme.id == *id))
        {
            return Err(IndexError::UnknownTheme(unknown.clone()));
        }
        let searcher = self.reader.searcher();
        let text_query = self.parse_query(&request.query)?;
        let filters = self.filters(request);

        let all_filters: Vec<&FilterClause> = filters.iter().collect();
        let query = combine(&text_query, &all_filters);
        let per_page = request.per_page.clamp(1, MAX_PER_PAGE);
        let page = request.page.max(1);
        let offset = (page - 1).saturating_mul(per_page);
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        // Without words every document scores the same, so "best match" would be index
        // order: browsing by filters alone shows the newest first instead.
        let sort = match request.sort {
            Sort::Relevance if request.query.trim().is_empty() => Sort::Newest,
            chosen => chosen,
        };
        let (total, ranked): (usize, Vec<(Option<f32>, DocAddress)>) = match sort {
            Sort::Relevance => {
                let (total, docs) = searcher.search(&query, &(Count, top.order_by_score()))?;
                (
                    total,
                    docs.into_iter()
                        .map(|(score, doc)| (Some(score), doc))
                        .collect(),
                )
            }
            Sort::Newest | Sort::Oldest => {
                let order = if sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let by_date = top.order_by_fast_field::<DateTime>(names::DATE, order);
                let (total, docs) = searcher.search(&query, &(Count, by_date))?;
                (
                    total,
                    docs.into_iter().map(|(_, doc)| (None, doc)).collect(),
                )
            }
        };

        let highlighter = Highlighter::new(&self.index, &*text_query, self.fields.text)?;
        let hits = ranked
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, address, score, &highlighter))
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

    /// How many documents match, with no ranking, facets or snippets: the cheapest
    /// answer to a request, and the reference the search benchmark measures against.
    pub fn count(&self, request: &SearchRequest) -> Result<usize, IndexError> {
        let text_query = self.parse_query(&request.query)?;
        let filters = self.filters(request);
        let all_filters: Vec<&FilterClause> = filters.iter().collect();
        Ok(self
            .reader
            .searcher()
            .search(&combine(&*text_query, &all_filters), &Count)?)
    }

    /// The document with `id`, its text highlighted for `query` (may be empty).
    pub fn document(&self, id: &str, query: &str) -> Result<Option<DocumentView>, IndexError> {
        let searcher = self.reader.searcher();
        let by_id = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let Some((_, address)) = searcher
            .search(&by_id, &TopDocs::with_limit(1).order_by_score())?
            .pop()
        else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let mut record = self.record(&stored)?;
        record.review.sections = sections(&stored, &self.fields);
        let text_query = self.parse_query(query)?;
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

    fn parse_query(&self, text: &str) -> Result<Box<dyn Query>, IndexError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(IndexError::QueryTooLong {
                max: MAX_QUERY_CHARS,
            });
        }
        if text.trim().is_empty() {
            return Ok(Box::new(AllQuery));
        }
        self.parser
            .parse_query(text)
            .map_err(|err| match err {
                QueryParserError::FieldDoesNotExist(field) => IndexError::UnknownQueryField {
                    field,
                    known: QUERYABLE_FIELDS.join(", "),
                },
                other => IndexError::InvalidQuery(other.to_string()),
            })
            .and_then(|query| self.refuse_non_queryable_fields(query))
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

    fn filters(&self, request: &SearchRequest) -> Vec<FilterClause> {
        let fields = &self.fields;
        // Each facet filter is "any of these paths" on its facet field.
        let facet_filter = |kind, field, paths: Vec<Vec<String>>| {
            let terms: Vec<Term> = paths
                .into_iter()
                .map(|path| Term::from_facet(field, &Facet::from_path(path)))
                .collect();
            (!terms.is_empty()).then(|| FilterClause::terms(kind, terms))
        };
        let single = |value: &str| vec![value.to_owned()];
        let mut filters: Vec<FilterClause> = [
            facet_filter(
                FacetKind::Theme,
                fields.theme,
                request.themes.iter().map(|theme| single(theme)).collect(),
            ),
            facet_filter(
                FacetKind::Region,
                fields.region,
                request
                    .regions
                    .iter()
                    .map(|region| region_path(region))
                    .collect(),
            ),
            facet_filter(
                FacetKind::Type,
                fields.review_type,
                request.types.iter().map(|t| single(t.slug())).collect(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !request.publishers.is_empty() {
            let terms = request
                .publishers
                .iter()
                .map(|publisher| Term::from_field_text(fields.publisher_name, publisher))
                .collect();
            filters.push(FilterClause::terms(FacetKind::Publisher, terms));
        }
        if request.year_from.is_some() || request.year_to.is_some() {
            let bound = |year: Option<u64>| match year {
                Some(year) => Bound::Included(Term::from_field_u64(fields.year, year)),
                None => Bound::Unbounded,
            };
            filters.push(FilterClause {
                kind: FacetKind::Year,
                query: Box::new(RangeQuery::new(
                    bound(request.year_from),
                    bound(request.year_to),
                )),
            });
        }
        filters
    }

    /// Disjunctive facets: each facet's counts apply every filter but its own, so a
    /// user sees what ticking another value of the same facet would add.
    fn facets(
        &self,
        searcher: &Searcher,
        text_query: &dyn Query,
        filters: &[FilterClause],
        request: &SearchRequest,
    ) -> Result<Facets, IndexError> {
        let others = |kind: FacetKind| -> Vec<&FilterClause> {
            filters.iter().filter(|f| f.kind != kind).collect()
        };

        let counts_without = |kind: FacetKind, field: &str| {
            let mut collector = FacetCollector::for_field(field);
            collector.add_facet(Facet::root());
            searcher.search(&combine(text_query, &others(kind)), &collector)
        };

        let year_counts = counts_without(FacetKind::Year, names::YEAR_FACET)?;
        let in_range = |year: u64| {
            request.year_from.is_none_or(|from| year >= from)
                && request.year_to.is_none_or(|to| year <= to)
        };
        let ranged = request.year_from.is_some() || request.year_to.is_some();
        let mut year = Vec::new();
        for (facet, count) in year_counts.get(Facet::root()) {
            let label = last_component(facet);
            let selected = ranged && label.parse::<u64>().is_ok_and(in_range);
            year.push(FacetValue {
                value: label.clone(),
                label,
                count,
                depth: 0,
                selected,
            });
        }

        let theme_counts = counts_without(FacetKind::Theme, names::THEME)?;
        // Themes are listed in the rules file's order, with zero counts kept, so the
        // list does not jump around as filters change.
        let theme = self
            .meta
            .themes
            .iter()
            .map(|theme| FacetValue {
                count: count_of(&theme_counts, &[theme.id.as_str()]),
                value: theme.id.clone(),
                label: theme.label.clone(),
                depth: 0,
                selected: request.themes.contains(&theme.id),
            })
            .collect();

        let type_counts = counts_without(FacetKind::Type, names::TYPE)?;
        let review_type = type_counts
            .get(Facet::root())
            .filter_map(|(facet, count)| {
                let slug = last_component(facet);
                let known = ReviewType::from_slug(&slug)?;
                Some(FacetValue {
                    value: slug,
                    label: known.label().to_owned(),
                    count,
                    depth: 0,
                    selected: request.types.contains(&known),
                })
            })
            .collect();

        let region = self.region_facet(
            searcher,
            &combine(text_query, &others(FacetKind::Region)),
            request,
        )?;
        Ok(Facets {
            year,
            theme,
            region,
            review_type,
        })
    }

    /// Region counts as a tree: every nation, every nation's regions, and the
    /// publishers under any selected region (the list would be long otherwise).
    fn region_facet(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        request: &SearchRequest,
    ) -> Result<Vec<FacetValue>, IndexError> {
        let mut nations = FacetCollector::for_field(names::REGION);
        nations.add_facet(Facet::root());
        let nation_counts = searcher.search(query, &nations)?;
        let nation_facets: Vec<Facet> = nation_counts
            .get(Facet::root())
            .map(|(facet, _)| facet.clone())
            .collect();

        let mut expanded: HashSet<Facet> = nation_facets.iter().cloned().collect();
        for selected in &request.regions {
            let path = region_path(selected);
            for depth in 1..=path.len() {
                expanded.insert(Facet::from_path(&path[..depth]));
            }
        }
        // A FacetCollector refuses a facet together with its ancestor, so each expanded
        // level gets its own collector; the MultiCollector still makes it one pass.
        let mut children = MultiCollector::new();
        let handles: Vec<(Facet, _)> = expanded
            .iter()
            .map(|facet| {
                let mut collector = FacetCollector::for_field(names::REGION);
                collector.add_facet(facet.clone());
                (facet.clone(), children.add_collector(collector))
            })
            .collect();
        let mut fruits = searcher.search(query, &children)?;
        let counts: HashMap<Facet, FacetCounts> = handles
            .into_iter()
            .map(|(facet, handle)| (facet, handle.extract(&mut fruits)))
            .collect();
        let selected: HashSet<String> = request
            .regions
            .iter()
            .map(|r| region_path(r).join("/"))
            .collect();
        let mut values = Vec::new();
        for (facet, count) in nation_counts.get(Facet::root()) {
            push_region(&mut values, facet, count, &selected);
            self.push_region_children(&mut values, &counts, facet, &selected);
        }
        Ok(values)
    }

    fn push_region_children(
        &self,
        values: &mut Vec<FacetValue>,
        counts: &HashMap<Facet, FacetCounts>,
        parent: &Facet,
        selected: &HashSet<String>,
    ) {
        let Some(children) = counts.get(parent) else {
            return;
        };
        for (facet, count) in children.get(parent.clone()) {
            push_region(values, facet, count, selected);
            self.push_region_children(values, counts, facet, selected);
        }
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Option<f32>,
        highlighter: &Highlighter,
    ) -> Result<Hit, IndexError> {
        let stored: TantivyDocument = searcher.doc(address)?;
        let record = self.record(&stored)?;
        let sections = sections(&stored, &self.fields);
        let mut snippets: Vec<(usize, Snippet)> = sections
            .iter()
            .filter_map(|section| {
                let (html, matches) = highlighter.snippet(&section.text, SNIPPET_CHARS)?;
                Some((
                    matches,
                    Snippet {
                        section: section.label.clone(),
                        html,
                    },
                ))
            })
            .collect();
        // Most matches first; sections keep reading order among equals (stable sort).
        snippets.sort_by_key(|(matches, _)| std::cmp::Reverse(*matches));
        let mut snippets: Vec<Snippet> = snippets
            .into_iter()
            .take(SNIPPETS_PER_HIT)
            .map(|(_, s)| s)
            .collect();
        if snippets.is_empty() {
            // No words to show in context (empty query, or a title-only match): the opening.
            if let Some(first) = sections.first() {
                snippets.push(Snippet {
                    section: first.label.clone(),
                    html: first_words(&first.text, SNIPPET_CHARS),
                });
            }
        }
        let review = record.review;
        Ok(Hit {
            id: review.id.clone(),
            date: review.date.map(|date| date.to_string()),
            year: review.year(),
            title: review.title,
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

fn sections(stored: &TantivyDocument, fields: &Fields) -> Vec<Section> {
    let labels = stored
        .get_all(fields.section)
        .filter_map(|value| value.as_str());
    let texts = stored
        .get_all(fields.text)
        .filter_map(|value| value.as_str());
    labels
        .zip(texts)
        .map(|(label, text)| Section {
            label: label.to_owned(),
            text: text.to_owned(),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FacetKind {
    Year,
    Theme,
    Region,
    Type,
    Publisher,
}

/// One filter of a request, tagged with the facet it belongs to.
struct FilterClause {
    kind: FacetKind,
    query: Box<dyn Query>,
}

impl FilterClause {
    /// Any of the terms (OR).
    fn terms(kind: FacetKind, terms: Vec<Term>) -> FilterClause {
        let alternatives = terms
            .into_iter()
            .map(|term| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                )
            })
            .collect();
        FilterClause {
            kind,
            query: Box::new(BooleanQuery::new(alternatives)),
        }
    }
}

/// The text query restricted by filters. Filters only restrict: they add no score.
fn combine(text_query: &dyn Query, filters: &[&FilterClause]) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
    clauses.extend(filters.iter().map(|filter| {
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(filter.query.box_clone(), 0.0)) as Box<dyn Query>,
        )
    }));
    BooleanQuery::new(clauses)
}

/// `England/North West` → `["England", "North West"]`; empty parts are ignored.
fn region_path(text: &str) -> Vec<String> {
    text.split('/')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

fn facet_components(facet: &Facet) -> Vec<String> {
    facet.to_path().into_iter().map(str::to_owned).collect()
}

fn last_component(facet: &Facet) -> String {
    facet_components(facet).pop().unwrap_or_default()
}

fn count_of(counts: &FacetCounts, path: &[&str]) -> u64 {
    let facet = Facet::from_path(path);
    counts
        .get(Facet::root())
        .find(|(candidate, _)| **candidate == facet)
        .map_or(0, |(_, count)| count)
}

fn push_region(
    values: &mut Vec<FacetValue>,
    facet: &Facet,
    count: u64,
    selected: &HashSet<String>,
) {
    let path = facet_components(facet);
    let value = path.join("/");
    values.push(FacetValue {
        selected: selected.contains(&value),
        label: path.last().cloned().unwrap_or_default(),
        depth: path.len().saturating_sub(1),
        value,
        count,
    });
}
