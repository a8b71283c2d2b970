//! Speed at scale: indexing, query latency and start-up at 1×, 10× and (with
//! `--scales 1,10,100`) 100× the bundled corpus. Every figure comes with a reference
//! measured in the same run, because these machines are shared and absolute times drift:
//!
//! - indexing: the product's build against a bare tantivy index of the same text (one
//!   text field, default tokenizer, the same writer heap and threads), each built in a
//!   child process of its own so its peak memory (VmHWM) is its own;
//! - queries: p50/p95/p99 of a fixed query mix through three in-process paths (full:
//!   ranking + facets + snippets; ranked hits without facets or snippets; the bare match
//!   count) and through HTTP (the real router on 127.0.0.1, full path: the API has no
//!   switch for facets or snippets), with HTTP ÷ in-process ratios;
//! - start-up: launching the release `casesearch serve` on an existing index until it
//!   answers a search, against launching `casesearch --version`.
//!
//! ```text
//! cargo bench --bench scale                          # 1× and 10×
//! cargo bench --bench scale -- --scales 1,10,100     # and 100× (about 400 MB of corpus)
//! ```
//! Options: `--dir DIR` for the generated corpora and indexes (default
//! `$CASESEARCH_BENCH_DIR` or `/tmp/casesearch-bench`, outside the repository),
//! `--rounds N` rounds of the query mix (default 40 at 1×, 20 at 10×, 8 at 100×),
//! `--reuse` to keep indexes already built (skips the indexing comparison),
//! `--start-up-only` to measure only start-up, at every scale given (indexes must exist:
//! `cargo bench --bench scale -- --start-up-only --scales 1,10,100`), `--index-only` to
//! run only the indexing comparison (no queries, no start-up), `--long N` to measure only
//! a corpus of N long reviews (20–120 pages of ~3 KB, like real case reviews; issue 18):
//! its build, the query mix, and the record page of its 120-page review
//! (`cargo bench --bench scale -- --long 1500`).

#[path = "support/scaled_corpus.rs"]
mod scaled_corpus;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casesearch_index::SearchRequest;
use casesearch_ingest::Corpus;

/// The product's writer heap (crates/index/src/build.rs), so the bare index gets the same.
const WRITER_HEAP_BYTES: usize = 100_000_000;
const PER_PAGE: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child-build") {
        child_build(&args[1..]);
        return;
    }
    let options = Options::parse(&args);
    println!("{}", machine_line());
    if let Some(documents) = options.long {
        bench_long(&options, documents);
        println!("\nload at the end: {}", load_average());
        return;
    }
    if options.start_up_only {
        for &scale in &options.scales {
            bench_start_up(&options, scale);
        }
        println!("\nload at the end: {}", load_average());
        return;
    }
    if options.index_only {
        for &scale in &options.scales {
            println!(
                "\n## {scale}× the bundled corpus (load: {})",
                load_average()
            );
            let corpus = corpus_for(&options, scale);
            let index = options.dir.join(format!("index-{scale}x"));
            bench_indexing(
                &options,
                &format!("{scale}x"),
                rounds_of_builds(scale),
                &corpus,
                &index,
            );
        }
        println!("\nload at the end: {}", load_average());
        return;
    }
    for &scale in &options.scales {
        bench_scale(&options, scale);
    }
    if let Some(&scale) = options.scales.iter().filter(|&&scale| scale <= 10).max() {
        bench_start_up(&options, scale);
    }
    println!("\nload at the end: {}", load_average());
}

struct Options {
    scales: Vec<usize>,
    dir: PathBuf,
    rounds: Option<usize>,
    reuse: bool,
    start_up_only: bool,
    index_only: bool,
    /// Documents of the long-review corpus, when only it is measured.
    long: Option<usize>,
}

