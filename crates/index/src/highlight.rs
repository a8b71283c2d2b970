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
//! Cheaper still is not analysing most words at all. Every word that stems to a term
//! starts with the term minus its last [`STEM_REWRITTEN_TAIL`] letters (the stemmer only
//! rewrites a word's ending), and the snippet generator needs only the offsets of the
//! other words, and whether they are stop words (which it never sees).
//! [`MarkCandidateWords`] gives exactly that: the English analyzer's tokens at the same
//! offsets, lower-cased and stemmed only for words starting with a term's prefix, the
//! rest left with empty text that matches no term. Snippets do not change (tests compare
//! them, and the tokens, with the full analyzer's on the bundled corpus).

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
    /// [`MarkCandidateWords`] for the terms' prefixes; `None` when the field's analyzer
    /// gives no such guarantee (not English, or a term that is not ASCII).
    candidate_words: Option<TextAnalyzer>,
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
        let candidate_words = word_prefixes
            .map(|prefixes| TextAnalyzer::from(MarkCandidateWords::for_prefixes(prefixes)));
        Ok(Highlighter {
            terms,
            analyzer,
            field,
            candidate_words,
        })
    }

    /// The analyzer that finds matches: the cheap one where it is exact.
    fn match_analyzer(&self) -> &TextAnalyzer {
        self.candidate_words.as_ref().unwrap_or(&self.analyzer)
    }

    /// The best fragment of about `max_chars` around the matches, and how many words
    /// it marks; `None` when the text has no match.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Option<(String, usize)> {
        if self.terms.is_empty() {
            return None;
        }
        let analyzer = self.match_analyzer();
        // Equal weights: rarer-term weighting buys little on a single section.
        let weights: BTreeMap<String, f32> =
            self.terms.iter().map(|term| (term.clone(), 1.0)).collect();
        let generator = SnippetGenerator::new(weights, analyzer.clone(), self.field, max_chars);
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
            let mut analyzer = self.match_analyzer().clone();
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

/// Whether `bytes` starts with one of `prefixes`, ignoring ASCII case.
fn starts_with_any(bytes: &[u8], prefixes: &[Vec<u8>]) -> bool {
    prefixes.iter().any(|prefix| {
        bytes
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    })
}

/// Lucene's English stop words, which tantivy's `StopWordFilter::new(Language::English)`
/// removes in our analyzer (a test checks the two agree on every word of the bundled
/// corpus), each packed into a `u64` by [`pack_short_word`].
const ENGLISH_STOP_WORDS: [u64; 33] = {
    let words: [&[u8]; 33] = [
        b"a", b"an", b"and", b"are", b"as", b"at", b"be", b"but", b"by", b"for", b"if", b"in",
        b"into", b"is", b"it", b"no", b"not", b"of", b"on", b"or", b"such", b"that", b"the",
        b"their", b"then", b"there", b"these", b"they", b"this", b"to", b"was", b"will", b"with",
    ];
    let mut packed = [0u64; 33];
    let mut index = 0;
    while index < words.len() {
        packed[index] = pack_short_word(words[index]);
        index += 1;
    }
    packed
};

/// A word of at most seven bytes, lower-cased (ASCII), with its length, as one number.
const fn pack_short_word(word: &[u8]) -> u64 {
    let mut packed = (word.len() as u64) << 56;
    let mut index = 0;
    while index < word.len() && index < 7 {
        packed |= (word[index].to_ascii_lowercase() as u64) << (8 * index);
        index += 1;
    }
    packed
}

/// Whether a word is an English stop word. Compared as packed numbers rather than
/// strings: this runs for every word of every section shown, and byte-string
/// comparisons (memcmp calls) were a quarter of a search's CPU time under perf.
fn is_english_stop_word(word: &[u8]) -> bool {
    word.len() <= 5 && ENGLISH_STOP_WORDS.contains(&pack_short_word(word))
}

