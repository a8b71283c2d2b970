//! `casesearch search`: a search from the terminal, as text or as the API's JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use casesearch::{index_staleness, open_engine};
use casesearch_index::{SearchRequest, Sort, MAX_PER_PAGE};
use casesearch_model::Slug;

use super::flags::{SearchFlags, SortArg};

pub fn run(corpus: &Path, index: &Path, flags: SearchFlags) -> Result<ExitCode> {
    if let Some(reason) = index_staleness(corpus, index)? {
        bail!("the index is not current ({reason}); run `casesearch index` first");
    }
    let engine = open_engine(index)?;
    let request = search_request(&flags)?;
    if let Some(id) = &flags.explain {
        let explanation = engine
            .explain(&request, id)?
            .with_context(|| format!("{id} does not match this query (or does not exist)"))?;
        writeln!(std::io::stdout().lock(), "{explanation}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let results = engine.search(&request)?;
    let mut out = std::io::stdout().lock();
    if flags.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} documents", results.total)?;
    for hit in &results.hits {
        writeln!(out)?;
        writeln!(out, "{}  [{}]", hit.title, hit.id)?;
        writeln!(
            out,
            "  {} · {} · {}",
            hit.date.as_deref().unwrap_or("undated"),
            hit.review_type.label,
            hit.region.join(" / ")
        )?;
        for snippet in &hit.snippets {
            writeln!(
                out,
                "  {}: {}",
                snippet.section,
                terminal_text(&snippet.html)
            )?;
        }
        if !hit.themes.is_empty() {
            let labels: Vec<&str> = hit.themes.iter().map(|t| t.label.as_str()).collect();
            writeln!(out, "  themes: {}", labels.join("; "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The one place the command line's flags become a [`SearchRequest`]: the filters of
/// the API's search, checked by the same slug parser, with the first page of hits.
pub fn search_request(flags: &SearchFlags) -> Result<SearchRequest> {
    Ok(SearchRequest {
        query: flags.query.clone(),
        themes: flags.theme.clone(),
        regions: flags.region.clone(),
        types: from_slugs(&flags.review_type)?,
        publishers: flags.publisher.clone(),
        availability: from_slugs(&flags.availability)?,
        age_bands: from_slugs(&flags.age_band)?,
        year_from: flags.year_from,
        year_to: flags.year_to,
        sort: match flags.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
            SortArg::Oldest => Sort::Oldest,
        },
        per_page: flags.limit.clamp(1, MAX_PER_PAGE),
        expand: flags.expand,
        strict: flags.strict,
        synonyms: !flags.no_synonyms,
        ..SearchRequest::default()
    })
}

/// Each slug as its value; an unknown one is an error listing the values that would do.
fn from_slugs<T: Slug>(slugs: &[String]) -> Result<Vec<T>> {
    Ok(slugs
        .iter()
        .map(|slug| T::parse_slug(slug))
        .collect::<Result<_, _>>()?)
}

/// Snippet HTML for a terminal: marks become *…*, entities decoded.
fn terminal_text(html: &str) -> String {
    html.replace("<mark>", "*")
        .replace("</mark>", "*")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::flags::{Cli, Command};

    fn request(args: &[&str]) -> Result<SearchRequest> {
        let cli = Cli::try_parse_from(["casesearch", "search"].iter().chain(args))?;
        let Command::Search(flags) = cli.command else {
            unreachable!("parsed as `search`")
        };
        search_request(&flags)
    }

    #[test]
    fn command_line_filters_become_the_apis_request() {
        let built = request(&[
            "care plan",
            "--publisher",
            "London Inner North",
            "--type",
            "pfd",
            "--age-band",
            "11-15",
            "--sort",
            "newest",
            "--limit",
            "500",
        ])
        .expect("valid flags");
        assert_eq!(built.query, "care plan");
        assert_eq!(built.publishers, ["London Inner North"]);
        assert_eq!(
            built.types,
            [casesearch_model::ReviewType::PreventionOfFutureDeaths]
        );
        assert_eq!(
            built.age_bands,
            [casesearch_model::AgeBand::ElevenToFifteen]
        );
        assert_eq!(built.sort, Sort::Newest);
        assert_eq!((built.page, built.per_page), (1, MAX_PER_PAGE));
    }

    #[test]
    fn an_unknown_filter_value_is_refused_with_the_values_that_would_do() {
        let err = request(&["--availability", "lost"]).expect_err("not a value");
        assert!(
            err.to_string()
                .starts_with(r#"unknown availability "lost" (expected one of published, "#),
            "{err}"
        );
    }
}