impl Options {
    fn parse(args: &[String]) -> Options {
        let mut options = Options {
            scales: vec![1, 10],
            dir: std::env::var_os("CASESEARCH_BENCH_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/tmp/casesearch-bench")),
            rounds: None,
            reuse: false,
            start_up_only: false,
            index_only: false,
            long: None,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .unwrap_or_else(|| panic!("{flag} needs a value"))
                    .clone()
            };
            match flag.as_str() {
                // cargo bench passes --bench to harness-less benches.
                "--bench" => {}
                "--scales" => {
                    options.scales = value()
                        .split(',')
                        .map(|scale| scale.trim().parse().expect("--scales: whole numbers"))
                        .collect();
                }
                "--dir" => options.dir = PathBuf::from(value()),
                "--rounds" => options.rounds = Some(value().parse().expect("--rounds: a number")),
                "--reuse" => options.reuse = true,
                "--start-up-only" => options.start_up_only = true,
                "--index-only" => options.index_only = true,
                "--long" => options.long = Some(value().parse().expect("--long: a number")),
                other => panic!("unknown argument {other:?} (see benches/scale.rs)"),
            }
        }
        options
    }
}

fn bundled_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// 1× is the bundled corpus itself; larger scales are generated once and kept.
fn corpus_for(options: &Options, scale: usize) -> PathBuf {
    if scale == 1 {
        return bundled_corpus();
    }
    let dir = options.dir.join(format!("corpus-{scale}x"));
    // A corpus generated before the bundled regions table changed is made again: the
    // build would reject its old table.
    let regions = |corpus: &Path| std::fs::read(corpus.join("regions.csv")).ok();
    let current = regions(&dir).is_some() && regions(&dir) == regions(&bundled_corpus());
    if !current {
        let started = Instant::now();
        let made =
            scaled_corpus::generate(&bundled_corpus(), &dir, scale, scaled_corpus::DEFAULT_SEED)
                .expect("scaled corpus");
        println!(
            "generated {} documents ({:.1} MB of text) at {} in {:.1}s",
            made.documents,
            made.text_bytes as f64 / 1e6,
            made.dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    dir
}

fn bench_scale(options: &Options, scale: usize) {
    println!(
        "\n## {scale}× the bundled corpus (load: {})",
        load_average()
    );
    let corpus = corpus_for(options, scale);
    let index = options.dir.join(format!("index-{scale}x"));
    // An index reused must be current for its corpus and this binary's schema.
    let current =
        || casesearch::index_staleness(&corpus, &index).is_ok_and(|stale| stale.is_none());
    if !(options.reuse && current()) {
        bench_indexing(
            options,
            &format!("{scale}x"),
            rounds_of_builds(scale),
            &corpus,
            &index,
        );
    }
    let engine = casesearch::open_engine(&index).expect("index opens");
    let rounds = options.rounds.unwrap_or(if scale <= 1 {
        40
    } else if scale <= 10 {
        20
    } else {
        8
    });
    bench_queries(engine, rounds);
}

fn rounds_of_builds(scale: usize) -> usize {
    if scale <= 10 {
        2
    } else {
        1
    }
}

/// The long-review corpus (issue 18): `documents` reviews of 20–120 pages of ~3 KB.
fn bench_long(options: &Options, documents: usize) {
    println!(
        "\n## {documents} long reviews of {}–{} pages (load: {})",
        scaled_corpus::LONG_PAGES.start(),
        scaled_corpus::LONG_PAGES.end(),
        load_average()
    );
    let corpus = options.dir.join(format!("corpus-long-{documents}"));
    let regions = |corpus: &Path| std::fs::read(corpus.join("regions.csv")).ok();
    if regions(&corpus).is_none() || regions(&corpus) != regions(&bundled_corpus()) {
        let started = Instant::now();
        let made = scaled_corpus::generate_long(
            &bundled_corpus(),
            &corpus,
            documents,
            scaled_corpus::DEFAULT_SEED,
        )
        .expect("long-review corpus");
        println!(
            "generated {} documents ({:.1} MB of text) at {} in {:.1}s",
            made.documents,
            made.text_bytes as f64 / 1e6,
            made.dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let index = options.dir.join(format!("index-long-{documents}"));
    let current =
        || casesearch::index_staleness(&corpus, &index).is_ok_and(|stale| stale.is_none());
    if !(options.reuse && current()) {
        bench_indexing(options, &format!("long-{documents}"), 1, &corpus, &index);
    }
    let engine = casesearch::open_engine(&index).expect("index opens");
    let engine = bench_queries(engine, options.rounds.unwrap_or(8));
    bench_record_page(&engine, options.rounds.unwrap_or(8));
}

/// The record page of the longest review (120 pages, `long-0000000`) with a query's
/// words marked, in-process and over HTTP (the HTML page), against the same page of a
/// short review: what a practitioner waits for when opening a hit.
fn bench_record_page(engine: &Arc<casesearch_index::Engine>, rounds: usize) {
    let longest = "long-0000000";
    let Some(document) = engine.document(longest, "").expect("document") else {
        panic!("{longest} is not in the index");
    };
    let pages = document.record.review.sections.len();
    // The shortest review in the index: the reference measured in the same run.
    let shortest = engine
        .all_hits(
            &SearchRequest {
                per_page: 100,
                ..SearchRequest::default()
            },
            10_000,
        )
        .expect("browse")
        .1
        .into_iter()
        .min_by_key(|hit| {
            hit.title
                .split('(')
                .nth(1)
                .and_then(|tail| tail.split(' ').next())
                .and_then(|pages| pages.parse::<usize>().ok())
                .unwrap_or(usize::MAX)
        })
        .expect("a review")
        .id;
    let server = HttpServer::start(engine.clone());
    let mut client = HttpClient::connect(server.addr);
    let query = "mental health";
    let encoded = "mental+health";
    let mut rows = Vec::new();
    for id in [longest, shortest.as_str()] {
        let path = format!("/documents/{id}?q={encoded}");
        let (status, body) = client.get(&path);
        assert_eq!(status, 200, "{path}");
        let (mut in_process, mut http) = (Vec::new(), Vec::new());
        for _ in 0..rounds.max(5) {
            in_process.push(time(|| {
                engine.document(id, query).expect("document");
            }));
            http.push(time(|| {
                let (status, _) = client.get(&path);
                assert_eq!(status, 200);
            }));
        }
        let pages = engine
            .document(id, "")
            .expect("document")
            .map_or(0, |view| view.record.review.sections.len());
        rows.push((id.to_owned(), pages, body.len(), in_process, http));
    }
    println!(
        "\nrecord page ({query:?} marked), {} rounds:\n| review | pages | HTML | in-process p50 | HTTP p50 | HTTP p99 |\n|---|---|---|---|---|---|",
        rounds.max(5)
    );
    for (id, pages, bytes, in_process, http) in &rows {
        println!(
            "| {id} | {pages} | {:.0} KB | {} | {} | {} |",
            *bytes as f64 / 1024.0,
            ms(percentile(in_process, 0.5)),
            ms(percentile(http, 0.5)),
            ms(percentile(http, 0.99))
        );
    }
    println!(
        "longest ÷ shortest (HTTP p50): {:.1}× for {:.1}× the pages ({pages} pages; target ≤ 100 ms)",
        ratio(percentile(&rows[0].4, 0.5), percentile(&rows[1].4, 0.5)),
        rows[0].1 as f64 / rows[1].1.max(1) as f64
    );
    drop(client);
    server.stop();
}

/// What one build child reports.
#[derive(Debug, Clone, Copy)]
struct Build {
    documents: u64,
    text_bytes: u64,
    /// Reading the corpus to a committed, merged index.
    total_seconds: f64,
    /// Writing the index only (documents in, commit, merges).
    index_seconds: f64,
    peak_kb: u64,
}

/// Alternating rounds of the product's and the bare build, best of each: the fairest
/// reading on a machine others share. `name` names the corpus (`10x`, `long-1500`).
fn bench_indexing(options: &Options, name: &str, rounds: usize, corpus: &Path, index: &Path) {
    let bare = options.dir.join(format!("bare-{name}"));
    let mut product: Option<Build> = None;
    let mut reference: Option<Build> = None;
    for _ in 0..rounds {
        for (kind, dir, best) in [
            ("product", index, &mut product),
            ("bare", bare.as_path(), &mut reference),
        ] {
            let build = run_build_child(kind, corpus, dir);
            if best.is_none_or(|best| build.index_seconds < best.index_seconds) {
                *best = Some(build);
            }
        }
    }
    let (product, bare_build) = (product.expect("built"), reference.expect("built"));
    assert_eq!(
        product.documents, bare_build.documents,
        "both index every document"
    );
    assert_eq!(
        product.text_bytes, bare_build.text_bytes,
        "both read the same text"
    );
    let _ = std::fs::remove_dir_all(&bare);
    let mb = product.text_bytes as f64 / 1e6;
    println!(
        "\nindexing {} documents, {:.1} MB of text (best of {rounds}):",
        product.documents, mb
    );
    println!(
        "| build | index time | docs/s | MB/s | read+catalogue+index | peak RSS |\n|---|---|---|---|---|---|"
    );
    for (name, build) in [("product", product), ("bare tantivy", bare_build)] {
        println!(
            "| {name} | {:.2} s | {:.0} | {:.2} | {:.2} s | {:.0} MB |",
            build.index_seconds,
            build.documents as f64 / build.index_seconds,
            mb / build.index_seconds,
            build.total_seconds,
            build.peak_kb as f64 / 1024.0
        );
    }
    println!(
        "product ÷ bare: index {:.2}× (target ≤ 1.5×), end to end {:.2}×",
        product.index_seconds / bare_build.index_seconds,
        product.total_seconds / bare_build.total_seconds
    );
}

fn run_build_child(kind: &str, corpus: &Path, index: &Path) -> Build {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .arg("--child-build")
        .arg(kind)
        .arg(corpus)
        .arg(index)
        .stderr(Stdio::inherit())
        .output()
        .expect("build child starts");
    assert!(output.status.success(), "{kind} build failed");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> f64 {
        text.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{kind} build reported no {name}: {text}"))
    };
    Build {
        documents: field("documents") as u64,
        text_bytes: field("text_bytes") as u64,
        total_seconds: field("total_seconds"),
        index_seconds: field("index_seconds"),
        peak_kb: field("peak_kb") as u64,
    }
}

/// In a child process: build one index and print what it took.
fn child_build(args: &[String]) {
    let [kind, corpus, index] = args else {
        panic!("--child-build KIND CORPUS INDEX");
    };
    let (corpus, index) = (Path::new(corpus), Path::new(index));
    let started = Instant::now();
    let (documents, text_bytes, index_seconds) = match kind.as_str() {
        "product" => {
            let summary =
                casesearch::rebuild_index(corpus, index, &|_| {}, &|_| {}).expect("product build");
            assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
            let reviews = Corpus::open(corpus)
                .and_then(|corpus| corpus.read_reviews())
                .expect("corpus")
                .reviews;
            (
                summary.meta.documents,
                text_bytes(&reviews),
                summary.meta.build_seconds,
            )
        }
        "bare" => build_bare(corpus, index),
        other => panic!("unknown build {other:?}"),
    };
    // Read the product's text size after timing it; it does not count.
    println!(
        "documents={documents} text_bytes={text_bytes} total_seconds={:.4} index_seconds={index_seconds:.4} peak_kb={}",
        started.elapsed().as_secs_f64(),
        peak_kb()
    );
}

fn text_bytes(reviews: &[casesearch_model::Review]) -> u64 {
    reviews
        .iter()
        .map(|review| {
            review.title.len()
                + review
                    .sections
                    .iter()
                    .map(|section| section.text.len())
                    .sum::<usize>()
        })
        .sum::<usize>() as u64
}

/// The reference: title and section texts in one stored text field with tantivy's
/// default tokenizer, nothing else.
fn build_bare(corpus: &Path, index_dir: &Path) -> (u64, u64, f64) {
    use tantivy::schema::{Schema, STORED, TEXT};
    let reviews = Corpus::open(corpus)
        .and_then(|corpus| corpus.read_reviews())
        .expect("corpus")
        .reviews;
    let _ = std::fs::remove_dir_all(index_dir);
    std::fs::create_dir_all(index_dir).expect("bare index dir");
    let started = Instant::now();
    let mut builder = Schema::builder();
    let text = builder.add_text_field("text", TEXT | STORED);
    let index = tantivy::Index::create_in_dir(index_dir, builder.build()).expect("bare index");
    let mut writer: tantivy::IndexWriter = index.writer(WRITER_HEAP_BYTES).expect("writer");
    for review in &reviews {
        let mut document = tantivy::TantivyDocument::default();
        document.add_text(text, &review.title);
        for section in &review.sections {
            document.add_text(text, &section.text);
        }
        writer.add_document(document).expect("add");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merges");
    (
        reviews.len() as u64,
        text_bytes(&reviews),
        started.elapsed().as_secs_f64(),
    )
}

/// This process's peak resident set, from the kernel.
fn peak_kb() -> u64 {
    proc_status_kb(Path::new("/proc/self/status"), "VmHWM:").unwrap_or(0)
}

fn proc_status_kb(path: &Path, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One query of the mix, as a request and as the API's query string.
struct MixQuery {
    name: &'static str,
    request: SearchRequest,
    path: String,
}

fn mix_query(
    name: &'static str,
    query: &str,
    themes: &[&str],
    regions: &[&str],
    year_from: Option<u64>,
) -> MixQuery {
    let mut pairs = vec![("q", query.to_owned())];
    pairs.extend(themes.iter().map(|theme| ("theme", theme.to_string())));
    pairs.extend(regions.iter().map(|region| ("region", region.to_string())));
    if let Some(year) = year_from {
        pairs.push(("year_from", year.to_string()));
    }
    pairs.push(("per_page", PER_PAGE.to_string()));
    let path = format!(
        "/api/search?{}",
        pairs
            .iter()
            .map(|(name, value)| format!(
                "{name}={}",
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            ))
            .collect::<Vec<_>>()
            .join("&")
    );
    MixQuery {
        name,
        request: SearchRequest {
            query: query.to_owned(),
            themes: themes.iter().map(|theme| theme.to_string()).collect(),
            regions: regions.iter().map(|region| region.to_string()).collect(),
            year_from,
            per_page: PER_PAGE,
            ..SearchRequest::default()
        },
        path,
    }
}

/// The fixed mix; scripts/load-test rotates the same queries.
fn query_mix() -> Vec<MixQuery> {
    vec![
        mix_query("word: suicide", "suicide", &[], &[], None),
        mix_query("word: hospital", "hospital", &[], &[], None),
        mix_query("word: medication", "medication", &[], &[], None),
        mix_query("AND: mental health", "mental health", &[], &[], None),
        mix_query("AND: police custody", "police custody", &[], &[], None),
        mix_query(
            "OR: drowning OR hanging",
            "drowning OR hanging",
            &[],
            &[],
            None,
        ),
        mix_query(
            "OR: ambulance OR paramedic",
            "ambulance OR paramedic",
            &[],
            &[],
            None,
        ),
        mix_query(
            "phrase: voice of the child",
            "\"voice of the child\"",
            &[],
            &[],
            None,
        ),
        mix_query(
            "phrase: information sharing",
            "\"information sharing\"",
            &[],
            &[],
            None,
        ),
        mix_query(
            "phrase: risk assessment",
            "\"risk assessment\"",
            &[],
            &[],
            None,
        ),
        mix_query("field: title:london", "title:london", &[], &[], None),
        mix_query("field: text:overdose", "text:overdose", &[], &[], None),
        mix_query(
            "words + theme + region + year",
            "mental health",
            &["adolescents"],
            &["England"],
            Some(2018),
        ),
        mix_query("browse: no words", "", &[], &[], None),
        // What practitioners type (issue 14): plain sentences matched gracefully (any
        // word, all words first), an acronym the thesaurus expands.
        mix_query(
            "sentence: teenager took her own life",
            "teenager took her own life",
            &[],
            &[],
            None,
        ),
        mix_query(
            "sentence: teenage girl overdose mental health services",
            "teenage girl overdose mental health services",
            &[],
            &[],
            None,
        ),
        mix_query("acronym: A&E", "A&E", &[], &[], None),
    ]
}

fn bench_queries(engine: casesearch_index::Engine, rounds: usize) -> Arc<casesearch_index::Engine> {
    let engine = Arc::new(engine);
    let server = HttpServer::start(engine.clone());
    let mut client = HttpClient::connect(server.addr);
    let mix = query_mix();
    // The load test must send the same mix.
    let lua = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/load-test.lua"),
    )
    .expect("scripts/load-test.lua");
    for query in &mix {
        assert!(
            lua.contains(&format!("\"{}\"", query.path)),
            "scripts/load-test.lua lacks {}",
            query.path
        );
    }

    // The paths must agree before their times mean anything.
    for query in &mix {
        let full = engine.search(&query.request).expect("search");
        assert_eq!(
            full.total,
            engine.count(&query.request).expect("count"),
            "{}",
            query.name
        );
        let (total, hits) = engine.all_hits(&query.request, PER_PAGE).expect("hits");
        assert_eq!(total, full.total, "{}", query.name);
        assert_eq!(hits.len(), full.hits.len(), "{}", query.name);
        let (status, body) = client.get(&query.path);
        assert_eq!(status, 200, "{}: {body}", query.name);
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            json["total"].as_u64(),
            Some(full.total as u64),
            "{}",
            query.name
        );
    }

    let paths = [
        "full (facets+snippets)",
        "ranked hits only",
        "count only",
        "HTTP full",
    ];
    // samples[path][query] = times over rounds.
    let mut samples = vec![vec![Vec::with_capacity(rounds); mix.len()]; paths.len()];
    for _ in 0..rounds {
        for (number, query) in mix.iter().enumerate() {
            samples[0][number].push(time(|| {
                engine.search(&query.request).expect("search");
            }));
            samples[1][number].push(time(|| {
                engine.all_hits(&query.request, PER_PAGE).expect("hits");
            }));
            samples[2][number].push(time(|| {
                engine.count(&query.request).expect("count");
            }));
            samples[3][number].push(time(|| {
                let (status, _) = client.get(&query.path);
                assert_eq!(status, 200);
            }));
        }
    }

    println!(
        "\nqueries: {} documents, {} queries × {rounds} rounds, {PER_PAGE} hits a page",
        engine.document_count(),
        mix.len()
    );
    println!("| path | p50 | p95 | p99 | p50 ÷ count |\n|---|---|---|---|---|");
    let all: Vec<Vec<Duration>> = samples
        .iter()
        .map(|per_query| per_query.iter().flatten().copied().collect())
        .collect();
    let count_p50 = percentile(&all[2], 0.5);
    for (name, times) in paths.iter().zip(&all) {
        println!(
            "| {name} | {} | {} | {} | {:.1}× |",
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.95)),
            ms(percentile(times, 0.99)),
            ratio(percentile(times, 0.5), count_p50)
        );
    }
    println!(
        "HTTP ÷ in-process (full path): p50 {:.2}×, p99 {:.2}× (target ≤ 3×)",
        ratio(percentile(&all[3], 0.5), percentile(&all[0], 0.5)),
        ratio(percentile(&all[3], 0.99), percentile(&all[0], 0.99))
    );
    println!(
        "\n| query | matches | full | ranked | count | HTTP | HTTP ÷ full |\n|---|---|---|---|---|---|---|"
    );
    for (number, query) in mix.iter().enumerate() {
        let median = |path: usize| percentile(&samples[path][number], 0.5);
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2}× |",
            query.name,
            engine.count(&query.request).expect("count"),
            ms(median(0)),
            ms(median(1)),
            ms(median(2)),
            ms(median(3)),
            ratio(median(3), median(0))
        );
    }
    drop(client);
    server.stop();
    engine
}

