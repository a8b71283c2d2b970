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
    // The product's own wiring, as `serve` uses it.
    let reindex = casesearch::reindex_from_corpus(&corpus, &index);
    casesearch_server::app(
        casesearch_server::AppState::new(Arc::new(engine)).with_admin(TOKEN.into(), reindex),
    )
}

#[tokio::test]
async fn admin_is_disabled_without_a_token_and_refuses_a_wrong_one_without_detail() {
    // Without admin: no credentials is a 401, credentials a 403 that says admin is off.
    let (status, json) = get_json("/api/admin/status").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let without_admin =
        casesearch_server::app(casesearch_server::AppState::new(super::fixture::engine()));
    let (status, json) = call(
        &without_admin,
        Method::GET,
        "/api/admin/status",
        Some(TOKEN),
    )
    .await;
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
                    "/api/admin/reindex?full=true&wait=true",
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
    let (status, json) = call(
        &app,
        Method::POST,
        "/api/admin/reindex?wait=true",
        Some(TOKEN),
    )
    .await;
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

/// One rebuild at a time: a second request while one runs is told so, and the first
/// still finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reindex_requested_while_one_runs_answers_409_reindex_running() {
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
    let finish_rx = std::sync::Mutex::new(finish_rx);
    let started_tx = std::sync::Mutex::new(started_tx);
    // A build that waits to be told to finish, so the second request surely meets it.
    let reindex: casesearch_server::admin::Reindex = Arc::new(move |_mode| {
        started_tx.lock().unwrap().send(()).unwrap();
        finish_rx.lock().unwrap().recv().unwrap();
        Err(casesearch_server::admin::ReindexError::Failed(
            "stopped by the test".into(),
        ))
    });
    let app = casesearch_server::app(
        casesearch_server::AppState::new(engine()).with_admin(TOKEN.into(), reindex),
    );
    let first = {
        let app = app.clone();
        tokio::spawn(async move {
            call(
                &app,
                Method::POST,
                "/api/admin/reindex?wait=true",
                Some(TOKEN),
            )
            .await
        })
    };
    tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
        .await
        .unwrap();
    let (status, json) = call(&app, Method::POST, "/api/admin/reindex", Some(TOKEN)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::CONFLICT, Some("reindex_running")),
        "{json}"
    );
    let (_, status_json) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
    assert_eq!(status_json["reindex_running"], true);
    finish_tx.send(()).unwrap();
    let (status, _) = first.await.unwrap();
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

/// Polls the admin status until no reindex runs; the status then.
async fn status_when_idle(app: &Router) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, json) = call(app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        if json["reindex_running"] == false {
            return json;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reindex never ended: {json}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// By default the request starts a job and answers at once with where to watch it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reindex_answers_202_with_its_job_and_the_status_url_shows_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    let (status, job) = call(
        &app,
        Method::POST,
        "/api/admin/reindex?full=true",
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["job"], 1);
    assert_eq!(job["full"], true);
    assert_eq!(job["status_url"], "/api/admin/status");
    let idle = status_when_idle(&app).await;
    assert_eq!(idle["last_reindex"]["job"], 1, "{idle}");
    assert_eq!(idle["last_reindex"]["ok"], true, "{idle}");
    assert_eq!(
        idle["last_reindex"]["changes"]["added"].as_u64(),
        Some(records().len() as u64)
    );
    assert!(idle["current_reindex"].is_null(), "{idle}");
}

/// Regression (issue 17): a client that hung up during `POST /api/admin/reindex` left
/// the running flag set, so every later reindex was refused with 409 until restart and
/// the outcome was never recorded. The request future is dropped mid-build here, as
/// hyper drops it when the client disconnects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_drops_during_a_reindex_does_not_lock_reindexing() {
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
    let finish_rx = std::sync::Mutex::new(finish_rx);
    let started_tx = std::sync::Mutex::new(started_tx);
    let builds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = builds.clone();
    // The first build waits to be told to finish, so the client surely leaves mid-build.
    let reindex: casesearch_server::admin::Reindex = Arc::new(move |_mode| {
        if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            started_tx.lock().unwrap().send(()).unwrap();
            finish_rx.lock().unwrap().recv().unwrap();
        }
        Err(casesearch_server::admin::ReindexError::Failed(
            "stopped by the test".into(),
        ))
    });
    let app = casesearch_server::app(
        casesearch_server::AppState::new(engine()).with_admin(TOKEN.into(), reindex),
    );
    for uri in [
        "/api/admin/reindex?full=true&wait=true",
        "/api/admin/reindex?full=true",
    ] {
        builds.store(0, std::sync::atomic::Ordering::SeqCst);
        let client = {
            let app = app.clone();
            tokio::spawn(async move { call(&app, Method::POST, uri, Some(TOKEN)).await })
        };
        let started = started_rx.recv_timeout(std::time::Duration::from_secs(30));
        assert!(started.is_ok(), "the build never started ({uri})");
        client.abort();
        assert!(client.await.is_err() || !uri.contains("wait"), "{uri}");
        let (_, during) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
        assert_eq!(during["reindex_running"], true, "{during}");
        finish_tx.send(()).unwrap();

        let idle = status_when_idle(&app).await;
        assert_eq!(idle["last_reindex"]["ok"], false, "{idle}");
        assert_eq!(
            idle["last_reindex"]["error"], "stopped by the test",
            "{idle}"
        );
        let (status, json) = call(
            &app,
            Method::POST,
            "/api/admin/reindex?wait=true",
            Some(TOKEN),
        )
        .await;
        assert_eq!(
            (status, json["code"].as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("reindex_failed")),
            "a later reindex runs, not 409 ({uri}): {json}"
        );
    }
}

