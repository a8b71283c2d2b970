//! Marking a query's words in text: short snippets for result lists, whole sections for
//! the document page. Both escape the text as HTML and wrap matches in `<mark>`.
//!
//! A result's snippet needs no word read as the analyzer reads it: the postings say which
//! words of a section match ([`crate::hit_sections`]), the words before them are only
//! counted ([`crate::analysis::locate_words`]), and the fragment is the densest run of
//! matches with context around it ([`densest_fragment`]).
//!
//! The record page marks every match of a whole section, and there (and for snippets of
//! an index without section starts) the words are read. Running the analyzer (a token,
//! lower-casing, a stop-word lookup and a stem for each word) over them was most of a
//! search's time at one point, by perf; for our English analyzer, [`EnglishWords`] reads
//! the same words at the same offsets without building tokens: a word is lower-cased and
//! stemmed only when it could match a term. Every word that stems to a term starts with
//! the term minus its last [`STEM_REWRITTEN_TAIL`] letters (the stemmer only rewrites a
//! word's ending), so the other words are only measured. Tests check on the bundled corpus
//! that the words, their offsets and their matches are the analyzer's.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;

use rustc_hash::FxHashMap;
use tantivy::query::Query;
use tantivy::schema::{Field, FieldType};
use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer};
use tantivy::Index;

use crate::schema::{ENGLISH, MAX_WORD_BYTES};
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
    words: Words,
}

/// How a text is read into words.
enum Words {
    /// Our English analyzer, read without building tokens.
    English(EnglishWords),
    /// Any other analyzer, run token by token.
    Analyzer(TextAnalyzer),
}

/// One word of a text as the analyzer yields it: where it is, and whether it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    at: Range<usize>,
    matches: bool,
}

/// The best fragment of a text for a query: its byte range and the matches in it.
pub(crate) struct Fragment {
    range: Range<usize>,
    marks: Vec<Range<usize>>,
}

impl Fragment {
    /// How many words it marks.
    pub fn matches(&self) -> usize {
        self.marks.len()
    }

    /// The fragment of `text` (the text it was found in), escaped, its matches marked,
    /// with an ellipsis where it cuts the text.
    pub fn html(&self, text: &str) -> String {
        let mut html = String::with_capacity(self.range.len() + 32 * self.marks.len() + 8);
        if self.range.start > 0 {
            html.push_str("… ");
        }
        push_marked(&mut html, text, self.range.clone(), &self.marks);
        if self.range.end < text.len() {
            html.push_str(" …");
        }
        html
    }
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
        let words = if field_tokenizer(index, field).as_deref() == Some(ENGLISH) {
            Words::English(EnglishWords::for_terms(&terms))
        } else {
            Words::Analyzer(index.tokenizer_for_field(field)?)
        };
        Ok(Highlighter { terms, words })
    }

    /// The query's terms in `field` (the field this highlighter marks), as index terms.
    pub fn terms(&self, field: Field) -> Vec<tantivy::Term> {
        self.terms
            .iter()
            .map(|text| tantivy::Term::from_field_text(field, text))
            .collect()
    }

    /// Calls `visit` with each word of `text` that the analyzer yields, in order.
    fn for_each_word(&self, text: &str, visit: impl FnMut(Word)) {
        match &self.words {
            Words::English(english) => english.read(text, &self.terms, visit),
            Words::Analyzer(analyzer) => {
                let mut visit = visit;
                let mut analyzer = analyzer.clone();
                let mut stream = analyzer.token_stream(text);
                while let Some(token) = stream.next() {
                    visit(Word {
                        at: token.offset_from..token.offset_to,
                        matches: self.terms.contains(&token.text),
                    });
                }
            }
        }
    }

    /// The fragment of `text` around its densest run of matches: see [`densest_fragment`].
    /// `None` when the text has no match.
    pub fn best_fragment(&self, text: &str, max_bytes: usize) -> Option<Fragment> {
        if self.terms.is_empty() {
            return None;
        }
        let mut marks = Vec::new();
        self.for_each_word(text, |word| {
            if word.matches {
                marks.push(word.at);
            }
        });
        densest_fragment(text, &marks, max_bytes)
    }

    /// As [`Highlighter::best_fragment`], with the matches given instead of found:
    /// `matches` are the numbers (from 0, ascending) among `text`'s words of those that
    /// match, as the text field's positions tell them ([`crate::hit_sections`]; our
    /// tokenizer numbers every word, stop words and long words included). The words are
    /// only counted, a byte at a time by table, up to the last match: nothing is
    /// lower-cased or stemmed. `None` for a highlighter of another analyzer, whose
    /// positions would number words differently.
    pub fn best_fragment_at(
        &self,
        text: &str,
        max_bytes: usize,
        matches: &[u32],
    ) -> Option<Fragment> {
        if !matches!(self.words, Words::English(_)) || self.terms.is_empty() {
            return None;
        }
        densest_fragment(
            text,
            &crate::analysis::locate_words(text, matches),
            max_bytes,
        )
    }

    /// All of `text`, escaped, with every match marked.
    pub fn highlight_all(&self, text: &str) -> String {
        let mut marks = Vec::new();
        if !self.terms.is_empty() {
            self.for_each_word(text, |word| {
                if word.matches {
                    marks.push(word.at);
                }
            });
        }
        let mut html = String::with_capacity(text.len() + text.len() / 8);
        push_marked(&mut html, text, 0..text.len(), &marks);
        html
    }
}

