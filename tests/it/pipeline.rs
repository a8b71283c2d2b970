//! Building the index from the corpus: counts, staleness, failures that keep the old
//! index, and the vendoring of the PFD reports.

use std::path::{Path, PathBuf};

use casesearch_cataloguing::RegionTable;
use casesearch_index::{BuildChanges, BuildMode, SearchRequest};
use casesearch_ingest::Corpus;

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
fn incremental_reindex_touches_only_changed_documents() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.path().join("index");
    let incremental = |corpus: &Path| {
        casesearch::index_corpus(corpus, &index, BuildMode::Incremental, &|_| {}, &|_| {})
            .unwrap()
            .meta
            .changes
    };
    let first = incremental(&corpus);
    let total = records().len() as u64;
    assert!(first.full);
    assert!(first.full_reason.unwrap().contains("no index"));
    assert_eq!(first.added, total);

    let unchanged = incremental(&corpus);
    assert_eq!(
        unchanged,
        BuildChanges {
            unchanged: total,
            ..BuildChanges::default()
        }
    );

    // One record edited, one removed, one added.
    let (edited, removed) = (&records()[3].id, &records()[7].id);
    let records_file = corpus.join("pfd/records.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&records_file)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["id"] == removed.as_str() {
                return None;
            }
            if record["id"] == edited.as_str() {
                record["sections"][0]["text"] = format!(
                    "{} Addendum about wombatfold.",
                    record["sections"][0]["text"].as_str().unwrap()
                )
                .into();
            }
            Some(record.to_string())
        })
        .collect();
    std::fs::write(&records_file, lines.join("\n") + "\n").unwrap();
    append_record(&corpus, "added-1", "A new report about quokkaphile.");

    let changes = incremental(&corpus);
    assert_eq!(
        changes,
        BuildChanges {
            added: 1,
            updated: 1,
            removed: 1,
            unchanged: total - 2,
            ..BuildChanges::default()
        }
    );
    let engine = casesearch::open_engine(&index).unwrap();
    assert_eq!(engine.document_count(), total);
    let ids = |query: &str| -> Vec<String> {
        engine
            .search(&SearchRequest {
                query: query.into(),
                ..SearchRequest::default()
            })
            .unwrap()
            .hits
            .into_iter()
            .map(|hit| hit.id)
            .collect()
    };
    assert_eq!(ids("wombatfold"), vec![edited.clone()]);
    assert_eq!(ids("quokkaphile"), vec!["added-1".to_owned()]);
    assert!(engine.document(removed, "").unwrap().is_none());

    let full = casesearch::index_corpus(&corpus, &index, BuildMode::Full, &|_| {}, &|_| {})
        .unwrap()
        .meta
        .changes;
    assert!(full.full && full.full_reason.is_none());
    assert_eq!(full.added, total);
}

#[test]
fn a_build_waits_for_no_one_and_leftovers_of_an_interrupted_build_are_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    casesearch::rebuild_index(&corpus_dir(), &index, &|_| {}, &|_| {}).unwrap();

    // Another build holds the lock: this one is refused, the index is untouched.
    let lock = std::fs::File::create(dir.path().join("index.lock")).unwrap();
    lock.lock().unwrap();
    let err = casesearch::index_corpus(&corpus_dir(), &index, BuildMode::Full, &|_| {}, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("another index build is running"), "{err}");
    drop(lock);

    // A build killed midway left its half-written directory behind.
    let building = dir.path().join("index.building");
    std::fs::create_dir_all(&building).unwrap();
    std::fs::write(building.join("meta.json"), "half").unwrap();
    let engine = casesearch::open_engine(&index).unwrap();
    assert_eq!(engine.document_count(), records().len() as u64);
    let changes = casesearch::index_corpus(
        &corpus_dir(),
        &index,
        BuildMode::Incremental,
        &|_| {},
        &|_| {},
    )
    .unwrap()
    .meta
    .changes;
    assert_eq!(changes.unchanged, records().len() as u64);
    assert!(!building.exists());
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

/// Start-up checks sizes and modification times first and hashes the corpus only when
/// one differs: a touched file is still current, an edit is stale, and an edit that
/// keeps both size and time (deliberately restored) is trusted, as `make` would.
#[test]
fn staleness_trusts_unchanged_file_stamps_and_hashes_when_they_differ() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.path().join("index");
    let summary = casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).unwrap();
    let stamped: Vec<&str> = summary
        .meta
        .corpus_files
        .iter()
        .map(|stamp| stamp.path.as_str())
        .collect();
    assert_eq!(
        stamped,
        [
            "manifest.toml",
            "themes.toml",
            "regions.csv",
            "pfd/records.jsonl",
            "synonyms.toml"
        ]
    );
    assert_eq!(casesearch::index_staleness(&corpus, &index).unwrap(), None);

    let records = corpus.join("pfd/records.jsonl");
    let original = std::fs::read(&records).unwrap();
    let recorded_time = std::fs::metadata(&records).unwrap().modified().unwrap();
    let later = recorded_time + std::time::Duration::from_secs(5);
    let set_time = |time| {
        std::fs::File::options()
            .write(true)
            .open(&records)
            .unwrap()
            .set_modified(time)
            .unwrap()
    };
    // Touched, same bytes: the stamps differ, the hash does not.
    set_time(later);
    assert_eq!(casesearch::index_staleness(&corpus, &index).unwrap(), None);

    // One letter changed, same size, new time: hashed, and stale.
    let mut edited = original.clone();
    let at = edited.iter().position(|&b| b == b'a').unwrap();
    edited[at] = b'b';
    std::fs::write(&records, &edited).unwrap();
    set_time(later);
    let stale = casesearch::index_staleness(&corpus, &index).unwrap();
    assert!(stale.is_some_and(|why| why.contains("changed")));

    // The same edit with the recorded time put back is not read at all.
    set_time(recorded_time);
    assert_eq!(casesearch::index_staleness(&corpus, &index).unwrap(), None);
}

