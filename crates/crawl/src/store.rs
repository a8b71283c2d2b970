//! The raw store: every fetched body kept on disk by its sha256, with a provenance record
//! per URL, so text can be re-extracted and re-indexed without fetching again.
//!
//! ```text
//! STORE/blobs/ab/ab12…(sha256)      the bytes, once per distinct content
//! STORE/urls/<sha256 of URL>.json    Provenance: URL, final URL, times, status, validators, sha256, hints
//! ```
//! Files are written to a temporary name and renamed, so a crash never leaves half a file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::discover::LinkHints;
use crate::error::CrawlError;
use casesearch_html::ContentKind;

/// What a stored URL was to the crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A seed page links were discovered on; kept so a 304 can be re-read for links.
    Listing,
    /// A review, summary or learning brief: what the corpus is built from.
    Document,
}

/// Where a stored body came from and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub url: String,
    /// After redirects.
    pub final_url: String,
    /// The source (publisher) name from the sources file.
    pub source: String,
    pub role: Role,
    /// When these bytes were last downloaded.
    pub fetched_at: DateTime<Utc>,
    /// When the URL was last checked (a 304 or same-hash fetch moves this only).
    pub checked_at: DateTime<Utc>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    pub sha256: String,
    pub kind: ContentKind,
    pub bytes: u64,
    /// What the linking page said about the document.
    #[serde(default)]
    pub hints: LinkHints,
    /// Pages that linked here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub referrers: Vec<String>,
}

/// What storing a fetched body did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// A URL and content not seen before.
    New,
    /// The URL's content changed; the new version replaced the old one.
    Changed { previous_sha256: String },
    /// Fetched again, same bytes as stored.
    SameContent,
    /// A new URL whose bytes are already stored under another URL: stored once.
    Duplicate,
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// A raw store rooted at a directory.
#[derive(Debug, Clone)]
pub struct RawStore {
    root: PathBuf,
}

impl RawStore {
    /// Opens (creating if needed) a store at `root`.
    pub fn open(root: &Path) -> Result<RawStore, CrawlError> {
        for dir in [root.join("blobs"), root.join("urls")] {
            std::fs::create_dir_all(&dir).map_err(|source| CrawlError::Store {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(RawStore {
            root: root.to_owned(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn record_path(&self, url: &str) -> PathBuf {
        self.root
            .join("urls")
            .join(format!("{}.json", sha256_hex(url.as_bytes())))
    }

    fn blob_path(&self, sha256: &str) -> Option<PathBuf> {
        // The name comes from records on disk: only a well-formed digest becomes a path.
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join("blobs").join(&sha256[..2]).join(sha256))
    }

    /// The stored record for `url`, if it was fetched before.
    pub fn record_for_url(&self, url: &str) -> Result<Option<Provenance>, CrawlError> {
        let path = self.record_path(url);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| CrawlError::StoreRecord { path, source }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CrawlError::Store { path, source }),
        }
    }

    /// Every URL record, sorted by URL.
    pub fn records(&self) -> Result<Vec<Provenance>, CrawlError> {
        let dir = self.root.join("urls");
        let entries = std::fs::read_dir(&dir).map_err(|source| CrawlError::Store {
            path: dir.clone(),
            source,
        })?;
        let mut records = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|source| CrawlError::Store {
                    path: dir.clone(),
                    source,
                })?
                .path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| CrawlError::Store {
                path: path.clone(),
                source,
            })?;
            let record = serde_json::from_slice(&bytes)
                .map_err(|source| CrawlError::StoreRecord { path, source })?;
            records.push(record);
        }
        records.sort_by(|a: &Provenance, b| a.url.cmp(&b.url));
        Ok(records)
    }

    /// The stored bytes with this sha256.
    pub fn read_blob(&self, sha256: &str) -> Result<Vec<u8>, CrawlError> {
        let path = self.blob_path(sha256).ok_or_else(|| CrawlError::Store {
            path: PathBuf::from(sha256),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a sha256 digest"),
        })?;
        std::fs::read(&path).map_err(|source| CrawlError::Store { path, source })
    }

    /// Stores `bytes` (once per distinct content) and `record` for its URL; when the URL
    /// held other content before and nothing else refers to it, the old bytes go.
    pub fn put(&self, record: &Provenance, bytes: &[u8]) -> Result<StoreOutcome, CrawlError> {
        // A record that no longer parses is replaced by the new one, not a reason to fail.
        let previous = match self.record_for_url(&record.url) {
            Err(CrawlError::StoreRecord { path, source }) => {
                tracing::warn!(path = %path.display(), %source, "replacing unreadable record");
                None
            }
            other => other?,
        };
        let blob = self
            .blob_path(&record.sha256)
            .ok_or_else(|| CrawlError::Store {
                path: PathBuf::from(&record.sha256),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a sha256 digest",
                ),
            })?;
        let blob_existed = blob.exists();
        if !blob_existed {
            write_atomically(&blob, bytes)?;
        }
        self.write_record(record)?;
        Ok(match previous {
            Some(previous) if previous.sha256 == record.sha256 => StoreOutcome::SameContent,
            Some(previous) => {
                self.remove_blob_if_unreferenced(&previous.sha256)?;
                StoreOutcome::Changed {
                    previous_sha256: previous.sha256,
                }
            }
            None if blob_existed => StoreOutcome::Duplicate,
            None => StoreOutcome::New,
        })
    }

