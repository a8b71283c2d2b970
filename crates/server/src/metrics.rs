//! Prometheus metrics at `/metrics`: request counts and latency histograms by route
//! (the route template, so ids do not explode the label set), the index's document
//! count and build time, and the last reindex's duration.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Histogram bucket bounds in seconds: searches take milliseconds, exports and
/// reindexing seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
}

#[derive(Default, Clone)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Cumulative counts per bucket bound, as Prometheus wants them.
    buckets: [u64; BUCKETS.len()],
    seconds: f64,
    count: u64,
}

impl Metrics {
    fn observe(&self, route: &str, status: u16, seconds: f64) {
        let mut routes = match self.routes.lock() {
            Ok(routes) => routes,
            Err(poisoned) => poisoned.into_inner(),
        };
        let stats = routes.entry(route.to_owned()).or_default();
        *stats.by_status.entry(status).or_default() += 1;
        for (bound, bucket) in BUCKETS.iter().zip(stats.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
        stats.seconds += seconds;
        stats.count += 1;
    }

    fn snapshot(&self) -> BTreeMap<String, RouteStats> {
        match self.routes.lock() {
            Ok(routes) => routes.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Middleware: time every routed request.
/// Counts and times every routed request, and logs it as one structured line
/// (`method`, `route` template, `status`, `latency_ms`). The route template, not the
/// URI, is logged: queries can name people, and logs outlive the search.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.observe(&route, status, seconds);
    tracing::info!(
        target: "casesearch::http",
        %method,
        route,
        status,
        latency_ms = seconds * 1000.0,
        "request"
    );
    response
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    // Writing to a String cannot fail, so an error here would be a bug in fmt itself.
    let text = exposition(&state).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// The Prometheus text exposition of everything we measure.
fn exposition(state: &AppState) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    let routes = state.metrics.snapshot();
    let requests = "casesearch_http_requests_total";
    describe(
        &mut text,
        requests,
        "counter",
        "HTTP requests by route and status.",
    )?;
    for (route, stats) in &routes {
        for (status, count) in &stats.by_status {
            writeln!(
                text,
                "{requests}{{route=\"{route}\",status=\"{status}\"}} {count}"
            )?;
        }
    }
    let latency = "casesearch_http_request_duration_seconds";
    describe(
        &mut text,
        latency,
        "histogram",
        "HTTP request latency by route.",
    )?;
    for (route, stats) in &routes {
        for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
            writeln!(
                text,
                "{latency}_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
            )?;
        }
        writeln!(
            text,
            "{latency}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            stats.count
        )?;
        writeln!(text, "{latency}_sum{{route=\"{route}\"}} {}", stats.seconds)?;
        writeln!(text, "{latency}_count{{route=\"{route}\"}} {}", stats.count)?;
    }
    let engine = state.engine();
    gauge(
        &mut text,
        "casesearch_index_documents",
        "Documents in the index being served.",
        engine.document_count() as f64,
    )?;
    gauge(
        &mut text,
        "casesearch_index_build_seconds",
        "How long the served index took to build.",
        engine.meta().build_seconds,
    )?;
    if let Some(last) = state.admin.as_ref().and_then(|admin| admin.last()) {
        gauge(
            &mut text,
            "casesearch_last_reindex_seconds",
            "Duration of the last reindex through the admin API.",
            last.seconds,
        )?;
    }
    Ok(text)
}

fn describe(text: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(text, "# HELP {name} {help}")?;
    writeln!(text, "# TYPE {name} {kind}")
}

fn gauge(text: &mut String, name: &str, help: &str, value: f64) -> std::fmt::Result {
    describe(text, name, "gauge", help)?;
    writeln!(text, "{name} {value}")
}