/// `casesearch index` run by hand holds the index's build lock: the admin endpoint
/// answers that a build is running (409), not that the build failed (500).
#[tokio::test]
async fn a_reindex_while_the_cli_holds_the_build_lock_answers_409_not_500() {
    let dir = tempfile::tempdir().unwrap();
    let app = admin_app(dir.path());
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("index.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let waiting = "/api/admin/reindex?wait=true";
    let (status, json) = call(&app, Method::POST, waiting, Some(TOKEN)).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::CONFLICT, Some("reindex_running")),
        "{json}"
    );
    let (_, status_json) = call(&app, Method::GET, "/api/admin/status", Some(TOKEN)).await;
    assert_eq!(status_json["reindex_running"], false, "{status_json}");
    assert_eq!(status_json["last_reindex"]["ok"], false, "{status_json}");
    lock.unlock().unwrap();
    let (status, json) = call(&app, Method::POST, waiting, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
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
    let (status, json) = call(
        &app,
        Method::POST,
        "/api/admin/reindex?wait=maybe",
        Some(TOKEN),
    )
    .await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
    // Nothing changed in the corpus: an incremental reindex touches no document.
    let (status, json) = call(
        &app,
        Method::POST,
        "/api/admin/reindex?wait=true",
        Some(TOKEN),
    )
    .await;
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

/// A path no route matches is answered 404 `not_found`, and counted like every other
/// request, under one label (the path itself could name anything).
#[tokio::test]
async fn unmatched_paths_are_answered_404_and_counted_in_the_metrics() {
    let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
    for path in ["/no/such/page", "/api/nothing-here"] {
        let (status, json) = call(&app, Method::GET, path, None).await;
        assert_eq!(
            (status, json["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
    }
    let response = app
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.lines()
            .any(|line| line
                == r#"casesearch_http_requests_total{route="unmatched",status="404"} 2"#),
        "{text}"
    );
    assert!(!text.contains("no/such/page"), "{text}");
}

/// One HTTP/1.1 request over a plain socket; the status code of the answer.
fn http_status(port: u16, path: &str) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0))
}

/// The real binary, as an operator runs it: `serve --log-format json` logs each request
/// as one JSON line with its route template, status and latency, and never the query.
#[test]
fn served_requests_are_logged_as_json_with_route_status_and_latency_but_not_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    casesearch::rebuild_index(&corpus_dir(), &index, &|_| {}, &|_| {}).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_casesearch"))
        .args(["--log-format", "json", "--corpus"])
        .arg(corpus_dir())
        .arg("--index")
        .arg(&index)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http_status(port, "/healthz").ok() != Some(200) {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let statuses = [
        http_status(port, "/api/search?q=ligature").unwrap(),
        http_status(port, "/api/documents/no-such-id").unwrap(),
        http_status(port, "/no/such/page").unwrap(),
    ];
    server.kill().unwrap();
    let output = server.wait_with_output().unwrap();
    assert_eq!(statuses, [200, 404, 404]);

    let text = String::from_utf8(output.stderr).unwrap();
    assert!(!text.contains("ligature"), "queries stay out of the logs");
    let requests: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "request")
        .filter(|line| line["fields"]["route"] != "/healthz")
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
        vec![
            ("/api/search", 200),
            ("/api/documents/{id}", 404),
            ("unmatched", 404)
        ],
        "{text}"
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

/// Regression (issue 17): an admin token of 20 spaces was accepted. `serve` refuses
/// it at once, before building any index.
#[test]
fn serve_refuses_an_admin_token_of_whitespace_before_building_anything() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_casesearch"))
        .arg("--corpus")
        .arg(corpus_dir())
        .arg("--index")
        .arg(&index)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("CASESEARCH_ADMIN_TOKEN", " ".repeat(20))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("at least 16 characters that are not whitespace"),
        "{stderr}"
    );
    assert!(!index.exists(), "refused before building the index");
}
