//! The command line's flags and subcommands (clap), and nothing else: what each command
//! does is in its own module beside this one.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Full-text, faceted search over UK child safeguarding case reviews.
///
/// The bundled corpus (./corpus) is indexed into ./index on first use; `serve` then
/// offers a search page and a JSON API.
#[derive(Parser)]
#[command(name = "casesearch", version, propagate_version = true)]
pub struct Cli {
    /// Corpus directory (holds manifest.toml).
    #[arg(
        long,
        global = true,
        env = "CASESEARCH_CORPUS",
        default_value = "corpus"
    )]
    pub corpus: PathBuf,
    /// Index directory (built, never edited by hand).
    #[arg(long, global = true, env = "CASESEARCH_INDEX", default_value = "index")]
    pub index: PathBuf,
    /// Log lines as text for people or JSON for log collectors (level: RUST_LOG).
    #[arg(
        long,
        global = true,
        env = "CASESEARCH_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the search page and JSON API, building the index first if it is missing or out of date.
    Serve(ServeFlags),
    /// Bring the index up to date with the corpus (only changed documents) and print a summary.
    ///
    /// Safe while `serve` runs: the new index is built beside the live one and swapped in
    /// whole; the server notices and switches to it.
    Index {
        /// Re-index every document, not only the changed ones.
        #[arg(long)]
        full: bool,
    },
    /// Report on the theme rules: per theme, how many documents it tags and sample evidence;
    /// with --compare, what a changed rules file would add and remove; with --coding, precision,
    /// recall and F1 against hand coding.
    Themes(ThemesFlags),
    /// Search from the terminal.
    Search(SearchFlags),
    /// Measure relevance on a TREC-style test collection (e.g. CACM): MAP, P@10, P@30, nDCG@10.
    Eval(EvalFlags),
    /// Print a PDF's text page by page, as the index will see it.
    Extract {
        /// The PDF file.
        file: PathBuf,
        #[command(flatten)]
        ocr: OcrFlags,
    },
    /// Add local PDFs (files or whole folders), or the documents of crawled sources, to
    /// the corpus; the next `index` (or `serve`) makes them searchable with "p. N" on hits.
    ///
    /// Re-ingesting an unchanged file is a no-op; a changed file replaces its old version.
    Ingest(IngestFlags),
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
pub struct ServeFlags {
    /// Address to listen on.
    #[arg(long, env = "CASESEARCH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Enables /api/admin/* for requests bearing this token (prefer the env var or a file).
    #[arg(long, env = "CASESEARCH_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Read the admin token from this file (first line).
    #[arg(long, conflicts_with = "admin_token")]
    pub admin_token_file: Option<PathBuf>,
    /// Where people reach this service (scheme, host, optional path), e.g.
    /// https://search.example.org; the Atom feed's ids and links are built on it.
    /// Default: http:// and the listening address.
    #[arg(long, env = "CASESEARCH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a client may take to send a request's headers, and a kept-alive
    /// connection may sit idle.
    #[arg(long, env = "CASESEARCH_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request may run before it is answered 503.
    #[arg(long, env = "CASESEARCH_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Connections open at once (lowered to fit `ulimit -n`); more are answered 503.
    #[arg(long, env = "CASESEARCH_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Requests answered at once; more are answered 503 with Retry-After.
    #[arg(long, env = "CASESEARCH_MAX_IN_FLIGHT", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_in_flight: u64,
}

