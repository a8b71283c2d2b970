//! The pipeline glue behind the `casesearch` binary, which the tests call too: corpus →
//! catalogue (`casesearch-cataloguing`) → index ([`index_corpus`], [`index_staleness`]), the server's admin
//! reindex wiring ([`reindex_from_corpus`]), the hand-over of a crawl's raw store to
//! ingest ([`crawled_documents`]: the crawler and ingest know nothing of each other), and
//! relevance evaluation ([`eval`]), and theme reports and measurement ([`themes`]). The binary (`src/main.rs`, commands in `src/cli/`)
//! adds the command line, progress bars and the listening socket.
//!
//! ```no_run
//! let summary = casesearch::index_corpus(
//!     "corpus".as_ref(),
//!     "index".as_ref(),
//!     casesearch_index::BuildMode::Incremental,
//!     &|_| {},
//!     &|_| {},
//! )?;
//! println!("{} documents", summary.meta.documents);
//! let engine = casesearch::open_engine("index".as_ref())?;
//! let reindex = casesearch::reindex_from_corpus("corpus".as_ref(), "index".as_ref());
//! let state = casesearch_server::AppState::new(std::sync::Arc::new(engine))
//!     .with_admin("a-token-of-16-or-more".into(), reindex);
//! let _app = casesearch_server::app(state);
//! # Ok::<(), casesearch::PipelineError>(())
//! ```

mod crawled;
pub mod eval;
pub mod themes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use casesearch_cataloguing::{CatalogueError, Cataloguer};
use casesearch_index::{
    update_index, BuildInputs, BuildMode, CorpusFileStamp, Engine, IndexError, IndexMeta,
    SynonymEntry, ThemeLabel, Thesaurus, ThesaurusError,
};
use casesearch_ingest::{Corpus, IngestError};
use casesearch_server::admin::{Reindex, ReindexError};

pub use crawled::crawled_documents;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("thesaurus {path}: {source}")]
    Thesaurus {
        path: PathBuf,
        source: ThesaurusError,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("theme coding {path}: {message}")]
    Coding { path: PathBuf, message: String },
}

/// The corpus's thesaurus, checked (none if the corpus has no `synonyms.toml`). A bad
/// entry is an error that names it: the build stops rather than search without it.
pub fn read_thesaurus(corpus: &Corpus) -> Result<Vec<SynonymEntry>, PipelineError> {
    let path = corpus.synonyms_path();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|source| PipelineError::Read {
        path: path.clone(),
        source,
    })?;
    let thesaurus =
        Thesaurus::from_toml(&text).map_err(|source| PipelineError::Thesaurus { path, source })?;
    Ok(thesaurus.entries().to_vec())
}

/// What an index build did, for the one-line summary and the closing report.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub meta: IndexMeta,
    /// Records that could not be read, with why.
    pub rejected: Vec<String>,
    /// Documents tagged with each theme, in the rules file's order.
    pub documents_per_theme: Vec<(ThemeLabel, u64)>,
    pub boilerplate_sentences: usize,
    /// Catalogue records folded into the full text of the same review
    /// (`(catalogue id, full text id)`).
    pub catalogue_folded: Vec<(String, String)>,
    /// Records the overrides file corrected.
    pub overridden: usize,
    /// Ids in the overrides file that no record has (a typo, or a removed record).
    pub overrides_unmatched: Vec<String>,
    pub seconds: f64,
}

/// Rebuilds the index at `index_dir` from the corpus at `corpus_dir`, every document
/// afresh. `on_start` gets the number of documents, `on_progress` the number done so far.
pub fn rebuild_index(
    corpus_dir: &Path,
    index_dir: &Path,
    on_start: &dyn Fn(u64),
    on_progress: &dyn Fn(u64),
) -> Result<BuildSummary, PipelineError> {
    index_corpus(
        corpus_dir,
        index_dir,
        BuildMode::Full,
        on_start,
        on_progress,
    )
}

