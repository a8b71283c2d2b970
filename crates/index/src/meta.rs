//! What an index records about itself, in `casesearch.json` beside tantivy's files:
//! which schema and which corpus (fingerprint) it was built from, when, and with what
//! result. `serve` compares this with the corpus to decide whether to rebuild.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::build::BuildChanges;
use crate::query::thesaurus::SynonymEntry;
use crate::schema::SCHEMA_VERSION;
use crate::IndexError;

pub const META_FILE: &str = "casesearch.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndexMeta {
    pub schema_version: u32,
    /// Digest of the corpus inputs the index was built from.
    pub corpus_fingerprint: String,
    pub themes_version: String,
    pub regions_version: String,
    /// RFC 3339 time the build finished.
    pub built_at: String,
    pub build_seconds: f64,
    pub documents: u64,
    /// Theme ids and labels, in the rules file's order, so facets can be labelled
    /// without the rules file.
    pub themes: Vec<ThemeLabel>,
    /// Publishers the regions table did not know, with their document counts.
    pub unknown_publishers: Vec<(String, u64)>,
    /// What the build changed compared with the index it replaced.
    #[serde(default)]
    pub changes: BuildChanges,
    /// Size and modification time of each corpus input file, taken before the build
    /// read them. While they still match, the corpus is the one fingerprinted, and
    /// start-up need not hash it again (SHA-256 of 359 MB took 2 s at 100×).
    #[serde(default)]
    pub corpus_files: Vec<CorpusFileStamp>,
    /// The thesaurus the index was built with (`corpus/synonyms.toml`), applied at
    /// query time.
    #[serde(default)]
    pub synonyms: Vec<SynonymEntry>,
}

/// A corpus file's size and modification time: what `make` and `rsync` compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CorpusFileStamp {
    /// Relative to the corpus directory, so a copied corpus (`rsync -a`, `cp -p`) still
    /// matches.
    pub path: String,
    pub bytes: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified_nanos: u128,
}

impl CorpusFileStamp {
    /// The stamp of `dir`/`relative`, as the file system has it now.
    pub fn read(dir: &Path, relative: &Path) -> Result<CorpusFileStamp, IndexError> {
        let path = dir.join(relative);
        let metadata = std::fs::metadata(&path).map_err(|source| IndexError::Io {
            path: path.clone(),
            source,
        })?;
        let modified = metadata
            .modified()
            .map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        Ok(CorpusFileStamp {
            path: relative.to_string_lossy().into_owned(),
            bytes: metadata.len(),
            modified_nanos: modified,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeLabel {
    pub id: String,
    pub label: String,
    /// What the theme covers, from the rules file (shown on `/themes`).
    #[serde(default)]
    pub definition: String,
    /// Where the theme and its definition come from.
    #[serde(default)]
    pub source: String,
    /// Never given to a document whose subject is an adult.
    #[serde(default)]
    pub child_only: bool,
}

impl IndexMeta {
    /// Reads the meta file of an index directory; `Ok(None)` if there is no index.
    pub fn read(dir: &Path) -> Result<Option<IndexMeta>, IndexError> {
        let path = dir.join(META_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(IndexError::Io { path, source }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|err| IndexError::Incompatible {
                path: dir.to_path_buf(),
                reason: format!("unreadable {META_FILE}: {err}"),
            })
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(META_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|err| IndexError::Io {
            path: path.clone(),
            source: err.into(),
        })?;
        std::fs::write(&path, text).map_err(|source| IndexError::Io { path, source })
    }

    /// Whether the corpus at `dir`, whose input files are `relative_files`, has exactly
    /// the files, sizes and modification times recorded at build time. False when the
    /// index recorded none (built before stamps existed) or any file cannot be read.
    pub fn corpus_files_unchanged(&self, dir: &Path, relative_files: &[&Path]) -> bool {
        !self.corpus_files.is_empty()
            && self.corpus_files.len() == relative_files.len()
            && self
                .corpus_files
                .iter()
                .zip(relative_files)
                .all(|(recorded, relative)| {
                    CorpusFileStamp::read(dir, relative).is_ok_and(|now| now == *recorded)
                })
    }

    /// Why an index with this meta cannot serve a corpus with `fingerprint`, if it can't.
    pub fn staleness(&self, fingerprint: &str) -> Option<String> {
        if self.schema_version != SCHEMA_VERSION {
            Some(format!(
                "built with schema {}, this binary uses schema {SCHEMA_VERSION}",
                self.schema_version
            ))
        } else if self.corpus_fingerprint != fingerprint {
            Some("the corpus, theme rules or regions table changed since it was built".into())
        } else {
            None
        }
    }
}