/// The committed records are exactly what `import-pfd` makes of the source file
/// (vendored, gzipped, in `tests/pfd-source` with its SOURCES.md), so the corpus can be
/// regenerated and audited.
#[test]
fn vendored_pfd_records_match_a_fresh_import_of_the_source() {
    let packed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pfd-source/reports.jsonl.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&packed).unwrap()),
        &mut text,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("reports.jsonl");
    std::fs::write(&source, &text).unwrap();
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let regions = RegionTable::load(&corpus.regions_path()).unwrap();
    let import = casesearch_ingest::pfd::import_pfd_reports(&source, &regions).unwrap();
    assert!(import.rejected.is_empty());
    assert_eq!(import.reviews.as_slice(), records());
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(
        records().len(),
        lines,
        "every source report is in the corpus"
    );
    assert!(records().iter().all(|r| r.title.starts_with("PFD report ")));
}

/// A malformed thesaurus entry stops the build and names the entry; the live index is
/// untouched.
#[test]
fn a_bad_thesaurus_entry_fails_the_build_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&corpus_dir(), &corpus);
    let index = dir.path().join("index");
    casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {}).unwrap();
    let synonyms = corpus.join("synonyms.toml");
    let mut text = std::fs::read_to_string(&synonyms).unwrap();
    text.push_str("\n[[entry]]\nterms = [\"Zebra crossing\"]\nsource = \"test\"\n");
    std::fs::write(&synonyms, text).unwrap();
    let err = casesearch::rebuild_index(&corpus, &index, &|_| {}, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("synonyms.toml"), "{err}");
    assert!(
        err.contains("(\"Zebra crossing\"): needs at least two terms"),
        "{err}"
    );
    let engine = casesearch::open_engine(&index).unwrap();
    assert_eq!(engine.document_count(), records().len() as u64);
    assert!(engine.thesaurus().entries().len() >= 80);
}

/// Regression (issue 17): `serve` refused to start on a damaged index. The corpus is
/// the source of truth: a truncated meta.json or casesearch.json, a missing .term file
/// or a zeroed .store file is rebuilt, and the reason is told.
#[test]
fn a_damaged_index_is_rebuilt_from_the_corpus_and_the_reason_told() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    casesearch::rebuild_index(&corpus_dir(), &pristine, &|_| {}, &|_| {}).unwrap();
    let files_ending = |index: &Path, suffix: &str| -> Vec<PathBuf> {
        std::fs::read_dir(index)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().ends_with(suffix))
            .collect()
    };
    type Damage = fn(&Path, &dyn Fn(&Path, &str) -> Vec<PathBuf>);
    let damages: [(&str, Damage); 5] = [
        ("nothing", |_, _| {}),
        ("truncated meta.json", |index, _| {
            let path = index.join("meta.json");
            let text = std::fs::read(&path).unwrap();
            std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        }),
        ("truncated casesearch.json", |index, _| {
            let path = index.join("casesearch.json");
            let text = std::fs::read(&path).unwrap();
            std::fs::write(&path, &text[..text.len() / 3]).unwrap();
        }),
        ("missing .term file", |index, files| {
            std::fs::remove_file(&files(index, ".term")[0]).unwrap();
        }),
        ("zeroed .store file", |index, files| {
            for path in files(index, ".store") {
                let length = std::fs::metadata(&path).unwrap().len() as usize;
                std::fs::write(&path, vec![0u8; length]).unwrap();
            }
        }),
    ];
    for (what, damage) in damages {
        let index = dir.path().join(what.replace(' ', "-"));
        copy_dir(&pristine, &index);
        damage(&index, &files_ending);
        let reasons = std::cell::RefCell::new(Vec::<String>::new());
        let engine = casesearch::open_or_rebuild_index(&corpus_dir(), &index, &|reason,
                                                                                mode|
         -> Result<
            (),
            casesearch::PipelineError,
        > {
            reasons.borrow_mut().push(reason.to_owned());
            casesearch::index_corpus(&corpus_dir(), &index, mode, &|_| {}, &|_| {})?;
            Ok(())
        })
        .unwrap_or_else(|err| panic!("{what}: {err}"));
        let reasons = reasons.into_inner();
        assert_eq!(engine.document_count(), records().len() as u64, "{what}");
        engine.verify_files(&index).unwrap();
        let id = &records()[0].id;
        assert!(engine.document(id, "").unwrap().is_some(), "{what}");
        if what == "nothing" {
            assert!(
                reasons.is_empty(),
                "an intact index is not rebuilt: {reasons:?}"
            );
        } else {
            assert_eq!(reasons.len(), 1, "{what}: {reasons:?}");
            assert!(
                reasons[0].contains("damaged") || reasons[0].contains("cannot be read"),
                "{what}: {reasons:?}"
            );
        }
    }
}
