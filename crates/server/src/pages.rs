//! Server-rendered pages. They work without JavaScript: the filters are a plain GET
//! form, so every result page is a shareable URL (and the same URL, with `/api/search`
//! in place of `/`, gives the JSON).

use axum::http::StatusCode;
use casesearch_index::{DocumentView, Engine, FacetValue, Hit, SearchResults, Trends};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::params::query_string;

const ATTRIBUTION: &str = "Contains public sector information published by the Courts and Tribunals Judiciary, licensed under the Open Government Licence v3.0.";

/// The page frame; `feed` is the Atom feed that follows what the page shows, if any.
fn layout(title: &str, feed: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — casesearch" }
                link rel="stylesheet" href="/style.css";
                @if let Some(feed) = feed {
                    link rel="alternate" type="application/atom+xml" title="New reviews matching this search" href=(feed);
                }
            }
            body {
                header {
                    h1 { a href="/" { "casesearch" } }
                    p { "Search the full text of published safeguarding and learning reviews." }
                }
                (body)
                footer { (ATTRIBUTION) " Reports name the people who died: please read them with care." }
            }
        }
    }
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

pub fn search_page(
    pairs: &[(String, String)],
    results: Option<&SearchResults>,
    error: Option<&str>,
    engine: &Engine,
) -> Markup {
    let query = value_of(pairs, "q");
    // "Best match" is the default; without words the engine shows the newest first
    // (`SearchRequest::effective_sort`), which the option's label says. Defaulting the
    // control to "newest" on the empty home page sorted the first search by date.
    let sort = match value_of(pairs, "sort") {
        "" => "relevance",
        chosen => chosen,
    };
    let title = if query.is_empty() {
        "Search".to_owned()
    } else {
        format!("{query} — search")
    };
    let body = html! {
        main {
            form.searchbar id="search" method="get" action="/" role="search" {
                label for="q" { "Search the reviews"
                    input type="search" id="q" name="q" value=(query) placeholder="e.g. \"information sharing\" health visitor";
                }
                label for="sort" { "Order"
                    select id="sort" name="sort" {
                        @for (value, label) in [("relevance", "Best match (newest first without words)"), ("newest", "Newest first"), ("oldest", "Oldest first")] {
                            option value=(value) selected[sort == value] { (label) }
                        }
                    }
                }
                button type="submit" { "Search" }
            }
            aside aria-label="Filters" {
                @if let Some(results) = results {
                    fieldset {
                        legend { "Year" }
                        div.years {
                            label for="year_from" { "From" input type="number" id="year_from" name="year_from" form="search" min="1900" max="2100" value=(value_of(pairs, "year_from")); }
                            label for="year_to" { "To" input type="number" id="year_to" name="year_to" form="search" min="1900" max="2100" value=(value_of(pairs, "year_to")); }
                        }
                    }
                    (facet_group("Theme", "theme", &results.facets.theme))
                    (facet_group("Region", "region", &results.facets.region))
                    (facet_group("Type of review", "type", &results.facets.review_type))
                    @if !results.facets.age_band.is_empty() {
                        (facet_group("Age of the child", "age_band", &results.facets.age_band))
                    }
                    @if results.facets.availability.iter().any(|value| value.value != "published") {
                        (facet_group("Availability", "availability", &results.facets.availability))
                    }
                    @for (name, value) in pairs.iter().filter(|(n, _)| n == "publisher") {
                        input type="hidden" name=(name) value=(value) form="search";
                    }
                    button type="submit" form="search" { "Apply filters" }
                }
            }
            section aria-labelledby="results-heading" {
                h2 id="results-heading" { "Results" }
                @if let Some(message) = error {
                    p.error role="alert" { (message) }
                }
                @if let Some(results) = results {
                    (result_list(pairs, results, engine))
                }
            }
        }
    };
    let feed = format!("/feed.atom?{}", query_string(pairs, &[]));
    layout(&title, Some(&feed), body)
}