fn time(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}

/// Nearest-rank percentile.
fn percentile(times: &[Duration], fraction: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(time: Duration) -> String {
    format!("{:.2} ms", time.as_secs_f64() * 1e3)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// The product's router served on 127.0.0.1 from a runtime of its own.
struct HttpServer {
    addr: SocketAddr,
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl HttpServer {
    fn start(engine: Arc<casesearch_index::Engine>) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let app = casesearch_server::app(casesearch_server::AppState::new(engine));
        let thread = std::thread::spawn(move || {
            // The same runtime `serve` starts (one worker per core).
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        // The workspace's tokio has no `sync`; a blocking wait on the pool
                        // does the same.
                        let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
                    })
                    .await
                    .expect("server");
            });
        });
        HttpServer { addr, stop, thread }
    }

    fn stop(self) {
        let _ = self.stop.send(());
        self.thread.join().expect("server thread");
    }
}

/// A minimal keep-alive HTTP/1.1 client: enough for GETs to our own server, and no
/// client library's overhead in the measurement.
struct HttpClient {
    reader: BufReader<TcpStream>,
}

impl HttpClient {
    fn connect(addr: SocketAddr) -> HttpClient {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        HttpClient {
            reader: BufReader::new(stream),
        }
    }

    fn get(&mut self, path: &str) -> (u16, String) {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .expect("send");
        read_response(&mut self.reader).expect("response")
    }
}

