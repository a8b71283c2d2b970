//! Everything tantivy: the schema ([`schema`]), building an index from catalogued
//! reviews ([`build_index`]), and answering faceted searches with highlighted,
//! located snippets ([`Engine`]).
//!
//! A search goes through three steps, each in its own place:
//! - [`query`]: the query plan. What a user typed is read leniently (`query::syntax`),
//!   expanded by the librarians' thesaurus (`query::thesaurus`) and compiled into
//!   tantivy queries whose matches are ranked every-word-first (`query::coordination`),
//!   with our BM25 (`bm25`). Pure, with unit tests on a small index.
//! - `search`: the engine runs a plan with the request's filters (`facets`), and says
//!   how it read the query (`report`: notices, "did you mean" from `query::suggest`).
//! - `present`: stored documents become the [`Hit`]s every caller shows (API, pages,
//!   feeds, exports, command line); `documents` looks single documents up; `trends`
//!   counts hits by year.
//!
//! The index sits between `cataloguing`/`ingest` (which produce `CataloguedReview`s)
//! and `server` (which turns requests into [`SearchRequest`]s). Nothing here knows
//! about HTTP.
//!
//! ```no_run
//! use casesearch_index::{Engine, SearchRequest};
//! let engine = Engine::open("index".as_ref())?;
//! let results = engine.search(&SearchRequest {
//!     query: "\"information sharing\"".into(),
//!     themes: vec!["child-mental-health".into()],
//!     ..SearchRequest::default()
//! })?;
//! for hit in results.hits {
//!     println!("{} ({})", hit.title, hit.snippets[0].section);
//! }
//! # Ok::<(), casesearch_index::IndexError>(())
//! ```

mod analysis;
mod bm25;
mod build;
mod documents;
mod error;
mod facets;
mod feedback;
mod highlight;
mod hit_record;
mod hit_sections;
mod meta;
mod present;
pub mod query;
mod report;
mod request;
mod results;
pub mod schema;
mod search;
mod tally;
#[cfg(test)]
mod test_support;
mod text_store;
mod trends;

pub use bm25::{Bm25Params, Proximity, Ranking};
pub use build::{build_index, update_index, BuildChanges, BuildInputs, BuildMode};
pub use error::{IndexError, UserMistake};
pub use feedback::Rm3Params;
pub use meta::{CorpusFileStamp, IndexMeta, ThemeLabel, META_FILE};
pub use present::display_date;
pub use query::coordination::Coordination;
pub use query::suggest::Suggestion;
pub use query::thesaurus::{SynonymEntry, Thesaurus, ThesaurusError};
pub use query::{Expansion, Notice, PlanOptions, QueryPlan, MAX_CONCEPTS};
pub use request::{SearchRequest, Sort, MAX_PER_PAGE, MAX_QUERY_CHARS};
pub use results::{
    DocumentView, FacetValue, Facets, Hit, SearchResults, Snippet, ThemeSummary, ThemeTrend,
    Trends, TypeLabel,
};
pub use search::Engine;
