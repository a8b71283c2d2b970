//! `pdftext FILE.pdf… [--out DIR] [--keep-headers]`: writes NAME.txt per input (pages joined
//! by form feeds, like `pdftotext`) into DIR, or prints to stdout without
//! one. Errors go to stderr, one line per file, and the run goes on; the
//! exit status is 1 when any file failed.

use std::path::{Path, PathBuf};

use casesearch_pdf::{extract, ExtractOptions};

fn main() {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut out: Option<PathBuf> = None;
    let mut keep_headers = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--keep-headers" {
            keep_headers = true;
        } else if a == "--out" {
            out = args.next().map(PathBuf::from);
        } else {
            files.push(PathBuf::from(a));
        }
    }
    if files.is_empty() {
        eprintln!("usage: pdftext FILE.pdf... [--out DIR] [--keep-headers]");
        std::process::exit(2);
    }
    let opts = ExtractOptions {
        strip_running_headers: !keep_headers,
        ..ExtractOptions::default()
    };
    let mut failed = false;
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed = true;
                continue;
            }
        };
        match extract(&bytes, &opts) {
            Ok(pdf) => {
                let text = pdf.text();
                match &out {
                    Some(dir) => {
                        let stem = file.file_stem().unwrap_or(file.as_os_str());
                        let target = Path::new(dir).join(stem).with_extension("txt");
                        if let Err(e) = std::fs::write(&target, text) {
                            eprintln!("{}: {e}", target.display());
                            failed = true;
                        }
                    }
                    None => print!("{text}"),
                }
                eprintln!(
                    "{}: {} pages, {} need OCR",
                    file.display(),
                    pdf.pages.len(),
                    pdf.needs_ocr_pages()
                );
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