    /// Rewrites a URL's record (after a 304: new check time, same bytes).
    pub fn write_record(&self, record: &Provenance) -> Result<(), CrawlError> {
        let json = serde_json::to_vec_pretty(record).map_err(|source| CrawlError::StoreRecord {
            path: self.record_path(&record.url),
            source,
        })?;
        write_atomically(&self.record_path(&record.url), &json)
    }

    fn remove_blob_if_unreferenced(&self, sha256: &str) -> Result<(), CrawlError> {
        if self.records()?.iter().any(|record| record.sha256 == sha256) {
            return Ok(());
        }
        if let Some(path) = self.blob_path(sha256) {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(CrawlError::Store { path, source }),
            }
        }
        Ok(())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CrawlError> {
    let error = |source| CrawlError::Store {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, bytes).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str, bytes: &[u8]) -> Provenance {
        let now = Utc::now();
        Provenance {
            url: url.into(),
            final_url: url.into(),
            source: "Test".into(),
            role: Role::Document,
            fetched_at: now,
            checked_at: now,
            status: 200,
            etag: None,
            last_modified: None,
            sha256: sha256_hex(bytes),
            kind: ContentKind::Pdf,
            bytes: bytes.len() as u64,
            hints: LinkHints::default(),
            referrers: Vec::new(),
        }
    }

    #[test]
    fn same_bytes_at_two_urls_are_stored_once_and_a_change_replaces_the_old_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RawStore::open(dir.path()).expect("open");
        let v1 = b"%PDF-1.4 version one";
        let v2 = b"%PDF-1.4 version two";
        assert_eq!(
            store.put(&record("http://a/x.pdf", v1), v1).expect("put"),
            StoreOutcome::New
        );
        assert_eq!(
            store.put(&record("http://b/y.pdf", v1), v1).expect("put"),
            StoreOutcome::Duplicate
        );
        assert_eq!(
            store.put(&record("http://a/x.pdf", v1), v1).expect("put"),
            StoreOutcome::SameContent
        );
        let blobs = walk_files(&dir.path().join("blobs"));
        assert_eq!(blobs.len(), 1);

        // x.pdf changes; y.pdf still holds v1, so v1's bytes stay.
        assert_eq!(
            store.put(&record("http://a/x.pdf", v2), v2).expect("put"),
            StoreOutcome::Changed {
                previous_sha256: sha256_hex(v1)
            }
        );
        assert_eq!(walk_files(&dir.path().join("blobs")).len(), 2);
        // y.pdf changes too: nothing refers to v1 any more, so it is removed.
        store.put(&record("http://b/y.pdf", v2), v2).expect("put");
        assert_eq!(walk_files(&dir.path().join("blobs")).len(), 1);
        assert_eq!(store.read_blob(&sha256_hex(v2)).expect("blob"), v2);
        let urls: Vec<String> = store
            .records()
            .expect("records")
            .into_iter()
            .map(|r| r.url)
            .collect();
        assert_eq!(urls, ["http://a/x.pdf", "http://b/y.pdf"]);
        assert!(store.read_blob("../../etc/passwd").is_err());
    }

    fn walk_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk_files(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
