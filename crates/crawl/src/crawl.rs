//! A crawl run: seeds → listing pages → discovered documents, each stored in the raw
//! store, every URL ending as one [`ItemReport`]; one failure never stops the run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use url::Url;

use crate::discover::{discover_links, LinkHints, LinkKind};
use crate::error::{CrawlError, FetchError};
use crate::fetch::{FetchOptions, FetchResult, Fetcher, SkipReason, Validators};
use crate::sources::{CrawlerSettings, Sources};
use crate::store::{sha256_hex, Provenance, RawStore, Role, StoreOutcome};
use casesearch_html::{sniff_content_kind, ContentKind};

/// Run-level settings on top of [`FetchOptions`].
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    pub fetch: FetchOptions,
    /// Link hops from a seed: 1 = documents linked from listing pages; 2 (default) also
    /// the PDFs linked from review pages.
    pub max_depth: u32,
    /// Fetch listing pages only, write nothing, and report the documents that would be
    /// fetched.
    pub dry_run: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// Used in the user agent when the sources file names no contact.
pub const DEFAULT_CONTACT: &str = "https://github.com/casesearch";

impl CrawlOptions {
    /// Production defaults with a sources file's `[crawler]` overrides applied.
    pub fn from_settings(settings: &CrawlerSettings) -> CrawlOptions {
        let mut fetch = FetchOptions::new(settings.contact.as_deref().unwrap_or(DEFAULT_CONTACT));
        if let Some(delay) = settings.delay_ms {
            fetch.delay = std::time::Duration::from_millis(delay);
        }
        if let Some(concurrency) = settings.concurrency {
            fetch.concurrency = concurrency.max(1);
        }
        if let Some(seconds) = settings.timeout_secs {
            fetch.url_deadline = std::time::Duration::from_secs(seconds);
        }
        if let Some(megabytes) = settings.max_body_mb {
            fetch.max_body_bytes = megabytes.saturating_mul(1024 * 1024);
        }
        CrawlOptions {
            fetch,
            max_depth: settings.max_depth.unwrap_or(2),
            dry_run: false,
            progress: false,
        }
    }
}

/// How one URL ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    New {
        sha256: String,
        kind: ContentKind,
    },
    /// New content at a known URL; it replaced the old version.
    Changed {
        sha256: String,
        previous_sha256: String,
        kind: ContentKind,
    },
    /// 304 Not Modified: nothing downloaded.
    NotModified,
    /// Downloaded again, same bytes.
    SameContent {
        sha256: String,
    },
    /// A new URL whose bytes were already stored from another URL.
    Duplicate {
        sha256: String,
    },
    /// Dry run: would be fetched.
    WouldFetch,
    Skipped(SkipReason),
    Failed(FetchError),
}

/// One URL's result, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReport {
    pub url: String,
    pub source: String,
    pub role: Role,
    pub hints: LinkHints,
    pub outcome: ItemOutcome,
}

/// Everything a run did, item by item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlReport {
    pub items: Vec<ItemReport>,
}

/// Counts for the closing line of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlSummary {
    /// Bodies downloaded (new + changed + same content + duplicate).
    pub fetched: usize,
    pub new: usize,
    pub changed: usize,
    pub not_modified: usize,
    pub same_content: usize,
    pub duplicate: usize,
    pub would_fetch: usize,
    pub skipped: BTreeMap<String, usize>,
    pub failed: BTreeMap<String, usize>,
}

impl CrawlReport {
    pub fn summary(&self) -> CrawlSummary {
        let mut summary = CrawlSummary::default();
        for item in &self.items {
            match &item.outcome {
                ItemOutcome::New { .. } => summary.new += 1,
                ItemOutcome::Changed { .. } => summary.changed += 1,
                ItemOutcome::NotModified => summary.not_modified += 1,
                ItemOutcome::SameContent { .. } => summary.same_content += 1,
                ItemOutcome::Duplicate { .. } => summary.duplicate += 1,
                ItemOutcome::WouldFetch => summary.would_fetch += 1,
                ItemOutcome::Skipped(reason) => {
                    *summary
                        .skipped
                        .entry(reason.reason().to_owned())
                        .or_default() += 1
                }
                ItemOutcome::Failed(error) => {
                    *summary.failed.entry(error.reason()).or_default() += 1
                }
            }
        }
        summary.fetched = summary.new + summary.changed + summary.same_content + summary.duplicate;
        summary
    }

    /// Whether any item failed: the run's exit status should then be non-zero.
    pub fn has_failures(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item.outcome, ItemOutcome::Failed(_)))
    }

    /// The report for `url`, if the run reached it.
    pub fn item(&self, url: &str) -> Option<&ItemReport> {
        self.items.iter().find(|item| item.url == url)
    }
}

