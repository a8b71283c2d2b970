/// Errors of the index crate. The first group are the user's mistakes (the server
/// answers them with a 400 and a specific code, [`IndexError::user_mistake`] says which);
/// the rest are ours.
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

/// The mistakes a user can make in a request, one per user-error variant of
/// [`IndexError`]: callers that answer users (the server) give each its own status and
/// code, and treat every other error as internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserMistake {
    InvalidQuery,
    UnknownQueryField,
    QueryTooLong,
    UnknownTheme,
}

impl IndexError {
    /// The user's mistake this error is, or `None` when the engine, not the request,
    /// was at fault. Every variant is listed, so a new one must be placed here.
    pub fn user_mistake(&self) -> Option<UserMistake> {
        match self {
            IndexError::InvalidQuery(_) => Some(UserMistake::InvalidQuery),
            IndexError::UnknownQueryField { .. } => Some(UserMistake::UnknownQueryField),
            IndexError::QueryTooLong { .. } => Some(UserMistake::QueryTooLong),
            IndexError::UnknownTheme(_) => Some(UserMistake::UnknownTheme),
            IndexError::Missing(_)
            | IndexError::Incompatible { .. }
            | IndexError::Io { .. }
            | IndexError::BuildRunning(_)
            | IndexError::CorruptRecord(_)
            | IndexError::Tantivy(_) => None,
        }
    }

    /// Whether the request, not the engine, was at fault.
    pub fn is_user_error(&self) -> bool {
        self.user_mistake().is_some()
    }

    /// Whether another build holds the index's lock: nothing failed, try again later.
    pub fn is_build_running(&self) -> bool {
        matches!(self, IndexError::BuildRunning(_))
    }
}
