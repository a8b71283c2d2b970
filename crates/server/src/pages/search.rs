//! The search page: the form, the selected filters as removable tags, the filter panel
//! (a `<details>` that small screens keep folded and wide ones show), the results with
//! numbered pages, and a zero-results page that offers a way out.
//!
//! The page never refuses a search: a filter value it does not know (a renamed theme in
//! an old link) is left out with a notice, and a year it cannot use is shown in a GOV.UK
//! error summary beside the user's own values, with the rest of the search still run.

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use casesearch_index::{Engine, FacetValue, Hit, SearchResults, ThemeLabel};
use maud::{html, Markup, PreEscaped};

use super::{count_of, document_link, hit_anchor, layout, replaced, search_link, value_of, Frame};
use crate::params::{self, SEARCH_PARAMETERS};
use crate::{openapi, AppState};

/// Filters a user sets (and can remove one by one), in the order their tags are shown.
const FILTERS: [(&str, &str); 8] = [
    ("theme", "Theme"),
    ("region", "Region"),
    ("type", "Type"),
    ("publisher", "Published by"),
    ("age_band", "Age"),
    ("availability", "Availability"),
    ("year_from", "From"),
    ("year_to", "To"),
];

/// A mistake the user can correct on the form, shown in the error summary and beside
/// the field (`field` is the input's id).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The request as the page will run it: what was left out, and why.
#[derive(Debug, Default)]
pub(crate) struct CheckedSearch {
    /// The pairs the search runs with (and links carry forward).
    pub search: Vec<(String, String)>,
    /// Things left out, in words for the user.
    pub notices: Vec<String>,
    pub errors: Vec<FieldError>,
}

/// Sorts the user's pairs into those the search can use, notices for values left out,
/// and errors for years to correct. Each pair is checked on its own by the API's own
/// parser, so the page and the API agree on what is valid.
pub(crate) fn check_search(pairs: &[(String, String)], engine: &Engine) -> CheckedSearch {
    let mut checked = CheckedSearch::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        let known = SEARCH_PARAMETERS.iter().find(|known| **known == name);
        let Some(&known) = known else {
            checked.notices.push(format!(
                "“{name}” is not a setting this page knows, so it was ignored."
            ));
            continue;
        };
        // The page never refuses what people type: syntax is always read leniently.
        if known == "strict" {
            continue;
        }
        let multi = FILTERS[..6].iter().any(|(filter, _)| *filter == known);
        if !multi && seen.contains(&known) {
            checked.notices.push(format!(
                "“{name}” was given more than once; the first was used."
            ));
            continue;
        }
        if let Err(err) = params::search_request(&[(name.clone(), value.clone())]) {
            match known {
                "year_from" | "year_to" => checked.errors.push(FieldError {
                    field: known,
                    message: format!(
                        "Enter the “{}” year as four digits, like 2019",
                        if known == "year_from" { "From" } else { "To" }
                    ),
                }),
                _ => {
                    // The API's message names codes; the page says what it did instead.
                    tracing::debug!(parameter = known, error = %err.body().message, "left out of a page search");
                    checked.notices.push(left_out(known, value));
                }
            }
            continue;
        }
        if known == "theme"
            && !value.is_empty()
            && !engine
                .meta()
                .themes
                .iter()
                .any(|theme| theme.id == value.trim())
        {
            checked.notices.push(format!(
                "“{value}” is not one of our themes (it may have been renamed), so it was left out."
            ));
            continue;
        }
        // A value left out above does not count: a later, usable one is used.
        seen.push(known);
        checked.search.push((name.clone(), value.clone()));
    }
    let year = |name| value_of(&checked.search, name).trim().parse::<u64>().ok();
    if let (Some(from), Some(to)) = (year("year_from"), year("year_to")) {
        if from > to {
            checked.errors.push(FieldError {
                field: "year_from",
                message: format!(
                    "The “From” year ({from}) must be the same as or before the “To” year ({to})"
                ),
            });
            checked
                .search
                .retain(|(name, _)| name != "year_from" && name != "year_to");
        }
    }
    checked
}

