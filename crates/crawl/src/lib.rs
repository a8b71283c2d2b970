//! Fetching case reviews from the web, politely: the first stage of the casesearch
//! pipeline (`crawl` → `ingest` records → `index` → `server`).
//!
//! A librarian's [`Sources`] file names publishers, their listing pages and hosts. [`crawl`]
//! fetches each listing page (respecting robots.txt, one request at a time per host with a
//! delay, retries with backoff on timeouts, 429 and 5xx), finds the review links on it
//! ([`discover_links`], keeping what the page says around each link, as written, in
//! [`LinkHints`]), fetches those documents and keeps every body in a [`RawStore`] by
//! sha256 with its provenance and its kind ([`sniff_content_kind`], from
//! `casesearch-html`), so re-extraction never needs the network. Conditional requests make
//! a re-run cheap; the [`CrawlReport`] says what happened to every URL.
//!
//! The crawler reads no catalogue field: turning documents and the listing page's words
//! into records is `casesearch-ingest`'s (the binary hands the store over), and text
//! extraction is `casesearch-pdf`'s and `casesearch-html`'s.
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
mod fetch;
mod sources;
mod store;

/// What a fetched body is, judged from its bytes (kept with it in the raw store).
pub use casesearch_html::{sniff_content_kind, ContentKind};
pub use crawl::{
    crawl, CrawlOptions, CrawlReport, CrawlSummary, ItemOutcome, ItemReport, DEFAULT_CONTACT,
};
pub use discover::{discover_links, DiscoveredLink, LinkHints, LinkKind};
pub use error::{CrawlError, FetchError};
pub use fetch::{FetchOptions, FetchResult, FetchedBody, Fetcher, SkipReason, Validators};
pub use sources::{CrawlerSettings, Source, Sources, NATIONS};
pub use store::{sha256_hex, Provenance, RawStore, Role, StoreOutcome};
