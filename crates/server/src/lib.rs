//! The HTTP service over an opened [`casesearch_index::Engine`]: a JSON API for programs
//! (`/api/search`, `/api/documents/{id}`, `…/similar`, `/api/trends`, exports as
//! `/api/search.csv` and `.jsonl`, the Atom feed `/feed.atom`) and server-rendered pages
//! for people (`/`, `/documents/{id}`, `/trends`).
//!
//! Handlers are thin: parse parameters ([`params`]), run the engine on the blocking
//! pool (tantivy work is CPU-bound and must not stall the async runtime), respond.
//! Every error goes through [`ApiError`], which decides status and machine code once.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::{Arc, RwLock};
//! let engine = casesearch_index::Engine::open("index".as_ref()).expect("index");
//! let app = casesearch_server::app(casesearch_server::AppState::new(Arc::new(engine)));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

pub mod admin;
mod error;
mod export;
mod follow;
mod metrics;
mod pages;
pub mod params;

use std::sync::{Arc, RwLock};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use casesearch_index::{DocumentView, Engine, Hit, SearchResults, Sort, Trends};

pub use error::{ApiError, ErrorBody};
pub use follow::follow_index;

/// Similar reports listed on a document page.
const SIMILAR_ON_PAGE: usize = 5;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The live index. A reindex swaps in a new engine; requests already holding the
    /// old one finish on it, so no query sees a half-built index.
    engine: Arc<RwLock<Arc<Engine>>>,
    /// Present only when an admin token is configured.
    admin: Option<Arc<admin::Admin>>,
    metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState {
            engine: Arc::new(RwLock::new(engine)),
            admin: None,
            metrics: Arc::default(),
        }
    }

    /// Enables the admin endpoints, guarded by `token`; `reindex` rebuilds the index
    /// beside the live one and opens it.
    pub fn with_admin(mut self, token: String, reindex: admin::Reindex) -> AppState {
        self.admin = Some(Arc::new(admin::Admin::new(token, reindex)));
        self
    }

    /// The engine serving now.
    pub fn engine(&self) -> Arc<Engine> {
        // A poisoned lock only means a writer panicked mid-swap; the Arc inside is whole.
        match self.engine.read() {
            Ok(engine) => engine.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace_engine(&self, engine: Engine) {
        let engine = Arc::new(engine);
        match self.engine.write() {
            Ok(mut live) => *live = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(search_page))
        .route("/documents/{id}", get(document_page))
        .route("/api/search", get(search_api))
        .route("/api/search.csv", get(export_csv))
        .route("/api/search.jsonl", get(export_jsonl))
        .route("/feed.atom", get(feed))
        .route("/api/trends", get(trends_api))
        .route("/trends", get(trends_page))
        .route("/api/documents/{id}", get(document_api))
        .route("/api/documents/{id}/similar", get(similar_api))
        .route("/api/admin/reindex", post(admin::reindex))
        .route("/api/admin/status", get(admin::status))
        .route("/style.css", get(stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics::render))
        // Route layers see the matched route template, which labels the metrics.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .fallback(|| async { ApiError::NotFound("no such page".into()) })
        .with_state(state)
}

async fn search_api(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    Ok(Json(run_search(&state, &pairs).await?))
}

async fn document_api(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DocumentView>, ApiError> {
    let query = params::highlight_query(&params::parse_pairs(raw.as_deref()))?;
    Ok(Json(find_document(&state, id, query).await?))
}

async fn similar_api(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Hit>>, ApiError> {
    let limit = params::similar_limit(&params::parse_pairs(raw.as_deref()))?;
    Ok(Json(find_similar(&state, id, limit).await?))
}

async fn find_similar(state: &AppState, id: String, limit: usize) -> Result<Vec<Hit>, ApiError> {
    let engine = state.engine();
    let lookup_id = id.clone();
    tokio::task::spawn_blocking(move || engine.similar(&lookup_id, limit))
        .await??
        .ok_or_else(|| ApiError::NotFound(format!("no document with id {id:?}")))
}

async fn search_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    match run_search(&state, &pairs).await {
        Ok(results) => {
            Html(pages::search_page(&pairs, Some(&results), None, &state.engine()).into_string())
                .into_response()
        }
        Err(err) => {
            let (status, _) = err.status_and_code();
            let page = pages::search_page(&pairs, None, Some(&err.body().message), &state.engine());
            (status, Html(page.into_string())).into_response()
        }
    }
}

async fn document_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    let found = match params::highlight_query(&pairs) {
        Ok(query) => match find_document(&state, id.clone(), query.clone()).await {
            Ok(document) => find_similar(&state, id, SIMILAR_ON_PAGE)
                .await
                .map(|similar| (document, similar, query)),
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    };
    match found {
        Ok((document, similar, query)) => {
            Html(pages::document_page(&document, &similar, &query).into_string()).into_response()
        }
        Err(err) => {
            let (status, _) = err.status_and_code();
            (
                status,
                Html(pages::error_page(status, &err.body().message).into_string()),
            )
                .into_response()
        }
    }
}

/// Atom feed of a search, newest first, whatever `sort` says: feeds are about what is new.
async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, Some(Sort::Newest), export::FEED_ENTRIES).await?;
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let updated = chrono::DateTime::parse_from_rfc3339(&state.engine().meta().built_at)
        .map(|time| time.to_utc())
        .unwrap_or_else(|_| chrono::Utc::now());
    let query_string = params::query_string(&pairs, &[]);
    let xml = export::atom_feed(&format!("http://{host}"), &query_string, &hits, updated);
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, None, export::EXPORT_MAX_ROWS).await?;
    let body = export::csv_export(&hits)?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "casesearch-results.csv",
        body,
    ))
}

