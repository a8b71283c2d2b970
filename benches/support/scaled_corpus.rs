//! Scaled corpora for benchmarks: N× the bundled corpus, made by recombining real report
//! sections, deterministically from a seed. Shared by `examples/gen_corpus.rs` and
//! `benches/scale.rs` (included with `#[path]`, so neither needs a library of its own).
//!
//! Each generated record takes its shape (section labels, metadata) from one real report
//! and each section's text from a *different* real report with the same label, drawn at
//! random; its id, date and publisher (a canonical publisher from `regions.csv`) are new.
//! So the vocabulary, section lengths and term statistics are those of real reports, while
//! no two generated documents share their whole text.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use casesearch_ingest::corpus::{write_records, MANIFEST_FILE};
use casesearch_ingest::Corpus;
use casesearch_model::{Review, Section};
use chrono::NaiveDate;

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, well-studied generator; enough for
/// drawing sections, and keeps the benches free of a randomness dependency.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0); the modulo bias is below 2⁻⁴⁰ for our bounds.
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// The seed the benches and scripts use, so every run measures the same corpus.
pub const DEFAULT_SEED: u64 = 8;

#[derive(Debug)]
pub struct GeneratedCorpus {
    pub dir: PathBuf,
    pub documents: usize,
    pub text_bytes: u64,
}

/// Writes a corpus of `scale` × the records of `source` to `out` (created; its
/// `pfd/records.jsonl` replaced), with the same manifest, theme rules and regions table.
pub fn generate(
    source: &Path,
    out: &Path,
    scale: usize,
    seed: u64,
) -> Result<GeneratedCorpus, String> {
    if scale == 0 {
        return Err("the scale must be at least 1".into());
    }
    let corpus = Corpus::open(source).map_err(|err| err.to_string())?;
    let records = corpus.read_reviews().map_err(|err| err.to_string())?;
    if records.reviews.is_empty() {
        return Err(format!("{} has no records", source.display()));
    }
    let publishers = canonical_publishers(&corpus.regions_path())?;

    // Every real section text, by label, with the report it came from.
    let mut by_label: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (report, review) in records.reviews.iter().enumerate() {
        for section in &review.sections {
            by_label
                .entry(section.label.as_str())
                .or_default()
                .push((report, section.text.as_str()));
        }
    }

    let first_day = NaiveDate::from_ymd_opt(2013, 1, 1).ok_or("bad first day")?;
    let days = 13 * 365; // 2013–2025
    let mut rng = SplitMix64::new(seed);
    let mut generated = Vec::with_capacity(records.reviews.len() * scale);
    let mut text_bytes = 0u64;
    for number in 0..records.reviews.len() * scale {
        let shape_index = number % records.reviews.len();
        let shape = &records.reviews[shape_index];
        let sections = shape
            .sections
            .iter()
            .map(|section| {
                let pool = &by_label[section.label.as_str()];
                // A section from another report when there is one; a few tries suffice.
                let mut drawn = pool[rng.below(pool.len())];
                for _ in 0..4 {
                    if drawn.0 != shape_index || pool.len() == 1 {
                        break;
                    }
                    drawn = pool[rng.below(pool.len())];
                }
                text_bytes += drawn.1.len() as u64;
                Section {
                    label: section.label.clone(),
                    text: drawn.1.to_owned(),
                }
            })
            .collect();
        let publisher = publishers[rng.below(publishers.len())].clone();
        let date = first_day + chrono::Days::new(rng.below(days) as u64);
        let id = format!("gen-{scale}x-{number:07}");
        generated.push(Review {
            title: format!("Generated report {number} — {publisher}"),
            id,
            review_type: shape.review_type,
            publisher,
            date: Some(date),
            url: None,
            sections,
            metadata: shape.metadata.clone(),
            details: Default::default(),
        });
    }

    write_generated(&corpus, source, out, &generated, scale)?;
    Ok(GeneratedCorpus {
        dir: out.to_path_buf(),
        documents: generated.len(),
        text_bytes,
    })
}

