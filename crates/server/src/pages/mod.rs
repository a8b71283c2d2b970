//! Server-rendered pages for people: the search page ([`search`]), a review's record and
//! text ([`document`]) and trends over the years ([`trends`]). They are complete without
//! JavaScript: filters are a plain GET form, so every result page is a shareable URL,
//! and every page carries the whole query string forward (to the record and back).
//!
//! What they share lives here: the frame (skip link, header, footer), the error page,
//! and the small helpers that build links from query-string pairs.

pub(crate) mod document;
pub(crate) mod search;
pub(crate) mod trends;

use axum::http::StatusCode;
use maud::{html, Markup, DOCTYPE};

const ATTRIBUTION: &str = "Contains public sector information published by the Courts and Tribunals Judiciary, licensed under the Open Government Licence v3.0.";

/// What the frame needs besides the body.
pub(crate) struct Frame<'a> {
    /// The tab title, before " — casesearch".
    pub title: String,
    /// The id the skip link jumps to, and what it is called ("Skip to results").
    pub skip_to: (&'a str, &'a str),
    /// The Atom feed that follows what the page shows, if any.
    pub feed: Option<String>,
}

/// The page frame. The skip link comes first so it is the first Tab stop.
pub(crate) fn layout(frame: Frame<'_>, body: Markup) -> Markup {
    let (skip_id, skip_label) = frame.skip_to;
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " — casesearch" }
                link rel="stylesheet" href="/style.css";
                @if let Some(feed) = &frame.feed {
                    link rel="alternate" type="application/atom+xml" title="New reviews matching this search" href=(feed);
                }
            }
            body {
                a.skip href=(format!("#{skip_id}")) { (skip_label) }
                header.site {
                    a.site-name href="/" { "casesearch" }
                    p { "Search the full text of published safeguarding and learning reviews." }
                }
                (body)
                footer {
                    p { (ATTRIBUTION) " Reports name the people who died: please read them with care." }
                    p.noprint { "For programs: the " a href="/openapi.json" { "JSON API description (OpenAPI)" }
                        "; every search page has a twin at " code { "/api/search" } " with the same parameters." }
                }
            }
        }
    }
}

/// An error that is not about a choice the user can correct on a form (a missing
/// document, a broken index): what happened, in plain words, and the way back.
pub fn error_page(status: StatusCode, message: &str, back: &str) -> Markup {
    let heading = match status {
        StatusCode::NOT_FOUND => "Page not found",
        status if status.is_client_error() => "There is a problem with this link",
        _ => "Sorry, there is a problem with the service",
    };
    layout(
        Frame {
            title: heading.to_owned(),
            skip_to: ("main", "Skip to main content"),
            feed: None,
        },
        html! {
            main.single id="main" {
                h1 { (heading) }
                @match status {
                    StatusCode::NOT_FOUND => p { "There is no review at this address. It may have been removed, or the link may be mistyped." },
                    status if status.is_server_error() => p { "Please try again in a few minutes." },
                    _ => p { (message) },
                }
                p { a href=(back) { "Go back to the search" } }
            }
        },
    )
}

/// The value of the first pair called `name`, or "".
pub(crate) fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `pairs` with `name` set to `value` (removed when empty).
pub(crate) fn replaced(
    pairs: &[(String, String)],
    name: &str,
    value: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(n, _)| n != name).cloned().collect();
    if !value.is_empty() {
        out.push((name.to_owned(), value.to_owned()));
    }
    out
}

/// Every non-empty pair, `page` included, as a query string: the state of a result
/// page, carried to a record and back.
pub(crate) fn full_query_string(pairs: &[(String, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if !value.is_empty() {
            serializer.append_pair(name, value);
        }
    }
    serializer.finish()
}

/// `/?…` for these pairs (page included), or `/` when there are none.
pub(crate) fn search_link(pairs: &[(String, String)]) -> String {
    let query = full_query_string(pairs);
    if query.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{query}")
    }
}

/// A record's page, carrying the search it was found by (for highlights and the way back).
pub(crate) fn document_link(id: &str, search: &[(String, String)]) -> String {
    let encoded_id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let params = full_query_string(search);
    if params.is_empty() {
        format!("/documents/{encoded_id}")
    } else {
        format!("/documents/{encoded_id}?{params}")
    }
}

/// The id of a section ("p. 5" → `p5`, "Summary of findings" → `summary-of-findings`):
/// the results page links snippets to it, so both pages must derive it the same way.
pub(crate) fn section_anchor(label: &str) -> String {
    if let Some(number) = label.strip_prefix("p. ") {
        if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
            return format!("p{number}");
        }
    }
    let mut anchor = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            anchor.push(c);
        } else if c.is_whitespace() && !anchor.is_empty() && !anchor.ends_with('-') {
            anchor.push('-');
        }
    }
    let anchor = anchor.trim_matches('-').to_owned();
    if anchor.is_empty() {
        "section".to_owned()
    } else {
        anchor
    }
}

/// The anchor of the first match in a section, where a snippet's page label lands.
pub(crate) fn hit_anchor(label: &str) -> String {
    format!("hit-{}", section_anchor(label))
}

/// "1 report", "31 reports".
pub(crate) fn count_of(count: impl Into<u64>, one: &str, many: &str) -> String {
    let count = count.into();
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_anchors_are_short_and_stable() {
        assert_eq!(section_anchor("p. 5"), "p5");
        assert_eq!(section_anchor("p. 12"), "p12");
        assert_eq!(section_anchor("Summary of findings"), "summary-of-findings");
        assert_eq!(section_anchor("…"), "section");
        assert_eq!(hit_anchor("p. 5"), "hit-p5");
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count_of(1u64, "report", "reports"), "1 report");
        assert_eq!(count_of(0u64, "report", "reports"), "0 reports");
        assert_eq!(count_of(31u64, "report", "reports"), "31 reports");
    }
}
