//! Marking a query's words in text: short snippets for result lists, whole sections for
//! the document page. Both escape the text as HTML and wrap matches in `<mark>`.
//!
//! Both must run the field's analyzer over every word of the text to find the matches,
//! and Snowball stemming was most of that cost (a third of a 10× search's time, by
//! perf). A word can only stem to a query term if it starts with the same letter (the
//! English stemmer keeps a word's first letter), so [`StemWhereItCanMatch`] stems only
//! those words and passes the others through unstemmed: they match no term either way,
//! and the offsets, stop words and matches are exactly those of the full analyzer
//! (a test checks this on the bundled corpus).
//!
//! Cheaper still is not analysing a section at all: most sections of a hit hold none of
//! the query's words. Every word that stems to a term starts with the term minus its
//! last [`STEM_REWRITTEN_TAIL`] letters (the stemmer only rewrites a word's ending), so
//! a section where no word starts with one of those prefixes cannot match, and
//! [`Highlighter::snippet`] skips it after a scan of its bytes. Sections that pass are
//! analysed exactly as before, so snippets do not change (tests check both).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use tantivy::query::Query;
use tantivy::schema::{Field, FieldType};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    BoxTokenStream, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::Index;

use crate::schema::ENGLISH;
use crate::IndexError;

/// How many letters at the end of an English stem may differ from the word it came from.
/// Snowball English rewrites suffixes (`happy` → `happi`, `possibility` → `possibl`,
/// `relational` → `relat`, `skies` → `sky`): at most two of the letters it writes
/// survive at the end of a stem; three leaves a margin. A test checks the bound on every
/// word of the bundled corpus.
const STEM_REWRITTEN_TAIL: usize = 3;

pub(crate) struct Highlighter {
    /// The query's terms in the field, as the analyzer writes them (stemmed).
    terms: HashSet<String>,
    analyzer: TextAnalyzer,
    field: Field,
    /// Lower-case ASCII prefixes, one of which starts every word that can match a term;
    /// `None` when the field's analyzer gives no such guarantee (not English, or a term
    /// that is not ASCII), and every text must be analysed.
    word_prefixes: Option<Vec<Vec<u8>>>,
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
        let english = field_tokenizer(index, field).as_deref() == Some(ENGLISH);
        let analyzer = if english {
            StemWhereItCanMatch::for_terms(&terms).into()
        } else {
            index.tokenizer_for_field(field)?
        };
        let word_prefixes = if english {
            terms
                .iter()
                .map(|term| {
                    let keep = term
                        .len()
                        .saturating_sub(STEM_REWRITTEN_TAIL)
                        .max(1)
                        .min(term.len());
                    term.is_ascii().then(|| term.as_bytes()[..keep].to_vec())
                })
                .collect()
        } else {
            None
        };
        Ok(Highlighter {
            terms,
            analyzer,
            field,
            word_prefixes,
        })
    }

    /// Whether `text` may hold a word that matches a term: false only when no word in it
    /// starts with a term's prefix, so the analyzer would find no match either.
    ///
    /// Words are what the analyzer's tokenizer sees: runs of alphanumeric characters.
    /// The analyzer lower-cases with Unicode rules, under which a few non-ASCII letters
    /// become ASCII (the Kelvin sign becomes `k`); a text with one is always analysed.
    fn may_match(&self, text: &str) -> bool {
        let Some(prefixes) = &self.word_prefixes else {
            return true;
        };
        let bytes = text.as_bytes();
        let mut previous_alphanumeric = false;
        for (at, character) in text.char_indices() {
            if !character.is_ascii() && character.to_lowercase().any(|lower| lower.is_ascii()) {
                return true;
            }
            let alphanumeric = character.is_alphanumeric();
            if alphanumeric && !previous_alphanumeric && character.is_ascii() {
                let rest = &bytes[at..];
                if prefixes.iter().any(|prefix| {
                    rest.get(..prefix.len())
                        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
                }) {
                    return true;
                }
            }
            previous_alphanumeric = alphanumeric;
        }
        false
    }

    /// The best fragment of about `max_chars` around the matches, and how many words
    /// it marks; `None` when the text has no match.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<(String, usize)> {
        if self.terms.is_empty() || !self.may_match(text) {
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
        if !self.terms.is_empty() && self.may_match(text) {
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

fn field_tokenizer(index: &Index, field: Field) -> Option<String> {
    match index.schema().get_field_entry(field).field_type() {
        FieldType::Str(options) => options
            .get_indexing_options()
            .map(|indexing| indexing.tokenizer().to_owned()),
        _ => None,
    }
}

/// The [`ENGLISH`] analyzer (crate::schema::register_analyzers) for highlighting: the
/// same words, offsets and stop words, but only words that start with the first letter
/// of a query term are stemmed. Only for comparing with the query's terms: the other
/// words keep their unstemmed text.
#[derive(Clone)]
pub(crate) struct StemWhereItCanMatch {
    /// The English analyzer up to, not including, its stemmer.
    unstemmed: TextAnalyzer,
    /// The English stemmer alone, over one word.
    stemmer: TextAnalyzer,
    first_letters: Arc<[char]>,
}

impl StemWhereItCanMatch {
    pub(crate) fn for_terms(terms: &HashSet<String>) -> StemWhereItCanMatch {
        let unstemmed = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser);
        let unstemmed = match StopWordFilter::new(Language::English) {
            Some(stop_words) => unstemmed.filter(stop_words).build(),
            None => unstemmed.build(),
        };
        let mut first_letters: Vec<char> = terms
            .iter()
            .filter_map(|term| term.chars().next())
            .collect();
        first_letters.sort_unstable();
        first_letters.dedup();
        StemWhereItCanMatch {
            unstemmed,
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            first_letters: first_letters.into(),
        }
    }
}

impl Tokenizer for StemWhereItCanMatch {
    type TokenStream<'a> = SelectiveStemStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SelectiveStemStream<'a> {
        let StemWhereItCanMatch {
            unstemmed,
            stemmer,
            first_letters,
        } = self;
        SelectiveStemStream {
            words: unstemmed.token_stream(text),
            stemmer,
            first_letters,
        }
    }
}

pub(crate) struct SelectiveStemStream<'a> {
    words: BoxTokenStream<'a>,
    stemmer: &'a mut TextAnalyzer,
    first_letters: &'a [char],
}

