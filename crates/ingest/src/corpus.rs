//! The on-disk corpus format.
//!
//! ```text
//! corpus/
//!   manifest.toml        format version, the themes and regions files, the collections
//!   themes.toml          theme rules (see `themes`)
//!   regions.csv          publisher → nation / region table (see `regions`)
//!   pfd/records.jsonl    one `Review` as JSON per line
//!   pfd/SOURCES.md       where the collection came from, its licence and attribution
//! ```
//!
//! A collection is a set of records from one source. Records are plain JSON so a
//! librarian can read, diff and grep them; PDFs and web pages (later sources) become
//! records of the same shape, with one section per page.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use casesearch_model::Review;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::IngestError;

/// The version of this format; a reader refuses manifests of another version.
pub const FORMAT_VERSION: u32 = 1;

pub const MANIFEST_FILE: &str = "manifest.toml";
/// The thesaurus, beside the manifest.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// Theme rules file, relative to the corpus directory.
    pub themes: PathBuf,
    /// Regions table, relative to the corpus directory.
    pub regions: PathBuf,
    #[serde(rename = "collection", default)]
    pub collections: Vec<Collection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    /// Short machine name, also the prefix of its record ids.
    pub name: String,
    pub title: String,
    /// JSON Lines file of `Review`s, relative to the corpus directory.
    pub records: PathBuf,
    /// Where the documents came from.
    pub source: String,
    /// The line that must accompany any use of the documents.
    pub attribution: String,
    pub licence: String,
}

/// An opened corpus directory.
#[derive(Debug, Clone)]
pub struct Corpus {
    dir: PathBuf,
    manifest: Manifest,
}

/// What reading a corpus's records produced: the good records, and one error per bad
/// line (a bad line never hides the rest).
#[derive(Debug, Default)]
pub struct CorpusRecords {
    pub reviews: Vec<Review>,
    pub rejected: Vec<IngestError>,
}

