//! `casesearch themes`: the librarian's view of the theme rules (counts and evidence per
//! theme, the effect of a changed rules file) and the measurement against hand coding.
//! The work is the library's `casesearch::themes`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use casesearch::themes::{catalogue_corpus, compare_rules, measure_against_coding, theme_counts};
use casesearch_cataloguing::theme_measure::Half;
use casesearch_ingest::Corpus;

use super::flags::{CodingHalf, ThemesFlags};

pub fn run(corpus_dir: &Path, flags: ThemesFlags) -> Result<ExitCode> {
    let corpus = Corpus::open(corpus_dir)?;
    let mut out = std::io::stdout().lock();
    if let Some(proposed) = &flags.compare {
        let changes = compare_rules(&corpus, proposed)
            .with_context(|| format!("comparing {} with the corpus's rules", proposed.display()))?;
        if changes.is_empty() {
            writeln!(out, "no document would gain or lose a theme")?;
        }
        for (theme, change) in changes {
            writeln!(
                out,
                "{theme}: +{} -{}",
                change.added.len(),
                change.removed.len()
            )?;
            for id in &change.added {
                writeln!(out, "  + {id}")?;
            }
            for id in &change.removed {
                writeln!(out, "  - {id}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(coding) = &flags.coding {
        let half = match flags.half {
            CodingHalf::Tune => Half::Tune,
            CodingHalf::HeldBack => Half::HeldBack,
            CodingHalf::All => Half::All,
        };
        let measured = measure_against_coding(
            &corpus,
            flags.rules.as_deref(),
            coding,
            &flags.tests_dir,
            half,
        )?;
        write!(out, "{}", measured.scores.markdown_table())?;
        if flags.differences {
            for difference in &measured.differences {
                let extra: Vec<&str> = difference.extra.iter().map(|t| t.id.as_str()).collect();
                writeln!(
                    out,
                    "{}: missed {:?} extra {:?}",
                    difference.key, difference.missed, extra
                )?;
                if flags.evidence {
                    for tag in &difference.extra {
                        for evidence in &tag.evidence {
                            writeln!(
                                out,
                                "  + {} ({}): \u{201c}{}\u{201d}\n      because {}",
                                tag.id, evidence.section, evidence.sentence, evidence.why
                            )?;
                        }
                    }
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (cataloguer, catalogued) = catalogue_corpus(&corpus, flags.rules.as_deref())?;
    writeln!(out, "{} documents", catalogued.len())?;
    for theme in theme_counts(cataloguer.tagger().rules(), &catalogued, flags.samples) {
        writeln!(
            out,
            "\n{} ({}): {} documents",
            theme.label, theme.id, theme.documents
        )?;
        for (id, section, sentence, why) in theme.samples {
            writeln!(
                out,
                "  {id}, {section}: \u{201c}{sentence}\u{201d}\n    because {why}"
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
