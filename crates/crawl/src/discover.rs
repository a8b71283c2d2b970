//! Listing-page discovery: which links on a partnership's "case reviews" page lead to
//! review documents, and what the page says about each (title, date, child pseudonym,
//! review type), kept as hints for the record.
//!
//! A listing page typically has a heading per review and, under it, links to the overview
//! report PDF, an executive summary and a learning brief; some reviews are HTML pages.

use casesearch_model::ReviewType;
use chrono::{Datelike, NaiveDate};
use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};
use serde::{Deserialize, Serialize};
use url::Url;

/// What the linking page said about a document. Every field is a hint: the record
/// builder prefers what the document itself says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkHints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_text: Option<String>,
    /// The nearest heading before the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The pseudonym reviews use instead of a name: "Child Q", "Baby A".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_type: Option<ReviewType>,
}

/// Whether a link leads to a file or to a page about a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// A PDF or a download link.
    Document,
    /// An HTML page about a review (which may itself link to the PDFs).
    ReviewPage,
}

/// A link worth following, with what the page said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredLink {
    pub url: Url,
    pub kind: LinkKind,
    pub hints: LinkHints,
}

/// Finds review links on a listing page, in page order, each URL once (fragment removed).
/// Links in navigation, headers, footers and asides are ignored: they are site furniture.
///
/// ```
/// use casesearch_crawl::{discover_links, LinkKind};
/// let page = r#"<h2>Child Q (published 3 March 2022)</h2>
///   <p><a href="/files/child-q-lcspr.pdf">Download the review (PDF, 1MB)</a></p>"#;
/// let base = url::Url::parse("https://partnership.example/case-reviews").unwrap();
/// let links = discover_links(page, &base);
/// assert_eq!(links[0].url.as_str(), "https://partnership.example/files/child-q-lcspr.pdf");
/// assert_eq!(links[0].kind, LinkKind::Document);
/// assert_eq!(links[0].hints.child.as_deref(), Some("Child Q"));
/// assert_eq!(links[0].hints.year, Some(2022));
/// ```
pub fn discover_links(html: &str, page_url: &Url) -> Vec<DiscoveredLink> {
    let document = Html::parse_document(html);
    let base = document_base(&document, page_url);
    let mut found: Vec<DiscoveredLink> = Vec::new();
    let mut heading: Option<String> = None;
    // The first date written under the current heading ("Published 3 March 2022").
    let mut section_date: Option<NaiveDate> = None;
    for node in document.tree.root().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            heading = Some(collapse_whitespace(&element.text().collect::<String>()))
                .filter(|text| !text.is_empty());
            section_date = heading.as_deref().and_then(find_date);
            continue;
        }
        if section_date.is_none() && matches!(name, "p" | "time" | "span" | "dd" | "li") {
            section_date = element
                .value()
                .attr("datetime")
                .and_then(|value| value.get(..10))
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .or_else(|| {
                    let text = collapse_whitespace(&element.text().collect::<String>());
                    (text.chars().count() <= 200)
                        .then(|| find_date(&text))
                        .flatten()
                });
        }
        if name != "a" || in_site_furniture(node) {
            continue;
        }
        let Some(href) = element.value().attr("href") else {
            continue;
        };
        let Ok(mut url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        url.set_fragment(None);
        if url == *page_url {
            continue;
        }
        let mut text = collapse_whitespace(&element.text().collect::<String>());
        if text.is_empty() {
            text = element
                .value()
                .attr("title")
                .or_else(|| element.value().attr("aria-label"))
                .map(collapse_whitespace)
                .unwrap_or_default();
        }
        let context = block_context(node);
        let Some(kind) = classify_link(&url, &text, element.value().attr("download").is_some())
        else {
            continue;
        };
        let mut hints = hints_for(&text, heading.as_deref(), &context);
        if hints.date.is_none() {
            if let Some(date) = section_date {
                hints.date = Some(date);
                hints.year = Some(date.year());
            }
        }
        match found.iter_mut().find(|link| link.url == url) {
            Some(existing) => fill_missing(&mut existing.hints, hints),
            None => found.push(DiscoveredLink { url, kind, hints }),
        }
    }
    found
}

