//! HTML main-text extraction: pure `&str → String`, no I/O, so it is cheap to test and score.
//!
//! The approach is readability's, reduced to what scores well on real pages: drop the parts
//! of a page that are never the article (scripts, navigation, headers, footers, asides,
//! forms, cookie and share widgets, hidden elements); look for a landmark (`main`,
//! `[role=main]`, a skip-link target such as `#main-content`, `[itemprop=articleBody]`) to
//! search inside; score the containers of paragraph-sized text blocks (commas and length
//! up, link-heavy text down, class/id names that say "content" up and "sidebar" down);
//! take the best container and the siblings that look like part of it; then write its
//! headings and paragraphs out in document order, one block a line.

use std::collections::HashMap;

use ego_tree::{iter::Edge, NodeId, NodeRef};
use scraper::{Html, Node};

/// The main text of an HTML page: headings and paragraphs in reading order, one block
/// per line, whitespace collapsed. Empty when the page has no text worth keeping.
///
/// ```
/// let html = r#"<html><body><nav><a href="/">Home</a></nav>
///   <main><h1>Child Q</h1><p>The review found that agencies did not share information.</p></main>
///   <footer>Cookies</footer></body></html>"#;
/// let text = casesearch_html::extract_main_text(html);
/// assert_eq!(text, "Child Q\nThe review found that agencies did not share information.");
/// ```
pub fn extract_main_text(html: &str) -> String {
    let document = Html::parse_document(html);
    let facts = PageFacts::measure(&document);
    let root = document.tree.root();
    let search_root = facts.landmark(root).unwrap_or(root);
    let chosen = facts.choose_content(search_root);
    let mut writer = BlockWriter::default();
    if chosen.is_empty() {
        facts.write_text(search_root, &mut writer);
    } else {
        for node in chosen {
            facts.write_text(node, &mut writer);
        }
    }
    writer.finish()
}

/// Tags whose content is never article text.
const DROPPED_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "button",
    "select",
    "input",
    "textarea",
    "iframe",
    "svg",
    "canvas",
    "object",
    "embed",
    "dialog",
    "menu",
    "figure",
    "figcaption",
    "picture",
    "video",
    "audio",
    "head",
    "title",
    "meta",
    "link",
];

/// Tags after which text starts a new line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "br",
    "hr",
    "address",
    "body",
    "tbody",
    "thead",
    "caption",
];

/// Class/id fragments of page furniture (readability's "unlikely candidates", plus the
/// cookie banners and "was this page helpful" boxes of UK public-sector sites).
const FURNITURE_WORDS: &[&str] = &[
    "ad-",
    "ads-",
    "adslot",
    "ai2html",
    "banner",
    "breadcrumb",
    "combx",
    "comment",
    "community",
    "consent",
    "cookie",
    "cover-wrap",
    "disqus",
    "feedback",
    "footer",
    "gdpr",
    "header",
    "helpful",
    "legends",
    "masthead",
    "menu",
    "modal",
    "newsletter",
    "outbrain",
    "pager",
    "pagination",
    "popup",
    "promo",
    "related",
    "remark",
    "replies",
    "rss",
    "share",
    "sharing",
    "shoutbox",
    "sidebar",
    "signup",
    "skip-",
    "skyscraper",
    "social",
    "sponsor",
    "subscribe",
    "supplemental",
    "taboola",
    "toolbar",
    "recommend",
    "byline",
    "caption",
    "print-",
    "read-more",
    "more-stories",
    "most-popular",
    "trending",
    "tags",
];

/// Fragments that rescue an element from [`FURNITURE_WORDS`] ("article-header-menu" no,
/// "main-content" yes): readability's "ok, maybe it's a candidate".
const CONTENT_WORDS: &[&str] = &[
    "and", "article", "body", "column", "content", "main", "shadow",
    // Embedded posts quoted in an article ("social-media-embed") are part of it.
    "embed",
];

const POSITIVE_WORDS: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text",
    "blog", "story",
];

