use std::path::{Path, PathBuf};

/// A cataloguing file that cannot be used: the theme rules, the regions table or the
/// overrides file. Each says which file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid themes file {path}: {message}")]
    InvalidThemes { path: PathBuf, message: String },
    #[error("invalid regions table {path}: {message}")]
    InvalidRegions { path: PathBuf, message: String },
    #[error("invalid overrides file {path}: {message}")]
    InvalidOverrides { path: PathBuf, message: String },
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, CatalogueError> {
    std::fs::read_to_string(path).map_err(|source| CatalogueError::Read {
        path: path.to_path_buf(),
        source,
    })
}