impl fmt::Display for CrawlSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed: usize = self.failed.values().sum();
        let skipped: usize = self.skipped.values().sum();
        write!(
            f,
            "fetched {}, new {}, changed {}, unchanged {} (304: {}, same hash: {}), duplicate {}",
            self.fetched,
            self.new,
            self.changed,
            self.not_modified + self.same_content,
            self.not_modified,
            self.same_content,
            self.duplicate
        )?;
        if self.would_fetch > 0 {
            write!(f, ", would fetch {}", self.would_fetch)?;
        }
        write!(f, ", skipped {skipped}")?;
        write_reasons(f, &self.skipped)?;
        write!(f, ", failed {failed}")?;
        write_reasons(f, &self.failed)
    }
}

fn write_reasons(f: &mut fmt::Formatter<'_>, reasons: &BTreeMap<String, usize>) -> fmt::Result {
    if reasons.is_empty() {
        return Ok(());
    }
    let parts: Vec<String> = reasons
        .iter()
        .map(|(reason, count)| format!("{reason}: {count}"))
        .collect();
    write!(f, " ({})", parts.join(", "))
}

struct Task {
    url: Url,
    source: usize,
    depth: u32,
    role: Role,
    hints: LinkHints,
    referrer: Option<String>,
}

struct Finished {
    task: Task,
    previous: Option<Provenance>,
    result: Result<FetchResult, FetchError>,
}

