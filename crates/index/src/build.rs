//! Building an index from catalogued reviews, replacing any previous one only once the
//! new one is complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use casesearch_model::CataloguedReview;
use tantivy::schema::Facet;
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument};

use crate::meta::{IndexMeta, ThemeLabel};
use crate::schema::{build_schema, Fields, SCHEMA_VERSION};
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
}

/// Builds a fresh index at `dir` from `reviews`, calling `progress` after each document.
///
/// The index is written beside `dir` and moved into place only when complete, so a
/// failed build leaves the previous index as it was.
pub fn build_index(
    dir: &Path,
    reviews: &[CataloguedReview],
    inputs: BuildInputs,
    progress: &dyn Fn(u64),
) -> Result<IndexMeta, IndexError> {
    let started = Instant::now();
    let building = sibling(dir, "building");
    remove_dir_if_present(&building)?;
    create_dir(&building)?;
    let result = write_index(&building, reviews, progress);
    let documents = match result {
        Ok(documents) => documents,
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
        documents,
        themes: inputs.themes,
        unknown_publishers: unknown.into_iter().collect(),
    };
    meta.write(&building)?;
    replace_dir(&building, dir)?;
    Ok(meta)
}

fn write_index(
    dir: &Path,
    reviews: &[CataloguedReview],
    progress: &dyn Fn(u64),
) -> Result<u64, IndexError> {
    let (schema, fields) = build_schema();
    let index = Index::create_in_dir(dir, schema)?;
    crate::schema::register_analyzers(&index);
    let mut writer: IndexWriter = index.writer(WRITER_HEAP_BYTES)?;
    for (done, review) in reviews.iter().enumerate() {
        writer.add_document(review_document(&fields, review)?)?;
        progress(done as u64 + 1);
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(reviews.len() as u64)
}

fn review_document(
    fields: &Fields,
    catalogued: &CataloguedReview,
) -> Result<TantivyDocument, IndexError> {
    let review = &catalogued.review;
    let mut document = TantivyDocument::default();
    document.add_text(fields.id, &review.id);
    document.add_text(fields.title, &review.title);
    for section in &review.sections {
        document.add_text(fields.text, &section.text);
        document.add_text(fields.section, &section.label);
    }
    document.add_text(fields.publisher, &review.publisher);
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
    // The text is stored once, in `text`; the record keeps everything else.
    let mut record = catalogued.clone();
    record.review.sections.clear();
    let json =
        serde_json::to_string(&record).map_err(|err| IndexError::CorruptRecord(err.to_string()))?;
    document.add_text(fields.record, json);
    Ok(document)
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
