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
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe(
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = String::new();
    let routes = state.metrics.snapshot();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        text,
        "# HELP casesearch_http_requests_total HTTP requests by route and status."
    );
    let _ = writeln!(text, "# TYPE casesearch_http_requests_total counter");
    for (route, stats) in &routes {
        for (status, count) in &stats.by_status {
            let _ = writeln!(
                text,
                "casesearch_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
    }
    let _ = writeln!(
        text,
        "# HELP casesearch_http_request_duration_seconds HTTP request latency by route."
    );
    let _ = writeln!(
        text,
        "# TYPE casesearch_http_request_duration_seconds histogram"
    );
    for (route, stats) in &routes {
        for (bound, count) in BUCKETS.iter().zip(stats.buckets) {
            let _ = writeln!(text, "casesearch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            text,
            "casesearch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            stats.count
        );
        let _ = writeln!(
            text,
            "casesearch_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
            stats.seconds
        );
        let _ = writeln!(
            text,
            "casesearch_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            stats.count
        );
    }
    let engine = state.engine();
    let _ = writeln!(
        text,
        "# HELP casesearch_index_documents Documents in the index being served."
    );
    let _ = writeln!(text, "# TYPE casesearch_index_documents gauge");
    let _ = writeln!(
        text,
        "casesearch_index_documents {}",
        engine.document_count()
    );
    let _ = writeln!(
        text,
        "# HELP casesearch_index_build_seconds How long the served index took to build."
    );
    let _ = writeln!(text, "# TYPE casesearch_index_build_seconds gauge");
    let _ = writeln!(
        text,
        "casesearch_index_build_seconds {}",
        engine.meta().build_seconds
    );
    if let Some(last) = state.admin.as_ref().and_then(|admin| admin.last()) {
        let _ = writeln!(text, "# HELP casesearch_last_reindex_seconds Duration of the last reindex through the admin API.");
        let _ = writeln!(text, "# TYPE casesearch_last_reindex_seconds gauge");
        let _ = writeln!(text, "casesearch_last_reindex_seconds {}", last.seconds);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
