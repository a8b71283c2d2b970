//! Search latency over the bundled corpus, reported as a ratio against a reference
//! measured in the same run: the bare match count of the same request (no ranking,
//! facets or snippets). Absolute times drift on shared machines; the ratio says what
//! our faceting and highlighting cost on top of tantivy's matching.
//!
//! Run: `cargo bench --bench search` (builds the index into a temporary directory).

use std::path::Path;
use std::time::{Duration, Instant};

use casesearch_index::{SearchRequest, Sort};

const ROUNDS: usize = 60;

fn median_time(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[ROUNDS / 2]
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let dir = tempfile::tempdir().expect("temp dir");
    let index = dir.path().join("index");
    let summary =
        casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).expect("index builds");
    let engine = casesearch::open_engine(&index).expect("index opens");
    println!(
        "indexed {} documents in {:.2}s",
        summary.meta.documents, summary.seconds
    );

    let requests = [
        ("all documents", SearchRequest::default()),
        (
            "one word",
            SearchRequest {
                query: "suicide".into(),
                ..Default::default()
            },
        ),
        (
            "phrase",
            SearchRequest {
                query: "\"information sharing\"".into(),
                ..Default::default()
            },
        ),
        (
            "words + theme + region + years",
            SearchRequest {
                query: "mental health".into(),
                themes: vec!["adolescents".into()],
                regions: vec!["England".into()],
                year_from: Some(2018),
                year_to: Some(2024),
                ..Default::default()
            },
        ),
        (
            "newest, 100 per page",
            SearchRequest {
                query: "hospital".into(),
                sort: Sort::Newest,
                per_page: 100,
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<32} {:>12} {:>12} {:>8}",
        "request", "search", "count only", "ratio"
    );
    for (name, request) in &requests {
        // The two must agree before their times mean anything.
        let total = engine.search(request).expect("search").total;
        assert_eq!(total, engine.count(request).expect("count"), "{name}");
        assert!(total > 0, "{name} matches nothing");
        let search = median_time(|| {
            engine.search(request).expect("search");
        });
        let count = median_time(|| {
            engine.count(request).expect("count");
        });
        println!(
            "{name:<32} {:>10.2}ms {:>10.3}ms {:>7.1}x",
            search.as_secs_f64() * 1e3,
            count.as_secs_f64() * 1e3,
            search.as_secs_f64() / count.as_secs_f64()
        );
    }
}
