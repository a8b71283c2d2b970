//! Marking a query's words in text: short snippets for result lists, whole sections for
//! the document page. Both escape the text as HTML and wrap matches in `<mark>`.

use std::collections::{BTreeMap, HashSet};

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Index;

use crate::IndexError;

pub(crate) struct Highlighter {
    /// The query's terms in the field, as the analyzer writes them (stemmed).
    terms: HashSet<String>,
    analyzer: TextAnalyzer,
    field: Field,
}

impl Highlighter {
    pub fn new(index: &Index, query: &dyn Query, field: Field) -> Result<Highlighter, IndexError> {
        let mut terms = HashSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                if let Some(text) = term.value().as_str() {
                    terms.insert(text.to_owned());
                }
            }
        });
        Ok(Highlighter {
            terms,
            analyzer: index.tokenizer_for_field(field)?,
            field,
        })
    }

    /// The best fragment of about `max_chars` around the matches, and how many words
    /// it marks; `None` when the text has no match.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<(String, usize)> {
        if self.terms.is_empty() {
            return None;
        }
        // Equal weights: rarer-term weighting buys little on a single section.
        let weights: BTreeMap<String, f32> =
            self.terms.iter().map(|term| (term.clone(), 1.0)).collect();
        let generator =
            SnippetGenerator::new(weights, self.analyzer.clone(), self.field, max_chars);
        let mut snippet = generator.snippet(text);
        if snippet.highlighted().is_empty() {
            return None;
        }
        snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
        let matches = snippet.highlighted().len();
        let range = snippet.fragment_range();
        let mut html = snippet.to_html();
        if range.start > 0 {
            html.insert_str(0, "… ");
        }
        if range.end < text.len() {
            html.push_str(" …");
        }
        Some((html, matches))
    }

    /// All of `text`, escaped, with every match marked.
    pub fn highlight_all(&self, text: &str) -> String {
        let mut html = String::with_capacity(text.len() + text.len() / 8);
        let mut written = 0;
        if !self.terms.is_empty() {
            let mut analyzer = self.analyzer.clone();
            let mut stream = analyzer.token_stream(text);
            while let Some(token) = stream.next() {
                if self.terms.contains(&token.text)
                    && text.is_char_boundary(token.offset_from)
                    && text.is_char_boundary(token.offset_to)
                    && token.offset_from >= written
                {
                    html.push_str(&escape(&text[written..token.offset_from]));
                    html.push_str("<mark>");
                    html.push_str(&escape(&text[token.offset_from..token.offset_to]));
                    html.push_str("</mark>");
                    written = token.offset_to;
                }
            }
        }
        html.push_str(&escape(&text[written..]));
        html
    }
}

/// The opening of a text, cut at a word boundary, escaped.
pub(crate) fn first_words(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return escape(text);
    }
    let cut = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(index, _)| index);
    let at_word = text[..cut].rfind(char::is_whitespace).unwrap_or(cut);
    format!("{} …", escape(text[..at_word].trim_end()))
}

pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_cuts_at_a_word_and_escapes() {
        assert_eq!(first_words("a <b> c", 100), "a &lt;b&gt; c");
        assert_eq!(first_words("alpha beta gamma", 12), "alpha beta …");
    }
}
