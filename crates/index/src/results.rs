//! What a search answers: hits with located snippets, and disjunctive facet counts.

use casesearch_model::{AgeBand, Availability, CataloguedReview, ReviewType};
use serde::Serialize;

use crate::query::suggest::Suggestion;
use crate::query::{Expansion, Notice};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// How the query was read: repairs, relaxed matching, shortened text.
    pub notices: Vec<Notice>,
    /// What the thesaurus added ("HV" → "health visitor").
    pub also_searched: Vec<Expansion>,
    /// Closer words for ones the reports do not use.
    pub suggestions: Vec<Suggestion>,
    /// Documents with every word of the query (for plain queries of 2 to 12 words).
    pub all_words_total: Option<usize>,
    /// When no document has every word: the words the best match lacks.
    pub missing_words: Vec<String>,
    /// Words too common to be searched ("the", "and").
    pub ignored_words: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub id: String,
    /// "2023 – Cambridgeshire and Peterborough – Child Q (Local Child Safeguarding
    /// Practice Review)": year, publisher and title as practitioners cite a review.
    pub heading: String,
    pub title: String,
    /// As precisely as known: "2023", "2023-06" or "2023-06-14".
    pub date: Option<String>,
    /// The subject's pseudonym.
    pub child: Option<String>,
    pub age_band: Option<AgeBand>,
    /// Whether the review's own text can be had.
    pub availability: Availability,
    /// A catalogue record only: the snippets come from the catalogue's summary, not
    /// the review.
    pub metadata_only: bool,
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThemeSummary {
    pub id: String,
    pub label: String,
    /// "'coercive control' in Concerns".
    pub because: Option<String>,
}

/// A piece of a hit's text around the matches, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Snippet {
    /// Section or page label: "Concerns", "p. 37".
    pub section: String,
    /// HTML-escaped text with `<mark>` around matched words.
    pub html: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub year: Vec<FacetValue>,
    pub theme: Vec<FacetValue>,
    pub region: Vec<FacetValue>,
    #[serde(rename = "type")]
    pub review_type: Vec<FacetValue>,
    /// Full texts and catalogue records by availability; only values with documents.
    pub availability: Vec<FacetValue>,
    /// Subjects' age bands; only bands with documents.
    pub age_band: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub record: CataloguedReview,
    #[serde(rename = "type_label")]
    pub review_type_label: &'static str,
    /// The sections with `<mark>` around the query's words (escaped HTML).
    pub highlighted_sections: Vec<Snippet>,
}

/// How a search's hits spread over years, themes and regions: is a concern recurring?
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trends {
    pub total: usize,
    /// Every year with a hit, ascending: the columns of `themes[].counts`.
    pub years: Vec<u64>,
    /// Hits per year (same order as `years`).
    pub counts: Vec<u64>,
    /// Per theme, hits per year; themes with no hit are left out.
    pub themes: Vec<ThemeTrend>,
    /// Hits per nation and region (depth 0 and 1).
    pub regions: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThemeTrend {
    pub id: String,
    pub label: String,
    pub total: u64,
    pub counts: Vec<u64>,
}
