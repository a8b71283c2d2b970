//! What one client, or many, may hold of the server: how long it may take to send its
//! headers (and how long a kept-alive connection may sit idle), how long a request may
//! run, how many connections stay open and how many requests run at once. Beyond a
//! limit the server answers `503 Service Unavailable` with `Retry-After` rather than
//! queueing: a queue only turns overload into timeouts for everyone.
//!
//! [`serve`] is the accept loop `casesearch serve` runs (axum's own `serve` sets no
//! header-read timeout and no connection cap, so idle sockets could exhaust the file
//! descriptors); [`with_request_limits`] is its per-request part, usable on its own.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::ApiError;

/// Seconds a client told "overloaded" is asked to wait before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// File descriptors kept back from connections for the index, logs and the refusals
/// themselves, when the connection cap is derived from the process's limit.
const DESCRIPTORS_KEPT_BACK: u64 = 64;

/// After an accept error (most often "too many open files") the loop waits this long
/// instead of spinning; the timeouts free descriptors meanwhile.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// Connections being told "overloaded" at once; beyond that they are simply closed.
const MAX_REFUSALS_IN_FLIGHT: usize = 16;

#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Time allowed for a request's headers to arrive, counted from when the
    /// connection opens or the previous response was sent, so it is also how long a
    /// kept-alive connection may sit idle.
    pub header_read_timeout: Duration,
    /// Time allowed for a request from its headers to its response.
    pub request_timeout: Duration,
    /// Connections open at once (further ones are answered 503 and closed).
    pub max_connections: usize,
    /// Requests being answered at once (further ones are answered 503).
    pub max_requests_in_flight: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_requests_in_flight: 64,
        }
    }
}

impl ServerLimits {
    /// The connection cap, lowered if need be to fit under the process's open-file
    /// limit (`ulimit -n`), since a connection past that limit would fail every accept.
    pub fn connections_allowed(&self) -> usize {
        match open_file_limit() {
            Some(limit) => {
                let fits = limit.saturating_sub(DESCRIPTORS_KEPT_BACK).max(1);
                self.max_connections
                    .min(usize::try_from(fits).unwrap_or(usize::MAX))
            }
            None => self.max_connections,
        }
    }
}

/// The soft limit on open files, where the platform has one.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct we pass, which lives for the call.
        let result = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        (result == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Sheds requests beyond `max_requests_in_flight` with 503 and `Retry-After`, and
/// answers 503 `timeout` to a request still running after `request_timeout` (its
/// search may finish on the blocking pool, but no one waits for it). `/healthz` is
/// never shed: it costs nothing and tells a load balancer the process is alive.
pub fn with_request_limits(router: Router, limits: &ServerLimits) -> Router {
    let in_flight = Arc::new(Semaphore::new(limits.max_requests_in_flight.max(1)));
    let deadline = limits.request_timeout;
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let in_flight = in_flight.clone();
            async move { limit_request(&in_flight, deadline, request, next).await }
        },
    ))
}

async fn limit_request(
    in_flight: &Arc<Semaphore>,
    deadline: Duration,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let Ok(_permit) = in_flight.clone().try_acquire_owned() else {
        tracing::warn!("request shed: too many requests in flight");
        return ApiError::Overloaded.into_response();
    };
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = deadline.as_secs_f64(), "request ran out of time");
            ApiError::Timeout(deadline.as_secs()).into_response()
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets
/// requests in flight finish (for at most the request timeout).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = with_request_limits(app, limits);
    let connections = Arc::new(Semaphore::new(limits.connections_allowed()));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(%err, "accept failed; pausing before the next");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse_connection(stream).await;
                    drop(refusal);
                });
            }
            continue;
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|request: Request<Incoming>| request.map(Body::new)),
        );
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                trace_connection_end(peer, &err);
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.request_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were dropped");
    }
    Ok(())
}

fn trace_connection_end(peer: SocketAddr, err: &hyper::Error) {
    // Timeouts and clients hanging up are routine; only the log's debug level hears of them.
    tracing::debug!(%peer, %err, "connection ended");
}

/// Tells a connection over the cap to come back later, then closes it. The request is
/// drained briefly first: closing with unread bytes would reset the connection and
/// the client might never see the answer.
async fn refuse_connection(mut stream: TcpStream) {
    let body = ApiError::Overloaded.body();
    let body = serde_json::to_string(&body).unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\n{}: {RETRY_AFTER_SECONDS}\r\n{}: application/json\r\n{}: {}\r\nconnection: close\r\n\r\n{body}",
        header::RETRY_AFTER,
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        body.len(),
    );
    let refuse = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut drained = [0u8; 4096];
        while stream.read(&mut drained).await? > 0 {}
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), refuse).await;
}
