//! `casesearch eval`: relevance on a TREC-style test collection (the measuring itself is
//! the library's `casesearch::eval`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use casesearch_ingest::Corpus;

use anyhow::{bail, Context, Result};

use super::flags::EvalFlags;

/// Runs the evaluation with the thesaurus of the corpus at `corpus`, as users get it.
pub fn run(corpus: &Path, flags: EvalFlags) -> Result<ExitCode> {
    let EvalFlags {
        docs,
        topics,
        qrels,
        run,
        k1,
        b,
        title_boost,
        expand,
        no_synonyms,
        coordination,
        proximity,
        proximity_slop,
        tier_max,
        rm3_weight,
    } = flags;
    let synonyms = if no_synonyms {
        Vec::new()
    } else {
        casesearch::read_thesaurus(&Corpus::open(corpus)?)?
    };
    let mut options = casesearch::eval::EvalOptions {
        expand,
        synonyms,
        ..Default::default()
    };
    let ranking = &mut options.ranking;
    if let Some(exponent) = coordination {
        ranking.coordination.exponent = exponent;
    }
    if let Some(weight) = proximity {
        ranking.proximity.weight = weight;
    }
    if let Some(slop) = proximity_slop {
        ranking.proximity.slop = slop;
    }
    if let Some(max) = tier_max {
        ranking.coordination.tier_max_concepts = max;
    }
    if let Some(weight) = rm3_weight {
        ranking.feedback.original_query_weight = weight;
    }
    ranking.bm25.k1 = k1.unwrap_or(ranking.bm25.k1);
    ranking.bm25.b = b.unwrap_or(ranking.bm25.b);
    ranking.title_boost = title_boost.unwrap_or(ranking.title_boost);
    let (k1, b, title_boost) = (ranking.bm25.k1, ranking.bm25.b, ranking.title_boost);
    if !(k1.is_finite() && k1 >= 0.0) {
        bail!("--k1 must be a number ≥ 0, not {k1}");
    }
    if !(0.0..=1.0).contains(&b) {
        bail!("--b must be between 0 and 1, not {b}");
    }
    if !(title_boost.is_finite() && title_boost >= 0.0) {
        bail!("--title-boost must be a number ≥ 0, not {title_boost}");
    }
    let (scores, ranked) = casesearch::eval::evaluate(&docs, &topics, &qrels, &options)?;
    if let Some(path) = run {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        casesearch::eval::write_run(&ranked, &mut file)?;
    }
    writeln!(
        std::io::stdout().lock(),
        "{} documents, {} judged topics, depth {}\nMAP      {:.4}\nP@10     {:.4}\nP@30     {:.4}\nnDCG@10  {:.4}",
        scores.documents,
        scores.topics,
        casesearch::eval::RUN_DEPTH,
        scores.map,
        scores.p10,
        scores.p30,
        scores.ndcg10
    )?;
    Ok(ExitCode::SUCCESS)
}