fn document_base(document: &Html, page_url: &Url) -> Url {
    for node in document.tree.root().descendants() {
        if let Some(element) = node.value().as_element() {
            if element.name() == "base" {
                if let Some(base) = element.attr("href").and_then(|h| page_url.join(h).ok()) {
                    return base;
                }
            }
        }
    }
    page_url.clone()
}

fn in_site_furniture(node: NodeRef<Node>) -> bool {
    node.ancestors().any(|ancestor| {
        ancestor.value().as_element().is_some_and(|element| {
            matches!(element.name(), "nav" | "header" | "footer" | "aside")
                || matches!(
                    element.attr("role"),
                    Some("navigation" | "banner" | "contentinfo")
                )
        })
    })
}

/// The text of the nearest block around a link (list item, paragraph, table row),
/// where listing pages put "Published 12 March 2024" and similar.
fn block_context(node: NodeRef<Node>) -> String {
    for ancestor in node.ancestors() {
        let Some(element) = ElementRef::wrap(ancestor) else {
            continue;
        };
        if matches!(
            element.value().name(),
            "li" | "p" | "tr" | "dd" | "div" | "section" | "article" | "td"
        ) {
            let text = collapse_whitespace(&element.text().collect::<String>());
            // A block this long is the whole page, not the link's neighbourhood.
            return if text.chars().count() <= 600 {
                text
            } else {
                String::new()
            };
        }
    }
    String::new()
}

fn classify_link(url: &Url, text: &str, download_attribute: bool) -> Option<LinkKind> {
    let path = url.path().to_ascii_lowercase();
    let lower_text = text.to_lowercase();
    if path.ends_with(".pdf")
        || download_attribute
        || path.contains("/download")
        || lower_text.starts_with("download")
        || lower_text.contains("(pdf")
        || lower_text.contains("[pdf")
    {
        return Some(LinkKind::Document);
    }
    // Other files (Word, images) are not documents we can read.
    if [".doc", ".docx", ".jpg", ".png", ".zip", ".xlsx", ".csv"]
        .iter()
        .any(|ext| path.ends_with(ext))
    {
        return None;
    }
    let path_words = path.replace(['-', '_', '/'], " ");
    if review_type_in(text).is_some()
        || child_pseudonym(text).is_some()
        || review_type_in(&path_words).is_some()
        || ["review", "learning brief", "briefing"]
            .iter()
            .any(|word| lower_text.contains(word))
    {
        return Some(LinkKind::ReviewPage);
    }
    None
}

fn hints_for(text: &str, heading: Option<&str>, context: &str) -> LinkHints {
    let generic = is_generic_link_text(text);
    let title = if generic || text.is_empty() {
        heading.map(str::to_owned)
    } else {
        Some(strip_file_note(text))
    };
    let sources = [Some(text), heading, Some(context)];
    let date = sources.iter().flatten().find_map(|s| find_date(s));
    let year = date
        .map(|d| d.year())
        .or_else(|| sources.iter().flatten().find_map(|s| find_year(s)));
    LinkHints {
        title,
        link_text: Some(text.to_owned()).filter(|t| !t.is_empty()),
        heading: heading.map(str::to_owned),
        date,
        year,
        child: sources.iter().flatten().find_map(|s| child_pseudonym(s)),
        review_type: sources.iter().flatten().find_map(|s| review_type_in(s)),
    }
}

fn fill_missing(existing: &mut LinkHints, more: LinkHints) {
    existing.title = existing.title.take().or(more.title);
    existing.link_text = existing.link_text.take().or(more.link_text);
    existing.heading = existing.heading.take().or(more.heading);
    existing.date = existing.date.or(more.date);
    existing.year = existing.year.or(more.year);
    existing.child = existing.child.take().or(more.child);
    existing.review_type = existing.review_type.or(more.review_type);
}

