//! The shared fixture: the bundled corpus indexed once into a temporary directory, and
//! helpers to call the router the way a client would.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use casesearch_index::Engine;
use casesearch_model::Review;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

struct Built {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
}

/// The bundled corpus, indexed once for all tests of this binary.
pub fn engine() -> Arc<Engine> {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let index = dir.path().join("index");
            casesearch::rebuild_index(&corpus_dir(), &index, &|_| {}, &|_| {})
                .expect("index builds");
            let engine = Arc::new(casesearch::open_engine(&index).expect("index opens"));
            Built { _dir: dir, engine }
        })
        .engine
        .clone()
}

/// The corpus records, read directly: the oracle tests compare the engine against.
pub fn records() -> &'static [Review] {
    static RECORDS: OnceLock<Vec<Review>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let corpus = casesearch_ingest::Corpus::open(corpus_dir()).expect("corpus opens");
        corpus.read_reviews().expect("records read").reviews
    })
}

pub async fn get_raw(uri: &str) -> (StatusCode, String) {
    let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
    )
}

pub async fn get_json(uri: &str) -> (StatusCode, Value) {
    let (status, body) = get_raw(uri).await;
    let json =
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{uri}: not JSON ({err}): {body}"));
    (status, json)
}

/// A successful search's JSON.
pub async fn search(query_string: &str) -> Value {
    let (status, json) = get_json(&format!("/api/search?{query_string}")).await;
    assert_eq!(status, StatusCode::OK, "{query_string}: {json}");
    json
}

/// Every hit of a search, across all pages.
pub async fn all_hits(query_string: &str) -> Vec<Value> {
    let mut hits = Vec::new();
    for page in 1.. {
        let json = search(&format!("{query_string}&per_page=100&page={page}")).await;
        let batch = json["hits"].as_array().expect("hits").clone();
        let done = batch.len() < 100;
        hits.extend(batch);
        if done {
            break;
        }
    }
    hits
}

pub fn total(json: &Value) -> u64 {
    json["total"].as_u64().expect("total")
}

/// `(value, count)` pairs of one facet.
pub fn facet(json: &Value, name: &str) -> Vec<(String, u64)> {
    json["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("facet {name} missing: {json}"))
        .iter()
        .map(|value| {
            (
                value["value"].as_str().expect("value").to_owned(),
                value["count"].as_u64().expect("count"),
            )
        })
        .collect()
}

pub fn facet_count(json: &Value, name: &str, value: &str) -> u64 {
    facet(json, name)
        .into_iter()
        .find(|(v, _)| v == value)
        .map_or(0, |(_, count)| count)
}

/// Lowercased text with every run of non-alphanumerics turned into one space.
pub fn normalised_text(review: &Review) -> String {
    let text: String = review
        .sections
        .iter()
        .map(|section| section.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Copies a directory tree, e.g. the corpus, so a test may edit its copy.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Appends a minimal record to a copied corpus's PFD collection.
pub fn append_record(corpus: &Path, id: &str, text: &str) {
    use std::io::Write;
    let record = serde_json::json!({
        "id": id,
        "title": format!("Test record {id}"),
        "type": "pfd",
        "publisher": "Manchester North",
        "date": "2024-05-01",
        "sections": [{"label": "Concerns", "text": text}],
    });
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(corpus.join("pfd/records.jsonl"))
        .unwrap();
    writeln!(file, "{record}").unwrap();
}
