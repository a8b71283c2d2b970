//! `casesearch serve`: build the index if it is stale, then serve the pages and the API
//! until Ctrl-C or SIGTERM, following indexes swapped in by `casesearch index`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use casesearch::{open_or_rebuild_index, reindex_from_corpus};
use casesearch_index::Engine;
use casesearch_server::ServerLimits;

use super::flags::ServeFlags;
use super::index::build_with_progress;

/// How often `serve` looks for an index swapped in by `casesearch index`.
const INDEX_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

pub fn run(corpus: &Path, index: &Path, flags: ServeFlags) -> Result<ExitCode> {
    // Before any slow index build: a bad token should fail at once.
    let token = match &flags.admin_token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the admin token from {}", path.display()))?
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned(),
        ),
        None => flags.admin_token.clone(),
    };
    if let Some(token) = &token {
        if let Err(reason) = casesearch_server::admin::check_token(token) {
            bail!("{reason}");
        }
    }
    let public_url = match &flags.public_url {
        Some(url) => casesearch_server::check_public_url(url)
            .map_err(|reason| anyhow::anyhow!("--public-url: {reason}"))?,
        None => format!("http://{}", flags.addr),
    };
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(flags.header_timeout),
        request_timeout: Duration::from_secs(flags.request_timeout),
        max_connections: usize::try_from(flags.max_connections).unwrap_or(usize::MAX),
        max_requests_in_flight: usize::try_from(flags.max_in_flight).unwrap_or(usize::MAX),
    };
    let engine = open_or_rebuild_index(corpus, index, &|reason, mode| {
        eprintln!("building the index: {reason}");
        build_with_progress(corpus, index, mode).map(|_| ())
    })?;
    serve(
        engine,
        corpus,
        index,
        flags.addr,
        &public_url,
        token,
        &limits,
    )?;
    Ok(ExitCode::SUCCESS)
}

fn serve(
    engine: Engine,
    corpus: &Path,
    index: &Path,
    addr: SocketAddr,
    public_url: &str,
    admin_token: Option<String>,
    limits: &ServerLimits,
) -> Result<()> {
    let documents = engine.document_count();
    let mut state = casesearch_server::AppState::new(Arc::new(engine)).with_public_url(public_url);
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
        let connections = limits.connections_allowed();
        if connections < limits.max_connections {
            eprintln!(
                "at most {connections} connections at once (the open-file limit allows no more)"
            );
        }
        eprintln!(
            "serving {documents} documents at http://{addr}/ (JSON at /api/search); Ctrl-C stops"
        );
        casesearch_server::serve(listener, app, limits, shutdown_signal())
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