impl TokenStream for SelectiveStemStream<'_> {
    fn advance(&mut self) -> bool {
        if !self.words.advance() {
            return false;
        }
        let token = self.words.token_mut();
        if token
            .text
            .chars()
            .next()
            .is_some_and(|first| self.first_letters.contains(&first))
        {
            let word = std::mem::take(&mut token.text);
            let mut stemmed = self.stemmer.token_stream(&word);
            token.text = if stemmed.advance() {
                stemmed.token().text.clone()
            } else {
                word.clone()
            };
        }
        true
    }

    fn token(&self) -> &Token {
        self.words.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.words.token_mut()
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

    /// Every section text of the bundled corpus (real PFD reports).
    fn bundled_sections() -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../corpus/pfd/records.jsonl"
        );
        let records = std::fs::read_to_string(path).expect("bundled corpus");
        let mut texts = Vec::new();
        for line in records.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("record");
            for section in record["sections"].as_array().expect("sections") {
                texts.push(section["text"].as_str().expect("text").to_owned());
            }
        }
        texts
    }

    fn english_index() -> (Index, Field) {
        let (schema, fields) = crate::schema::build_schema();
        let index = Index::create_in_ram(schema);
        crate::schema::register_analyzers(&index);
        (index, fields.text)
    }

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().clone());
        }
        tokens
    }

    /// Why stemming only some words is exact: the unstemmed analyzer yields the English
    /// analyzer's tokens at the same offsets, and each stem keeps its word's first letter,
    /// so a word with another first letter cannot match any query term.
    #[test]
    fn unstemmed_words_sit_where_the_english_analyzer_puts_them_and_keep_their_first_letter() {
        let (index, text_field) = english_index();
        let mut english = index.tokenizer_for_field(text_field).expect("analyzer");
        let mut unstemmed: TextAnalyzer = StemWhereItCanMatch::for_terms(&HashSet::new()).into();
        let mut compared = 0;
        for text in bundled_sections() {
            let stemmed = tokens(&mut english, &text);
            let words = tokens(&mut unstemmed, &text);
            assert_eq!(stemmed.len(), words.len(), "{text}");
            for (stem, word) in stemmed.iter().zip(&words) {
                assert_eq!(
                    (stem.offset_from, stem.offset_to, stem.position),
                    (word.offset_from, word.offset_to, word.position)
                );
                assert_eq!(
                    stem.text.chars().next(),
                    word.text.chars().next(),
                    "{} stems to {}",
                    word.text,
                    stem.text
                );
                compared += 1;
            }
        }
        assert!(compared > 300_000, "only {compared} words compared");
    }

    #[test]
    fn snippets_are_those_of_the_full_english_analyzer() {
        let (index, text_field) = english_index();
        let parser = tantivy::query::QueryParser::for_index(&index, vec![text_field]);
        let sections = bundled_sections();
        for query in [
            "suicide",
            "mental health",
            "\"voice of the child\"",
            "dying OR lying OR skies",
            "happy early",
        ] {
            let query = parser.parse_query(query).expect("query");
            let selective = Highlighter::new(&index, &*query, text_field).expect("highlighter");
            let full = Highlighter {
                analyzer: index.tokenizer_for_field(text_field).expect("analyzer"),
                terms: selective.terms.clone(),
                field: text_field,
                word_prefixes: None,
            };
            let mut marked = 0;
            for text in sections.iter().step_by(7) {
                let snippet = selective.snippet(text, 220);
                assert_eq!(snippet, full.snippet(text, 220), "{query:?} in {text}");
                marked += snippet.map_or(0, |(_, matches)| matches);
                assert_eq!(selective.highlight_all(text), full.highlight_all(text));
            }
            assert!(marked > 0, "{query:?} marked nothing");
        }
    }

    /// The bound [`STEM_REWRITTEN_TAIL`] rests on: every word of the bundled corpus starts
    /// with its stem minus that many letters (lower-cased, as the analyzer compares).
    #[test]
    fn every_word_starts_with_its_stem_but_for_the_rewritten_tail() {
        let mut words: TextAnalyzer = StemWhereItCanMatch::for_terms(&HashSet::new()).into();
        let mut stemmer = TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build();
        let (mut checked, mut longest_tail) = (0, 0);
        for text in bundled_sections() {
            for word in tokens(&mut words, &text) {
                let stem = tokens(&mut stemmer, &word.text).remove(0).text;
                let shared = stem
                    .bytes()
                    .zip(word.text.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let tail = stem.len() - shared;
                assert!(tail <= STEM_REWRITTEN_TAIL, "{} stems to {stem}", word.text);
                longest_tail = longest_tail.max(tail);
                checked += 1;
            }
        }
        assert!(checked > 300_000, "only {checked} words checked");
        // The suffix rewrites do show up in real text (`happy` → `happi`, …).
        assert!(longest_tail >= 1, "no stem rewrote its ending");
    }

    /// Skipping sections by prefix drops none that the full analyzer marks, and does
    /// skip most sections, which is why it is there.
    #[test]
    fn sections_skipped_by_prefix_hold_no_match() {
        let (index, text_field) = english_index();
        let parser = tantivy::query::QueryParser::for_index(&index, vec![text_field]);
        let mut full = index.tokenizer_for_field(text_field).expect("analyzer");
        let sections = bundled_sections();
        for query in [
            "suicide",
            "mental health",
            "\"voice of the child\"",
            "dying OR lying OR skies OR happy OR possibility",
            "relational OR organization OR generously OR agreed",
            "ambulance",
        ] {
            let query = parser.parse_query(query).expect("query");
            let highlighter = Highlighter::new(&index, &*query, text_field).expect("highlighter");
            let (mut skipped, mut matching) = (0, 0);
            for text in &sections {
                let matches = tokens(&mut full, text)
                    .iter()
                    .any(|token| highlighter.terms.contains(&token.text));
                if matches {
                    matching += 1;
                    assert!(highlighter.may_match(text), "{query:?} skipped {text}");
                }
                if !highlighter.may_match(text) {
                    skipped += 1;
                }
            }
            assert!(matching > 0, "{query:?} matches nothing");
            assert!(skipped > 0, "{query:?} skipped nothing");
        }
    }

    #[test]
    fn a_kelvin_sign_is_analysed_since_it_lower_cases_to_k() {
        let (index, text_field) = english_index();
        let parser = tantivy::query::QueryParser::for_index(&index, vec![text_field]);
        let query = parser.parse_query("kitchen").expect("query");
        let highlighter = Highlighter::new(&index, &*query, text_field).expect("highlighter");
        assert!(!highlighter.may_match("in the hall"));
        assert!(highlighter.may_match("in the \u{212A}itchen"));
        assert!(highlighter.may_match("in the (Kitchen)"));
        assert!(!highlighter.may_match("in the bakitchen"));
    }

    #[test]
    fn first_words_cuts_at_a_word_and_escapes() {
        assert_eq!(first_words("a <b> c", 100), "a &lt;b&gt; c");
        assert_eq!(first_words("alpha beta gamma", 12), "alpha beta …");
    }
}
