//! The HTTP service: a JSON API for programs (`/api/search`, `/api/documents/{id}`) and
//! server-rendered pages for people (`/`, `/documents/{id}`), over an opened
//! [`casesearch_index::Engine`].
//!
//! Handlers are thin: parse parameters ([`params`]), run the engine on the blocking
//! pool (tantivy work is CPU-bound and must not stall the async runtime), respond.
//! Every error goes through [`ApiError`], which decides status and machine code once.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! let engine = casesearch_index::Engine::open("index".as_ref()).expect("index");
//! let app = casesearch_server::app(casesearch_server::AppState::new(Arc::new(engine)));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

mod error;
mod pages;
pub mod params;

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use casesearch_index::{DocumentView, Engine, SearchResults};

pub use error::{ApiError, ErrorBody};

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<Engine>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState { engine }
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(search_page))
        .route("/documents/{id}", get(document_page))
        .route("/api/search", get(search_api))
        .route("/api/documents/{id}", get(document_api))
        .route("/style.css", get(stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { ApiError::NotFound("no such page".into()) })
        .layer(tower_http::trace::TraceLayer::new_for_http())
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

async fn search_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    match run_search(&state, &pairs).await {
        Ok(results) => {
            Html(pages::search_page(&pairs, Some(&results), None, &state.engine).into_string())
                .into_response()
        }
        Err(err) => {
            let (status, _) = err.status_and_code();
            let page = pages::search_page(&pairs, None, Some(&err.body().message), &state.engine);
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
        Ok(query) => find_document(&state, id, query.clone())
            .await
            .map(|doc| (doc, query)),
        Err(err) => Err(err),
    };
    match found {
        Ok((document, query)) => {
            Html(pages::document_page(&document, &query).into_string()).into_response()
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

async fn run_search(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<SearchResults, ApiError> {
    let request = params::search_request(pairs)?;
    let engine = state.engine.clone();
    Ok(tokio::task::spawn_blocking(move || engine.search(&request)).await??)
}

async fn find_document(
    state: &AppState,
    id: String,
    query: String,
) -> Result<DocumentView, ApiError> {
    let engine = state.engine.clone();
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
