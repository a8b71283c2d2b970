//! The HTML extractor scored on real pages with hand-made ground truth
//! (`testdata/html-articles`, vendored from `../shared`; from scrapinghub/article-extraction-benchmark).
//!
//! The score is bag-of-words token F1, as `../shared/tools/extract_score.py` computes it
//! (lower-cased runs of letters and digits; the script also NFKC-normalises, which moves
//! the mean by well under 0.001 here).

use std::io::Read;
use std::path::PathBuf;

use casesearch_html::extract_main_text;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn html_article(key: &str) -> String {
    let path = testdata()
        .join("html-articles/html")
        .join(format!("{key}.html.gz"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("test page"))
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('\u{00ad}', "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}

#[path = "../../../tests/support/token_f1.rs"]
mod scorer;

fn token_f1(got: &str, reference: &str) -> f64 {
    scorer::f1(&tokens(got), &tokens(reference))
}

fn ground_truth_file() -> serde_json::Value {
    let path = testdata().join("html-articles/ground-truth.json");
    serde_json::from_slice(&std::fs::read(path).expect("ground truth")).expect("json")
}

/// The bar is a mean F1 of 0.955 (readability-lxml scores 0.950 on these pages
/// with this scorer, trafilatura 0.944). We measure 0.9653 (the same figure as
/// extract_score.py) and pin the floor just under: one page falling from 1.0 to 0.7
/// moves the mean by 0.002, so a real regression fails the test.
const MEAN_F1_FLOOR: f64 = 0.963;

#[test]
fn main_text_of_real_pages_scores_above_the_floor() {
    let truth = ground_truth_file();
    let entries = truth.as_object().expect("object");
    let mut scores: Vec<(f64, &str)> = Vec::new();
    for (key, item) in entries {
        let reference = item["articleBody"].as_str().expect("articleBody");
        let got = extract_main_text(&html_article(key));
        scores.push((token_f1(&got, reference), key));
    }
    scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (score, key) in &scores {
        println!("{key} f1={score:.4}");
    }
    let mean = scores.iter().map(|(score, _)| score).sum::<f64>() / scores.len() as f64;
    let median = scores[scores.len() / 2].0;
    println!(
        "pages={} mean_f1={mean:.4} median_f1={median:.4}",
        scores.len()
    );
    assert_eq!(scores.len(), 145);
    assert!(
        mean >= MEAN_F1_FLOOR,
        "mean F1 {mean:.4} under {MEAN_F1_FLOOR}"
    );
}
