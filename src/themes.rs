//! Theme reports for librarians and measurement: per theme, how many documents the
//! rules tag and sample evidence sentences; what a changed rules file would add and
//! remove before anything is rebuilt; and precision, recall and F1 against the hand
//! coding in `tests/fixtures/theme-coding` (the `casesearch themes` command and the
//! theme-quality test both call these).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use casesearch_cataloguing::theme_measure::{parse_coding, CodedDocument, Half, ThemeScores};
use casesearch_cataloguing::{Cataloguer, RegionTable, ThemeRules, ThemeTagger};
use casesearch_ingest::documents::{self, FileFormat, Hints, IncomingDocument};
use casesearch_ingest::Corpus;
use casesearch_model::{CataloguedReview, Review, ThemeTag};

use crate::PipelineError;

/// The corpus's records, catalogued with its own rules (or with `rules` instead).
pub fn catalogue_corpus(
    corpus: &Corpus,
    rules: Option<&Path>,
) -> Result<(Cataloguer, Vec<CataloguedReview>), PipelineError> {
    let records = corpus.read_reviews()?;
    let mut files = corpus.catalogue_files();
    if let Some(rules) = rules {
        files.themes = rules.to_path_buf();
    }
    let cataloguer = Cataloguer::load(&files, &records.reviews)?;
    let catalogued = cataloguer.catalogue_all(records.reviews);
    Ok((cataloguer, catalogued))
}

/// One theme's line in the report.
#[derive(Debug, Clone)]
pub struct ThemeCount {
    pub id: String,
    pub label: String,
    pub documents: usize,
    /// `(record id, section, sentence, why)` for the first few tagged documents.
    pub samples: Vec<(String, String, String, String)>,
}

/// Per theme, in the rules file's order: documents tagged and `samples` evidence
/// sentences from different documents.
pub fn theme_counts(
    rules: &ThemeRules,
    catalogued: &[CataloguedReview],
    samples: usize,
) -> Vec<ThemeCount> {
    rules
        .themes
        .iter()
        .map(|rule| {
            let tagged: Vec<&CataloguedReview> = catalogued
                .iter()
                .filter(|c| c.themes.iter().any(|tag| tag.id == rule.id))
                .collect();
            let samples = tagged
                .iter()
                .filter_map(|c| {
                    let tag = c.themes.iter().find(|tag| tag.id == rule.id)?;
                    let evidence = tag.evidence.first()?;
                    Some((
                        c.review.id.clone(),
                        evidence.section.clone(),
                        evidence.sentence.clone(),
                        evidence.why.clone(),
                    ))
                })
                .take(samples)
                .collect();
            ThemeCount {
                id: rule.id.clone(),
                label: rule.label.clone(),
                documents: tagged.len(),
                samples,
            }
        })
        .collect()
}

/// What changing the rules would do to one theme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Documents each theme would gain and lose if `proposed` replaced the corpus's rules:
/// themes are compared by id, so a new theme is all additions and a dropped one all
/// removals.
pub fn compare_rules(
    corpus: &Corpus,
    proposed: &Path,
) -> Result<BTreeMap<String, ThemeChange>, PipelineError> {
    let (_, current) = catalogue_corpus(corpus, None)?;
    let (_, changed) = catalogue_corpus(corpus, Some(proposed))?;
    let ids = |catalogued: &[CataloguedReview]| -> BTreeMap<String, BTreeSet<String>> {
        let mut by_theme: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for c in catalogued {
            for tag in &c.themes {
                by_theme
                    .entry(tag.id.clone())
                    .or_default()
                    .insert(c.review.id.clone());
            }
        }
        by_theme
    };
    let before = ids(&current);
    let after = ids(&changed);
    let themes: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = BTreeSet::new();
    Ok(themes
        .into_iter()
        .filter_map(|theme| {
            let was = before.get(theme).unwrap_or(&empty);
            let now = after.get(theme).unwrap_or(&empty);
            let change = ThemeChange {
                added: now.difference(was).cloned().collect(),
                removed: was.difference(now).cloned().collect(),
            };
            (change != ThemeChange::default()).then(|| (theme.clone(), change))
        })
        .collect())
}

/// Every coded document of the coding folder (`*.toml`), in file order.
pub fn read_coding(
    coding_dir: &Path,
    rules: &ThemeRules,
) -> Result<Vec<CodedDocument>, PipelineError> {
    let known: Vec<&str> = rules.themes.iter().map(|theme| theme.id.as_str()).collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(coding_dir)
        .map_err(|source| PipelineError::Coding {
            path: coding_dir.to_path_buf(),
            message: source.to_string(),
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut coded = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| PipelineError::Coding {
            path: path.clone(),
            message: source.to_string(),
        })?;
        coded.extend(
            parse_coding(&text, &known).map_err(|message| PipelineError::Coding {
                path: path.clone(),
                message,
            })?,
        );
    }
    Ok(coded)
}

