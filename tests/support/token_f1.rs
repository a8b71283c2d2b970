//! Bag-of-words token F1, as `../shared/tools/extract_score.py` computes it: the one
//! scorer the PDF and HTML extraction tests share (each tokenises its own way first).

use std::collections::HashMap;

/// F1 of `got`'s tokens against `reference`'s, each token matched at most as often as
/// it occurs in the reference; 1 when both are empty, 0 when only one is.
pub fn f1(got: &[String], reference: &[String]) -> f64 {
    if got.is_empty() && reference.is_empty() {
        return 1.0;
    }
    if got.is_empty() || reference.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for token in reference {
        *counts.entry(token).or_default() += 1;
    }
    let mut common = 0;
    for token in got {
        if let Some(count) = counts.get_mut(token.as_str()) {
            if *count > 0 {
                *count -= 1;
                common += 1;
            }
        }
    }
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / got.len() as f64;
    let recall = common as f64 / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}
