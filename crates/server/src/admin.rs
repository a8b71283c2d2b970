//! Admin endpoints for librarians: rebuild the index while search goes on, and see what
//! is being served. Enabled only when a token is configured; every request must carry
//! it as `Authorization: Bearer …`, and a wrong or missing one learns nothing more.
//!
//! A rebuild runs as a job detached from the request that started it: `POST
//! /api/admin/reindex` answers 202 with the job and the status URL at once (or, with
//! `wait=true`, the outcome when done). A client that hangs up changes nothing: the job
//! finishes, records its outcome, and a guard releases the "running" state on every
//! path out of it, a panic included.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use casesearch_index::{BuildChanges, BuildMode, Engine, IndexError, IndexMeta};
use serde::Serialize;

use crate::{params, ApiError, AppState, ErrorBody};

/// Builds a new index beside the live one (incrementally or in full) and opens it; a
/// failure leaves the live index untouched.
pub type Reindex = Arc<dyn Fn(BuildMode) -> Result<Engine, ReindexError> + Send + Sync>;

/// Why a reindex swapped nothing in.
#[derive(Debug, thiserror::Error)]
pub enum ReindexError {
    /// Another build holds the index's lock (`casesearch index` run by hand): nothing
    /// failed, and the caller may try again when it is done.
    #[error("another index build is running")]
    BuildRunning,
    /// The build failed; the reason is the librarian's to see.
    #[error("{0}")]
    Failed(String),
}

impl From<IndexError> for ReindexError {
    fn from(err: IndexError) -> Self {
        if err.is_build_running() {
            ReindexError::BuildRunning
        } else {
            ReindexError::Failed(err.to_string())
        }
    }
}

/// The fewest non-whitespace characters an admin token may have.
pub const MIN_TOKEN_CHARACTERS: usize = 16;

/// Why an admin token is refused: too short to resist guessing, counting only the
/// characters that are not whitespace (twenty spaces are no secret).
pub fn check_token(token: &str) -> Result<(), String> {
    let characters = token.chars().filter(|c| !c.is_whitespace()).count();
    if characters < MIN_TOKEN_CHARACTERS {
        return Err(format!(
            "the admin token must have at least {MIN_TOKEN_CHARACTERS} characters that are not whitespace (it has {characters})"
        ));
    }
    if token.trim() != token {
        // HTTP trims a header value's outer whitespace, so such a token could never match.
        return Err("the admin token must not start or end with whitespace".into());
    }
    Ok(())
}

pub struct Admin {
    token: String,
    reindex: Reindex,
    running: AtomicBool,
    next_job: AtomicU64,
    current: Mutex<Option<ReindexJob>>,
    last: Mutex<Option<ReindexOutcome>>,
}

/// Where the job's progress and outcome are shown.
pub const STATUS_URL: &str = "/api/admin/status";

/// A rebuild started by `POST /api/admin/reindex`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexJob {
    /// Numbers the server's jobs from 1; the outcome in `last_reindex` carries it.
    pub job: u64,
    /// Every document re-indexed, not only the changed ones.
    pub full: bool,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Poll this for `reindex_running` and, when done, `last_reindex`.
    pub status_url: &'static str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexOutcome {
    /// The job this is the outcome of.
    pub job: u64,
    pub ok: bool,
    pub seconds: f64,
    /// Documents in the index now being served.
    pub documents: u64,
    /// What the build changed (absent when it failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<BuildChanges>,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub documents: u64,
    pub index: IndexMeta,
    pub reindex_running: bool,
    /// The job running now, if any.
    pub current_reindex: Option<ReindexJob>,
    pub last_reindex: Option<ReindexOutcome>,
}

impl Admin {
    pub fn new(token: String, reindex: Reindex) -> Admin {
        Admin {
            token,
            reindex,
            running: AtomicBool::new(false),
            next_job: AtomicU64::new(1),
            current: Mutex::new(None),
            last: Mutex::new(None),
        }
    }

