//! Following the index directory: when another process (`casesearch index`) swaps a new
//! index into place, the server notices and switches to it, so a librarian can re-index
//! from the command line without restarting search.

use std::path::PathBuf;
use std::time::Duration;

use casesearch_index::{Engine, IndexMeta};

use crate::AppState;

/// Checks `dir` every `every` and serves any newer build found there. Runs until the
/// runtime stops; errors (a swap in progress, a missing meta file) wait for the next tick.
pub async fn follow_index(state: AppState, dir: PathBuf, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let live = state.engine().meta().built_at.clone();
        let dir = dir.clone();
        let opened = tokio::task::spawn_blocking(move || newer_build(&dir, &live)).await;
        match opened {
            Ok(Ok(Some(engine))) => {
                tracing::info!(
                    documents = engine.document_count(),
                    built_at = %engine.meta().built_at,
                    "serving a new index built by another process"
                );
                state.replace_engine(engine);
            }
            Ok(Ok(None)) => {}
            Ok(Err(err)) => tracing::debug!(%err, "index directory not ready; will look again"),
            Err(err) => tracing::warn!(%err, "index check failed"),
        }
    }
}

/// The engine of the build in `dir`, if it is not the one built at `live_built_at`.
fn newer_build(
    dir: &std::path::Path,
    live_built_at: &str,
) -> Result<Option<Engine>, casesearch_index::IndexError> {
    match IndexMeta::read(dir)? {
        Some(meta) if meta.built_at != live_built_at => Engine::open(dir).map(Some),
        _ => Ok(None),
    }
}
