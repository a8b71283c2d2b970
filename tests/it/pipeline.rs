//! Building the index from the corpus: counts, staleness, failures that keep the old
//! index, and the vendoring of the PFD reports.

use std::path::Path;

use casesearch_ingest::{Corpus, RegionTable};

use super::fixture::*;

#[test]
fn rebuild_indexes_every_record_and_lists_unknown_publishers() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let summary = casesearch::rebuild_index(&corpus_dir(), &index, &|_| {}, &|_| {}).unwrap();
    assert_eq!(summary.meta.documents, records().len() as u64);
    assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    let engine = casesearch::open_engine(&index).unwrap();
    assert_eq!(engine.document_count(), records().len() as u64);

    let table = RegionTable::load(&corpus_dir().join("regions.csv")).unwrap();
    let mut expected_unknown: Vec<(String, u64)> = Vec::new();
    for review in records()
        .iter()
        .filter(|r| table.lookup(&r.publisher).is_none())
    {
        match expected_unknown
            .iter_mut()
            .find(|(name, _)| *name == review.publisher)
        {
            Some((_, count)) => *count += 1,
            None => expected_unknown.push((review.publisher.clone(), 1)),
        }
    }
    expected_unknown.sort();
    assert_eq!(summary.meta.unknown_publishers, expected_unknown);
    // Unknown publishers are indexed under "Unknown", not dropped.
    let unknown_total: u64 = expected_unknown.iter().map(|(_, c)| c).sum();
    let counted = engine
        .search(&casesearch_index::SearchRequest {
            regions: vec!["Unknown".into()],
            ..Default::default()
        })
        .unwrap()
        .total as u64;
    assert_eq!(counted, unknown_total);
}

#[test]
fn index_is_stale_after_a_corpus_edit_and_a_failed_build_keeps_the_old_index() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.path().join("index");
    assert!(
        casesearch::index_staleness(&corpus, &index)
            .unwrap()
            .is_some(),
        "no index yet"
    );
    casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).unwrap();
    assert_eq!(casesearch::index_staleness(&corpus, &index).unwrap(), None);

    // A librarian breaks the theme rules: the build fails, the old index still serves.
    let themes = corpus.join("themes.toml");
    let original = std::fs::read_to_string(&themes).unwrap();
    std::fs::write(
        &themes,
        format!("{original}\n[[theme]]\nid = \"neglect\"\nlabel = \"again\"\nphrases = [\"x\"]\n"),
    )
    .unwrap();
    let stale = casesearch::index_staleness(&corpus, &index)
        .unwrap()
        .expect("stale after edit");
    assert!(stale.contains("changed"), "{stale}");
    let err = casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("defined twice"), "{err}");
    let engine = casesearch::open_engine(&index).unwrap();
    assert_eq!(engine.document_count(), records().len() as u64);
}

/// The committed records are exactly what `import-pfd` makes of the shared source file,
/// so the vendored corpus can be regenerated and audited.
#[test]
fn vendored_pfd_records_match_a_fresh_import_of_the_source() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pfd/reports.jsonl");
    if !source.exists() {
        eprintln!("skipped: {} is not beside this checkout", source.display());
        return;
    }
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let regions = RegionTable::load(&corpus.regions_path()).unwrap();
    let import = casesearch_ingest::pfd::import_pfd_reports(&source, &regions).unwrap();
    assert!(import.rejected.is_empty());
    assert_eq!(import.reviews.as_slice(), records());
    let lines = std::fs::read_to_string(&source)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(
        records().len(),
        lines,
        "every source report is in the corpus"
    );
    assert!(records().iter().all(|r| r.title.starts_with("PFD report ")));
}
