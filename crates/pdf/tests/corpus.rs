//! The shared test PDFs, and the scorer's token F1 in Rust (same rules as
//! `shared/tools/extract_score.py`: NFKC, lower case, runs of letters and
//! digits, multiset overlap), so the quality test needs neither python nor
//! pdftotext.

use std::path::PathBuf;

use unicode_normalization::UnicodeNormalization;

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pdf")
}

/// Every PDF of the set, sorted by name.
pub fn pdfs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("testdata/pdf in the repository")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    files
}

pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn tokens(text: &str) -> Vec<String> {
    let normal: String = text
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .replace(['\u{00ad}', '\u{fffe}'], "");
    normal
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[path = "../../../tests/support/token_f1.rs"]
mod token_f1;
pub use token_f1::f1;
