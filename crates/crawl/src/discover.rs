//! Listing-page discovery: which links on a partnership's "case reviews" page lead to
//! review documents, and what the page says around each link (its text, the heading
//! above it, the block it sits in, the heading's own dated line), kept as written.
//!
//! A listing page typically has a heading per review and, under it, links to the overview
//! report PDF, an executive summary and a learning brief; some reviews are HTML pages.
//! The crawler reads no catalogue field from these words: the cataloguer reads them as
//! evidence with the same rules as the document's own text (so "SCR" under a Scottish
//! publisher is a Significant Case Review there, as it is on a Scottish cover page).

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};
use serde::{Deserialize, Serialize};
use url::Url;

/// What the linking page says around a document's link, as written. Evidence for the
/// cataloguer, not facts: the record builder weighs it with the document's own text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkHints {
    /// What to call the document: the link's text, or the heading above a link that
    /// says only "Download".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_text: Option<String>,
    /// The nearest heading before the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// The text of the block around the link (list item, paragraph, table row), when
    /// short enough to be about it: "Child W overview report (PDF) Published 1 June 2021".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The heading's own first short line that is not a link ("Published 3 March
    /// 2022"), or a `<time datetime>` under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_line: Option<String>,
}

impl LinkHints {
    /// Every piece of the page's text about the link, most specific first, each once.
    pub fn evidence(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = Vec::new();
        for line in [
            &self.link_text,
            &self.heading,
            &self.context,
            &self.heading_line,
        ]
        .into_iter()
        .flatten()
        {
            if !line.is_empty() && !lines.contains(&line.as_str()) {
                lines.push(line);
            }
        }
        lines
    }
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
/// assert_eq!(links[0].hints.heading.as_deref(), Some("Child Q (published 3 March 2022)"));
/// assert_eq!(links[0].hints.title.as_deref(), Some("Child Q (published 3 March 2022)"));
/// ```
pub fn discover_links(html: &str, page_url: &Url) -> Vec<DiscoveredLink> {
    let document = Html::parse_document(html);
    let base = document_base(&document, page_url);
    let mut found: Vec<DiscoveredLink> = Vec::new();
    let mut heading: Option<String> = None;
    // The first short line under the current heading that is not a link ("Published
    // 3 March 2022"): listing pages put a review's date there.
    let mut heading_line: Option<String> = None;
    for node in document.tree.root().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            heading = Some(collapse_whitespace(&element.text().collect::<String>()))
                .filter(|text| !text.is_empty());
            heading_line = None;
            continue;
        }
        if heading_line.is_none()
            && matches!(name, "p" | "time" | "span" | "dd" | "li")
            && !contains_a_link(node)
        {
            // A machine-readable date says it best: `<p><time datetime="2022-03-03">`.
            heading_line = node
                .descendants()
                .find_map(|inner| inner.value().as_element()?.attr("datetime"))
                .map(str::to_owned)
                .or_else(|| {
                    let text = collapse_whitespace(&element.text().collect::<String>());
                    (!text.is_empty() && text.chars().count() <= 200).then_some(text)
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
        let hints = hints_for(&text, heading.as_deref(), &context, heading_line.as_deref());
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

fn contains_a_link(node: NodeRef<Node>) -> bool {
    node.descendants().any(|descendant| {
        descendant
            .value()
            .as_element()
            .is_some_and(|element| element.name() == "a")
    })
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
    let path_words = path.replace(['-', '_', '/', '.'], " ");
    if names_a_review(text)
        || names_a_child(text)
        || names_a_review(&path_words)
        || ["review", "learning brief", "briefing"]
            .iter()
            .any(|word| lower_text.contains(word))
    {
        return Some(LinkKind::ReviewPage);
    }
    None
}

/// Whether words name a kind of case review ("serious case review", "rapid review",
/// "7 minute briefing", "SCR"). Only to recognise review links: which type a document
/// is, the cataloguer decides from these words and the document's own.
fn names_a_review(text: &str) -> bool {
    let lower = collapse_whitespace(&text.to_lowercase().replace(['-', '_'], " "));
    const PHRASES: [&str; 6] = [
        "case review",
        "practice review",
        "safeguarding review",
        "rapid review",
        "thematic review",
        "learning review",
    ];
    const BRIEFS: [&str; 2] = ["learning brief", "briefing"];
    PHRASES
        .iter()
        .chain(&BRIEFS)
        .any(|phrase| lower.contains(phrase))
        || words(&lower)
            .iter()
            .any(|word| matches!(word.trim_matches('.'), "lcspr" | "cspr" | "scr" | "susr"))
}

/// Whether words name a child as reviews do: "Child Q", "Baby A", "Children B and C".
fn names_a_child(text: &str) -> bool {
    words(text).windows(2).any(|pair| {
        let [lead, name] = pair else { return false };
        let name = name.trim_end_matches(['.', '\'', '’', '"', '”']);
        let name = name
            .strip_suffix("'s")
            .or_else(|| name.strip_suffix("’s"))
            .unwrap_or(name);
        matches!(
            lead.to_lowercase().as_str(),
            "child" | "children" | "baby" | "sibling" | "siblings"
        ) && (1..=4).contains(&name.len())
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

fn hints_for(
    text: &str,
    heading: Option<&str>,
    context: &str,
    heading_line: Option<&str>,
) -> LinkHints {
    let generic = is_generic_link_text(text);
    let title = if generic || text.is_empty() {
        heading.map(str::to_owned)
    } else {
        Some(strip_file_note(text))
    };
    LinkHints {
        title,
        link_text: Some(text.to_owned()).filter(|t| !t.is_empty()),
        heading: heading.map(str::to_owned),
        context: Some(context.to_owned()).filter(|c| !c.is_empty() && c != text),
        heading_line: heading_line.map(str::to_owned),
    }
}

fn fill_missing(existing: &mut LinkHints, more: LinkHints) {
    existing.title = existing.title.take().or(more.title);
    existing.link_text = existing.link_text.take().or(more.link_text);
    existing.heading = existing.heading.take().or(more.heading);
    existing.context = existing.context.take().or(more.context);
    existing.heading_line = existing.heading_line.take().or(more.heading_line);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_links_are_recognised_by_their_words_or_the_child_they_name() {
        assert!(names_a_child("Serious case review: Baby A's death"));
        assert!(names_a_child("Children LR and M"));
        assert!(!names_a_child("Child protection in 2020"));
        assert!(names_a_review(
            "Local Child Safeguarding Practice Review: Child T"
        ));
        assert!(names_a_review("SCR Child D"));
        assert!(names_a_review("7-minute briefing"));
        assert!(names_a_review("lcspr child t pdf"));
        assert!(!names_a_review("Annual report"));
        let base = Url::parse("https://partnership.example/").expect("url");
        let link =
            |path: &str, text: &str| classify_link(&base.join(path).expect("url"), text, false);
        assert_eq!(link("/scr-child-d", "Read"), Some(LinkKind::ReviewPage));
        assert_eq!(link("/news/annual-report", "Annual report"), None);
        assert_eq!(link("/files/report.docx", "Child Q review"), None);
    }

    #[test]
    fn generic_link_text_takes_the_heading_as_title_and_file_notes_are_dropped() {
        let hints = hints_for(
            "Download (PDF, 2.1MB)",
            Some("Baby B: thematic review"),
            "",
            None,
        );
        assert_eq!(hints.title.as_deref(), Some("Baby B: thematic review"));
        assert_eq!(
            hints.evidence(),
            ["Download (PDF, 2.1MB)", "Baby B: thematic review"]
        );
        let hints = hints_for(
            "Child W overview report (PDF, 900KB)",
            None,
            "Child W overview report (PDF, 900KB) Published 1 June 2021",
            Some("Published 1 June 2021"),
        );
        assert_eq!(hints.title.as_deref(), Some("Child W overview report"));
        assert_eq!(
            hints.evidence(),
            [
                "Child W overview report (PDF, 900KB)",
                "Child W overview report (PDF, 900KB) Published 1 June 2021",
                "Published 1 June 2021"
            ]
        );
    }

    #[test]
    fn the_headings_dated_line_is_kept_but_not_another_links_line() {
        let page = r#"<h2>Older reviews</h2><ul>
            <li><a href="/t.pdf">Child T (PDF)</a> 12/05/2016</li>
            <li><a href="/u.pdf">Child U (PDF)</a></li></ul>
            <h2>Child V</h2><p><time datetime="2022-03-03">3rd March</time></p>
            <p><a href="/v.pdf">Report (PDF)</a></p>"#;
        let base = Url::parse("https://partnership.example/reviews").expect("url");
        let links = discover_links(page, &base);
        let line = |at: usize| links[at].hints.heading_line.as_deref();
        assert_eq!(line(0), None);
        assert_eq!(line(1), None, "Child T's line is not Child U's");
        assert_eq!(line(2), Some("2022-03-03"));
        assert_eq!(
            links[0].hints.context.as_deref(),
            Some("Child T (PDF) 12/05/2016")
        );
    }
}
