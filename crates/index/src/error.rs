/// Errors of the index crate. The first group are the user's mistakes (the server
/// answers them with a 400 and a specific code); the rest are ours.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("unknown field {field:?} in query (searchable fields: {known})")]
    UnknownQueryField { field: String, known: String },
    #[error("query is longer than {max} characters")]
    QueryTooLong { max: usize },
    #[error("unknown theme {0:?}")]
    UnknownTheme(String),

    #[error("no index at {0} (run `casesearch index`)")]
    Missing(std::path::PathBuf),
    #[error("index at {path} cannot be used: {reason}")]
    Incompatible {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("index I/O error at {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("another index build is running (it holds {0})")]
    BuildRunning(std::path::PathBuf),
    #[error("stored record is corrupt: {0}")]
    CorruptRecord(String),
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
}

impl IndexError {
    /// Whether the request, not the engine, was at fault.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            IndexError::InvalidQuery(_)
                | IndexError::UnknownQueryField { .. }
                | IndexError::QueryTooLong { .. }
                | IndexError::UnknownTheme(_)
        )
    }
}