fn is_generic_link_text(text: &str) -> bool {
    let lower = strip_file_note(text).to_lowercase();
    let lower = lower.trim_matches(|c: char| !c.is_alphanumeric());
    matches!(
        lower,
        "" | "download"
            | "pdf"
            | "here"
            | "click here"
            | "read more"
            | "more"
            | "view"
            | "open"
            | "read the report"
            | "read the review"
            | "download the report"
            | "download the review"
            | "full report"
            | "report"
            | "link"
    ) || lower.starts_with("download ")
}

/// "Child Q review (PDF, 1.2 MB)" → "Child Q review".
fn strip_file_note(text: &str) -> String {
    let mut text = text.trim().to_owned();
    for open in ['(', '['] {
        if let Some(at) = text.rfind(open) {
            let note = text[at..].to_lowercase();
            if note.contains("pdf") || note.contains("kb") || note.contains("mb") {
                text.truncate(at);
            }
        }
    }
    text.trim().to_owned()
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | ':'))
        .filter(|w| !w.is_empty())
        .collect()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_number(word: &str) -> Option<u32> {
    let lower = word.trim_end_matches('.').to_lowercase();
    if lower.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|month| {
            *month == lower
                || (lower.len() == 3 && month.starts_with(&lower))
                || (lower == "sept" && *month == "september")
        })
        .and_then(|index| u32::try_from(index + 1).ok())
}

fn plausible_year(word: &str) -> Option<i32> {
    let digits = word.trim_end_matches(['.', ')']);
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = digits.parse().ok()?;
    // Case reviews in England began in the 1970s; anything later than next year is a
    // number, not a date.
    let next_year = chrono::Utc::now().year() + 1;
    (1970..=next_year).contains(&year).then_some(year)
}

/// "12 March 2024", "12th March 2024", "March 2024" (day 1), "12/03/2024" (UK order).
fn find_date(text: &str) -> Option<NaiveDate> {
    let words = words(text);
    for (index, word) in words.iter().enumerate() {
        if let Some(month) = month_number(word) {
            let Some(year) = words.get(index + 1).and_then(|w| plausible_year(w)) else {
                continue;
            };
            let day = index
                .checked_sub(1)
                .and_then(|before| words.get(before))
                .and_then(|w| {
                    w.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .parse::<u32>()
                        .ok()
                })
                .filter(|day| (1..=31).contains(day));
            if let Some(date) = NaiveDate::from_ymd_opt(year, month, day.unwrap_or(1)) {
                return Some(date);
            }
        }
        let parts: Vec<&str> = word.split(['/', '.']).collect();
        if let [day, month, year] = parts.as_slice() {
            if let (Ok(day), Ok(month), Some(year)) = (
                day.parse::<u32>(),
                month.parse::<u32>(),
                plausible_year(year),
            ) {
                if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                    return Some(date);
                }
            }
        }
    }
    None
}

fn find_year(text: &str) -> Option<i32> {
    words(text).iter().find_map(|word| {
        // "2019-20" and "2019/20" name a year too.
        let head = word.split(['-', '/', '–']).next().unwrap_or(word);
        plausible_year(head)
    })
}

/// "Child Q", "Baby A", "Children B and C" (first named), "Child LR", "Child C1".
fn child_pseudonym(text: &str) -> Option<String> {
    let words = words(text);
    for pair in words.windows(2) {
        let [lead, name] = pair else { continue };
        let lead = match lead.to_lowercase().as_str() {
            "child" | "children" => "Child",
            "baby" => "Baby",
            "sibling" | "siblings" => "Sibling",
            _ => continue,
        };
        let name = name.trim_end_matches(['.', '\'', '’', '"', '”']);
        let name = name
            .strip_suffix("'s")
            .or_else(|| name.strip_suffix("’s"))
            .unwrap_or(name);
        let is_pseudonym = (1..=4).contains(&name.len())
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if is_pseudonym {
            return Some(format!("{lead} {name}"));
        }
    }
    None
}

