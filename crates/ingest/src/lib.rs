//! Ingestion: everything between a source of documents and the corpus on disk.
//!
//! A source yields [`Review`] records; the [`corpus`] stores them in the project's own
//! format (a manifest plus one JSON record per document) and knows where the
//! librarian's cataloguing files are ([`Corpus::catalogue_files`]). At index time
//! `casesearch-cataloguing`'s `Cataloguer` turns each record into a `CataloguedReview`
//! (themes, region, overrides), and the `index` crate takes it from there.
//!
//! Sources: the bundled coroners' Prevention of Future Deaths reports ([`pfd`]);
//! [`documents`]: PDFs (text per page by `casesearch-pdf`) and HTML review pages (main
//! text by `casesearch-html`), from local files or crawled (the binary hands over the
//! crawler's raw store, with the listing page's words as evidence), whose catalogue
//! fields `casesearch-cataloguing` derives from the text and those words; and
//! [`catalogue_file`]: metadata-only records from a catalogue. This crate does not
//! depend on the crawler or its HTTP client.
//!
//! ```no_run
//! use casesearch_cataloguing::Cataloguer;
//! use casesearch_ingest::Corpus;
//! let corpus = Corpus::open("corpus")?;
//! let records = corpus.read_reviews()?;
//! let cataloguer = Cataloguer::load(&corpus.catalogue_files(), &records.reviews)?;
//! let catalogued = cataloguer.catalogue(&records.reviews[0]);
//! println!("{} themes", catalogued.themes.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod catalogue_file;
pub mod corpus;
pub mod documents;
mod error;
pub mod pfd;

pub use casesearch_model::Review;
pub use corpus::{Collection, Corpus, CorpusRecords, CorpusWriteLock, Manifest};
pub use error::IngestError;
