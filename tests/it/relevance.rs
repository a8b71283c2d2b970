//! Relevance floors on four standard test collections, vendored in `tests/fixtures/ir`
//! (CACM, MED, CISI with its full topics, CRAN; see each folder's SOURCES.md). The
//! topics run through `casesearch eval`, which searches them exactly as a user's query
//! is searched (lenient parser, graceful matching, the corpus's thesaurus, ranking).
//! A change to analysis, parsing or ranking that loses relevance fails here.
//!
//! Measured when the floors were set (default / with `expand`), against Lucene BM25:
//!
//! | collection | default MAP | expanded MAP | Lucene BM25 MAP |
//! |---|---|---|---|
//! | CACM | 0.3782 | 0.3769 | 0.3123 |
//! | MED | 0.5460 | 0.6175 | 0.5118 |
//! | CISI (full topics) | 0.2133 | 0.2422 | 0.2060 |
//! | CRAN | 0.3056 | 0.3328 | 0.2913 |
//!
//! Each floor sits just under the measured figure and at least 3% above Lucene's.

use std::path::{Path, PathBuf};
use std::process::Command;

use casesearch::eval::{evaluate, EvalOptions, EvalScores, RUN_DEPTH};

struct Floor {
    name: &'static str,
    documents: usize,
    topics: usize,
    map: f64,
    expanded_map: f64,
}

const FLOORS: [Floor; 4] = [
    Floor {
        name: "cacm",
        documents: 3204,
        topics: 52,
        map: 0.375,
        expanded_map: 0.37,
    },
    Floor {
        name: "med",
        documents: 1033,
        topics: 30,
        map: 0.54,
        expanded_map: 0.61,
    },
    Floor {
        name: "cisi",
        documents: 1460,
        topics: 76,
        map: 0.212,
        expanded_map: 0.24,
    },
    Floor {
        name: "cran",
        documents: 1400,
        topics: 225,
        map: 0.30,
        expanded_map: 0.33,
    },
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ir")
        .join(name)
}

fn run(name: &str, docs: &Path, expand: bool) -> EvalScores {
    let dir = fixture(name);
    let corpus =
        casesearch_ingest::Corpus::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"))
            .expect("the bundled corpus");
    let options = EvalOptions {
        expand,
        synonyms: casesearch::read_thesaurus(&corpus).expect("the corpus's thesaurus"),
        ..Default::default()
    };
    let (scores, run) = evaluate(
        docs,
        &dir.join(format!("topics.{name}.txt")),
        &dir.join(format!("qrels.{name}.txt")),
        &options,
    )
    .unwrap_or_else(|err| panic!("{name}: {err}"));
    assert!(run.values().all(|ranked| ranked.len() <= RUN_DEPTH));
    scores
}

#[test]
fn relevance_stays_above_its_floor_on_four_collections() {
    let mut report = Vec::new();
    for floor in &FLOORS {
        let docs = tempfile::tempdir().unwrap();
        let archive = fixture(floor.name).join(format!("{}.tar.gz", floor.name));
        let status = Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(docs.path())
            .status()
            .expect("tar runs");
        assert!(status.success(), "unpacking {}", archive.display());
        let scores = run(floor.name, docs.path(), false);
        assert_eq!(scores.documents, floor.documents, "{}", floor.name);
        assert_eq!(scores.topics, floor.topics, "{}: judged topics", floor.name);
        let expanded = run(floor.name, docs.path(), true);
        report.push(format!(
            "{}: MAP {:.4} (floor {}), expanded {:.4} (floor {})",
            floor.name, scores.map, floor.map, expanded.map, floor.expanded_map
        ));
        if scores.map < floor.map || expanded.map < floor.expanded_map {
            panic!("relevance fell below a floor:\n{}", report.join("\n"));
        }
    }
    eprintln!("{}", report.join("\n"));
}