/// The fragment of at most `max_bytes` of `text` with the most of `marks` (matched
/// words' byte ranges, in order): the first longest run of matches that fits, with the
/// room left split as context before and after it, cut at words. `None` without marks.
///
/// A snippet used to be tantivy's `SnippetGenerator`'s: fragments cut one after another
/// from the section's start, the one with the most matches shown. That needs every word
/// before the matches read as the analyzer reads it, and it could cut a run of matches
/// in two, or show a match as a fragment's last word. Here only the matches' places
/// are needed (from the postings, [`Highlighter::best_fragment_at`]), and a test checks
/// that a fragment never holds fewer matches than tantivy's.
fn densest_fragment(text: &str, marks: &[Range<usize>], max_bytes: usize) -> Option<Fragment> {
    let (mut first, mut last) = (0, 0);
    let mut end = 0;
    for start in 0..marks.len() {
        end = end.max(start);
        while marks
            .get(end + 1)
            .is_some_and(|next| next.end.saturating_sub(marks[start].start) <= max_bytes)
        {
            end += 1;
        }
        if end - start > last - first {
            (first, last) = (start, end);
        }
    }
    let run = marks.get(first)?.start..marks.get(last)?.end;
    // Context: half the room on each side, what one side cannot use to the other.
    let room = max_bytes.saturating_sub(run.len());
    let before = (room / 2).min(run.start);
    let after = (room - before).min(text.len().saturating_sub(run.end));
    let before = (room - after).min(run.start);
    let range = word_start_from(text, run.start - before, run.start)
        ..word_end_until(text, run.end + after, run.end);
    let marks = marks
        .iter()
        .filter(|mark| mark.start >= range.start && mark.end <= range.end)
        .cloned()
        .collect();
    Some(Fragment { range, marks })
}

/// Whether `c` is a word's character, as the analyzer splits words.
fn in_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// The start of the first word that starts at or after byte `at` of `text`, but no
/// later than `limit` (a word's start); 0 at 0.
fn word_start_from(text: &str, at: usize, limit: usize) -> usize {
    if at == 0 {
        return 0;
    }
    let mut at = at;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    // Inside a word: past it.
    let before_is_word = text
        .get(..at)
        .and_then(|t| t.chars().next_back())
        .is_some_and(in_word);
    let mut cursor = at;
    if before_is_word {
        let rest = text.get(at..).unwrap_or_default();
        cursor = at + rest.find(|c: char| !in_word(c)).unwrap_or(rest.len());
    }
    crate::analysis::next_word(text, &mut cursor).map_or(limit, |(from, _)| from.min(limit))
}

/// The end of the last word that ends at or before byte `at` of `text`, but no earlier
/// than `limit` (a word's end); the text's end at its end.
fn word_end_until(text: &str, at: usize, limit: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut at = at;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let head = text.get(..at).unwrap_or_default();
    // Inside a word: back to its start.
    let after_is_word = text
        .get(at..)
        .and_then(|t| t.chars().next())
        .is_some_and(in_word);
    let head = if after_is_word {
        head.trim_end_matches(in_word)
    } else {
        head
    };
    head.trim_end_matches(|c: char| !in_word(c))
        .len()
        .max(limit)
}