/// What the page did with a value it could not use, in words.
fn left_out(name: &str, value: &str) -> String {
    match name {
        "type" => format!("“{value}” is not a type of review this page knows, so it was left out."),
        "age_band" => format!("“{value}” is not an age band this page knows, so it was left out."),
        "availability" => {
            format!("“{value}” is not an availability this page knows, so it was left out.")
        }
        "sort" => format!("“{value}” is not an order this page knows, so best match is used."),
        "page" => format!("“{value}” is not a page we can show, so the first page is shown."),
        "per_page" => {
            format!("“{value}” is not a number of results per page we can show, so 20 are shown.")
        }
        _ => format!("“{value}” is not a value “{name}” can take, so it was ignored."),
    }
}

#[utoipa::path(get, path = "/", tag = "pages", params(openapi::PageParams),
    responses((status = 200, description = "The search page; with an error summary above the form, the user's choices kept, when a year cannot be used", content_type = "text/html", body = String)))]
pub(crate) async fn search_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = params::parse_pairs(raw.as_deref());
    let engine = state.engine();
    let mut checked = check_search(&pairs, &engine);
    let results = match crate::run_search(&state, &checked.search).await {
        Ok(results) => Some(results),
        // Ours, not the user's: no form field to point at.
        Err(err) if err.status_and_code().0.is_server_error() => {
            return crate::error_page(&err, "/");
        }
        Err(err) => {
            checked.errors.push(FieldError {
                field: "q",
                message: err.body().message,
            });
            None
        }
    };
    // 200 with an error summary, as a form shown again is: the page is the answer, and
    // the user's choices are all in it.
    let page = render(
        &pairs,
        &checked,
        results.as_ref(),
        engine.document_count(),
        &engine.meta().themes,
    );
    Html(page.into_string()).into_response()
}

/// The whole page. `pairs` are what the user sent (the form shows them, mistakes
/// included); links carry `checked.search`.
pub(crate) fn render(
    pairs: &[(String, String)],
    checked: &CheckedSearch,
    results: Option<&SearchResults>,
    collection: u64,
    themes: &[ThemeLabel],
) -> Markup {
    let query = value_of(pairs, "q").trim();
    let search = &checked.search;
    let heading = if query.is_empty() {
        "Search the reviews".to_owned()
    } else {
        format!("Results for “{query}”")
    };
    let mut title = heading.clone();
    if let Some(results) = results {
        if !query.is_empty() || has_filters(search) {
            title = format!(
                "{title} ({})",
                count_of(results.total as u64, "report", "reports")
            );
        }
    }
    if !checked.errors.is_empty() {
        title = format!("Error: {title}");
    }
    let error_for = |field: &str| error_for(&checked.errors, field);
    let body = html! {
        main id="main" {
            div.top {
                h1 { (heading) }
                @if !checked.errors.is_empty() {
                    div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                        h2 id="error-summary-title" { "There is a problem" }
                        ul {
                            @for error in &checked.errors {
                                li { a href=(format!("#{}", error.field)) { (error.message) } }
                            }
                        }
                        @if results.is_some() { p { "The results below leave out the years until they are corrected." } }
                    }
                }
                form.searchbar id="search" method="get" action="/" role="search" {
                    div.field.grow {
                        label for="q" { "Words to search for" }
                        @if let Some(error) = error_for("q") {
                            p.error-message id="q-error" { span.visually-hidden { "Error: " } (error.message) }
                        }
                        input type="search" id="q" name="q" value=(query) aria-describedby=[error_for("q").map(|_| "q-error")] placeholder="e.g. \"information sharing\" health visitor";
                    }
                    div.field {
                        label for="sort" { "Order" }
                        select id="sort" name="sort" {
                            // Best match is the default: a first search typed on the home
                            // page must be ranked by relevance, not by date.
                            @let sort = match value_of(search, "sort") { "" => "relevance", chosen => chosen };
                            @for (value, label) in [("relevance", "Best match (newest first without words)"), ("newest", "Newest first"), ("oldest", "Oldest first")] {
                                option value=(value) selected[sort == value] { (label) }
                            }
                        }
                    }
                    button type="submit" { "Search" }
                }
                @if has_filters(search) {
                    (selected_filters(search, results))
                }
            }
            @if let Some(results) = results {
                (filter_panel(pairs, search, results, &checked.errors, themes))
            }
            section.results id="results" aria-labelledby="results-heading" tabindex="-1" {
                h2 id="results-heading" { "Results" }
                @if !checked.notices.is_empty() {
                    div.notices role="status" {
                        @for notice in &checked.notices { p.notice { (notice) } }
                    }
                }
                @if let Some(results) = results {
                    (result_list(search, results, collection))
                }
            }
        }
    };
    let feed = format!("/feed.atom?{}", params::query_string(search, &[]));
    layout(
        Frame {
            title,
            skip_to: ("results", "Skip to results"),
            feed: Some(feed),
        },
        body,
    )
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors.iter().find(|error| error.field == field)
}

