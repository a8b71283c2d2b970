//! Trends: reports per year as bars (with each year's share of the collection), and per
//! theme and year as a shaded table. Every year from the first to the last is shown,
//! empty ones included, and every bar and cell links to the search it counts.

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use casesearch_index::Trends;
use maud::{html, Markup};

use super::{count_of, layout, replaced, search_link, value_of, Frame};
use crate::{openapi, params, AppState};

#[utoipa::path(get, path = "/trends", tag = "pages", params(openapi::PageParams),
    responses((status = 200, description = "Trends chart and tables", content_type = "text/html", body = String),
        (status = 400, description = "A query the engine refuses (values it cannot use are left out with a notice)", content_type = "text/html", body = String)))]
pub(crate) async fn trends_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    // As on the search page, what cannot be used is left out and said so, not refused.
    let checked = super::search::check_search(&pairs, &state.engine());
    let mut notices = checked.notices;
    notices.extend(
        checked
            .errors
            .into_iter()
            .map(|error| format!("{}; the years were left out.", error.message)),
    );
    let back = search_link(&checked.search);
    // The whole collection by year: the denominator of each year's share.
    let found = match crate::run_trends(&state, &checked.search).await {
        Ok(trends) => crate::run_trends(&state, &[])
            .await
            .map(|all| (trends, all)),
        Err(err) => Err(err),
    };
    match found {
        Ok((trends, all)) => {
            Html(render(&checked.search, &notices, &trends, &all).into_string()).into_response()
        }
        Err(err) => crate::error_page(&err, &back),
    }
}

/// Shades for counts, lightest first, each with a text colour of at least 4.5:1 on it.
const SHADES: [(&str, &str); 5] = [
    ("#ffffff", "#1b1b1b"),
    ("#e3edf8", "#1b1b1b"),
    ("#b9d1ec", "#1b1b1b"),
    ("#2a5f9e", "#ffffff"),
    ("#0b3a66", "#ffffff"),
];

fn shade(count: u64, max: u64) -> (&'static str, &'static str) {
    if count == 0 {
        return SHADES[0];
    }
    let step = ((count as f64 / max.max(1) as f64) * 3.999).floor() as usize;
    SHADES[(step + 1).min(SHADES.len() - 1)]
}

pub(crate) fn render(
    pairs: &[(String, String)],
    notices: &[String],
    trends: &Trends,
    all: &Trends,
) -> Markup {
    let query = value_of(pairs, "q").trim();
    let search: Vec<(String, String)> =
        pairs.iter().filter(|(n, _)| n != "page").cloned().collect();
    // Every year of the collection, so a year with no hits is a visible gap.
    let first = all
        .years
        .first()
        .copied()
        .into_iter()
        .chain(trends.years.first().copied())
        .min();
    let last = all
        .years
        .last()
        .copied()
        .into_iter()
        .chain(trends.years.last().copied())
        .max();
    let years: Vec<u64> = match (first, last) {
        (Some(first), Some(last)) => (first..=last).collect(),
        _ => Vec::new(),
    };
    let count_in = |source: &Trends, year: u64, counts: &[u64]| {
        source
            .years
            .iter()
            .position(|y| *y == year)
            .and_then(|i| counts.get(i).copied())
            .unwrap_or(0)
    };
    let counts: Vec<u64> = years
        .iter()
        .map(|year| count_in(trends, *year, &trends.counts))
        .collect();
    let totals: Vec<u64> = years
        .iter()
        .map(|year| count_in(all, *year, &all.counts))
        .collect();
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    // One scale for the whole table, so a darker cell always means more reports.
    let cell_max = trends
        .themes
        .iter()
        .flat_map(|theme| theme.counts.iter().copied())
        .max()
        .unwrap_or(1);
    let year_link = |extra: &[(&str, &str)], year: u64| {
        let mut link = replaced(
            &replaced(&search, "year_from", &year.to_string()),
            "year_to",
            &year.to_string(),
        );
        for (name, value) in extra {
            link.push(((*name).to_owned(), (*value).to_owned()));
        }
        search_link(&link)
    };
    let heading = if query.is_empty() {
        "Trends: all reports".to_owned()
    } else {
        format!("Trends for “{query}”")
    };
    let body = html! {
        main.single id="main" {
            p.back.noprint { a href=(search_link(pairs)) { "← Back to the results" } }
            h1 { (heading) }
            @if !notices.is_empty() {
                div.notices role="status" { @for notice in notices { p.notice { (notice) } } }
            }
            p.summary { (count_of(trends.total as u64, "report matches", "reports match")) "." }
            @if !years.is_empty() {
                h2 id="by-year" { "Reports per year" }
                p.hint { "Each bar links to that year's reports; the share is of all the collection's reports that year." }
                ol.bars aria-labelledby="by-year" {
                    @for ((year, count), total) in years.iter().zip(&counts).zip(&totals) {
                        @let width = 100.0 * (*count as f64) / (max as f64);
                        @let share = if *total > 0 { format!("{:.0}%", 100.0 * (*count as f64) / (*total as f64)) } else { "–".to_owned() };
                        li {
                            @if *count > 0 {
                                a href=(year_link(&[], *year)) {
                                    span.year { (year) }
                                    span.bar style=(format!("width: {width:.1}%")) {}
                                    span.count { (count) " (" (share) " of " (total) ")" }
                                }
                            } @else {
                                span.year { (year) }
                                span.bar.empty {}
                                span.count { "0 (of " (total) ")" }
                            }
                        }
                    }
                }
                h2 id="themes-heading" { "Themes per year" }
                p.hint { "Darker cells: more reports. Each number links to those reports. On a small screen the table scrolls sideways." }
                div.table-scroll tabindex="0" role="region" aria-labelledby="themes-heading" {
                    table.trends {
                        caption { "Reports per theme and year" }
                        thead { tr { th scope="col" { "Theme" } @for year in &years { th scope="col" { (year) } } th scope="col" { "All" } } }
                        tbody {
                            @for theme in &trends.themes {
                                tr {
                                    th scope="row" { (theme.label) }
                                    @for year in &years {
                                        @let count = count_in(trends, *year, &theme.counts);
                                        @let (background, ink) = shade(count, cell_max);
                                        td style=(format!("background:{background};color:{ink}")) {
                                            @if count > 0 {
                                                a style=(format!("color:{ink}")) href=(year_link(&[("theme", &theme.id)], *year)) { (count) }
                                            }
                                        }
                                    }
                                    td { strong { (theme.total) } }
                                }
                            }
                        }
                    }
                }
                h2 { "By nation and region" }
                ul.regions {
                    @for region in &trends.regions {
                        li class=(format!("depth-{}", region.depth.min(2))) {
                            a href=(search_link(&replaced(&search, "region", &region.value))) { (region.label) } " — " (region.count)
                        }
                    }
                }
            }
        }
    };
    layout(
        Frame {
            title: format!(
                "{heading} ({})",
                count_of(trends.total as u64, "report", "reports")
            ),
            skip_to: ("main", "Skip to main content"),
            feed: None,
        },
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_step_up_with_the_count_and_empty_cells_stay_white() {
        assert_eq!(shade(0, 10), SHADES[0]);
        assert_eq!(shade(1, 10), SHADES[1]);
        assert_eq!(shade(10, 10), SHADES[4]);
    }
}
