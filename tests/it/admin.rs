//! Admin endpoints: the token guard, and a reindex that swaps in a new index while
//! searches keep being answered from the old one.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::fixture::*;

const TOKEN: &str = "test-token-0123456789";

async fn call(app: &Router, method: Method, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// An app over its own copy of the corpus and index, with admin enabled.
fn admin_app(dir: &Path) -> Router {
    let corpus = dir.join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.join("index");
    casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).unwrap();
    let engine = casesearch::open_engine(&index).unwrap();
    let reindex: casesearch_server::admin::Reindex = Arc::new(move |mode| {
        casesearch::index_corpus(&corpus, &index, mode, &|_| {}, &|_| {})
            .and_then(|_| casesearch::open_engine(&index))
            .map_err(|err| err.to_string())
    });
    casesearch_server::app(
        casesearch_server::AppState::new(Arc::new(engine)).with_admin(TOKEN.into(), reindex),
    )
}

#[tokio::test]
async fn admin_is_disabled_without_a_token_and_refuses_a_wrong_one_without_detail() {
    let (status, json) = get_json("/api/admin/status").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin_disabled"))
    );

    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    for token in [None, Some("wrong"), Some("test-token-0123456788")] {
        let (status, json) = call(&app, Method::GET, "/api/admin/status", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(json["code"], "unauthorized");
        assert!(!json.to_string().contains(TOKEN));
    }
    let (status, json) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["documents"].as_u64(), Some(records().len() as u64));
    assert_eq!(
        json["index"]["documents"].as_u64(),
        Some(records().len() as u64)
    );
    assert_eq!(json["reindex_running"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_during_a_reindex_all_succeed_on_a_whole_index() {
    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    let expected = records().len() as u64;
    let reindex = {
        let app = app.clone();
        tokio::spawn(
            // In full, so the swap replaces every document the loop is counting.
            async move {
                call(
                    &app,
                    Method::POST,
                    "/api/admin/reindex?full=true",
                    Some(TOKEN),
                )
                .await
            },
        )
    };
    let mut answered = 0;
    while !reindex.is_finished() || answered < 20 {
        let (status, json) = call(&app, Method::GET, "/api/search?per_page=1", None).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        assert_eq!(
            json["total"].as_u64(),
            Some(expected),
            "never a partial index"
        );
        answered += 1;
    }
    let (status, outcome) = reindex.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["documents"].as_u64(), Some(expected));
    assert_eq!(outcome["changes"]["full"], true);
    assert_eq!(outcome["changes"]["added"].as_u64(), Some(expected));
    let (_, status_json) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
    assert_eq!(status_json["last_reindex"]["ok"], true);
}

#[tokio::test]
async fn a_failed_reindex_leaves_the_live_index_serving() {
    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    std::fs::write(
        dir.path().join("corpus/regions.csv"),
        "not,a,regions,table\n",
    )
    .unwrap();
    let (status, json) = call(&app, Method::POST, "/api/admin/reindex", Some(TOKEN)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("reindex_failed"))
    );
    assert!(
        json["message"].as_str().unwrap().contains("regions"),
        "{json}"
    );
    let (status, search_json) = call(&app, Method::GET, "/api/search?per_page=1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(search_json["total"].as_u64(), Some(records().len() as u64));
    let (_, status_json) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
    assert_eq!(status_json["last_reindex"]["ok"], false);
}

#[tokio::test]
async fn reindex_parameters_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    let (status, json) = call(
        &app,
        Method::POST,
        "/api/admin/reindex?full=yes",
        Some(TOKEN),
    )
    .await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
    let (status, json) = call(&app, Method::POST, "/api/admin/reindex?fast=1", Some(TOKEN)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_parameter"))
    );
    // Nothing changed in the corpus: an incremental reindex touches no document.
    let (status, json) = call(&app, Method::POST, "/api/admin/reindex", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["changes"]["full"], false);
    assert_eq!(
        json["changes"]["unchanged"].as_u64(),
        Some(records().len() as u64)
    );
    for counted in ["added", "updated", "removed"] {
        assert_eq!(json["changes"][counted].as_u64(), Some(0), "{counted}");
    }
}

/// A librarian runs `casesearch index` beside a running server: the server notices the
/// swapped-in index and answers from it, with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_follows_an_index_rebuilt_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.path().join("index");
    casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).unwrap();
    let state =
        casesearch_server::AppState::new(Arc::new(casesearch::open_engine(&index).unwrap()));
    let app = casesearch_server::app(state.clone());
    tokio::spawn(casesearch_server::follow_index(
        state,
        index.clone(),
        std::time::Duration::from_millis(50),
    ));
    let word = "quokkaphile";
    let (_, before) = call(&app, Method::GET, &format!("/api/search?q={word}"), None).await;
    assert_eq!(before["total"], 0);

    append_record(
        &corpus,
        "cli-added-1",
        &format!("A report that mentions {word} once."),
    );
    let summary = tokio::task::spawn_blocking(move || {
        casesearch::index_corpus(
            &corpus,
            &index,
            casesearch_index::BuildMode::Incremental,
            &|_| {},
            &|_| {},
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(summary.meta.changes.added, 1);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, json) = call(&app, Method::GET, &format!("/api/search?q={word}"), None).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        if json["total"] == 1 {
            assert_eq!(json["hits"][0]["id"], "cli-added-1");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server never switched"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status_with_latency_histograms() {
    let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
    for _ in 0..3 {
        assert_eq!(
            call(&app, Method::GET, "/api/search?q=care", None).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(
        call(&app, Method::GET, "/api/search?colour=red", None)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let id = &records()[0].id;
    assert_eq!(
        call(&app, Method::GET, &format!("/api/documents/{id}"), None)
            .await
            .0,
        StatusCode::OK
    );

    let response = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| {
                line.strip_prefix(series)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("{series} missing from:\n{text}"))
    };
    assert_eq!(
        value(r#"casesearch_http_requests_total{route="/api/search",status="200"}"#),
        3.0
    );
    assert_eq!(
        value(r#"casesearch_http_requests_total{route="/api/search",status="400"}"#),
        1.0
    );
    assert_eq!(
        value(r#"casesearch_http_requests_total{route="/api/documents/{id}",status="200"}"#),
        1.0
    );
    assert_eq!(
        value(r#"casesearch_http_request_duration_seconds_count{route="/api/search"}"#),
        4.0
    );
    let buckets: Vec<f64> = text
        .lines()
        .filter(|line| {
            line.starts_with(
                r#"casesearch_http_request_duration_seconds_bucket{route="/api/search""#,
            )
        })
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        buckets.windows(2).all(|w| w[0] <= w[1]),
        "cumulative buckets"
    );
    assert_eq!(buckets.last().copied(), Some(4.0));
    assert_eq!(value("casesearch_index_documents"), records().len() as f64);
}

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_request_is_logged_as_json_with_route_status_and_latency_but_not_the_query() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
    let (status, _) = call(&app, Method::GET, "/api/search?q=ligature", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, Method::GET, "/api/documents/no-such-id", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!text.contains("ligature"), "queries stay out of the logs");
    let requests: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    let seen: Vec<(&str, u64)> = requests
        .iter()
        .map(|line| {
            (
                line["fields"]["route"].as_str().unwrap(),
                line["fields"]["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![("/api/search", 200), ("/api/documents/{id}", 404)]
    );
    for line in &requests {
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["fields"]["method"], "GET");
        assert!(
            line["fields"]["latency_ms"].as_f64().unwrap() > 0.0,
            "{line}"
        );
    }
}