/// Appends `text[range]` escaped, with `marks` (in order, within `range`) marked.
/// Marks that overlap an earlier one or do not fall on characters are left unmarked:
/// our analyzer makes none, but another field's might.
fn push_marked(html: &mut String, text: &str, range: Range<usize>, marks: &[Range<usize>]) {
    let mut written = range.start;
    for mark in marks {
        if mark.start < written || mark.end > range.end {
            continue;
        }
        let (Some(before), Some(marked)) = (text.get(written..mark.start), text.get(mark.clone()))
        else {
            continue;
        };
        push_escaped(html, before);
        html.push_str("<mark>");
        push_escaped(html, marked);
        html.push_str("</mark>");
        written = mark.end;
    }
    push_escaped(html, text.get(written..range.end).unwrap_or_default());
}

fn field_tokenizer(index: &Index, field: Field) -> Option<String> {
    match index.schema().get_field_entry(field).field_type() {
        FieldType::Str(options) => options
            .get_indexing_options()
            .map(|indexing| indexing.tokenizer().to_owned()),
        _ => None,
    }
}

/// Reads text as the [`ENGLISH`] analyzer does (crate::schema::register_analyzers): runs
/// of alphanumeric characters, minus words of [`MAX_WORD_BYTES`] or more and English stop
/// words, and a word matches when its lower-cased stem is a term. Only words that start
/// with a term's prefix are lower-cased and stemmed.
pub(crate) struct EnglishWords {
    /// Lower-case ASCII prefixes, one of which starts every word that can match a term;
    /// `None` when a term is not ASCII, and every word must be stemmed.
    prefixes: Option<Vec<Vec<u8>>>,
    /// tantivy's English stemmer over one word.
    stemmer: RefCell<TextAnalyzer>,
    /// Whether a lower-cased word matches: words repeat within a hit's sections.
    matched: RefCell<FxHashMap<String, bool>>,
}

impl EnglishWords {
    pub(crate) fn for_terms(terms: &HashSet<String>) -> EnglishWords {
        let prefixes = terms
            .iter()
            .map(|term| {
                let keep = term
                    .len()
                    .saturating_sub(STEM_REWRITTEN_TAIL)
                    .max(1)
                    .min(term.len());
                term.is_ascii().then(|| term.as_bytes()[..keep].to_vec())
            })
            .collect();
        EnglishWords {
            prefixes,
            stemmer: RefCell::new(
                TextAnalyzer::builder(RawTokenizer::default())
                    .filter(Stemmer::new(Language::English))
                    .build(),
            ),
            matched: RefCell::default(),
        }
    }

    fn read(&self, text: &str, terms: &HashSet<String>, mut visit: impl FnMut(Word)) {
        // The analyzer's own split (ASCII classified without decoding characters).
        let mut cursor = 0;
        while let Some((from, to)) = crate::analysis::next_word(text, &mut cursor) {
            let Some(word) = text.get(from..to) else {
                continue;
            };
            if word.len() >= MAX_WORD_BYTES {
                continue;
            }
            let matches = if word.is_ascii() {
                if is_ascii_stop_word(word) {
                    continue;
                }
                self.may_match(word) && self.matches(word.to_ascii_lowercase(), terms)
            } else {
                // Unicode lower-casing, one character at a time, as tantivy's LowerCaser.
                let lower: String = word.chars().flat_map(char::to_lowercase).collect();
                if is_ascii_stop_word(&lower) {
                    continue;
                }
                self.matches(lower, terms)
            };
            visit(Word {
                at: from..to,
                matches,
            });
        }
    }

    /// False only when `word` (ASCII) starts with no term's prefix, so no stem of it can
    /// be a term.
    fn may_match(&self, word: &str) -> bool {
        let Some(prefixes) = &self.prefixes else {
            return true;
        };
        prefixes.iter().any(|prefix| {
            word.as_bytes()
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        })
    }

    fn matches(&self, lower: String, terms: &HashSet<String>) -> bool {
        if let Some(&known) = self.matched.borrow().get(&lower) {
            return known;
        }
        let stem = {
            let mut stemmer = self.stemmer.borrow_mut();
            let mut stemmed = stemmer.token_stream(&lower);
            if stemmed.advance() {
                stemmed.token().text.clone()
            } else {
                lower.clone()
            }
        };
        let matches = terms.contains(&stem);
        self.matched.borrow_mut().insert(lower, matches);
        matches
    }
}