    fn current(&self) -> Option<ReindexJob> {
        match self.current.lock() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_current(&self, job: Option<ReindexJob>) {
        match self.current.lock() {
            Ok(mut current) => *current = job,
            Err(poisoned) => *poisoned.into_inner() = job,
        }
    }

    /// Claims the one build slot for a new job, or says a job holds it.
    fn start_job(self: &Arc<Self>, mode: BuildMode) -> Option<(ReindexJob, RunningGuard)> {
        if self.running.swap(true, Ordering::SeqCst) {
            return None;
        }
        let job = ReindexJob {
            job: self.next_job.fetch_add(1, Ordering::SeqCst),
            full: mode == BuildMode::Full,
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            status_url: STATUS_URL,
        };
        self.set_current(Some(job.clone()));
        let guard = RunningGuard {
            admin: self.clone(),
        };
        Some((job, guard))
    }

    pub(crate) fn last(&self) -> Option<ReindexOutcome> {
        match self.last.lock() {
            Ok(last) => last.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn record(&self, outcome: ReindexOutcome) {
        match self.last.lock() {
            Ok(mut last) => *last = Some(outcome),
            Err(poisoned) => *poisoned.into_inner() = Some(outcome),
        }
    }
}

/// Holds the build slot while a job runs and frees it when dropped, whichever way the
/// job ends (done, failed, or its task panicked), so no path leaves reindexing locked.
struct RunningGuard {
    admin: Arc<Admin>,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.admin.set_current(None);
        self.admin.running.store(false, Ordering::SeqCst);
    }
}

/// The admin state if the request may use it.
fn authorised(state: &AppState, headers: &HeaderMap) -> Result<Arc<Admin>, ApiError> {
    // No credentials at all is a 401 whether or not admin is enabled (HTTP's meaning, and
    // what API checkers expect); credentials for a server without admin are a 403.
    let presented = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized)?
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    let admin = state.admin.clone().ok_or(ApiError::AdminDisabled)?;
    if constant_time_equal(presented.as_bytes(), admin.token.as_bytes()) {
        Ok(admin)
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// Compares without stopping at the first difference, so timing does not reveal how
/// much of a guessed token was right.
fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[utoipa::path(get, path = "/api/admin/status", tag = "admin", security(("admin_token" = [])),
    responses((status = 200, description = "What is being served, and the last reindex", body = Status),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 403, description = "No admin token is configured", body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Status>, ApiError> {
    let admin = authorised(&state, &headers)?;
    let engine = state.engine();
    Ok(Json(Status {
        documents: engine.document_count(),
        index: engine.meta().clone(),
        reindex_running: admin.running.load(Ordering::SeqCst),
        current_reindex: admin.current(),
        last_reindex: admin.last(),
    }))
}

/// Starts a rebuild that swaps in the new index when done; one rebuild at a time.
#[utoipa::path(post, path = "/api/admin/reindex", tag = "admin", security(("admin_token" = [])),
    params(crate::openapi::ReindexParams),
    responses((status = 202, description = "The rebuild started; poll `status_url` for its outcome", body = ReindexJob),
        (status = 200, description = "With `wait=true`: the new index is serving", body = ReindexOutcome),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 403, description = "No admin token is configured", body = ErrorBody),
        (status = 409, description = "A reindex is already running (here, or, with `wait=true`, `casesearch index` beside the server)", body = ErrorBody),
        (status = 500, description = "With `wait=true`: the build failed; the live index is unchanged", body = ErrorBody)))]
pub async fn reindex(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let admin = authorised(&state, &headers)?;
    let request = params::reindex_request(&params::parse_pairs(raw.as_deref()))?;
    let mode = if request.full {
        BuildMode::Full
    } else {
        BuildMode::Incremental
    };
    let (job, guard) = admin.start_job(mode).ok_or(ApiError::ReindexRunning)?;
    tracing::info!(job = job.job, full = job.full, "reindex started");
    // Detached from this request: if the client goes away, the job still finishes,
    // records its outcome and (through the guard) frees the build slot.
    let task = tokio::spawn(run_job(state, admin, job.job, mode, guard));
    if !request.wait {
        return Ok((StatusCode::ACCEPTED, Json(job)).into_response());
    }
    match task.await? {
        JobEnd::Finished(outcome) if outcome.ok => Ok(Json(outcome).into_response()),
        JobEnd::Finished(outcome) => {
            Err(ApiError::ReindexFailed(outcome.error.unwrap_or_default()))
        }
        JobEnd::BuildRunning => Err(ApiError::ReindexRunning),
    }
}

enum JobEnd {
    Finished(ReindexOutcome),
    /// `casesearch index` held the index's lock: nothing was attempted.
    BuildRunning,
}

async fn run_job(
    state: AppState,
    admin: Arc<Admin>,
    job: u64,
    mode: BuildMode,
    _guard: RunningGuard,
) -> JobEnd {
    let started = Instant::now();
    let build = admin.reindex.clone();
    let built = tokio::task::spawn_blocking(move || {
        let built = build(mode);
        // A build allocates hundreds of MB on the tagging and writer threads, and frees
        // it; glibc keeps freed memory in its arenas, so RSS stayed ~150 MB above a fresh
        // server's after reindexes (issue 17). Give it back to the system.
        release_freed_memory();
        built
    })
    .await;
    let (outcome, end) = match built {
        Ok(Ok(engine)) => {
            let documents = engine.document_count();
            let changes = engine.meta().changes.clone();
            state.replace_engine(engine);
            // And what the old engine held, once the last search using it lets go.
            tokio::task::spawn_blocking(release_freed_memory);
            let outcome = ReindexOutcome {
                job,
                ok: true,
                seconds: started.elapsed().as_secs_f64(),
                documents,
                changes: Some(changes),
                error: None,
            };
            (outcome.clone(), JobEnd::Finished(outcome))
        }
        Ok(Err(ReindexError::BuildRunning)) => {
            tracing::info!(job, "reindex refused: another index build is running");
            let outcome = failed(
                &state,
                job,
                started,
                "another index build is running (`casesearch index` beside the server)".into(),
            );
            (outcome, JobEnd::BuildRunning)
        }
        Ok(Err(ReindexError::Failed(message))) => {
            let outcome = failed(&state, job, started, message);
            (outcome.clone(), JobEnd::Finished(outcome))
        }
        Err(join_error) => {
            let outcome = failed(
                &state,
                job,
                started,
                format!("reindex task failed: {join_error}"),
            );
            (outcome.clone(), JobEnd::Finished(outcome))
        }
    };
    tracing::info!(
        job,
        ok = outcome.ok,
        seconds = outcome.seconds,
        documents = outcome.documents,
        "reindex finished"
    );
    // Recorded before the guard drops, so whoever sees the slot free sees this outcome.
    admin.record(outcome);
    end
}

fn failed(state: &AppState, job: u64, started: Instant, message: String) -> ReindexOutcome {
    tracing::error!(job, %message, "reindex failed; the live index is unchanged");
    ReindexOutcome {
        job,
        ok: false,
        seconds: started.elapsed().as_secs_f64(),
        documents: state.engine().document_count(),
        changes: None,
        error: Some(message),
    }
}

/// Returns memory freed by the allocator to the system (glibc's `malloc_trim`); a no-op
/// elsewhere.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // Safety: malloc_trim only walks the allocator's own free lists; it takes no
    // pointers from us and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::{check_token, constant_time_equal};

    #[test]
    fn a_token_of_spaces_or_too_few_characters_is_refused() {
        assert!(check_token(&" ".repeat(20)).is_err());
        assert!(check_token(&format!("{}{}", "a".repeat(15), " ".repeat(10))).is_err());
        assert!(check_token("\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t").is_err());
        assert!(
            check_token(" 0123456789abcdef").is_err(),
            "outer whitespace"
        );
        assert!(check_token("0123456789abcdef").is_ok());
        assert!(check_token("correct horse battery staple").is_ok());
    }

    #[test]
    fn token_comparison_needs_every_byte_and_the_length() {
        assert!(constant_time_equal(b"secret", b"secret"));
        assert!(!constant_time_equal(b"secreT", b"secret"));
        assert!(!constant_time_equal(b"secret", b"secret2"));
        assert!(!constant_time_equal(b"", b"secret"));
    }
}
