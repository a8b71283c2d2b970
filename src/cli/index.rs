//! `casesearch index`: bring the index up to date with the corpus, with a progress bar
//! and a summary (also what `serve` runs when the index is stale).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use casesearch::{index_corpus, BuildSummary};
use casesearch_index::BuildMode;
use indicatif::{ProgressBar, ProgressStyle};

pub fn run(corpus: &Path, index: &Path, full: bool) -> Result<ExitCode> {
    let mode = if full {
        BuildMode::Full
    } else {
        BuildMode::Incremental
    };
    let summary = build_with_progress(corpus, index, mode)?;
    print_theme_counts(&summary)?;
    Ok(if summary.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Builds with a progress bar, then reports on stderr what the build did and skipped.
pub fn build_with_progress(corpus: &Path, index: &Path, mode: BuildMode) -> Result<BuildSummary> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} documents ({elapsed})")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    bar.set_message("indexing");
    let summary = index_corpus(
        corpus,
        index,
        mode,
        &|total| bar.set_length(total),
        &|done| bar.set_position(done),
    )
    .with_context(|| {
        format!(
            "building the index at {} from {}",
            index.display(),
            corpus.display()
        )
    })?;
    bar.finish_and_clear();
    report(&summary);
    Ok(summary)
}

fn report(summary: &BuildSummary) {
    for rejected in &summary.rejected {
        eprintln!("skipped: {rejected}");
    }
    if !summary.catalogue_folded.is_empty() {
        eprintln!(
            "catalogue: {} records folded into the full text of the same review",
            summary.catalogue_folded.len()
        );
    }
    if summary.overridden > 0 {
        eprintln!("overrides: {} records corrected", summary.overridden);
    }
    for id in &summary.overrides_unmatched {
        eprintln!("overrides: no record has the id {id:?} (a typo, a removed record, or a catalogue record folded into its full text?)");
    }
    let unknown: u64 = summary
        .meta
        .unknown_publishers
        .iter()
        .map(|(_, count)| count)
        .sum();
    let changes = &summary.meta.changes;
    if let Some(reason) = &changes.full_reason {
        eprintln!("full build: {reason}");
    }
    eprintln!(
        "{} build: {} added, {} updated, {} removed, {} unchanged",
        if changes.full { "full" } else { "incremental" },
        changes.added,
        changes.updated,
        changes.removed,
        changes.unchanged
    );
    eprintln!(
        "indexed {} documents in {:.1}s; {} skipped; {} with an unknown region{}",
        summary.meta.documents,
        summary.seconds,
        summary.rejected.len(),
        unknown,
        if unknown > 0 {
            let names: Vec<String> = summary
                .meta
                .unknown_publishers
                .iter()
                .map(|(name, count)| format!("{name} ({count})"))
                .collect();
            format!(": {}", names.join(", "))
        } else {
            String::new()
        }
    );
}

fn print_theme_counts(summary: &BuildSummary) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "documents per theme ({} boilerplate sentences ignored):",
        summary.boilerplate_sentences
    )?;
    for (theme, count) in &summary.documents_per_theme {
        writeln!(out, "{count:>6}  {}  ({})", theme.label, theme.id)?;
    }
    Ok(())
}