impl Corpus {
    pub fn open(dir: impl AsRef<Path>) -> Result<Corpus, IngestError> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(MANIFEST_FILE);
        let text = read_to_string(&path)?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|err| IngestError::InvalidManifest {
                path: path.clone(),
                message: err.message().to_owned(),
            })?;
        if manifest.format != FORMAT_VERSION {
            return Err(IngestError::InvalidManifest {
                path,
                message: format!(
                    "format {} is not supported (this build reads format {FORMAT_VERSION})",
                    manifest.format
                ),
            });
        }
        Ok(Corpus { dir, manifest })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn themes_path(&self) -> PathBuf {
        self.dir.join(&self.manifest.themes)
    }

    /// The librarian's thesaurus (optional): acronyms and equivalent phrasings applied
    /// at query time (see `casesearch_index::Thesaurus`).
    pub fn synonyms_path(&self) -> PathBuf {
        self.dir.join(SYNONYMS_FILE)
    }

    /// The librarian's overrides (optional: see `casesearch_cataloguing::overrides`).
    pub fn overrides_path(&self) -> PathBuf {
        self.dir.join(casesearch_cataloguing::overrides::FILE)
    }

    pub fn regions_path(&self) -> PathBuf {
        self.dir.join(&self.manifest.regions)
    }

    /// The theme rules, regions table and overrides this corpus is catalogued with.
    pub fn catalogue_files(&self) -> casesearch_cataloguing::CatalogueFiles {
        casesearch_cataloguing::CatalogueFiles {
            themes: self.themes_path(),
            regions: self.regions_path(),
            overrides: self.overrides_path(),
        }
    }

    /// Reads every collection's records. Lines that do not parse, and records whose id
    /// was already seen, are returned as errors beside the good records.
    pub fn read_reviews(&self) -> Result<CorpusRecords, IngestError> {
        let mut records = CorpusRecords::default();
        let mut seen_ids = HashSet::new();
        for collection in &self.manifest.collections {
            self.read_into(collection, &mut seen_ids, &mut records)?;
        }
        Ok(records)
    }

    /// One collection's records by id, for a command that rewrites its file (`doing`
    /// names it in the error). Refused if any line cannot be read: rewriting the file
    /// would drop that line, and the librarian must see it first.
    pub(crate) fn records_to_rewrite(
        &self,
        name: &str,
        doing: &str,
    ) -> Result<BTreeMap<String, Review>, IngestError> {
        let existing = self.read_collection(name)?;
        if let Some(bad) = existing.rejected.first() {
            return Err(IngestError::Refused(format!(
                "{bad}; fix or remove that line before {doing} more"
            )));
        }
        Ok(existing
            .reviews
            .into_iter()
            .map(|review| (review.id.clone(), review))
            .collect())
    }

    /// Reads one collection's records (none if the manifest has no such collection).
    pub fn read_collection(&self, name: &str) -> Result<CorpusRecords, IngestError> {
        let mut records = CorpusRecords::default();
        for collection in self.manifest.collections.iter().filter(|c| c.name == name) {
            self.read_into(collection, &mut HashSet::new(), &mut records)?;
        }
        Ok(records)
    }

    fn read_into(
        &self,
        collection: &Collection,
        seen_ids: &mut HashSet<String>,
        records: &mut CorpusRecords,
    ) -> Result<(), IngestError> {
        let path = self.dir.join(&collection.records);
        let file = fs::File::open(&path).map_err(|source| IngestError::Read {
            path: path.clone(),
            source,
        })?;
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|source| IngestError::Read {
                path: path.clone(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let invalid = |message: String| IngestError::InvalidRecord {
                path: path.clone(),
                line: index + 1,
                message,
            };
            match serde_json::from_str::<Review>(&line) {
                Ok(review) if !seen_ids.insert(review.id.clone()) => records
                    .rejected
                    .push(invalid(format!("duplicate review id {:?}", review.id))),
                Ok(review) => records.reviews.push(review),
                Err(err) => records.rejected.push(invalid(err.to_string())),
            }
        }
        Ok(())
    }

    /// Every file an index depends on, the ones [`Corpus::fingerprint`] digests: the
    /// manifest, theme rules, regions table, each collection's records and the overrides.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut files = vec![
            self.dir.join(MANIFEST_FILE),
            self.themes_path(),
            self.regions_path(),
        ];
        files.extend(
            self.manifest
                .collections
                .iter()
                .map(|collection| self.dir.join(&collection.records)),
        );
        // Optional: their absence is part of the fingerprint too (no bytes).
        for optional in [self.overrides_path(), self.synonyms_path()] {
            if optional.exists() {
                files.push(optional);
            }
        }
        files
    }

    /// A digest of everything an index built from this corpus depends on: the manifest,
    /// every records file, the theme rules, the regions table, the overrides and the
    /// thesaurus. Any
    /// edit changes it, which is how `serve` knows the index is out of date.
    pub fn fingerprint(&self) -> Result<String, IngestError> {
        let mut hasher = Sha256::new();
        for path in self.input_files() {
            let bytes = fs::read(&path).map_err(|source| IngestError::Read {
                path: path.clone(),
                source,
            })?;
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        Ok(format!("{:x}", hasher.finalize()))
    }
}

/// Adds `collection` to the corpus's manifest, with an empty records file, unless the
/// manifest already lists a collection of that name. The librarian's comments and
/// layout in the manifest are kept: the new table is appended.
pub(crate) fn ensure_collection(
    corpus_dir: &Path,
    collection: &Collection,
) -> Result<(), IngestError> {
    let corpus = Corpus::open(corpus_dir)?;
    if corpus
        .manifest()
        .collections
        .iter()
        .any(|existing| existing.name == collection.name)
    {
        return Ok(());
    }
    let manifest = corpus.dir().join(MANIFEST_FILE);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| IngestError::Write { path, source }
    };
    let mut text = read_to_string(&manifest)?;
    let quoted = |value: &str| toml::Value::String(value.to_owned()).to_string();
    text.push_str(&format!(
        "\n[[collection]]\nname = {}\ntitle = {}\nrecords = {}\nsource = {}\nattribution = {}\nlicence = {}\n",
        quoted(&collection.name),
        quoted(&collection.title),
        quoted(&collection.records.to_string_lossy()),
        quoted(&collection.source),
        quoted(&collection.attribution),
        quoted(&collection.licence),
    ));
    let records = corpus.dir().join(&collection.records);
    if let Some(parent) = records.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    if !records.exists() {
        write_atomically(&records, b"")?;
    }
    write_atomically(&manifest, text.as_bytes())
}

/// The file whose lock a writer of the corpus holds (`ingest`, `import-catalogue`,
/// `import-pfd`), inside the corpus so it travels with it.
pub const WRITE_LOCK_FILE: &str = ".write.lock";

