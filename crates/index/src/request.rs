//! What a user asks: the query, the filters, the order and the page.

use casesearch_model::{AgeBand, Availability, ReviewType};
use serde::Serialize;

/// Longest query accepted: a pasted page of a review (a paragraph is 1,000–3,000
/// characters; CISI's judged queries include whole abstracts). Longer ones are a user
/// error, not a slow request: past [`crate::query::MAX_CONCEPTS`] different words only
/// the most informative are searched.
pub const MAX_QUERY_CHARS: usize = 20_000;
pub const MAX_PER_PAGE: usize = 100;

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
    /// Only reviews with one of these availabilities (catalogue records of withdrawn
    /// reviews, say).
    pub availability: Vec<Availability>,
    pub age_bands: Vec<AgeBand>,
    pub year_from: Option<u64>,
    pub year_to: Option<u64>,
    pub sort: Sort,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    /// Expand the query with words from its best matches (pseudo-relevance feedback,
    /// RM3): finds more for long, vague questions, at the cost of a second search.
    pub expand: bool,
    /// Refuse text that is not valid query syntax (400) instead of searching it as
    /// words with a notice.
    pub strict: bool,
    /// Also search the thesaurus's alternatives of the query's words ("HV" → "health
    /// visitor").
    pub synonyms: bool,
    /// When nothing matches and a close word is in the reports, show what that word
    /// finds (with a notice) instead of nothing.
    pub correct: bool,
}

impl SearchRequest {
    /// The order results come in: without words every document scores the same, so
    /// "best match" would be index order, and browsing shows the newest first instead.
    pub fn effective_sort(&self) -> Sort {
        match self.sort {
            Sort::Relevance if self.query.trim().is_empty() => Sort::Newest,
            chosen => chosen,
        }
    }
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            themes: Vec::new(),
            regions: Vec::new(),
            types: Vec::new(),
            publishers: Vec::new(),
            availability: Vec::new(),
            age_bands: Vec::new(),
            year_from: None,
            year_to: None,
            sort: Sort::Relevance,
            page: 1,
            per_page: 20,
            expand: false,
            strict: false,
            synonyms: true,
            correct: true,
        }
    }
}