const NEGATIVE_WORDS: &[&str] = &[
    "ad-",
    "hidden",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "foot",
    "footnote",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
];

/// Blocks shorter than this (in characters) are not scored: menus and captions.
const MIN_SCORED_BLOCK: usize = 25;

#[derive(Default, Clone, Copy)]
struct NodeFacts {
    dropped: bool,
    text_chars: usize,
    link_chars: usize,
    commas: usize,
}

struct PageFacts {
    facts: HashMap<NodeId, NodeFacts>,
}

impl PageFacts {
    fn measure(document: &Html) -> PageFacts {
        // First pass: only structural furniture (tags, hidden, roles). Its sizes let the
        // second pass refuse to drop, by class name alone, a wrapper that holds most of
        // the page ("m-advertisement-off-canvas--pusher" around a whole news site).
        let structural = PageFacts::measure_with(document, |_, _| false);
        let page_chars = structural.get(document.tree.root()).text_chars;
        PageFacts::measure_with(document, |node, _| {
            structural.get(node).text_chars * 5 < page_chars * 2 && has_furniture_class(node)
        })
    }

    fn measure_with(
        document: &Html,
        drop_by_class: impl Fn(NodeRef<Node>, &HashMap<NodeId, NodeFacts>) -> bool,
    ) -> PageFacts {
        let mut facts: HashMap<NodeId, NodeFacts> = HashMap::new();
        // Pre-order: a node is dropped if its parent is or it is furniture itself.
        for node in document.tree.root().descendants() {
            let parent_dropped = node
                .parent()
                .and_then(|parent| facts.get(&parent.id()))
                .is_some_and(|parent| parent.dropped);
            let dropped = parent_dropped || is_furniture(node) || drop_by_class(node, &facts);
            facts.insert(
                node.id(),
                NodeFacts {
                    dropped,
                    ..NodeFacts::default()
                },
            );
        }
        // Reverse pre-order visits every node after all of its descendants, so sums
        // flow upwards without recursion (deep pages cannot overflow the stack).
        let order: Vec<NodeRef<Node>> = document.tree.root().descendants().collect();
        for node in order.into_iter().rev() {
            let Some(own) = facts.get(&node.id()).copied() else {
                continue;
            };
            if own.dropped {
                continue;
            }
            let mut sum = own;
            if let Node::Text(text) = node.value() {
                sum.text_chars = text.trim().chars().count();
                sum.commas = text.matches(',').count();
            }
            for child in node.children() {
                if let Some(child_facts) = facts.get(&child.id()) {
                    if !child_facts.dropped {
                        sum.text_chars += child_facts.text_chars;
                        sum.link_chars += child_facts.link_chars;
                        sum.commas += child_facts.commas;
                    }
                }
            }
            if element_name(node) == Some("a") {
                sum.link_chars = sum.text_chars;
            }
            facts.insert(node.id(), sum);
        }
        PageFacts { facts }
    }

    fn get(&self, node: NodeRef<Node>) -> NodeFacts {
        self.facts.get(&node.id()).copied().unwrap_or_default()
    }

    fn link_density(&self, node: NodeRef<Node>) -> f64 {
        let facts = self.get(node);
        if facts.text_chars == 0 {
            return 0.0;
        }
        facts.link_chars as f64 / facts.text_chars as f64
    }