/// One writer at a time per corpus. Each writer reads a collection, adds to it and
/// writes it back whole, so two at once would each drop the other's records; the second
/// is refused instead (as a second index build is), before it reads anything. The lock
/// is the operating system's, on an open file: a crashed writer leaves nothing to clean.
#[derive(Debug)]
pub struct CorpusWriteLock {
    _file: fs::File,
}

impl CorpusWriteLock {
    pub fn acquire(corpus_dir: &Path) -> Result<CorpusWriteLock, IngestError> {
        let path = corpus_dir.join(WRITE_LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| IngestError::Write {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(CorpusWriteLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(IngestError::CorpusBusy(path)),
            Err(fs::TryLockError::Error(source)) => Err(IngestError::Write { path, source }),
        }
    }
}

/// Writes records as JSON Lines, replacing the file atomically so a reader never sees
/// half a collection.
pub fn write_records(path: &Path, reviews: &[Review]) -> Result<(), IngestError> {
    let mut text = Vec::new();
    for review in reviews {
        let line = serde_json::to_string(review).map_err(|err| IngestError::Write {
            path: path.to_path_buf(),
            source: err.into(),
        })?;
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    write_atomically(path, &text)
}

/// Replaces `path` with `bytes` so that, even after a crash or power cut, it holds
/// either the old bytes or the new: written beside, flushed to disk, renamed over, and
/// the rename itself flushed.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    let write_error = |source| IngestError::Write {
        path: path.to_path_buf(),
        source,
    };
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(write_error)?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = fs::File::create(&temporary).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    drop(file);
    fs::rename(&temporary, path).map_err(write_error)?;
    // The directory entry is what the rename changed; without this a crash could
    // bring the old file back.
    #[cfg(unix)]
    fs::File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(write_error)?;
    Ok(())
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, IngestError> {
    fs::read_to_string(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn small_corpus(records: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            MANIFEST_FILE,
            r#"format = 1
themes = "themes.toml"
regions = "regions.csv"
[[collection]]
name = "demo"
title = "Demo"
records = "demo/records.jsonl"
source = "made for this test"
attribution = "none"
licence = "none"
"#,
        );
        write(dir.path(), "themes.toml", "version = \"1\"\n");
        write(
            dir.path(),
            "regions.csv",
            "publisher,kind,nation,region,aliases,authorities\n",
        );
        write(dir.path(), "demo/records.jsonl", records);
        dir
    }

    const GOOD: &str = r#"{"id":"a","title":"A","type":"pfd","publisher":"Suffolk","sections":[]}"#;

    #[test]
    fn bad_and_duplicate_lines_are_reported_with_line_numbers_and_the_rest_kept() {
        let dir = small_corpus(&format!("{GOOD}\nnot json\n\n{GOOD}\n"));
        let corpus = Corpus::open(dir.path()).unwrap();
        let records = corpus.read_reviews().unwrap();
        assert_eq!(records.reviews.len(), 1);
        let messages: Vec<String> = records.rejected.iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("line 2"), "{}", messages[0]);
        assert!(messages[1].contains("line 4") && messages[1].contains("duplicate review id"));
    }

    #[test]
    fn fingerprint_changes_when_any_input_file_changes() {
        let dir = small_corpus(GOOD);
        let corpus = Corpus::open(dir.path()).unwrap();
        let before = corpus.fingerprint().unwrap();
        assert_eq!(before, corpus.fingerprint().unwrap());
        write(dir.path(), "themes.toml", "version = \"2\"\n");
        assert_ne!(before, corpus.fingerprint().unwrap());
    }

    #[test]
    fn manifest_of_another_format_version_is_refused() {
        let dir = small_corpus(GOOD);
        let manifest = fs::read_to_string(dir.path().join(MANIFEST_FILE)).unwrap();
        write(
            dir.path(),
            MANIFEST_FILE,
            &manifest.replace("format = 1", "format = 9"),
        );
        let err = Corpus::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("format 9 is not supported"), "{err}");
    }

    #[test]
    fn written_records_read_back_equal() {
        let dir = small_corpus("");
        let review: Review = serde_json::from_str(GOOD).unwrap();
        write_records(
            &dir.path().join("demo/records.jsonl"),
            std::slice::from_ref(&review),
        )
        .unwrap();
        let records = Corpus::open(dir.path()).unwrap().read_reviews().unwrap();
        assert_eq!(records.reviews, [review]);
    }
}