fn facet_group(legend: &str, name: &str, values: &[FacetValue]) -> Markup {
    html! {
        fieldset {
            legend { (legend) }
            @for (index, value) in values.iter().enumerate() {
                @let id = format!("{name}-{index}");
                label class=(format!("depth-{}", value.depth.min(2))) for=(id) {
                    input type="checkbox" id=(id) name=(name) value=(value.value) form="search" checked[value.selected];
                    " " (value.label) " " span.count { "(" (value.count) ")" }
                }
            }
        }
    }
}

fn result_list(pairs: &[(String, String)], results: &SearchResults, engine: &Engine) -> Markup {
    let first = (results.page - 1) * results.per_page + 1;
    let last = (first + results.hits.len()).saturating_sub(1);
    let query = value_of(pairs, "q");
    let pages = results.total.div_ceil(results.per_page).max(1);
    html! {
        (query_report(pairs, results))
        p.summary aria-live="polite" {
            @if results.total == 0 {
                "No documents match. Try fewer words or fewer filters."
            } @else {
                "Showing " (first) "–" (last) " of " (results.total) " documents"
                " (of " (engine.document_count()) " in the collection). "
                @let all = query_string(pairs, &[]);
                "Follow: " a href=(format!("/feed.atom?{all}")) { "Atom feed" }
                " · Download: " a href=(format!("/api/search.csv?{all}")) { "CSV" }
                " · " a href=(format!("/api/search.jsonl?{all}")) { "JSON Lines" }
                " · " a href=(format!("/api/search?{}", query_string(pairs, &[("page", &results.page.to_string())]))) { "JSON" }
                " · " a href=(format!("/trends?{all}")) { "Trends over the years" }
            }
        }
        ol.hits {
            @for hit in &results.hits {
                li {
                    h3 { a href=(document_link(&hit.id, query)) { (hit.heading) } }
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
                    div.meta {
                        (hit.date.as_deref().unwrap_or("undated")) " · " (hit.review_type.label) " · " (hit.region.join(" › "))
                        @if let Some(band) = hit.age_band { " · aged " (band.label()) }
                    }
                    @for snippet in &hit.snippets {
                        p.snippet { span.where { (snippet.section) } (PreEscaped(&snippet.html)) }
                    }
                    @if !hit.themes.is_empty() {
                        ul.chips aria-label="Themes" {
                            @for theme in &hit.themes {
                                li title=(theme.because.as_ref().map(|b| format!("tagged because of {b}")).unwrap_or_default()) { (theme.label) }
                            }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pages aria-label="Result pages" {
                @if results.page > 1 {
                    a rel="prev" href=(format!("/?{}", query_string(pairs, &[("page", &(results.page - 1).to_string())]))) { "← Previous" }
                }
                span { "Page " (results.page) " of " (pages) }
                @if results.page < pages {
                    a rel="next" href=(format!("/?{}", query_string(pairs, &[("page", &(results.page + 1).to_string())]))) { "Next →" }
                }
            }
        }
    }
}

/// How the query was read: notices (relaxed matching, repaired syntax, shortened
/// text), "did you mean", and what the thesaurus added, with a way to turn it off.
fn query_report(pairs: &[(String, String)], results: &SearchResults) -> Markup {
    let synonyms_off = value_of(pairs, "synonyms") == "false";
    html! {
        @if !results.notices.is_empty() || !results.suggestions.is_empty() || !results.also_searched.is_empty() || synonyms_off {
            div.notices role="status" {
                @for notice in &results.notices {
                    p.notice { (notice.message) }
                }
                @if results.notices.iter().any(|notice| notice.code == "showing_suggestion") {
                    p.suggestion {
                        "Search instead for "
                        a href=(format!("/?{}", query_string(&replaced(pairs, "correct", "false"), &[]))) { (value_of(pairs, "q")) }
                    }
                } @else {
                    @for suggestion in &results.suggestions {
                        p.suggestion {
                            "Did you mean "
                            a href=(format!("/?{}", query_string(&replaced(pairs, "q", &suggestion.query), &[]))) { (suggestion.suggestion) }
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
                        a href=(format!("/?{}", query_string(&replaced(pairs, "synonyms", "false"), &[]))) { "Search only for the words as typed" }
                    }
                } @else if synonyms_off {
                    p.expansion {
                        "Synonyms and acronyms are not expanded. "
                        a href=(format!("/?{}", query_string(&replaced(pairs, "synonyms", ""), &[]))) { "Expand them" }
                    }
                }
                @if let Some(all) = results.all_words_total.filter(|all| *all > 0 && *all < results.total) {
                    p.notice { (all) " of these contain every word; the rest contain some of them." }
                }
            }
        }
    }
}

/// `pairs` with `name` set to `value` (removed when empty).
fn replaced(pairs: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(n, _)| n != name).cloned().collect();
    if !value.is_empty() {
        out.push((name.to_owned(), value.to_owned()));
    }
    out
}

fn document_link(id: &str, query: &str) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    if !query.is_empty() {
        serializer.append_pair("q", query);
    }
    let encoded_id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let params = serializer.finish();
    if params.is_empty() {
        format!("/documents/{encoded_id}")
    } else {
        format!("/documents/{encoded_id}?{params}")
    }
}

pub fn document_page(document: &DocumentView, similar: &[Hit], query: &str) -> Markup {
    let review = &document.record.review;
    let body = html! {
        main.single {
            p { a href=(format!("/?{}", query_string(&[("q".to_owned(), query.to_owned())], &[]))) { "← Back to search" } }
            article {
                h2 { (review.title) }
                @if review.details.metadata_only {
                    p.badge {
                        "Catalogue record only — " (review.details.availability.label())
                        ". What follows is the catalogue's summary, learning and recommendations, not the review's own text."
                    }
                } @else if !review.details.availability.is_published() {
                    p.badge {
                        (review.details.availability.label())
                        ": the publisher no longer offers this review; the text here is a kept copy."
                    }
                }
                dl.record {
                    dt { "Type" } dd { (document.review_type_label) }
                    dt { "Published by" } dd { (review.publisher) }
                    dt { "Region" } dd { (document.record.region.path().join(" › ")) }
                    @if !document.record.region.authorities.is_empty() {
                        dt { "Authorities" } dd { (document.record.region.authorities.join(", ")) }
                    }
                    dt { "Date" } dd { (casesearch_index::display_date(review).unwrap_or_else(|| "undated".into())) }
                    @if let Some(child) = &review.details.child { dt { "Child" } dd { (child) } }
                    @if let Some(band) = review.details.age_band { dt { "Age" } dd { (band.label()) } }
                    @if let Some(year) = review.details.incident_year { dt { "Incident" } dd { (year) } }
                    @if let Some(kind) = review.details.document_kind { dt { "Document" } dd { (kind.label()) } }
                    @if !review.details.availability.is_published() { dt { "Availability" } dd { (review.details.availability.label()) } }
                    @for (name, value) in &review.metadata {
                        dt { (name) } dd { (value) }
                    }
                    @if let Some(url) = &review.url {
                        dt { "Source" } dd { a href=(url) rel="noopener" { (url) } }
                    }
                }
                @if !review.details.derived.is_empty() {
                    details.derived {
                        summary { "How this record was catalogued" }
                        table {
                            thead { tr { th { "Field" } th { "Value" } th { "Read from" } th { "Confidence" } } }
                            tbody {
                                @for (field, derivation) in &review.details.derived {
                                    tr {
                                        td { (field) } td { (derivation.value) }
                                        td { (derivation.source) ": “" (derivation.evidence) "”" }
                                        td { (format!("{:.0}%", derivation.confidence * 100.0)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !document.record.themes.is_empty() {
                    h3 { "Themes" }
                    ul {
                        @for theme in &document.record.themes {
                            li {
                                strong { (theme.label) } " — tagged because of "
                                @for (index, evidence) in theme.evidence.iter().enumerate() {
                                    @if index > 0 { "; " }
                                    "‘" (evidence.matched) "’ in " (evidence.section)
                                }
                            }
                        }
                    }
                }
                @if !similar.is_empty() {
                    nav aria-labelledby="similar-heading" {
                        h3 id="similar-heading" { "Similar reports" }
                        ul {
                            @for hit in similar {
                                li {
                                    a href=(document_link(&hit.id, "")) { (hit.title) }
                                    " — " (hit.date.as_deref().unwrap_or("undated"))
                                    @if !hit.themes.is_empty() {
                                        " · " (hit.themes.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("; "))
                                    }
                                }
                            }
                        }
                    }
                }
                @for section in &document.highlighted_sections {
                    section {
                        h3 { (section.section) }
                        p.section-text { (PreEscaped(&section.html)) }
                    }
                }
            }
        }
    };
    layout(&review.title, None, body)
}

pub fn error_page(status: StatusCode, message: &str) -> Markup {
    layout(
        status.canonical_reason().unwrap_or("Error"),
        None,
        html! { main.single { h2 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } p.error role="alert" { (message) } p { a href="/" { "Back to search" } } } },
    )
}

/// Hits by year as a bar chart, and by theme and year as a table whose cells are shaded
/// by count: a DSL sees at a glance whether a concern keeps recurring.
pub fn trends_page(pairs: &[(String, String)], trends: &Trends) -> Markup {
    let query = value_of(pairs, "q");
    let back = format!("/?{}", query_string(pairs, &[]));
    let body = html! {
        main.single {
            p { a href=(back) { "← Back to the results" } }
            h2 { "Trends: " (if query.is_empty() { "all documents" } else { query }) }
            p.summary { (trends.total) " documents match. "
                a href=(format!("/api/trends?{}", query_string(pairs, &[]))) { "JSON" } }
            @if !trends.years.is_empty() {
                h3 id="by-year" { "Documents per year" }
                (year_chart(&trends.years, &trends.counts))
                h3 { "Themes per year" }
                div.table-scroll {
                    table.trends {
                        caption { "Documents per theme and year (darker cells: more documents)" }
                        thead { tr { th scope="col" { "Theme" } @for year in &trends.years { th scope="col" { (year) } } th scope="col" { "All" } } }
                        tbody {
                            @for theme in &trends.themes {
                                tr {
                                    th scope="row" { (theme.label) }
                                    @for count in &theme.counts {
                                        @let max = trends.counts.iter().copied().max().unwrap_or(1).max(1);
                                        td style=(format!("background: rgba(29, 95, 166, {:.2})", 0.08 + 0.7 * (*count as f64) / (max as f64))) { @if *count > 0 { (count) } }
                                    }
                                    td { strong { (theme.total) } }
                                }
                            }
                        }
                    }
                }
                h3 { "By nation and region" }
                ul {
                    @for region in &trends.regions {
                        li class=(format!("depth-{}", region.depth)) { (region.label) " — " (region.count) }
                    }
                }
            }
        }
    };
    layout("Trends", None, body)
}

fn year_chart(years: &[u64], counts: &[u64]) -> Markup {
    const WIDTH: f64 = 760.0;
    const HEIGHT: f64 = 220.0;
    const AXIS: f64 = 24.0;
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let slot = WIDTH / years.len().max(1) as f64;
    let bar = (slot * 0.7).max(2.0);
    let description: Vec<String> = years
        .iter()
        .zip(counts)
        .map(|(y, c)| format!("{y}: {c}"))
        .collect();
    html! {
        svg.chart viewBox=(format!("0 0 {WIDTH} {}", HEIGHT + AXIS)) role="img" aria-labelledby="by-year chart-desc" width="100%" {
            desc id="chart-desc" { (description.join(", ")) }
            @for (index, (year, count)) in years.iter().zip(counts).enumerate() {
                @let height = (HEIGHT - 20.0) * (*count as f64) / max;
                @let x = index as f64 * slot + (slot - bar) / 2.0;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", HEIGHT - height)) width=(format!("{bar:.1}")) height=(format!("{height:.1}")) fill="#1d5fa6" {
                    title { (year) ": " (count) }
                }
                text x=(format!("{:.1}", x + bar / 2.0)) y=(format!("{:.1}", HEIGHT - height - 4.0)) text-anchor="middle" font-size="11" { (count) }
                text x=(format!("{:.1}", x + bar / 2.0)) y=(format!("{:.1}", HEIGHT + 16.0)) text-anchor="middle" font-size="11" { (year) }
            }
        }
    }
}