fn has_filters(search: &[(String, String)]) -> bool {
    search.iter().any(|(name, value)| {
        !value.trim().is_empty() && FILTERS.iter().any(|(filter, _)| filter == name)
    })
}

/// The label a filter value is shown with: its facet's label where the facet lists it.
fn filter_label(name: &str, value: &str, results: Option<&SearchResults>) -> String {
    let facets = results.map(|results| &results.facets);
    let values: &[FacetValue] = match (name, facets) {
        ("theme", Some(facets)) => &facets.theme,
        ("region", Some(facets)) => &facets.region,
        ("type", Some(facets)) => &facets.review_type,
        ("age_band", Some(facets)) => &facets.age_band,
        ("availability", Some(facets)) => &facets.availability,
        _ => &[],
    };
    values
        .iter()
        .find(|facet| facet.value == value)
        .map(|facet| facet.label.clone())
        .unwrap_or_else(|| value.replace('/', " › "))
}

/// Selected filters as tags, each a link that removes it, then "Clear filters" (the MOJ
/// filter pattern): a ticked box deep in a long list is otherwise out of sight.
fn selected_filters(search: &[(String, String)], results: Option<&SearchResults>) -> Markup {
    let kept_without_filters: Vec<(String, String)> = search
        .iter()
        .filter(|(name, _)| !FILTERS.iter().any(|(filter, _)| filter == name) && name != "page")
        .cloned()
        .collect();
    html! {
        div.selected-filters aria-labelledby="selected-heading" {
            h2 id="selected-heading" { "Selected filters" }
            ul.tags {
                @for (index, (name, value)) in search.iter().enumerate() {
                    @if let Some((_, group)) = FILTERS.iter().find(|(filter, _)| filter == name) {
                        @if !value.trim().is_empty() {
                            @let without: Vec<(String, String)> = search.iter().enumerate()
                                .filter(|(other, (n, _))| *other != index && n != "page")
                                .map(|(_, pair)| pair.clone()).collect();
                            li {
                                a.tag href=(search_link(&without)) {
                                    span.visually-hidden { "Remove filter " }
                                    (group) ": " (filter_label(name, value.trim(), results))
                                    span aria-hidden="true" { " ×" }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(search_link(&kept_without_filters)) { "Clear filters" } }
        }
    }
}

fn filter_panel(
    pairs: &[(String, String)],
    search: &[(String, String)],
    results: &SearchResults,
    errors: &[FieldError],
    themes: &[ThemeLabel],
) -> Markup {
    let open = !errors.is_empty();
    let error_for = |field: &str| error_for(errors, field);
    let selected = search
        .iter()
        .filter(|(name, value)| {
            !value.is_empty() && FILTERS.iter().any(|(filter, _)| filter == name)
        })
        .count();
    html! {
        // Folded on small screens so the first result shows without scrolling; the
        // stylesheet shows the contents and hides the summary on wide screens.
        details.filters open[open] {
            summary { "Filter results" @if selected > 0 { " (" (selected) " selected)" } }
            div.filter-body aria-label="Filters" role="group" {
                p.apply-top { button type="submit" form="search" { "Apply filters" } }
                p.hint { "Reports must match every group you choose from, and any of the values you tick within a group." }
                fieldset.years {
                    legend { "Year" }
                    @for (field, label) in [("year_from", "From"), ("year_to", "To")] {
                        div.field {
                            label for=(field) { (label) }
                            @if let Some(error) = error_for(field) {
                                p.error-message id=(format!("{field}-error")) { span.visually-hidden { "Error: " } (error.message) }
                            }
                            input type="text" inputmode="numeric" id=(field) name=(field) form="search" size="4" maxlength="4"
                                aria-invalid=[error_for(field).map(|_| "true")]
                                aria-describedby=[error_for(field).map(|_| format!("{field}-error"))]
                                value=(value_of(pairs, field));
                        }
                    }
                }
                @if !results.facets.year.is_empty() {
                    // Open when browsing the whole collection: year lists are how many
                    // readers start.
                    details.browse-years open[!has_filters(search) && value_of(search, "q").trim().is_empty()] {
                        summary { "Browse by year" }
                        ul {
                            @for year in results.facets.year.iter().filter(|year| year.count > 0) {
                                @let one_year = replaced(&replaced(&without_page(search), "year_from", &year.value), "year_to", &year.value);
                                li { a href=(search_link(&one_year)) { (year.label) } " " span.count { "(" (year.count) ")" } }
                            }
                        }
                    }
                }
                (facet_group("Theme", "theme", &results.facets.theme))
                (theme_definitions(&results.facets.theme, themes))
                (facet_group("Region", "region", &results.facets.region))
                (facet_group("Type of review", "type", &results.facets.review_type))
                @if !results.facets.age_band.is_empty() {
                    (facet_group("Age of the child", "age_band", &results.facets.age_band))
                }
                @if results.facets.availability.iter().any(|value| value.value != "published") {
                    (facet_group("Availability", "availability", &results.facets.availability))
                }
                @for (name, value) in search.iter().filter(|(n, _)| n == "publisher") {
                    input type="hidden" name=(name) value=(value) form="search";
                }
                @for name in ["synonyms", "expand", "correct", "per_page"] {
                    @if !value_of(search, name).is_empty() {
                        input type="hidden" name=(name) value=(value_of(search, name)) form="search";
                    }
                }
                // Sticky, so it stays in reach however long the lists are.
                p.apply { button type="submit" form="search" { "Apply filters" } }
            }
        }
    }
}

fn without_page(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter(|(name, _)| name != "page")
        .cloned()
        .collect()
}

/// One group of checkboxes. Values no document has are left out (unless ticked: an
/// unticked box must stay removable); ticks within a group mean "any of".
fn facet_group(legend: &str, name: &str, values: &[FacetValue]) -> Markup {
    let shown: Vec<(usize, &FacetValue)> = values
        .iter()
        .enumerate()
        .filter(|(_, value)| value.count > 0 || value.selected)
        .collect();
    html! {
        @if !shown.is_empty() {
            fieldset.facet aria-describedby=(format!("{name}-hint")) {
                legend { (legend) }
                p.hint id=(format!("{name}-hint")) { "Tick any: reports with any of them are shown." }
                @for (index, value) in shown {
                    @let id = format!("{name}-{index}");
                    div class=(format!("check depth-{}", value.depth.min(2))) {
                        input type="checkbox" id=(id) name=(name) value=(value.value) form="search" checked[value.selected];
                        label for=(id) { (value.label) " " span.count { "(" (value.count) ")" } }
                    }
                }
            }
        }
    }
}

/// What the listed themes mean, beside the facet: a reader choosing a theme should not
/// have to leave the page, or hover, to learn what it covers. A `details` opens by
/// keyboard and touch alike.
fn theme_definitions(values: &[FacetValue], themes: &[ThemeLabel]) -> Markup {
    let shown: Vec<&ThemeLabel> = themes
        .iter()
        .filter(|theme| !theme.definition.is_empty())
        .filter(|theme| {
            values
                .iter()
                .any(|value| value.value == theme.id && (value.count > 0 || value.selected))
        })
        .collect();
    html! {
        @if !shown.is_empty() {
            details.theme-definitions {
                summary { "What these themes mean" }
                dl {
                    @for theme in shown {
                        dt { (theme.label) }
                        dd { (theme.definition) }
                    }
                }
                p { a href="/themes" { "Every theme, with its source" } }
            }
        }
    }
}

fn result_list(search: &[(String, String)], results: &SearchResults, collection: u64) -> Markup {
    let first = (results.page - 1) * results.per_page + 1;
    let last = (first + results.hits.len()).saturating_sub(1);
    let pages = results.total.div_ceil(results.per_page).max(1);
    let all = params::query_string(search, &[]);
    html! {
        (query_report(search, results))
        @if results.total == 0 {
            (zero_results(search))
        } @else if results.hits.is_empty() {
            p.summary {
                "There is no page " (results.page) ": the " (count_of(results.total as u64, "result fits", "results fit"))
                " on " (count_of(pages as u64, "page", "pages")) ". "
                a href=(search_link(&replaced(search, "page", &pages.to_string()))) { "Go to the last page" }
            }
        } @else {
            p.summary {
                @if results.total == 1 {
                    "1 report matches"
                } @else if pages == 1 {
                    (count_of(results.total as u64, "report", "reports")) " match"
                } @else {
                    "Showing " (first) "–" (last) " of " (results.total) " reports"
                }
                @if (results.total as u64) < collection { " (of " (collection) " in the collection)" }
                "."
            }
            p.downloads.noprint {
                a href=(format!("/trends?{all}")) { "Trends over the years" }
                " · Download: " a href=(format!("/api/search.csv?{all}")) { "spreadsheet (CSV)" }
                " · Follow: " a href=(format!("/feed.atom?{all}")) { "Atom feed" }
            }
            ol.hits start=(first) {
                @for hit in &results.hits {
                    (hit_item(hit, search))
                }
            }
            @if pages > 1 {
                (pagination(search, results.page, pages))
            }
        }
    }
}

fn hit_item(hit: &Hit, search: &[(String, String)]) -> Markup {
    let link = document_link(&hit.id, search);
    html! {
        li {
            h3 { a href=(link) { (hit.title) } }
            @if hit.metadata_only {
                p.badge {
                    "Catalogue record only — " (hit.availability.label())
                    ": the text below is the catalogue's summary, not the review."
                }
            } @else if !hit.availability.is_published() {
                p.badge {
                    (hit.availability.label())
                    ": the publisher no longer offers this review; the text here is a kept copy."
                }
            }
            p.meta {
                (hit.date.as_deref().unwrap_or("undated")) " · " (hit.review_type.label) " · " (hit.region.join(" › "))
                @if let Some(band) = hit.age_band { " · aged " (band.label()) }
            }
            @for snippet in &hit.snippets {
                p.snippet {
                    a.where href=(format!("{link}#{}", hit_anchor(&snippet.section))) {
                        (snippet.section)
                    }
                    " " (PreEscaped(&snippet.html))
                }
            }
            @if !hit.themes.is_empty() {
                // The evidence is written out, not hidden in a tooltip: it is why a
                // reader should trust the tag, and hover is not there on touch or keyboard.
                ul.chips aria-label="Themes" {
                    @for theme in &hit.themes {
                        li {
                            (theme.label)
                            @if let Some(because) = &theme.because {
                                span.because { ": " (because.replacen('\'', "‘", 1).replacen('\'', "’", 1)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GOV.UK pagination: previous, numbered pages around this one, next.
fn pagination(search: &[(String, String)], page: usize, pages: usize) -> Markup {
    let link = |number: usize| search_link(&replaced(search, "page", &number.to_string()));
    let mut numbers: Vec<Option<usize>> = Vec::new();
    for number in 1..=pages {
        let near = number.abs_diff(page) <= 1;
        if number == 1 || number == pages || near {
            numbers.push(Some(number));
        } else if numbers.last().is_some_and(Option::is_some) {
            numbers.push(None);
        }
    }
    html! {
        nav.pagination aria-label="Results pages" {
            @if page > 1 {
                a rel="prev" href=(link(page - 1)) { "‹ Previous" span.visually-hidden { " page" } }
            }
            ul {
                @for number in numbers {
                    @match number {
                        Some(number) if number == page => li { a.current href=(link(number)) aria-current="page" aria-label=(format!("Page {number}")) { (number) } },
                        Some(number) => li { a href=(link(number)) aria-label=(format!("Page {number}")) { (number) } },
                        None => li.ellipsis { "…" },
                    }
                }
            }
            @if page < pages {
                a rel="next" href=(link(page + 1)) { "Next" span.visually-hidden { " page" } " ›" }
            }
        }
    }
}

/// No results: say what was searched, and offer each filter's removal in one click.
fn zero_results(search: &[(String, String)]) -> Markup {
    let query = value_of(search, "q").trim();
    let filters: Vec<(usize, &str, &str)> = search
        .iter()
        .enumerate()
        .filter_map(|(index, (name, value))| {
            FILTERS
                .iter()
                .find(|(filter, _)| filter == name)
                .filter(|_| !value.trim().is_empty())
                .map(|(_, group)| (index, *group, value.as_str()))
        })
        .collect();
    html! {
        div.zero {
            p.summary {
                "No reports match "
                @if query.is_empty() { "these filters" } @else { "“" (query) "”" @if !filters.is_empty() { " with these filters" } }
                "."
            }
            @if !filters.is_empty() {
                p { "Try again without:" }
                ul {
                    @for (index, group, value) in &filters {
                        @let without: Vec<(String, String)> = search.iter().enumerate()
                            .filter(|(other, (n, _))| other != index && n != "page")
                            .map(|(_, pair)| pair.clone()).collect();
                        li { a href=(search_link(&without)) { (group) ": " (value.replace('/', " › ")) } }
                    }
                    @if filters.len() > 1 {
                        li { a href=(search_link(&search.iter().filter(|(n, _)| !FILTERS.iter().any(|(f, _)| f == n) && n != "page").cloned().collect::<Vec<_>>())) { "any filter (keep only the words)" } }
                    }
                }
            }
            @if !query.is_empty() {
                p { "Or try fewer words, another spelling, or a word ending in * (" code { "neglect*" } ")." }
            }
        }
    }
}

/// How the query was read: notices (relaxed matching, repaired syntax, shortened
/// text), "did you mean", and what the thesaurus added, with a way to turn it off.
fn query_report(pairs: &[(String, String)], results: &SearchResults) -> Markup {
    let synonyms_off = value_of(pairs, "synonyms") == "false";
    let link = |pairs: Vec<(String, String)>| search_link(&without_page(&pairs));
    html! {
        @if !results.notices.is_empty() || !results.suggestions.is_empty() || !results.also_searched.is_empty() || synonyms_off {
            div.notices role="status" {
                @for notice in &results.notices {
                    p.notice { (notice.message) }
                }
                @if results.notices.iter().any(|notice| notice.code == "showing_suggestion") {
                    p.suggestion {
                        "Search instead for "
                        a href=(link(replaced(pairs, "correct", "false"))) { (value_of(pairs, "q")) }
                    }
                } @else {
                    @for suggestion in &results.suggestions {
                        p.suggestion {
                            "Did you mean "
                            a href=(link(replaced(pairs, "q", &suggestion.query))) { (suggestion.suggestion) }
                            " (for " em { (suggestion.word) } ")?"
                        }
                    }
                }
                @if !results.also_searched.is_empty() {
                    p.expansion {
                        "Also searched for: "
                        @for (index, expansion) in results.also_searched.iter().enumerate() {
                            @if index > 0 { "; " }
                            (expansion.also.join(", ")) " (for " em { (expansion.typed) } ")"
                        }
                        ". "
                        a href=(link(replaced(pairs, "synonyms", "false"))) { "Search only for the words as typed" }
                    }
                } @else if synonyms_off {
                    p.expansion {
                        "Synonyms and acronyms are not expanded. "
                        a href=(link(replaced(pairs, "synonyms", ""))) { "Expand them" }
                    }
                }
                @if let Some(all) = results.all_words_total.filter(|all| *all > 0 && *all < results.total) {
                    p.notice { (all) " of these contain every word; the rest contain some of them." }
                }
            }
        }
    }
}
