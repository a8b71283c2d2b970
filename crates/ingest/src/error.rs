use std::path::PathBuf;

/// Everything that can go wrong between a source and a catalogued review.
///
/// Problems with one record ([`IngestError::InvalidRecord`]) are reported per item by
/// the callers and never stop a run; the others concern a whole file.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid corpus manifest {path}: {message}")]
    InvalidManifest { path: PathBuf, message: String },
    #[error("{path}, line {line}: {message}")]
    InvalidRecord {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The theme rules, regions table or overrides file cannot be used.
    #[error(transparent)]
    Catalogue(#[from] casesearch_cataloguing::CatalogueError),
    #[error("invalid catalogue {path}: {message}")]
    InvalidCatalogue { path: PathBuf, message: String },
    #[error("the corpus cannot take new documents: {0}")]
    Refused(String),
    /// Another ingest or import holds the corpus's write lock: nothing was written, and
    /// the caller may run again when it is done.
    #[error("another ingest or import is writing to this corpus (it holds {0}); run this again when it has finished")]
    CorpusBusy(PathBuf),
}
