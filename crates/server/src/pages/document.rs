//! A review's page: its record in words (no file paths, hashes or field codes), the
//! way to its matches (a count, a list of the pages they are on, previous/next links
//! in each section and an anchor on each section's first match), a link to the
//! original (at the first match's page for a PDF), a ready citation, and the text.

use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use casesearch_index::{DocumentView, Hit};
use casesearch_model::{AgeBand, DocumentKind, ReviewType};
use maud::{html, Markup, PreEscaped};

use super::{
    count_of, document_link, hit_anchor, layout, search_link, section_anchor, value_of, Frame,
};
use crate::params::SEARCH_PARAMETERS;
use crate::{openapi, AppState};

/// Similar reports listed on a document page.
const SIMILAR_ON_PAGE: usize = 5;
/// Pages with matches listed by name at the top; the rest are reached by "next".
const LISTED_HIT_SECTIONS: usize = 40;

#[utoipa::path(get, path = "/documents/{id}", tag = "pages",
    params(("id" = String, Path, description = "Document id"), openapi::PageParams),
    responses((status = 200, description = "The document page with similar reviews; `q` is highlighted, the other search parameters make the way back", content_type = "text/html", body = String),
        (status = 400, description = "A bad parameter (`q` too long)", content_type = "text/html", body = String),
        (status = 404, description = "No such document", content_type = "text/html", body = String)))]
pub(crate) async fn document_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    // The search this record was reached from, whole: `q` to highlight, and all of it
    // (filters, sort, page) for the way back. Names no search has are not carried.
    let search: Vec<(String, String)> = crate::params::parse_pairs(raw.as_deref())
        .into_iter()
        .filter(|(name, _)| SEARCH_PARAMETERS.contains(&name.as_str()))
        .collect();
    let query = value_of(&search, "q").to_owned();
    let found = match crate::find_document(&state, id.clone(), query.clone()).await {
        Ok(document) => crate::find_similar(&state, id, SIMILAR_ON_PAGE)
            .await
            .map(|similar| (document, similar)),
        Err(err) => Err(err),
    };
    match found {
        Ok((document, similar)) => {
            // Links people copy (the citation) use the configured public URL, never the
            // Host header a client chose.
            let base = state.public_url.to_string();
            let today = chrono::Utc::now().date_naive();
            let accessed = today.format("%-d %B %Y").to_string();
            Html(render(&document, &similar, &search, &base, &accessed).into_string())
                .into_response()
        }
        Err(err) => crate::error_page(&err, &search_link(&search)),
    }
}

/// One section of the text, with its anchor and matches counted.
struct SectionView<'a> {
    label: &'a str,
    anchor: String,
    matches: usize,
    /// The id of each match, in order: the first is where the section's links land.
    match_ids: Vec<String>,
    html: String,
}

impl SectionView<'_> {
    /// Where a link to this section's first match lands.
    fn first_match(&self) -> String {
        self.match_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.anchor.clone())
    }
}

/// Matches in one section linked by number; beyond this, "next" steps on.
const NUMBERED_MATCHES: usize = 30;