    /// A landmark that holds most of the page's prose, if the page marks one.
    fn landmark<'a>(&self, root: NodeRef<'a, Node>) -> Option<NodeRef<'a, Node>> {
        let page_chars = self.get(root).text_chars.max(1);
        let mut best: Option<(usize, NodeRef<'a, Node>)> = None;
        for node in root.descendants() {
            let Some(element) = node.value().as_element() else {
                continue;
            };
            let is_landmark = element.attr("itemprop") == Some("articleBody")
                || element.name() == "main"
                || element.attr("role") == Some("main")
                || matches!(element.id(), Some("main-content" | "maincontent" | "main"));
            if !is_landmark || self.get(node).dropped {
                continue;
            }
            let chars = self.get(node).text_chars;
            // A landmark that misses most of the prose is a mislabelled wrapper.
            if chars * 4 < page_chars || chars < 200 {
                continue;
            }
            // Prefer the innermost qualifying landmark: `articleBody` inside `main`.
            if best.is_none_or(|(_, current)| is_ancestor(current, node)) {
                best = Some((chars, node));
            }
        }
        best.map(|(_, node)| node)
    }

    /// The best-scoring container of prose under `root`, with the siblings that belong
    /// to it; empty when no block is long enough to score.
    fn choose_content<'a>(&self, root: NodeRef<'a, Node>) -> Vec<NodeRef<'a, Node>> {
        let mut scores: HashMap<NodeId, f64> = HashMap::new();
        for node in root.descendants() {
            if self.get(node).dropped || !is_text_block(node) {
                continue;
            }
            let facts = self.get(node);
            if facts.text_chars < MIN_SCORED_BLOCK {
                continue;
            }
            let score =
                1.0 + facts.commas as f64 + (facts.text_chars as f64 / 100.0).floor().min(3.0);
            let mut ancestor = node.parent();
            let mut level = 0;
            while let Some(container) = ancestor {
                if level >= 3 || container.value().as_element().is_none() {
                    break;
                }
                let divider = match level {
                    0 => 1.0,
                    1 => 2.0,
                    _ => level as f64 * 3.0,
                };
                let entry = scores
                    .entry(container.id())
                    .or_insert_with(|| initial_score(container));
                *entry += score / divider;
                if container.id() == root.id() {
                    break;
                }
                ancestor = container.parent();
                level += 1;
            }
        }
        let mut best: Option<(f64, NodeRef<'a, Node>)> = None;
        for node in root.descendants() {
            if let Some(score) = scores.get(&node.id()) {
                let adjusted = score * (1.0 - self.link_density(node));
                if best.is_none_or(|(top, _)| adjusted > top) {
                    best = Some((adjusted, node));
                }
            }
        }
        let Some((top_score, mut top)) = best else {
            return Vec::new();
        };
        // Readability.js: when several near-best containers sit under one ancestor (an
        // article split into "chunks" between ad slots), that ancestor is the article.
        let mut ranked: Vec<(f64, NodeRef<'a, Node>)> = root
            .descendants()
            .filter_map(|node| {
                scores
                    .get(&node.id())
                    .map(|score| (score * (1.0 - self.link_density(node)), node))
            })
            .filter(|(score, node)| node.id() != top.id() && *score >= top_score * 0.75)
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.truncate(4);
        if ranked.len() >= 3 {
            let mut ancestor = top.parent();
            while let Some(candidate) = ancestor {
                if candidate.id() == root.id() || element_name(candidate).is_none() {
                    break;
                }
                let under = ranked
                    .iter()
                    .filter(|(_, node)| is_ancestor(candidate, *node))
                    .count();
                if under >= 3 {
                    top = candidate;
                    break;
                }
                ancestor = candidate.parent();
            }
        }
        let Some(parent) = top.parent() else {
            return vec![top];
        };
        let threshold = (top_score * 0.2).max(10.0);
        let mut chosen = Vec::new();
        for sibling in parent.children() {
            if sibling.id() == top.id() {
                chosen.push(sibling);
                continue;
            }
            if self.get(sibling).dropped {
                continue;
            }
            let sibling_score = scores
                .get(&sibling.id())
                .map(|score| score * (1.0 - self.link_density(sibling)));
            let belongs = if sibling_score.is_some_and(|score| score >= threshold) {
                true
            } else if element_name(sibling) == Some("p") {
                let facts = self.get(sibling);
                let density = self.link_density(sibling);
                (facts.text_chars > 80 && density < 0.25)
                    || (facts.text_chars > 0 && density == 0.0 && ends_sentence(sibling))
            } else {
                false
            };
            if belongs {
                chosen.push(sibling);
            }
        }
        chosen
    }

    /// Writes the text under `node` into `writer`, skipping dropped parts and link lists.
    fn write_text(&self, node: NodeRef<Node>, writer: &mut BlockWriter) {
        let mut skipping: Option<NodeId> = None;
        for edge in node.traverse() {
            match edge {
                Edge::Open(current) => {
                    if skipping.is_some() {
                        continue;
                    }
                    if self.get(current).dropped || self.is_link_list(current) {
                        skipping = Some(current.id());
                        continue;
                    }
                    match current.value() {
                        Node::Text(text) => writer.push_text(text),
                        Node::Element(element) if BLOCK_TAGS.contains(&element.name()) => {
                            writer.break_block()
                        }
                        _ => {}
                    }
                }
                Edge::Close(current) => {
                    if skipping == Some(current.id()) {
                        skipping = None;
                        continue;
                    }
                    if skipping.is_none() {
                        if let Some(name) = element_name(current) {
                            if BLOCK_TAGS.contains(&name) {
                                writer.break_block();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Lists and boxes inside the article that are mostly links: "read more", tag clouds.
    fn is_link_list(&self, node: NodeRef<Node>) -> bool {
        let Some(name) = element_name(node) else {
            return false;
        };
        if !matches!(name, "ul" | "ol" | "div" | "section" | "table" | "p" | "li") {
            return false;
        }
        let facts = self.get(node);
        facts.text_chars > 0 && self.link_density(node) > 0.5 && facts.text_chars < 1_000
    }
}

fn is_ancestor(ancestor: NodeRef<Node>, node: NodeRef<Node>) -> bool {
    node.ancestors().any(|up| up.id() == ancestor.id())
}

fn element_name<'a>(node: NodeRef<'a, Node>) -> Option<&'a str> {
    node.value().as_element().map(|element| element.name())
}

fn is_furniture(node: NodeRef<Node>) -> bool {
    let Some(element) = node.value().as_element() else {
        return matches!(
            node.value(),
            Node::Comment(_) | Node::ProcessingInstruction(_)
        );
    };
    let name = element.name();
    if DROPPED_TAGS.contains(&name) {
        return true;
    }
    if element.attr("hidden").is_some() || element.attr("aria-hidden") == Some("true") {
        return true;
    }
    if let Some(style) = element.attr("style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    if matches!(
        element.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "complementary" | "dialog" | "alert")
    ) {
        return true;
    }
    false
}

/// Class and id as `-token-token-`: split at non-alphanumerics and camelCase humps, so
/// a word can be matched at a token start ("-pager" must not match "PageBuilder-pageRow").
fn class_tokens(node: NodeRef<Node>) -> Option<String> {
    let element = node.value().as_element()?;
    let mut tokens = String::from("-");
    let mut previous_lower = false;
    for value in [element.attr("class"), element.id()].into_iter().flatten() {
        for c in value.chars() {
            if c.is_alphanumeric() {
                if c.is_uppercase() && previous_lower {
                    tokens.push('-');
                }
                previous_lower = c.is_lowercase() || c.is_ascii_digit();
                tokens.extend(c.to_lowercase());
            } else {
                if !tokens.ends_with('-') {
                    tokens.push('-');
                }
                previous_lower = false;
            }
        }
        if !tokens.ends_with('-') {
            tokens.push('-');
        }
    }
    Some(tokens)
}

fn has_class_word(tokens: &str, words: &[&str]) -> bool {
    words.iter().any(|word| {
        tokens
            .match_indices(word)
            .any(|(at, _)| at > 0 && tokens.as_bytes().get(at - 1) == Some(&b'-'))
    })
}

fn has_furniture_class(node: NodeRef<Node>) -> bool {
    if matches!(
        element_name(node),
        Some("html" | "body" | "main" | "article" | "a") | None
    ) {
        return false;
    }
    let Some(tokens) = class_tokens(node) else {
        return false;
    };
    has_class_word(&tokens, FURNITURE_WORDS) && !has_class_word(&tokens, CONTENT_WORDS)
}

/// Elements whose own text counts as a paragraph for scoring.
fn is_text_block(node: NodeRef<Node>) -> bool {
    match element_name(node) {
        Some("p" | "pre" | "td" | "blockquote") => true,
        // Sites that write paragraphs as `<div>text<br><br>text</div>`.
        Some("div" | "section") => node.children().any(|child| match child.value() {
            Node::Text(text) => text.trim().chars().count() >= MIN_SCORED_BLOCK,
            _ => false,
        }),
        _ => false,
    }
}

fn initial_score(node: NodeRef<Node>) -> f64 {
    let tag_score = match element_name(node) {
        Some("div" | "article" | "section") => 5.0,
        Some("pre" | "td" | "blockquote") => 3.0,
        Some("address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form") => -3.0,
        Some("h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th") => -5.0,
        _ => 0.0,
    };
    tag_score + class_weight(node)
}

fn class_weight(node: NodeRef<Node>) -> f64 {
    let Some(tokens) = class_tokens(node) else {
        return 0.0;
    };
    let mut weight = 0.0;
    if has_class_word(&tokens, NEGATIVE_WORDS) {
        weight -= 25.0;
    }
    if has_class_word(&tokens, POSITIVE_WORDS) {
        weight += 25.0;
    }
    weight
}

fn ends_sentence(node: NodeRef<Node>) -> bool {
    let mut last = String::new();
    for text in node.descendants().filter_map(|n| n.value().as_text()) {
        if !text.trim().is_empty() {
            last = text.trim().to_owned();
        }
    }
    last.ends_with(['.', '!', '?', '"', '”'])
}

/// Collects text into lines: whitespace inside a block collapses to one space, and a
/// block boundary ends the line.
#[derive(Default)]
struct BlockWriter {
    lines: Vec<String>,
    current: String,
    pending_space: bool,
}

impl BlockWriter {
    fn push_text(&mut self, text: &str) {
        for (index, word) in text.split_whitespace().enumerate() {
            let space_before = index > 0 || text.starts_with(char::is_whitespace);
            if !self.current.is_empty() && (space_before || self.pending_space) {
                self.current.push(' ');
            }
            self.current.push_str(word);
            self.pending_space = false;
        }
        if text.ends_with(char::is_whitespace) && !self.current.is_empty() {
            self.pending_space = true;
        }
    }

    fn break_block(&mut self) {
        let line = std::mem::take(&mut self.current);
        self.pending_space = false;
        if !line.is_empty() {
            self.lines.push(line);
        }
    }

    fn finish(mut self) -> String {
        self.break_block();
        self.lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_banner_and_feedback_box_are_dropped() {
        let html = r#"<body><div class="govuk-cookie-banner"><p>We use some essential cookies to make this service work, thank you.</p></div>
            <main id="main-content"><h1>Learning from Child A</h1>
            <p>The partnership commissioned a review after the death of Child A, who was two.</p>
            <p>Practitioners did not know the family had moved, so no health visitor called.</p></main>
            <div class="gem-c-feedback"><p>Is this page useful? Maybe, yes, no, report a problem here.</p></div></body>"#;
        let text = extract_main_text(html);
        assert_eq!(
            text,
            "Learning from Child A\nThe partnership commissioned a review after the death of Child A, who was two.\nPractitioners did not know the family had moved, so no health visitor called."
        );
    }

    #[test]
    fn inline_elements_do_not_split_words_and_blocks_do() {
        let html = "<body><article><p>Sa<b>fe</b>guarding <i>partners</i>, all of them, met in May.</p><p>Next paragraph, with a comma, and more words here.</p></article></body>";
        assert_eq!(
            extract_main_text(html),
            "Safeguarding partners, all of them, met in May.\nNext paragraph, with a comma, and more words here."
        );
    }

    #[test]
    fn empty_and_malformed_input_gives_text_or_nothing_without_panicking() {
        assert_eq!(extract_main_text(""), "");
        // An HTML parser reads stray angle brackets as text.
        assert_eq!(extract_main_text("<<<>>><p"), "<<<>>>");
        assert_eq!(extract_main_text("plain words"), "plain words");
    }
}
