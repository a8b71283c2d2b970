//! Cataloguing: what a review is, read from its text, plus what the librarian keeps
//! beside the corpus. It sits between `ingest` (which reads documents and keeps records)
//! and `index` (which stores [`CataloguedReview`]s).
//!
//! - [`derive`](mod@derive) reads a document's catalogue fields (review type, document kind,
//!   publisher, publication date, incident year, the child's pseudonym and age band)
//!   from its text and from what the page that linked it says, each with its evidence
//!   and a confidence. One set of rules for every source: a PDF's cover page, an HTML
//!   page, a listing page's link, a catalogue's columns.
//! - [`RegionTable`] (`regions.csv`) places a publisher, by any of its names, in its
//!   nation and region; its nation settles "SCR".
//! - [`ThemeTagger`] tags themes from the librarian's rules (`themes.toml`), with the
//!   words behind each tag, ignoring boilerplate sentences.
//! - [`overrides`] (`overrides.toml`) are the librarian's corrections, applied at every
//!   build.
//! - [`Cataloguer`] applies the last three to a record at index time, and gives a
//!   coroner's report the deceased's age band (`derive::subject_age`), so that
//!   child-specific themes stay off adults.
//! - [`theme_measure`] scores the tagger against hand coding (precision, recall, F1).
//!
//! No network, no corpus format: those are `casesearch-crawl`'s and `casesearch-ingest`'s.
//!
//! ```no_run
//! use casesearch_cataloguing::{CatalogueFiles, Cataloguer};
//! # let reviews: Vec<casesearch_model::Review> = Vec::new();
//! let files = CatalogueFiles {
//!     themes: "corpus/themes.toml".into(),
//!     regions: "corpus/regions.csv".into(),
//!     overrides: "corpus/overrides.toml".into(),
//! };
//! let cataloguer = Cataloguer::load(&files, &reviews)?;
//! for catalogued in cataloguer.catalogue_all(reviews) {
//!     println!("{}: {} themes", catalogued.review.id, catalogued.themes.len());
//! }
//! # Ok::<(), casesearch_cataloguing::CatalogueError>(())
//! ```

mod catalogue;
pub mod derive;
mod error;
pub mod overrides;
pub mod regions;
mod text;
pub mod theme_measure;
pub mod themes;

pub use casesearch_model::CataloguedReview;
pub use catalogue::{CatalogueFiles, Cataloguer};
pub use error::CatalogueError;
pub use overrides::Overrides;
pub use regions::RegionTable;
pub use themes::{ThemeRules, ThemeTagger};