#[derive(clap::Args)]
pub struct SearchFlags {
    /// Query in tantivy syntax: words, "phrases", AND/OR/NOT, title:/text:/publisher:.
    #[arg(default_value = "")]
    pub query: String,
    /// Only documents with this theme id (repeatable; any of them).
    #[arg(long)]
    pub theme: Vec<String>,
    /// Only documents in this region path, e.g. England or "England/London" (repeatable).
    #[arg(long)]
    pub region: Vec<String>,
    /// Only documents of this type, e.g. pfd (repeatable).
    #[arg(long = "type")]
    pub review_type: Vec<String>,
    /// Only documents from this publisher, exactly as named in results (repeatable).
    #[arg(long)]
    pub publisher: Vec<String>,
    /// Only documents with this availability: published, link_removed, withdrawn,
    /// delayed, not_published (repeatable).
    #[arg(long)]
    pub availability: Vec<String>,
    /// Only reviews whose subject is in this age band: under-1, 1-4, 5-10, 11-15, 16-17
    /// (repeatable).
    #[arg(long)]
    pub age_band: Vec<String>,
    /// Only documents from this year on.
    #[arg(long)]
    pub year_from: Option<u64>,
    /// Only documents up to this year (inclusive).
    #[arg(long)]
    pub year_to: Option<u64>,
    /// Order of the hits.
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    /// Number of hits to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Refuse text that is not valid query syntax instead of searching it as words.
    #[arg(long)]
    pub strict: bool,
    /// Do not also search the thesaurus's alternatives ("HV" → "health visitor").
    #[arg(long)]
    pub no_synonyms: bool,
    /// Expand the query with words from its best matches (RM3).
    #[arg(long)]
    pub expand: bool,
    /// Print why this document (by id) scores what it does for the query, and stop.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,
    /// Print the results as JSON (hits and facets), as the HTTP API does.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ThemesFlags {
    /// Use this rules file instead of the corpus's themes.toml.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// A changed rules file: list the documents each theme would gain and lose.
    #[arg(long, conflicts_with = "coding")]
    pub compare: Option<PathBuf>,
    /// Evidence sentences shown per theme.
    #[arg(long, default_value_t = 2)]
    pub samples: usize,
    /// A folder of hand coding (tests/fixtures/theme-coding): print precision, recall and F1.
    #[arg(long)]
    pub coding: Option<PathBuf>,
    /// Folder the coding's specimen `file` paths are relative to.
    #[arg(long, default_value = "tests")]
    pub tests_dir: PathBuf,
    /// Which half of the coding to score.
    #[arg(long, value_enum, default_value = "held-back")]
    pub half: CodingHalf,
    /// With --coding, also list each document where the tagger and the coder disagree.
    #[arg(long)]
    pub differences: bool,
    /// With --differences, also print the evidence of each tag the coder did not give.
    #[arg(long, requires = "differences")]
    pub evidence: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CodingHalf {
    Tune,
    HeldBack,
    All,
}

#[derive(clap::Args)]
pub struct EvalFlags {
    /// Directory of documents, one file each, named by document id (HTML tags are stripped).
    #[arg(long)]
    pub docs: PathBuf,
    /// Topics file (`<DOC><DOCNO> n </DOCNO> text </DOC>`).
    #[arg(long)]
    pub topics: PathBuf,
    /// Relevance judgements (`topic 0 doc relevance`).
    #[arg(long)]
    pub qrels: PathBuf,
    /// Also write the run in TREC format here, for inspection or trec_eval.
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// BM25 k1, to compare with the default.
    #[arg(long)]
    pub k1: Option<f32>,
    /// BM25 b, to compare with the default.
    #[arg(long)]
    pub b: Option<f32>,
    /// Title boost, to compare with the default.
    #[arg(long)]
    pub title_boost: Option<f32>,
    /// Expand each topic with pseudo-relevance feedback (RM3).
    #[arg(long)]
    pub expand: bool,
    /// Search without the corpus's thesaurus.
    #[arg(long)]
    pub no_synonyms: bool,
    /// Coordination exponent (0: plain BM25 sum), to compare with the default.
    #[arg(long)]
    pub coordination: Option<f32>,
    /// Proximity bonus weight (0: none), to compare with the default.
    #[arg(long)]
    pub proximity: Option<f32>,
    /// Proximity window (words allowed between two query words).
    #[arg(long)]
    pub proximity_slop: Option<u32>,
    /// Rank documents with every concept first only for queries of up to this many
    /// concepts (0: never).
    #[arg(long)]
    pub tier_max: Option<usize>,
    /// RM3 original-query weight, to compare with the default 0.6 (Anserini: 0.5).
    #[arg(long)]
    pub rm3_weight: Option<f32>,
}

#[derive(clap::Args)]
pub struct IngestFlags {
    /// PDF files, or folders searched for *.pdf.
    #[arg(required_unless_present = "sources", conflicts_with = "sources")]
    pub paths: Vec<PathBuf>,
    /// Publisher of these documents (partnership or board), e.g. "Lancashire Safeguarding Children Partnership".
    #[arg(long)]
    pub publisher: Option<String>,
    /// Review type slug, e.g. local-child-safeguarding-practice-review.
    #[arg(long = "type")]
    pub review_type: Option<String>,
    /// Crawl the sources in this file (e.g. corpus/sources.toml) and add what they publish.
    #[arg(long)]
    pub sources: Option<PathBuf>,
    /// With --sources: fetch listing pages only and list what would be fetched.
    #[arg(long, requires = "sources")]
    pub dry_run: bool,
    /// With --sources: where fetched bytes and their provenance are kept.
    #[arg(long, default_value = "raw")]
    pub store: PathBuf,
    #[command(flatten)]
    pub ocr: OcrFlags,
}

/// OCR of pages without a usable text layer (scans), with Tesseract when installed.
#[derive(clap::Args, Clone)]
pub struct OcrFlags {
    /// OCR: `auto` uses Tesseract when it is installed, `off` only lists such pages as
    /// needing OCR, `require` fails if Tesseract (or the language) is missing.
    #[arg(
        long = "ocr",
        value_enum,
        default_value = "auto",
        env = "CASESEARCH_OCR"
    )]
    pub mode: OcrMode,
    /// Tesseract language(s), joined by `+` (e.g. eng+cym).
    #[arg(long = "ocr-lang", default_value = "eng", env = "CASESEARCH_OCR_LANG")]
    pub language: String,
    /// Resolution pages are rendered at for OCR.
    #[arg(long = "ocr-dpi", default_value_t = 300, env = "CASESEARCH_OCR_DPI",
          value_parser = clap::value_parser!(u32).range(50..=1200))]
    pub dpi: u32,
    /// Time budget for OCR of one document, in seconds.
    #[arg(
        long = "ocr-budget",
        default_value_t = 600,
        env = "CASESEARCH_OCR_BUDGET"
    )]
    pub budget_secs: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OcrMode {
    Auto,
    Off,
    Require,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SortArg {
    Relevance,
    Newest,
    Oldest,
}