/// Whether `word` is one of Lucene's English stop words, ignoring ASCII case: the list
/// tantivy's `StopWordFilter::new(Language::English)` removes (a test checks it is the
/// same). It runs for every word a snippet reads, so a word of up to five bytes is
/// packed into an integer and compared with the stop words packed alike: no buffer, no
/// string comparison. Words are never empty and have no zero byte, so the packing is
/// unambiguous.
fn is_ascii_stop_word(word: &str) -> bool {
    const LONGEST: usize = 5;
    const fn packed(word: &[u8]) -> u64 {
        let mut key = 0u64;
        let mut at = 0;
        while at < word.len() {
            key = key << 8 | word[at].to_ascii_lowercase() as u64;
            at += 1;
        }
        key
    }
    const STOP_WORDS: [u64; 33] = [
        packed(b"a"),
        packed(b"an"),
        packed(b"and"),
        packed(b"are"),
        packed(b"as"),
        packed(b"at"),
        packed(b"be"),
        packed(b"but"),
        packed(b"by"),
        packed(b"for"),
        packed(b"if"),
        packed(b"in"),
        packed(b"into"),
        packed(b"is"),
        packed(b"it"),
        packed(b"no"),
        packed(b"not"),
        packed(b"of"),
        packed(b"on"),
        packed(b"or"),
        packed(b"such"),
        packed(b"that"),
        packed(b"the"),
        packed(b"their"),
        packed(b"then"),
        packed(b"there"),
        packed(b"these"),
        packed(b"they"),
        packed(b"this"),
        packed(b"to"),
        packed(b"was"),
        packed(b"will"),
        packed(b"with"),
    ];
    let bytes = word.as_bytes();
    bytes.len() <= LONGEST && STOP_WORDS.contains(&packed(bytes))
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
    push_escaped(&mut escaped, text);
    escaped
}