/// Pages of a generated long review, and about how many bytes of text each holds: real
/// case reviews run to 20–120 PDF pages of ~3 KB (issue 18).
pub const LONG_PAGES: std::ops::RangeInclusive<usize> = 20..=120;
pub const LONG_PAGE_BYTES: usize = 3_000;

/// Writes a corpus of `documents` long reviews shaped like real case reviews: each has
/// 20–120 pages labelled "p. N" (as the PDF extractor labels them) of about 3 KB, filled
/// with real paragraphs of the source's reports drawn at random, and a case-review type.
/// Every generated review has one page count from [`LONG_PAGES`]; the first always has
/// the most, so benchmarks know where the longest review is (`long-0000000`).
pub fn generate_long(
    source: &Path,
    out: &Path,
    documents: usize,
    seed: u64,
) -> Result<GeneratedCorpus, String> {
    use casesearch_model::ReviewType;
    if documents == 0 {
        return Err("at least one document".into());
    }
    let corpus = Corpus::open(source).map_err(|err| err.to_string())?;
    let records = corpus.read_reviews().map_err(|err| err.to_string())?;
    // Paragraphs (blank-line or line separated) of every real section, long enough to
    // be prose rather than a heading.
    let paragraphs: Vec<&str> = records
        .reviews
        .iter()
        .flat_map(|review| &review.sections)
        .flat_map(|section| section.text.split('\n'))
        .map(str::trim)
        .filter(|paragraph| paragraph.len() >= 80)
        .collect();
    if paragraphs.is_empty() {
        return Err(format!("{} has no paragraphs", source.display()));
    }
    let publishers = canonical_publishers(&corpus.regions_path())?;
    const TYPES: [ReviewType; 5] = [
        ReviewType::SeriousCaseReview,
        ReviewType::LocalChildSafeguardingPracticeReview,
        ReviewType::ChildPracticeReview,
        ReviewType::SignificantCaseReview,
        ReviewType::LearningReview,
    ];
    let first_day = NaiveDate::from_ymd_opt(2010, 1, 1).ok_or("bad first day")?;
    let days = 16 * 365; // 2010–2025
    let mut rng = SplitMix64::new(seed);
    let mut generated = Vec::with_capacity(documents);
    let mut text_bytes = 0u64;
    let span = LONG_PAGES.end() - LONG_PAGES.start() + 1;
    let mut draws = 0usize;
    for number in 0..documents {
        let pages = if number == 0 {
            *LONG_PAGES.end()
        } else {
            LONG_PAGES.start() + rng.below(span)
        };
        let sections = (1..=pages)
            .map(|page| {
                let mut text = String::with_capacity(LONG_PAGE_BYTES + 1_000);
                while text.len() < LONG_PAGE_BYTES {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(paragraphs[rng.below(paragraphs.len())]);
                    draws += 1;
                }
                text_bytes += text.len() as u64;
                Section {
                    label: format!("p. {page}"),
                    text,
                }
            })
            .collect();
        let publisher = publishers[rng.below(publishers.len())].clone();
        let date = first_day + chrono::Days::new(rng.below(days) as u64);
        generated.push(Review {
            title: format!("Generated review {number} ({pages} pages) — {publisher}"),
            id: format!("long-{number:07}"),
            review_type: TYPES[rng.below(TYPES.len())],
            publisher,
            date: Some(date),
            url: None,
            sections,
            metadata: Default::default(),
            details: Default::default(),
        });
    }
    // Each paragraph recurs in about draws ÷ paragraphs documents; the tagger's
    // boilerplate threshold must sit above that, as in a scaled corpus.
    let recurrence = draws.div_ceil(paragraphs.len()).max(1);
    write_generated(&corpus, source, out, &generated, 2 * recurrence)?;
    Ok(GeneratedCorpus {
        dir: out.to_path_buf(),
        documents: generated.len(),
        text_bytes,
    })
}

