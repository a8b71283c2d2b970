//! Throughput of `extract` over the whole `shared/testdata/pdf` set, as a
//! ratio against poppler's `pdftotext` on the same files in the same run
//! (target: at least 1.0x, one core each). Needs poppler-utils for the
//! reference (`apt-get install -y poppler-utils`); without it only our own
//! pages/s is reported.
//!
//! `cargo bench -p casesearch-pdf --bench extract`

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use casesearch_pdf::{extract, ExtractOptions};

const ROUNDS: usize = 5;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/pdf");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("shared/testdata/pdf is beside the repository")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    let inputs: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("readable fixture"))
        .collect();

    // Pages and words of one pass; asserted so the bench measures real work.
    let opts = ExtractOptions::default();
    let (mut pages, mut words) = (0usize, 0usize);
    for bytes in &inputs {
        if let Ok(pdf) = extract(bytes, &opts) {
            pages += pdf.pages.len();
            words += pdf.text().split_whitespace().count();
        }
    }
    assert!(
        pages > 240 && words > 40_000,
        "pages {pages}, words {words}"
    );

    let ours = best_of(|| {
        for bytes in &inputs {
            let _ = std::hint::black_box(extract(bytes, &opts));
        }
    });
    let ours_rate = pages as f64 / ours.as_secs_f64();
    println!("casesearch-pdf: {} files, {pages} pages, {words} words in {:.1} ms: {ours_rate:.0} pages/s", files.len(), ours.as_secs_f64() * 1e3);

    if Command::new("pdftotext").arg("-v").output().is_err() {
        println!("pdftotext not found: apt-get install -y poppler-utils for the reference ratio");
        return;
    }
    let out = std::env::temp_dir().join("casesearch-pdf-bench.txt");
    let theirs = best_of(|| {
        for f in &files {
            let _ = Command::new("pdftotext")
                .args(["-q", "-enc", "UTF-8"])
                .arg(f)
                .arg(&out)
                .status();
        }
    });
    let theirs_rate = pages as f64 / theirs.as_secs_f64();
    println!("pdftotext:      same files in {:.1} ms: {theirs_rate:.0} pages/s (includes one process start per file)", theirs.as_secs_f64() * 1e3);
    println!(
        "ratio: {:.2}x pdftotext's throughput",
        ours_rate / theirs_rate
    );
    let _ = std::fs::remove_file(out);
}

fn best_of(mut run: impl FnMut()) -> Duration {
    (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}