pub(crate) fn render(
    document: &DocumentView,
    similar: &[Hit],
    search: &[(String, String)],
    base: &str,
    accessed: &str,
) -> Markup {
    let review = &document.record.review;
    let query = value_of(search, "q").trim();
    let sections = section_views(document);
    let with_hits: Vec<usize> = (0..sections.len())
        .filter(|i| sections[*i].matches > 0)
        .collect();
    let total_matches: usize = sections.iter().map(|section| section.matches).sum();
    let first_hit_page = with_hits
        .first()
        .and_then(|index| sections[*index].label.strip_prefix("p. "))
        .filter(|number| number.chars().all(|c| c.is_ascii_digit()));
    let original = review
        .url
        .as_deref()
        .map(|url| original_link(url, first_hit_page));
    let date = casesearch_index::display_date(review);
    let year = review.year().map(|year| year.to_string());
    let self_url = format!("{base}{}", document_link(&review.id, &[]));
    let back = search_link(search);
    let body = html! {
        main.single id="main" {
            p.back.noprint { a href=(back) { @if search.is_empty() { "← Search the reviews" } @else { "← Back to the results" } } }
            article {
                h1 { (review.title) }
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
                    dt { "Date" } dd { (date.as_deref().unwrap_or("undated")) }
                    @if let Some(child) = &review.details.child { dt { "Child" } dd { (child) } }
                    @if let Some(band) = review.details.age_band { dt { "Age" } dd { (band.label()) } }
                    @if let Some(year) = review.details.incident_year { dt { "Year of the incident" } dd { (year) } }
                    @if let Some(kind) = review.details.document_kind { dt { "Document" } dd { (kind.label()) } }
                    @if !review.details.availability.is_published() { dt { "Availability" } dd { (review.details.availability.label()) } }
                    @if let Some((href, note)) = &original {
                        dt { "Original" } dd { a href=(href) rel="noopener" { "Open the original document" } (note) }
                    }
                }
                @if !query.is_empty() {
                    nav.hits-nav aria-labelledby="matches-heading" {
                        h2 id="matches-heading" { "Matches for “" (query) "”" }
                        @if total_matches == 0 {
                            p { "The words were not found in the text shown here (they may match the record's details)." }
                        } @else {
                            p {
                                (count_of(total_matches as u64, "match", "matches")) " in "
                                (count_of(with_hits.len() as u64, "section", "sections")) ". "
                                a href=(format!("#{}", sections[with_hits[0]].first_match())) { "Go to the first match" }
                            }
                            ul.hit-sections {
                                @for index in with_hits.iter().take(LISTED_HIT_SECTIONS) {
                                    @let section = &sections[*index];
                                    li { a href=(format!("#{}", section.first_match())) { (section.label) } " (" (section.matches) ")" }
                                }
                            }
                        }
                    }
                }
                @if !document.record.themes.is_empty() {
                    h2 { "Themes" }
                    ul.themes {
                        @for theme in &document.record.themes {
                            li {
                                strong { (theme.label) } ": tagged because of "
                                @for (index, evidence) in theme.evidence.iter().enumerate() {
                                    @if index > 0 { "; " }
                                    "‘" (evidence.matched) "’ in "
                                    @if sections.iter().any(|section| section.label == evidence.section) {
                                        a href=(format!("#{}", section_anchor(&evidence.section))) { (evidence.section) }
                                    } @else {
                                        (evidence.section)
                                    }
                                }
                            }
                        }
                    }
                }
                section.cite aria-labelledby="cite-heading" {
                    h2 id="cite-heading" { "Cite this review" }
                    p.citation {
                        (review.publisher) " (" (year.as_deref().unwrap_or("n.d.")) ") " em { (review.title) } ". "
                        @if let Some(url) = &review.url { "Available at: " (url) } @else { "Available at: " (self_url) }
                        " (Accessed: " (accessed) ")."
                    }
                }
                @if !review.details.derived.is_empty() {
                    details.derived {
                        summary { "How this record was catalogued" }
                        table {
                            caption.visually-hidden { "Where each detail of the record was read" }
                            thead { tr { th scope="col" { "Detail" } th scope="col" { "Value" } th scope="col" { "Read from" } th scope="col" { "Confidence" } } }
                            tbody {
                                @for (field, derivation) in &review.details.derived {
                                    tr {
                                        td { (field_label(field)) } td { (value_label(field, &derivation.value)) }
                                        td { (derivation.source) ": “" (derivation.evidence) "”" }
                                        td { (format!("{:.0}%", derivation.confidence * 100.0)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if !similar.is_empty() {
                    nav.noprint aria-labelledby="similar-heading" {
                        h2 id="similar-heading" { "Similar reports" }
                        ul {
                            @for hit in similar {
                                li {
                                    a href=(document_link(&hit.id, &[])) { (hit.title) }
                                    " — " (hit.date.as_deref().unwrap_or("undated"))
                                    @if !hit.themes.is_empty() {
                                        " · " (hit.themes.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("; "))
                                    }
                                }
                            }
                        }
                    }
                }
                h2 id="text" { "Text" }
                @for (index, section) in sections.iter().enumerate() {
                    section.text id=(section.anchor) aria-labelledby=(format!("{}-label", section.anchor)) {
                        h3 id=(format!("{}-label", section.anchor)) { (section.label) }
                        @if section.matches > 0 {
                            @let position = with_hits.iter().position(|i| *i == index).unwrap_or(0);
                            nav.hit-step.noprint aria-label=(format!("Matches in {}", section.label)) {
                                (count_of(section.matches as u64, "match", "matches")) " here"
                                @if section.matches > 1 {
                                    ": "
                                    @for (number, id) in section.match_ids.iter().enumerate().take(NUMBERED_MATCHES) {
                                        a href=(format!("#{id}")) aria-label=(format!("Match {} of {} here", number + 1, section.matches)) { (number + 1) } " "
                                    }
                                    @if section.matches > NUMBERED_MATCHES { "… " }
                                }
                                " · "
                                @if let Some(previous) = position.checked_sub(1).and_then(|p| with_hits.get(p)) {
                                    a href=(format!("#{}", sections[*previous].first_match())) { "← Previous section with a match" }
                                } @else { "first section with a match" }
                                " · "
                                @if let Some(next) = with_hits.get(position + 1) {
                                    a href=(format!("#{}", sections[*next].first_match())) { "Next section with a match →" }
                                } @else { "last section with a match" }
                            }
                        }
                        div.section-text { (PreEscaped(&section.html)) }
                    }
                }
            }
        }
    };
    layout(
        Frame {
            title: match year {
                Some(year) => format!("{} ({year})", review.title),
                None => review.title.clone(),
            },
            skip_to: if total_matches > 0 {
                ("matches-heading", "Skip to the matches")
            } else {
                ("main", "Skip to main content")
            },
            feed: None,
        },
        body,
    )
}

/// Each section with an anchor (`p5`; a repeated label gets `-2`, `-3`) and its
/// first match marked as the place a snippet's page label lands (`hit-p5`). A section
/// without matches carries that anchor at its start, so a link still lands on the page.
fn section_views(document: &DocumentView) -> Vec<SectionView<'_>> {
    let mut used: Vec<String> = Vec::new();
    let mut numbered = 0;
    document
        .highlighted_sections
        .iter()
        .map(|section| {
            let base = section_anchor(&section.section);
            let mut anchor = base.clone();
            let mut copy = 1;
            while used.contains(&anchor) {
                copy += 1;
                anchor = format!("{base}-{copy}");
            }
            // Only the first section of a label owns `hit-…`: that is what the
            // results page's snippet links name.
            let first_of_label = copy == 1;
            used.push(anchor.clone());
            let mut html = String::with_capacity(section.html.len() + 64);
            let mut match_ids = Vec::new();
            let mut rest = section.html.as_str();
            while let Some(at) = rest.find("<mark>") {
                let id = if match_ids.is_empty() && first_of_label {
                    hit_anchor(&section.section)
                } else {
                    numbered += 1;
                    format!("m{numbered}")
                };
                html.push_str(&rest[..at]);
                html.push_str(&format!("<mark id=\"{id}\">"));
                match_ids.push(id);
                rest = &rest[at + "<mark>".len()..];
            }
            html.push_str(rest);
            if match_ids.is_empty() && first_of_label {
                html.insert_str(
                    0,
                    &format!("<span id=\"{}\"></span>", hit_anchor(&section.section)),
                );
            }
            SectionView {
                label: &section.section,
                anchor,
                matches: match_ids.len(),
                match_ids,
                html,
            }
        })
        .collect()
}

/// The link to the original document and a note on it: a PDF opens at the page of
/// the first match (`#page=N`, which PDF viewers in browsers follow).
fn original_link(url: &str, first_hit_page: Option<&str>) -> (String, String) {
    let is_pdf = url
        .split(['?', '#'])
        .next()
        .is_some_and(|path| path.to_ascii_lowercase().ends_with(".pdf"));
    match first_hit_page {
        Some(page) if is_pdf => (
            format!("{url}#page={page}"),
            format!(" (PDF, opens at page {page}, the first match)"),
        ),
        _ if is_pdf => (url.to_owned(), " (PDF)".to_owned()),
        _ => (url.to_owned(), String::new()),
    }
}

/// A catalogued field's name in words.
fn field_label(field: &str) -> &str {
    match field {
        "type" => "Type of review",
        "publisher" => "Published by",
        "date" => "Date",
        "incident_year" => "Year of the incident",
        "child" => "Child",
        "age_band" => "Age of the child",
        "document_kind" => "Document",
        other => other,
    }
}

/// A catalogued value in words: slugs become their labels.
fn value_label(field: &str, value: &str) -> String {
    let label = match field {
        "type" => ReviewType::from_slug(value).map(ReviewType::label),
        "age_band" => AgeBand::from_slug(value).map(AgeBand::label),
        "document_kind" => DocumentKind::from_slug(value).map(DocumentKind::label),
        _ => None,
    };
    label.map_or_else(|| value.to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_original_opens_at_the_first_match_and_a_web_page_as_it_is() {
        assert_eq!(
            original_link("https://example.org/r/review.PDF", Some("7")).0,
            "https://example.org/r/review.PDF#page=7"
        );
        assert_eq!(
            original_link("https://example.org/r/review.pdf", None).0,
            "https://example.org/r/review.pdf"
        );
        assert_eq!(
            original_link("https://example.org/r/page/", Some("7")).0,
            "https://example.org/r/page/"
        );
    }

    #[test]
    fn catalogued_codes_are_shown_as_words() {
        assert_eq!(field_label("age_band"), "Age of the child");
        assert_eq!(
            value_label("age_band", "under-1"),
            AgeBand::UnderOne.label()
        );
        assert_ne!(value_label("document_kind", "full-report"), "full-report");
        assert_eq!(value_label("child", "Child Q"), "Child Q");
    }
}