/// Writes `generated` as `out`'s records, with `source`'s manifest, theme rules (the
/// boilerplate threshold scaled by `scale`, see [`scale_boilerplate_threshold`]) and regions table.
fn write_generated(
    corpus: &Corpus,
    source: &Path,
    out: &Path,
    generated: &[Review],
    scale: usize,
) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|err| format!("creating {}: {err}", out.display()))?;
    let manifest = corpus.manifest();
    let themes = fs::read_to_string(corpus.themes_path())
        .map_err(|err| format!("reading {}: {err}", corpus.themes_path().display()))?;
    let themes_out = out.join(&manifest.themes);
    if let Some(parent) = themes_out.parent() {
        fs::create_dir_all(parent)
            .map_err(|err| format!("creating {}: {err}", parent.display()))?;
    }
    fs::write(&themes_out, scale_boilerplate_threshold(&themes, scale)?)
        .map_err(|err| format!("writing {}: {err}", themes_out.display()))?;
    for file in [PathBuf::from(MANIFEST_FILE), manifest.regions.clone()] {
        let target = out.join(&file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(|err| format!("creating {}: {err}", parent.display()))?;
        }
        fs::copy(source.join(&file), &target)
            .map_err(|err| format!("copying {}: {err}", file.display()))?;
    }
    // The bundled manifest has one collection; all generated records go into it.
    let collection = manifest
        .collections
        .first()
        .ok_or("the source manifest has no collection")?;
    write_records(&out.join(&collection.records), generated).map_err(|err| err.to_string())?;
    for extra in manifest.collections.iter().skip(1) {
        write_records(&out.join(&extra.records), &[]).map_err(|err| err.to_string())?;
    }
    Ok(())
}

/// The tagger treats a sentence found in `boilerplate_min_documents` documents (default
/// 10) as template text. Every real section recurs about `scale` times in a scaled
/// corpus, so the threshold is scaled too; otherwise nearly every sentence would count as
/// boilerplate and the generated documents would lose their theme tags.
fn scale_boilerplate_threshold(themes: &str, scale: usize) -> Result<String, String> {
    const KEY: &str = "boilerplate_min_documents";
    let mut lines: Vec<String> = Vec::new();
    let mut found = false;
    let mut in_table = false;
    for line in themes.lines() {
        in_table |= line.trim_start().starts_with('[');
        let is_key = !in_table && line.trim_start().starts_with(KEY);
        if is_key {
            let value = line
                .split_once('=')
                .and_then(|(_, value)| value.split('#').next())
                .and_then(|value| value.trim().parse::<usize>().ok())
                .ok_or_else(|| format!("cannot read {KEY} in {line:?}"))?;
            lines.push(format!("{KEY} = {}", value * scale));
            found = true;
        } else {
            lines.push(line.to_owned());
        }
    }
    if !found {
        let version = lines
            .iter()
            .position(|line| line.trim_start().starts_with("version"))
            .ok_or("the theme rules have no version line")?;
        // The tagger's default is 10 (crates/cataloguing/src/themes.rs).
        lines.insert(version + 1, format!("{KEY} = {}", 10 * scale));
    }
    Ok(lines.join("\n") + "\n")
}

/// The first column of the regions table: every publisher the cataloguer places.
fn canonical_publishers(regions: &Path) -> Result<Vec<String>, String> {
    let mut reader =
        csv::Reader::from_path(regions).map_err(|err| format!("{}: {err}", regions.display()))?;
    let mut publishers = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|err| format!("{}: {err}", regions.display()))?;
        if let Some(name) = row.get(0).filter(|name| !name.trim().is_empty()) {
            publishers.push(name.trim().to_owned());
        }
    }
    if publishers.is_empty() {
        return Err(format!("{} lists no publishers", regions.display()));
    }
    Ok(publishers)
}