/// Crawls every source: fetches seeds, discovers review links, fetches and stores the
/// documents (or, in a dry run, lists them). Only a client that cannot be built stops
/// the run; every URL's own problem, a store write included, is in the report.
pub async fn crawl(
    sources: &Sources,
    store: &RawStore,
    options: &CrawlOptions,
) -> Result<CrawlReport, CrawlError> {
    let fetcher = Arc::new(Fetcher::new(options.fetch.clone())?);
    let progress = if options.progress {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut report = CrawlReport::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut referrers: HashMap<String, Vec<String>> = HashMap::new();
    let mut running: JoinSet<Finished> = JoinSet::new();

    let mut queue: Vec<Task> = Vec::new();
    for (index, source) in sources.sources.iter().enumerate() {
        for seed in &source.seeds {
            if seen.insert(seed.to_string()) {
                queue.push(Task {
                    url: seed.clone(),
                    source: index,
                    depth: 0,
                    role: Role::Listing,
                    hints: LinkHints::default(),
                    referrer: None,
                });
            }
        }
    }

    loop {
        for task in queue.drain(..) {
            progress.inc_length(1);
            // An unreadable record costs that URL its conditional request, nothing more.
            let previous = store
                .record_for_url(task.url.as_str())
                .unwrap_or_else(|error| {
                    tracing::warn!(url = %task.url, %error, "ignoring unreadable store record");
                    None
                });
            let source = sources.sources[task.source].clone();
            let fetcher = Arc::clone(&fetcher);
            // A dry run downloads listing pages in full, so it sends no validators.
            let validators = previous
                .as_ref()
                .filter(|_| !options.dry_run)
                .map(|record| Validators {
                    etag: record.etag.clone(),
                    last_modified: record.last_modified.clone(),
                });
            let deadline = source.timeout.unwrap_or(fetcher.options().url_deadline);
            running.spawn(async move {
                let result = fetcher
                    .fetch_within(
                        &task.url,
                        validators.as_ref(),
                        |url| source.allows(url),
                        deadline,
                    )
                    .await;
                Finished {
                    task,
                    previous,
                    result,
                }
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let finished = match joined {
            Ok(finished) => finished,
            Err(error) => {
                // A panicking task is a bug of ours; the others go on.
                tracing::error!(%error, "crawl task failed");
                continue;
            }
        };
        progress.inc(1);
        progress.set_message(finished.task.url.to_string());
        let source_name = sources.sources[finished.task.source].name.clone();
        let mut item = ItemReport {
            url: finished.task.url.to_string(),
            source: source_name.clone(),
            role: finished.task.role,
            hints: finished.task.hints.clone(),
            outcome: ItemOutcome::NotModified,
        };
        let mut html_for_links: Option<Vec<u8>> = None;
        match finished.result {
            Err(error) => {
                tracing::warn!(url = %item.url, %error, "fetch failed");
                item.outcome = ItemOutcome::Failed(error);
            }
            Ok(FetchResult::Skipped(reason)) => item.outcome = ItemOutcome::Skipped(reason),
            Ok(FetchResult::NotModified { .. }) => {
                item.outcome = ItemOutcome::NotModified;
                if let Some(mut record) = finished.previous {
                    record.checked_at = Utc::now();
                    let stored = store.write_record(&record).and_then(|()| {
                        if record.kind == ContentKind::Html {
                            store.read_blob(&record.sha256).map(Some)
                        } else {
                            Ok(None)
                        }
                    });
                    match stored {
                        Ok(html) => html_for_links = html,
                        Err(error) => {
                            item.outcome = ItemOutcome::Failed(FetchError::Store(error.to_string()))
                        }
                    }
                }
            }
            Ok(FetchResult::Fetched(body)) => {
                let kind = sniff_content_kind(&body.bytes);
                if finished.task.role == Role::Document && kind == ContentKind::Other {
                    item.outcome = ItemOutcome::Skipped(SkipReason::UnsupportedContent);
                } else if options.dry_run {
                    item.outcome = ItemOutcome::WouldFetch;
                    if kind == ContentKind::Html {
                        html_for_links = Some(body.bytes);
                    }
                } else {
                    let sha256 = sha256_hex(&body.bytes);
                    let now = Utc::now();
                    let mut all_referrers = finished
                        .previous
                        .as_ref()
                        .map(|record| record.referrers.clone())
                        .unwrap_or_default();
                    for referrer in referrers.get(&item.url).into_iter().flatten() {
                        if !all_referrers.contains(referrer) {
                            all_referrers.push(referrer.clone());
                        }
                    }
                    let record = Provenance {
                        url: item.url.clone(),
                        final_url: body.final_url.to_string(),
                        source: source_name,
                        role: finished.task.role,
                        fetched_at: now,
                        checked_at: now,
                        status: body.status,
                        etag: body.etag,
                        last_modified: body.last_modified,
                        sha256: sha256.clone(),
                        kind,
                        bytes: body.bytes.len() as u64,
                        hints: finished.task.hints.clone(),
                        referrers: all_referrers,
                    };
                    item.outcome = match store.put(&record, &body.bytes) {
                        Ok(StoreOutcome::New) => ItemOutcome::New { sha256, kind },
                        Ok(StoreOutcome::Changed { previous_sha256 }) => ItemOutcome::Changed {
                            sha256,
                            previous_sha256,
                            kind,
                        },
                        Ok(StoreOutcome::SameContent) => ItemOutcome::SameContent { sha256 },
                        Ok(StoreOutcome::Duplicate) => ItemOutcome::Duplicate { sha256 },
                        Err(error) => ItemOutcome::Failed(FetchError::Store(error.to_string())),
                    };
                    if kind == ContentKind::Html {
                        html_for_links = Some(body.bytes);
                    }
                }
            }
        }

        if let Some(html) = html_for_links.filter(|_| finished.task.depth < options.max_depth) {
            let source = &sources.sources[finished.task.source];
            let page = String::from_utf8_lossy(&html);
            for link in discover_links(&page, &finished.task.url) {
                // Past the listing page only files are followed: review pages link on to
                // their PDFs, not to the rest of the site.
                if finished.task.depth > 0 && link.kind != LinkKind::Document {
                    continue;
                }
                if !source.allows(&link.url) {
                    continue;
                }
                let key = link.url.to_string();
                referrers
                    .entry(key.clone())
                    .or_default()
                    .push(item.url.clone());
                if !seen.insert(key.clone()) {
                    continue;
                }
                let task = Task {
                    url: link.url,
                    source: finished.task.source,
                    depth: finished.task.depth + 1,
                    role: Role::Document,
                    hints: link.hints,
                    referrer: Some(item.url.clone()),
                };
                if options.dry_run {
                    report.items.push(ItemReport {
                        url: key,
                        source: source.name.clone(),
                        role: Role::Document,
                        hints: task.hints,
                        outcome: ItemOutcome::WouldFetch,
                    });
                } else {
                    queue.push(task);
                }
            }
        }
        tracing::debug!(url = %item.url, referrer = ?finished.task.referrer, outcome = ?item.outcome, "done");
        report.items.push(item);
    }
    progress.finish_and_clear();
    if !options.dry_run {
        // A page can link to a document after the document was stored (the report PDF
        // linked from the listing and again from its review page): record every referrer.
        for (url, pages) in &referrers {
            let Ok(Some(mut record)) = store.record_for_url(url) else {
                continue;
            };
            let before = record.referrers.len();
            for page in pages {
                if !record.referrers.contains(page) {
                    record.referrers.push(page.clone());
                }
            }
            if record.referrers.len() != before {
                if let Err(error) = store.write_record(&record) {
                    tracing::warn!(%url, %error, "cannot record referrers");
                }
            }
        }
    }
    report.items.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(report)
}
