//! Admin endpoints for librarians: rebuild the index while search goes on, and see what
//! is being served. Enabled only when a token is configured; every request must carry
//! it as `Authorization: Bearer …`, and a wrong or missing one learns nothing more.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
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

pub struct Admin {
    token: String,
    reindex: Reindex,
    running: AtomicBool,
    last: Mutex<Option<ReindexOutcome>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexOutcome {
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
    pub last_reindex: Option<ReindexOutcome>,
}

impl Admin {
    pub fn new(token: String, reindex: Reindex) -> Admin {
        Admin {
            token,
            reindex,
            running: AtomicBool::new(false),
            last: Mutex::new(None),
        }
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

/// The admin state if the request may use it.
fn authorised(state: &AppState, headers: &HeaderMap) -> Result<Arc<Admin>, ApiError> {
    let admin = state.admin.clone().ok_or(ApiError::AdminDisabled)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
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
        last_reindex: admin.last(),
    }))
}

/// Rebuilds and swaps in the new index; one rebuild at a time.
#[utoipa::path(post, path = "/api/admin/reindex", tag = "admin", security(("admin_token" = [])),
    params(crate::openapi::ReindexParams),
    responses((status = 200, description = "The new index is serving", body = ReindexOutcome),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 403, description = "No admin token is configured", body = ErrorBody),
        (status = 409, description = "A reindex is already running (here, or `casesearch index` beside the server)", body = ErrorBody),
        (status = 500, description = "The build failed; the live index is unchanged", body = ErrorBody)))]
pub async fn reindex(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<ReindexOutcome>, ApiError> {
    let admin = authorised(&state, &headers)?;
    let mode = if params::reindex_full(&params::parse_pairs(raw.as_deref()))? {
        BuildMode::Full
    } else {
        BuildMode::Incremental
    };
    if admin.running.swap(true, Ordering::SeqCst) {
        return Err(ApiError::ReindexRunning);
    }
    let started = Instant::now();
    let build = admin.reindex.clone();
    let built = tokio::task::spawn_blocking(move || build(mode)).await;
    admin.running.store(false, Ordering::SeqCst);
    let outcome = match built {
        Ok(Ok(engine)) => {
            let documents = engine.document_count();
            let changes = engine.meta().changes.clone();
            state.replace_engine(engine);
            ReindexOutcome {
                ok: true,
                seconds: started.elapsed().as_secs_f64(),
                documents,
                changes: Some(changes),
                error: None,
            }
        }
        Ok(Err(ReindexError::BuildRunning)) => {
            tracing::info!("reindex refused: another index build is running");
            return Err(ApiError::ReindexRunning);
        }
        Ok(Err(ReindexError::Failed(message))) => failed(&state, started, message),
        Err(join_error) => failed(
            &state,
            started,
            format!("reindex task failed: {join_error}"),
        ),
    };
    tracing::info!(
        ok = outcome.ok,
        seconds = outcome.seconds,
        documents = outcome.documents,
        "reindex finished"
    );
    admin.record(outcome.clone());
    if outcome.ok {
        Ok(Json(outcome))
    } else {
        Err(ApiError::ReindexFailed(outcome.error.unwrap_or_default()))
    }
}

fn failed(state: &AppState, started: Instant, message: String) -> ReindexOutcome {
    tracing::error!(%message, "reindex failed; the live index is unchanged");
    ReindexOutcome {
        ok: false,
        seconds: started.elapsed().as_secs_f64(),
        documents: state.engine().document_count(),
        changes: None,
        error: Some(message),
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_equal;

    #[test]
    fn token_comparison_needs_every_byte_and_the_length() {
        assert!(constant_time_equal(b"secret", b"secret"));
        assert!(!constant_time_equal(b"secreT", b"secret"));
        assert!(!constant_time_equal(b"secret", b"secret2"));
        assert!(!constant_time_equal(b"", b"secret"));
    }
}