fn push_escaped(html: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            other => html.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::snippet::SnippetGenerator;
    use tantivy::tokenizer::{
        LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, Token, TokenStream,
    };

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

    fn highlighter(index: &Index, field: Field, query: &str) -> Highlighter {
        let parser = tantivy::query::QueryParser::for_index(index, vec![field]);
        let query = parser.parse_query(query).expect("query");
        Highlighter::new(index, &*query, field).expect("highlighter")
    }

    fn words(highlighter: &Highlighter, text: &str) -> Vec<Word> {
        let mut words = Vec::new();
        highlighter.for_each_word(text, |word| words.push(word));
        words
    }

    /// The same highlighter, reading words with the field's full analyzer: the reference.
    fn with_full_analyzer(index: &Index, field: Field, highlighter: &Highlighter) -> Highlighter {
        Highlighter {
            terms: highlighter.terms.clone(),
            words: Words::Analyzer(index.tokenizer_for_field(field).expect("analyzer")),
        }
    }

    /// Queries whose words the suffix rules rewrite (`dying` → `die`, `skies` → `sky`,
    /// `happy` → `happi`), common and rare words, and a phrase with stop words.
    const QUERIES: [&str; 7] = [
        "suicide",
        "mental health",
        "\"voice of the child\"",
        "dying OR lying OR skies OR happy OR possibility",
        "relational OR organization OR generously OR agreed",
        "ambulance OR hospital",
        "the child OR this OR inquest",
    ];

    /// The words read without tokens are the English analyzer's: the same words at the
    /// same offsets, and the same ones match, on every section of the bundled corpus.
    #[test]
    fn english_words_are_the_english_analyzers_words() {
        let (index, field) = english_index();
        let sections = bundled_sections();
        for query in QUERIES {
            let fast = highlighter(&index, field, query);
            assert!(matches!(fast.words, Words::English(_)));
            let full = with_full_analyzer(&index, field, &fast);
            let (mut compared, mut matched) = (0, 0);
            for text in &sections {
                let expected = words(&full, text);
                assert_eq!(words(&fast, text), expected, "{query:?} in {text}");
                compared += expected.len();
                matched += expected.iter().filter(|word| word.matches).count();
            }
            assert!(compared > 300_000, "only {compared} words compared");
            assert!(matched > 20, "{query:?} matched {matched} words");
        }
    }

    /// On every third section of the bundled corpus: a fragment fits the length, starts
    /// and ends at words (or the text's ends), marks exactly the matching words inside
    /// it, and never holds fewer matches than tantivy's `SnippetGenerator` finds for the
    /// same length, the reference it replaced.
    #[test]
    fn fragments_hold_the_densest_run_of_matches_and_never_fewer_than_tantivys() {
        let (index, field) = english_index();
        let sections = bundled_sections();
        let starts_word = |text: &str, at: usize| {
            at == 0
                || (text[at..].starts_with(char::is_alphanumeric)
                    && !text[..at].ends_with(char::is_alphanumeric))
        };
        let ends_word = |text: &str, at: usize| {
            at == text.len()
                || (text[..at].ends_with(char::is_alphanumeric)
                    && !text[at..].starts_with(char::is_alphanumeric))
        };
        let (mut more, mut fragments) = (0, 0);
        for query in QUERIES {
            let highlighter = highlighter(&index, field, query);
            let weights = highlighter
                .terms
                .iter()
                .map(|term| (term.clone(), 1.0))
                .collect();
            let analyzer = index.tokenizer_for_field(field).expect("analyzer");
            let generator = SnippetGenerator::new(weights, analyzer, field, 220);
            for text in sections.iter().step_by(3) {
                let tantivys = generator.snippet(text).highlighted().len();
                let Some(fragment) = highlighter.best_fragment(text, 220) else {
                    assert_eq!(tantivys, 0, "{query:?} in {text}");
                    continue;
                };
                fragments += 1;
                assert!(fragment.matches() >= tantivys, "{query:?} in {text}");
                more += usize::from(fragment.matches() > tantivys);
                let range = fragment.range.clone();
                assert!(range.len() <= 220, "{range:?} in {text}");
                assert!(starts_word(text, range.start), "{range:?} in {text}");
                assert!(ends_word(text, range.end), "{range:?} in {text}");
                let inside: Vec<Range<usize>> = words(&highlighter, text)
                    .into_iter()
                    .filter(|word| word.matches && range.start <= word.at.start)
                    .filter(|word| word.at.end <= range.end)
                    .map(|word| word.at)
                    .collect();
                assert_eq!(fragment.marks, inside, "{query:?} in {text}");
            }
        }
        assert!(fragments > 1_000, "{fragments} fragments");
        // Runs that tantivy's fixed cuts split do occur in real text.
        assert!(more > 0);
    }

    /// Given the matches' word numbers as the index holds them (the analyzer's
    /// positions), the fragment is the one reading the words finds.
    #[test]
    fn fragments_from_word_numbers_are_those_from_reading_the_words() {
        let (index, field) = english_index();
        let mut analyzer = index.tokenizer_for_field(field).expect("analyzer");
        let mut compared = 0;
        for query in QUERIES {
            let highlighter = highlighter(&index, field, query);
            for text in bundled_sections().iter().step_by(5) {
                let numbers: Vec<u32> = tokens(&mut analyzer, text)
                    .iter()
                    .filter(|token| highlighter.terms.contains(&token.text))
                    .map(|token| (token.position - crate::schema::SECTION_GAP) as u32)
                    .collect();
                let read = highlighter.best_fragment(text, 220);
                let at = highlighter.best_fragment_at(text, 220, &numbers);
                assert_eq!(
                    read.as_ref().map(|f| (&f.range, &f.marks)),
                    at.as_ref().map(|f| (&f.range, &f.marks)),
                    "{query:?} in {text}"
                );
                compared += usize::from(read.is_some());
            }
        }
        assert!(compared > 500, "{compared} compared");
    }

    #[test]
    fn a_fragment_centres_its_run_and_gives_one_sides_unused_room_to_the_other() {
        let (index, field) = english_index();
        let highlighter = highlighter(&index, field, "hospital OR ambulance");
        let text = format!(
            "{}ambulance took him to hospital{}",
            "before ".repeat(40),
            " after".repeat(40)
        );
        let fragment = highlighter.best_fragment(&text, 100).expect("a match");
        assert_eq!(fragment.matches(), 2);
        let html = fragment.html(&text);
        assert!(html.starts_with("… before"), "{html}");
        assert!(html.ends_with("after …"), "{html}");
        let (before, after) = html.split_once("<mark>ambulance</mark>").expect("marked");
        assert!(
            before.len().abs_diff(after.len() - "</mark>".len() - 15) < 40,
            "{html}"
        );
        // At the text's start there is no room before: it all goes after.
        let text = format!("hospital{}", " after".repeat(40));
        let html = highlighter
            .best_fragment(&text, 100)
            .expect("a match")
            .html(&text);
        assert!(html.starts_with("<mark>hospital</mark> after"), "{html}");
        assert!(html.len() > 100, "{html}");
        // A word is never cut: the text of the fragment is whole words.
        let text = format!("{}hospital{}", "x".repeat(200), "y".repeat(200));
        assert_eq!(
            highlighter.best_fragment(&text, 100).map(|f| f.matches()),
            None,
            "one long word, no match"
        );
    }

    #[test]
    fn words_are_located_by_number_past_repeats_and_the_end() {
        let text = "Ça va, l'été: 2024 was hot… é";
        // Words: Ça va l été 2024 was hot é
        let words = crate::analysis::locate_words(text, &[0, 3, 3, 7, 8, 40]);
        let found: Vec<&str> = words.iter().map(|range| &text[range.clone()]).collect();
        assert_eq!(found, vec!["Ça", "été", "é"]);
        assert!(crate::analysis::locate_words(text, &[]).is_empty());
        assert!(crate::analysis::locate_words("", &[0]).is_empty());
    }

    /// The bound [`STEM_REWRITTEN_TAIL`] rests on: every word of the bundled corpus starts
    /// with its stem minus that many letters (lower-cased, as the analyzer compares).
    #[test]
    fn every_word_starts_with_its_stem_but_for_the_rewritten_tail() {
        let mut words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .build();
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

    #[test]
    fn the_stop_words_are_tantivys_english_ones() {
        let mut filter = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(StopWordFilter::new(Language::English).expect("English stop words"))
            .build();
        // Every word of one to three letters, and the longer stop words and near misses.
        let mut candidates: Vec<String> = Vec::new();
        let mut shorter = vec![String::new()];
        for _ in 0..3 {
            shorter = shorter
                .iter()
                .flat_map(|word| ('a'..='z').map(move |letter| format!("{word}{letter}")))
                .collect();
            candidates.extend(shorter.iter().cloned());
        }
        candidates.extend(
            [
                "into", "such", "that", "their", "then", "there", "these", "they", "this",
            ]
            .iter()
            .chain(&["will", "with", "thee", "theirs", "wills", "whom"])
            .map(|word| word.to_string()),
        );
        let mut stop_words = 0;
        for word in &candidates {
            let removed = tokens(&mut filter, word).is_empty();
            assert_eq!(is_ascii_stop_word(word), removed, "{word}");
            assert_eq!(is_ascii_stop_word(&word.to_uppercase()), removed, "{word}");
            stop_words += usize::from(removed);
        }
        assert_eq!(stop_words, 33);
    }

    #[test]
    fn a_kelvin_sign_lower_cases_to_k_as_in_the_analyzer() {
        let (index, field) = english_index();
        let highlighter = highlighter(&index, field, "kitchen");
        assert_eq!(
            highlighter.highlight_all("in the \u{212A}itchens & (Kitchen)"),
            "in the <mark>\u{212A}itchens</mark> &amp; (<mark>Kitchen</mark>)"
        );
        assert_eq!(highlighter.highlight_all("the bakitchen"), "the bakitchen");
    }

    #[test]
    fn a_fragment_cut_inside_a_text_says_so() {
        let (index, field) = english_index();
        let highlighter = highlighter(&index, field, "hospital");
        let text = format!(
            "{} taken to hospital {}",
            "words ".repeat(60),
            "after ".repeat(60)
        );
        let fragment = highlighter.best_fragment(&text, 60).expect("a match");
        assert_eq!(fragment.matches(), 1);
        let html = fragment.html(&text);
        assert!(html.starts_with("… ") && html.ends_with(" …"), "{html}");
        assert!(html.contains("<mark>hospital</mark>"), "{html}");
        assert!(highlighter.best_fragment("no such word", 60).is_none());
    }

    #[test]
    fn overlapping_or_misplaced_marks_are_left_unmarked() {
        let text = "née & co";
        let mut html = String::new();
        push_marked(&mut html, text, 0..text.len(), &[0..4, 2..6, 1..2, 7..10]);
        assert_eq!(html, "<mark>née</mark> &amp; co");
        // Byte 2 is inside the `é`.
        let mut html = String::new();
        push_marked(&mut html, text, 0..text.len(), &[2..4, 7..9]);
        assert_eq!(html, "née &amp; <mark>co</mark>");
    }

    #[test]
    fn first_words_cuts_at_a_word_and_escapes() {
        assert_eq!(first_words("a <b> c", 100), "a &lt;b&gt; c");
        assert_eq!(first_words("alpha beta gamma", 12), "alpha beta …");
    }
}
