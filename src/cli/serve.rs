//! `casesearch serve`: build the index if it is stale, then serve the pages and the API
//! until Ctrl-C or SIGTERM, following indexes swapped in by `casesearch index`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use casesearch::{index_staleness, open_engine, reindex_from_corpus};
use casesearch_index::BuildMode;

use super::flags::ServeFlags;
use super::index::build_with_progress;

/// How often `serve` looks for an index swapped in by `casesearch index`.
const INDEX_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

pub fn run(corpus: &Path, index: &Path, flags: ServeFlags) -> Result<ExitCode> {
    if let Some(reason) = index_staleness(corpus, index)? {
        eprintln!("building the index: {reason}");
        build_with_progress(corpus, index, BuildMode::Incremental)?;
    }
    let token = match flags.admin_token_file {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading the admin token from {}", path.display()))?
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned(),
        ),
        None => flags.admin_token,
    };
    if token.as_deref().is_some_and(|token| token.len() < 16) {
        bail!("the admin token must be at least 16 characters");
    }
    serve(corpus, index, flags.addr, token)?;
    Ok(ExitCode::SUCCESS)
}

fn serve(corpus: &Path, index: &Path, addr: SocketAddr, admin_token: Option<String>) -> Result<()> {
    let engine = open_engine(index)?;
    let documents = engine.document_count();
    let mut state = casesearch_server::AppState::new(Arc::new(engine));
    if let Some(token) = admin_token {
        state = state.with_admin(token, reindex_from_corpus(corpus, index));
        eprintln!("admin endpoints enabled (/api/admin/status, POST /api/admin/reindex)");
    }
    let app = casesearch_server::app(state.clone());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tokio::spawn(casesearch_server::follow_index(
            state,
            index.to_path_buf(),
            INDEX_CHECK_INTERVAL,
        ));
        eprintln!(
            "serving {documents} documents at http://{addr}/ (JSON at /api/search); Ctrl-C stops"
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server failed")
    })
}

/// Ctrl-C or SIGTERM (how service managers stop us): stop accepting, finish in-flight requests.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}
