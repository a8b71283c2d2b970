//! Writes the main text of every page in `../shared/testdata/html-articles/html` to
//! `OUTDIR/KEY.txt`, for `extract_score.py --gt-json ... --got OUTDIR`.
//!
//! `cargo run -p casesearch-html --example extract_html_articles -- PAGES_DIR OUTDIR`

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(pages), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: extract_html_articles PAGES_DIR OUTDIR".into());
    };
    std::fs::create_dir_all(&out)?;
    for entry in std::fs::read_dir(&pages)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(key) = name.strip_suffix(".html.gz") else {
            continue;
        };
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path)?).read_to_end(&mut bytes)?;
        let text = casesearch_html::extract_main_text(&String::from_utf8_lossy(&bytes));
        std::fs::write(format!("{out}/{key}.txt"), text)?;
    }
    Ok(())
}
