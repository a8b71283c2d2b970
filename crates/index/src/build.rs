//! Building an index from catalogued reviews, in full or incrementally (only documents
//! whose content hash changed), replacing the previous one only once the new one is
//! complete.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use casesearch_model::{CataloguedReview, Review};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::schema::Facet;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument, Term};

use crate::analysis::SectionStarts;
use crate::meta::{CorpusFileStamp, IndexMeta, ThemeLabel, META_FILE};
use crate::query::thesaurus::SynonymEntry;
use crate::schema::{build_schema, names, Fields, SCHEMA_VERSION};
use crate::text_store::write_text_store;
use crate::IndexError;

/// Writer heap: tantivy's minimum per thread is 15 MB; 100 MB keeps the corpus in
/// few segments without pressing on small machines.
const WRITER_HEAP_BYTES: usize = 100_000_000;

/// What the index should record about the inputs it was built from.
#[derive(Debug, Clone)]
pub struct BuildInputs {
    pub corpus_fingerprint: String,
    pub themes_version: String,
    pub regions_version: String,
    pub themes: Vec<ThemeLabel>,
    /// The corpus files as they were before the build read them (see
    /// [`IndexMeta::corpus_files`]); empty when there is no corpus directory to check.
    pub corpus_files: Vec<CorpusFileStamp>,
    /// The checked thesaurus (see [`crate::Thesaurus`]).
    pub synonyms: Vec<SynonymEntry>,
}

/// How much of an existing index a build may keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildMode {
    /// Start from the live index and apply only what changed (falls back to a full
    /// build when there is no usable index).
    Incremental,
    /// Index every document afresh.
    Full,
}

/// What a build changed, by document, compared with the index it replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuildChanges {
    /// Whether every document was indexed afresh.
    pub full: bool,
    /// Why the build was full when an incremental one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_reason: Option<String>,
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
}

/// Builds a fresh index at `dir` from `reviews`, calling `progress` after each document.
pub fn build_index(
    dir: &Path,
    reviews: &[CataloguedReview],
    inputs: BuildInputs,
    progress: &dyn Fn(u64),
) -> Result<IndexMeta, IndexError> {
    update_index(dir, reviews, inputs, BuildMode::Full, progress)
}

/// Brings the index at `dir` up to date with `reviews`, calling `progress` after each
/// document considered.
///
/// The new index is written beside `dir` and moved into place only when complete, so
/// a failed build leaves the previous index as it was, and a server reading it is never
/// shown a half-built one. An incremental build starts from hard links to the live
/// index's files (tantivy never rewrites a segment file, so the live index cannot be
/// disturbed) and re-indexes only the documents whose content hash changed.
pub fn update_index(
    dir: &Path,
    reviews: &[CataloguedReview],
    inputs: BuildInputs,
    mode: BuildMode,
    progress: &dyn Fn(u64),
) -> Result<IndexMeta, IndexError> {
    let started = Instant::now();
    let _lock = BuildLock::acquire(dir)?;
    let building = sibling(dir, "building");
    remove_dir_if_present(&building)?;
    let result = write_index(dir, &building, reviews, mode, progress);
    let changes = match result {
        Ok(changes) => changes,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&building);
            return Err(err);
        }
    };
    let mut unknown: BTreeMap<String, u64> = BTreeMap::new();
    for review in reviews.iter().filter(|review| review.region.is_unknown()) {
        *unknown.entry(review.region.publisher.clone()).or_default() += 1;
    }
    let meta = IndexMeta {
        schema_version: SCHEMA_VERSION,
        corpus_fingerprint: inputs.corpus_fingerprint,
        themes_version: inputs.themes_version,
        regions_version: inputs.regions_version,
        built_at: chrono::Utc::now().to_rfc3339(),
        build_seconds: started.elapsed().as_secs_f64(),
        documents: reviews.len() as u64,
        themes: inputs.themes,
        unknown_publishers: unknown.into_iter().collect(),
        changes,
        corpus_files: inputs.corpus_files,
        synonyms: inputs.synonyms,
    };
    meta.write(&building)?;
    replace_dir(&building, dir)?;
    Ok(meta)
}

