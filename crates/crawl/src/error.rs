//! The crate's errors: [`CrawlError`] for a run that cannot start (bad sources file, raw
//! store unusable), [`FetchError`] for one URL that failed (reported, never fatal).

use std::path::PathBuf;

/// A problem that stops a whole run before or outside fetching.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("cannot read sources file {path}: {source}")]
    ReadSources {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("sources file {path}: {message}")]
    InvalidSources { path: PathBuf, message: String },
    #[error("raw store {path}: {source}")]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("raw store record {path} is not valid: {source}")]
    StoreRecord {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Why one URL could not be fetched. The run goes on; [`FetchError::reason`] groups
/// failures in the summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {attempts} attempt(s)")]
    Timeout { attempts: u32 },
    #[error("gave up after {millis} ms and {attempts} attempt(s) (the URL's deadline)")]
    DeadlineExceeded { millis: u64, attempts: u32 },
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("HTTP status {status} after {attempts} attempt(s)")]
    Status { status: u16, attempts: u32 },
    #[error("server asked to retry after {seconds} s, more than the {limit} s we wait")]
    RetryAfterTooLong { seconds: u64, limit: u64 },
    #[error("redirect loop back to {0}")]
    RedirectLoop(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("redirect without a usable Location header")]
    BadRedirect,
    #[error("body larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    #[error("transport error: {0}")]
    Transport(String),
    #[error("cannot store the response: {0}")]
    Store(String),
}

impl FetchError {
    /// A short stable name for grouping in the run summary (`http-404`, `timeout`).
    pub fn reason(&self) -> String {
        match self {
            FetchError::Timeout { .. } => "timeout".into(),
            FetchError::DeadlineExceeded { .. } => "deadline".into(),
            FetchError::Connect(_) => "connect".into(),
            FetchError::Status { status, .. } => format!("http-{status}"),
            FetchError::RetryAfterTooLong { .. } => "retry-after-too-long".into(),
            FetchError::RedirectLoop(_) => "redirect-loop".into(),
            FetchError::TooManyRedirects(_) => "too-many-redirects".into(),
            FetchError::BadRedirect => "bad-redirect".into(),
            FetchError::TooLarge { .. } => "too-large".into(),
            FetchError::Transport(_) => "transport".into(),
            FetchError::Store(_) => "store".into(),
        }
    }
}
