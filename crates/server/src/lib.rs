//! The HTTP service over an opened [`casesearch_index::Engine`]: a JSON API for programs
//! (`/api/search`, `/api/documents/{id}`, `…/similar`, `/api/trends`, exports as
//! `/api/search.csv` and `.jsonl`, the Atom feed `/feed.atom`) and server-rendered pages
//! for people (`/`, `/documents/{id}`, `/trends`).
//!
//! Handlers are thin: parse parameters ([`params`]), run the engine on the blocking
//! pool (tantivy work is CPU-bound and must not stall the async runtime), respond.
//! Every error goes through [`ApiError`], which decides status and machine code once
//! (whether an engine error is the user's is the engine's to say). Every request, a path
//! no route matches included, is counted in `/metrics` and logged as one line.
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
pub mod limits;
mod metrics;
mod openapi;
pub use openapi::list_known_values;
mod pages;
pub mod params;
mod themes_page;

use std::sync::{Arc, RwLock};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json, Router};
use casesearch_index::{DocumentView, Engine, Hit, SearchResults, Sort, Trends};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ErrorBody};
pub use follow::follow_index;
pub use limits::{serve, with_request_limits, ServerLimits};

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The live index. A reindex swaps in a new engine; requests already holding the
    /// old one finish on it, so no query sees a half-built index.
    engine: Arc<RwLock<Arc<Engine>>>,
    /// Present only when an admin token is configured.
    admin: Option<Arc<admin::Admin>>,
    metrics: Arc<metrics::Metrics>,
    /// Where people reach this service (`--public-url`), without a trailing slash:
    /// absolute links (the Atom feed's ids and links) are built on it, never on the
    /// request's Host header, which the client chooses.
    pub(crate) public_url: Arc<str>,
}

/// The public URL when none is configured.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8080";

/// Why a public base URL cannot be used.
pub fn check_public_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|err| format!("{text:?} is not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?} is not an http or https URL"));
    }
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{text:?} must be a scheme, host and optional path, with no query or fragment"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{text:?} must not carry credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState {
            engine: Arc::new(RwLock::new(engine)),
            admin: None,
            metrics: Arc::default(),
            public_url: Arc::from(DEFAULT_PUBLIC_URL),
        }
    }

    /// Sets the base of absolute links; `public_url` must have passed [`check_public_url`].
    pub fn with_public_url(mut self, public_url: &str) -> AppState {
        self.public_url = Arc::from(public_url.trim_end_matches('/'));
        self
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
    let (router, api) = described_routes().split_for_parts();
    let track = || axum::middleware::from_fn_with_state(state.clone(), metrics::track);
    // Route layers see the matched route template, which labels the metrics; they do not
    // run for the fallback, so it carries the same layer itself (its label: "unmatched").
    let not_found = || async { ApiError::NotFound("no such page".into()) };
    router
        .route_layer(track())
        .layer(Extension(Arc::new(api)))
        .fallback(axum::handler::Handler::layer(not_found, track()))
        .with_state(state)
}

/// The OpenAPI description of every route [`app`] serves (also at `/openapi.json`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    described_routes().split_for_parts().1
}

/// Every route with its description: one list, so none is served undescribed.
fn described_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(pages::search::search_page))
        .routes(routes!(pages::document::document_page))
        .routes(routes!(pages::trends::trends_page))
        .routes(routes!(themes_page::themes_page))
        .routes(routes!(search_api))
        .routes(routes!(export_csv))
        .routes(routes!(export_jsonl))
        .routes(routes!(feed))
        .routes(routes!(trends_api))
        .routes(routes!(document_api))
        .routes(routes!(similar_api))
        .routes(routes!(admin::reindex))
        .routes(routes!(admin::status))
        .routes(routes!(stylesheet))
        .routes(routes!(healthz))
        .routes(routes!(metrics::render))
        .routes(routes!(openapi::document))
}

#[utoipa::path(get, path = "/api/search", tag = "search", params(openapi::SearchParams),
    responses((status = 200, description = "One page of hits with facets", body = SearchResults), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 500, description = "Internal error", body = ErrorBody)))]
async fn search_api(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    Ok(Json(run_search(&state, &pairs).await?))
}

#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Document id"), openapi::HighlightParams),
    responses((status = 200, description = "The document's record and text by section", body = DocumentView), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 404, description = "No document with that id", body = ErrorBody)))]
