//! Theme tagging as a designated safeguarding lead meets it: the false tags and missed
//! cases of issue 16 pinned on specimens written for them (`tests/specimens/themes`),
//! the tagger's precision and recall against hand coding held back from tuning
//! (`tests/fixtures/theme-coding`, rules in docs/theme-coding.md), and the adult age band.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use casesearch_cataloguing::theme_measure::Half;
use casesearch_cataloguing::Cataloguer;
use casesearch_ingest::Corpus;
use casesearch_model::{AgeBand, Review, Slug};
use serde::Deserialize;

use super::fixture::*;

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeSpecimen {
    expected_themes: Vec<String>,
    absent_themes: Vec<String>,
    age_band: Option<String>,
    review: Review,
}

fn theme_specimens() -> Vec<(String, ThemeSpecimen)> {
    let dir = repo_path("tests/specimens/themes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let specimen = toml::from_str(&text).unwrap_or_else(|err| panic!("{name}: {err}"));
            (name, specimen)
        })
        .collect()
}

/// Issue 16's plain cases: a partner's alcohol use, a mother's depression and parenting
/// capacity, a stepfather's physical abuse; and its false tags: a partnership's name as
/// multi-agency working, "no evidence of neglect", a hypothetical disclosure, a mother
/// who had been in care, child themes on a 46-year-old.
#[test]
fn specimens_get_the_issues_missed_themes_and_none_of_its_false_tags() {
    let specimens = theme_specimens();
    assert_eq!(specimens.len(), 4);
    let mut reviews: Vec<Review> = records().to_vec();
    reviews.extend(specimens.iter().map(|(_, s)| s.review.clone()));
    let cataloguer = Cataloguer::load(
        &Corpus::open(corpus_dir()).unwrap().catalogue_files(),
        &reviews,
    )
    .unwrap();
    let mut problems = Vec::new();
    for (name, specimen) in &specimens {
        let catalogued = cataloguer.catalogue(&specimen.review);
        let tagged: BTreeSet<&str> = catalogued.themes.iter().map(|t| t.id.as_str()).collect();
        for theme in &specimen.expected_themes {
            if !tagged.contains(theme.as_str()) {
                problems.push(format!("{name}: {theme} missing (tagged {tagged:?})"));
            }
        }
        for theme in &specimen.absent_themes {
            if let Some(tag) = catalogued.themes.iter().find(|t| &t.id == theme) {
                problems.push(format!(
                    "{name}: {theme} wrongly tagged: {:?}",
                    tag.evidence
                ));
            }
        }
        if let Some(band) = &specimen.age_band {
            let got = catalogued.review.details.age_band.map(AgeBand::slug);
            if got != Some(band.as_str()) {
                problems.push(format!("{name}: age band {got:?}, expected {band}"));
            }
        }
        // Every tag explains itself with a whole sentence and why it counted.
        for tag in &catalogued.themes {
            let Some(evidence) = tag.evidence.first() else {
                problems.push(format!("{name}: {} has no evidence", tag.id));
                continue;
            };
            if evidence.sentence.is_empty() || evidence.why.is_empty() || evidence.about.is_empty()
            {
                problems.push(format!(
                    "{name}: {} evidence incomplete: {evidence:?}",
                    tag.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The evidence for the partner's drinking says whom the sentence is about.
#[test]
fn parental_substance_misuse_evidence_is_about_a_parent_or_carer() {
    let specimens = theme_specimens();
    let (_, partner) = specimens
        .iter()
        .find(|(name, _)| name.contains("partner-alcohol"))
        .unwrap();
    let cataloguer = Cataloguer::load(
        &Corpus::open(corpus_dir()).unwrap().catalogue_files(),
        records(),
    )
    .unwrap();
    let catalogued = cataloguer.catalogue(&partner.review);
    let tag = catalogued
        .themes
        .iter()
        .find(|t| t.id == "parental-substance-misuse")
        .unwrap();
    assert!(tag.sentences >= 2, "{tag:?}");
    assert!(
        tag.evidence.iter().all(|e| e.about == "parent or carer"),
        "{tag:?}"
    );
    assert!(tag.evidence.iter().any(|e| e.section == "p. 3"), "{tag:?}");
}

/// Bundled coroners' reports get an age band, adults included, and no adult is given a
/// child-specific theme.
#[test]
fn coroners_reports_about_adults_get_the_adult_band_and_no_child_theme() {
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let (cataloguer, catalogued) = casesearch::themes::catalogue_corpus(&corpus, None).unwrap();
    let child_only: Vec<&str> = cataloguer
        .tagger()
        .rules()
        .themes
        .iter()
        .filter(|rule| rule.child_only)
        .map(|rule| rule.id.as_str())
        .collect();
    assert!(child_only.contains(&"child-mental-health"));
    let adults: Vec<_> = catalogued
        .iter()
        .filter(|c| c.review.details.age_band == Some(AgeBand::Adult))
        .collect();
    let banded = catalogued
        .iter()
        .filter(|c| c.review.details.age_band.is_some())
        .count();
    // Measured 671 of 1,044 (64%): most coroners' reports state the age in their opening.
    assert!(
        banded * 10 >= catalogued.len() * 6,
        "{banded} of {}",
        catalogued.len()
    );
    assert!(adults.len() > 500, "{}", adults.len());
    for adult in adults {
        for tag in &adult.themes {
            assert!(
                !child_only.contains(&tag.id.as_str()),
                "{} (adult) tagged {}",
                adult.review.id,
                tag.id
            );
        }
    }
    assert_eq!(AgeBand::parse_slug("adult"), Ok(AgeBand::Adult));
}

/// Held-back half of the hand coding: the rules were never tuned on these documents.
/// The floor sits just under the figure measured when the rules were last changed (see
/// the README: 0.599 on 126 documents with rules 2026-11-26.21; the third batch of coding
/// added 33 held-back documents, which score lower than the first 93), so a rule change
/// that costs quality fails here.
const HELD_BACK_MACRO_F1_FLOOR: f64 = 0.59;

#[test]
fn held_back_theme_quality_stays_above_its_floor() {
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let measured = casesearch::themes::measure_against_coding(
        &corpus,
        None,
        &repo_path("tests/fixtures/theme-coding"),
        &repo_path("tests"),
        Half::HeldBack,
    )
    .unwrap();
    println!("{}", measured.scores.markdown_table());
    assert!(
        measured.scores.documents >= 120,
        "{}",
        measured.scores.documents
    );
    let macro_f1 = measured.scores.macro_f1();
    assert!(
        macro_f1 >= HELD_BACK_MACRO_F1_FLOOR,
        "held-back macro F1 {macro_f1:.3} fell below {HELD_BACK_MACRO_F1_FLOOR}"
    );
}

/// `/themes` shows every theme's definition and source, and links to its search.
#[tokio::test]
async fn the_themes_page_defines_every_theme_with_its_source() {
    let (status, body) = get_raw("/themes").await;
    assert_eq!(status, axum::http::StatusCode::OK);
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let rules = casesearch_cataloguing::ThemeRules::load(&corpus.themes_path()).unwrap();
    for rule in &rules.themes {
        assert!(!rule.definition.is_empty(), "{} has no definition", rule.id);
        assert!(!rule.source.is_empty(), "{} has no source", rule.id);
        assert!(
            body.contains(&format!("href=\"/?theme={}\"", rule.id)),
            "{}",
            rule.id
        );
    }
    assert!(body.contains("Fathers and male carers"));
    assert!(body.contains("Children only."));
}

/// A search can be restricted to adults or to children, and the two do not overlap.
#[tokio::test]
async fn age_band_filters_adults_and_children() {
    let all = search("q=suicide&per_page=50").await;
    let adults = search("q=suicide&age_band=adult&per_page=50").await;
    let children = search("q=suicide&age_band=children&per_page=50").await;
    assert!(total(&adults) > 0 && total(&children) > 0);
    assert!(total(&adults) + total(&children) <= total(&all));
    for hit in children["hits"].as_array().unwrap() {
        assert_ne!(hit["age_band"], "adult", "{hit}");
        assert!(!hit["age_band"].is_null(), "{hit}");
    }
    assert_eq!(facet_count(&all, "age_band", "adult"), total(&adults));
}

/// A librarian can see what a changed rules file would do before rebuilding: documents
/// gained and lost per theme, and nothing listed for themes the change does not touch.
#[test]
fn comparing_a_changed_rules_file_lists_the_documents_gained_and_lost() {
    let corpus = Corpus::open(corpus_dir()).unwrap();
    let current = std::fs::read_to_string(corpus.themes_path()).unwrap();
    let widened = current.replacen(
        "\"Gypsy\", \"Roma\",",
        "\"Gypsy\", \"Roma\", \"motorway\",",
        1,
    );
    assert_ne!(widened, current);
    let dir = tempfile::tempdir().unwrap();
    let proposed = dir.path().join("themes.toml");
    std::fs::write(&proposed, widened).unwrap();
    let changes = casesearch::themes::compare_rules(&corpus, &proposed).unwrap();
    assert_eq!(changes.keys().collect::<Vec<_>>(), ["gypsy-roma-traveller"]);
    let change = &changes["gypsy-roma-traveller"];
    assert!(
        !change.added.is_empty() && change.removed.is_empty(),
        "{change:?}"
    );
    let (cataloguer, catalogued) = casesearch::themes::catalogue_corpus(&corpus, None).unwrap();
    let counts = casesearch::themes::theme_counts(cataloguer.tagger().rules(), &catalogued, 2);
    let covid = counts.iter().find(|count| count.id == "covid-19").unwrap();
    assert!(covid.documents > 0 && covid.samples.len() == 2, "{covid:?}");
    assert!(covid
        .samples
        .iter()
        .all(|(_, _, sentence, why)| !sentence.is_empty() && !why.is_empty()));
}