async fn export_jsonl(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, None, export::EXPORT_MAX_ROWS).await?;
    let body = export::jsonl_export(&hits)?;
    Ok(attachment(
        "application/x-ndjson",
        "casesearch-results.jsonl",
        body,
    ))
}

fn attachment(content_type: &'static str, file_name: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Every hit of a search in order (all pages, up to `limit`); `page` and `per_page`
/// are checked like everywhere else but do not apply.
async fn ordered_hits(
    state: &AppState,
    pairs: &[(String, String)],
    sort: Option<Sort>,
    limit: usize,
) -> Result<Vec<Hit>, ApiError> {
    let mut request = params::search_request(pairs)?;
    if let Some(sort) = sort {
        request.sort = sort;
    }
    let engine = state.engine();
    let (_, hits) = tokio::task::spawn_blocking(move || engine.all_hits(&request, limit)).await??;
    Ok(hits)
}

async fn trends_api(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Trends>, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    Ok(Json(run_trends(&state, &pairs).await?))
}

async fn trends_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    match run_trends(&state, &pairs).await {
        Ok(trends) => Html(pages::trends_page(&pairs, &trends).into_string()).into_response(),
        Err(err) => {
            let (status, _) = err.status_and_code();
            (
                status,
                Html(pages::error_page(status, &err.body().message).into_string()),
            )
                .into_response()
        }
    }
}

async fn run_trends(state: &AppState, pairs: &[(String, String)]) -> Result<Trends, ApiError> {
    let request = params::search_request(pairs)?;
    let engine = state.engine();
    Ok(tokio::task::spawn_blocking(move || engine.trends(&request)).await??)
}

async fn run_search(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<SearchResults, ApiError> {
    let request = params::search_request(pairs)?;
    let engine = state.engine();
    Ok(tokio::task::spawn_blocking(move || engine.search(&request)).await??)
}

async fn find_document(
    state: &AppState,
    id: String,
    query: String,
) -> Result<DocumentView, ApiError> {
    let engine = state.engine();
    let lookup_id = id.clone();
    tokio::task::spawn_blocking(move || engine.document(&lookup_id, &query))
        .await??
        .ok_or_else(|| ApiError::NotFound(format!("no document with id {id:?}")))
}

/// Served with the pages; small enough to inline, kept here so pages stay markup.
pub(crate) const STYLESHEET: &str = include_str!("style.css");

async fn stylesheet() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css")],
        STYLESHEET,
    )
}
