//! What the crate's tests share: real reports of the bundled corpus, and an engine over
//! them in a temporary directory.

use casesearch_model::{CataloguedReview, Region, Review};

use crate::{build_index, BuildInputs, Engine};

/// The first `count` reports of the bundled corpus, catalogued with no themes.
pub(crate) fn bundled_reviews(count: usize) -> Vec<CataloguedReview> {
    let records = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
    )
    .expect("the bundled corpus");
    records
        .lines()
        .take(count)
        .map(|line| {
            let review: Review = serde_json::from_str(line).expect("a record");
            CataloguedReview {
                region: Region::unknown(&review.publisher),
                review,
                themes: Vec::new(),
            }
        })
        .collect()
}

/// Build inputs with no themes and no thesaurus.
pub(crate) fn plain_inputs() -> BuildInputs {
    BuildInputs {
        corpus_fingerprint: "test".into(),
        themes_version: "none".into(),
        regions_version: "none".into(),
        themes: Vec::new(),
        corpus_files: Vec::new(),
        synonyms: Vec::new(),
    }
}

/// An engine over `reviews`, built with `inputs`; the directory goes with the engine.
pub(crate) fn engine_over(
    reviews: &[CataloguedReview],
    inputs: BuildInputs,
) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temp dir");
    build_index(&dir.path().join("index"), reviews, inputs, &|_| {}).expect("index");
    let engine = Engine::open(&dir.path().join("index")).expect("open");
    (dir, engine)
}
