//! Fetching case reviews from the web, politely: the first stage of the casesearch
//! pipeline (`crawl` → `ingest` records → `index` → `server`).
//!
//! A librarian's [`Sources`] file names publishers, their listing pages and hosts. [`crawl`]
//! fetches each listing page (respecting robots.txt, one request at a time per host with a
//! delay, retries with backoff on timeouts, 429 and 5xx), finds the review links on it
//! ([`discover_links`], keeping title, date, child pseudonym and review type as
//! [`LinkHints`]), fetches those documents and keeps every body in a [`RawStore`] by
//! sha256 with its provenance, so re-extraction never needs the network. Conditional
//! requests make a re-run cheap; the [`CrawlReport`] says what happened to every URL.
//! [`extract_main_text`] turns an HTML review page or learning brief into its main text.
//!
//! ```no_run
//! # async fn run() -> Result<(), casesearch_crawl::CrawlError> {
//! use casesearch_crawl::{crawl, CrawlOptions, RawStore, Sources};
//! let sources = Sources::from_path("corpus/sources.toml".as_ref())?;
//! let store = RawStore::open("raw".as_ref())?;
//! let report = crawl(&sources, &store, &CrawlOptions::from_settings(&sources.crawler)).await?;
//! println!("{}", report.summary());
//! # Ok(()) }
//! ```

mod crawl;
mod discover;
mod error;
mod extract;
mod fetch;
mod sniff;
mod sources;
mod store;

pub use crawl::{
    crawl, CrawlOptions, CrawlReport, CrawlSummary, ItemOutcome, ItemReport, DEFAULT_CONTACT,
};
pub use discover::{discover_links, DiscoveredLink, LinkHints, LinkKind};
pub use error::{CrawlError, FetchError};
pub use extract::extract_main_text;
pub use fetch::{FetchOptions, FetchResult, FetchedBody, Fetcher, SkipReason, Validators};
pub use sniff::{sniff_content_kind, ContentKind};
pub use sources::{CrawlerSettings, Source, Sources, NATIONS};
pub use store::{sha256_hex, Provenance, RawStore, Role, StoreOutcome};
