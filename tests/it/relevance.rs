//! Relevance floor on the CACM test collection (`shared/testdata/ir/cacm`): a change to
//! analysis or ranking that loses relevance fails here. The floors sit just under what
//! the product measured when they were set (MAP 0.2694, P@30 0.1788; Lucene's BM25
//! baseline is MAP 0.3123, P@30 0.1942): raise them as ranking improves.

use std::path::Path;
use std::process::Command;

const MAP_FLOOR: f64 = 0.265;
const P30_FLOOR: f64 = 0.175;

#[test]
fn cacm_relevance_stays_above_its_floor() {
    let cacm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/ir/cacm");
    if !cacm.exists() {
        eprintln!("skipped: {} is not beside this checkout", cacm.display());
        return;
    }
    let docs = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("xzf")
        .arg(cacm.join("cacm.tar.gz"))
        .arg("-C")
        .arg(docs.path())
        .status()
        .expect("tar runs");
    assert!(status.success());
    let (scores, run) = casesearch::eval::evaluate(
        docs.path(),
        &cacm.join("topics.cacm.txt"),
        &cacm.join("qrels.cacm.txt"),
        &casesearch::eval::EvalOptions::default(),
    )
    .unwrap();
    assert_eq!(scores.documents, 3204);
    assert_eq!(scores.topics, 52, "judged topics in the qrels");
    assert!(run
        .values()
        .all(|ranked| ranked.len() <= casesearch::eval::RUN_DEPTH));
    assert!(
        scores.map >= MAP_FLOOR,
        "MAP {:.4} fell below {MAP_FLOOR}",
        scores.map
    );
    assert!(
        scores.p30 >= P30_FLOOR,
        "P@30 {:.4} fell below {P30_FLOOR}",
        scores.p30
    );
}