/// The review type a phrase names, longest phrase first ("child safeguarding practice
/// review" before "practice review").
fn review_type_in(text: &str) -> Option<ReviewType> {
    let lower = collapse_whitespace(&text.to_lowercase().replace(['-', '_'], " "));
    const PHRASES: &[(&str, ReviewType)] = &[
        (
            "single unified safeguarding review",
            ReviewType::SingleUnifiedSafeguardingReview,
        ),
        (
            "child safeguarding practice review",
            ReviewType::LocalChildSafeguardingPracticeReview,
        ),
        ("serious case review", ReviewType::SeriousCaseReview),
        ("significant case review", ReviewType::SignificantCaseReview),
        ("child practice review", ReviewType::ChildPracticeReview),
        ("case management review", ReviewType::CaseManagementReview),
        ("initial case review", ReviewType::InitialCaseReview),
        ("rapid review", ReviewType::RapidReview),
        ("thematic review", ReviewType::ThematicReview),
        ("learning review", ReviewType::LearningReview),
        ("learning brief", ReviewType::LearningBrief),
        ("7 minute briefing", ReviewType::LearningBrief),
        ("seven minute briefing", ReviewType::LearningBrief),
        ("practice briefing", ReviewType::LearningBrief),
    ];
    if let Some((_, review_type)) = PHRASES.iter().find(|(phrase, _)| lower.contains(phrase)) {
        return Some(*review_type);
    }
    words(&lower)
        .iter()
        .find_map(|word| match word.trim_matches('.') {
            "lcspr" | "cspr" => Some(ReviewType::LocalChildSafeguardingPracticeReview),
            "scr" => Some(ReviewType::SeriousCaseReview),
            "susr" => Some(ReviewType::SingleUnifiedSafeguardingReview),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_dates_and_review_types_are_read_from_phrases() {
        assert_eq!(
            child_pseudonym("Serious case review: Baby A's death").as_deref(),
            Some("Baby A")
        );
        assert_eq!(
            child_pseudonym("Children LR and M").as_deref(),
            Some("Child LR")
        );
        assert_eq!(child_pseudonym("Child protection in 2020"), None);
        assert_eq!(
            find_date("Published 3rd March 2022"),
            NaiveDate::from_ymd_opt(2022, 3, 3)
        );
        assert_eq!(
            find_date("Sept 2019 update"),
            NaiveDate::from_ymd_opt(2019, 9, 1)
        );
        assert_eq!(
            find_date("updated 05/11/2021"),
            NaiveDate::from_ymd_opt(2021, 11, 5)
        );
        assert_eq!(find_date("Report 31 February 2020"), None);
        assert_eq!(find_year("Annual report 2019-20"), Some(2019));
        assert_eq!(find_year("call 0800 1234 5678"), None);
        assert_eq!(
            review_type_in("Local Child Safeguarding Practice Review: Child T"),
            Some(ReviewType::LocalChildSafeguardingPracticeReview)
        );
        assert_eq!(
            review_type_in("SCR Child D"),
            Some(ReviewType::SeriousCaseReview)
        );
        assert_eq!(
            review_type_in("Extended Child Practice Review"),
            Some(ReviewType::ChildPracticeReview)
        );
        assert_eq!(
            review_type_in("7-minute briefing"),
            Some(ReviewType::LearningBrief)
        );
        assert_eq!(review_type_in("Annual report"), None);
    }

    #[test]
    fn generic_link_text_takes_the_heading_as_title_and_file_notes_are_dropped() {
        let hints = hints_for("Download (PDF, 2.1MB)", Some("Baby B: thematic review"), "");
        assert_eq!(hints.title.as_deref(), Some("Baby B: thematic review"));
        assert_eq!(hints.child.as_deref(), Some("Baby B"));
        assert_eq!(hints.review_type, Some(ReviewType::ThematicReview));
        let hints = hints_for(
            "Child W overview report (PDF, 900KB)",
            None,
            "Published 1 June 2021",
        );
        assert_eq!(hints.title.as_deref(), Some("Child W overview report"));
        assert_eq!(hints.date, NaiveDate::from_ymd_opt(2021, 6, 1));
    }
}
