//! Admin endpoints for librarians: rebuild the index while search goes on, and see what
//! is being served. Enabled only when a token is configured; every request must carry
//! it as `Authorization: Bearer …`, and a wrong or missing one learns nothing more.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use casesearch_index::{BuildChanges, BuildMode, Engine, IndexMeta};
use serde::Serialize;

use crate::{params, ApiError, AppState};

/// Builds a new index beside the live one (incrementally or in full) and opens it; a
/// failure leaves the live index untouched and is reported as text.
pub type Reindex = Arc<dyn Fn(BuildMode) -> Result<Engine, String> + Send + Sync>;

pub struct Admin {
    token: String,
    reindex: Reindex,
    running: AtomicBool,
    last: Mutex<Option<ReindexOutcome>>,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Serialize)]
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
        Ok(Err(message)) => failed(&state, started, message),
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