fn write_index(
    live: &Path,
    building: &Path,
    reviews: &[CataloguedReview],
    mode: BuildMode,
    progress: &dyn Fn(u64),
) -> Result<BuildChanges, IndexError> {
    let (schema, fields) = build_schema();
    let (index, previous, full_reason) = match mode {
        BuildMode::Full => (None, HashMap::new(), None),
        BuildMode::Incremental => match reuse_live_index(live, building) {
            Ok((index, hashes)) => (Some(index), hashes, None),
            Err(reason) => {
                remove_dir_if_present(building)?;
                (None, HashMap::new(), Some(reason))
            }
        },
    };
    let full = index.is_none();
    let index = match index {
        Some(index) => index,
        None => {
            create_dir(building)?;
            Index::create_in_dir(building, schema)?
        }
    };
    crate::schema::register_analyzers(&index);
    let mut writer: IndexWriter = index.writer(WRITER_HEAP_BYTES)?;
    // The text store needs only the reviews' texts: it is written on a thread of its
    // own while tantivy indexes, which leaves a core idle as it commits and merges
    // (written after the commit, it was a fifth of index writing at 100×).
    let write_texts = || {
        write_text_store(
            building,
            reviews.iter().map(|catalogued| {
                let review = &catalogued.review;
                let texts = review.sections.iter().map(|section| section.text.as_str());
                (review.id.as_str(), texts.collect())
            }),
        )
    };
    let index_documents = || -> Result<BuildChanges, IndexError> {
        let mut changes = BuildChanges {
            full,
            full_reason,
            ..BuildChanges::default()
        };
        let mut seen = HashSet::with_capacity(reviews.len());
        let mut section_starts = SectionStarts::default();
        for (done, review) in reviews.iter().enumerate() {
            let id = review.review.id.as_str();
            seen.insert(id);
            let record = record_json(review)?;
            let hash = content_hash(&record, &review.review);
            match previous.get(id) {
                Some(old) if *old == hash => changes.unchanged += 1,
                known => {
                    if known.is_some() {
                        writer.delete_term(Term::from_field_text(fields.id, id));
                        changes.updated += 1;
                    } else {
                        changes.added += 1;
                    }
                    let document =
                        review_document(&fields, review, &hash, record, &mut section_starts);
                    writer.add_document(document)?;
                }
            }
            progress(done as u64 + 1);
        }
        for id in previous.keys().filter(|id| !seen.contains(id.as_str())) {
            writer.delete_term(Term::from_field_text(fields.id, id));
            changes.removed += 1;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Ok(changes)
    };
    let (changes, texts) = std::thread::scope(|scope| {
        let texts = scope.spawn(write_texts);
        let changes = index_documents();
        let texts = texts.join().unwrap_or_else(|_| {
            Err(IndexError::Io {
                path: building.to_path_buf(),
                source: std::io::Error::other("the text store's writer panicked"),
            })
        });
        (changes, texts)
    });
    let changes = changes?;
    texts?;
    Ok(changes)
}

/// Links the live index's files into `building` and reads the content hash of every
/// live document there; `Err` says why the live index cannot be the starting point.
fn reuse_live_index(
    live: &Path,
    building: &Path,
) -> Result<(Index, HashMap<String, String>), String> {
    match IndexMeta::read(live) {
        Ok(Some(meta)) if meta.schema_version == SCHEMA_VERSION => {}
        Ok(Some(meta)) => {
            return Err(format!(
                "the index has schema {}, this binary writes schema {SCHEMA_VERSION}",
                meta.schema_version
            ))
        }
        Ok(None) => return Err("there is no index yet".into()),
        Err(err) => return Err(err.to_string()),
    }
    link_files(live, building).map_err(|err| format!("cannot copy the live index: {err}"))?;
    let index = Index::open_in_dir(building).map_err(|err| err.to_string())?;
    let hashes = read_hashes(&index).map_err(|err| format!("cannot read the live index: {err}"))?;
    Ok((index, hashes))
}

/// Hard-links (or, across file systems, copies) the files of an index directory.
fn link_files(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // Lock files belong to whoever holds them, and our meta file is rewritten.
        let skip = name.to_string_lossy().ends_with(".lock") || name == META_FILE;
        if skip || !entry.file_type()?.is_file() {
            continue;
        }
        let target = to.join(&name);
        if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn read_hashes(index: &Index) -> Result<HashMap<String, String>, IndexError> {
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let mut hashes = HashMap::with_capacity(searcher.num_docs() as usize);
    let (mut id, mut hash) = (String::new(), String::new());
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let (Some(ids), Some(digests)) = (fast.str(names::ID)?, fast.str(names::CONTENT_HASH)?)
        else {
            continue;
        };
        for doc in segment.doc_ids_alive() {
            let (Some(id_ord), Some(hash_ord)) =
                (ids.term_ords(doc).next(), digests.term_ords(doc).next())
            else {
                continue;
            };
            id.clear();
            hash.clear();
            ids.ord_to_str(id_ord, &mut id)
                .and_then(|_| digests.ord_to_str(hash_ord, &mut hash))
                .map_err(|err| IndexError::CorruptRecord(err.to_string()))?;
            hashes.insert(id.clone(), hash.clone());
        }
    }
    Ok(hashes)
}

/// The record stored with a review: the catalogued review as JSON, minus its text
/// (which is stored once, in `text` and `section`).
fn record_json(catalogued: &CataloguedReview) -> Result<String, IndexError> {
    let review = &catalogued.review;
    // Cloned field by field: cloning the review whole would copy its text only to drop it.
    let record = CataloguedReview {
        review: Review {
            id: review.id.clone(),
            title: review.title.clone(),
            review_type: review.review_type,
            publisher: review.publisher.clone(),
            date: review.date,
            url: review.url.clone(),
            sections: Vec::new(),
            metadata: review.metadata.clone(),
            details: review.details.clone(),
        },
        region: catalogued.region.clone(),
        themes: catalogued.themes.clone(),
    };
    serde_json::to_string(&record).map_err(|err| IndexError::CorruptRecord(err.to_string()))
}

/// Digest of everything a review contributes to the index: its record (which holds
/// its region and themes, so a change to the theme rules or regions table changes the
/// digest only for the reviews whose tags or region actually moved) and its sections.
/// The sections go in as their bytes, each length-prefixed so that no two different
/// lists of sections digest alike: escaping the text as JSON first cost about as much
/// as the digest itself.
fn content_hash(record_json: &str, review: &Review) -> String {
    let mut hasher = Sha256::new();
    hasher.update(record_json.as_bytes());
    for section in &review.sections {
        for part in [&section.label, &section.text] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One build at a time per index directory, whether from the CLI or a server's admin
/// endpoint: the second is refused rather than left to trample the first's files.
struct BuildLock {
    _file: std::fs::File,
}

impl BuildLock {
    fn acquire(dir: &Path) -> Result<BuildLock, IndexError> {
        let path = sibling(dir, "lock");
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            create_dir(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(BuildLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(IndexError::BuildRunning(path)),
            Err(std::fs::TryLockError::Error(source)) => Err(IndexError::Io { path, source }),
        }
    }
}

/// The document for a review; `record` is its [`record_json`].
fn review_document(
    fields: &Fields,
    catalogued: &CataloguedReview,
    content_hash: &str,
    record: String,
    section_starts: &mut SectionStarts,
) -> TantivyDocument {
    let review = &catalogued.review;
    let mut document = TantivyDocument::default();
    document.add_text(fields.id, &review.id);
    document.add_text(fields.content_hash, content_hash);
    document.add_text(fields.title, &review.title);
    for section in &review.sections {
        document.add_text(fields.text, &section.text);
        document.add_text(fields.section, &section.label);
    }
    let texts = review.sections.iter().map(|section| section.text.as_str());
    for start in section_starts.starts(texts) {
        document.add_u64(fields.section_start, start);
    }
    document.add_text(fields.publisher, &review.publisher);
    // A multi-authority partnership is found by any of its authorities' names too
    // (`publisher:peterborough`).
    for authority in &catalogued.region.authorities {
        document.add_text(fields.publisher, authority);
    }
    document.add_facet(
        fields.availability,
        Facet::from_path([review.details.availability.slug()]),
    );
    if let Some(band) = review.details.age_band {
        document.add_facet(fields.age_band, Facet::from_path([band.slug()]));
    }
    document.add_text(fields.publisher_name, &review.publisher);
    if let Some(date) = review.date {
        let midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
        document.add_date(
            fields.date,
            DateTime::from_timestamp_secs(midnight.timestamp()),
        );
    }
    if let Some(year) = review.year().and_then(|year| u64::try_from(year).ok()) {
        document.add_u64(fields.year, year);
        document.add_facet(fields.year_facet, Facet::from_path([year.to_string()]));
    }
    document.add_facet(
        fields.review_type,
        Facet::from_path([review.review_type.slug()]),
    );
    document.add_facet(fields.region, Facet::from_path(catalogued.region.path()));
    for theme in &catalogued.themes {
        document.add_facet(fields.theme, Facet::from_path([theme.id.as_str()]));
    }
    if let Some(url) = &review.url {
        document.add_text(fields.url, url);
    }
    document.add_text(fields.record, record);
    document
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_owned());
    dir.with_file_name(format!("{name}.{suffix}"))
}

/// Moves the finished index into place. The old one is moved aside first and deleted
/// after, so at every moment one complete index exists on disk.
fn replace_dir(new: &Path, target: &Path) -> Result<(), IndexError> {
    let old = sibling(target, "old");
    remove_dir_if_present(&old)?;
    if target.exists() {
        std::fs::rename(target, &old).map_err(|source| IndexError::Io {
            path: target.to_path_buf(),
            source,
        })?;
    }
    std::fs::rename(new, target).map_err(|source| IndexError::Io {
        path: target.to_path_buf(),
        source,
    })?;
    remove_dir_if_present(&old)
}

fn create_dir(dir: &Path) -> Result<(), IndexError> {
    std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn remove_dir_if_present(dir: &Path) -> Result<(), IndexError> {
    match std::fs::remove_dir_all(dir) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(IndexError::Io {
            path: dir.to_path_buf(),
            source: err,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use casesearch_model::{Region, ReviewDetails, ReviewType, Section};

    use super::*;

    fn review(sections: &[(&str, &str)]) -> CataloguedReview {
        CataloguedReview {
            review: Review {
                id: "r1".into(),
                title: "Child Q".into(),
                review_type: ReviewType::PreventionOfFutureDeaths,
                publisher: "Somewhere".into(),
                date: None,
                url: None,
                sections: sections
                    .iter()
                    .map(|&(label, text)| Section {
                        label: label.into(),
                        text: text.into(),
                    })
                    .collect(),
                metadata: BTreeMap::new(),
                details: ReviewDetails::default(),
            },
            region: Region::unknown("Somewhere"),
            themes: Vec::new(),
        }
    }

    fn hash(review: &CataloguedReview) -> String {
        let record = record_json(review).expect("record");
        content_hash(&record, &review.review)
    }

    #[test]
    fn the_content_hash_changes_with_any_change_to_the_sections_or_record() {
        let base = hash(&review(&[("Summary", "ab"), ("Findings", "c")]));
        assert_eq!(base, hash(&review(&[("Summary", "ab"), ("Findings", "c")])));
        assert_eq!(base.len(), 64);
        let others = [
            // The same bytes, divided differently.
            review(&[("Summary", "a"), ("Findings", "bc")]),
            review(&[("Summar", "yab"), ("Findings", "c")]),
            review(&[("Summary", "ab"), ("Findings", ""), ("", "c")]),
            review(&[("Summary", "abFindingsc")]),
            review(&[("Summary", "ab")]),
            review(&[("Findings", "c"), ("Summary", "ab")]),
            {
                let mut moved = review(&[("Summary", "ab"), ("Findings", "c")]);
                moved.region = Region::known("England", Some("London"), "Somewhere");
                moved
            },
        ];
        for other in &others {
            assert_ne!(base, hash(other), "{:?}", other.review.sections);
        }
    }

    #[test]
    fn the_stored_record_is_the_review_without_its_text() {
        let full = review(&[("Summary", "ab")]);
        let record: CataloguedReview =
            serde_json::from_str(&record_json(&full).expect("record")).expect("json");
        let mut expected = full.clone();
        expected.review.sections.clear();
        assert_eq!(record, expected);
    }
}