/// The record each coded document names: a corpus record by id, or a specimen file
/// under `tests_dir` (a PDF, extracted as ingest would). A key that names nothing is
/// an error: the coding would silently shrink.
fn coded_reviews(
    coded: &[CodedDocument],
    corpus_reviews: &[Review],
    tests_dir: &Path,
    regions: &RegionTable,
) -> Result<Vec<Review>, PipelineError> {
    let by_id: BTreeMap<&str, &Review> =
        corpus_reviews.iter().map(|r| (r.id.as_str(), r)).collect();
    let options = casesearch_pdf::ExtractOptions::default();
    coded
        .iter()
        .map(|document| {
            if let Some(review) = by_id.get(document.key.as_str()) {
                return Ok((*review).clone());
            }
            let path = tests_dir.join(&document.key);
            let bytes = std::fs::read(&path).map_err(|err| PipelineError::Coding {
                path: path.clone(),
                message: format!(
                    "coded document {:?} is neither a record nor a readable file: {err}",
                    document.key
                ),
            })?;
            let incoming = IncomingDocument {
                key: document.key.clone(),
                bytes,
                kind: FileFormat::Pdf,
                hints: Hints::default(),
            };
            documents::record_for(&incoming, &options, regions).map_err(|message| {
                PipelineError::Coding {
                    path: path.clone(),
                    message,
                }
            })
        })
        .collect()
}

/// Precision, recall and F1 per theme on one half of the hand coding. The tagger
/// learns its boilerplate from the corpus and the coded specimens together, as a
/// build would.
pub fn measure_against_coding(
    corpus: &Corpus,
    rules: Option<&Path>,
    coding_dir: &Path,
    tests_dir: &Path,
    half: Half,
) -> Result<Measurement, PipelineError> {
    let mut files = corpus.catalogue_files();
    if let Some(rules) = rules {
        files.themes = rules.to_path_buf();
    }
    let theme_rules = ThemeRules::load(&files.themes)?;
    let coded = read_coding(coding_dir, &theme_rules)?;
    let records = corpus.read_reviews()?;
    let regions = RegionTable::load(&files.regions)?;
    let reviews = coded_reviews(&coded, &records.reviews, tests_dir, &regions)?;
    let specimens: Vec<&Review> = reviews
        .iter()
        .filter(|review| !records.reviews.iter().any(|r| r.id == review.id))
        .collect();
    let mut tagger = ThemeTagger::new(theme_rules);
    tagger.learn_boilerplate(records.reviews.iter().chain(specimens.iter().copied()));
    let cataloguer = Cataloguer::new(tagger, regions);
    let ids: Vec<String> = cataloguer
        .tagger()
        .rules()
        .themes
        .iter()
        .map(|theme| theme.id.clone())
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let pairs: Vec<(&CodedDocument, Vec<ThemeTag>)> = coded
        .iter()
        .zip(&reviews)
        .filter(|(document, _)| half.contains(&document.key))
        .map(|(document, review)| (document, cataloguer.catalogue(review).themes))
        .collect();
    let differences = pairs
        .iter()
        .filter_map(|(document, tags)| {
            let tagged: BTreeSet<String> = tags.iter().map(|tag| tag.id.clone()).collect();
            let missed: Vec<String> = document.themes.difference(&tagged).cloned().collect();
            // The tagger's evidence for a theme the coder did not give is what a rule
            // change has to answer, so it travels with the difference.
            let extra: Vec<ThemeTag> = tags
                .iter()
                .filter(|tag| !document.themes.contains(&tag.id))
                .cloned()
                .collect();
            (!missed.is_empty() || !extra.is_empty()).then(|| Difference {
                key: document.key.clone(),
                missed,
                extra,
            })
        })
        .collect();
    let scores = ThemeScores::measure(
        &ids,
        pairs.into_iter().map(|(document, tags)| {
            (
                &document.themes,
                tags.into_iter().map(|tag| tag.id).collect(),
            )
        }),
    );
    Ok(Measurement {
        scores,
        differences,
    })
}

/// The scores, and each document where the tagger and the coder disagree.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub scores: ThemeScores,
    pub differences: Vec<Difference>,
}

/// Themes the coder gave and the tagger missed, and the tags (with their evidence) only
/// the tagger gave.
#[derive(Debug, Clone)]
pub struct Difference {
    pub key: String,
    pub missed: Vec<String>,
    pub extra: Vec<ThemeTag>,
}