/// Words of this many bytes or more are dropped, as `RemoveLongFilter::limit(40)` does in
/// our analyzer (crate::schema::register_analyzers).
const LONG_WORD_BYTES: usize = 40;

/// For marking matches only: the [`ENGLISH`] analyzer's tokens (same offsets, same stop
/// words and long words dropped), where only words starting with one of the prefixes
/// are stemmed and every other token's text is left empty, matching no term.
#[derive(Clone)]
pub(crate) struct MarkCandidateWords {
    prefixes: Arc<[Vec<u8>]>,
    /// The English stemmer alone, over one word.
    stemmer: TextAnalyzer,
    token: Token,
}

impl MarkCandidateWords {
    fn for_prefixes(prefixes: Vec<Vec<u8>>) -> MarkCandidateWords {
        MarkCandidateWords {
            prefixes: prefixes.into(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            token: Token::default(),
        }
    }
}

impl Tokenizer for MarkCandidateWords {
    type TokenStream<'a> = CandidateWordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CandidateWordStream<'a> {
        self.token = Token::default();
        CandidateWordStream {
            text,
            at: 0,
            prefixes: &self.prefixes,
            stemmer: &mut self.stemmer,
            token: &mut self.token,
            lower: String::new(),
        }
    }
}

pub(crate) struct CandidateWordStream<'a> {
    text: &'a str,
    /// Where the next word is looked for.
    at: usize,
    prefixes: &'a [Vec<u8>],
    stemmer: &'a mut TextAnalyzer,
    token: &'a mut Token,
    lower: String,
}

impl CandidateWordStream<'_> {
    /// The stem of `self.lower` as the token's text.
    fn stem_lower_into_token(&mut self) {
        let mut stemmed = self.stemmer.token_stream(&self.lower);
        if stemmed.advance() {
            self.token.text.push_str(&stemmed.token().text);
        } else {
            self.token.text.push_str(&self.lower);
        }
    }

    /// Whether the character at `at` (a character boundary) is alphanumeric, and its
    /// length in bytes; ASCII is decided on the byte alone.
    fn alphanumeric_at(&self, at: usize) -> (bool, usize) {
        match self.text.as_bytes().get(at) {
            Some(byte) if byte.is_ascii() => (byte.is_ascii_alphanumeric(), 1),
            _ => self
                .text
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
        }
    }
}