fn read_response(reader: &mut impl BufRead) -> std::io::Result<(u16, String)> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.trim().eq_ignore_ascii_case("chunked");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length.unwrap_or(0), 0);
        reader.read_exact(&mut body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Launch `casesearch serve` on the built index until it answers a search, against
/// launching `casesearch --version` (the cost of starting any process here).
fn bench_start_up(options: &Options, scale: usize) {
    let binary = env!("CARGO_BIN_EXE_casesearch");
    let corpus = corpus_for(options, scale);
    let index = options.dir.join(format!("index-{scale}x"));
    let mut serve_times = Vec::new();
    let mut version_times = Vec::new();
    for _ in 0..5 {
        version_times.push(time(|| {
            let status = Command::new(binary)
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .expect("casesearch --version");
            assert!(status.success());
        }));
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        let mut child = Command::new(binary)
            .arg("--corpus")
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .args(["serve", "--addr", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("casesearch serve");
        let answered = loop {
            if let Ok(stream) = TcpStream::connect(addr) {
                let mut client = HttpClient {
                    reader: BufReader::new(stream),
                };
                if client.get("/api/search?q=suicide").0 == 200 {
                    break started.elapsed();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "serve did not answer within 60 s"
            );
            assert!(child.try_wait().expect("child").is_none(), "serve exited");
            std::thread::sleep(Duration::from_millis(2));
        };
        let _ = child.kill();
        let _ = child.wait();
        serve_times.push(answered);
    }
    let serve = percentile(&serve_times, 0.5);
    let version = percentile(&version_times, 0.5);
    println!(
        "\n## start-up at {scale}× (median of 5)\n`serve` to first answered search: {} (target ≤ 1 s); `--version`: {}; ratio {:.0}×",
        ms(serve),
        ms(version),
        ratio(serve, version)
    );
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |cores| cores.get());
    format!(
        "# casesearch scale bench: {cores} cores, {cpu}; load average {}",
        load_average()
    )
}
