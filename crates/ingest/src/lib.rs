//! Ingestion: everything between a source of documents and the index.
//!
//! A source yields [`Review`] records; the [`corpus`] stores them on disk in the project's
//! own format (a manifest plus one JSON record per document); at index time the
//! [`Cataloguer`] turns each record into a [`CataloguedReview`] by tagging its themes
//! (rules from the librarian-edited `themes.toml`) and placing its publisher in a region
//! (the `regions.csv` table). The `index` crate takes it from there.
//!
//! Sources: the bundled coroners' Prevention of Future Deaths reports ([`pfd`]);
//! [`documents`]: PDFs (text per page by `casesearch-pdf`) and HTML review pages (main
//! text by `casesearch-html`), from local files or crawled (the binary hands over the
//! crawler's raw store, with the listing page's words as evidence), whose catalogue
//! fields (type, publisher, dates, child, age band) [`derive`] reads from the text and
//! those words with evidence; and [`catalogue_file`]: metadata-only records from a
//! catalogue. The librarian's [`overrides`] correct any field at every build. This crate
//! does not depend on the crawler or its HTTP client.
//!
//! ```no_run
//! use casesearch_ingest::{Cataloguer, Corpus};
//! let corpus = Corpus::open("corpus")?;
//! let records = corpus.read_reviews()?;
//! let cataloguer = Cataloguer::load(&corpus, &records.reviews)?;
//! let catalogued = cataloguer.catalogue(&records.reviews[0]);
//! println!("{} themes", catalogued.themes.len());
//! # Ok::<(), casesearch_ingest::IngestError>(())
//! ```

mod catalogue;
pub mod catalogue_file;
pub mod corpus;
pub mod derive;
pub mod documents;
mod error;
pub mod overrides;
pub mod pfd;
pub mod regions;
mod text;
pub mod themes;

pub use casesearch_model::{CataloguedReview, Review};
pub use catalogue::Cataloguer;
pub use corpus::{Collection, Corpus, CorpusRecords, Manifest};
pub use error::IngestError;
pub use regions::RegionTable;
pub use themes::{ThemeRules, ThemeTagger};