/// Brings the index at `index_dir` up to date with the corpus at `corpus_dir`; with
/// [`BuildMode::Incremental`] only new, changed and removed documents are touched
/// (`summary.meta.changes` counts them).
pub fn index_corpus(
    corpus_dir: &Path,
    index_dir: &Path,
    mode: BuildMode,
    on_start: &dyn Fn(u64),
    on_progress: &dyn Fn(u64),
) -> Result<BuildSummary, PipelineError> {
    let started = Instant::now();
    let corpus = Corpus::open(corpus_dir)?;
    // Stamped before reading: a file edited during the build then no longer matches
    // its stamp, and the next start-up hashes the corpus again.
    let corpus_files = relative_input_files(&corpus)
        .iter()
        .map(|relative| CorpusFileStamp::read(corpus.dir(), relative))
        .collect::<Result<Vec<_>, _>>()?;
    let fingerprint = corpus.fingerprint()?;
    let synonyms = read_thesaurus(&corpus)?;
    let mut records = corpus.read_reviews()?;
    // A catalogue entry for a review we hold in full is shown once, as the full text.
    let (reviews, catalogue_folded) =
        casesearch_ingest::catalogue_file::fold_into_full_texts(records.reviews);
    records.reviews = reviews;
    let cataloguer = Cataloguer::load(&corpus.catalogue_files(), &records.reviews)?;
    on_start(records.reviews.len() as u64);
    let rejected: Vec<String> = records.rejected.iter().map(ToString::to_string).collect();
    let catalogued = cataloguer.catalogue_all(records.reviews);

    let rules = cataloguer.tagger().rules();
    let themes: Vec<ThemeLabel> = rules
        .themes
        .iter()
        .map(|theme| ThemeLabel {
            id: theme.id.clone(),
            label: theme.label.clone(),
            definition: theme.definition.clone(),
            source: theme.source.clone(),
            child_only: theme.child_only,
        })
        .collect();
    let ids: Vec<&str> = catalogued.iter().map(|c| c.review.id.as_str()).collect();
    let overrides_unmatched: Vec<String> = cataloguer
        .overrides()
        .unmatched(&ids)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let overridden = cataloguer.overrides().len() - overrides_unmatched.len();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for tag in catalogued.iter().flat_map(|review| &review.themes) {
        *counts.entry(tag.id.as_str()).or_default() += 1;
    }
    let documents_per_theme = themes
        .iter()
        .map(|theme| {
            (
                theme.clone(),
                counts.get(theme.id.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();

    let inputs = BuildInputs {
        corpus_fingerprint: fingerprint,
        themes_version: rules.version.clone(),
        regions_version: cataloguer.regions().version().to_owned(),
        themes,
        corpus_files,
        synonyms,
    };
    let meta = update_index(index_dir, &catalogued, inputs, mode, on_progress)?;
    Ok(BuildSummary {
        meta,
        rejected,
        documents_per_theme,
        boilerplate_sentences: cataloguer.tagger().boilerplate_sentence_count(),
        overridden,
        overrides_unmatched,
        catalogue_folded,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Why the index at `index_dir` must be rebuilt for the corpus, or `None` if it is current.
///
/// When every corpus file has the size and modification time recorded at build time,
/// the corpus is the one the index was built from and is not read; otherwise it is
/// hashed and compared with the recorded fingerprint (a file only touched is current).
pub fn index_staleness(
    corpus_dir: &Path,
    index_dir: &Path,
) -> Result<Option<String>, PipelineError> {
    let corpus = Corpus::open(corpus_dir)?;
    let Some(meta) = IndexMeta::read(index_dir)? else {
        return Ok(Some(format!(
            "there is no index at {}",
            index_dir.display()
        )));
    };
    let files = relative_input_files(&corpus);
    let files: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    if meta.corpus_files_unchanged(corpus.dir(), &files) {
        return Ok(meta.staleness(&meta.corpus_fingerprint));
    }
    Ok(meta.staleness(&corpus.fingerprint()?))
}

/// The corpus's input files relative to its directory, as index metas record them.
fn relative_input_files(corpus: &Corpus) -> Vec<PathBuf> {
    corpus
        .input_files()
        .into_iter()
        .map(|path| {
            path.strip_prefix(corpus.dir())
                .map(Path::to_path_buf)
                .unwrap_or(path)
        })
        .collect()
}

/// Opens the index, which must exist.
pub fn open_engine(index_dir: &Path) -> Result<Engine, PipelineError> {
    Ok(Engine::open(index_dir)?)
}

/// Opens the index for serving, first rebuilding it from the corpus (the source of
/// truth) when it is missing, out of date, or damaged: a record that cannot be read, a
/// file missing, or a file failing its checksum. `rebuild` is told why, and how, before
/// each build, and does it (the CLI shows progress).
pub fn open_or_rebuild_index<E: From<PipelineError>>(
    corpus_dir: &Path,
    index_dir: &Path,
    rebuild: &dyn Fn(&str, BuildMode) -> Result<(), E>,
) -> Result<Engine, E> {
    match index_staleness(corpus_dir, index_dir) {
        Ok(None) => {}
        Ok(Some(reason)) => rebuild(&reason, BuildMode::Incremental)?,
        // The corpus itself unreadable is the librarian's to fix; no build would help.
        Err(err @ (PipelineError::Ingest(_) | PipelineError::Catalogue(_))) => {
            return Err(err.into())
        }
        Err(err) => rebuild(
            &format!("the index's record cannot be read ({err}); rebuilding it in full"),
            BuildMode::Full,
        )?,
    }
    let opened = Engine::open(index_dir).and_then(|engine| {
        engine.verify_files(index_dir)?;
        Ok(engine)
    });
    match opened {
        Ok(engine) => Ok(engine),
        Err(err) => {
            rebuild(
                &format!("the index is damaged ({err}); rebuilding it in full from the corpus"),
                BuildMode::Full,
            )?;
            Ok(open_engine(index_dir)?)
        }
    }
}

/// What the server's admin endpoint runs to reindex: brings the index at `index_dir` up
/// to date with the corpus at `corpus_dir` (beside the live index, which keeps serving)
/// and opens the result. A build already holding the index's lock, such as
/// `casesearch index` run by hand, is reported as such, not as a failure.
pub fn reindex_from_corpus(corpus_dir: &Path, index_dir: &Path) -> Reindex {
    let (corpus_dir, index_dir) = (corpus_dir.to_path_buf(), index_dir.to_path_buf());
    Arc::new(move |mode| {
        index_corpus(&corpus_dir, &index_dir, mode, &|_| {}, &|_| {})
            .and_then(|_| open_engine(&index_dir))
            .map_err(|err| match err {
                PipelineError::Index(err) => ReindexError::from(err),
                other => ReindexError::Failed(other.to_string()),
            })
    })
}