async fn document_api(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DocumentView>, ApiError> {
    let query = params::highlight_query(&params::parse_pairs(raw.as_deref()))?;
    Ok(Json(find_document(&state, id, query).await?))
}

#[utoipa::path(get, path = "/api/documents/{id}/similar", tag = "documents",
    params(("id" = String, Path, description = "Document id"), openapi::SimilarParams),
    responses((status = 200, description = "The most similar documents, best first", body = Vec<Hit>), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 404, description = "No document with that id", body = ErrorBody)))]
async fn similar_api(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Hit>>, ApiError> {
    let limit = params::similar_limit(&params::parse_pairs(raw.as_deref()))?;
    Ok(Json(find_similar(&state, id, limit).await?))
}

pub(crate) async fn find_similar(
    state: &AppState,
    id: String,
    limit: usize,
) -> Result<Vec<Hit>, ApiError> {
    let engine = state.engine();
    let lookup_id = id.clone();
    tokio::task::spawn_blocking(move || engine.similar(&lookup_id, limit))
        .await??
        .ok_or_else(|| ApiError::NotFound(format!("no document with id {id:?}")))
}

/// Atom feed of a search, newest first, whatever `sort` says: feeds are about what is new.
#[utoipa::path(get, path = "/feed.atom", tag = "search", params(openapi::SearchParams),
    responses((status = 200, description = "Atom feed of the search, newest first", content_type = "application/atom+xml", body = String), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 500, description = "Internal error", body = ErrorBody)))]
async fn feed(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, Some(Sort::Newest), export::FEED_ENTRIES).await?;
    let updated = chrono::DateTime::parse_from_rfc3339(&state.engine().meta().built_at)
        .map(|time| time.to_utc())
        .unwrap_or_else(|_| chrono::Utc::now());
    let query_string = params::query_string(&pairs, &[]);
    let xml = export::atom_feed(&state.public_url, &query_string, &hits, updated);
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/search.csv", tag = "search", params(openapi::SearchParams),
    responses((status = 200, description = "Every hit of the search (all pages) as CSV", content_type = "text/csv", body = String), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 500, description = "Internal error", body = ErrorBody)))]
async fn export_csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, None, export::EXPORT_MAX_ROWS).await?;
    let body = export::csv_export(&state.public_url, &hits)?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &export::file_name(&pairs, "csv"),
        body,
    ))
}

#[utoipa::path(get, path = "/api/search.jsonl", tag = "search", params(openapi::SearchParams),
    responses((status = 200, description = "Every hit of the search (all pages), one JSON object per line", content_type = "application/x-ndjson", body = String), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 500, description = "Internal error", body = ErrorBody)))]
async fn export_jsonl(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    let hits = ordered_hits(&state, &pairs, None, export::EXPORT_MAX_ROWS).await?;
    let body = export::jsonl_export(&hits)?;
    Ok(attachment(
        "application/x-ndjson",
        &export::file_name(&pairs, "jsonl"),
        body,
    ))
}

fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
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

#[utoipa::path(get, path = "/api/trends", tag = "search", params(openapi::SearchParams),
    responses((status = 200, description = "Hits by year and theme, and by region", body = Trends), (status = 400, description = "A bad query or parameter", body = ErrorBody), (status = 500, description = "Internal error", body = ErrorBody)))]
async fn trends_api(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Trends>, ApiError> {
    let pairs = params::parse_pairs(raw.as_deref());
    Ok(Json(run_trends(&state, &pairs).await?))
}

pub(crate) async fn run_trends(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<Trends, ApiError> {
    let request = params::search_request(pairs)?;
    let engine = state.engine();
    Ok(tokio::task::spawn_blocking(move || engine.trends(&request)).await??)
}

pub(crate) async fn run_search(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<SearchResults, ApiError> {
    let request = params::search_request(pairs)?;
    let engine = state.engine();
    Ok(tokio::task::spawn_blocking(move || engine.search(&request)).await??)
}

pub(crate) async fn find_document(
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

/// An error as a page for people: the status and message the JSON API would give, and
/// `back`, the way back to the search.
pub(crate) fn error_page(err: &ApiError, back: &str) -> Response {
    let (status, _) = err.status_and_code();
    let page = pages::error_page(status, &err.body().message, back);
    (status, Html(page.into_string())).into_response()
}

/// Served with the pages; small enough to inline, kept here so pages stay markup.
pub(crate) const STYLESHEET: &str = include_str!("style.css");

#[utoipa::path(get, path = "/style.css", tag = "pages",
    responses((status = 200, description = "The pages' stylesheet", content_type = "text/css", body = String)))]
async fn stylesheet() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css")],
        STYLESHEET,
    )
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}
