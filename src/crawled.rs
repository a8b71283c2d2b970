//! The crawler's raw store as documents to ingest: the one place that knows both
//! `casesearch-crawl` (what was fetched, and the listing page's words around each link)
//! and `casesearch-ingest` (records), which know nothing of each other.

use casesearch_crawl::{CrawlError, RawStore, Role, Sources};
use casesearch_ingest::documents::{FileFormat, Hints, Incoming, IncomingDocument};

/// The documents (not listing pages) a crawl kept in `store`. Their publisher is their
/// source's name and their type the source's, when the sources file gives one (facts the
/// librarian stated); what the listing page said around each link goes along as evidence
/// for the cataloguer, never as a value.
pub fn crawled_documents(store: &RawStore, sources: &Sources) -> Result<Vec<Incoming>, CrawlError> {
    Ok(store
        .records()?
        .into_iter()
        .filter(|record| record.role == Role::Document)
        .map(|record| {
            let Some(kind) = FileFormat::of_kind(record.kind) else {
                return Err((record.url, "neither a PDF nor an HTML page".into()));
            };
            let bytes = store
                .read_blob(&record.sha256)
                .map_err(|err| (record.url.clone(), err.to_string()))?;
            let source = sources.sources.iter().find(|s| s.name == record.source);
            let hints = Hints {
                title: record.hints.title.clone(),
                publisher: Some(record.source.clone()),
                review_type: source.and_then(|source| source.review_type),
                url: Some(record.final_url.clone()),
                listing: record
                    .hints
                    .evidence()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            };
            Ok(IncomingDocument {
                key: record.url,
                bytes,
                kind,
                hints,
            })
        })
        .collect())
}