impl TokenStream for CandidateWordStream<'_> {
    fn advance(&mut self) -> bool {
        let end = self.text.len();
        loop {
            // Words as `SimpleTokenizer` finds them: runs of alphanumeric characters.
            // ASCII (nearly all of a report) is decided on the byte, in a tight loop.
            let bytes = self.text.as_bytes();
            let mut at = self.at;
            let from = loop {
                match bytes.get(at) {
                    None => {
                        self.at = at;
                        return false;
                    }
                    Some(byte) if byte.is_ascii_alphanumeric() => break at,
                    Some(byte) if byte.is_ascii() => at += 1,
                    Some(_) => {
                        let (alphanumeric, length) = self.alphanumeric_at(at);
                        if alphanumeric {
                            break at;
                        }
                        at += length;
                    }
                }
            };
            let to = loop {
                match bytes.get(at) {
                    None => break end,
                    Some(byte) if byte.is_ascii_alphanumeric() => at += 1,
                    Some(byte) if byte.is_ascii() => break at,
                    Some(_) => {
                        let (alphanumeric, length) = self.alphanumeric_at(at);
                        if !alphanumeric {
                            break at;
                        }
                        at += length;
                    }
                }
            };
            self.at = at;
            let Some(word) = self.text.get(from..to) else {
                return false;
            };
            self.token.position = self.token.position.wrapping_add(1);
            if word.len() >= LONG_WORD_BYTES {
                continue;
            }
            self.token.offset_from = from;
            self.token.offset_to = to;
            self.token.text.clear();
            if word.is_ascii() {
                if is_english_stop_word(word.as_bytes()) {
                    continue;
                }
                if starts_with_any(word.as_bytes(), self.prefixes) {
                    self.lower.clear();
                    self.lower.push_str(word);
                    self.lower.make_ascii_lowercase();
                    self.stem_lower_into_token();
                }
            } else {
                // Rare: lower-cased first, as `LowerCaser` does, character by character
                // (a few letters, such as the Kelvin sign, become ASCII).
                self.lower.clear();
                self.lower
                    .extend(word.chars().flat_map(|character| character.to_lowercase()));
                if is_english_stop_word(self.lower.as_bytes()) {
                    continue;
                }
                if starts_with_any(self.lower.as_bytes(), self.prefixes) {
                    self.stem_lower_into_token();
                }
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
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
            "police OR hospital OR ambulance OR medication",
            "\"risk assessment\" OR thereafter OR theirs",
        ] {
            let query = parser.parse_query(query).expect("query");
            let selective = Highlighter::new(&index, &*query, text_field).expect("highlighter");
            let full = Highlighter {
                analyzer: index.tokenizer_for_field(text_field).expect("analyzer"),
                terms: selective.terms.clone(),
                field: text_field,
                candidate_words: None,
            };
            let mut marked = 0;
            for text in &sections {
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

    /// `MarkCandidateWords` yields the English analyzer's tokens at the same offsets (so
    /// the same stop words and long words are dropped), with the same text for words that
    /// start with a prefix and empty text for the rest.
    #[test]
    fn candidate_words_are_the_english_analyzers_tokens_with_only_candidates_analysed() {
        let (index, text_field) = english_index();
        let mut english = index.tokenizer_for_field(text_field).expect("analyzer");
        let prefixes = vec![b"chi".to_vec(), b"h".to_vec(), b"medic".to_vec()];
        let mut candidates: TextAnalyzer = MarkCandidateWords::for_prefixes(prefixes).into();
        let (mut compared, mut analysed) = (0, 0);
        for text in bundled_sections() {
            let stemmed = tokens(&mut english, &text);
            let marked = tokens(&mut candidates, &text);
            assert_eq!(stemmed.len(), marked.len(), "{text}");
            for (stem, mark) in stemmed.iter().zip(&marked) {
                assert_eq!(
                    (stem.offset_from, stem.offset_to),
                    (mark.offset_from, mark.offset_to)
                );
                let word = text[mark.offset_from..mark.offset_to].to_lowercase();
                if ["chi", "h", "medic"].iter().any(|p| word.starts_with(p)) {
                    assert_eq!(stem.text, mark.text);
                    analysed += 1;
                } else {
                    assert_eq!(mark.text, "");
                }
                compared += 1;
            }
        }
        assert!(
            compared > 300_000 && analysed > 10_000,
            "{compared} {analysed}"
        );
    }

    #[test]
    fn a_kelvin_sign_matches_since_it_lower_cases_to_k() {
        let (index, text_field) = english_index();
        let parser = tantivy::query::QueryParser::for_index(&index, vec![text_field]);
        let query = parser.parse_query("kitchen").expect("query");
        let highlighter = Highlighter::new(&index, &*query, text_field).expect("highlighter");
        let full = Highlighter {
            analyzer: index.tokenizer_for_field(text_field).expect("analyzer"),
            terms: highlighter.terms.clone(),
            field: text_field,
            candidate_words: None,
        };
        for text in [
            "THE \u{212A}ITCHEN is the kitchen",
            "Kitchens: the kitchen's",
        ] {
            assert_eq!(highlighter.snippet(text, 220), full.snippet(text, 220));
            assert_eq!(highlighter.highlight_all(text), full.highlight_all(text));
        }
    }

    #[test]
    fn first_words_cuts_at_a_word_and_escapes() {
        assert_eq!(first_words("a <b> c", 100), "a &lt;b&gt; c");
        assert_eq!(first_words("alpha beta gamma", 12), "alpha beta …");
    }
}
