//! `casesearch`: the command line. See `casesearch --help`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use casesearch::{index_corpus, index_staleness, open_engine, BuildSummary};
use casesearch_index::{BuildMode, SearchRequest, Sort};
use casesearch_ingest::{corpus, documents, pfd, Corpus, RegionTable};
use casesearch_model::{AgeBand, Availability, ReviewType};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

/// Full-text, faceted search over UK child safeguarding case reviews.
///
/// The bundled corpus (./corpus) is indexed into ./index on first use; `serve` then
/// offers a search page and a JSON API.
#[derive(Parser)]
#[command(name = "casesearch", version, propagate_version = true)]
struct Cli {
    /// Corpus directory (holds manifest.toml).
    #[arg(
        long,
        global = true,
        env = "CASESEARCH_CORPUS",
        default_value = "corpus"
    )]
    corpus: PathBuf,
    /// Index directory (built, never edited by hand).
    #[arg(long, global = true, env = "CASESEARCH_INDEX", default_value = "index")]
    index: PathBuf,
    /// Log lines as text for people or JSON for log collectors (level: RUST_LOG).
    #[arg(
        long,
        global = true,
        env = "CASESEARCH_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the search page and JSON API, building the index first if it is missing or out of date.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "CASESEARCH_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Enables /api/admin/* for requests bearing this token (prefer the env var or a file).
        #[arg(long, env = "CASESEARCH_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// Read the admin token from this file (first line).
        #[arg(long, conflicts_with = "admin_token")]
        admin_token_file: Option<PathBuf>,
    },
    /// Bring the index up to date with the corpus (only changed documents) and print a summary.
    ///
    /// Safe while `serve` runs: the new index is built beside the live one and swapped in
    /// whole; the server notices and switches to it.
    Index {
        /// Re-index every document, not only the changed ones.
        #[arg(long)]
        full: bool,
    },
    /// Search from the terminal.
    Search(SearchArgs),
    /// Measure relevance on a TREC-style test collection (e.g. CACM): MAP, P@10, P@30, nDCG@10.
    Eval {
        /// Directory of documents, one file each, named by document id (HTML tags are stripped).
        #[arg(long)]
        docs: PathBuf,
        /// Topics file (`<DOC><DOCNO> n </DOCNO> text </DOC>`).
        #[arg(long)]
        topics: PathBuf,
        /// Relevance judgements (`topic 0 doc relevance`).
        #[arg(long)]
        qrels: PathBuf,
        /// Also write the run in TREC format here, for inspection or trec_eval.
        #[arg(long)]
        run: Option<PathBuf>,
        /// BM25 k1, to compare with the default.
        #[arg(long)]
        k1: Option<f32>,
        /// BM25 b, to compare with the default.
        #[arg(long)]
        b: Option<f32>,
        /// Title boost, to compare with the default.
        #[arg(long)]
        title_boost: Option<f32>,
        /// Expand each topic with pseudo-relevance feedback (RM3).
        #[arg(long)]
        expand: bool,
    },
    /// Print a PDF's text page by page, as the index will see it.
    Extract {
        /// The PDF file.
        file: PathBuf,
    },
    /// Add local PDFs (files or whole folders), or the documents of crawled sources, to
    /// the corpus; the next `index` (or `serve`) makes them searchable with "p. N" on hits.
    ///
    /// Re-ingesting an unchanged file is a no-op; a changed file replaces its old version.
    Ingest {
        /// PDF files, or folders searched for *.pdf.
        #[arg(required_unless_present = "sources", conflicts_with = "sources")]
        paths: Vec<PathBuf>,
        /// Publisher of these documents (partnership or board), e.g. "Lancashire Safeguarding Children Partnership".
        #[arg(long)]
        publisher: Option<String>,
        /// Review type slug, e.g. local-child-safeguarding-practice-review.
        #[arg(long = "type")]
        review_type: Option<String>,
        /// Crawl the sources in this file (e.g. corpus/sources.toml) and add what they publish.
        #[arg(long)]
        sources: Option<PathBuf>,
        /// With --sources: fetch listing pages only and list what would be fetched.
        #[arg(long, requires = "sources")]
        dry_run: bool,
        /// With --sources: where fetched bytes and their provenance are kept.
        #[arg(long, default_value = "raw")]
        store: PathBuf,
    },
    /// Vendor coroners' PFD reports (PFD Toolkit JSON Lines) into the corpus's `pfd` collection.
    ImportPfd {
        /// The PFD Toolkit `reports.jsonl`.
        file: PathBuf,
    },
    /// Add metadata-only records from a catalogue (JSON Lines or CSV with `heading`
    /// "YEAR – PARTNERSHIP – CHILD", summary, learning, recommendations, keywords, link,
    /// status, published, review_type) to the corpus's `catalogue` collection.
    ///
    /// Records are keyed by heading: importing a newer catalogue replaces old entries.
    ImportCatalogue {
        /// The catalogue file (`.csv`, otherwise read as JSON Lines).
        file: PathBuf,
    },
}

#[derive(clap::Args)]
struct SearchArgs {
    /// Query in tantivy syntax: words, "phrases", AND/OR/NOT, title:/text:/publisher:.
    #[arg(default_value = "")]
    query: String,
    /// Only documents with this theme id (repeatable; any of them).
    #[arg(long)]
    theme: Vec<String>,
    /// Only documents in this region path, e.g. England or "England/London" (repeatable).
    #[arg(long)]
    region: Vec<String>,
    /// Only documents of this type, e.g. pfd (repeatable).
    #[arg(long = "type")]
    review_type: Vec<String>,
    /// Only documents with this availability: published, link_removed, withdrawn,
    /// delayed, not_published (repeatable).
    #[arg(long)]
    availability: Vec<String>,
    /// Only reviews whose subject is in this age band: under-1, 1-4, 5-10, 11-15, 16-17
    /// (repeatable).
    #[arg(long)]
    age_band: Vec<String>,
    /// Only documents from this year on.
    #[arg(long)]
    year_from: Option<u64>,
    /// Only documents up to this year (inclusive).
    #[arg(long)]
    year_to: Option<u64>,
    /// Order of the hits.
    #[arg(long, value_enum, default_value = "relevance")]
    sort: SortArg,
    /// Number of hits to show.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Let any word match (OR) instead of requiring every word (AND).
    #[arg(long)]
    any: bool,
    /// Print the results as JSON (hits and facets), as the HTTP API does.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tantivy=warn,lopdf=error".into());
    // Colour codes only for a person at a terminal, not in a log file or collector.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`casesearch search … | head`) is not a failure.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve {
            addr,
            admin_token,
            admin_token_file,
        } => {
            if let Some(reason) = index_staleness(&cli.corpus, &cli.index)? {
                eprintln!("building the index: {reason}");
                build_with_progress(&cli.corpus, &cli.index, BuildMode::Incremental)?;
            }
            let token = match admin_token_file {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .with_context(|| {
                            format!("reading the admin token from {}", path.display())
                        })?
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned(),
                ),
                None => admin_token,
            };
            if token.as_deref().is_some_and(|token| token.len() < 16) {
                bail!("the admin token must be at least 16 characters");
            }
            serve(&cli.corpus, &cli.index, addr, token)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Index { full } => {
            let mode = if full {
                BuildMode::Full
            } else {
                BuildMode::Incremental
            };
            let summary = build_with_progress(&cli.corpus, &cli.index, mode)?;
            print_theme_counts(&summary)?;
            Ok(if summary.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Search(args) => search(&cli.corpus, &cli.index, args),
        Command::ImportPfd { file } => import_pfd(&cli.corpus, &file),
        Command::ImportCatalogue { file } => import_catalogue(&cli.corpus, &file),
        Command::Extract { file } => extract(&cli.corpus, &file),
        Command::Ingest {
            paths,
            publisher,
            review_type,
            sources,
            dry_run,
            store,
        } => {
            let review_type = review_type
                .map(|slug| {
                    ReviewType::from_slug(&slug)
                        .with_context(|| format!("unknown review type {slug:?}"))
                })
                .transpose()?;
            match sources {
                Some(sources) => ingest_sources(&cli.corpus, &sources, &store, dry_run),
                None => ingest_files(&cli.corpus, &paths, publisher, review_type),
            }
        }
        Command::Eval {
            docs,
            topics,
            qrels,
            run,
            k1,
            b,
            title_boost,
            expand,
        } => {
            let mut options = casesearch::eval::EvalOptions {
                expand,
                ..Default::default()
            };
            let ranking = &mut options.ranking;
            ranking.bm25.k1 = k1.unwrap_or(ranking.bm25.k1);
            ranking.bm25.b = b.unwrap_or(ranking.bm25.b);
            ranking.title_boost = title_boost.unwrap_or(ranking.title_boost);
            let (k1, b, title_boost) = (ranking.bm25.k1, ranking.bm25.b, ranking.title_boost);
            if !(k1.is_finite() && k1 >= 0.0) {
                bail!("--k1 must be a number ≥ 0, not {k1}");
            }
            if !(0.0..=1.0).contains(&b) {
                bail!("--b must be between 0 and 1, not {b}");
            }
            if !(title_boost.is_finite() && title_boost >= 0.0) {
                bail!("--title-boost must be a number ≥ 0, not {title_boost}");
            }
            let (scores, ranked) = casesearch::eval::evaluate(&docs, &topics, &qrels, &options)?;
            if let Some(path) = run {
                let mut file = std::io::BufWriter::new(
                    std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?,
                );
                casesearch::eval::write_run(&ranked, &mut file)?;
            }
            writeln!(
                std::io::stdout().lock(),
                "{} documents, {} judged topics, depth {}\nMAP      {:.4}\nP@10     {:.4}\nP@30     {:.4}\nnDCG@10  {:.4}",
                scores.documents,
                scores.topics,
                casesearch::eval::RUN_DEPTH,
                scores.map,
                scores.p10,
                scores.p30,
                scores.ndcg10
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn extract(corpus: &Path, file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let pdf = casesearch_pdf::extract(&bytes, &casesearch_pdf::ExtractOptions::default())
        .with_context(|| format!("extracting {}", file.display()))?;
    let mut out = std::io::stdout().lock();
    let meta = &pdf.meta;
    for (name, value) in [
        ("title", &meta.title),
        ("author", &meta.author),
        ("created", &meta.created),
        ("producer", &meta.producer),
    ] {
        if let Some(value) = value {
            writeln!(out, "{name}: {value}")?;
        }
    }
    writeln!(
        out,
        "pages: {} ({} need OCR)",
        meta.page_count,
        pdf.needs_ocr_pages()
    )?;
    print_derived(&mut out, corpus, file, &bytes)?;
    for page in &pdf.pages {
        let ocr = if page.needs_ocr { " (needs OCR)" } else { "" };
        writeln!(
            out,
            "\n===== p. {}{ocr} =====\n{}",
            page.number,
            page.text.trim_end()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The catalogue fields ingest would derive, each with its confidence and evidence,
/// so a librarian sees what to override before the document is added.
fn print_derived(out: &mut impl Write, corpus: &Path, file: &Path, bytes: &[u8]) -> Result<()> {
    let corpus = Corpus::open(corpus)?;
    let regions = RegionTable::load(&corpus.regions_path())?;
    let document = documents::IncomingDocument {
        key: file.display().to_string(),
        bytes: bytes.to_vec(),
        kind: documents::FileFormat::Pdf,
        hints: documents::Hints::default(),
    };
    let options = casesearch_pdf::ExtractOptions::default();
    let Ok(review) = documents::record_for(&document, &options, &regions) else {
        // The text extraction itself failed: the error is printed by the caller.
        return Ok(());
    };
    writeln!(out, "\nrecord title: {}", review.title)?;
    for (field, derivation) in &review.details.derived {
        writeln!(
            out,
            "derived {field}: {} (confidence {:.2}, {}: \"{}\")",
            derivation.value, derivation.confidence, derivation.source, derivation.evidence
        )?;
    }
    Ok(())
}

fn ingest_files(
    corpus: &Path,
    paths: &[PathBuf],
    publisher: Option<String>,
    review_type: Option<ReviewType>,
) -> Result<ExitCode> {
    let files = documents::pdf_files(paths)?;
    if files.is_empty() {
        bail!("no PDF files found in the paths given");
    }
    let options = casesearch_pdf::ExtractOptions::default();
    let hints = documents::Hints {
        publisher,
        review_type,
        ..documents::Hints::default()
    };
    let incoming = files.iter().map(|path| {
        documents::read_file(path, hints.clone(), options.max_bytes)
            .map_err(|reason| (path.display().to_string(), reason))
    });
    add_and_report(corpus, incoming, files.len() as u64, &options)
}

fn ingest_sources(corpus: &Path, sources: &Path, store: &Path, dry_run: bool) -> Result<ExitCode> {
    let sources = casesearch_crawl::Sources::from_path(sources)?;
    let raw = casesearch_crawl::RawStore::open(store)?;
    let mut options = casesearch_crawl::CrawlOptions::from_settings(&sources.crawler);
    options.dry_run = dry_run;
    options.progress = true;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(casesearch_crawl::crawl(&sources, &raw, &options))?;
    eprintln!("crawl: {}", report.summary());
    if dry_run {
        return Ok(if report.has_failures() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    let incoming = casesearch::crawled_documents(&raw, &sources)?;
    let total = incoming.len() as u64;
    let options = casesearch_pdf::ExtractOptions::default();
    let code = add_and_report(corpus, incoming, total, &options)?;
    Ok(if report.has_failures() {
        ExitCode::FAILURE
    } else {
        code
    })
}

/// Adds documents with a progress bar, then prints one line per document that changed
/// the corpus or failed, and the summary. Fails the exit status if any document failed.
fn add_and_report(
    corpus: &Path,
    incoming: impl IntoIterator<Item = documents::Incoming>,
    total: u64,
    options: &casesearch_pdf::ExtractOptions,
) -> Result<ExitCode> {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("ingesting [{bar:40}] {pos}/{len} documents ({elapsed})")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let report = documents::add_documents(corpus, incoming, options, &|_| bar.inc(1))?;
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    for document in &report.documents {
        let line = match &document.outcome {
            documents::Outcome::Added {
                id,
                pages,
                needs_ocr,
            } => format!("added     {id} ({pages} pages with text, {needs_ocr} need OCR)"),
            documents::Outcome::Replaced {
                id,
                pages,
                needs_ocr,
            } => format!("replaced  {id} ({pages} pages with text, {needs_ocr} need OCR)"),
            documents::Outcome::Unchanged { id } => format!("unchanged {id}"),
            documents::Outcome::Duplicate { of } => format!("duplicate of {of}"),
            documents::Outcome::Failed { reason } => format!("FAILED    {reason}"),
        };
        writeln!(out, "{line}  <- {}", document.key)?;
    }
    writeln!(out, "{}", report.summary())?;
    if report.failed() == 0 {
        writeln!(
            out,
            "run `casesearch index` (or restart `serve`) to search them"
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn build_with_progress(corpus: &Path, index: &Path, mode: BuildMode) -> Result<BuildSummary> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} documents ({elapsed})")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    bar.set_message("indexing");
    let summary = index_corpus(
        corpus,
        index,
        mode,
        &|total| bar.set_length(total),
        &|done| bar.set_position(done),
    )
    .with_context(|| {
        format!(
            "building the index at {} from {}",
            index.display(),
            corpus.display()
        )
    })?;
    bar.finish_and_clear();
    for rejected in &summary.rejected {
        eprintln!("skipped: {rejected}");
    }
    if !summary.catalogue_folded.is_empty() {
        eprintln!(
            "catalogue: {} records folded into the full text of the same review",
            summary.catalogue_folded.len()
        );
    }
    if summary.overridden > 0 {
        eprintln!("overrides: {} records corrected", summary.overridden);
    }
    for id in &summary.overrides_unmatched {
        eprintln!("overrides: no record has the id {id:?} (a typo, a removed record, or a catalogue record folded into its full text?)");
    }
    let unknown: u64 = summary
        .meta
        .unknown_publishers
        .iter()
        .map(|(_, count)| count)
        .sum();
    let changes = &summary.meta.changes;
    if let Some(reason) = &changes.full_reason {
        eprintln!("full build: {reason}");
    }
    eprintln!(
        "{} build: {} added, {} updated, {} removed, {} unchanged",
        if changes.full { "full" } else { "incremental" },
        changes.added,
        changes.updated,
        changes.removed,
        changes.unchanged
    );
    eprintln!(
        "indexed {} documents in {:.1}s; {} skipped; {} with an unknown region{}",
        summary.meta.documents,
        summary.seconds,
        summary.rejected.len(),
        unknown,
        if unknown > 0 {
            let names: Vec<String> = summary
                .meta
                .unknown_publishers
                .iter()
                .map(|(name, count)| format!("{name} ({count})"))
                .collect();
            format!(": {}", names.join(", "))
        } else {
            String::new()
        }
    );
    Ok(summary)
}

fn print_theme_counts(summary: &BuildSummary) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "documents per theme ({} boilerplate sentences ignored):",
        summary.boilerplate_sentences
    )?;
    for (theme, count) in &summary.documents_per_theme {
        writeln!(out, "{count:>6}  {}  ({})", theme.label, theme.id)?;
    }
    Ok(())
}

/// How often `serve` looks for an index swapped in by `casesearch index`.
const INDEX_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

fn serve(corpus: &Path, index: &Path, addr: SocketAddr, admin_token: Option<String>) -> Result<()> {
    let engine = open_engine(index)?;
    let documents = engine.document_count();
    let mut state = casesearch_server::AppState::new(Arc::new(engine));
    if let Some(token) = admin_token {
        state = state.with_admin(token, casesearch::reindex_from_corpus(corpus, index));
        eprintln!("admin endpoints enabled (/api/admin/status, POST /api/admin/reindex)");
    }
    let app = casesearch_server::app(state.clone());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        tokio::spawn(casesearch_server::follow_index(
            state,
            index.to_path_buf(),
            INDEX_CHECK_INTERVAL,
        ));
        eprintln!(
            "serving {documents} documents at http://{addr}/ (JSON at /api/search); Ctrl-C stops"
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server failed")
    })
}

/// Ctrl-C or SIGTERM (how service managers stop us): stop accepting, finish in-flight requests.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}

/// Each slug as its value, or an error naming the first that is not one.
fn from_slugs<T>(slugs: &[String], parse: fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>> {
    slugs
        .iter()
        .map(|slug| parse(slug).with_context(|| format!("unknown {what} {slug:?}")))
        .collect()
}

fn search(corpus: &Path, index: &Path, args: SearchArgs) -> Result<ExitCode> {
    if let Some(reason) = index_staleness(corpus, index)? {
        bail!("the index is not current ({reason}); run `casesearch index` first");
    }
    let engine = open_engine(index)?;
    let types = from_slugs(&args.review_type, ReviewType::from_slug, "review type")?;
    let availability = from_slugs(&args.availability, Availability::from_slug, "availability")?;
    let age_bands = from_slugs(&args.age_band, AgeBand::from_slug, "age band")?;
    let request = SearchRequest {
        query: args.query,
        themes: args.theme,
        regions: args.region,
        types,
        publishers: Vec::new(),
        availability,
        age_bands,
        year_from: args.year_from,
        year_to: args.year_to,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
            SortArg::Oldest => Sort::Oldest,
        },
        page: 1,
        per_page: args.limit.clamp(1, casesearch_index::MAX_PER_PAGE),
        match_any: args.any,
        expand: false,
    };
    let results = engine.search(&request)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} documents", results.total)?;
    for hit in &results.hits {
        writeln!(out)?;
        writeln!(out, "{}  [{}]", hit.title, hit.id)?;
        writeln!(
            out,
            "  {} · {} · {}",
            hit.date.as_deref().unwrap_or("undated"),
            hit.review_type.label,
            hit.region.join(" / ")
        )?;
        for snippet in &hit.snippets {
            writeln!(
                out,
                "  {}: {}",
                snippet.section,
                terminal_text(&snippet.html)
            )?;
        }
        if !hit.themes.is_empty() {
            let labels: Vec<&str> = hit.themes.iter().map(|t| t.label.as_str()).collect();
            writeln!(out, "  themes: {}", labels.join("; "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Snippet HTML for a terminal: marks become *…*, entities decoded.
fn terminal_text(html: &str) -> String {
    html.replace("<mark>", "*")
        .replace("</mark>", "*")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn import_catalogue(corpus_dir: &Path, file: &Path) -> Result<ExitCode> {
    let import = casesearch_ingest::catalogue_file::import_catalogue(corpus_dir, file)
        .with_context(|| format!("importing {}", file.display()))?;
    for rejected in &import.rejected {
        eprintln!("skipped: {rejected}");
    }
    eprintln!("catalogue: {}", import.summary());
    eprintln!("run `casesearch index` (or let `serve` do it) to make them searchable");
    Ok(if import.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import_pfd(corpus_dir: &Path, file: &Path) -> Result<ExitCode> {
    let corpus = Corpus::open(corpus_dir)?;
    let collection = corpus
        .manifest()
        .collections
        .iter()
        .find(|collection| collection.name == "pfd")
        .context("the corpus manifest has no `pfd` collection")?;
    let regions = RegionTable::load(&corpus.regions_path())?;
    let import = pfd::import_pfd_reports(file, &regions)?;
    for rejected in &import.rejected {
        eprintln!("skipped: {rejected}");
    }
    let target = corpus.dir().join(&collection.records);
    corpus::write_records(&target, &import.reviews)?;
    eprintln!(
        "wrote {} reports to {} ({} skipped)",
        import.reviews.len(),
        target.display(),
        import.rejected.len()
    );
    Ok(if import.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
